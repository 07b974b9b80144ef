import Testing
@testable import TSEncoding
import TestSupport
import TSSupport

struct BitStreamTests {
    @Test func msbFirstLayout() {
        var w = BitWriter()
        w.write(bits: 1, count: 1)
        var out: [UInt8] = []
        w.finish(into: &out)
        #expect(out == [0x80])

        var w2 = BitWriter()
        w2.write(bits: 0xABC, count: 12)
        w2.write(bits: 0b101, count: 3)
        var out2: [UInt8] = []
        w2.finish(into: &out2)
        #expect(out2 == [0xAB, 0xCA])

        // Bits above `count` are ignored.
        var w3 = BitWriter()
        w3.write(bits: 0xFFFF_FFFF_FFFF_FF01, count: 4)
        var out3: [UInt8] = []
        w3.finish(into: &out3)
        #expect(out3 == [0x10])
    }

    @Test func emptyWriterProducesNothing() {
        var w = BitWriter()
        w.write(bits: 123, count: 0)
        var out: [UInt8] = [9]
        w.finish(into: &out)
        #expect(out == [9])
        #expect(w.bitCount == 0)
    }

    @Test func appendingToKeepsPrefix() {
        var out: [UInt8] = [1, 2, 3]
        var w = BitWriter(appendingTo: &out)
        #expect(out.isEmpty)
        w.write(bits: 0xFF, count: 8)
        w.write(bits: 0, count: 1)
        #expect(w.bitCount == 3 * 8 + 9)
        w.finish(into: &out)
        #expect(out == [1, 2, 3, 0xFF, 0x00])
    }

    @Test func sixtyFourBitWritesAtEveryOffset() throws {
        for offset in 0..<64 {
            var w = BitWriter()
            w.write(bits: 0, count: offset)
            w.write(bits: 0xDEAD_BEEF_0123_4567, count: 64)
            w.write(bits: UInt64.max, count: 64)
            w.write(bits: 1, count: 1)
            var out: [UInt8] = []
            w.finish(into: &out)
            #expect(out.count == (offset + 129 + 7) / 8)
            try withExactBuffer(out) { b throws in
                var r = BitReader(b)
                #expect(try r.read(count: offset) == 0)
                #expect(try r.read(count: 64) == 0xDEAD_BEEF_0123_4567)
                #expect(try r.read(count: 64) == UInt64.max)
                #expect(try r.readBit())
                #expect(r.atZeroPaddedEnd())
            }
        }
    }

    @Test func randomWidthsRoundTrip() throws {
        var rng = SplitMix64(seed: 1234)
        var items: [(UInt64, Int)] = []
        var w = BitWriter()
        var total = 0
        for _ in 0..<20_000 {
            let count = Int(rng.next() % 65)
            let v = count == 64 ? rng.next() : rng.next() & ((1 << UInt64(count)) - 1)
            items.append((v, count))
            w.write(bits: v, count: count)
            total += count
        }
        #expect(w.bitCount == total)
        var out: [UInt8] = []
        w.finish(into: &out)
        #expect(out.count == (total + 7) / 8)
        try withExactBuffer(out) { b throws in
            var r = BitReader(b)
            for (v, c) in items { #expect(try r.read(count: c) == v) }
            #expect(r.bitPosition == total)
            #expect(r.atZeroPaddedEnd())
        }
    }

    @Test func readerBoundsChecks() throws {
        try withExactBuffer([0xA5, 0x0F]) { b throws in
            var r = BitReader(b)
            #expect(r.bitsRemaining == 16)
            #expect(try r.read(count: 4) == 0xA)
            #expect(try r.read(count: 8) == 0x50)
            #expect(r.byteOffset == 2)
            #expect(!r.atZeroPaddedEnd())  // remaining bits 1111 are not zero
            #expect(throws: EncodingError.truncated) { try r.read(count: 5) }
            #expect(try r.read(count: 4) == 0xF)
            #expect(throws: EncodingError.truncated) { try r.readBit() }
            #expect(throws: EncodingError.self) { try r.read(count: 65) }
            #expect(throws: EncodingError.self) { try r.read(count: -1) }
            #expect(r.atZeroPaddedEnd())
        }
        try withExactBuffer([]) { b throws in
            var r = BitReader(b)
            #expect(try r.read(count: 0) == 0)
            #expect(throws: EncodingError.truncated) { try r.read(count: 1) }
            #expect(r.atZeroPaddedEnd())
        }
        try withExactBuffer([1, 2, 3]) { b throws in
            var r = BitReader(b, byteOffset: 2)
            #expect(try r.read(count: 8) == 3)
            let r2 = BitReader(b, byteOffset: 99)
            #expect(r2.bitsRemaining == 0)
        }
    }

    @Test func paddingDetection() throws {
        try withExactBuffer([0xF0]) { b throws in
            var r = BitReader(b)
            _ = try r.read(count: 4)
            #expect(r.atZeroPaddedEnd())
        }
        try withExactBuffer([0xF1]) { b throws in
            var r = BitReader(b)
            _ = try r.read(count: 4)
            #expect(!r.atZeroPaddedEnd())
        }
        try withExactBuffer([0xF0, 0x00]) { b throws in
            var r = BitReader(b)
            _ = try r.read(count: 4)
            #expect(!r.atZeroPaddedEnd())  // a whole extra byte is not padding
        }
    }
}
