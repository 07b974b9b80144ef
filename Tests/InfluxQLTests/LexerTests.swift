import InfluxQL
import XCTest

final class LexerTests: XCTestCase {
    private func kinds(_ s: String) throws -> [TokenKind] {
        try InfluxQLLexer.tokenize(s).map(\.kind)
    }

    private func texts(_ s: String) throws -> [String] {
        try InfluxQLLexer.tokenize(s).dropLast().map(\.text)
    }

    private func assertLexError(_ s: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try InfluxQLLexer.tokenize(s), file: file, line: line) { error in
            XCTAssertEqual((error as? ParseError)?.description, expected, file: file, line: line)
        }
    }

    func testSimpleStatement() throws {
        let tokens = try InfluxQLLexer.tokenize(#"SELECT mean("value") FROM cpu"#)
        XCTAssertEqual(tokens.map(\.kind), [.keyword(.select), .identifier, .lparen, .identifier, .rparen,
                                            .keyword(.from), .identifier, .eof])
        XCTAssertEqual(tokens.map(\.text), ["SELECT", "mean", "(", "value", ")", "FROM", "cpu", ""])
        XCTAssertEqual(tokens.map(\.char), [1, 8, 12, 13, 20, 22, 27, 30])
        XCTAssertEqual(tokens.map(\.offset), [0, 7, 11, 12, 19, 21, 26, 29])
        XCTAssertEqual(tokens.map(\.precededBySpace), [false, true, false, false, false, true, true, false])
        XCTAssertTrue(tokens.allSatisfy { $0.line == 1 })
    }

    func testKeywordsAreCaseInsensitive() throws {
        XCTAssertEqual(try kinds("select Select SELECT sElEcT"),
                       [.keyword(.select), .keyword(.select), .keyword(.select), .keyword(.select), .eof])
        XCTAssertEqual(try kinds("and OR true False"),
                       [.keyword(.and), .keyword(.or), .keyword(.true), .keyword(.false), .eof])
        XCTAssertEqual(Keyword.lookup("measurements"), .measurements)
        XCTAssertEqual(Keyword.lookup("SUBSCRIPTIONS"), .subscriptions)
        XCTAssertNil(Keyword.lookup("selects"))
        XCTAssertNil(Keyword.lookup("time"))
        XCTAssertNil(Keyword.lookup("fill"))
        XCTAssertNil(Keyword.lookup("now"))
        XCTAssertNil(Keyword.lookup("value"))
    }

    func testIdentifiers() throws {
        XCTAssertEqual(try kinds("_a a1_b Z"), [.identifier, .identifier, .identifier, .eof])
        XCTAssertEqual(try texts("_a a1_b Z"), ["_a", "a1_b", "Z"])
        // Quoted identifiers are never keywords, and unescape \" \\ \n \'.
        let quoted = try InfluxQLLexer.tokenize(#""select" "a\"b\\c" "x\ny" "it\'s" "" "µs ok""#)
        XCTAssertEqual(quoted.map(\.kind), Array(repeating: .identifier, count: 6) + [.eof])
        XCTAssertEqual(quoted.dropLast().map(\.text), ["select", #"a"b\c"#, "x\ny", "it's", "", "µs ok"])
    }

    func testStrings() throws {
        let tokens = try InfluxQLLexer.tokenize(#"'abc' 'it\'s' 'back\\slash' 'new\nline' 'q"q' '' 'ünï'"#)
        XCTAssertEqual(tokens.map(\.kind), Array(repeating: .string, count: 7) + [.eof])
        XCTAssertEqual(tokens.dropLast().map(\.text), ["abc", "it's", #"back\slash"#, "new\nline", #"q"q"#, "", "ünï"])
    }

    func testNumbers() throws {
        XCTAssertEqual(try kinds("10 0 1.5 .5 5. 1e3 2.5E-2 3e+4"),
                       [.integer, .integer, .number, .number, .number, .number, .number, .number, .eof])
        XCTAssertEqual(try texts("10 0 1.5 .5 5. 1e3 2.5E-2 3e+4"), ["10", "0", "1.5", ".5", "5.", "1e3", "2.5E-2", "3e+4"])
    }

    func testDurations() throws {
        XCTAssertEqual(try kinds("10s 1h30m 1767225600000ms 5u 5µ 10ns 2w 3d 10x"),
                       Array(repeating: .duration, count: 9) + [.eof])
        XCTAssertEqual(try texts("10s 1h30m 5µ 10x"), ["10s", "1h30m", "5µ", "10x"])
        // A duration ends at the first non-alphanumeric character.
        XCTAssertEqual(try kinds("10s)"), [.duration, .rparen, .eof])
        // Not a duration: space before the unit.
        XCTAssertEqual(try kinds("10 s"), [.integer, .identifier, .eof])
    }

    func testOperators() throws {
        XCTAssertEqual(try kinds("+ - * / % & | ^ = != <> < <= > >= =~ !~ ( ) , : :: ; ."),
                       [.plus, .minus, .star, .slash, .percent, .ampersand, .pipe, .caret,
                        .eq, .neq, .neq, .lt, .lte, .gt, .gte, .eqRegex, .neqRegex,
                        .lparen, .rparen, .comma, .colon, .doubleColon, .semicolon, .dot, .eof])
        XCTAssertEqual(try kinds("a<=b"), [.identifier, .lte, .identifier, .eof])
        XCTAssertEqual(try kinds("x::float"), [.identifier, .doubleColon, .identifier, .eof])
        XCTAssertEqual(try kinds("now()-6h"), [.identifier, .lparen, .rparen, .minus, .duration, .eof])
    }

    func testFoundText() throws {
        let tokens = try InfluxQLLexer.tokenize("select <> 'x' \"y\" '' EOF")
        XCTAssertEqual(tokens.map(\.found), ["SELECT", "!=", "x", "y", "''", "EOF", "EOF"])
    }

    func testIllegalCharacters() throws {
        let tokens = try InfluxQLLexer.tokenize("! # é $")
        XCTAssertEqual(tokens.map(\.kind), [.illegal, .illegal, .illegal, .illegal, .eof])
        XCTAssertEqual(tokens.dropLast().map(\.text), ["!", "#", "é", "$"])
        XCTAssertEqual(tokens.map(\.char), [1, 3, 5, 7, 8])
    }

    func testCommentsAndWhitespace() throws {
        let tokens = try InfluxQLLexer.tokenize("a -- comment ; b\n/* multi\nline */b\t\r\nc")
        XCTAssertEqual(tokens.map(\.text), ["a", "b", "c", ""])
        XCTAssertEqual(tokens.map(\.line), [1, 3, 4, 4])
        XCTAssertEqual(tokens.map(\.char), [1, 8, 1, 2])
        XCTAssertEqual(tokens.map(\.precededBySpace), [false, true, true, false])
        XCTAssertEqual(try kinds("a/**/b"), [.identifier, .identifier, .eof])
        XCTAssertEqual(try kinds("a/b"), [.identifier, .slash, .identifier, .eof])
    }

    func testPositionsCountScalarsNotBytes() throws {
        let tokens = try InfluxQLLexer.tokenize("'日本' x\n  \"é\" y")
        XCTAssertEqual(tokens.map(\.char), [1, 6, 3, 7, 8])
        XCTAssertEqual(tokens.map(\.line), [1, 1, 2, 2, 2])
        XCTAssertEqual(tokens.map(\.offset), [0, 9, 13, 18, 19])
    }

    func testLexicalErrors() {
        assertLexError("'abc", "unterminated string at line 1, char 1")
        assertLexError("x 'ab\ncd'", "unterminated string at line 1, char 3")
        assertLexError(#""abc"#, "unterminated quoted identifier at line 1, char 1")
        assertLexError(#"'a\qb'"#, #"bad escape: \q at line 1, char 3"#)
        assertLexError(#"  "a\"#, "unterminated quoted identifier at line 1, char 3")
        assertLexError("a /* b", "unterminated comment at line 1, char 3")
        assertLexError("\n\n  'x", "unterminated string at line 3, char 3")
    }

    func testRegexScanning() throws {
        var lexer = InfluxQLLexer(#"  /foo\/bar/ /foo\\/bar/ /foo\\bar/ /^payments\./ x"#)
        var patterns: [String] = []
        while let token = try lexer.nextRegex() {
            XCTAssertEqual(token.kind, .regex)
            patterns.append(token.text)
        }
        XCTAssertEqual(patterns, ["foo/bar", #"foo\/bar"#, #"foo\\bar"#, #"^payments\."#])
        // No regex next: nothing consumed, normal scanning continues.
        let x = try lexer.next()
        XCTAssertEqual(x.kind, .identifier)
        XCTAssertEqual(x.text, "x")
        XCTAssertEqual(x.char, 51)
        XCTAssertTrue(x.precededBySpace)
    }

    func testRegexPositionAndErrors() throws {
        var lexer = InfluxQLLexer("a\n  /re/")
        _ = try lexer.next()
        let re = try XCTUnwrap(try lexer.nextRegex())
        XCTAssertEqual(re.text, "re")
        XCTAssertEqual(re.line, 2)
        XCTAssertEqual(re.char, 3)
        XCTAssertTrue(re.precededBySpace)
        XCTAssertEqual(try lexer.next().kind, .eof)

        var unterminated = InfluxQLLexer(" /abc")
        XCTAssertThrowsError(try unterminated.nextRegex()) { error in
            XCTAssertEqual((error as? ParseError)?.description, "unterminated regex at line 1, char 2")
        }
        var newline = InfluxQLLexer("/ab\nc/")
        XCTAssertThrowsError(try newline.nextRegex()) { error in
            XCTAssertEqual((error as? ParseError)?.message, "unterminated regex")
        }
    }

    func testEofRepeats() throws {
        var lexer = InfluxQLLexer("a")
        XCTAssertEqual(try lexer.next().kind, .identifier)
        let eof1 = try lexer.next()
        let eof2 = try lexer.next()
        XCTAssertEqual(eof1.kind, .eof)
        XCTAssertEqual(eof2.kind, .eof)
        XCTAssertEqual(eof2.char, 2)
    }

    // Found by fuzz/ (target influxql, fuzz/corpus/influxql/regression-cr-in-quotes): a name or value
    // holding a carriage return, quoted by InfluxQLQuote (or a bound parameter), did not lex back
    // ("unterminated quoted identifier"). As in InfluxDB, only a newline ends a quoted value early.
    func testCarriageReturnInsideQuotesIsPartOfTheValue() throws {
        let fuzzed = "wLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL\0\0LLLLL\rLLLLLLLLLAd"
        for value in ["a\rb", "\r", "x\r\ny", fuzzed] {
            let ident = try InfluxQLLexer.tokenize(InfluxQLQuote.identifier(value))
            XCTAssertEqual(ident.map(\.kind), [.identifier, .eof])
            XCTAssertEqual(ident.first?.text, value)
            let string = try InfluxQLLexer.tokenize(InfluxQLQuote.string(value))
            XCTAssertEqual(string.map(\.kind), [.string, .eof])
            XCTAssertEqual(string.first?.text, value)
        }
        let query = try BoundParameters.substitute("SELECT v FROM m WHERE host = $h", ["h": .string("a\rb")])
        XCTAssertEqual(try InfluxQLParser.parse(query).count, 1)
        // A carriage return still counts as a line break for positions, and a newline still ends the value.
        XCTAssertEqual(try InfluxQLLexer.tokenize("'a\rb' x").map(\.line), [1, 2, 2])
        assertLexError("'a\r\nb'", "unterminated string at line 1, char 1")
    }
}
