// Durations in configuration values and flags (`10s`, `1h30m`, `interval:100ms`). InfluxQL's
// duration literals follow the language's own rules (InfluxQL/Durations.swift).

/// Parses durations such as `10s`, `250ms`, `1h30m`, `2h`, `100us`, `5ns`, `7d`, `1w`, `10y` (365 d).
public func parseDuration(_ s: String) -> Int64? {
    var total: Int64 = 0
    var i = s.startIndex
    guard !s.isEmpty else { return nil }
    while i < s.endIndex {
        var num: Int64 = 0
        var digits = 0
        while i < s.endIndex, let d = s[i].wholeNumberValue, s[i].isASCII {
            let (m, o1) = num.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(d))
            if o1 || o2 { return nil }
            num = a
            digits += 1
            i = s.index(after: i)
        }
        guard digits > 0 else { return nil }
        var unit = ""
        while i < s.endIndex, s[i].isLetter || s[i] == "µ" {
            unit.append(s[i])
            i = s.index(after: i)
        }
        let mult: Int64
        switch unit {
        case "ns": mult = 1
        case "us", "u", "µs": mult = 1_000
        case "ms": mult = 1_000_000
        case "s": mult = 1_000_000_000
        case "m": mult = 60_000_000_000
        case "h": mult = 3_600_000_000_000
        case "d": mult = 86_400_000_000_000
        case "w": mult = 604_800_000_000_000
        case "y": mult = 365 * 86_400_000_000_000
        default: return nil
        }
        let (p, o) = num.multipliedReportingOverflow(by: mult)
        if o { return nil }
        let (t, o2) = total.addingReportingOverflow(p)
        if o2 { return nil }
        total = t
    }
    return total
}

/// Formats nanoseconds as the largest exact unit: `2h`, `90s`, `250ms`.
public func formatDuration(_ ns: Int64) -> String {
    let units: [(Int64, String)] = [(604_800_000_000_000, "w"), (86_400_000_000_000, "d"), (3_600_000_000_000, "h"),
                                    (60_000_000_000, "m"), (1_000_000_000, "s"), (1_000_000, "ms"), (1_000, "us")]
    if ns == 0 { return "0s" }
    for (u, name) in units where ns % u == 0 { return "\(ns / u)\(name)" }
    return "\(ns)ns"
}
