import Testing
@testable import TSEncoding
import TestSupport
import TSSupport

struct FloatColumnTests {
    @discardableResult
    static func roundTrip(_ v: [Double], sourceLocation: SourceLocation = #_sourceLocation) throws -> (ValueCodec, [UInt8]) {
        let r = try roundTripColumn(v, sentinel: 0.5, encode: { FloatColumn.encode($0, into: &$1) },
                                    decode: { try FloatColumn.decode($0, $1, count: $2, into: &$3) },
                                    same: { $0.map(\.bitPattern) == $1.map(\.bitPattern) }, sourceLocation: sourceLocation)
        #expect(r.0.isFloatCodec, sourceLocation: sourceLocation)
        return r
    }

    static func decoder(_ codec: ValueCodec) -> CountingDecoder {
        countingDecoder { (b, n, out: inout [Double]) in try FloatColumn.decode(codec, b, count: n, into: &out) }
    }

    static let specials: [Double] = [
        0.0, -0.0, .infinity, -.infinity, .nan, -.nan, .signalingNaN, -.signalingNaN,
        Double(nan: 0x3_FFFF, signaling: false), Double(nan: 0x77, signaling: true),
        Double(bitPattern: 0x7FF0_0000_0000_0001), Double(bitPattern: 0xFFFF_FFFF_FFFF_FFFF),
        .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude, .leastNormalMagnitude.nextDown,
        .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 9_223_372_036_854_775_808.0, -9_223_372_036_854_775_808.0,
        9_007_199_254_740_993.0, 0.1, 0x1p-1030, 2.13,
    ]

    @Test func smallInputs() throws {
        #expect(try Self.roundTrip([]) == (.raw, []))
        for x in Self.specials {
            let (c, b) = try Self.roundTrip([x])
            #expect(c == .constant)
            #expect(b.count == 8)
            try Self.roundTrip([x, 1.0])
            try Self.roundTrip([1.0, x])
        }
    }

    @Test func specialValuesRoundTrip() throws {
        try Self.roundTrip(Self.specials)
        try Self.roundTrip(Self.specials.reversed())
        // Specials mixed into otherwise integral / decimal data must not be
        // mistaken for those encodings.
        for x in Self.specials {
            try Self.roundTrip([1, 2, 3, x, 5])
            try Self.roundTrip([1.25, 2.5, x, 0.75])
        }
        try Self.roundTrip([Double](repeating: -0.0, count: 200))
        try Self.roundTrip([Double](repeating: .nan, count: 200) + [Double.signalingNaN])
    }

    @Test func frameBoundaries() throws {
        var rng = SplitMix64(seed: 40)
        for n in [2, 127, 128, 129, 255, 256, 257, 1000] {
            try Self.roundTrip((0..<n).map { _ in Double(rng.next() % 1000) })
            try Self.roundTrip((0..<n).map { _ in Double(rng.next() % 100_000) / 100 })
            try Self.roundTrip((0..<n).map { _ in Double(bitPattern: rng.next()) })
            try Self.roundTrip((0..<n).map { _ in rng.unit() })
        }
    }

    @Test func integralCounters() throws {
        var rng = SplitMix64(seed: 41)
        var x = 1.0e12
        let v = (0..<720).map { _ -> Double in x += (rng.gaussian(mean: 300, sd: 60)).rounded(); return x }
        let (c, b) = try Self.roundTrip(v)
        #expect(c == .integral)
        #expect(Double(b.count) / 720 <= 1.3)
        // Large and negative whole numbers, up to the Int64 limit.
        try Self.roundTrip([-1e15, 4e18, -9_223_372_036_854_775_808.0, 0, 1])
        #expect(try Self.roundTrip([1, 2, 3, 4]).0 == .integral)
    }

    @Test func decimalGauges() throws {
        var rng = SplitMix64(seed: 42)
        let v = (0..<720).map { _ in Double(Int(rng.next() % 400)) / 100 }  // load average 0.00...3.99
        let (c, b) = try Self.roundTrip(v)
        #expect(c == .decimal)
        #expect(try FloatColumn.decimalDigits(b.withUnsafeBytes { $0 }) == 2)
        #expect(Double(b.count) / 720 <= 1.2)
        // Values parsed from decimal text with k = 1...9 digits.
        for k in 1...9 {
            var p = 1.0
            for _ in 0..<k { p *= 10 }
            let w = (0..<200).map { _ in Double(Int64(rng.next() % 10_000_000)) / p }
            try Self.roundTrip(w)
        }
        let oneDigit = try Self.roundTrip([0.5, 1.5, 2.5, 100.1])
        #expect(oneDigit.0 == .decimal)
        #expect(oneDigit.1[0] == 1)
        let threeDigit = try Self.roundTrip([0.001, 1.234, 2.5, 3])
        #expect(threeDigit.0 == .decimal)
        #expect(threeDigit.1[0] == 3)
    }

    @Test func pageMultiples() throws {
        var rng = SplitMix64(seed: 43)
        var mem = 4096.0 * 2_000_000
        let v = (0..<720).map { i -> Double in
            if i % 40 == 0 { mem += 4096 * Double(Int(rng.next() % 2000) - 1000) }
            return mem
        }
        let (c, b) = try Self.roundTrip(v)
        #expect(c == .integral)
        #expect(b.count < 720 / 4)
    }

    @Test func constantAndRandom() throws {
        let (c, b) = try Self.roundTrip([Double](repeating: 3.75, count: 720))
        #expect(c == .constant)
        #expect(b.count == 8)
        var rng = SplitMix64(seed: 44)
        let random = (0..<720).map { _ in rng.unit() * 1000 }
        let (c2, b2) = try Self.roundTrip(random)
        #expect(c2 == .raw || c2 == .gorillaXOR)
        #expect(b2.count <= 720 * 8)
        // Slowly varying doubles suit Gorilla.
        var y = 100.0
        let smooth = (0..<720).map { i -> Double in if i % 10 == 0 { y += 0.5 }; return y * 1.000001 }
        let (c3, b3) = try Self.roundTrip(smooth)
        #expect(c3 == .gorillaXOR)
        #expect(b3.count < 720 * 3)
    }

    @Test func wrongCodecRejected() {
        var out: [Double] = []
        for codec in ValueCodec.allCases where !codec.isFloatCodec {
            #expect(throws: EncodingError.unknownCodec(codec.rawValue)) {
                try FloatColumn.decode(codec, [0, 0, 0, 0, 0, 0, 0, 0], count: 1, into: &out)
            }
        }
        // Inner codec of integral/decimal must be an integer codec.
        #expect(throws: EncodingError.self) { try FloatColumn.decode(.integral, [2, 0], count: 1, into: &out) }
        #expect(throws: EncodingError.self) { try FloatColumn.decode(.integral, [3, 0], count: 1, into: &out) }
        #expect(throws: EncodingError.self) { try FloatColumn.decode(.decimal, [0, 1, 0], count: 1, into: &out) }
        #expect(throws: EncodingError.self) { try FloatColumn.decode(.decimal, [10, 1, 0], count: 1, into: &out) }
        #expect(throws: EncodingError.unknownCodec(200)) { try FloatColumn.decode(.decimal, [2, 200, 0], count: 1, into: &out) }
        #expect(out.isEmpty)
    }

    @Test func robustness() throws {
        var rng = SplitMix64(seed: 45)
        var samples: [[Double]] = [
            [1.5], [1.5, 2.5], Self.specials, (0..<130).map { Double($0) * 1000 },
            (0..<150).map { _ in Double(rng.next() % 1000) / 100 }, (0..<40).map { _ in Double(bitPattern: rng.next()) },
        ]
        var y = 100.0
        samples.append((0..<300).map { i -> Double in if i % 10 == 0 { y += 0.5 }; return y * 1.000001 })
        var valid: [ValueCodec: [[UInt8]]] = [:]
        for s in samples {
            let (codec, bytes) = try Self.roundTrip(s)
            valid[codec, default: []].append(bytes)
            checkTruncationsAndTrailing(bytes, count: s.count, Self.decoder(codec))
        }
        #expect(valid.count == 5, "codecs seen: \(valid.keys)")
        for codec in ValueCodec.allCases {
            fuzzDecoder(seed: 46 &+ UInt64(codec.rawValue), iterations: 600, valid: valid[codec] ?? [],
                        Self.decoder(codec))
        }
    }
}
