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
        String(decoding: jsonBytes(results, time: time, includeLevel: includeLevel), as: UTF8.self)
    }

    /// `json(_:time:includeLevel:)` as UTF-8 bytes (what the HTTP answer sends, without a String in between).
    public static func jsonBytes(_ results: [StatementResult], time: TimeEncoding, includeLevel: Bool = false) -> [UInt8] {
        let o = JSONBytes()
        // About 24 bytes per cell: one growth of the buffer instead of ~20 doublings for large answers.
        o.reserveCapacity(256 + 24 * results.reduce(0) { $0 + $1.series.reduce(0) { $0 + $1.rowCount * max(1, $1.columns.count) } })
        o.raw("{\"results\":[")
        for (i, r) in results.enumerated() {
            if i > 0 { o.raw(",") }
            statement(r, time: time, includeLevel: includeLevel, into: o)
        }
        o.raw("]}")
        return o.bytes
    }

    /// One statement's result object, optionally marked `partial` (chunked responses).
    public static func statement(_ r: StatementResult, time: TimeEncoding, includeLevel: Bool = false, partial: Bool = false,
                                 seriesPartial: Bool = false, into text: inout String) {
        let o = JSONBytes()
        statement(r, time: time, includeLevel: includeLevel, partial: partial, seriesPartial: seriesPartial, into: o)
        text += o.text
    }

    static func statement(_ r: StatementResult, time: TimeEncoding, includeLevel: Bool = false, partial: Bool = false,
                          seriesPartial: Bool = false, into o: JSONBytes) {
        o.raw("{\"statement_id\":")
        o.int(Int64(r.statementID))
        if includeLevel, let l = r.level {
            o.raw(",\"level\":")
            o.string(l)
        }
        if !r.series.isEmpty {
            o.raw(",\"series\":[")
            for (k, s) in r.series.enumerated() {
                if k > 0 { o.raw(",") }
                series(s, hasTime: r.hasTime, time: time, partial: seriesPartial && k == r.series.count - 1, into: o)
            }
            o.raw("]")
        }
        if !r.messages.isEmpty {
            o.raw(",\"messages\":[")
            for (k, m) in r.messages.enumerated() {
                if k > 0 { o.raw(",") }
                let (level, text) = splitMessage(m)
                o.raw("{\"level\":")
                o.string(level)
                o.raw(",\"text\":")
                o.string(text)
                o.raw("}")
            }
            o.raw("]")
        }
        if let e = r.error {
            o.raw(",\"error\":")
            o.string(e)
        }
        if partial { o.raw(",\"partial\":true") }
        o.raw("}")
    }

    static func series(_ s: ResultSeries, hasTime: Bool, time: TimeEncoding, partial: Bool, into o: JSONBytes) {
        o.raw("{")
        var first = true
        if let n = s.name {
            o.raw("\"name\":")
            o.string(n)
            first = false
        }
        if !s.tags.isEmpty {
            if !first { o.raw(",") }
            o.raw("\"tags\":{")
            for (i, t) in s.tags.enumerated() {
                if i > 0 { o.raw(",") }
                o.string(t.key)
                o.raw(":")
                o.string(t.value)
            }
            o.raw("}")
            first = false
        }
        if !first { o.raw(",") }
        o.raw("\"columns\":[")
        for (i, c) in s.columns.enumerated() {
            if i > 0 { o.raw(",") }
            o.string(c)
        }
        o.raw("],\"values\":[")
        // Rows and values are read in place (no copy, so no reference counting per value: SHOW TAG
        // VALUES answers hundreds of thousands of string rows).
        if case .strings(let cols) = s.storage {
            stringRows(cols, into: o)
        } else {
            rows(s, hasTime: hasTime, time: time, into: o)
        }
        o.raw("]")
        if partial { o.raw(",\"partial\":true") }
        o.raw("}")
    }

    /// Rows of string columns, written from the columns' bytes without a String per cell.
    private static func stringRows(_ cols: [StringColumn], into o: JSONBytes) {
        let n = cols[0].count
        var starts = [Int](repeating: 0, count: cols.count)
        for r in 0..<n {
            o.raw(r == 0 ? "[" : ",[")
            for c in cols.indices {
                if c > 0 { o.raw(",") }
                let end = cols[c].ends[r]
                cols[c].bytes.withUnsafeBufferPointer { o.quoted(UnsafeBufferPointer(rebasing: $0[starts[c]..<end])) }
                starts[c] = end
            }
            o.raw("]")
        }
    }

    private static func rows(_ s: ResultSeries, hasTime: Bool, time: TimeEncoding, into o: JSONBytes) {
        var firstRow = true
        s.withRows { row in
            if firstRow { firstRow = false } else { o.raw(",") }
            o.raw("[")
            for ci in row.indices {
                if ci > 0 { o.raw(",") }
                if ci == 0 && hasTime, case .integer(let t) = row[ci] {
                    switch time {
                    case .rfc3339:
                        o.raw("\"")
                        o.ascii(RFC3339.format(t))
                        o.raw("\"")
                    case .epoch(let unit): o.int(floorDiv(t, unit))
                    }
                } else {
                    o.value(row[ci])
                }
            }
            o.raw("]")
        }
    }

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
                s.withRows { row in
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

/// The bytes of a JSON answer, written without a String per value: the query result hot path
/// (integers and times are formatted straight into the buffer). The buffer is managed by hand:
/// an `[UInt8]` checks uniqueness and capacity on every append, which cost a quarter of a
/// 44,640-row answer's encoding.
final class JSONBytes {
    private var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 4096) {
        self.capacity = max(16, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// The bytes written so far.
    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }
    var text: String { String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self) }

    func reserveCapacity(_ n: Int) { if n > capacity { grow(n) } }

    @inline(__always) private func ensure(_ n: Int) {
        if count &+ n > capacity { grow(count + n) }
    }

    private func grow(_ need: Int) {
        let cap = max(need, capacity * 2)
        let b = UnsafeMutablePointer<UInt8>.allocate(capacity: cap)
        b.update(from: base, count: count)
        base.deallocate()
        base = b
        capacity = cap
    }

    @inline(__always) func byte(_ b: UInt8) {
        ensure(1)
        base[count] = b
        count &+= 1
    }

    @inline(__always) func append(_ u: UnsafeBufferPointer<UInt8>) {
        guard let p = u.baseAddress, u.count > 0 else { return }
        ensure(u.count)
        (base + count).update(from: p, count: u.count)
        count &+= u.count
    }

    @inline(__always) func raw(_ s: StaticString) {
        if s.utf8CodeUnitCount == 1 { byte(s.utf8Start.pointee) } else { append(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount)) }
    }

    /// Text known to need no escaping (digits, RFC 3339 times).
    @inline(__always) func ascii(_ s: String) {
        var s = s
        s.withUTF8 { append($0) }
    }

    func string(_ s: String) {
        // Native strings are read in place; small (inline) ones are copied to the stack.
        if s.utf8.withContiguousStorageIfAvailable({ quoted($0) }) != nil { return }
        var s = s
        s.withUTF8 { quoted($0) }
    }

    func quoted(_ u: UnsafeBufferPointer<UInt8>) {
        if !u.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            ensure(u.count + 2)
            base[count] = 0x22
            count &+= 1
            append(u)
            base[count] = 0x22
            count &+= 1
        } else {
            var q = JSONWriter.quote(String(decoding: u, as: UTF8.self))
            q.withUTF8 { append($0) }
        }
    }

    @inline(__always) func int(_ v: Int64) {
        if v < 0 { byte(UInt8(ascii: "-")) }
        uint(v.magnitude)
    }

    /// "00" … "99": two digits per division.
    private static let pairs: [UInt8] = {
        var out: [UInt8] = []
        for n in 0..<100 {
            out.append(UInt8(48 + n / 10))
            out.append(UInt8(48 + n % 10))
        }
        return out
    }()

    func uint(_ v: UInt64) {
        if v < 10 {
            byte(0x30 &+ UInt8(truncatingIfNeeded: v))
            return
        }
        ensure(20)
        // Split into 8-digit parts: their digit pairs are independent chains of 32-bit divisions.
        Self.pairs.withUnsafeBufferPointer { pairs in
            let pairs = pairs.baseAddress!
            if v < 100_000_000 {
                count += Self.leading(UInt32(v), base + count, pairs)
            } else if v < 10_000_000_000_000_000 {
                count += Self.leading(UInt32(v / 100_000_000), base + count, pairs)
                Self.eight(UInt32(v % 100_000_000), base + count, pairs)
                count += 8
            } else {
                count += Self.leading(UInt32(v / 10_000_000_000_000_000), base + count, pairs)
                let r = v % 10_000_000_000_000_000
                Self.eight(UInt32(r / 100_000_000), base + count, pairs)
                Self.eight(UInt32(r % 100_000_000), base + count + 8, pairs)
                count += 16
            }
        }
    }

    /// Writes `v` (< 10⁸) without leading zeros; returns its digit count.
    @inline(__always) private static func leading(_ v: UInt32, _ out: UnsafeMutablePointer<UInt8>, _ pairs: UnsafePointer<UInt8>) -> Int {
        let n = v < 10 ? 1 : v < 100 ? 2 : v < 1_000 ? 3 : v < 10_000 ? 4 : v < 100_000 ? 5 : v < 1_000_000 ? 6 : v < 10_000_000 ? 7 : 8
        var m = v, i = n
        while m >= 100 {
            let r = Int(m % 100)
            m /= 100
            i -= 2
            out[i] = pairs[2 * r]
            out[i + 1] = pairs[2 * r + 1]
        }
        if m >= 10 {
            out[0] = pairs[2 * Int(m)]
            out[1] = pairs[2 * Int(m) + 1]
        } else {
            out[0] = 0x30 &+ UInt8(truncatingIfNeeded: m)
        }
        return n
    }

    /// Writes `v` (< 10⁸) as exactly 8 digits.
    @inline(__always) private static func eight(_ v: UInt32, _ out: UnsafeMutablePointer<UInt8>, _ pairs: UnsafePointer<UInt8>) {
        let hi = v / 10_000, lo = v % 10_000
        let a = Int(hi / 100), b = Int(hi % 100), c = Int(lo / 100), d = Int(lo % 100)
        out[0] = pairs[2 * a]; out[1] = pairs[2 * a + 1]
        out[2] = pairs[2 * b]; out[3] = pairs[2 * b + 1]
        out[4] = pairs[2 * c]; out[5] = pairs[2 * c + 1]
        out[6] = pairs[2 * d]; out[7] = pairs[2 * d + 1]
    }

    /// A value as `ResultEncoding.json(_:)` writes it.
    func value(_ v: QValue) {
        switch v {
        case .null: raw("null")
        case .float(let d):
            if !d.isFinite {
                raw("null")
            } else if d == 0 {
                if d.sign == .minus { raw("-0") } else { raw("0") }
            } else if d == d.rounded(), abs(d) < 9.2e18 {
                int(Int64(d))
            } else if let t = JSONWriter.number(d) {
                ascii(t)
            } else {
                raw("null")
            }
        case .integer(let i): int(i)
        case .unsigned(let u): uint(u)
        case .boolean(let b): if b { raw("true") } else { raw("false") }
        case .string(let s): string(s)
        }
    }
}
