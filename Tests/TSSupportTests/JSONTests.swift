import Testing
import TSSupport

struct JSONTests {
    @Test func integersStayExact() throws {
        let v = try JSONReader.parse(Array(#"{"t":1767225600000000001,"f":1.5,"e":1e3,"n":-0}"#.utf8))
        #expect(v["t"]?.int64Value == 1_767_225_600_000_000_001)
        #expect(v["f"]?.int64Value == nil && v["f"]?.doubleValue == 1.5)
        #expect(v["e"]?.int64Value == nil && v["e"]?.doubleValue == 1000)
        #expect(v["n"]?.int64Value == 0)
    }

    @Test func stringsEscapesAndRoundTrip() throws {
        let text = #"["a\"b\\c\n\u00e9\ud83d\ude00",true,null,{"k":[]}]"#
        let v = try JSONReader.parse(Array(text.utf8))
        #expect(v.arrayValue?[0].stringValue == "a\"b\\c\né😀")
        #expect(try JSONReader.parse(Array(v.compactText.utf8)) == v)
    }

    @Test func sequencesOfDocuments() throws {
        let docs = try JSONReader.parseSequence(Array("{\"a\":1}\n{\"a\":2}\n".utf8))
        #expect(docs.map { $0["a"]?.int64Value } == [1, 2])
    }

    @Test func malformedInputIsAnErrorWithItsOffset() {
        for bad in ["", "[1,]", "{\"a\" 1}", "[1] x", "\"\u{01}\"", "tru", "01x", "[" + String(repeating: "[", count: 300) + "]"] {
            #expect(throws: JSONError.self, "\(bad)") { _ = try JSONReader.parse(Array(bad.utf8)) }
        }
        #expect(throws: JSONError("expected ',' or ']'", at: 3)) { _ = try JSONReader.parse(Array("[1 2]".utf8)) }
    }

    @Test func syntaxOnlyModeAndNodeBudget() throws {
        let text = Array("[1,2,3,4]".utf8)
        try text.withUnsafeBytes { b throws in
            var r = JSONReader(b)
            r.store = false
            #expect(try r.document() == .array([]))
            var s = JSONReader(b)
            s.maxValues = 3
            #expect(throws: JSONError.self) { _ = try s.document() }
        }
    }

    @Test func writerQuotesAndFormatsNumbersAsGoDoes() {
        #expect(JSONWriter.quote("plain") == "\"plain\"")
        #expect(JSONWriter.quote("a\"\u{1}\n") == #""a\"\u0001\n""#)
        #expect(JSONWriter.number(2) == "2")
        #expect(JSONWriter.number(-0.0) == "-0")
        #expect(JSONWriter.number(0.1) == "0.1")
        #expect(JSONWriter.number(.nan) == nil)
    }
}
