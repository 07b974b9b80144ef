import Testing
import LineProtocol

@Suite struct CommentAndLineEndingTests {
    @Test func commentsAreSkipped() {
        let r = parseWhole("# header\ncpu v=1 1\n# another one, with = and \"quotes\"\ncpu v=2 2\n#\n")
        #expect(r.errors.isEmpty)
        #expect(r.points.count == 2)
        #expect(r.pointLines == [2, 4])
    }

    @Test func commentAfterLeadingSpaces() {
        let r = parseWhole("   # indented comment\ncpu v=1 1")
        #expect(r.errors.isEmpty)
        #expect(r.pointLines == [2])
    }

    @Test func commentAtEndWithoutNewline() {
        let r = parseWhole("cpu v=1 1\n# last")
        #expect(r.errors.isEmpty && r.points.count == 1)
    }

    @Test func hashInsideALineIsNotAComment() {
        #expect(onePoint("cpu,k=#v v=1 0")?.tags == tags(("k", "#v")))
        #expect(onePoint("c#pu v=1 0")?.measurement == "c#pu")
        #expect(onePoint("cpu v=\"# no comment\" 0")?.fields.first?.value == .string("# no comment"))
    }

    @Test func commentWithControlByteIsAnError() {
        let r = parseWhole("# bad\tcomment\ncpu v=1 1")
        #expect(r.errors.count == 1 && r.errors.first?.line == 1)
        #expect(r.points.count == 1 && r.pointLines == [2])
    }

    @Test func crlfLineEndings() {
        let r = parseWhole("a v=1 1\r\nb v=2\r\n# c\r\n\r\nc,t=x v=3 3 \r\n")
        #expect(r.errors.isEmpty)
        #expect(r.points.map(\.measurement) == ["a", "b", "c"])
        #expect(r.points.map(\.timestamp) == [1, 0, 3])
        #expect(r.pointLines == [1, 2, 5])
    }

    @Test func carriageReturnAtEndOfInput() {
        let r = parseWhole("a v=1 1\r")
        #expect(r.errors.isEmpty && r.points.count == 1)
        #expect(parseWhole("a v=1\r").points.count == 1)
    }

    @Test func loneCarriageReturnInsideALineIsAnError() {
        #expect(rejects("a v=1\rb v=2"))
        #expect(rejects("a v=1 1\rb"))
        #expect(rejects("a,t=x\r v=1"))
        #expect(rejects("\rb v=2"))
    }

    @Test func blankLinesAndSpaceOnlyLines() {
        let r = parseWhole("\n\n   \n a v=1 1\n\n\nb v=2 2\n   ")
        #expect(r.errors.isEmpty)
        #expect(r.pointLines == [4, 7])
    }

    @Test func tabOnlyLineIsAnError() {
        let r = parseWhole("a v=1 1\n\t\nb v=2 2")
        #expect(r.errors.map(\.line) == [2])
        #expect(r.points.count == 2)
    }

    @Test func onlyCommentsAndBlankLines() {
        let r = parseWhole("# a\n\n# b\r\n")
        #expect(r.points.isEmpty && r.errors.isEmpty)
    }
}
