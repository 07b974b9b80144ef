import Testing
@testable import TSEncoding
import TestSupport
import TSSupport

struct BoolColumnTests {
    @discardableResult
    static func roundTrip(_ v: [Bool], sourceLocation: SourceLocation = #_sourceLocation) throws -> (ValueCodec, [UInt8]) {
        try roundTripColumn(v, sentinel: true, encode: { BoolColumn.encode($0, into: &$1) },
                            decode: { try BoolColumn.decode($0, $1, count: $2, into: &$3) }, same: ==, sourceLocation: sourceLocation)
    }

    static func decoder(_ codec: ValueCodec) -> CountingDecoder {
        countingDecoder { (b, n, out: inout [Bool]) in try BoolColumn.decode(codec, b, count: n, into: &out) }
    }

    @Test func roundTrips() throws {
        #expect(try Self.roundTrip([]) == (.bitPacked, []))
        #expect(try Self.roundTrip([true]) == (.constant, [1]))
        #expect(try Self.roundTrip([Bool](repeating: false, count: 1000)) == (.constant, [0]))
        #expect(try Self.roundTrip([true, false]) == (.bitPacked, [0x80]))
        #expect(try Self.roundTrip([false, true, true, false, false, false, false, false, true]) == (.bitPacked, [0x60, 0x80]))
        var rng = SplitMix64(seed: 60)
        for n in [2, 7, 8, 9, 127, 128, 129, 1000] {
            let v = (0..<n).map { i in i == 0 ? true : (i == 1 ? false : rng.next() & 1 == 1) }
            let (c, b) = try Self.roundTrip(v)
            #expect(c == .bitPacked)
            #expect(b.count == (n + 7) / 8)
        }
    }

    @Test func malformedThrows() {
        var out: [Bool] = []
        #expect(throws: EncodingError.self) { try BoolColumn.decode(.constant, [2], count: 3, into: &out) }
        #expect(throws: EncodingError.self) { try BoolColumn.decode(.constant, [1, 1], count: 3, into: &out) }
        #expect(throws: EncodingError.truncated) { try BoolColumn.decode(.constant, [], count: 3, into: &out) }
        #expect(throws: EncodingError.self) { try BoolColumn.decode(.bitPacked, [0xFF], count: 7, into: &out) }  // padding
        #expect(throws: EncodingError.self) { try BoolColumn.decode(.bitPacked, [0xFF, 0], count: 8, into: &out) }
        #expect(throws: EncodingError.unknownCodec(ValueCodec.raw.rawValue)) {
            try BoolColumn.decode(.raw, [], count: 0, into: &out)
        }
        #expect(out.isEmpty)
    }

    @Test func robustness() throws {
        let (_, packed) = try Self.roundTrip([true, false, true, true, false, true, false, false, true, true, true])
        checkTruncationsAndTrailing(packed, count: 11, Self.decoder(.bitPacked))
        checkTruncationsAndTrailing([1], count: 5, Self.decoder(.constant))
        for codec in ValueCodec.allCases {
            fuzzDecoder(seed: 61 &+ UInt64(codec.rawValue), iterations: 500, valid: [packed, [1]], Self.decoder(codec))
        }
    }
}

struct StringColumnTests {
    @discardableResult
    static func roundTrip(_ v: [[UInt8]], sourceLocation: SourceLocation = #_sourceLocation) throws -> (ValueCodec, [UInt8]) {
        let (codec, out) = try roundTripColumn(v, sentinel: [9], encode: { StringColumn.encode($0, into: &$1) },
                                               decode: { try StringColumn.decode($0, $1, count: $2, into: &$3) }, same: ==,
                                               sourceLocation: sourceLocation)
        // The zero-copy visitor sees the same values.
        var visited: [[UInt8]] = []
        try withExactBuffer(out) { try StringColumn.visit(codec, $0, count: v.count) { visited.append(Array($0)) } }
        #expect(visited == v, sourceLocation: sourceLocation)
        return (codec, out)
    }

    static func decoder(_ codec: ValueCodec) -> CountingDecoder {
        countingDecoder { (b, n, out: inout [[UInt8]]) in try StringColumn.decode(codec, b, count: n, into: &out) }
    }

    @Test func roundTrips() throws {
        #expect(try Self.roundTrip([]) == (.lengthPrefixed, []))
        #expect(try Self.roundTrip([[]]) == (.constant, [0]))
        #expect(try Self.roundTrip([Array("abc".utf8)]) == (.constant, [3, 97, 98, 99]))
        #expect(try Self.roundTrip([[1], [2, 3], []]) == (.lengthPrefixed, [1, 1, 2, 2, 3, 0]))
        #expect(try Self.roundTrip([[UInt8]](repeating: Array("idle".utf8), count: 500)).1.count == 5)
        var rng = SplitMix64(seed: 70)
        let v = (0..<1000).map { _ in rng.bytes(Int(rng.next() % 300)) }
        try Self.roundTrip(v)
        try Self.roundTrip([[UInt8](repeating: 7, count: 100_000), [], [1]])
        // Generic form: array slices.
        let text = Array("hello world".utf8)
        var out: [UInt8] = []
        #expect(StringColumn.encode([text[0..<5], text[6...]], into: &out) == .lengthPrefixed)
        #expect(out == [5] + Array("hello".utf8) + [5] + Array("world".utf8))
    }

    @Test func malformedThrows() {
        var out: [[UInt8]] = []
        #expect(throws: EncodingError.truncated) { try StringColumn.decode(.lengthPrefixed, [5, 1, 2], count: 1, into: &out) }
        #expect(throws: EncodingError.truncated) {
            try StringColumn.decode(.lengthPrefixed, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 1], count: 1, into: &out)
        }
        #expect(throws: EncodingError.self) { try StringColumn.decode(.lengthPrefixed, [1, 1, 0], count: 1, into: &out) }
        #expect(throws: EncodingError.self) { try StringColumn.decode(.lengthPrefixed, [1, 1], count: 2, into: &out) }
        #expect(throws: EncodingError.self) { try StringColumn.decode(.constant, [1, 1, 0], count: 2, into: &out) }
        #expect(throws: EncodingError.unknownCodec(ValueCodec.bitPacked.rawValue)) {
            try StringColumn.decode(.bitPacked, [], count: 0, into: &out)
        }
        #expect(out.isEmpty)
        // A constant decodes to shared storage, even for huge counts.
        #expect(throws: Never.self) {
            try StringColumn.decode(.constant, [3, 1, 2, 3], count: EncodingLimits.maxValueCount, into: &out)
        }
        #expect(out.count == EncodingLimits.maxValueCount)
    }

    @Test func robustness() throws {
        let (_, a) = try Self.roundTrip([[1, 2, 3], [], [4], Array(repeating: 5, count: 200)])
        let (_, b) = try Self.roundTrip([[1, 2], [1, 2]])
        checkTruncationsAndTrailing(a, count: 4, Self.decoder(.lengthPrefixed))
        checkTruncationsAndTrailing(b, count: 2, Self.decoder(.constant))
        for codec in ValueCodec.allCases {
            fuzzDecoder(seed: 71 &+ UInt64(codec.rawValue), iterations: 500, valid: [a, b], Self.decoder(codec))
        }
    }
}
