/// Unit of the timestamps in a line-protocol body (the `precision` query parameter of `/write`).
public enum Precision: Sendable, Hashable, CaseIterable {
    case nanoseconds, microseconds, milliseconds, seconds, minutes, hours

    /// Accepts the spellings used by the InfluxDB 1.x `/write` endpoint:
    /// `n`/`ns`, `u`/`us` (also `µ`/`µs`), `ms`, `s`, `m`, `h`.
    public init?(_ s: String) {
        switch s {
        case "n", "ns": self = .nanoseconds
        case "u", "us", "µ", "µs": self = .microseconds
        case "ms": self = .milliseconds
        case "s": self = .seconds
        case "m": self = .minutes
        case "h": self = .hours
        default: return nil
        }
    }

    /// Length of one unit in nanoseconds.
    @inlinable
    public var nanosecondsPerUnit: Int64 {
        switch self {
        case .nanoseconds: return 1
        case .microseconds: return 1_000
        case .milliseconds: return 1_000_000
        case .seconds: return 1_000_000_000
        case .minutes: return 60_000_000_000
        case .hours: return 3_600_000_000_000
        }
    }

    /// Short name as accepted by `init?(_:)` (`ns`, `us`, `ms`, `s`, `m`, `h`).
    public var shortName: String {
        switch self {
        case .nanoseconds: return "ns"
        case .microseconds: return "us"
        case .milliseconds: return "ms"
        case .seconds: return "s"
        case .minutes: return "m"
        case .hours: return "h"
        }
    }

    /// Converts a timestamp in this unit to nanoseconds; `nil` when the result does not fit in Int64.
    @inlinable
    public func toNanoseconds(_ value: Int64) -> Int64? {
        let unit = nanosecondsPerUnit
        if unit == 1 { return value }
        let (r, overflow) = value.multipliedReportingOverflow(by: unit)
        return overflow ? nil : r
    }

    /// Rounds a nanosecond time down (towards negative infinity) to a whole number of units,
    /// which is what InfluxDB does to the server time given to points without a timestamp.
    @inlinable
    public func truncate(_ nanos: Int64) -> Int64 {
        let unit = nanosecondsPerUnit
        if unit == 1 { return nanos }
        var q = nanos / unit
        if nanos % unit != 0 && nanos < 0 { q -= 1 }
        return q * unit
    }
}

/// What to do with keys literally named `time`.
public enum TimeKeyPolicy: Sendable, Hashable {
    /// InfluxDB 1.x server behaviour (default): a tag key `time` makes the line an error
    /// (`invalid tag key ...`); a field named `time` is silently left out of the point, and the
    /// line is an error (`invalid field name ...`) only if `time` was its only field.
    case influxDB1
    /// Any tag or field key `time` makes the line an error.
    case reject
    /// `time` is an ordinary key (what the line-protocol v2 Go codec and its corpus do).
    case allow
}
