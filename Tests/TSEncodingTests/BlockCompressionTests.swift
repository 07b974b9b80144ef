import Testing
@testable import TSEncoding
import TestSupport
import TSSupport

struct BlockCompressionTests {
    static func samples() -> [[UInt8]] {
        var rng = SplitMix64(seed: 3)
        let text = Array(String(repeating: "cpu_seconds_total{mode=\"idle\"} 12345.5\n", count: 200).utf8)
        return [[], [42], rng.bytes(1000), text, [UInt8](repeating: 0, count: 100_000), rng.bytes(70_000)]
    }

    @Test(arguments: BlockCompression.allCases)
    func roundTrip(method: BlockCompression) throws {
        for input in Self.samples() {
            for level in [0, 1, 3, 19] {
                var compressed: [UInt8] = [7, 7]
                BlockCompression.compress(input, method: method, level: level, into: &compressed)
                #expect(Array(compressed.prefix(2)) == [7, 7])
                let body = Array(compressed.dropFirst(2))
                var out: [UInt8] = [1]
                try withExactBuffer(body) { b in
                    try BlockCompression.decompress(b, method: method, decompressedSize: input.count, into: &out)
                }
                #expect(out == [1] + input)
            }
        }
    }

    @Test func compressesRedundantData() {
        let zeros = [UInt8](repeating: 0, count: 100_000)
        for method in [BlockCompression.lz4, .zstd] {
            var c: [UInt8] = []
            BlockCompression.compress(zeros, method: method, level: 3, into: &c)
            #expect(c.count < 1000)
        }
    }

    @Test(arguments: BlockCompression.allCases)
    func sizeMismatchThrows(method: BlockCompression) {
        for input in Self.samples() {
            var c: [UInt8] = []
            BlockCompression.compress(input, method: method, level: 3, into: &c)
            for wrong in [input.count + 1, input.count - 1, input.count * 2 + 10, -1] where wrong != input.count {
                var out: [UInt8] = [5]
                #expect(throws: EncodingError.self) {
                    try BlockCompression.decompress(c, method: method, decompressedSize: wrong, into: &out)
                }
                #expect(out == [5])
            }
        }
    }

    @Test(arguments: [BlockCompression.lz4, .zstd])
    func corruptInputNeverCrashes(method: BlockCompression) {
        var rng = SplitMix64(seed: 11)
        let input = Array(String(repeating: "abcabcabd", count: 300).utf8)
        var c: [UInt8] = []
        BlockCompression.compress(input, method: method, level: 3, into: &c)
        for len in 0..<c.count {
            var out: [UInt8] = []
            _ = try? withExactBuffer(c[0..<len]) { b in
                try BlockCompression.decompress(b, method: method, decompressedSize: input.count, into: &out)
            }
            #expect(out.isEmpty || out == input)
        }
        for _ in 0..<2000 {
            var bytes = c
            for _ in 0..<(1 + rng.next() % 3) {
                bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            if rng.next() % 3 == 0 { bytes = rng.bytes(Int(rng.next() % 64)) }
            var out: [UInt8] = []
            do {
                try withExactBuffer(bytes) { b in
                    try BlockCompression.decompress(b, method: method, decompressedSize: input.count, into: &out)
                }
                #expect(out.count == input.count)
            } catch {
                #expect(out.isEmpty)
                #expect(error is EncodingError)
            }
        }
    }

    /// Found by fuzz/ (target segment): a corrupt block stating a huge size made lz4 decoding
    /// allocate and zero it first. LZ4 expands at most 255×, so such a size is refused up front.
    @Test func lz4RefusesAStatedSizeItsInputCannotHold() {
        var out: [UInt8] = []
        #expect(throws: EncodingError.self) {
            try BlockCompression.decompress([0x10, 0x61], method: .lz4, decompressedSize: 1 << 30, into: &out)
        }
        #expect(out.capacity < 1 << 20)
    }

    @Test func emptyInputForCompressedMethodsThrows() {
        for method in [BlockCompression.lz4, .zstd] {
            var out: [UInt8] = []
            #expect(throws: EncodingError.self) {
                try BlockCompression.decompress([], method: method, decompressedSize: 0, into: &out)
            }
        }
        var out: [UInt8] = []
        #expect(throws: Never.self) {
            try BlockCompression.decompress([], method: .none, decompressedSize: 0, into: &out)
        }
    }

    @Test func methodIdsAreStable() {
        #expect(BlockCompression.none.rawValue == 0)
        #expect(BlockCompression.lz4.rawValue == 1)
        #expect(BlockCompression.zstd.rawValue == 2)
    }
}
