/// The InfluxQL tokenizer.
///
/// It works on the UTF-8 bytes of the query and follows InfluxDB 1.x's scanner
/// (`influxql/scanner.go`) closely:
///
/// - Whitespace is space, tab, `\n` and `\r` (`\r\n` counts as one line break).
///   `-- ...` (to the end of the line) and `/* ... */` are comments and count as whitespace.
/// - Bare identifiers are `[A-Za-z_][A-Za-z0-9_]*`; those spelling an InfluxQL keyword
///   (case-insensitively) become ``TokenKind/keyword(_:)``. Double-quoted identifiers are never keywords.
/// - Quoted identifiers and strings accept the escapes `\n`, `\\`, `\"` and `\'`; any other escape is an
///   error, and so is a raw line break.
/// - A number directly followed by letters (or `µ`) is a duration token (`10s`, `1h30m`, `10x` — the last is
///   rejected later by the parser as an invalid duration). As an extension over InfluxDB, numbers may have an
///   exponent (`1e3`, `2.5E-2`).
/// - Regular expressions `/.../` are context dependent (`/` is also division), so they are only scanned
///   when the parser asks for one with ``nextRegex()``.
///
/// Positions are 1-based: `line`, and `char` counted in Unicode scalars within the line, like InfluxDB.
public struct InfluxQLLexer: Sendable {
    /// Where the lexer stands: a byte offset plus the line/char it corresponds to.
    struct Cursor: Sendable, Equatable {
        var offset: Int
        var line: Int
        var char: Int
    }

    let bytes: [UInt8]
    var cursor: Cursor

    public init(_ query: String) {
        self.bytes = Array(query.utf8)
        self.cursor = Cursor(offset: 0, line: 1, char: 1)
    }

    /// Tokenizes a whole string (in expression context, so never yielding regex tokens), up to and
    /// including the `.eof` token. Handy for tests and tools.
    public static func tokenize(_ query: String) throws(ParseError) -> [Token] {
        var lexer = InfluxQLLexer(query)
        var tokens: [Token] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .eof { return tokens }
        }
    }

    // MARK: - Public scanning API

    /// Scans the next token, skipping whitespace and comments. At the end it returns `.eof` (repeatedly).
    public mutating func next() throws(ParseError) -> Token {
        let before = cursor.offset
        try skipTrivia()
        let spaced = cursor.offset != before
        let start = cursor
        guard start.offset < bytes.count else {
            return token(.eof, "", start, spaced)
        }
        let b = bytes[start.offset]
        switch b {
        case _ where isIdentFirst(b):
            let end = scanWhile(from: start.offset, isIdentByte)
            let word = string(start.offset, end)
            advance(to: end)
            if let keyword = Keyword.lookup(word) {
                return token(.keyword(keyword), word, start, spaced)
            }
            return token(.identifier, word, start, spaced)
        case UInt8(ascii: "\""):
            let value = try scanQuoted(what: "quoted identifier")
            return token(.identifier, value, start, spaced)
        case UInt8(ascii: "'"):
            let value = try scanQuoted(what: "string")
            return token(.string, value, start, spaced)
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            return scanNumber(start, spaced)
        case UInt8(ascii: "."):
            if isDigit(byte(at: start.offset + 1)) {
                return scanNumber(start, spaced)
            }
            return punct(.dot, 1, start, spaced)
        case UInt8(ascii: "+"): return punct(.plus, 1, start, spaced)
        case UInt8(ascii: "-"): return punct(.minus, 1, start, spaced)  // `--` was taken as a comment
        case UInt8(ascii: "*"): return punct(.star, 1, start, spaced)
        case UInt8(ascii: "/"): return punct(.slash, 1, start, spaced)  // `/*` was taken as a comment
        case UInt8(ascii: "%"): return punct(.percent, 1, start, spaced)
        case UInt8(ascii: "&"): return punct(.ampersand, 1, start, spaced)
        case UInt8(ascii: "|"): return punct(.pipe, 1, start, spaced)
        case UInt8(ascii: "^"): return punct(.caret, 1, start, spaced)
        case UInt8(ascii: "("): return punct(.lparen, 1, start, spaced)
        case UInt8(ascii: ")"): return punct(.rparen, 1, start, spaced)
        case UInt8(ascii: ","): return punct(.comma, 1, start, spaced)
        case UInt8(ascii: ";"): return punct(.semicolon, 1, start, spaced)
        case UInt8(ascii: "="):
            if byte(at: start.offset + 1) == UInt8(ascii: "~") { return punct(.eqRegex, 2, start, spaced) }
            return punct(.eq, 1, start, spaced)
        case UInt8(ascii: "!"):
            let b1 = byte(at: start.offset + 1)
            if b1 == UInt8(ascii: "=") { return punct(.neq, 2, start, spaced) }
            if b1 == UInt8(ascii: "~") { return punct(.neqRegex, 2, start, spaced) }
            return punct(.illegal, 1, start, spaced)
        case UInt8(ascii: "<"):
            let b1 = byte(at: start.offset + 1)
            if b1 == UInt8(ascii: "=") { return punct(.lte, 2, start, spaced) }
            if b1 == UInt8(ascii: ">") { return punct(.neq, 2, start, spaced) }
            return punct(.lt, 1, start, spaced)
        case UInt8(ascii: ">"):
            if byte(at: start.offset + 1) == UInt8(ascii: "=") { return punct(.gte, 2, start, spaced) }
            return punct(.gt, 1, start, spaced)
        case UInt8(ascii: ":"):
            if byte(at: start.offset + 1) == UInt8(ascii: ":") { return punct(.doubleColon, 2, start, spaced) }
            return punct(.colon, 1, start, spaced)
        default:
            // One whole (possibly multi-byte) character.
            return punct(.illegal, scalarLength(at: start.offset), start, spaced)
        }
    }

    /// In a position where a regular expression may appear: skips whitespace and comments and, if the next
    /// character is `/`, scans a `/.../` regex token. Otherwise returns nil and consumes nothing.
    ///
    /// Like InfluxDB, `\/` inside the regex stands for `/`; a backslash before anything else is kept and the
    /// following character is read normally (so `\\/` yields `\/` and does not end the regex).
    public mutating func nextRegex() throws(ParseError) -> Token? {
        let saved = cursor
        try skipTrivia()
        guard byte(at: cursor.offset) == UInt8(ascii: "/") else {
            cursor = saved
            return nil
        }
        let spaced = cursor.offset != saved.offset
        let start = cursor
        var pattern: [UInt8] = []
        var i = start.offset + 1
        while true {
            guard i < bytes.count, bytes[i] != UInt8(ascii: "\n"), bytes[i] != UInt8(ascii: "\r") else {
                throw ParseError(message: "unterminated regex", line: start.line, char: start.char)
            }
            let b = bytes[i]
            if b == UInt8(ascii: "/") {
                i += 1
                break
            }
            if b == UInt8(ascii: "\\"), byte(at: i + 1) == UInt8(ascii: "/") {
                pattern.append(UInt8(ascii: "/"))
                i += 2
                continue
            }
            pattern.append(b)
            i += 1
        }
        advance(to: i)
        return Token(kind: .regex, text: String(decoding: pattern, as: UTF8.self),
                     line: start.line, char: start.char, offset: start.offset, precededBySpace: spaced)
    }

    /// The raw byte right at the cursor (no whitespace skipped), or nil at the end.
    func peekByte() -> UInt8? {
        cursor.offset < bytes.count ? bytes[cursor.offset] : nil
    }

    // MARK: - Scanners

    /// Skips whitespace and comments.
    mutating func skipTrivia() throws(ParseError) {
        while cursor.offset < bytes.count {
            let b = bytes[cursor.offset]
            if isWhitespace(b) {
                advance(to: cursor.offset + 1)
            } else if b == UInt8(ascii: "-"), byte(at: cursor.offset + 1) == UInt8(ascii: "-") {
                var i = cursor.offset + 2
                while i < bytes.count, bytes[i] != UInt8(ascii: "\n"), bytes[i] != UInt8(ascii: "\r") { i += 1 }
                advance(to: i)
            } else if b == UInt8(ascii: "/"), byte(at: cursor.offset + 1) == UInt8(ascii: "*") {
                let start = cursor
                var i = cursor.offset + 2
                while true {
                    guard i + 1 < bytes.count else {
                        throw ParseError(message: "unterminated comment", line: start.line, char: start.char)
                    }
                    if bytes[i] == UInt8(ascii: "*"), bytes[i + 1] == UInt8(ascii: "/") { break }
                    i += 1
                }
                advance(to: i + 2)
            } else {
                return
            }
        }
    }

    /// Scans a `'...'` string or a `"..."` identifier starting at the cursor and returns its unescaped value.
    private mutating func scanQuoted(what: String) throws(ParseError) -> String {
        let start = cursor
        let quote = bytes[start.offset]
        var i = start.offset + 1
        var value: [UInt8] = []
        while true {
            // Only a newline ends a quoted value early, as in InfluxDB: a carriage return is part of the
            // value (InfluxQLQuote leaves it unescaped, and there is no escape for it).
            guard i < bytes.count, bytes[i] != UInt8(ascii: "\n") else {
                throw ParseError(message: "unterminated \(what)", line: start.line, char: start.char)
            }
            let b = bytes[i]
            if b == quote {
                i += 1
                break
            }
            if b == UInt8(ascii: "\\") {
                switch byte(at: i + 1) {
                case UInt8(ascii: "n"): value.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "\\"): value.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "\""): value.append(UInt8(ascii: "\""))
                case UInt8(ascii: "'"): value.append(UInt8(ascii: "'"))
                case nil:
                    throw ParseError(message: "unterminated \(what)", line: start.line, char: start.char)
                default:
                    advance(to: i)  // so the error points at the backslash
                    let escape = string(i, i + 1 + scalarLength(at: i + 1))
                    throw ParseError(message: "bad escape: \(escape)", line: cursor.line, char: cursor.char)
                }
                i += 2
                continue
            }
            value.append(b)
            i += 1
        }
        advance(to: i)
        return String(decoding: value, as: UTF8.self)
    }

    /// Scans an integer, a number (with `.` fraction and/or exponent) or a duration (`10s`, `1h30m`).
    private mutating func scanNumber(_ start: Cursor, _ spaced: Bool) -> Token {
        var i = scanWhile(from: start.offset, isDigit)
        var isFloat = false
        if byte(at: i) == UInt8(ascii: ".") {
            // As in InfluxDB, a trailing `.` without digits still belongs to the number (`5.` is 5.0).
            isFloat = true
            i = scanWhile(from: i + 1, isDigit)
        }
        // Exponent: e/E, optional sign, at least one digit.
        if let b = byte(at: i), b == UInt8(ascii: "e") || b == UInt8(ascii: "E") {
            var j = i + 1
            if let s = byte(at: j), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { j += 1 }
            if isDigit(byte(at: j)) {
                i = scanWhile(from: j, isDigit)
                isFloat = true
            }
        }
        if !isFloat, isDurationLetter(at: i) {
            // A duration: letters (and µ), then any run of letters, digits and µ (`1h30m`).
            while isDurationLetter(at: i) { i += byte(at: i) == 0xC2 ? 2 : 1 }
            while isDurationLetter(at: i) || isDigit(byte(at: i)) { i += byte(at: i) == 0xC2 ? 2 : 1 }
            let text = string(start.offset, i)
            advance(to: i)
            return token(.duration, text, start, spaced)
        }
        let text = string(start.offset, i)
        advance(to: i)
        return token(isFloat ? .number : .integer, text, start, spaced)
    }

    // MARK: - Helpers

    private func token(_ kind: TokenKind, _ text: String, _ start: Cursor, _ spaced: Bool) -> Token {
        Token(kind: kind, text: text, line: start.line, char: start.char, offset: start.offset, precededBySpace: spaced)
    }

    private mutating func punct(_ kind: TokenKind, _ length: Int, _ start: Cursor, _ spaced: Bool) -> Token {
        let end = min(start.offset + length, bytes.count)
        let text = string(start.offset, end)
        advance(to: end)
        return token(kind, text, start, spaced)
    }

    /// Moves the cursor forward to byte `end`, keeping line and char up to date.
    mutating func advance(to end: Int) {
        var c = cursor
        while c.offset < end {
            let b = bytes[c.offset]
            if b == UInt8(ascii: "\n") {
                c.line += 1
                c.char = 1
            } else if b == UInt8(ascii: "\r") {
                if c.offset + 1 >= bytes.count || bytes[c.offset + 1] != UInt8(ascii: "\n") {
                    c.line += 1
                    c.char = 1
                }  // else: the `\n` that follows does the line break
            } else if b & 0xC0 != 0x80 {
                c.char += 1  // not a UTF-8 continuation byte: a new scalar
            }
            c.offset += 1
        }
        cursor = c
    }

    private func byte(at i: Int) -> UInt8? {
        i < bytes.count ? bytes[i] : nil
    }

    private func scanWhile(from i: Int, _ predicate: (UInt8) -> Bool) -> Int {
        var i = i
        while i < bytes.count, predicate(bytes[i]) { i += 1 }
        return i
    }

    private func string(_ from: Int, _ to: Int) -> String {
        String(decoding: bytes[from..<to], as: UTF8.self)
    }

    /// Length in bytes of the UTF-8 sequence starting at `i` (1 for ASCII or malformed bytes; 0 at the end).
    private func scalarLength(at i: Int) -> Int {
        guard let b = byte(at: i) else { return 0 }
        let n: Int
        switch b {
        case 0xC0...0xDF: n = 2
        case 0xE0...0xEF: n = 3
        case 0xF0...0xF7: n = 4
        default: return 1
        }
        return min(n, bytes.count - i)
    }

    /// ASCII letter or `µ` (U+00B5, bytes C2 B5) at byte `i`.
    private func isDurationLetter(at i: Int) -> Bool {
        guard let b = byte(at: i) else { return false }
        if isLetter(b) { return true }
        return b == 0xC2 && byte(at: i + 1) == 0xB5
    }
}

@inline(__always) private func isWhitespace(_ b: UInt8) -> Bool {
    b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r")
}

@inline(__always) private func isLetter(_ b: UInt8) -> Bool {
    (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
}

@inline(__always) private func isDigit(_ b: UInt8) -> Bool {
    b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")
}

@inline(__always) private func isDigit(_ b: UInt8?) -> Bool {
    guard let b else { return false }
    return isDigit(b)
}

@inline(__always) func isIdentFirst(_ b: UInt8) -> Bool { isLetter(b) || b == UInt8(ascii: "_") }

@inline(__always) func isIdentByte(_ b: UInt8) -> Bool { isLetter(b) || isDigit(b) || b == UInt8(ascii: "_") }

// MARK: - Tokens

/// The kind of a ``Token``.
public enum TokenKind: Sendable, Equatable {
    case eof
    /// A bare or double-quoted identifier; `text` is the (unescaped) name.
    case identifier
    /// A bare word that is an InfluxQL keyword (including `AND`, `OR`, `TRUE`, `FALSE`).
    case keyword(Keyword)
    /// A single-quoted string; `text` is the unescaped value.
    case string
    /// `text` as written, e.g. `10`.
    case integer
    /// `text` as written, e.g. `1.5`, `.5`, `1e3`.
    case number
    /// `text` as written, e.g. `10s`, `1h30m`; not yet validated.
    case duration
    /// `text` is the pattern (only from ``InfluxQLLexer/nextRegex()``).
    case regex
    case plus, minus, star, slash, percent, ampersand, pipe, caret
    /// `=`, `!=` (also `<>`), `<`, `<=`, `>`, `>=`, `=~`, `!~`.
    case eq, neq, lt, lte, gt, gte, eqRegex, neqRegex
    case lparen, rparen, comma, colon, doubleColon, semicolon, dot
    /// A character that starts no token; `text` is that character.
    case illegal
}

/// One token with its 1-based position.
public struct Token: Sendable, Equatable {
    public var kind: TokenKind
    /// Identifier name, string value, literal text, regex pattern or the operator as written.
    public var text: String
    public var line: Int
    public var char: Int
    /// Byte offset of the token's first byte in the query.
    public var offset: Int
    /// Whether whitespace or a comment came right before the token (InfluxQL cares in a few places:
    /// `mean(` is a call but `mean (` is not; `"rp"."m"` and `x::float` must not be spaced).
    public var precededBySpace: Bool

    public init(kind: TokenKind, text: String, line: Int, char: Int, offset: Int, precededBySpace: Bool) {
        self.kind = kind
        self.text = text
        self.line = line
        self.char = char
        self.offset = offset
        self.precededBySpace = precededBySpace
    }

    /// How InfluxDB names this token in `found X, expected Y` errors: keywords in upper case, `EOF`,
    /// operators in canonical spelling (`<>` shows as `!=`), everything else as its text.
    public var found: String {
        switch kind {
        case .eof: return "EOF"
        case .keyword(let k): return k.rawValue
        case .neq: return "!="
        case .identifier: return text.isEmpty ? "\"\"" : text
        case .string: return text.isEmpty ? "''" : text
        default: return text
        }
    }
}

/// InfluxQL keywords (InfluxDB 1.x's list). A bare identifier spelling one of these, in any case, is the
/// keyword; to use such a word as a name it must be double-quoted.
public enum Keyword: String, Sendable, CaseIterable {
    case all = "ALL", alter = "ALTER", analyze = "ANALYZE", and = "AND", any = "ANY", `as` = "AS", asc = "ASC"
    case begin = "BEGIN", by = "BY", cardinality = "CARDINALITY", create = "CREATE", continuous = "CONTINUOUS"
    case database = "DATABASE", databases = "DATABASES", `default` = "DEFAULT", delete = "DELETE", desc = "DESC"
    case destinations = "DESTINATIONS", diagnostics = "DIAGNOSTICS", distinct = "DISTINCT", drop = "DROP"
    case duration = "DURATION", end = "END", every = "EVERY", exact = "EXACT", explain = "EXPLAIN"
    case `false` = "FALSE", field = "FIELD", `for` = "FOR", from = "FROM", future = "FUTURE"
    case grant = "GRANT", grants = "GRANTS", group = "GROUP", groups = "GROUPS"
    case `in` = "IN", inf = "INF", insert = "INSERT", into = "INTO", key = "KEY", keys = "KEYS", kill = "KILL"
    case limit = "LIMIT", measurement = "MEASUREMENT", measurements = "MEASUREMENTS", name = "NAME"
    case offset = "OFFSET", on = "ON", or = "OR", order = "ORDER"
    case password = "PASSWORD", past = "PAST", policy = "POLICY", policies = "POLICIES", privileges = "PRIVILEGES"
    case queries = "QUERIES", query = "QUERY", read = "READ", replication = "REPLICATION", resample = "RESAMPLE"
    case retention = "RETENTION", revoke = "REVOKE"
    case select = "SELECT", series = "SERIES", set = "SET", show = "SHOW", shard = "SHARD", shards = "SHARDS"
    case slimit = "SLIMIT", soffset = "SOFFSET", stats = "STATS", subscription = "SUBSCRIPTION"
    case subscriptions = "SUBSCRIPTIONS", tag = "TAG", to = "TO", `true` = "TRUE"
    case user = "USER", users = "USERS", values = "VALUES", verbose = "VERBOSE"
    case `where` = "WHERE", with = "WITH", write = "WRITE"

    private static let byLowercasedName: [String: Keyword] = {
        var table: [String: Keyword] = [:]
        for k in allCases { table[k.rawValue.lowercased()] = k }
        return table
    }()

    /// The keyword spelled by `word` (case-insensitively), if any.
    public static func lookup(_ word: String) -> Keyword? {
        guard word.utf8.count <= 13 else { return nil }  // longest keyword: SUBSCRIPTIONS
        var lower = [UInt8]()
        lower.reserveCapacity(13)
        for b in word.utf8 {
            lower.append(b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b | 0x20 : b)
        }
        return byLowercasedName[String(decoding: lower, as: UTF8.self)]
    }
}
