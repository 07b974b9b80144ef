import XCTest
import InfluxQL
import TSClient

final class CSVTests: XCTestCase {
    func testHeaderRowsAndQuoting() {
        let results = [StatementResult(statementID: 0, series: [
            ResultSeries(name: "cpu", tags: [("region", "eu"), ("host", "a")], columns: ["time", "value", "note"],
                         values: [[.integer(1_767_225_600_000_000_000), .float(0.5), .string(#"say "hi", ok"#)],
                                  [.integer(1_767_225_601_000_000_000), .null, .string("two\nlines")]]),
            ResultSeries(name: "cpu", tags: [("host", "b")], columns: ["time", "value", "note"],
                         values: [[.integer(1_767_225_600_000_000_000), .integer(7), .boolean(false)]]),
        ])]
        XCTAssertEqual(CSVRenderer.render(results, timeFormat: .rfc3339), """
            name,tags,time,value,note
            cpu,"host=a,region=eu",2026-01-01T00:00:00Z,0.5,"say ""hi"", ok"
            cpu,"host=a,region=eu",2026-01-01T00:00:01Z,,"two
            lines"
            cpu,host=b,2026-01-01T00:00:00Z,7,false

            """)
    }

    func testHeaderRepeatsWhenColumnsChangeAndErrorsAreReported() {
        let results = [
            StatementResult(statementID: 0, series: [
                ResultSeries(name: "a", columns: ["time", "x"], values: [[.integer(5), .integer(1)]]),
            ]),
            StatementResult(statementID: 1, error: "boom"),
            StatementResult(statementID: 2, series: [
                ResultSeries(columns: ["time", "y"], values: [[.integer(6), .float(2.25)]]),
            ]),
        ]
        XCTAssertEqual(CSVRenderer.render(results, timeFormat: .epoch), """
            name,tags,time,x
            a,,5,1
            ERR: boom
            name,tags,time,y
            ,,6,2.25

            """)
    }

    func testQuotingRules() {
        XCTAssertEqual(CSVRenderer.quoted("plain value"), "plain value")
        XCTAssertEqual(CSVRenderer.quoted(""), "")
        XCTAssertEqual(CSVRenderer.quoted("a,b"), "\"a,b\"")
        XCTAssertEqual(CSVRenderer.quoted("\"q\""), "\"\"\"q\"\"\"")
        XCTAssertEqual(CSVRenderer.quoted("cr\rhere"), "\"cr\rhere\"")
    }
}
