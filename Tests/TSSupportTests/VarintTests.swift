import Testing

import TestSupport
import TSSupport

struct VarintTests {
    static let edgeValues: [UInt64] = {
        var v: [UInt64] = [0, 1, 2, 126, 127, 128, 129, 255, 256, 16383, 16384, UInt64.max, UInt64.max - 1,
                           UInt64(Int64.max), UInt64(Int64.max) + 1]
        for s in 0..<64 {
            let p = UInt64(1) << UInt64(s)
            v += [p, p - 1, p + 1]
        }
        return v
    }()

    @Test func roundTripEdgeValues() throws {
        for v in Self.edgeValues {
            var out: [UInt8] = [0xAA]
            Varint.put(v, into: &out)
            #expect(out.count - 1 == Varint.length(v))
            #expect(out.count - 1 <= Varint.maxLength)
            var at = 1
            let got = try out.withUnsafeBytes { try Varint.get($0, at: &at) }
            #expect(got == v)
            #expect(at == out.count)
        }
    }

    @Test func knownEncodings() {
        func enc(_ v: UInt64) -> [UInt8] {
            var o: [UInt8] = []
            Varint.put(v, into: &o)
            return o
        }
        #expect(enc(0) == [0x00])
        #expect(enc(1) == [0x01])
        #expect(enc(127) == [0x7F])
        #expect(enc(128) == [0x80, 0x01])
        #expect(enc(300) == [0xAC, 0x02])
        #expect(enc(UInt64.max) == [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
    }

    @Test func zigzagMapping() {
        #expect(Varint.zigzag(0) == 0)
        #expect(Varint.zigzag(-1) == 1)
        #expect(Varint.zigzag(1) == 2)
        #expect(Varint.zigzag(-2) == 3)
        #expect(Varint.zigzag(Int64.max) == UInt64.max - 1)
        #expect(Varint.zigzag(Int64.min) == UInt64.max)
        for v: Int64 in [0, 1, -1, 63, -64, Int64.max, Int64.min, Int64.min + 1, 1 << 40, -(1 << 40)] {
            #expect(Varint.unzigzag(Varint.zigzag(v)) == v)
        }
        var rng = SplitMix64(seed: 7)
        for _ in 0..<10_000 {
            let u = rng.next()
            #expect(Varint.zigzag(Varint.unzigzag(u)) == u)
        }
    }

    @Test func signedHelpers() throws {
        var out: [UInt8] = []
        let values: [Int64] = [0, -1, 1, Int64.min, Int64.max, -123_456_789]
        for v in values { Varint.putSigned(v, into: &out) }
        var at = 0
        for v in values {
            #expect(try out.withUnsafeBytes { try Varint.getSigned($0, at: &at) } == v)
        }
        #expect(at == out.count)
    }

    @Test func randomRoundTrip() throws {
        var rng = SplitMix64(seed: 42)
        var out: [UInt8] = []
        var values: [UInt64] = []
        for _ in 0..<5000 {
            let v = rng.next() >> (rng.next() % 64)
            values.append(v)
            Varint.put(v, into: &out)
        }
        var at = 0
        try out.withUnsafeBytes { b throws in
            for v in values { #expect(try Varint.get(b, at: &at) == v) }
        }
        #expect(at == out.count)
    }

    @Test func malformedInputThrows() {
        func get(_ bytes: [UInt8], at start: Int = 0) throws -> UInt64 {
            var at = start
            return try withExactBuffer(bytes) { try Varint.get($0, at: &at) }
        }
        #expect(throws: EncodingError.truncated) { try get([]) }
        #expect(throws: EncodingError.truncated) { try get([0x80]) }
        #expect(throws: EncodingError.truncated) { try get([0xFF, 0xFF, 0xFF]) }
        #expect(throws: EncodingError.truncated) { try get([0x01], at: 1) }
        #expect(throws: EncodingError.self) { try get([0x01], at: -1) }
        // Tenth byte may only carry one bit.
        #expect(throws: EncodingError.self) {
            try get([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02])
        }
        // Eleven bytes.
        #expect(throws: EncodingError.self) {
            try get([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00])
        }
        // Failed reads leave the offset untouched.
        var at = 0
        let bytes: [UInt8] = [0x80, 0x80]
        _ = try? bytes.withUnsafeBytes { try Varint.get($0, at: &at) }
        #expect(at == 0)
    }

    @Test func fuzzNeverCrashes() {
        var rng = SplitMix64(seed: 99)
        for _ in 0..<5000 {
            let bytes = rng.bytes(Int(rng.next() % 14))
            var at = 0
            withExactBuffer(bytes) { b in
                if let _ = try? Varint.get(b, at: &at) {
                    #expect(at >= 1 && at <= min(10, bytes.count))
                }
            }
        }
    }
}
