import Testing
import LineProtocol

@Suite struct SyntaxTests {
    @Test func fullLine() throws {
        let p = try #require(onePoint("cpu,host=a,region=west usage=0.5,count=3i,ok=true,msg=\"hi\" 1700000000000000000"))
        #expect(p.measurement == "cpu")
        #expect(p.tags == tags(("host", "a"), ("region", "west")))
        #expect(p.fields == fields(("usage", .float(0.5)), ("count", .int(3)), ("ok", .bool(true)), ("msg", .string("hi"))))
        #expect(p.timestamp == 1_700_000_000_000_000_000)
    }

    @Test func measurementOnlyFields() throws {
        let p = try #require(onePoint("m v=1 5"))
        #expect(p.measurement == "m")
        #expect(p.tags.isEmpty)
        #expect(p.fields == fields(("v", .float(1))))
        #expect(p.timestamp == 5)
    }

    @Test func fieldsKeepLineOrderAndDuplicates() throws {
        let p = try #require(onePoint("m z=1i,a=2i,z=3i 0"))
        #expect(p.fields == fields(("z", .int(1)), ("a", .int(2)), ("z", .int(3))))
    }

    @Test func measurementMayHoldEqualsAndQuotes() throws {
        #expect(onePoint("cpu=load v=1 0")?.measurement == "cpu=load")
        #expect(onePoint("\"cpu\" v=1 0")?.measurement == "\"cpu\"")
        #expect(onePoint("cpu,\"host\"=\"a\" v=1 0")?.tags == tags(("\"host\"", "\"a\"")))
    }

    @Test func unicodeNames() throws {
        let p = try #require(onePoint("température,lieu=café valeur=1 0"))
        #expect(p.measurement == "température")
        #expect(p.tags == tags(("lieu", "café")))
    }

    @Test func extraSpacesBetweenSections() throws {
        let p = try #require(onePoint("cpu,a=b    v=1     7   "))
        #expect(p.tags == tags(("a", "b")))
        #expect(p.timestamp == 7)
        #expect(onePoint("   cpu v=1 0")?.measurement == "cpu")
    }

    @Test func tagValuesMayHoldControlBytesButKeysMayNot() {
        #expect(onePoint("m,k=x\u{01}y v=1 0")?.tags == tags(("k", "x\u{01}y")))
        #expect(onePoint("m,k=x\ty v=1 0")?.tags == tags(("k", "x\ty")))
        #expect(rejects("m,x\u{01}y=v v=1 0"))
        #expect(rejects("m x\u{01}y=1 0"))
        #expect(rejects("m\u{01}x v=1 0"))
    }

    @Test(arguments: [
        "",                         // (no entry at all, checked separately)
    ])
    func emptyInputYieldsNothing(_ text: String) {
        let r = parseWhole(text)
        #expect(r.points.isEmpty && r.errors.isEmpty)
    }

    @Test(arguments: [
        "cpu",                      // no fields
        "cpu ",                     // no fields
        "cpu,host=a",               // no fields
        "cpu,host=a ",              // no fields
        ",host=a v=1",              // missing measurement
        " ,host=a v=1",             // missing measurement after spaces
        "\tcpu v=1",                // tab before measurement
        "cpu,",                     // comma then nothing
        "cpu, v=1",                 // comma then space
        "cpu,,a=b v=1",             // empty tag
        "cpu,host v=1",             // tag without '='
        "cpu,host= v=1",            // tag without value
        "cpu,=a v=1",               // tag without key
        "cpu,a=b=c v=1",            // '=' in tag value
        "cpu,a=b\tv=1",             // tab after tag value
        "cpu v",                    // field without '='
        "cpu v=",                   // field without value
        "cpu v= 1",                 // field without value
        "cpu v=,w=1",               // field without value
        "cpu =1",                   // field without key
        "cpu v=1,",                 // trailing comma
        "cpu v=1, w=2",             // space after comma
        "cpu v=1,,w=2",             // empty field
        "cpu v=1 w=2",              // second field set where the timestamp belongs
        "cpu v=1 12 13",            // text after timestamp
        "cpu v=1\"x\"",             // junk after value
        "cpu v=\"a\"b",             // junk after string
        "cpu v=abc",                // bare word
        "cpu v=1 abc",              // word timestamp
    ])
    func malformedLinesAreRejected(_ text: String) {
        #expect(rejects(text), "expected an error for \(text.debugDescription)")
    }

    @Test func valueStartingWithLetterIsNotAString() {
        #expect(rejects("cpu v=hello 0"))
        #expect(rejects("cpu v='x' 0"))
    }

    @Test func manyTagsAndFields() throws {
        var line = "m"
        for i in 0..<100 { line += ",t\(i)=v\(i)" }
        line += " "
        line += (0..<100).map { "f\($0)=\($0)i" }.joined(separator: ",")
        let p = try #require(onePoint(line + " 1"))
        #expect(p.tags.count == 100)
        #expect(p.fields.count == 100)
        let keys = p.tags.map(\.key)
        #expect(keys == keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        #expect(p.fields[99] == OwnedPoint.Field(key: "f99", value: .int(99)))
    }

    @Test func severalLines() {
        let r = parseWhole("a v=1 1\nb v=2 2\nc v=3 3")
        #expect(r.errors.isEmpty)
        #expect(r.points.map(\.measurement) == ["a", "b", "c"])
        #expect(r.pointLines == [1, 2, 3])
    }

    @Test func borrowedViewsAreUnescapedBytes() {
        let input = Array("m\\ x,k\\==v\\, f\\ k=\"s\\\"q\" 9\n".utf8)
        var seen: [[UInt8]] = []
        input.withUnsafeBytes { buf in
            LineProtocolParser.parse(buf, defaultTime: 0, onPoint: { p in
                seen.append(Array(p.measurement))
                seen.append(Array(p.tagKey(0)))
                seen.append(Array(p.tagValue(0)))
                seen.append(Array(p.fieldKey(0)))
                if case .string(let s) = p.fieldValue(0) { seen.append(Array(s)) }
                #expect(p.timestamp == 9)
                #expect(p.lineNumber == 1)
            }, onError: { Issue.record("unexpected error \($0)") })
        }
        #expect(seen == [Array("m x".utf8), Array("k=".utf8), Array("v,".utf8), Array("f k".utf8), Array("s\"q".utf8)])
    }
}
