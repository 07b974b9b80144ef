import TSSupport

/// Parsers for the two formats of collectd's `write_http` plugin (`Format "JSON"` and
/// `Format "Command"`), producing `CollectdValueList`s. JSON is read with TSSupport's reader.
///
/// * JSON: an array of objects `{"values":[...],"dstypes":[...],"dsnames":[...],"time":T,
///   "interval":I,"host":...,"plugin":...,"plugin_instance":...,"type":...,"type_instance":...[,"meta":{...}]}`;
///   times are float seconds; a non-finite gauge is sent as `null` and skipped.
/// * Command: lines `PUTVAL host/plugin[-plugin_instance]/type[-type_instance] [interval=10.000] TIME:v1[:v2...]`
///   (several value sets per line allowed); `N` as time means now, `U` (or `nan`) as a value means unknown
///   and is skipped.

/// One value list of a write_http message, with the data-source names the JSON format carries.
public struct WriteHTTPValueList: Sendable, Equatable {
    public var valueList: CollectdValueList
    /// `dsnames` from a JSON message (nil for the command format); they take precedence over types.db.
    public var dsNames: [String]?
    public init(valueList: CollectdValueList, dsNames: [String]? = nil) {
        self.valueList = valueList
        self.dsNames = dsNames
    }
}

/// The result of parsing one write_http body: the value lists, and the entries (objects or
/// lines) refused, with the first reasons.
public struct WriteHTTPMessage: Sendable {
    public var valueLists: [WriteHTTPValueList] = []
    /// Objects (JSON) or lines/value sets (command) refused.
    public var errors = 0
    /// The first `maxReasons` reasons.
    public var reasons: [String] = []
    public static let maxReasons = 10
    public init() {}

    mutating func fail(_ reason: String) {
        errors += 1
        if reasons.count < WriteHTTPMessage.maxReasons { reasons.append(reason) }
    }
}

/// A body that cannot be read at all (not JSON, not an array, nesting too deep, ...).
public struct WriteHTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public enum WriteHTTPFormat: Sendable, Equatable {
    case json
    case command

    /// From the Content-Type (`application/json` vs `text/plain`), else from the first non-space
    /// byte of the body (`[` or `{` → JSON).
    public static func detect(contentType: String?, body: UnsafeRawBufferPointer) -> WriteHTTPFormat {
        if let ct = contentType?.lowercased() {
            if ct.contains("json") { return .json }
            if ct.hasPrefix("text/plain") { return .command }
        }
        for b in body where !(b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D) {
            return b == UInt8(ascii: "[") || b == UInt8(ascii: "{") ? .json : .command
        }
        return .command
    }
}

public enum WriteHTTPParser {
    /// Deepest JSON nesting accepted (the format needs 3: array, object, meta object).
    public static let maxJSONDepth = 32

    /// Largest number of JSON values one value list (one element of the top-level array) may hold.
    public static let maxNodesPerValueList = 65_536

    /// Parses a whole body at once (convenience over `WriteHTTPReader`).
    public static func parse(_ body: [UInt8], format: WriteHTTPFormat, now: Int64) throws -> WriteHTTPMessage {
        var reader = try WriteHTTPReader(body: body, format: format, now: now)
        var msg = WriteHTTPMessage()
        while let vl = reader.next() { msg.valueLists.append(vl) }
        msg.errors = reader.errors
        msg.reasons = reader.reasons
        return msg
    }

    public static func parse(_ body: UnsafeRawBufferPointer, format: WriteHTTPFormat, now: Int64) throws -> WriteHTTPMessage {
        try parse(Array(body), format: format, now: now)
    }

    static func valueList(_ v: JSONValue, now: Int64) throws -> WriteHTTPValueList {
        guard case .object(let fields) = v else { throw WriteHTTPError("not an object") }
        func field(_ name: String) -> JSONValue? { fields.last(where: { $0.0 == name })?.1 }
        func string(_ name: String, required: Bool = false) throws -> String {
            switch field(name) {
            case .string(let s)?: return s
            case nil, .null?:
                if required { throw WriteHTTPError("missing \"\(name)\"") }
                return ""
            default: throw WriteHTTPError("\"\(name)\" is not a string")
            }
        }
        var vl = CollectdValueList()
        vl.host = try string("host")
        vl.plugin = try string("plugin", required: true)
        vl.pluginInstance = try string("plugin_instance")
        vl.type = try string("type")
        vl.typeInstance = try string("type_instance")
        guard vl.plugin.isEmpty == false else { throw WriteHTTPError("empty \"plugin\"") }
        switch field("time") {
        case .number(let t)?:
            guard let ns = secondsToNanos(t) else { throw WriteHTTPError("bad time \(t)") }
            vl.time = ns == 0 ? now : ns
        case nil, .null?: vl.time = now
        default: throw WriteHTTPError("\"time\" is not a number")
        }
        switch field("interval") {
        case .number(let t)?: vl.interval = secondsToNanos(t) ?? 0
        default: break
        }
        guard case .array(let values)? = field("values") else { throw WriteHTTPError("missing \"values\" array") }
        guard !values.isEmpty else { throw WriteHTTPError("empty \"values\"") }
        var types: [String]? = nil
        if case .array(let ts)? = field("dstypes") {
            types = try ts.map { t -> String in
                guard case .string(let s) = t else { throw WriteHTTPError("\"dstypes\" holds a non-string") }
                return s.lowercased()
            }
            guard types!.count == values.count else { throw WriteHTTPError("\(values.count) values but \(types!.count) dstypes") }
        }
        var names: [String]? = nil
        if case .array(let ns)? = field("dsnames") {
            names = try ns.map { n -> String in
                guard case .string(let s) = n, !s.isEmpty else { throw WriteHTTPError("\"dsnames\" holds a non-string or empty name") }
                return s
            }
            guard names!.count == values.count else { throw WriteHTTPError("\(values.count) values but \(names!.count) dsnames") }
        }
        for (i, v) in values.enumerated() {
            switch v {
            case .null: vl.values.append(.gauge(.nan))  // non-finite gauge: skipped by the mapping
            case .number(let text): vl.values.append(try number(text, kind: types?[i] ?? "gauge"))
            default: throw WriteHTTPError("value \(i) is not a number")
            }
        }
        return WriteHTTPValueList(valueList: vl, dsNames: names)
    }

    static func number(_ text: String, kind: String) throws -> CollectdValue {
        switch kind {
        case "counter": if let u = UInt64(text) { return .counter(u) }
        case "absolute": if let u = UInt64(text) { return .absolute(u) }
        case "derive": if let d = Int64(text) { return .derive(d) }
        case "gauge": break
        default: throw WriteHTTPError("unknown dstype \"\(kind)\"")
        }
        guard let d = Double(text) else { throw WriteHTTPError("bad number \(text)") }
        return .gauge(d)
    }

    /// Decimal seconds (`1767225600.123`, `1.7e9`) → nanoseconds, exact for plain decimals; nil if
    /// negative, malformed or beyond Int64 nanoseconds.
    public static func secondsToNanos(_ text: String) -> Int64? {
        let u = Array(text.utf8)
        var i = 0
        var whole: Int64 = 0
        var digits = 0
        while i < u.count, u[i] >= 0x30, u[i] <= 0x39 {
            let (m, o1) = whole.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(u[i] - 0x30))
            if o1 || o2 { return nil }
            whole = s; digits += 1; i += 1
        }
        var frac: Int64 = 0
        var scale: Int64 = 1_000_000_000
        if i < u.count, u[i] == UInt8(ascii: ".") {
            i += 1
            while i < u.count, u[i] >= 0x30, u[i] <= 0x39 {
                if scale > 1 { scale /= 10; frac += Int64(u[i] - 0x30) * scale }
                digits += 1; i += 1
            }
        }
        if i == u.count {
            guard digits > 0 else { return nil }
            let (m, o1) = whole.multipliedReportingOverflow(by: 1_000_000_000)
            let (s, o2) = m.addingReportingOverflow(frac)
            return o1 || o2 ? nil : s
        }
        // Exponent or other forms: go through Double.
        guard let d = Double(text), d.isFinite, d >= 0, d * 1e9 < 9.2e18 else { return nil }
        return Int64((d * 1e9).rounded())
    }

    // MARK: Command (PUTVAL)

    static func putval(_ line: String, now: Int64, into out: inout [WriteHTTPValueList]) throws {
        let words = try splitWords(line)
        guard let cmd = words.first else { return }
        guard cmd.uppercased() == "PUTVAL" else {
            throw WriteHTTPError("unknown command \"\(String(cmd.prefix(64)))\" (only PUTVAL is accepted)")
        }
        guard words.count >= 3 else { throw WriteHTTPError("PUTVAL needs an identifier and at least one value set") }
        var vl = try identifier(words[1])
        var sets = 0
        for w in words[2...] {
            if let eq = w.firstIndex(of: "=") {  // value sets never contain '='
                let key = w[..<eq], value = String(w[w.index(after: eq)...])
                if key == "interval" {
                    guard let ns = secondsToNanos(value) else { throw WriteHTTPError("bad interval \"\(String(value.prefix(64)))\"") }
                    vl.interval = ns
                }
                continue  // other options (meta data) are accepted and ignored
            }
            let parts = w.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count >= 2 else { throw WriteHTTPError("bad value set \"\(String(w.prefix(64)))\" (want TIME:VALUE[:VALUE...])") }
            if parts[0] == "N" {
                vl.time = now
            } else {
                guard let ns = secondsToNanos(String(parts[0])) else { throw WriteHTTPError("bad time \"\(String(parts[0].prefix(64)))\"") }
                vl.time = ns == 0 ? now : ns
            }
            vl.values = try parts.dropFirst().map { p -> CollectdValue in
                let s = String(p)
                switch s {
                case "U", "u", "nan", "-nan", "NaN", "-NaN": return .gauge(.nan)
                default:
                    if let d = Int64(s) { return .derive(d) }
                    if let u = UInt64(s) { return .counter(u) }
                    guard let d = Double(s), s.first != "+" || s.count > 1 else { throw WriteHTTPError("bad value \"\(String(s.prefix(64)))\"") }
                    return .gauge(d)
                }
            }
            out.append(WriteHTTPValueList(valueList: vl))
            sets += 1
        }
        if sets == 0 { throw WriteHTTPError("PUTVAL without a value set") }
    }

    /// `host/plugin[-plugin_instance]/type[-type_instance]` as collectd's parse_identifier reads it.
    static func identifier(_ s: String) throws -> CollectdValueList {
        let parts = s.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty, !parts[2].isEmpty else {
            throw WriteHTTPError("bad identifier \"\(String(s.prefix(128)))\" (want host/plugin[-instance]/type[-instance])")
        }
        var vl = CollectdValueList()
        vl.host = String(parts[0])
        func split(_ x: Substring) -> (String, String) {
            guard let dash = x.firstIndex(of: "-") else { return (String(x), "") }
            return (String(x[..<dash]), String(x[x.index(after: dash)...]))
        }
        (vl.plugin, vl.pluginInstance) = split(parts[1])
        (vl.type, vl.typeInstance) = split(parts[2])
        guard !vl.plugin.isEmpty, !vl.type.isEmpty else { throw WriteHTTPError("bad identifier \"\(String(s.prefix(128)))\" (empty plugin or type)") }
        return vl
    }

    /// Splits on blanks; `"..."` groups (with `\"` and `\\` escapes), as collectd's command parser does.
    static func splitWords(_ line: String) throws -> [String] {
        var words: [String] = []
        var cur = ""
        var inWord = false
        var it = line.makeIterator()
        while let c = it.next() {
            if c == " " || c == "\t" {
                if inWord { words.append(cur); cur = ""; inWord = false }
            } else if c == "\"" && !inWord {
                inWord = true
                var closed = false
                while let q = it.next() {
                    if q == "\\" { if let n = it.next() { cur.append(n) } ; continue }
                    if q == "\"" { closed = true; break }
                    cur.append(q)
                }
                guard closed else { throw WriteHTTPError("unbalanced quotes") }
            } else {
                inWord = true
                cur.append(c)
            }
        }
        if inWord { words.append(cur) }
        return words
    }
}

// MARK: - Streaming reader

/// Reads the value lists of a write_http body one at a time, so a caller can write them in
/// batches without holding every value list (or a JSON tree of the whole body) in memory.
///
/// For JSON, `init` first checks the syntax of the whole document without storing it (a body that
/// is not valid JSON, or whose root is not an array or object, throws `WriteHTTPError` and nothing
/// is read); then each element of the top-level array is decoded when `next()` reaches it. An
/// element that is not a value list (or holds more than `WriteHTTPParser.maxNodesPerValueList`
/// JSON values) is counted in `errors` and skipped. For the command format, each bad line is
/// counted and skipped (value sets of a line before a bad one are kept).
public struct WriteHTTPReader: Sendable {
    public let body: [UInt8]
    public let format: WriteHTTPFormat
    public let now: Int64
    /// Entries (JSON elements, command lines) refused so far, and the first reasons.
    public private(set) var errors = 0
    public private(set) var reasons: [String] = []
    private var pos = 0
    private var index = 0
    private var finished = false
    private var singleObject = false
    private var pending: [WriteHTTPValueList] = []
    private var pendingNext = 0

    public init(body: [UInt8], format: WriteHTTPFormat, now: Int64) throws {
        self.body = body
        self.format = format
        self.now = now
        guard format == .json else { return }
        var start = 0
        var single = false
        try body.withUnsafeBytes { b in
            var r = JSONReader(b, maxDepth: WriteHTTPParser.maxJSONDepth)
            r.store = false
            r.skipSpace()
            start = r.i
            guard r.i < b.count, b[r.i] == UInt8(ascii: "[") || b[r.i] == UInt8(ascii: "{") else {
                if r.i == b.count { throw WriteHTTPError("collectd JSON: empty body") }
                throw WriteHTTPError("collectd JSON: expected an array of value lists")
            }
            single = b[r.i] == UInt8(ascii: "{")
            do { _ = try r.document() } catch { throw WriteHTTPError("collectd JSON: \(error)") }
        }
        singleObject = single
        pos = single ? start : start + 1
    }

    private mutating func fail(_ reason: String) {
        errors += 1
        if reasons.count < WriteHTTPMessage.maxReasons { reasons.append(reason) }
    }

    /// The next value list, or nil at the end of the body.
    public mutating func next() -> WriteHTTPValueList? {
        switch format {
        case .json: return nextJSON()
        case .command: return nextCommand()
        }
    }

    private mutating func nextJSON() -> WriteHTTPValueList? {
        while !finished {
            // Copies for the closure (self is inout).
            let now = self.now, position = pos, single = singleObject, first = index == 0
            enum Step { case end; case item(JSONValue?, String?, Int) }
            let step: Step = body.withUnsafeBytes { b in
                var r = JSONReader(b, maxDepth: WriteHTTPParser.maxJSONDepth)
                r.i = position
                r.skipSpace()
                if !single {
                    if r.i >= b.count || b[r.i] == UInt8(ascii: "]") { return .end }
                    if !first { r.i += 1; r.skipSpace() }  // the ',' (syntax already checked)
                }
                let start = r.i
                r.maxValues = WriteHTTPParser.maxNodesPerValueList
                do {
                    let v = try r.value(depth: 1)
                    return .item(v, nil, r.i)
                } catch {
                    var s = JSONReader(b, maxDepth: WriteHTTPParser.maxJSONDepth)
                    s.i = start
                    s.store = false
                    _ = try? s.value(depth: 1)
                    return .item(nil, "collectd JSON: \(error)", s.i)
                }
            }
            switch step {
            case .end:
                finished = true
            case .item(let v, let err, let end):
                pos = end
                let i = index
                index += 1
                if single { finished = true }
                if let e = err { fail("value list \(i): \(e)"); continue }
                do {
                    return try WriteHTTPParser.valueList(v!, now: now)
                } catch let e as WriteHTTPError {
                    fail("value list \(i): \(e.message)")
                } catch {
                    fail("value list \(i): \(error)")
                }
            }
        }
        return nil
    }

    private mutating func nextCommand() -> WriteHTTPValueList? {
        while true {
            if pendingNext < pending.count {
                pendingNext += 1
                return pending[pendingNext - 1]
            }
            pending.removeAll(keepingCapacity: true)
            pendingNext = 0
            guard pos < body.count else { return nil }
            var end = pos
            while end < body.count && body[end] != 0x0A { end += 1 }
            var text = String(decoding: body[pos..<end], as: UTF8.self)
            pos = end + 1
            index += 1
            if text.hasSuffix("\r") { text.removeLast() }
            if text.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            do {
                try WriteHTTPParser.putval(text, now: now, into: &pending)
            } catch let e as WriteHTTPError {
                fail("line \(index): \(e.message)")
            } catch {
                fail("line \(index): \(error)")
            }
        }
    }
}

// MARK: - Mapping

/// `influxPoints(vl, typesDB:)` for a write_http value list: the message's `dsnames` (JSON) take
/// precedence over types.db; otherwise the usual mapping applies.
public func influxPoints(_ m: WriteHTTPValueList, typesDB: TypesDB) -> [CollectdInfluxPoint] {
    guard let names = m.dsNames, names.count == m.valueList.values.count else {
        return influxPoints(m.valueList, typesDB: typesDB)
    }
    return influxPoints(m.valueList, dataSourceNames: names)
}
