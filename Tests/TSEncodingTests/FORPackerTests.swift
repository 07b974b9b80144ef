import Testing
@testable import TSEncoding
import TestSupport
import TSSupport

struct FORPackerTests {
    static func roundTrip(_ v: [Int64], sourceLocation: SourceLocation = #_sourceLocation) throws -> [UInt8] {
        var out: [UInt8] = [0xEE]
        v.withUnsafeBufferPointer { FORPacker.encode($0, into: &out) }
        let size = v.withUnsafeBufferPointer { FORPacker.encodedSize($0) }
        #expect(out.count - 1 == size, sourceLocation: sourceLocation)
        var decoded: [Int64] = [-5]
        try withExactBuffer(out) { b throws in
            var at = 1
            try FORPacker.decode(b, at: &at, count: v.count, into: &decoded)
            #expect(at == out.count, sourceLocation: sourceLocation)
        }
        #expect(decoded == [-5] + v, sourceLocation: sourceLocation)
        return Array(out.dropFirst())
    }

    @Test func frameBoundaries() throws {
        var rng = SplitMix64(seed: 1)
        for n in [0, 1, 2, 127, 128, 129, 255, 256, 257, 1000] {
            _ = try Self.roundTrip((0..<n).map { _ in Int64(rng.next() % 1000) - 500 })
            _ = try Self.roundTrip((0..<n).map { _ in Int64(bitPattern: rng.next()) })
        }
    }

    @Test func extremeRanges() throws {
        let bytes = try Self.roundTrip([Int64.min, Int64.max, 0, -1, Int64.min, Int64.max])
        #expect(bytes[0] == 64)  // width 64, no divisor
        _ = try Self.roundTrip([Int64.max, Int64.max - 1])
        _ = try Self.roundTrip([Int64.min, Int64.min + 1])
        _ = try Self.roundTrip((0..<300).map { $0 % 2 == 0 ? Int64.min : Int64.max })
    }

    @Test func constantFrameHasWidthZero() throws {
        let bytes = try Self.roundTrip([Int64](repeating: 77, count: 128))
        var expected: [UInt8] = [0]
        Varint.putSigned(77, into: &expected)
        #expect(bytes == expected)
    }

    @Test func exactWidths() throws {
        // Range 0...5 needs 3 bits: 128 values → 48 bytes.
        let v = (0..<128).map { Int64($0 % 6) + 1000 }
        let bytes = try Self.roundTrip(v)
        #expect(bytes[0] == 3)
        #expect(bytes.count == 1 + Varint.length(Varint.zigzag(1000)) + 48)
    }

    @Test func commonDivisorShrinksFrames() throws {
        var rng = SplitMix64(seed: 2)
        let v = (0..<128).map { _ in Int64(rng.next() % 1000) * 4096 + 12_288 }
        let bytes = try Self.roundTrip(v)
        #expect(bytes[0] & 0x80 != 0)
        #expect(bytes[0] & 0x7F <= 10)
        #expect(bytes.count < 128 * 10 / 8 + 10)
        // Divisor with negative values and wrapping.
        _ = try Self.roundTrip((0..<200).map { Int64($0 % 7) * -3 * (1 << 40) })
        _ = try Self.roundTrip([Int64.min, 0, Int64.min, 0])
    }

    @Test func malformedFramesThrow() {
        func decode(_ bytes: [UInt8], count: Int) throws {
            var out: [Int64] = []
            var at = 0
            try withExactBuffer(bytes) { try FORPacker.decode($0, at: &at, count: count, into: &out) }
        }
        #expect(throws: EncodingError.self) { try decode([65, 0], count: 1) }  // width 65
        #expect(throws: EncodingError.self) { try decode([0x7F, 0], count: 1) }
        #expect(throws: EncodingError.self) { try decode([0x81, 0, 1, 0x80], count: 1) }  // divisor 1
        #expect(throws: EncodingError.self) { try decode([0x81, 0, 0, 0x80], count: 1) }  // divisor 0
        #expect(throws: EncodingError.truncated) { try decode([8, 0], count: 1) }
        #expect(throws: EncodingError.truncated) { try decode([], count: 1) }
        #expect(throws: EncodingError.self) { try decode([1, 0, 0x81], count: 1) }  // padding bit set
        #expect(throws: Never.self) { try decode([1, 0, 0x80], count: 1) }
        #expect(throws: Never.self) { try decode([], count: 0) }
    }

    // Found by fuzz/ (target segment, fuzz/corpus/segment/regression-for-huge-count): decode reserved
    // room for `count` values before looking at the bytes, so 18 bytes with a count of 2^35 - 1 asked
    // for 256 GiB. Each frame takes at least 2 bytes, which bounds the count the bytes can hold.
    @Test func countTheBytesCannotHoldIsRefusedBeforeAllocating() throws {
        func decode(_ bytes: [UInt8], count: Int) throws -> [Int64] {
            var out: [Int64] = []
            var at = 0
            try withExactBuffer(bytes) { try FORPacker.decode($0, at: &at, count: count, into: &out) }
            return out
        }
        let fuzzed: [UInt8] = [0xef, 0x21, 0x2b, 0x01, 0x00, 0x00, 0x17, 0x5b, 0x00, 0x17, 0x5b, 0x65, 0x71, 0x75, 0x65, 0x6e, 0x63, 0x65]
        #expect(throws: EncodingError.truncated) { try decode(fuzzed, count: (1 << 35) - 1) }
        #expect(throws: EncodingError.truncated) { try decode(fuzzed, count: Int.max) }
        // Width-0 frames are the smallest: 2 bytes hold up to 128 values, 4 bytes up to 256.
        #expect(try decode([0, 0], count: 128) == Array(repeating: 0, count: 128))
        #expect(throws: EncodingError.truncated) { try decode([0, 0], count: 129) }
        #expect(try decode([0, 2, 0, 4], count: 256) == Array(repeating: 1, count: 128) + Array(repeating: 2, count: 128))
    }

    @Test func robustness() throws {
        var rng = SplitMix64(seed: 3)
        var valid: [[UInt8]] = []
        for n in [1, 5, 130] {
            let v = (0..<n).map { _ in Int64(rng.next() % 100) * 8 }
            valid.append(try Self.roundTrip(v))
        }
        let decode: CountingDecoder = { b, count in
            var out: [Int64] = []
            var at = 0
            try FORPacker.decode(b, at: &at, count: count, into: &out)
            return out.count
        }
        for (bytes, n) in zip(valid, [1, 5, 130]) {
            for len in 0..<bytes.count { expectSafeDecode(bytes[0..<len], count: n, decode) }
        }
        fuzzDecoder(seed: 4, iterations: 3000, valid: valid, decode)
    }
}
