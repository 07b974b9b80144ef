// The result model of InfluxQL statements, in InfluxDB 1.x's shape: what tsdbd's executor
// produces, what ResultEncoding writes as JSON and CSV, and what tsctl decodes from /query.

/// One cell of a query result.
public enum QValue: Sendable, Equatable {
    case null
    case float(Double)
    case integer(Int64)
    case unsigned(UInt64)
    case boolean(Bool)
    case string(String)

    @inlinable
    public var isNull: Bool { if case .null = self { true } else { false } }

    /// The value as a Double for arithmetic; nil for null and strings.
    @inlinable
    public var double: Double? {
        switch self {
        case .float(let v): v
        case .integer(let v): Double(v)
        case .unsigned(let v): Double(v)
        case .boolean(let b): b ? 1 : 0
        case .null, .string: nil
        }
    }
}

/// One series of a statement's result, in InfluxDB 1.x's shape: a name, the group's tags,
/// columns (the first is `time` for SELECT results) and rows.
public struct ResultSeries: Sendable, Equatable {
    public var name: String?
    /// Sorted by key; empty when the statement has no GROUP BY tags.
    public var tags: [(key: String, value: String)]
    public var columns: [String]
    /// For SELECT results the first cell of each row is `.integer(nanoseconds since the epoch)`.
    public var values: [[QValue]]

    /// `tags` may come in any order; they are kept sorted by key bytes, as InfluxDB writes them.
    public init(name: String? = nil, tags: [(key: String, value: String)] = [], columns: [String], values: [[QValue]] = []) {
        self.name = name
        self.tags = tags.count < 2 ? tags : tags.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        self.columns = columns
        self.values = values
    }

    public static func == (a: ResultSeries, b: ResultSeries) -> Bool {
        a.name == b.name && a.tags.map(\.key) == b.tags.map(\.key) && a.tags.map(\.value) == b.tags.map(\.value)
            && a.columns == b.columns && a.values == b.values
    }
}

/// The result of one statement: series, or an error (a statement error does not fail the
/// other statements of the query, as in InfluxDB).
public struct StatementResult: Sendable, Equatable {
    public var statementID: Int
    public var series: [ResultSeries]
    public var error: String?
    /// True for SELECT results, whose first column is time.
    public var hasTime: Bool
    /// Which storage level answered (`raw` until rollups exist); nil for metadata statements.
    public var level: String?
    /// Informational messages, as `"level: text"` (`{"level":"warning","text":"t"}` is
    /// `"warning: t"`); a message without a level is its text.
    public var messages: [String]

    public init(statementID: Int, series: [ResultSeries] = [], error: String? = nil, hasTime: Bool = false, level: String? = nil,
                messages: [String] = []) {
        self.statementID = statementID
        self.series = series
        self.error = error
        self.hasTime = hasTime
        self.level = level
        self.messages = messages
    }
}
