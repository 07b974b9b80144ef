import Testing
@testable import TSEncoding
import TestSupport
import TSSupport

struct IntColumnTests {
    @discardableResult
    static func roundTrip(_ v: [Int64], sourceLocation: SourceLocation = #_sourceLocation) throws -> (ValueCodec, [UInt8]) {
        let r = try roundTripColumn(v, sentinel: 123, encode: { IntColumn.encode($0, into: &$1) },
                                    decode: { try IntColumn.decode($0, $1, count: $2, into: &$3) }, same: ==, sourceLocation: sourceLocation)
        #expect(r.0.isIntCodec, sourceLocation: sourceLocation)
        return r
    }

    static func decoder(_ codec: ValueCodec) -> CountingDecoder {
        countingDecoder { (b, n, out: inout [Int64]) in try IntColumn.decode(codec, b, count: n, into: &out) }
    }

    @Test func smallInputs() throws {
        #expect(try Self.roundTrip([]) == (.raw, []))
        #expect(try Self.roundTrip([5]).0 == .constant)
        try Self.roundTrip([Int64.min])
        try Self.roundTrip([1, 2])
        try Self.roundTrip([Int64.max, Int64.min])
        try Self.roundTrip([0, -1, 0])
    }

    @Test func frameBoundaries() throws {
        var rng = SplitMix64(seed: 10)
        for n in [127, 128, 129, 255, 256, 257, 1000] {
            try Self.roundTrip((0..<n).map { _ in Int64(rng.next() % 50) })
            try Self.roundTrip((0..<n).map { Int64($0) * 3 + 7 })
            try Self.roundTrip((0..<n).map { _ in Int64(bitPattern: rng.next()) })
        }
    }

    @Test func extremes() throws {
        try Self.roundTrip([Int64.min, Int64.max, Int64.min, Int64.max, 0])
        try Self.roundTrip((0..<1000).map { $0 % 2 == 0 ? Int64.min : Int64.max })
        try Self.roundTrip((0..<300).map { Int64.max &- Int64($0) })
        try Self.roundTrip((0..<300).map { Int64.min &+ Int64($0) * Int64($0) })
        // UInt64 stored by bit pattern, wrapping through the sign boundary.
        let u: [UInt64] = (0..<500).map { UInt64(Int64.max) &- 250 &+ UInt64($0) }
        try Self.roundTrip(u.map { Int64(bitPattern: $0) })
        try Self.roundTrip((0..<500).map { Int64(bitPattern: UInt64.max &- UInt64($0) * 1_000_000_007) })
    }

    @Test func codecChoice() throws {
        #expect(try Self.roundTrip([Int64](repeating: -42, count: 1000)) == (.constant, [UInt8(Varint.zigzag(-42))]))
        // Regular counter: delta-of-delta is all zero.
        let linear = (0..<1000).map { Int64($0) * 15 + 1_000_000 }
        let (c1, b1) = try Self.roundTrip(linear)
        #expect(c1 == .packedDelta)
        #expect(b1.count < 40)
        // Constant second difference: delta-of-delta is all zero.
        let quadratic = (0..<1000).map { Int64($0) * Int64($0) * 3 + 1_000_000 }
        let (c0, b0) = try Self.roundTrip(quadratic)
        #expect(c0 == .packedDoD)
        #expect(b0.count < 40)
        // Counter with random increments: deltas are small.
        var rng = SplitMix64(seed: 20)
        var x: Int64 = 1_000_000_000_000
        let counter = (0..<1000).map { _ -> Int64 in x += Int64(rng.next() % 1000); return x }
        let (c2, b2) = try Self.roundTrip(counter)
        #expect(c2 == .packedDelta)
        #expect(b2.count <= 1000 * 10 / 8 + 30)
        // Small random values: packed as they are.
        let small = (0..<1000).map { _ in Int64(rng.next() % 16) }
        let (c3, b3) = try Self.roundTrip(small)
        #expect(c3 == .packedRaw)
        #expect(b3.count <= 1000 / 2 + 20)
        // Long runs.
        let runs = (0..<1000).map { Int64($0 / 100) * 123_456_789 }
        let (c4, b4) = try Self.roundTrip(runs)
        #expect(c4 == .runLength)
        #expect(b4.count < 60)
        // Mostly unchanged gauge: only the non-zero deltas are packed.
        var mem: Int64 = 8_000_000_000
        let sparse = (0..<1000).map { _ -> Int64 in
            if rng.next() % 4 == 0 { mem += 4096 * (Int64(rng.next() % 200) - 100) }
            return mem
        }
        let (c5, b5) = try Self.roundTrip(sparse)
        #expect(c5 == .sparseDelta)
        #expect(b5.count < 1000 / 2)
        // Random 64-bit values: raw is best.
        let random = (0..<1000).map { _ in Int64(bitPattern: rng.next()) }
        #expect(try Self.roundTrip(random) == (.raw, random.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }))
    }

    @Test func counterResets() throws {
        var v: [Int64] = []
        var x: Int64 = 0
        for i in 0..<1000 {
            if i % 300 == 299 { x = 0 } else { x += Int64(i % 13) * 1000 }
            v.append(x)
        }
        try Self.roundTrip(v)
    }

    @Test func allCodecsDecodeEmptyAndSingle() throws {
        // Each candidate written explicitly for zero / one / two values.
        for v: [Int64] in [[], [9], [9, -4], [1, 2, 3]] {
            for codec in ValueCodec.allCases where codec.isIntCodec {
                if codec == .constant && Set(v).count != 1 { continue }
                var enc = IntEncoder()
                _ = v.withUnsafeBufferPointer { enc.plan($0) }
                var out: [UInt8] = []
                if v.isEmpty && codec != .raw { continue }
                v.withUnsafeBufferPointer { enc.write(codec, $0, into: &out) }
                var decoded: [Int64] = []
                try IntColumn.decode(codec, out, count: v.count, into: &decoded)
                #expect(decoded == v, "codec \(codec)")
            }
        }
    }

    @Test func wrongCodecAndCountRejected() {
        var out: [Int64] = []
        #expect(throws: EncodingError.unknownCodec(ValueCodec.gorillaXOR.rawValue)) {
            try IntColumn.decode(.gorillaXOR, [], count: 0, into: &out)
        }
        #expect(throws: EncodingError.self) { try IntColumn.decode(.raw, [], count: -1, into: &out) }
        #expect(throws: EncodingError.self) {
            try IntColumn.decode(.constant, [0], count: EncodingLimits.maxValueCount + 1, into: &out)
        }
        #expect(throws: EncodingError.self) { try IntColumn.decode(.raw, [1, 2, 3, 4, 5, 6, 7, 8], count: 2, into: &out) }
        // Run overshooting the count.
        #expect(throws: EncodingError.self) { try IntColumn.decode(.runLength, [2, 5], count: 3, into: &out) }
        #expect(throws: EncodingError.self) { try IntColumn.decode(.runLength, [2, 0], count: 3, into: &out) }
        // Sparse bitmap padding bit set / more flagged deltas than packed ones.
        #expect(throws: EncodingError.self) { try IntColumn.decode(.sparseDelta, [0, 0x01, 0, 2], count: 3, into: &out) }
        #expect(throws: EncodingError.truncated) { try IntColumn.decode(.sparseDelta, [0, 0xC0], count: 3, into: &out) }
        #expect(throws: Never.self) { try IntColumn.decode(.sparseDelta, [0, 0x40, 0, 2], count: 3, into: &out) }
        #expect(out == [0, 0, 1])
        out.removeAll()
        #expect(out.isEmpty)
    }

    @Test func robustness() throws {
        var rng = SplitMix64(seed: 30)
        var samples: [[Int64]] = [
            [7], [1, 2], (0..<129).map { Int64($0) * 3 }, (0..<300).map { _ in Int64(rng.next() % 100) },
            (0..<200).map { Int64($0 / 50) }, (0..<20).map { _ in Int64(bitPattern: rng.next()) },
        ]
        var x: Int64 = 5
        samples.append((0..<260).map { _ in x += Int64(rng.next() % 7); return x })
        samples.append((0..<5).map { Int64($0) })
        samples.append((0..<150).map { Int64($0 / 3) * 1000 + ($0 % 17 == 0 ? 5 : 0) })
        samples.append([3, 3, 4])
        samples.append((0..<140).map { Int64($0 * $0) })
        var valid: [ValueCodec: [[UInt8]]] = [:]
        for s in samples {
            let (codec, bytes) = try Self.roundTrip(s)
            valid[codec, default: []].append(bytes)
            checkTruncationsAndTrailing(bytes, count: s.count, Self.decoder(codec))
        }
        #expect(valid.count == 7, "codecs seen: \(valid.keys)")
        for codec in ValueCodec.allCases {
            fuzzDecoder(seed: 31 &+ UInt64(codec.rawValue), iterations: 600, valid: valid[codec] ?? [],
                        Self.decoder(codec))
        }
    }
}
