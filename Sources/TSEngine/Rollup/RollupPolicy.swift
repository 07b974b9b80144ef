import TSSupport
/// One downsampling level: buckets of `width` nanoseconds (docs/rollups.md).
public struct RollupLevel: Sendable, Hashable, CustomStringConvertible {
    /// The level's name as users write it (`5m`, `1h`); also its directory name.
    public let name: String
    public let width: Int64

    public init(name: String, width: Int64) {
        precondition(width > 0)
        self.name = name
        self.width = width
    }

    /// Level segments hold a window of 576 buckets (48 h at 5 m, 24 days at 1 h).
    public var window: Int64 { width * 576 }

    public var description: String { name }

    public static let fiveMinutes = RollupLevel(name: "5m", width: 300_000_000_000)
    public static let oneHour = RollupLevel(name: "1h", width: 3_600_000_000_000)
    public static let oneDay = RollupLevel(name: "1d", width: 86_400_000_000_000)
}

/// Which levels a database keeps and for how long each level (and raw data) is retained.
public struct RollupPolicy: Sendable {
    /// Ascending widths; each divides the next (so coarser buckets are unions of finer ones).
    public var levels: [RollupLevel]
    /// Maximum age per level name, and for `"raw"`; absent means keep forever (the default:
    /// accounting data never vanishes by surprise).
    public var retention: [String: Int64]
    /// Per-measurement overrides, first match wins: the names of the levels that measurement
    /// keeps (a subset of `levels`; empty = raw only).
    public var measurementLevels: [(pattern: CompiledRegex, levels: [String])]
    /// Adaptive (the default, `auto`): `levels` are candidates, and a measurement keeps the first
    /// `adaptiveMaxLevels` of those at least `adaptiveFactor` times coarser than its native
    /// sample interval, learnt from its first sealed data (10 s data: 5m, 1h; 60 s data: 1h, 1d).
    /// Otherwise every level.
    public var adaptive: Bool

    /// How much coarser than the native interval a level must be to be kept adaptively.
    public static let adaptiveFactor: Int64 = 10
    /// How many levels a measurement keeps adaptively: a third level (1d over 5m and 1h) costs a
    /// series-table entry and a block per series and window, while 1h buckets already answer a
    /// year with 8,760 buckets per series.
    public static let adaptiveMaxLevels = 2

    public init(levels: [RollupLevel] = [.fiveMinutes, .oneHour, .oneDay], retention: [String: Int64] = [:],
                measurementLevels: [(pattern: CompiledRegex, levels: [String])] = [], adaptive: Bool = true) throws {
        for (a, b) in zip(levels, levels.dropFirst()) where b.width <= a.width || b.width % a.width != 0 {
            throw RollupPolicyError("rollup level \(b.name) must be a multiple of \(a.name)")
        }
        for (name, age) in retention where age <= 0 || (name != "raw" && !levels.contains { $0.name == name }) {
            throw RollupPolicyError("retention for unknown level \(name) or not positive")
        }
        for o in measurementLevels {
            for n in o.levels where !levels.contains(where: { $0.name == n }) {
                throw RollupPolicyError("measurement override /\(o.pattern.pattern)/ names unknown level \(n)")
            }
        }
        self.levels = levels
        self.retention = retention
        self.measurementLevels = measurementLevels
        self.adaptive = adaptive
    }

    /// The policy without rollups or retention.
    public static let none = try! RollupPolicy(levels: [])
    public static let standard = try! RollupPolicy()

    /// The levels `measurement` is rolled up to.
    public func levels(for measurement: String) -> [RollupLevel] {
        for o in measurementLevels where o.pattern.matches(measurement) {
            return levels.filter { o.levels.contains($0.name) }
        }
        return levels
    }

    public func level(named n: String) -> RollupLevel? { levels.first { $0.name == n } }

    /// Whether `measurement`'s levels follow its native interval (an adaptive policy, and no
    /// per-measurement override naming its levels).
    public func isAdaptive(_ measurement: String) -> Bool {
        adaptive && !measurementLevels.contains { $0.pattern.matches(measurement) }
    }

    /// The levels `measurement` keeps given its native interval (nil: not known yet, so every
    /// candidate is computed and kept).
    public func levels(for measurement: String, interval: Int64?) -> [RollupLevel] {
        let candidates = levels(for: measurement)
        guard let interval, isAdaptive(measurement) else { return candidates }
        let limit = interval.multipliedReportingOverflow(by: RollupPolicy.adaptiveFactor)
        return limit.overflow ? [] : Array(candidates.filter { $0.width >= limit.partialValue }.prefix(RollupPolicy.adaptiveMaxLevels))
    }

    /// Parses the flag forms: levels `auto`, `5m,1h` or `none`, retention
    /// `raw=30d,5m=400d,1h=10y` (empty: keep everything forever).
    public static func parse(levels: String, retention: String) throws -> RollupPolicy {
        let (l, adaptive) = try parseLevels(levels)
        return try RollupPolicy(levels: l, retention: parseRetention(retention), adaptive: adaptive)
    }

    /// `auto` (the adaptive default: 5m, 1h and 1d as candidates), a list such as `5m,1h`
    /// (exactly those levels for every measurement), or `none` / empty for no levels.
    public static func parseLevels(_ text: String) throws -> (levels: [RollupLevel], adaptive: Bool) {
        if text == "auto" { return (RollupPolicy.standard.levels, true) }
        guard text != "none" && !text.isEmpty else { return ([], false) }
        let levels = try text.split(separator: ",").map { part in
            let name = String(part).trimmingSpaces
            guard let w = parseDuration(name), w > 0 else { throw RollupPolicyError("rollup level \(name) is not a duration") }
            return RollupLevel(name: name, width: w)
        }
        return (levels, false)
    }

    /// `raw=30d,5m=400d`; empty keeps everything forever.
    public static func parseRetention(_ text: String) throws -> [String: Int64] {
        var ret: [String: Int64] = [:]
        for item in text.split(separator: ",") where !item.isEmpty {
            let kv = item.split(separator: "=", maxSplits: 1).map { String($0).trimmingSpaces }
            guard kv.count == 2, let age = parseDuration(kv[1]), age > 0 else {
                throw RollupPolicyError("retention entry '\(item)' must be LEVEL=DURATION, e.g. raw=30d")
            }
            ret[kv[0]] = age
        }
        return ret
    }
}

/// A rollup or retention setting that cannot be used.
public struct RollupPolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    init(_ message: String) { self.message = message }
    public var description: String { "invalid configuration: \(message)" }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
