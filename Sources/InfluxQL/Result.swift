import TSSupport

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
    /// Rows as one array per row, or row-major in one array of `columns.count` cells a row.
    /// Large metadata answers (SHOW TAG VALUES over 300 k series: 10⁵ rows) are built flat: no
    /// allocation per row to build, encode or free.
    @usableFromInline var storage: Storage

    @usableFromInline enum Storage: Sendable {
        case nested([[QValue]])
        case flat([QValue])
        /// Every column a string column of `StringColumn`s of equal length (SHOW TAG VALUES).
        case strings([StringColumn])
    }

    /// `tags` may come in any order; they are kept sorted by key bytes, as InfluxDB writes them.
    public init(name: String? = nil, tags: [(key: String, value: String)] = [], columns: [String], values: [[QValue]] = []) {
        self.name = name
        self.tags = tags.count < 2 ? tags : tags.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        self.columns = columns
        self.storage = .nested(values)
    }

    /// Rows given row-major: `cells.count` is a multiple of `columns.count` (which is not 0).
    public init(name: String? = nil, tags: [(key: String, value: String)] = [], columns: [String], cells: [QValue]) {
        precondition(!columns.isEmpty && cells.count % columns.count == 0, "cells do not fill whole rows")
        self.name = name
        self.tags = tags.count < 2 ? tags : tags.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        self.columns = columns
        self.storage = .flat(cells)
    }

    /// Rows of strings given as columns of equal length, one per entry of `columns`.
    public init(name: String? = nil, columns: [String], strings: [StringColumn]) {
        precondition(columns.count == strings.count && !columns.isEmpty && strings.allSatisfy { $0.count == strings[0].count },
                     "string columns do not match")
        self.name = name
        self.tags = []
        self.columns = columns
        self.storage = .strings(strings)
    }

    /// For SELECT results the first cell of each row is `.integer(nanoseconds since the epoch)`.
    /// Reading a flat series' `values` builds the nested rows; encoders use `withRows` instead.
    public var values: [[QValue]] {
        get {
            switch storage {
            case .nested(let v): return v
            case .flat(let c):
                let w = columns.count
                return stride(from: 0, to: c.count, by: w).map { Array(c[$0..<$0 + w]) }
            case .strings(let cols):
                return (0..<rowCount).map { r in cols.map { .string($0[r]) } }
            }
        }
        set { storage = .nested(newValue) }
        _modify {
            var v: [[QValue]]
            switch storage {
            case .nested(let n): v = n
            case .flat, .strings: v = values
            }
            storage = .nested([])  // drops the stored reference, so appends do not copy
            defer { storage = .nested(v) }
            yield &v
        }
    }

    public var rowCount: Int {
        switch storage {
        case .nested(let v): v.count
        case .flat(let c): c.count / columns.count
        case .strings(let cols): cols[0].count
        }
    }

    /// Calls `body` with each row's cells in place, in order.
    public func withRows(_ body: (UnsafeBufferPointer<QValue>) throws -> Void) rethrows {
        switch storage {
        case .nested(let v):
            try v.withUnsafeBufferPointer { rows in
                for r in rows { try r.withUnsafeBufferPointer { try body($0) } }
            }
        case .flat(let c):
            let w = columns.count
            try c.withUnsafeBufferPointer { cells in
                var i = 0
                while i < cells.count {
                    try body(UnsafeBufferPointer(rebasing: cells[i..<i + w]))
                    i += w
                }
            }
        case .strings(let cols):
            var row: [QValue] = []
            for r in 0..<rowCount {
                row = cols.map { .string($0[r]) }
                try row.withUnsafeBufferPointer { try body($0) }
            }
        }
    }

    /// The same series with only the rows in `range` (chunked answers, LIMIT and OFFSET).
    public func rows(_ range: Range<Int>) -> ResultSeries {
        var s = self
        switch storage {
        case .nested(let v): s.storage = .nested(Array(v[range]))
        case .flat(let c):
            let w = columns.count
            s.storage = .flat(Array(c[range.lowerBound * w..<range.upperBound * w]))
        case .strings(let cols): s.storage = .strings(cols.map { $0.slice(range) })
        }
        return s
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
