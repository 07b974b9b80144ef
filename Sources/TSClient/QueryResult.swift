// Model of InfluxDB 1.x `/query` responses and their decoder.

/// One value in a result row.
///
/// JSON integer literals become `.int` (exact, never routed through `Double`); numbers with
/// a fraction or exponent, and integers too large for `Int64`, become `.float`. Nested
/// arrays or objects (which InfluxDB never sends as values) are kept as their compact JSON
/// text in `.string`.
public enum Cell: Sendable, Equatable {
    case null
    case int(Int64)
    case float(Double)
    case string(String)
    case bool(Bool)
}

/// A tag key/value pair of a series.
public struct TagPair: Sendable, Equatable, Hashable {
    public var key: String
    public var value: String

    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

/// One series of a statement result: an optional measurement name, its tags, the column
/// names and the rows.
public struct ResultSeries: Sendable, Equatable {
    /// The measurement name (absent for e.g. `SHOW DATABASES` in some servers).
    public var name: String?
    /// Tags, sorted by key (byte-wise UTF-8 order, as InfluxDB does).
    public var tags: [TagPair]
    /// Column names, in server order. A column named `time` holds timestamps.
    public var columns: [String]
    /// Rows; each row normally has `columns.count` cells.
    public var values: [[Cell]]

    /// Creates a series. `tags` may be in any order; they are stored sorted by key.
    public init(name: String? = nil, tags: [(String, String)] = [], columns: [String], values: [[Cell]] = []) {
        self.name = name
        self.tags = ResultSeries.sortedTags(tags.map { TagPair($0.0, $0.1) })
        self.columns = columns
        self.values = values
    }

    static func sortedTags(_ tags: [TagPair]) -> [TagPair] {
        tags.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    }
}

/// The result of one statement of a query.
public struct StatementResult: Sendable, Equatable {
    /// The `statement_id` reported by the server (position of the statement in the query).
    public var statementID: Int
    public var series: [ResultSeries]
    /// The statement-level error, e.g. `database not found: x`.
    public var error: String?
    /// Informational messages. A server message `{"level":"warning","text":"t"}` is stored as
    /// `"warning: t"`; a message without a level is stored as its text.
    public var messages: [String]

    public init(statementID: Int, series: [ResultSeries] = [], error: String? = nil, messages: [String] = []) {
        self.statementID = statementID
        self.series = series
        self.error = error
        self.messages = messages
    }
}

/// Decoder for `/query` response bodies.
public enum QueryResponse {
    /// Decodes a `/query` response body.
    ///
    /// Accepts a single JSON object `{"results":[...]}` as well as chunked responses
    /// (`chunked=true`): several such objects separated by newlines. Results with the same
    /// `statement_id` are merged; within them, series with the same name, tags and columns are
    /// merged by appending their rows, so a result split over chunks (`"partial":true`) comes
    /// back whole. Results keep the order in which their statement IDs first appear.
    ///
    /// - Throws: `ClientError.server(message)` when the body is a top-level error object such
    ///   as `{"error":"error parsing query: ..."}`; `ClientError.protocolError` when the body
    ///   is not valid JSON or not shaped like a query response.
    public static func decode(_ data: [UInt8]) throws -> [StatementResult] {
        let documents = try JSONParser.parseSequence(data)
        guard !documents.isEmpty else {
            throw ClientError.protocolError("empty response body from the server")
        }
        var results: [StatementResult] = []
        var positionByID: [Int: Int] = [:]
        for document in documents {
            guard case .object = document else {
                throw ClientError.protocolError("unexpected response: expected a JSON object with \"results\"")
            }
            if case .string(let message)? = document["error"] {
                throw ClientError.server(message)
            }
            guard case .array(let items)? = document["results"] else {
                throw ClientError.protocolError("unexpected response: no \"results\" array")
            }
            for (position, item) in items.enumerated() {
                let statement = try decodeStatement(item, defaultID: position)
                if let existing = positionByID[statement.statementID] {
                    merge(statement, into: &results[existing])
                } else {
                    positionByID[statement.statementID] = results.count
                    results.append(statement)
                }
            }
        }
        return results
    }

    // MARK: - Pieces

    private static func decodeStatement(_ value: JSONValue, defaultID: Int) throws -> StatementResult {
        guard case .object = value else {
            throw ClientError.protocolError("unexpected response: each result must be a JSON object")
        }
        var statementID = defaultID
        if case .int(let id)? = value["statement_id"], let exact = Int(exactly: id) {
            statementID = exact
        }
        var result = StatementResult(statementID: statementID)
        switch value["series"] {
        case .array(let items)?:
            result.series = try items.map(decodeSeries)
        case nil, .null?:
            break
        default:
            throw ClientError.protocolError("unexpected response: \"series\" must be an array")
        }
        switch value["error"] {
        case .string(let message)?: result.error = message
        case nil, .null?: break
        case let other?: result.error = other.compactText
        }
        if case .array(let items)? = value["messages"] {
            result.messages = items.map(decodeMessage)
        }
        return result
    }

    private static func decodeMessage(_ value: JSONValue) -> String {
        if case .string(let text) = value { return text }
        let text = value["text"].map(plainText) ?? value.compactText
        if let level = value["level"].map(plainText), !level.isEmpty {
            return "\(level): \(text)"
        }
        return text
    }

    private static func decodeSeries(_ value: JSONValue) throws -> ResultSeries {
        guard case .object = value else {
            throw ClientError.protocolError("unexpected response: each series must be a JSON object")
        }
        var series = ResultSeries(columns: [])
        if let name = value["name"], case .string(let text) = name {
            series.name = text
        }
        if case .object(let members)? = value["tags"] {
            series.tags = ResultSeries.sortedTags(members.map { TagPair($0.key, plainText($0.value)) })
        }
        if case .array(let names)? = value["columns"] {
            series.columns = names.map(plainText)
        }
        switch value["values"] {
        case .array(let rows)?:
            series.values = try rows.map { row in
                guard case .array(let cells) = row else {
                    throw ClientError.protocolError("unexpected response: each row in \"values\" must be an array")
                }
                return cells.map(cell)
            }
        case nil, .null?:
            break
        default:
            throw ClientError.protocolError("unexpected response: \"values\" must be an array")
        }
        return series
    }

    private static func cell(_ value: JSONValue) -> Cell {
        switch value {
        case .null: return .null
        case .bool(let flag): return .bool(flag)
        case .int(let integer): return .int(integer)
        case .float(let double): return .float(double)
        case .string(let text): return .string(text)
        case .array, .object: return .string(value.compactText)
        }
    }

    /// Strings as themselves, `null` as empty, anything else as compact JSON text.
    private static func plainText(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return text
        case .null: return ""
        default: return value.compactText
        }
    }

    private static func merge(_ statement: StatementResult, into target: inout StatementResult) {
        for series in statement.series {
            if let index = target.series.firstIndex(where: {
                $0.name == series.name && $0.tags == series.tags && $0.columns == series.columns
            }) {
                target.series[index].values.append(contentsOf: series.values)
            } else {
                target.series.append(series)
            }
        }
        if let error = statement.error, target.error == nil {
            target.error = error
        }
        target.messages.append(contentsOf: statement.messages)
    }
}
