import TSSupport
/// A closed interval of nanosecond timestamps `[min, max]`.
public struct TimeRange: Sendable, Equatable, CustomStringConvertible {
    public var min: Int64
    public var max: Int64

    public init(min: Int64, max: Int64) {
        self.min = min
        self.max = max
    }

    /// Every representable time.
    public static let all = TimeRange(min: .min, max: .max)

    @inlinable public func contains(_ t: Int64) -> Bool { t >= min && t <= max }
    @inlinable public func overlaps(_ o: TimeRange) -> Bool { o.max >= min && o.min <= max }
    @inlinable public func overlaps(min lo: Int64, max hi: Int64) -> Bool { hi >= min && lo <= max }
    public var isEmpty: Bool { min > max }

    public var description: String { "[\(min), \(max)]" }
}

/// The largest multiple of `width` (> 0) at or below `t`: the start of t's bucket, window or
/// hour. The one floor-alignment used by segments, rollups, queries and accounting.
@inlinable
public func alignDown(_ t: Int64, _ width: Int64) -> Int64 {
    let q = t / width
    return (t % width < 0 ? q &- 1 : q) &* width
}
