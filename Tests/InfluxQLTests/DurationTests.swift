import InfluxQL
import XCTest

final class DurationTests: XCTestCase {
    func testUnits() {
        XCTAssertEqual(InfluxQLDuration.parse("10ns"), 10)
        XCTAssertEqual(InfluxQLDuration.parse("5u"), 5 * us)
        XCTAssertEqual(InfluxQLDuration.parse("5µ"), 5 * us)
        XCTAssertEqual(InfluxQLDuration.parse("7ms"), 7 * ms)
        XCTAssertEqual(InfluxQLDuration.parse("10s"), 10 * sec)
        XCTAssertEqual(InfluxQLDuration.parse("15m"), 15 * minute)
        XCTAssertEqual(InfluxQLDuration.parse("6h"), 21_600_000_000_000)
        XCTAssertEqual(InfluxQLDuration.parse("3d"), 3 * day)
        XCTAssertEqual(InfluxQLDuration.parse("2w"), 2 * week)
        XCTAssertEqual(InfluxQLDuration.parse("0s"), 0)
        XCTAssertEqual(InfluxQLDuration.parse("1767225600000ms"), 1_767_225_600_000_000_000)
    }

    func testCompoundAndNegative() {
        XCTAssertEqual(InfluxQLDuration.parse("1h30m"), 90 * minute)
        XCTAssertEqual(InfluxQLDuration.parse("1d12h"), 36 * hour)
        XCTAssertEqual(InfluxQLDuration.parse("1m1s1ms1u1ns"), minute + sec + ms + us + 1)
        XCTAssertEqual(InfluxQLDuration.parse("1s1s"), 2 * sec)
        XCTAssertEqual(InfluxQLDuration.parse("-15m"), -15 * minute)
        XCTAssertEqual(InfluxQLDuration.parse("-1h30m"), -90 * minute)
    }

    func testInvalid() {
        for bad in ["", "-", "1", "10", "s", "h1", "1x", "1h30", "1n", "1.5s", "1 s", "1S", "1H", "--1s", "1mss", "1µ5", "1\u{00C2}s"] {
            XCTAssertNil(InfluxQLDuration.parse(bad), "\(bad) should not parse")
        }
    }

    func testOverflow() {
        XCTAssertEqual(InfluxQLDuration.parse("106751d"), 106_751 * day)
        XCTAssertNil(InfluxQLDuration.parse("106752d"))
        XCTAssertNil(InfluxQLDuration.parse("9999999999999999999ns"))
        XCTAssertEqual(InfluxQLDuration.parse("9223372036854775807ns"), .max)
        XCTAssertNil(InfluxQLDuration.parse("9223372036854775807ns1ns"))
    }

    func testFormatLikeGo() {
        XCTAssertEqual(InfluxQLDuration.format(0), "0s")
        XCTAssertEqual(InfluxQLDuration.format(1), "1ns")
        XCTAssertEqual(InfluxQLDuration.format(999), "999ns")
        XCTAssertEqual(InfluxQLDuration.format(1_500), "1.5µs")
        XCTAssertEqual(InfluxQLDuration.format(2 * ms), "2ms")
        XCTAssertEqual(InfluxQLDuration.format(2_500_100), "2.5001ms")
        XCTAssertEqual(InfluxQLDuration.format(10 * sec), "10s")
        XCTAssertEqual(InfluxQLDuration.format(1_500 * ms), "1.5s")
        XCTAssertEqual(InfluxQLDuration.format(30 * minute), "30m0s")
        XCTAssertEqual(InfluxQLDuration.format(hour), "1h0m0s")
        XCTAssertEqual(InfluxQLDuration.format(90 * minute), "1h30m0s")
        XCTAssertEqual(InfluxQLDuration.format(week), "168h0m0s")
        XCTAssertEqual(InfluxQLDuration.format(25 * hour + minute + sec + 500 * ms), "25h1m1.5s")
        XCTAssertEqual(InfluxQLDuration.format(minute + 1), "1m0.000000001s")
        XCTAssertEqual(InfluxQLDuration.format(-90 * sec), "-1m30s")
        XCTAssertEqual(InfluxQLDuration.format(-1), "-1ns")
        XCTAssertEqual(InfluxQLDuration.format(.max), "2562047h47m16.854775807s")
        XCTAssertEqual(InfluxQLDuration.format(.min), "-2562047h47m16.854775808s")
    }

    func testRoundTripThroughParser() throws {
        for text in ["1h", "90m", "2w", "1s500ms"] {
            let parsed = try XCTUnwrap(InfluxQLDuration.parse(text))
            XCTAssertEqual(try InfluxQLParser.parseExpr(text), .duration(parsed))
        }
    }
}

final class QuotingTests: XCTestCase {
    func testIdentifier() {
        XCTAssertEqual(InfluxQLQuote.identifier("cpu"), "cpu")
        XCTAssertEqual(InfluxQLQuote.identifier("_cpu_1"), "_cpu_1")
        XCTAssertEqual(InfluxQLQuote.identifier("cpu load"), #""cpu load""#)
        XCTAssertEqual(InfluxQLQuote.identifier("1abc"), #""1abc""#)
        XCTAssertEqual(InfluxQLQuote.identifier("a-b"), #""a-b""#)
        XCTAssertEqual(InfluxQLQuote.identifier("select"), #""select""#)
        XCTAssertEqual(InfluxQLQuote.identifier("Field"), #""Field""#)
        XCTAssertEqual(InfluxQLQuote.identifier("true"), #""true""#)
        XCTAssertEqual(InfluxQLQuote.identifier(""), #""""#)
        XCTAssertEqual(InfluxQLQuote.identifier(#"a"b\c"#), #""a\"b\\c""#)
        XCTAssertEqual(InfluxQLQuote.identifier("a\nb"), #""a\nb""#)
        XCTAssertEqual(InfluxQLQuote.identifier("µs"), #""µs""#)
        XCTAssertFalse(InfluxQLQuote.needsQuotes("time"))
        XCTAssertTrue(InfluxQLQuote.needsQuotes("key"))
    }

    func testString() {
        XCTAssertEqual(InfluxQLQuote.string("abc"), "'abc'")
        XCTAssertEqual(InfluxQLQuote.string("it's"), #"'it\'s'"#)
        XCTAssertEqual(InfluxQLQuote.string(#"a\b"#), #"'a\\b'"#)
        XCTAssertEqual(InfluxQLQuote.string("a\nb"), #"'a\nb'"#)
        XCTAssertEqual(InfluxQLQuote.string(#"say "hi""#), #"'say "hi"'"#)
        XCTAssertEqual(InfluxQLQuote.string(""), "''")
    }

    func testRoundTrips() throws {
        for name in ["cpu", "cpu load", "select", #"we"ird\name"#, "multi\nline", "ünïcode", "", "1x"] {
            XCTAssertEqual(try InfluxQLParser.parseExpr(InfluxQLQuote.identifier(name)), .varRef(name, nil), "name \(name)")
            XCTAssertEqual(try InfluxQLParser.parseExpr(InfluxQLQuote.string(name)), .string(name), "string \(name)")
        }
        XCTAssertEqual(try InfluxQLParser.parse("CREATE DATABASE \(InfluxQLQuote.identifier("my-db"))"), [.createDatabase("my-db")])
    }
}
