import Testing
@testable import TSEncoding
import TestSupport
import TSSupport

struct TimestampColumnTests {
    @discardableResult
    static func roundTrip(_ ts: [Int64], sourceLocation: SourceLocation = #_sourceLocation) throws -> (TimestampCodec, [UInt8]) {
        try roundTripColumn(ts, prefix: [0xAB], sentinel: 1, encode: { TimestampColumn.encode($0, into: &$1) },
                            decode: { try TimestampColumn.decode($0, $1, count: $2, into: &$3) }, same: ==, sourceLocation: sourceLocation)
    }

    static func decoder(_ codec: TimestampCodec) -> CountingDecoder {
        countingDecoder { (b, n, out: inout [Int64]) in try TimestampColumn.decode(codec, b, count: n, into: &out) }
    }

    @Test func smallInputs() throws {
        #expect(try Self.roundTrip([]) == (.raw, []))
        try Self.roundTrip([0])
        try Self.roundTrip([Int64.min])
        try Self.roundTrip([Int64.max])
        try Self.roundTrip([1_767_225_600_000_000_000])
        try Self.roundTrip([1, 2])
        try Self.roundTrip([Int64.max, Int64.min])
        try Self.roundTrip([Int64.min, Int64.max])
        try Self.roundTrip([5, 5, 5])
    }

    @Test func extremes() throws {
        try Self.roundTrip((0..<1000).map { $0 % 2 == 0 ? Int64.min : Int64.max })
        try Self.roundTrip((0..<300).map { $0 % 3 == 0 ? Int64.min : ($0 % 3 == 1 ? 0 : Int64.max) })
        try Self.roundTrip([0, Int64.min, 0, Int64.min])
        try Self.roundTrip([Int64.max - 2, Int64.max - 1, Int64.max, Int64.min, Int64.min + 1])  // wraps
        try Self.roundTrip((0..<500).map { Int64.max &- 250 &+ Int64($0) * 7 })
        var rng = SplitMix64(seed: 50)
        for n in [2, 3, 127, 128, 129, 1000] {
            try Self.roundTrip((0..<n).map { _ in Int64(bitPattern: rng.next()) })
        }
    }

    @Test func outOfOrderAndResets() throws {
        try Self.roundTrip((0..<500).map { 1_000_000 - Int64($0) * 1000 })
        try Self.roundTrip((0..<500).map { Int64(($0 * 7919) % 500) * 1_000_000 })
        var v = (0..<300).map { Int64($0) * 10_000 }
        v += (0..<300).map { Int64($0) * 10_000 }
        try Self.roundTrip(v)
    }

    @Test func frameBoundaries() throws {
        for n in [127, 128, 129, 130, 255, 256, 257, 258, 1000] {
            try Self.roundTrip(jitteredMillis(n, seed: UInt64(n)))
            try Self.roundTrip(jitteredMillis(n, seed: UInt64(n)).map { $0 * 1_000_000 })
        }
    }

    @Test func regularTimestamps() throws {
        // Perfectly regular nanosecond timestamps: the scale removes the unit.
        let ns = (0..<720).map { 1_767_225_600_000_000_000 + Int64($0) * 10_000_000_000 }
        let (c, b) = try Self.roundTrip(ns)
        #expect(c != .raw)
        #expect(b.count <= 30)
        // Second precision.
        let secs = (0..<720).map { 1_767_225_600 + Int64($0) * 10 }
        #expect(try Self.roundTrip(secs).1.count <= 30)
        // Second precision with occasional 1 s jitter, in nanoseconds.
        var rng = SplitMix64(seed: 51)
        let jitterSecs = (0..<720).map { i -> Int64 in
            (1_767_225_600 + Int64(i) * 10 + (rng.next() % 10 == 0 ? 1 : 0)) * 1_000_000_000
        }
        let (_, b2) = try Self.roundTrip(jitterSecs)
        #expect(Double(b2.count * 8) / 720 <= 3)
    }

    @Test(arguments: [Int64(1), 1_000, 1_000_000])
    func jitteredMillisecondTimestamps(unit: Int64) throws {
        let ts = jitteredMillis(720, seed: 52).map { $0 * unit }
        let (c, b) = try Self.roundTrip(ts)
        #expect(c == .gridResidual || c == .packedDoD)
        let bitsPerTimestamp = Double(b.count * 8) / 720
        #expect(bitsPerTimestamp <= 4)
    }

    @Test func gapsDoNotRuinGrid() throws {
        var ts = jitteredMillis(720, seed: 53)
        for i in 400..<720 { ts[i] += 20_000 }  // two missed scrapes
        let (c, b) = try Self.roundTrip(ts)
        #expect(c == .gridResidual)
        // Only the frame holding the jump pays for it.
        #expect(Double(b.count * 8) / 720 <= 6)
    }

    @Test func everyCodecDecodesItsOwnOutput() throws {
        // Find inputs for which each codec wins and check truncations.
        var rng = SplitMix64(seed: 54)
        let inputs: [[Int64]] = [
            [7], [7, 9], jitteredMillis(200, seed: 1), (0..<200).map { Int64($0) * 1000 },
            (0..<200).map { Int64($0 * $0) }, (0..<5).map { _ in Int64(bitPattern: rng.next()) },
            (0..<300).map { Int64($0) * 10 + ($0 % 50 == 0 ? 3 : 0) },
            (0..<100).map { i in Int64(i * i * i) * 1_000 + Int64(rng.next() % 2) },
        ]
        var seen: [TimestampCodec: [[UInt8]]] = [:]
        for ts in inputs {
            let (c, b) = try Self.roundTrip(ts)
            seen[c, default: []].append(b)
            checkTruncationsAndTrailing(b, count: ts.count, Self.decoder(c))
        }
        #expect(seen.count == 4, "codecs seen: \(seen.keys)")
        for codec in TimestampCodec.allCases {
            fuzzDecoder(seed: 55 &+ UInt64(codec.rawValue), iterations: 1000, valid: seen[codec] ?? [],
                        Self.decoder(codec))
        }
    }

    @Test func malformedHeadersThrow() {
        var out: [Int64] = []
        // Scale zero.
        #expect(throws: EncodingError.self) { try TimestampColumn.decode(.gridResidual, [0, 0], count: 1, into: &out) }
        #expect(throws: EncodingError.self) { try TimestampColumn.decode(.deltaOfDelta, [2], count: 1, into: &out) }
        #expect(throws: EncodingError.self) { try TimestampColumn.decode(.packedDoD, [2, 1, 0], count: 1, into: &out) }
        #expect(throws: EncodingError.self) { try TimestampColumn.decode(.raw, [1], count: 0, into: &out) }
        #expect(throws: EncodingError.self) { try TimestampColumn.decode(.raw, [], count: -3, into: &out) }
        #expect(throws: EncodingError.unknownCodec(9)) { _ = try TimestampCodec(validating: 9) }
        #expect(out.isEmpty)
        #expect(throws: Never.self) { try TimestampColumn.decode(.deltaOfDelta, [2, 1], count: 1, into: &out) }
        #expect(out == [1])
    }

    @Test func codecIdsAreStable() {
        #expect(TimestampCodec.raw.rawValue == 0)
        #expect(TimestampCodec.deltaOfDelta.rawValue == 1)
        #expect(TimestampCodec.gridResidual.rawValue == 2)
        #expect(TimestampCodec.packedDoD.rawValue == 3)
    }
}
