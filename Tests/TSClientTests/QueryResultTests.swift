import XCTest
import InfluxQL
import TSClient

final class QueryResultTests: XCTestCase {
    private func decode(_ text: String) throws -> [StatementResult] {
        try QueryResponse.decode(Array(text.utf8))
    }

    func testDecodesSeriesAndStatementErrors() throws {
        let results = try decode("""
            {"results":[{"statement_id":0,"series":[{"name":"cpu","tags":{"host":"a"},"columns":["time","mean"],\
            "values":[[1767225600000,0.5],[1767225610000,null]]}]},{"statement_id":1,"error":"database not found: x"}]}
            """)
        XCTAssertEqual(results, [
            StatementResult(statementID: 0, series: [
                ResultSeries(name: "cpu", tags: [("host", "a")], columns: ["time", "mean"],
                             values: [[.integer(1_767_225_600_000), .float(0.5)], [.integer(1_767_225_610_000), .null]]),
            ]),
            StatementResult(statementID: 1, error: "database not found: x"),
        ])
    }

    func testIntegersAreExactAndDistinctFromFloats() throws {
        let results = try decode("""
            {"results":[{"statement_id":0,"series":[{"name":"m","columns":["a","b","c","d","e","f","g","h","i"],
            "values":[[1767225600000000000, 9223372036854775807, -9223372036854775808, 9223372036854775808,
                       1.0, 1e3, -0, 0.1, -2.5E-3]]}]}]}
            """)
        let row = try XCTUnwrap(results.first?.series.first?.values.first)
        XCTAssertEqual(row[0], .integer(1_767_225_600_000_000_000))
        XCTAssertEqual(row[1], .integer(Int64.max))
        XCTAssertEqual(row[2], .integer(Int64.min))
        XCTAssertEqual(row[3], .float(9_223_372_036_854_775_808.0), "integers beyond Int64 fall back to Double")
        XCTAssertEqual(row[4], .float(1.0))
        XCTAssertEqual(row[5], .float(1000.0))
        XCTAssertEqual(row[6], .integer(0))
        XCTAssertEqual(row[7], .float(0.1))
        XCTAssertEqual(row[8], .float(-0.0025))
    }

    func testStringEscapesIncludingSurrogatePairs() throws {
        let results = try decode(#"""
            {"results":[{"statement_id":0,"series":[{"name":"caf\u00e9 \ud83d\ude00","columns":["s"],
            "values":[["q\"b\\s\/n\nt\tr\r\u0001 é"],["lone \ud800 x"],[true],[false]]}]}]}
            """#)
        let series = try XCTUnwrap(results.first?.series.first)
        XCTAssertEqual(series.name, "café 😀")
        XCTAssertEqual(series.values[0], [.string("q\"b\\s/n\nt\tr\r\u{01} é")])
        XCTAssertEqual(series.values[1], [.string("lone \u{FFFD} x")])
        XCTAssertEqual(series.values[2], [.boolean(true)])
        XCTAssertEqual(series.values[3], [.boolean(false)])
    }

    func testTopLevelErrorThrowsServerError() {
        XCTAssertThrowsError(try decode(#"{"error":"error parsing query: found EOF, expected FROM at line 1, char 9"}"#)) { error in
            XCTAssertEqual(error as? ClientError,
                           .server("error parsing query: found EOF, expected FROM at line 1, char 9"))
        }
    }

    func testChunkedResponsesAreMerged() throws {
        let body = """
            {"results":[{"statement_id":0,"series":[{"name":"cpu","tags":{"host":"a"},"columns":["time","v"],"values":[[1,1],[2,2]],"partial":true}],"partial":true}]}
            {"results":[{"statement_id":0,"series":[{"name":"cpu","tags":{"host":"a"},"columns":["time","v"],"values":[[3,3]]},{"name":"cpu","tags":{"host":"b"},"columns":["time","v"],"values":[[1,10]]}]}]}
            {"results":[{"statement_id":1,"series":[{"name":"mem","columns":["time","v"],"values":[[1,0.5]]}]}]}

            """
        let results = try decode(body)
        XCTAssertEqual(results.count, 2)
        XCTAssertEqual(results[0].statementID, 0)
        XCTAssertEqual(results[0].series.count, 2)
        XCTAssertEqual(results[0].series[0].values, [[.integer(1), .integer(1)], [.integer(2), .integer(2)], [.integer(3), .integer(3)]])
        XCTAssertEqual(results[0].series[1].tags.map { [$0.key, $0.value] }, [["host", "b"]])
        XCTAssertEqual(results[1].series[0].name, "mem")
        XCTAssertEqual(results[1].series[0].values, [[.integer(1), .float(0.5)]])
    }

    func testTagsAreSortedAndMessagesKept() throws {
        let results = try decode("""
            {"results":[{"statement_id":3,"messages":[{"level":"warning","text":"deprecated"}],
            "series":[{"name":"cpu","tags":{"zone":"z","host":"h","dc":"d"},"columns":["time"]}]}]}
            """)
        XCTAssertEqual(results[0].statementID, 3)
        XCTAssertEqual(results[0].messages, ["warning: deprecated"])
        XCTAssertEqual(results[0].series[0].tags.map(\.key), ["dc", "host", "zone"])
        XCTAssertEqual(results[0].series[0].values, [])
    }

    func testMalformedInputIsAProtocolError() {
        let inputs = [
            "", "   ", "{", #"{"results":[}"#, #"{"results":[]} x"#, "[1,2]", #"{"results":[{"statement_id":0,}]}"#,
            #"{"results":"no"}"#, #"{"x":1}"#, #"{"results":[{"series":[{"values":[[01]]}]}]}"#,
            #"{"results":[{"series":[{"values":[["a\qb"]]}]}]}"#, "{\"results\":[{\"series\":[{\"values\":[[\"a\nb\"]]}]}]}",
            String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000), "{\"results\":[1.]}", "{\"results\":[-]}",
        ]
        for input in inputs {
            XCTAssertThrowsError(try decode(input), "input: \(input.prefix(40))") { error in
                guard case .protocolError(let message)? = error as? ClientError else {
                    return XCTFail("expected protocolError for \(input.prefix(40)), got \(error)")
                }
                XCTAssertFalse(message.isEmpty)
            }
        }
    }

    func testEmptyResultsAndStatementWithoutSeries() throws {
        XCTAssertEqual(try decode(#"{"results":[]}"#), [])
        XCTAssertEqual(try decode(#"{"results":[{"statement_id":0}]}"#), [StatementResult(statementID: 0)])
    }

    func testResultEncodingRoundTrips() throws {
        let original = try decode("""
            {"results":[{"statement_id":0,"series":[{"name":"c\\"pu","tags":{"b":"2","a":"x\\ny"},"columns":["time","v","s","ok"],
            "values":[[1767225600000000000,0.5,"é\\u0001",true],[-5,null,"",false],[7,1e-05,"x",null]]}],
            "messages":[{"level":"info","text":"hello"}]},{"statement_id":1,"error":"boom \\"quoted\\""}]}
            """)
        let rendered = ResultEncoding.json(original, time: .epoch(unit: 1)) + "\n"
        XCTAssertTrue(rendered.hasPrefix(#"{"results":[{"statement_id":0,"series":[{"name":"c\"pu","tags":{"a":"x\ny","b":"2"}"#),
                      rendered)
        XCTAssertTrue(rendered.hasSuffix("\n"))
        XCTAssertFalse(rendered.dropLast().contains("\n"), "compact output is a single line")
        XCTAssertTrue(rendered.contains("[1767225600000000000,0.5,"), rendered)
        XCTAssertTrue(rendered.contains(#""error":"boom \"quoted\"""#), rendered)
        XCTAssertEqual(try QueryResponse.decode(Array(rendered.utf8)), original)
    }

    func testResultEncodingWritesNonFiniteFloatsAsNull() {
        let results = [StatementResult(statementID: 0, series: [
            ResultSeries(name: "m", columns: ["v"], values: [[.float(.nan)], [.float(.infinity)], [.float(2)]]),
        ])]
        XCTAssertEqual(ResultEncoding.json(results, time: .epoch(unit: 1)),
                       #"{"results":[{"statement_id":0,"series":[{"name":"m","columns":["v"],"values":[[null],[null],[2]]}]}]}"#)
    }
}
