import Testing
import LineProtocol

@Suite struct ErrorReportingTests {
    static func reason(_ text: String) -> String? {
        let r = parseWhole(text)
        return r.errors.count == 1 ? r.errors[0].reason : nil
    }

    @Test func influxDB1StyleWording() {
        #expect(Self.reason("cpu,host=a value=") == "unable to parse 'cpu,host=a value=': missing field value")
        #expect(Self.reason("cpu,host=a") == "unable to parse 'cpu,host=a': missing fields")
        #expect(Self.reason("cpu value=\"x") == "unable to parse 'cpu value=\"x': unbalanced quotes")
        #expect(Self.reason("cpu value=1 12x") == "unable to parse 'cpu value=1 12x': bad timestamp")
        #expect(Self.reason("cpu value=1 99999999999999999999") == "unable to parse 'cpu value=1 99999999999999999999': time outside range")
        #expect(Self.reason("cpu,a=1,a=2 v=1") == "unable to parse 'cpu,a=1,a=2 v=1': duplicate tags: tag key \"a\" appears more than once")
        #expect(Self.reason("cpu v=tru") == "unable to parse 'cpu v=tru': invalid boolean for field \"v\"")
        #expect(Self.reason("cpu v=1.2.3") == "unable to parse 'cpu v=1.2.3': invalid number for field \"v\"")
        #expect(Self.reason("cpu,host v=1") == "unable to parse 'cpu,host v=1': missing '=' after tag key \"host\"")
        #expect(Self.reason(",a=b v=1") == "unable to parse ',a=b v=1': missing measurement")
    }

    @Test func everyErrorNamesTheLine() {
        let bad = ["cpu", "cpu,", "cpu,a", "cpu,a=", "cpu v", "cpu v=", "cpu v=x", "cpu v=1i1", "cpu v=1 x",
                   "cpu v=\"", "cpu v=1e999", "cpu v=99999999999999999999i", "cpu v=99999999999999999999u",
                   "cpu,a=1,a=1 v=1", "cpu,time=1 v=1", "cpu time=1", "\tcpu v=1", "# \u{01}"]
        for b in bad {
            let r = parseWhole(b)
            #expect(r.errors.count == 1, "\(b)")
            #expect(r.errors.first?.reason.hasPrefix("unable to parse '") == true, "\(b)")
            #expect(r.errors.first?.line == 1)
        }
    }

    @Test func lineNumbersOfErrorsAndPoints() {
        let r = parseWhole("a v=1\nbad\n\nb v=2\r\nworse,\n# c\nc v=3\nd v=\"x\ny\"\ne v=\nf v=4")
        #expect(r.errors.map(\.line) == [2, 5, 10])
        #expect(r.pointLines == [1, 4, 7, 8, 11])
        #expect(r.points.map(\.measurement) == ["a", "b", "c", "d", "f"])
    }

    @Test func parsingContinuesAfterEveryKindOfError() {
        let lines = ["cpu", "cpu,", "cpu,a=b=c v=1", "cpu v=1,", "cpu v=1 1 1", "cpu v=1\rx"]
        for l in lines {
            let r = parseWhole(l + "\nok v=1 9\n")
            #expect(r.points.map(\.measurement) == ["ok"], "\(l.debugDescription)")
            #expect(r.pointLines == [2], "\(l.debugDescription)")
        }
    }

    @Test func unterminatedStringSwallowsTheRest() {
        // like InfluxDB: an opening quote with no closing quote takes everything after it
        let r = parseWhole("a v=\"open\nb v=1\nc v=2")
        #expect(r.points.isEmpty)
        #expect(r.errors.count == 1)
    }

    @Test func quotedLineExcludesTheLineBreak() {
        let r = parseWhole("x v=\r\nok v=1\n")
        #expect(r.errors.first?.reason == "unable to parse 'x v=': missing field value")
    }

    @Test func longLinesAreShortenedInMessages() throws {
        let r = parseWhole("m v=1 " + String(repeating: "9", count: 5_000))
        let e = try #require(r.errors.first)
        #expect(e.reason.count < 1_200)
        #expect(e.reason.contains("...'"))
    }

    @Test func descriptionIncludesTheLine() {
        #expect(LineError(line: 3, reason: "x").description == "line 3: x")
    }
}
