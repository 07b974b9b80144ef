import Testing
import LineProtocol
import TestSupport

@Suite struct StreamingTests {
    /// A body exercising every kind of entry, including errors, comments, CRLF, a string spanning
    /// lines and a last line without newline.
    static let body = Array("""
    # comment line
    cpu,host=a,region=west usage=0.5,count=3i 1700000000000000000
    mem,host=b free=12u,ok=t\r
    \r
      disk,path=/var\\ log used=1.5e3,label="a \\"quoted\\" \\\\ value"

    bad,line
    str v="first
    second
    third" 5
    cpu,host=c v=-0.25 -12
    broken v=1 12x
    esc\\,m,k\\=1=v\\ 2 f\\,k=9i
    last v=TRUE 42
    """.utf8)

    static let expected = parseWhole(body, defaultTime: 777)

    @Test func referenceOutcome() {
        let r = Self.expected
        #expect(r.points.map(\.measurement) == ["cpu", "mem", "disk", "str", "cpu", "esc,m", "last"])
        #expect(r.pointLines == [2, 3, 5, 8, 11, 13, 14])
        #expect(r.errors.map(\.line) == [7, 12])
        #expect(r.points[3].fields == fields(("v", .string("first\nsecond\nthird"))))
        #expect(r.points[2].timestamp == 777)
    }

    @Test func everyTwoChunkSplit() {
        for cut in 0...Self.body.count {
            let r = parseChunks([Array(Self.body[..<cut]), Array(Self.body[cut...])], defaultTime: 777)
            #expect(r == Self.expected, "split at \(cut)")
        }
    }

    @Test func oneByteChunks() {
        let r = parseChunks(Self.body.map { [$0] }, defaultTime: 777)
        #expect(r == Self.expected)
    }

    @Test func randomChunkings() {
        var rng = SplitMix64(seed: 2024)
        for _ in 0..<300 {
            var chunks: [[UInt8]] = []
            var i = 0
            while i < Self.body.count {
                let n = Int.random(in: 0...12, using: &rng)
                let e = min(Self.body.count, i + n)
                chunks.append(Array(Self.body[i..<e]))
                i = e
            }
            #expect(parseChunks(chunks, defaultTime: 777) == Self.expected)
        }
    }

    @Test func everySplitWithASmallLineLimit() {
        let whole = parseWhole(Self.body, defaultTime: 777, maxLineLength: 30)
        #expect(whole.errors.count > 2)
        for cut in 0...Self.body.count {
            let r = parseChunks([Array(Self.body[..<cut]), Array(Self.body[cut...])], defaultTime: 777, maxLineLength: 30)
            #expect(r == whole, "split at \(cut)")
        }
        #expect(parseChunks(Self.body.map { [$0] }, defaultTime: 777, maxLineLength: 30) == whole)
    }

    @Test func longMultiLineStringInSmallChunks() throws {
        var text = "m v=\""
        for i in 0..<2_000 { text += "line \(i)\n" }
        text += "end\" 1\nafter v=2 2\n"
        let bytes = Array(text.utf8)
        let whole = parseWhole(bytes)
        #expect(whole.errors.isEmpty && whole.points.count == 2)
        #expect(whole.pointLines == [1, 2002])
        var chunks: [[UInt8]] = []
        var i = 0
        while i < bytes.count { chunks.append(Array(bytes[i..<min(bytes.count, i + 7)])); i += 7 }
        #expect(parseChunks(chunks) == whole)
    }

    @Test func pointsAreDeliveredAsSoonAsTheirLineIsComplete() {
        var parser = LineProtocolParser(defaultTime: 0)
        var seen: [String] = []
        parser.feed(Array("a v=1 1\nb v=".utf8), onPoint: { seen.append($0.owned().measurement) }, onError: { _ in })
        #expect(seen == ["a"])
        #expect(parser.bufferedByteCount == 4)
        parser.feed(Array("2 2".utf8), onPoint: { seen.append($0.owned().measurement) }, onError: { _ in })
        #expect(seen == ["a"])
        parser.feed(Array("\nc v=3".utf8), onPoint: { seen.append($0.owned().measurement) }, onError: { _ in })
        #expect(seen == ["a", "b"])
        parser.finish(onPoint: { seen.append($0.owned().measurement) }, onError: { _ in })
        #expect(seen == ["a", "b", "c"])
        #expect(parser.bufferedByteCount == 0)
    }

    @Test func finishRestartsLineNumbering() {
        var parser = LineProtocolParser(defaultTime: 0)
        var lines: [Int] = []
        for _ in 0..<2 {
            parser.feed(Array("a v=1\nb v=2".utf8), onPoint: { lines.append($0.lineNumber) }, onError: { _ in })
            parser.finish(onPoint: { lines.append($0.lineNumber) }, onError: { _ in })
        }
        #expect(lines == [1, 2, 1, 2])
    }

    @Test func resetDropsBufferedInput() {
        var parser = LineProtocolParser(defaultTime: 0)
        var n = 0
        parser.feed(Array("a v=1\nb v=".utf8), onPoint: { _ in n += 1 }, onError: { _ in })
        parser.reset()
        #expect(parser.bufferedByteCount == 0 && parser.currentLine == 1)
        parser.feed(Array("c v=1\n".utf8), onPoint: { #expect($0.lineNumber == 1); n += 1 }, onError: { _ in })
        #expect(n == 2)
    }

    @Test func copiedParsersAreIndependent() {
        var a = LineProtocolParser(defaultTime: 0)
        a.feed(Array("x v=".utf8), onPoint: { _ in }, onError: { _ in })
        var b = a
        var got: [OwnedPoint] = []
        a.feed(Array("1 1\n".utf8), onPoint: { got.append($0.owned()) }, onError: { _ in })
        b.feed(Array("2 2\n".utf8), onPoint: { got.append($0.owned()) }, onError: { _ in })
        #expect(got.map(\.timestamp) == [1, 2])
        #expect(got.map { $0.fields[0].value } == [.float(1), .float(2)])
    }

    @Test func emptyChunksAreHarmless() {
        let r = parseChunks([[], Array("a v=1".utf8), [], Array(" 5\n".utf8), []])
        #expect(r.points.map(\.timestamp) == [5])
    }

    @Test func throwingCallbackPropagates() {
        struct Stop: Error {}
        var parser = LineProtocolParser(defaultTime: 0)
        #expect(throws: Stop.self) {
            try parser.feed(Array("a v=1\nb v=2\n".utf8), onPoint: { _ in throw Stop() }, onError: { _ in })
        }
        parser.reset()
        var n = 0
        parser.feed(Array("c v=1\n".utf8), onPoint: { _ in n += 1 }, onError: { _ in })
        #expect(n == 1)
    }
}
