/// The InfluxQL subset tsdbd answers (see docs/query.md), as a syntax tree.
///
/// The parser produces these values; the query executor (TSQuery) interprets them. Nothing
/// here knows about storage.

/// One statement of a `;`-separated query string.
public enum Statement: Sendable, Equatable {
    case select(SelectStatement)
    case showDatabases
    /// `SHOW MEASUREMENTS [ON db] [WITH MEASUREMENT =~ /re/ | = name] [WHERE ..] [LIMIT n] [OFFSET n]`
    case showMeasurements(ShowMeasurements)
    /// `SHOW TAG KEYS [ON db] [FROM ..] [WHERE ..] [LIMIT n] [OFFSET n]`
    case showTagKeys(ShowFilter)
    /// `SHOW TAG VALUES [ON db] [FROM ..] WITH KEY (= "k" | != "k" | =~ /re/ | !~ /re/ | IN ("a","b")) [WHERE ..] [LIMIT n] [OFFSET n]`
    case showTagValues(ShowFilter, key: KeyMatch)
    /// `SHOW FIELD KEYS [ON db] [FROM ..] [LIMIT n] [OFFSET n]`
    case showFieldKeys(ShowFilter)
    /// `SHOW SERIES [ON db] [FROM ..] [WHERE ..] [LIMIT n] [OFFSET n]`
    case showSeries(ShowFilter)
    /// `SHOW RETENTION POLICIES [ON db]`
    case showRetentionPolicies(database: String?)
    case createDatabase(String)
    case dropDatabase(String)
    /// `DROP SERIES [FROM ..] [WHERE ..]` (at least one of the two).
    case dropSeries(sources: [Source], condition: Expr?)
    /// `DELETE [FROM ..] [WHERE ..]` (at least one of the two).
    case delete(sources: [Source], condition: Expr?)

    /// Statements that change data or databases: InfluxDB runs them over POST only, and with
    /// authentication on they need the admin role.
    public var changesData: Bool {
        switch self {
        case .createDatabase, .dropDatabase, .dropSeries, .delete: true
        default: false
        }
    }
}

/// `SHOW MEASUREMENTS` options.
public struct ShowMeasurements: Sendable, Equatable {
    public var database: String?
    /// From `WITH MEASUREMENT = name` or `WITH MEASUREMENT =~ /re/`.
    public var measurement: MeasurementMatch?
    public var condition: Expr?
    public var limit: Int?
    public var offset: Int?
    public init(database: String? = nil, measurement: MeasurementMatch? = nil, condition: Expr? = nil, limit: Int? = nil, offset: Int? = nil) {
        self.database = database
        self.measurement = measurement
        self.condition = condition
        self.limit = limit
        self.offset = offset
    }
}

public enum MeasurementMatch: Sendable, Equatable {
    case equal(String)
    case notEqual(String)
    case regex(String)
    case notRegex(String)
}

/// Options shared by the SHOW statements that take `ON`, `FROM`, `WHERE`, `LIMIT` and `OFFSET`.
public struct ShowFilter: Sendable, Equatable {
    public var database: String?
    public var sources: [Source]
    public var condition: Expr?
    public var limit: Int?
    public var offset: Int?
    public init(database: String? = nil, sources: [Source] = [], condition: Expr? = nil, limit: Int? = nil, offset: Int? = nil) {
        self.database = database
        self.sources = sources
        self.condition = condition
        self.limit = limit
        self.offset = offset
    }
}

/// The key selection of `SHOW TAG VALUES ... WITH KEY`.
public enum KeyMatch: Sendable, Equatable {
    case equal(String)
    case notEqual(String)
    case regex(String)
    case notRegex(String)
    case `in`([String])
}

/// A `FROM` source: `m`, `"rp"."m"`, `"db"."rp"."m"`, `"db".."m"`, or a regex `/re/` with the same prefixes.
public struct Source: Sendable, Equatable {
    public enum Name: Sendable, Equatable {
        case exact(String)
        case regex(String)
    }
    public var database: String?
    public var retentionPolicy: String?
    public var name: Name
    public init(database: String? = nil, retentionPolicy: String? = nil, name: Name) {
        self.database = database
        self.retentionPolicy = retentionPolicy
        self.name = name
    }
}

/// `SELECT fields FROM sources [WHERE cond] [GROUP BY ..] [fill(..)] [ORDER BY time ASC|DESC]
/// [LIMIT n] [OFFSET n] [SLIMIT n] [SOFFSET n] [tz('..')]`
public struct SelectStatement: Sendable, Equatable {
    public var fields: [Field]
    public var sources: [Source]
    public var condition: Expr?
    /// `GROUP BY time(interval[, offset])`.
    public var groupByTime: GroupByTime?
    /// `GROUP BY "tag", ...` in the order written.
    public var groupByTags: [String]
    /// `GROUP BY *`.
    public var groupByAllTags: Bool
    public var fill: Fill
    /// `ORDER BY time DESC`.
    public var descending: Bool
    public var limit: Int?
    public var offset: Int?
    public var seriesLimit: Int?
    public var seriesOffset: Int?
    /// `tz('Europe/Rome')`, kept as written.
    public var timezone: String?

    public init(fields: [Field], sources: [Source], condition: Expr? = nil, groupByTime: GroupByTime? = nil,
                groupByTags: [String] = [], groupByAllTags: Bool = false, fill: Fill = .null, descending: Bool = false,
                limit: Int? = nil, offset: Int? = nil, seriesLimit: Int? = nil, seriesOffset: Int? = nil, timezone: String? = nil) {
        self.fields = fields
        self.sources = sources
        self.condition = condition
        self.groupByTime = groupByTime
        self.groupByTags = groupByTags
        self.groupByAllTags = groupByAllTags
        self.fill = fill
        self.descending = descending
        self.limit = limit
        self.offset = offset
        self.seriesLimit = seriesLimit
        self.seriesOffset = seriesOffset
        self.timezone = timezone
    }
}

/// One output column of a SELECT: an expression and an optional `AS alias`.
public struct Field: Sendable, Equatable {
    public var expr: Expr
    public var alias: String?
    public init(_ expr: Expr, alias: String? = nil) {
        self.expr = expr
        self.alias = alias
    }
}

public struct GroupByTime: Sendable, Equatable {
    /// Bucket width in nanoseconds (> 0).
    public var interval: Int64
    /// Bucket offset in nanoseconds (may be negative), as in `time(1h, 15m)` or `time(1h, -15m)`.
    public var offset: Int64
    public init(interval: Int64, offset: Int64 = 0) {
        self.interval = interval
        self.offset = offset
    }
}

public enum Fill: Sendable, Equatable {
    case null
    case none
    case previous
    case linear
    case number(Double)
}

/// The type hint of `"field"::field`, `"host"::tag`, `"value"::float`, etc.
public enum TypeHint: String, Sendable, Equatable {
    case field, tag, float, integer, unsigned, string, boolean
}

public enum BinaryOp: String, Sendable, Equatable {
    case add = "+", sub = "-", mul = "*", div = "/", mod = "%"
    case bitAnd = "&", bitOr = "|", bitXor = "^"
    case and = "AND", or = "OR"
    case eq = "=", neq = "!=", lt = "<", lte = "<=", gt = ">", gte = ">="
    case regexMatch = "=~", regexNotMatch = "!~"
}

/// An expression in a field list or a WHERE clause.
public indirect enum Expr: Sendable, Equatable {
    /// An identifier: a field, tag or `time` (`time` is always `.varRef("time", nil)`).
    case varRef(String, TypeHint?)
    /// `*` (also `*::field`, `*::tag`, with the hint).
    case wildcard(TypeHint?)
    /// A regex in a field list, e.g. `SELECT /usage/ FROM cpu` (rarely used).
    case regexRef(String)
    /// A function call; names lowercased (`MEAN("v")` → "mean"). Arguments as written;
    /// `count(*)`-style wildcards appear as `.wildcard`.
    case call(String, [Expr])
    /// A floating-point literal (`1.5`, `1e3`).
    case number(Double)
    /// An integer literal (`10`, `-3`).
    case integer(Int64)
    /// A single-quoted string literal (`'server01'`, `'2026-01-01T00:00:00Z'`).
    case string(String)
    /// `/re/` (the pattern between the slashes, with `\/` unescaped to `/`).
    case regex(String)
    case boolean(Bool)
    /// A duration literal in nanoseconds: `10s`, `1h30m`, `1767225600000ms` (an epoch time with a unit).
    case duration(Int64)
    /// `now()`.
    case now
    /// A binary expression. Parentheses are not kept as nodes; precedence is in the tree.
    case binary(BinaryOp, Expr, Expr)
}
