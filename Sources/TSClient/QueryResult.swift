// Decoding of InfluxDB 1.x `/query` responses into InfluxQL's result model.
import InfluxQL
import TSSupport

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
        let documents: [JSONValue]
        do {
            documents = try JSONReader.parseSequence(data)
        } catch {
            throw ClientError.protocolError("invalid JSON in response at byte \(error.offset): \(error.reason)")
        }
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
        if let id = value["statement_id"]?.int64Value, let exact = Int(exactly: id) {
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
        var tags: [(key: String, value: String)] = []
        if case .object(let members)? = value["tags"] {
            tags = members.map { ($0.key, plainText($0.value)) }
        }
        var series = ResultSeries(name: value["name"]?.stringValue, tags: tags, columns: [])
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

    /// Integer literals that fit in Int64 stay exact integers; other numbers are floats; nested
    /// arrays and objects (which InfluxDB never sends as values) are kept as compact JSON text.
    private static func cell(_ value: JSONValue) -> QValue {
        switch value {
        case .null: return .null
        case .bool(let flag): return .boolean(flag)
        case .number(let text): return value.int64Value.map { .integer($0) } ?? .float(Double(text) ?? .nan)
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
                $0.name == series.name && $0.tags.elementsEqual(series.tags, by: { $0 == $1 }) && $0.columns == series.columns
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
