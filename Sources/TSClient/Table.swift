import InfluxQL

// Text renderers for query results: aligned columns (like the `influx` CLI), CSV and JSON.

/// How integer cells of a `time` column are shown.
public enum TimeFormat: Sendable, Equatable {
    /// Nanoseconds since the Unix epoch rendered as RFC 3339 in UTC, e.g.
    /// `2026-01-01T00:00:00Z` or `2026-01-01T00:00:00.5Z` (fraction without trailing zeros).
    case rfc3339
    /// The integer as received.
    case epoch
}


extension QValue {
    /// The cell as display text: null is empty, floats use Swift's shortest round-trip
    /// `description`, and an integer in a time column is shown per `timeFormat`.
    func text(isTime: Bool, timeFormat: TimeFormat) -> String {
        switch self {
        case .null: return ""
        case .integer(let value):
            return isTime && timeFormat == .rfc3339 ? RFC3339.format(value) : String(value)
        case .unsigned(let value): return String(value)
        case .float(let value): return value.description
        case .string(let value): return value
        case .boolean(let value): return value ? "true" : "false"
        }
    }
}

extension ResultSeries {
    /// Rows rendered as text, with the `time` column formatted per `timeFormat`.
    func textRows(timeFormat: TimeFormat) -> [[String]] {
        let timeIndex = columns.firstIndex(of: "time")
        return values.map { row in
            row.enumerated().map { $0.element.text(isTime: $0.offset == timeIndex, timeFormat: timeFormat) }
        }
    }
}

/// Column-aligned output in the style of the `influx` CLI.
///
/// For each series: a `name: <measurement>` line (when the series has a name), a
/// `tags: k=v, k=v` line (when it has tags), the column names, a row of dashes under each
/// name, then the rows. Columns are left-aligned and separated by at least one space;
/// padding never produces trailing whitespace. Series are separated by one blank line.
/// A statement error is rendered as `ERR: <message>`; statement messages are printed as-is
/// before the statement's first series. Non-empty output ends with a newline.
public enum TableRenderer {
    public static func render(_ results: [StatementResult], timeFormat: TimeFormat) -> String {
        var blocks: [[String]] = []
        for result in results {
            var statementBlocks: [[String]] = []
            if let error = result.error {
                statementBlocks.append(["ERR: \(error)"])
            }
            for series in result.series {
                statementBlocks.append(lines(for: series, timeFormat: timeFormat))
            }
            if !result.messages.isEmpty {
                if statementBlocks.isEmpty {
                    statementBlocks.append(result.messages)
                } else {
                    statementBlocks[0] = result.messages + statementBlocks[0]
                }
            }
            blocks.append(contentsOf: statementBlocks)
        }
        guard !blocks.isEmpty else { return "" }
        return blocks.map { $0.joined(separator: "\n") }.joined(separator: "\n\n") + "\n"
    }

    private static func lines(for series: ResultSeries, timeFormat: TimeFormat) -> [String] {
        var lines: [String] = []
        if let name = series.name, !name.isEmpty {
            lines.append("name: \(name)")
        }
        if !series.tags.isEmpty {
            lines.append("tags: " + series.tags.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
        }
        var rows: [[String]] = [series.columns, series.columns.map { String(repeating: "-", count: $0.count) }]
        rows.append(contentsOf: series.textRows(timeFormat: timeFormat))
        lines.append(contentsOf: aligned(rows))
        return lines
    }

    /// Left-aligns cells into columns one space wider than their widest cell.
    static func aligned(_ rows: [[String]]) -> [String] {
        let columnCount = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columnCount)
        for row in rows {
            for (index, cell) in row.enumerated() {
                widths[index] = max(widths[index], cell.count)
            }
        }
        return rows.map { row in
            guard let lastNonEmpty = row.lastIndex(where: { !$0.isEmpty }) else { return "" }
            var line = ""
            for index in 0..<lastNonEmpty {
                line += row[index] + String(repeating: " ", count: widths[index] - row[index].count + 1)
            }
            return line + row[lastNonEmpty]
        }
    }
}

/// CSV output in the style of the `influx` CLI's `-format csv`, with RFC 4180 quoting.
///
/// The header is `name,tags,<columns...>`; each row starts with the series name and its tags
/// joined as `k=v,k=v` (so that field is quoted), followed by the cells. Both leading columns
/// are always present (empty when a series has no name or tags) so the column layout is
/// stable. A header line is written before the first series and again whenever the column
/// list changes. Fields containing a comma, quote, CR or LF are enclosed in double quotes with
/// embedded quotes doubled. Lines end with `\n`. Statement errors are written as
/// `ERR: <message>` lines (as the `influx` CLI does); statement messages are not written.
public enum CSVRenderer {
    public static func render(_ results: [StatementResult], timeFormat: TimeFormat) -> String {
        var out = ""
        var previousHeader: [String]?
        for result in results {
            if let error = result.error {
                out += "ERR: " + error.split(whereSeparator: { $0.isNewline }).joined(separator: " ") + "\n"
            }
            for series in result.series {
                let header = ["name", "tags"] + series.columns
                if header != previousHeader {
                    out += line(header)
                    previousHeader = header
                }
                let name = series.name ?? ""
                let tags = series.tags.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                for row in series.textRows(timeFormat: timeFormat) {
                    out += line([name, tags] + row)
                }
            }
        }
        return out
    }

    private static func line(_ fields: [String]) -> String {
        fields.map(quoted).joined(separator: ",") + "\n"
    }

    /// Quotes `field` per RFC 4180 when needed (the same quoting as tsdbd's CSV answers).
    public static func quoted(_ field: String) -> String { ResultEncoding.csvField(field) }
}
