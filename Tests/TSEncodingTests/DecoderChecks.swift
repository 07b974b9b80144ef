#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import TSEncoding
import TestSupport
import TSSupport

/// A decoder under test: decodes `count` values and returns how many it appended.
typealias CountingDecoder = (UnsafeRawBufferPointer, Int) throws -> Int

/// A column decoder (`decode(codec, bytes, count:, into:)`) as a `CountingDecoder`.
func countingDecoder<E>(_ decode: @escaping (UnsafeRawBufferPointer, Int, inout [E]) throws -> Void) -> CountingDecoder {
    { b, count in
        var out: [E] = []
        try decode(b, count, &out)
        return out.count
    }
}

/// Encodes `v` after `prefix` bytes (which the encoder must leave alone), decodes the encoding from
/// an exactly sized buffer after a `sentinel` element (which the decoder must leave alone) and
/// expects the values back (`same` compares). Returns the codec and the encoding.
@discardableResult
func roundTripColumn<E, C>(_ v: [E], prefix: [UInt8] = [], sentinel: E,
                           encode: ([E], inout [UInt8]) -> C, decode: (C, UnsafeRawBufferPointer, Int, inout [E]) throws -> Void,
                           same: ([E], [E]) -> Bool, sourceLocation: SourceLocation = #_sourceLocation) throws -> (C, [UInt8]) {
    var out = prefix
    let codec = encode(v, &out)
    #expect(out.starts(with: prefix), sourceLocation: sourceLocation)
    let body = Array(out.dropFirst(prefix.count))
    var decoded = [sentinel]
    try withExactBuffer(body) { try decode(codec, $0, v.count, &decoded) }
    #expect(same(decoded, [sentinel] + v), sourceLocation: sourceLocation)
    return (codec, body)
}

/// Decoding must either throw or produce exactly `count` values.
func expectSafeDecode(_ bytes: ArraySlice<UInt8>, count: Int, _ decode: CountingDecoder,
                      sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        let got = try withExactBuffer(bytes) { try decode($0, count) }
        #expect(got == count, "decoder returned \(got) values, expected \(count)", sourceLocation: sourceLocation)
    } catch {
        #expect(error is EncodingError, sourceLocation: sourceLocation)
    }
}

/// Every strict prefix of a valid encoding must throw or yield `count`
/// values; the full encoding plus one extra byte must throw.
func checkTruncationsAndTrailing(_ bytes: [UInt8], count: Int, _ decode: CountingDecoder,
                                 sourceLocation: SourceLocation = #_sourceLocation) {
    for len in 0..<bytes.count {
        expectSafeDecode(bytes[0..<len], count: count, decode, sourceLocation: sourceLocation)
    }
    for extra: UInt8 in [0x00, 0x01, 0x80, 0xFF] {
        let longer = bytes + [extra]
        #expect(throws: EncodingError.self, sourceLocation: sourceLocation) {
            _ = try withExactBuffer(longer) { try decode($0, count) }
        }
    }
}

/// Random buffers, and valid encodings with random byte mutations, must
/// never crash the decoder.
func fuzzDecoder(seed: UInt64, iterations: Int, valid: [[UInt8]] = [], maxCount: Int = 300,
                 _ decode: CountingDecoder) {
    var rng = SplitMix64(seed: seed)
    for it in 0..<iterations {
        var bytes: [UInt8]
        if !valid.isEmpty && it % 2 == 1 {
            bytes = valid[Int(rng.next() % UInt64(valid.count))]
            let flips = 1 + Int(rng.next() % 4)
            for _ in 0..<flips where !bytes.isEmpty {
                let i = Int(rng.next() % UInt64(bytes.count))
                bytes[i] = UInt8(truncatingIfNeeded: rng.next())
            }
            if rng.next() % 4 == 0 && !bytes.isEmpty {
                bytes.removeLast(Int(rng.next() % UInt64(bytes.count)))
            }
        } else {
            bytes = rng.bytes(Int(rng.next() % 80))
        }
        let count: Int
        switch rng.next() % 8 {
        case 0: count = 0
        case 1: count = 1
        case 2: count = Int(rng.next() % 3000)
        default: count = Int(rng.next() % UInt64(maxCount + 1))
        }
        expectSafeDecode(bytes[...], count: count, decode)
    }
}

/// Jittered millisecond timestamps: 10 s interval, 0...5 ms jitter.
func jitteredMillis(_ n: Int, seed: UInt64, base: Int64 = 1_767_225_600_000) -> [Int64] {
    var rng = SplitMix64(seed: seed)
    return (0..<n).map { i in base + Int64(i) * 10_000 + Int64(rng.next() % 6) }
}
