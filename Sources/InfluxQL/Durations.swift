/// InfluxQL duration literals and Go-style duration formatting.
public enum InfluxQLDuration {
    public static let nanosecond: Int64 = 1
    public static let microsecond: Int64 = 1_000
    public static let millisecond: Int64 = 1_000_000
    public static let second: Int64 = 1_000_000_000
    public static let minute: Int64 = 60 * second
    public static let hour: Int64 = 60 * minute
    public static let day: Int64 = 24 * hour
    public static let week: Int64 = 7 * day

    /// Parses an InfluxQL duration literal into nanoseconds: one or more `<digits><unit>` parts with units
    /// `ns`, `u`/`µ` (microseconds), `ms`, `s`, `m`, `h`, `d`, `w` (e.g. `10s`, `1h30m`, `1767225600000ms`),
    /// optionally preceded by `-`. Returns nil if malformed or if the value does not fit in an Int64.
    public static func parse(_ s: String) -> Int64? {
        if case .value(let v) = parseDetailed(s) { return v }
        return nil
    }

    enum ParseResult: Equatable {
        case value(Int64)
        case invalid
        case overflow
    }

    /// Like ``parse(_:)`` but tells a malformed literal from one that overflows.
    static func parseDetailed(_ s: String) -> ParseResult {
        let a = Array(s.utf8)
        var i = 0
        var negative = false
        if i < a.count, a[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        guard i < a.count else { return .invalid }
        var total: Int64 = 0
        while i < a.count {
            // Digits.
            var n: Int64 = 0
            let start = i
            var overflow = false
            while i < a.count, a[i] >= UInt8(ascii: "0"), a[i] <= UInt8(ascii: "9") {
                let (m, o1) = n.multipliedReportingOverflow(by: 10)
                let (r, o2) = m.addingReportingOverflow(Int64(a[i] - UInt8(ascii: "0")))
                overflow = overflow || o1 || o2
                n = r
                i += 1
            }
            guard i > start, i < a.count else { return .invalid }
            // Unit.
            let unit: Int64
            switch a[i] {
            case UInt8(ascii: "n"):
                guard i + 1 < a.count, a[i + 1] == UInt8(ascii: "s") else { return .invalid }
                unit = nanosecond
                i += 2
            case UInt8(ascii: "u"):
                unit = microsecond
                i += 1
            case 0xC2:  // µ = C2 B5
                guard i + 1 < a.count, a[i + 1] == 0xB5 else { return .invalid }
                unit = microsecond
                i += 2
            case UInt8(ascii: "m"):
                if i + 1 < a.count, a[i + 1] == UInt8(ascii: "s") {
                    unit = millisecond
                    i += 2
                } else {
                    unit = minute
                    i += 1
                }
            case UInt8(ascii: "s"):
                unit = second
                i += 1
            case UInt8(ascii: "h"):
                unit = hour
                i += 1
            case UInt8(ascii: "d"):
                unit = day
                i += 1
            case UInt8(ascii: "w"):
                unit = week
                i += 1
            default:
                return .invalid
            }
            if overflow { return .overflow }
            let (part, o1) = n.multipliedReportingOverflow(by: unit)
            let (sum, o2) = total.addingReportingOverflow(part)
            if o1 || o2 { return .overflow }
            total = sum
        }
        return .value(negative ? -total : total)
    }

    /// Formats nanoseconds the way Go's `time.Duration.String()` does, which is what InfluxDB shows in
    /// `SHOW RETENTION POLICIES`: `0s`, `10s`, `30m0s`, `1h0m0s`, `168h0m0s`, `1.5s`, `2ms`, `3µs`, `4ns`.
    public static func format(_ ns: Int64) -> String {
        // Built right to left, like Go's implementation.
        var out: [UInt8] = []
        let negative = ns < 0
        var u = ns.magnitude  // UInt64, safe for Int64.min

        func putInt(_ v: UInt64) {
            var v = v
            if v == 0 {
                out.append(UInt8(ascii: "0"))
                return
            }
            while v > 0 {
                out.append(UInt8(ascii: "0") + UInt8(v % 10))
                v /= 10
            }
        }
        /// Writes the fraction v/10^prec (".123", trailing zeros dropped, nothing if zero) and returns
        /// the integer part.
        func putFrac(_ v: UInt64, _ prec: Int) -> UInt64 {
            var v = v
            var printing = false
            for _ in 0..<prec {
                let digit = v % 10
                printing = printing || digit != 0
                if printing { out.append(UInt8(ascii: "0") + UInt8(digit)) }
                v /= 10
            }
            if printing { out.append(UInt8(ascii: ".")) }
            return v
        }

        if u < UInt64(second) {
            if u == 0 { return "0s" }
            out.append(UInt8(ascii: "s"))
            let prec: Int
            if u < UInt64(microsecond) {
                prec = 0
                out.append(UInt8(ascii: "n"))
            } else if u < UInt64(millisecond) {
                prec = 3
                out.append(contentsOf: [0xB5, 0xC2])  // "µ" reversed
            } else {
                prec = 6
                out.append(UInt8(ascii: "m"))
            }
            u = putFrac(u, prec)
            putInt(u)
        } else {
            out.append(UInt8(ascii: "s"))
            u = putFrac(u, 9)
            putInt(u % 60)
            u /= 60
            if u > 0 {
                out.append(UInt8(ascii: "m"))
                putInt(u % 60)
                u /= 60
                if u > 0 {
                    out.append(UInt8(ascii: "h"))
                    putInt(u)
                }
            }
        }
        if negative { out.append(UInt8(ascii: "-")) }
        return String(decoding: out.reversed(), as: UTF8.self)
    }
}
