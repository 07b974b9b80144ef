import InfluxQL
import XCTest

// Shared helpers for the parser tests.

let ns: Int64 = 1
let us: Int64 = 1_000
let ms: Int64 = 1_000_000
let sec: Int64 = 1_000_000_000
let minute: Int64 = 60 * sec
let hour: Int64 = 60 * minute
let day: Int64 = 24 * hour
let week: Int64 = 7 * day

/// Parses `query`, which must hold exactly one statement.
func parseOne(_ query: String, file: StaticString = #filePath, line: UInt = #line) throws -> Statement {
    let statements = try InfluxQLParser.parse(query)
    XCTAssertEqual(statements.count, 1, "statement count for \(query)", file: file, line: line)
    return try XCTUnwrap(statements.first, file: file, line: line)
}

/// Parses a single SELECT statement.
func parseSelect(_ query: String, file: StaticString = #filePath, line: UInt = #line) throws -> SelectStatement {
    let statement = try parseOne(query, file: file, line: line)
    guard case .select(let select) = statement else {
        XCTFail("not a SELECT: \(statement)", file: file, line: line)
        throw ParseError(message: "not a select", line: 0, char: 0)
    }
    return select
}

/// Asserts that `query` fails to parse with exactly the error text `expected` (InfluxDB's shape,
/// `... at line L, char C`).
func assertParseError(_ query: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
    do {
        let statements = try InfluxQLParser.parse(query)
        XCTFail("expected error \"\(expected)\" for \(query), parsed \(statements)", file: file, line: line)
    } catch {
        XCTAssertEqual(error.description, expected, "for query: \(query)", file: file, line: line)
    }
}

/// Asserts that the expression parses to `expected`.
func assertExpr(_ text: String, _ expected: Expr, file: StaticString = #filePath, line: UInt = #line) {
    do {
        let expr = try InfluxQLParser.parseExpr(text)
        XCTAssertEqual(expr, expected, "for expression: \(text)", file: file, line: line)
    } catch {
        XCTFail("\(text): \(error)", file: file, line: line)
    }
}

func ref(_ name: String, _ hint: TypeHint? = nil) -> Expr { .varRef(name, hint) }
func bin(_ op: BinaryOp, _ lhs: Expr, _ rhs: Expr) -> Expr { .binary(op, lhs, rhs) }
func src(_ name: String, rp: String? = nil, db: String? = nil) -> Source {
    Source(database: db, retentionPolicy: rp, name: .exact(name))
}
func srcRegex(_ pattern: String, rp: String? = nil, db: String? = nil) -> Source {
    Source(database: db, retentionPolicy: rp, name: .regex(pattern))
}
let time = Expr.varRef("time", nil)
