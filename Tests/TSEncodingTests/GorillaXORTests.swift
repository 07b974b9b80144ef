import Testing
@testable import TSEncoding
import TestSupport
import TSSupport

struct GorillaXORTests {
    static func roundTrip(_ bits: [UInt64], sourceLocation: SourceLocation = #_sourceLocation) throws -> [UInt8] {
        var out: [UInt8] = []
        bits.withUnsafeBufferPointer { GorillaXOR.encode($0, into: &out) }
        #expect(out.count == bits.withUnsafeBufferPointer { GorillaXOR.encodedSize($0) }, sourceLocation: sourceLocation)
        var decoded: [Double] = []
        try withExactBuffer(out) { try GorillaXOR.decode($0, count: bits.count, into: &decoded) }
        #expect(decoded.map(\.bitPattern) == bits, sourceLocation: sourceLocation)
        return out
    }

    @Test func specialPatterns() throws {
        let values: [Double] = [
            0.0, -0.0, .infinity, -.infinity, .nan, -.nan, .signalingNaN,
            Double(nan: 0x1234, signaling: false), Double(nan: 0x5, signaling: true),
            .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude,
            .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1.0, 1.0, 1.5, .ulpOfOne,
        ]
        _ = try Self.roundTrip(values.map(\.bitPattern))
        _ = try Self.roundTrip([UInt64.max, 0, UInt64.max, 1, 1 << 63, 1])
    }

    @Test func sizes() throws {
        #expect(try Self.roundTrip([]).isEmpty)
        #expect(try Self.roundTrip([42]).count == 8)
        // Repeated value: 1 bit each.
        #expect(try Self.roundTrip([UInt64](repeating: 99, count: 801)).count == 8 + 100)
    }

    @Test func windowReuseAndLeadingCap() throws {
        // XORs with > 31 leading zeros exercise the leading-zero cap.
        var v: [UInt64] = [0]
        for i in 0..<300 { v.append(v.last! ^ UInt64(i % 7 + 1)) }
        _ = try Self.roundTrip(v)
        var rng = SplitMix64(seed: 8)
        _ = try Self.roundTrip((0..<1000).map { _ in rng.next() })
        _ = try Self.roundTrip((0..<1000).map { _ in rng.next() & 0xFFFF_0000_0000_0000 })
    }

    @Test func malformedThrows() {
        func decode(_ b: [UInt8], _ n: Int) throws {
            var out: [Double] = []
            try withExactBuffer(b) { try GorillaXOR.decode($0, count: n, into: &out) }
        }
        // Window reuse ('10') before any window exists.
        #expect(throws: EncodingError.self) { try decode([0, 0, 0, 0, 0, 0, 0, 0, 0b1000_0000], 2) }
        // New window with leading 31 + length 64 > 64.
        #expect(throws: EncodingError.self) { try decode([0, 0, 0, 0, 0, 0, 0, 0, 0b1111_1111, 0b1111_1000, 0, 0, 0, 0, 0, 0, 0, 0, 0], 2) }
        #expect(throws: EncodingError.self) { try decode([1], 0) }
        #expect(throws: EncodingError.truncated) { try decode([1, 2, 3], 1) }
    }
}
