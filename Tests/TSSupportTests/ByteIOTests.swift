import Testing
import TestSupport
import TSSupport

/// ByteWriter and ByteReader agree on every encoding, and the reader refuses short input.
struct ByteIOTests {
    @Test func roundTripOfEveryKind() throws {
        var w = ByteWriter()
        w.u8(7)
        w.le(UInt16(0xBEEF))
        w.le(UInt32(0xDEAD_BEEF))
        w.le(Int64(-5))
        w.be(UInt16(0x1234))
        w.be(UInt64(0x0102_0304_0506_0708))
        w.uvarint(300)
        w.varint(-300)
        w.uvarintBytes(Array("tag".utf8))
        w.raw([1, 2, 3])
        #expect(w.bytes[0...3] == [7, 0xEF, 0xBE, 0xEF])
        #expect(Array(w.bytes[15...16]) == [0x12, 0x34])
        try w.bytes.withUnsafeBytes { b throws in
            var r = ByteReader(b)
            #expect(try r.u8() == 7)
            #expect(try r.le(UInt16.self) == 0xBEEF)
            #expect(try r.le(UInt32.self) == 0xDEAD_BEEF)
            #expect(try r.le(Int64.self) == -5)
            #expect(try r.be(UInt16.self) == 0x1234)
            #expect(try r.be(UInt64.self) == 0x0102_0304_0506_0708)
            #expect(try r.uvarint() == 300)
            #expect(try r.varint() == -300)
            #expect(try r.uvarintString() == "tag")
            #expect(Array(try r.bytes(3)) == [1, 2, 3])
            #expect(r.isAtEnd)
            #expect(throws: EncodingError.truncated) { try r.u8() }
        }
    }

    @Test func everyPrefixOfAnEncodingIsRefusedNotMisread() throws {
        var w = ByteWriter()
        w.uvarintBytes(Array("measurement".utf8))
        w.le(UInt64.max)
        w.uvarint(UInt64.max)
        let full = w.bytes
        for n in 0..<full.count {
            let prefix = Array(full[0..<n])
            prefix.withUnsafeBytes { b in
                var r = ByteReader(b)
                #expect(throws: EncodingError.self) {
                    _ = try r.uvarintBytes()
                    _ = try r.le(UInt64.self)
                    _ = try r.uvarint()
                }
            }
        }
    }

    @Test func appendLendsTheArrayWithoutLosingIt() {
        var out: [UInt8] = [9]
        let n = ByteWriter.append(to: &out) { w -> Int in
            w.uvarint(1)
            return w.count
        }
        #expect(out == [9, 1] && n == 2)
    }

    @Test func lengthLimitsAreChecked() throws {
        var w = ByteWriter()
        w.uvarint(1 << 40)
        try w.bytes.withUnsafeBytes { b throws in
            var r = ByteReader(b)
            #expect(throws: EncodingError.corrupt("count")) { _ = try r.uvarint(atMost: 100, "count") }
        }
        #expect(throws: EncodingError.truncated) { try [UInt8]([1, 2]).withUnsafeBytes { _ = try ByteReader.le(UInt32.self, $0, at: 0) } }
    }
}
