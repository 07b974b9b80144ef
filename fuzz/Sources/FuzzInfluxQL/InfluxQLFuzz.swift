// Fuzz target `influxql`: the InfluxQL lexer and parser (Sources/InfluxQL) and the literal helpers
// they use (RFC 3339 times, durations, quoting).
//
// Input: a query string (bytes decoded as UTF-8, invalid sequences replaced).
// Checks: parse, parseExpr and tokenize never fail other than with ParseError; tokenizing ends at
// EOF; an RFC 3339 time that parses formats to text that parses to the same instant; a duration
// that parses is within Int64 and its negation (when representable) parses too; quoting the input as
// an identifier or a string literal lexes back to exactly one token holding the input.
import FuzzSupport
import InfluxQL

func fuzzOne(_ data: UnsafeRawBufferPointer) {
    let text = String(decoding: data, as: UTF8.self)

    _ = try? InfluxQLParser.parse(text)
    _ = try? InfluxQLParser.parseExpr(text)
    if let tokens = try? InfluxQLLexer.tokenize(text) {
        invariant(tokens.last?.kind == .eof, "token list does not end with EOF")
        invariant(tokens.dropLast().allSatisfy { $0.kind != .eof }, "EOF before the end")
    }

    if let ns = RFC3339.parse(text) {
        let formatted = RFC3339.format(ns)
        invariant(RFC3339.parse(formatted) == ns, "RFC 3339 round trip: \(text.debugDescription) -> \(ns) -> \(formatted)")
    }
    if let d = InfluxQLDuration.parse(text), d != .min, !text.hasPrefix("-") {
        invariant(InfluxQLDuration.parse("-" + text) == -d, "duration \(text.debugDescription) = \(d) but its negation differs")
    }

    // Quoting: a name or value written by InfluxQLQuote must read back as itself.
    guard data.count <= 512 else { return }
    let ident = InfluxQLQuote.identifier(text)
    if let t = try? InfluxQLLexer.tokenize(ident) {
        invariant(t.count == 2 && t[0].kind == .identifier && t[0].text == text,
                  "identifier \(text.debugDescription) quoted as \(ident.debugDescription) lexes as \(t)")
    } else {
        invariant(false, "identifier \(text.debugDescription) quoted as \(ident.debugDescription) does not lex")
    }
    let str = InfluxQLQuote.string(text)
    if let t = try? InfluxQLLexer.tokenize(str) {
        invariant(t.count == 2 && t[0].kind == .string && t[0].text == text,
                  "string \(text.debugDescription) quoted as \(str.debugDescription) lexes as \(t)")
    } else {
        invariant(false, "string \(text.debugDescription) quoted as \(str.debugDescription) does not lex")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ size: Int) -> CInt { runOne(data, size, fuzzOne) }

#if !FUZZING
@main struct Main { static func main() { Replay.main("influxql", fuzzOne) } }
#endif
