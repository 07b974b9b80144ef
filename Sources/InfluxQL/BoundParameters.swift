/// InfluxDB's bound parameters: `$name` in a query replaced by a value sent apart from it (the
/// `params` JSON object of /query), so clients need not quote values themselves.
public enum BoundParameters {
    public enum Value: Sendable, Equatable {
        case string(String)
        case integer(Int64)
        case number(Double)
        case boolean(Bool)
    }

    /// Replaces every `$name` outside string literals, quoted identifiers and regexes with its
    /// value as an InfluxQL literal (strings single-quoted and escaped). Throws on unknown names.
    public static func substitute(_ query: String, _ params: [String: Value]) throws -> String {
        let b = Array(query.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        func isName(_ c: UInt8) -> Bool {
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95
        }
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
                // Copy a quoted string or identifier verbatim, escapes included.
                out.append(c)
                i += 1
                while i < b.count {
                    out.append(b[i])
                    if b[i] == UInt8(ascii: "\\"), i + 1 < b.count {
                        out.append(b[i + 1])
                        i += 2
                        continue
                    }
                    i += 1
                    if b[i - 1] == c { break }
                }
                continue
            }
            if c == UInt8(ascii: "$"), i + 1 < b.count, isName(b[i + 1]) || b[i + 1] == UInt8(ascii: "\"") {
                var j = i + 1
                var name: String
                if b[j] == UInt8(ascii: "\"") {
                    j += 1
                    let start = j
                    while j < b.count && b[j] != UInt8(ascii: "\"") { j += 1 }
                    name = String(decoding: b[start..<min(j, b.count)], as: UTF8.self)
                    j += 1
                } else {
                    while j < b.count && isName(b[j]) { j += 1 }
                    name = String(decoding: b[(i + 1)..<j], as: UTF8.self)
                }
                guard let v = params[name] else { throw ParseError(message: "missing parameter: \(name)", line: 1, char: i + 1) }
                out += Array(literal(v).utf8)
                i = j
                continue
            }
            out.append(c)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func literal(_ v: Value) -> String {
        switch v {
        case .string(let s): InfluxQLQuote.string(s)
        case .integer(let n): String(n)
        case .number(let d): "\(d)"
        case .boolean(let b): b ? "true" : "false"
        }
    }
}
