import TSSupport

/// When an append is acknowledged, relative to the disk. See docs/durability.md.
public enum SyncPolicy: Sendable, Equatable, CustomStringConvertible {
    /// Default. `append` returns after the batch's bytes are written *and* `fdatasync`ed.
    /// Concurrent appenders share one fsync (group commit). Survives kill -9 and power loss.
    case always
    /// `append` returns after `write(2)`; a background thread fsyncs every `nanoseconds`.
    /// Survives kill -9; a power loss can lose up to one interval of acknowledged writes.
    case interval(nanoseconds: UInt64)
    /// `append` returns after `write(2)`; the WAL is fsynced only at rotation, seal and close.
    /// Survives kill -9; a power loss can lose everything since the last seal.
    case none

    /// Parses `always`, `none`, `interval:100ms` (units ns, us, ms, s, m).
    public init?(parsing s: String) {
        switch s {
        case "always": self = .always
        case "none": self = .none
        default:
            guard s.hasPrefix("interval:"), let ns = parseDuration(String(s.dropFirst("interval:".count))), ns > 0 else { return nil }
            self = .interval(nanoseconds: UInt64(ns))
        }
    }

    public var description: String {
        switch self {
        case .always: "always"
        case .none: "none"
        case .interval(let ns): "interval:\(formatDuration(Int64(ns)))"
        }
    }
}
