/// A syntax error, shaped like InfluxDB 1.x's: `found X, expected Y at line L, char C`.
///
/// `message` holds everything before ` at line ...` (e.g. `found EOF, expected FROM`, `unterminated string`);
/// `line` and `char` are 1-based, `char` counting Unicode scalars within the line. The HTTP layer adds the
/// `error parsing query: ` prefix.
public struct ParseError: Error, CustomStringConvertible, Equatable, Sendable {
    public var message: String
    public var line: Int
    public var char: Int

    public init(message: String, line: Int, char: Int) {
        self.message = message
        self.line = line
        self.char = char
    }

    public var description: String { "\(message) at line \(line), char \(char)" }

    /// `found <token>, expected <expected>` at the token's position.
    static func expected(_ expected: String, found token: Token) -> ParseError {
        ParseError(message: "found \(token.found), expected \(expected)", line: token.line, char: token.char)
    }

    /// A free-form message at the token's position.
    static func at(_ token: Token, _ message: String) -> ParseError {
        ParseError(message: message, line: token.line, char: token.char)
    }
}

/// Parses InfluxQL text into ``Statement`` values.
///
/// The accepted language is the subset of InfluxDB 1.x described on ``Statement``. Choices worth knowing:
///
/// - Unary minus folds into number, integer and duration literals (`-15m` is `.duration(-900s)`); before any
///   other operand it becomes `.binary(.mul, .integer(-1), operand)`, as InfluxDB does. Unary plus is a no-op.
/// - `now()` (any case) is `.now`; other function names are lowercased. `DISTINCT x` is `.call("distinct", [x])`.
/// - A bare or quoted `time` (any case) is `.varRef("time", hint)`.
/// - Regexes written in a field list or as a function argument are `.regexRef`; on the right of `=~`/`!~`
///   they are `.regex`. Regex patterns are not compiled here.
/// - `GROUP BY time(i, o)` keeps `o` as written (it may be negative or larger than `i`); `now()` as an offset
///   and regex dimensions are rejected because the syntax tree cannot hold them.
/// - Like InfluxDB, `DROP SERIES FROM` rejects a database or retention policy prefix, `DELETE FROM` a database.
public enum InfluxQLParser {
    /// Parses a `;`-separated query string. Empty statements (`;;`, a trailing `;`) are skipped.
    public static func parse(_ query: String) throws(ParseError) -> [Statement] {
        var parser = Parser(query)
        return try parser.parseQuery()
    }

    /// Parses a single expression (for tests and tools); the whole input must be consumed.
    public static func parseExpr(_ s: String) throws(ParseError) -> Expr {
        var parser = Parser(s)
        let expr = try parser.parseExpr()
        let rest = try parser.next()
        guard rest.kind == .eof else { throw .expected("EOF", found: rest) }
        return expr
    }
}

/// The recursive-descent parser: one token of lookahead over ``InfluxQLLexer``, which it can rewind to scan
/// a regex where one may appear.
struct Parser {
    private var lexer: InfluxQLLexer
    /// The peeked token, if any, and where the lexer stood before scanning it.
    private var buffered: Token?
    private var cursorBeforeBuffered: InfluxQLLexer.Cursor

    init(_ query: String) {
        lexer = InfluxQLLexer(query)
        cursorBeforeBuffered = lexer.cursor
    }

    // MARK: - Token plumbing

    mutating func peek() throws(ParseError) -> Token {
        if let buffered { return buffered }
        cursorBeforeBuffered = lexer.cursor
        let token = try lexer.next()
        buffered = token
        return token
    }

    mutating func next() throws(ParseError) -> Token {
        if let token = buffered {
            buffered = nil
            return token
        }
        return try lexer.next()
    }

    /// Scans a `/regex/` if one comes next (dropping any peeked token, which was scanned in expression mode).
    private mutating func regex() throws(ParseError) -> Token? {
        if buffered != nil {
            lexer.cursor = cursorBeforeBuffered
            buffered = nil
        }
        return try lexer.nextRegex()
    }

    /// A regex that must come next.
    private mutating func requireRegex() throws(ParseError) -> String {
        if let token = try regex() { return token.text }
        throw .expected("regex", found: try peek())
    }

    /// Consumes the next token if it is keyword `k`.
    private mutating func accept(_ k: Keyword) throws(ParseError) -> Token? {
        try accept(.keyword(k))
    }

    /// Consumes the next token if it has the given kind.
    private mutating func accept(_ kind: TokenKind) throws(ParseError) -> Token? {
        let token = try peek()
        guard token.kind == kind else { return nil }
        buffered = nil
        return token
    }

    /// Consumes the next token if it has the given kind and no whitespace before it.
    private mutating func acceptAdjacent(_ kind: TokenKind) throws(ParseError) -> Token? {
        let token = try peek()
        guard token.kind == kind, !token.precededBySpace else { return nil }
        buffered = nil
        return token
    }

    @discardableResult
    private mutating func expect(_ k: Keyword) throws(ParseError) -> Token {
        let token = try next()
        guard token.kind == .keyword(k) else { throw .expected(k.rawValue, found: token) }
        return token
    }

    @discardableResult
    private mutating func expect(_ kind: TokenKind, _ what: String) throws(ParseError) -> Token {
        let token = try next()
        guard token.kind == kind else { throw .expected(what, found: token) }
        return token
    }

    private mutating func parseIdent() throws(ParseError) -> String {
        try expect(.identifier, "identifier").text
    }

    // MARK: - Query and statements

    mutating func parseQuery() throws(ParseError) -> [Statement] {
        var statements: [Statement] = []
        var needSeparator = false
        while true {
            let token = try peek()
            switch token.kind {
            case .eof:
                return statements
            case .semicolon:
                buffered = nil
                needSeparator = false
            default:
                if needSeparator { throw .expected(";", found: token) }
                statements.append(try parseStatement())
                needSeparator = true
            }
        }
    }

    private mutating func parseStatement() throws(ParseError) -> Statement {
        let token = try next()
        switch token.kind {
        case .keyword(.select):
            return .select(try parseSelect())
        case .keyword(.delete):
            let (sources, condition) = try parseDeletion(retentionPolicyAllowed: true)
            return .delete(sources: sources, condition: condition)
        case .keyword(.show):
            return try parseShow()
        case .keyword(.create):
            try expect(.database)
            return .createDatabase(try parseIdent())
        case .keyword(.drop):
            let what = try next()
            switch what.kind {
            case .keyword(.database):
                return .dropDatabase(try parseIdent())
            case .keyword(.series):
                let (sources, condition) = try parseDeletion(retentionPolicyAllowed: false)
                return .dropSeries(sources: sources, condition: condition)
            default:
                throw .expected("DATABASE, SERIES", found: what)
            }
        default:
            throw .expected("SELECT, DELETE, SHOW, CREATE, DROP", found: token)
        }
    }

    /// `[FROM sources] [WHERE cond]` of DELETE and DROP SERIES, at least one of the two.
    private mutating func parseDeletion(retentionPolicyAllowed: Bool) throws(ParseError) -> ([Source], Expr?) {
        let first = try peek()
        var sources: [Source] = []
        if try accept(.from) != nil {
            for (source, token) in try parseSources() {
                if source.database != nil { throw .at(token, "database not supported") }
                if !retentionPolicyAllowed, source.retentionPolicy != nil {
                    throw .at(token, "retention policy not supported")
                }
                sources.append(source)
            }
        }
        let condition = try parseCondition()
        if sources.isEmpty, condition == nil { throw .expected("FROM, WHERE", found: first) }
        return (sources, condition)
    }

    private mutating func parseShow() throws(ParseError) -> Statement {
        let token = try next()
        switch token.kind {
        case .keyword(.databases):
            return .showDatabases
        case .keyword(.measurements):
            var stmt = ShowMeasurements()
            stmt.database = try parseOn()
            if try accept(.with) != nil {
                try expect(.measurement)
                stmt.measurement = try parseMeasurementMatch()
            }
            stmt.condition = try parseCondition()
            stmt.limit = try parseOptionalInt(.limit)
            stmt.offset = try parseOptionalInt(.offset)
            return .showMeasurements(stmt)
        case .keyword(.tag):
            let which = try next()
            switch which.kind {
            case .keyword(.keys):
                return .showTagKeys(try parseShowFilter(condition: true))
            case .keyword(.values):
                var filter = ShowFilter()
                filter.database = try parseOn()
                filter.sources = try parseOptionalFrom()
                try expect(.with)
                try expect(.key)
                let key = try parseKeyMatch()
                filter.condition = try parseCondition()
                filter.limit = try parseOptionalInt(.limit)
                filter.offset = try parseOptionalInt(.offset)
                return .showTagValues(filter, key: key)
            default:
                throw .expected("KEYS, VALUES", found: which)
            }
        case .keyword(.field):
            try expect(.keys)
            return .showFieldKeys(try parseShowFilter(condition: false))
        case .keyword(.series):
            return .showSeries(try parseShowFilter(condition: true))
        case .keyword(.retention):
            try expect(.policies)
            return .showRetentionPolicies(database: try parseOn())
        default:
            throw .expected("DATABASES, FIELD, MEASUREMENTS, RETENTION, SERIES, TAG", found: token)
        }
    }

    /// `[ON db] [FROM sources] [WHERE cond] [LIMIT n] [OFFSET n]` (WHERE only if `condition`).
    private mutating func parseShowFilter(condition: Bool) throws(ParseError) -> ShowFilter {
        var filter = ShowFilter()
        filter.database = try parseOn()
        filter.sources = try parseOptionalFrom()
        if condition { filter.condition = try parseCondition() }
        filter.limit = try parseOptionalInt(.limit)
        filter.offset = try parseOptionalInt(.offset)
        return filter
    }

    private mutating func parseOn() throws(ParseError) -> String? {
        guard try accept(.on) != nil else { return nil }
        return try parseIdent()
    }

    private mutating func parseOptionalFrom() throws(ParseError) -> [Source] {
        guard try accept(.from) != nil else { return [] }
        return try parseSources().map(\.0)
    }

    private mutating func parseCondition() throws(ParseError) -> Expr? {
        guard try accept(.where) != nil else { return nil }
        return try parseExpr()
    }

    /// `KEYWORD n` with a non-negative integer, if the keyword comes next.
    private mutating func parseOptionalInt(_ k: Keyword) throws(ParseError) -> Int? {
        guard try accept(k) != nil else { return nil }
        let token = try expect(.integer, "integer")
        guard let n = Int(token.text) else { throw .at(token, "unable to parse integer") }
        return n
    }

    /// After `WITH MEASUREMENT`: `= name`, `!= name`, `=~ /re/`, `!~ /re/` (also `= /re/`, `!= /re/`).
    private mutating func parseMeasurementMatch() throws(ParseError) -> MeasurementMatch {
        let op = try next()
        switch op.kind {
        case .eq:
            if let re = try regex() { return .regex(re.text) }
            return .equal(try parseIdent())
        case .neq:
            if let re = try regex() { return .notRegex(re.text) }
            return .notEqual(try parseIdent())
        case .eqRegex:
            return .regex(try requireRegex())
        case .neqRegex:
            return .notRegex(try requireRegex())
        default:
            throw .expected("=, !=, =~, !~", found: op)
        }
    }

    /// After `WITH KEY`: `= k`, `!= k`, `=~ /re/`, `!~ /re/`, `IN (k1, k2, ...)`.
    private mutating func parseKeyMatch() throws(ParseError) -> KeyMatch {
        let op = try next()
        switch op.kind {
        case .eq:
            return .equal(try parseIdent())
        case .neq:
            return .notEqual(try parseIdent())
        case .eqRegex:
            return .regex(try requireRegex())
        case .neqRegex:
            return .notRegex(try requireRegex())
        case .keyword(.in):
            try expect(.lparen, "(")
            var keys = [try parseIdent()]
            while try accept(.comma) != nil { keys.append(try parseIdent()) }
            try expect(.rparen, ")")
            return .in(keys)
        default:
            throw .expected("IN, =, !=, =~, !~", found: op)
        }
    }

    // MARK: - SELECT

    private mutating func parseSelect() throws(ParseError) -> SelectStatement {
        let fields = try parseFields()
        try expect(.from)
        var stmt = SelectStatement(fields: fields, sources: try parseSources().map(\.0))
        stmt.condition = try parseCondition()
        try parseGroupBy(into: &stmt)
        if let fill = try parseFill() { stmt.fill = fill }
        stmt.descending = try parseOrderBy()
        stmt.limit = try parseOptionalInt(.limit)
        stmt.offset = try parseOptionalInt(.offset)
        stmt.seriesLimit = try parseOptionalInt(.slimit)
        stmt.seriesOffset = try parseOptionalInt(.soffset)
        stmt.timezone = try parseTimezone()
        return stmt
    }

    private mutating func parseFields() throws(ParseError) -> [Field] {
        var fields: [Field] = []
        repeat {
            let expr: Expr
            if let re = try regex() {
                expr = .regexRef(re.text)
            } else {
                let start = try peek()
                expr = try parseExpr()
                if let op = Self.firstConditionOperator(expr) {
                    throw .at(start, "invalid operator \(op.rawValue) in SELECT clause; operator is intended for WHERE clause")
                }
            }
            var alias: String?
            if try accept(.as) != nil { alias = try parseIdent() }
            fields.append(Field(expr, alias: alias))
        } while try accept(.comma) != nil
        return fields
    }

    /// The outermost comparison or logical operator in `expr`, if any (these only make sense in WHERE).
    private static func firstConditionOperator(_ expr: Expr) -> BinaryOp? {
        switch expr {
        case .binary(let op, let lhs, let rhs):
            switch op {
            case .eq, .neq, .lt, .lte, .gt, .gte, .regexMatch, .regexNotMatch, .and, .or: return op
            default: return firstConditionOperator(lhs) ?? firstConditionOperator(rhs)
            }
        case .call(_, let args):
            for arg in args { if let op = firstConditionOperator(arg) { return op } }
            return nil
        default:
            return nil
        }
    }

    /// A comma-separated list of sources, each with the token where it starts (for error positions).
    private mutating func parseSources() throws(ParseError) -> [(Source, Token)] {
        var sources: [(Source, Token)] = []
        repeat {
            if let re = try regex() {
                sources.append((Source(name: .regex(re.text)), re))
                continue
            }
            let start = try peek()
            if start.kind == .lparen { throw .at(start, "subqueries are not supported") }
            sources.append((try parseSegmentedSource(), start))
        } while try accept(.comma) != nil
        return sources
    }

    /// `m`, `rp.m`, `db.rp.m`, `db..m`, `rp./re/`, `db.rp./re/`, `db../re/` (parts bare or quoted; no
    /// whitespace before a `.`).
    private mutating func parseSegmentedSource() throws(ParseError) -> Source {
        let start = try peek()
        var segments = [try parseIdent()]
        var pattern: String?
        while try acceptAdjacent(.dot) != nil {
            switch lexer.peekByte() {
            case UInt8(ascii: "/"):
                pattern = try requireRegex()
            case UInt8(ascii: "."):
                segments.append("")  // `db..m`: default retention policy
                continue
            default:
                segments.append(try parseIdent())
                continue
            }
            break
        }
        func orNil(_ s: String) -> String? { s.isEmpty ? nil : s }
        if let pattern {
            switch segments.count {
            case 1: return Source(retentionPolicy: orNil(segments[0]), name: .regex(pattern))
            case 2: return Source(database: orNil(segments[0]), retentionPolicy: orNil(segments[1]), name: .regex(pattern))
            default: throw tooManySegments(segments + ["/\(pattern)/"], at: start)
            }
        }
        switch segments.count {
        case 1: return Source(name: .exact(segments[0]))
        case 2: return Source(retentionPolicy: orNil(segments[0]), name: .exact(segments[1]))
        case 3: return Source(database: orNil(segments[0]), retentionPolicy: orNil(segments[1]), name: .exact(segments[2]))
        default: throw tooManySegments(segments, at: start)
        }
    }

    /// The error for a name with more than three `.`-separated parts, reported where the name starts.
    private func tooManySegments(_ segments: [String], at start: Token) -> ParseError {
        let text = segments.map { $0.hasPrefix("/") ? $0 : InfluxQLQuote.identifier($0) }.joined(separator: ".")
        return .at(start, "too many segments in \(text)")
    }

    /// `GROUP BY dim[, dim...]` where a dimension is `time(interval[, offset])`, a tag name, or `*`.
    private mutating func parseGroupBy(into stmt: inout SelectStatement) throws(ParseError) {
        guard try accept(.group) != nil else { return }
        try expect(.by)
        repeat {
            if let re = try regex() { throw .at(re, "regular expressions in GROUP BY are not supported") }
            let start = try peek()
            let dimension = try parseExpr()
            switch dimension {
            case .call("time", let args):
                guard args.count == 1 || args.count == 2 else {
                    throw .at(start, "time dimension expected 1 or 2 arguments")
                }
                guard case .duration(let interval) = args[0] else {
                    throw .at(start, "time dimension must have duration argument")
                }
                guard interval > 0 else { throw .at(start, "time dimension must have a positive duration") }
                var offset: Int64 = 0
                if args.count == 2 {
                    switch args[1] {
                    case .duration(let d): offset = d
                    case .now: throw .at(start, "time dimension offset now() is not supported")
                    default: throw .at(start, "time dimension offset must be duration or now()")
                    }
                }
                guard stmt.groupByTime == nil else { throw .at(start, "multiple time dimensions not allowed") }
                stmt.groupByTime = GroupByTime(interval: interval, offset: offset)
            case .call:
                throw .at(start, "only time() calls allowed in dimensions")
            case .varRef("time", _):
                throw .at(start, "time() is a function and expects at least one argument")
            case .varRef(let tag, _):
                stmt.groupByTags.append(tag)
            case .wildcard:
                stmt.groupByAllTags = true
            default:
                throw .at(start, "only time and tag dimensions allowed")
            }
        } while try accept(.comma) != nil
    }

    /// `fill(null | none | previous | linear | <number>)`, if it comes next.
    private mutating func parseFill() throws(ParseError) -> Fill? {
        let start = try peek()
        guard start.kind == .identifier, start.text.lowercased() == "fill" else { return nil }
        guard case .call(_, let args) = try parseUnary() else { throw .at(start, "fill must be a function call") }
        guard args.count == 1 else {
            throw .at(start, "fill requires an argument, e.g.: 0, null, none, previous, linear")
        }
        switch args[0] {
        case .varRef(let option, nil):
            switch option.lowercased() {
            case "null": return .null
            case "none": return Fill.none
            case "previous": return .previous
            case "linear": return .linear
            default: break
            }
        case .integer(let n): return .number(Double(n))
        case .number(let x): return .number(x)
        default: break
        }
        throw .at(start, "expected number argument in fill()")
    }

    /// `ORDER BY time [ASC|DESC]` or `ORDER BY ASC|DESC`, if it comes next; returns whether descending.
    private mutating func parseOrderBy() throws(ParseError) -> Bool {
        guard try accept(.order) != nil else { return false }
        try expect(.by)
        let token = try next()
        var descending = false
        switch token.kind {
        case .keyword(.asc):
            break
        case .keyword(.desc):
            descending = true
        case .identifier:
            guard token.text.lowercased() == "time" else {
                throw .at(token, "only ORDER BY time supported at this time")
            }
            if try accept(.desc) != nil {
                descending = true
            } else {
                _ = try accept(.asc)
            }
        default:
            throw .expected("identifier, ASC, DESC", found: token)
        }
        if let comma = try accept(.comma) { throw .at(comma, "only ORDER BY time supported at this time") }
        return descending
    }

    /// `tz('Zone/Name')`, if it comes next; the name is kept as written.
    private mutating func parseTimezone() throws(ParseError) -> String? {
        let start = try peek()
        guard start.kind == .identifier, start.text.lowercased() == "tz" else { return nil }
        guard case .call(_, let args) = try parseUnary() else { throw .at(start, "tz must be a function call") }
        guard args.count == 1 else { throw .at(start, "tz requires exactly one argument") }
        guard case .string(let zone) = args[0] else { throw .at(start, "expected string argument in tz()") }
        return zone
    }

    // MARK: - Expressions

    /// Binary operators by precedence, lowest first: OR; AND; comparisons; `+ - | ^`; `* / % &`.
    private static func binaryOperator(_ kind: TokenKind) -> (BinaryOp, Int)? {
        switch kind {
        case .keyword(.or): return (.or, 1)
        case .keyword(.and): return (.and, 2)
        case .eq: return (.eq, 3)
        case .neq: return (.neq, 3)
        case .lt: return (.lt, 3)
        case .lte: return (.lte, 3)
        case .gt: return (.gt, 3)
        case .gte: return (.gte, 3)
        case .eqRegex: return (.regexMatch, 3)
        case .neqRegex: return (.regexNotMatch, 3)
        case .plus: return (.add, 4)
        case .minus: return (.sub, 4)
        case .pipe: return (.bitOr, 4)
        case .caret: return (.bitXor, 4)
        case .star: return (.mul, 5)
        case .slash: return (.div, 5)
        case .percent: return (.mod, 5)
        case .ampersand: return (.bitAnd, 5)
        default: return nil
        }
    }

    mutating func parseExpr() throws(ParseError) -> Expr {
        try parseBinary(minPrecedence: 1)
    }

    /// Precedence climbing; all operators are left-associative.
    private mutating func parseBinary(minPrecedence: Int) throws(ParseError) -> Expr {
        var lhs = try parseUnary()
        while true {
            guard let (op, precedence) = Self.binaryOperator(try peek().kind), precedence >= minPrecedence else {
                return lhs
            }
            buffered = nil
            let rhs: Expr
            if op == .regexMatch || op == .regexNotMatch {
                rhs = .regex(try requireRegex())
            } else {
                rhs = try parseBinary(minPrecedence: precedence + 1)
            }
            lhs = .binary(op, lhs, rhs)
        }
    }

    /// An operand: literal, variable, call, wildcard, parenthesized expression, or signed operand.
    private mutating func parseUnary() throws(ParseError) -> Expr {
        let token = try next()
        switch token.kind {
        case .lparen:
            let expr = try parseExpr()
            try expect(.rparen, ")")
            return expr
        case .identifier:
            if try acceptAdjacent(.lparen) != nil { return try parseCall(token.text) }
            return try parseVarRef(token)
        case .keyword(.distinct):
            // `distinct(x)` is a call; `DISTINCT x` is the same thing spelled as a keyword.
            if try acceptAdjacent(.lparen) != nil { return try parseCall("distinct") }
            let arg = try next()
            guard arg.kind == .identifier, arg.precededBySpace else { throw .expected("(, identifier", found: arg) }
            return .call("distinct", [.varRef(arg.text, nil)])
        case .string:
            return .string(token.text)
        case .integer:
            return .integer(try integer(token, negative: false))
        case .number:
            return .number(try number(token, negative: false))
        case .duration:
            return .duration(try duration(token))
        case .keyword(.true):
            return .boolean(true)
        case .keyword(.false):
            return .boolean(false)
        case .star:
            return .wildcard(try parseTypeHint(wildcard: true))
        case .plus, .minus:
            let negative = token.kind == .minus
            let operand = try peek()
            switch operand.kind {
            case .integer:
                buffered = nil
                return .integer(try integer(operand, negative: negative))
            case .number:
                buffered = nil
                return .number(try number(operand, negative: negative))
            case .duration:
                buffered = nil
                let d = try duration(operand)
                return .duration(negative ? -d : d)
            case .lparen, .identifier:
                let expr = try parseUnary()
                return negative ? .binary(.mul, .integer(-1), expr) : expr
            default:
                throw .expected("identifier, number, duration, (", found: operand)
            }
        default:
            throw .expected("identifier, string, number, bool", found: token)
        }
    }

    /// The rest of a function call after `name(`.
    private mutating func parseCall(_ rawName: String) throws(ParseError) -> Expr {
        let name = rawName.lowercased()
        var args: [Expr] = []
        if try accept(.rparen) == nil {
            repeat {
                if let re = try regex() {
                    args.append(.regexRef(re.text))
                } else {
                    args.append(try parseExpr())
                }
            } while try accept(.comma) != nil
            try expect(.rparen, ")")
        }
        if name == "now", args.isEmpty { return .now }
        return .call(name, args)
    }

    /// A variable reference starting with identifier `first`: more `.`-joined segments, then `::type`.
    private mutating func parseVarRef(_ first: Token) throws(ParseError) -> Expr {
        var segments = [first.text]
        while try acceptAdjacent(.dot) != nil {
            if lexer.peekByte() == UInt8(ascii: ".") {
                segments.append("")
            } else {
                segments.append(try parseIdent())
            }
        }
        if segments.count > 3 { throw tooManySegments(segments, at: first) }
        var name = segments.joined(separator: ".")
        if segments.count == 1, name.utf8.count == 4, name.lowercased() == "time" { name = "time" }
        return .varRef(name, try parseTypeHint(wildcard: false))
    }

    /// `::type` right after a variable (or `::field`/`::tag` after `*`), if present.
    private mutating func parseTypeHint(wildcard: Bool) throws(ParseError) -> TypeHint? {
        guard try acceptAdjacent(.doubleColon) != nil else { return nil }
        let token = try next()
        switch token.kind {
        case .keyword(.field): return .field
        case .keyword(.tag): return .tag
        case .identifier where !wildcard:
            switch token.text.lowercased() {
            case "float": return .float
            case "integer": return .integer
            case "unsigned": return .unsigned
            case "string": return .string
            case "boolean": return .boolean
            default: break
            }
        default: break
        }
        throw .expected(wildcard ? "field, tag" : "float, integer, unsigned, string, boolean, field, tag", found: token)
    }

    // MARK: - Literals

    private func integer(_ token: Token, negative: Bool) throws(ParseError) -> Int64 {
        guard let v = Int64(negative ? "-" + token.text : token.text) else {
            throw .at(token, "unable to parse integer")
        }
        return v
    }

    private func number(_ token: Token, negative: Bool) throws(ParseError) -> Double {
        guard let v = Double(token.text), v.isFinite else { throw .at(token, "unable to parse number") }
        return negative ? -v : v
    }

    private func duration(_ token: Token) throws(ParseError) -> Int64 {
        switch InfluxQLDuration.parseDetailed(token.text) {
        case .value(let v): return v
        case .invalid: throw .at(token, "invalid duration")
        case .overflow: throw .at(token, "overflowed duration \(token.text)")
        }
    }
}
