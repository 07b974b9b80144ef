import TSSupport

/// How result times are written: RFC 3339 strings (InfluxDB's default) or integers in a unit.
public enum TimeEncoding: Sendable, Equatable {
    case rfc3339
    /// Integer count of `unit` nanoseconds (`epoch=ns|u|µ|ms|s|m|h`).
    case epoch(unit: Int64)

    /// Parses InfluxDB's `epoch` parameter; nil or empty means RFC 3339.
    public init?(epoch: String?) {
        guard let e = epoch, !e.isEmpty else { self = .rfc3339; return }
        switch e {
        case "n", "ns": self = .epoch(unit: 1)
        case "u", "µ", "us": self = .epoch(unit: 1_000)
        case "ms": self = .epoch(unit: 1_000_000)
        case "s": self = .epoch(unit: 1_000_000_000)
        case "m": self = .epoch(unit: 60_000_000_000)
        case "h": self = .epoch(unit: 3_600_000_000_000)
        default: return nil
        }
    }
}

/// Writes results in InfluxDB 1.x's JSON and CSV shapes.
public enum ResultEncoding {
    /// `{"results":[{"statement_id":0,"series":[...]}]}`; with `level`, each result also says
    /// which storage level answered it (the native API).
    public static func json(_ results: [StatementResult], time: TimeEncoding, includeLevel: Bool = false) -> String {
        var o = "{\"results\":["
        for (i, r) in results.enumerated() {
            if i > 0 { o += "," }
            statement(r, time: time, includeLevel: includeLevel, into: &o)
        }
        o += "]}"
        return o
    }

    /// One statement's result object, optionally marked `partial` (chunked responses).
    public static func statement(_ r: StatementResult, time: TimeEncoding, includeLevel: Bool = false, partial: Bool = false,
                                 seriesPartial: Bool = false, into o: inout String) {
        o += "{\"statement_id\":\(r.statementID)"
        if includeLevel, let l = r.level { o += ",\"level\":" + quote(l) }
        if !r.series.isEmpty {
            o += ",\"series\":["
            for (k, s) in r.series.enumerated() {
                if k > 0 { o += "," }
                series(s, hasTime: r.hasTime, time: time, partial: seriesPartial && k == r.series.count - 1, into: &o)
            }
            o += "]"
        }
        if !r.messages.isEmpty {
            o += ",\"messages\":["
            for (k, m) in r.messages.enumerated() {
                if k > 0 { o += "," }
                let (level, text) = splitMessage(m)
                o += "{\"level\":" + quote(level) + ",\"text\":" + quote(text) + "}"
            }
            o += "]"
        }
        if let e = r.error { o += ",\"error\":" + quote(e) }
        if partial { o += ",\"partial\":true" }
        o += "}"
    }

    static func series(_ s: ResultSeries, hasTime: Bool, time: TimeEncoding, partial: Bool, into o: inout String) {
        o += "{"
        var first = true
        if let n = s.name {
            o += "\"name\":" + quote(n)
            first = false
        }
        if !s.tags.isEmpty {
            if !first { o += "," }
            o += "\"tags\":{"
            o += s.tags.map { quote($0.key) + ":" + quote($0.value) }.joined(separator: ",")
            o += "}"
            first = false
        }
        if !first { o += "," }
        o += "\"columns\":[" + s.columns.map(quote).joined(separator: ",") + "],\"values\":["
        for (ri, row) in s.values.enumerated() {
            if ri > 0 { o += "," }
            o += "["
            for (ci, v) in row.enumerated() {
                if ci > 0 { o += "," }
                if ci == 0 && hasTime, case .integer(let t) = v {
                    switch time {
                    case .rfc3339: o += "\"" + RFC3339.format(t) + "\""
                    case .epoch(let unit): o += String(floorDiv(t, unit))
                    }
                } else {
                    o += json(v)
                }
            }
            o += "]"
        }
        o += "]"
        if partial { o += ",\"partial\":true" }
        o += "}"
    }

    /// InfluxDB's CSV: `name,tags,time,<columns>` then one line per row; times as integers
    /// (nanoseconds unless `epoch` says otherwise); a new header when the columns change.
    public static func csv(_ results: [StatementResult], time: TimeEncoding) -> String {
        var o = ""
        var lastHeader: [String]? = nil
        for r in results {
            if let e = r.error {
                o += "error\n" + csvField(e) + "\n"
                lastHeader = nil
                continue
            }
            for s in r.series {
                let header = ["name", "tags"] + s.columns
                if header != lastHeader {
                    o += header.map(csvField).joined(separator: ",") + "\n"
                    lastHeader = header
                }
                let tags = s.tags.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                for row in s.values {
                    var cells = [csvField(s.name ?? ""), csvField(tags)]
                    for (ci, v) in row.enumerated() {
                        if ci == 0 && r.hasTime, case .integer(let t) = v {
                            switch time {
                            case .rfc3339: cells.append(String(t))
                            case .epoch(let unit): cells.append(String(floorDiv(t, unit)))
                            }
                        } else {
                            cells.append(csvCell(v))
                        }
                    }
                    o += cells.joined(separator: ",") + "\n"
                }
            }
        }
        return o
    }

    /// A value as JSON; non-finite floats (which JSON cannot carry) as null.
    public static func json(_ v: QValue) -> String {
        switch v {
        case .null: return "null"
        case .float(let d): return formatFloat(d) ?? "null"
        case .integer(let i): return String(i)
        case .unsigned(let u): return String(u)
        case .boolean(let b): return b ? "true" : "false"
        case .string(let s): return quote(s)
        }
    }

    /// Like Go's strconv 'g'-shortest as encoding/json writes floats (see `JSONWriter.number`).
    public static func formatFloat(_ d: Double) -> String? { JSONWriter.number(d) }

    /// Splits `"level: text"` (level one word without spaces) into its parts; `info` otherwise.
    static func splitMessage(_ message: String) -> (level: String, text: String) {
        if let separator = message.firstRange(of: ": ") {
            let level = message[..<separator.lowerBound]
            if !level.isEmpty && !level.contains(" ") {
                return (String(level), String(message[separator.upperBound...]))
            }
        }
        return ("info", message)
    }

    static func csvCell(_ v: QValue) -> String {
        switch v {
        case .null: ""
        case .string(let s): csvField(s)
        default: json(v)
        }
    }

    /// A CSV field, quoted (RFC 4180) when it holds a comma, quote or line break.
    public static func csvField(_ s: String) -> String {
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }

    /// A JSON string literal.
    public static func quote(_ s: String) -> String { JSONWriter.quote(s) }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}

extension String {
    fileprivate func replacingOccurrences(of a: String, with b: String) -> String {
        split(separator: Character(a), omittingEmptySubsequences: false).joined(separator: b)
    }
}
