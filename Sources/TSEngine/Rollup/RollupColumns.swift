import TSSupport

/// The buckets of one series at one rollup level, as columns: one entry per non-empty bucket,
/// `starts` ascending (docs/rollups.md, docs/format/rollup.md).
///
/// Float series keep `sum`, `min`, `max`, `first`, `last` in the `Double` arrays; integer series
/// in the `Int64` arrays (integer sums stay exact, wrapping like the raw `sum()`); the other
/// arrays stay empty.
public struct RollupColumns: Sendable {
    /// The raw series' type: `.float` or `.integer`.
    public let type: ValueType
    /// Bucket start times.
    public var starts: [Int64] = []
    /// Samples per bucket (≥ 1).
    public var counts: [Int64] = []
    /// Offsets of the bucket's first and last sample from its start, in nanoseconds.
    public var firstTimes: [Int64] = []
    public var lastTimes: [Int64] = []
    public var sums: [Double] = [], mins: [Double] = [], maxs: [Double] = [], firsts: [Double] = [], lasts: [Double] = []
    public var isums: [Int64] = [], imins: [Int64] = [], imaxs: [Int64] = [], ifirsts: [Int64] = [], ilasts: [Int64] = []
    /// Reset-aware increase: the sum of the deltas whose later sample lies in the bucket; after a
    /// decrease the new value counts from zero. The delta into the bucket's first sample uses the
    /// sample before it, wherever that is.
    public var increases: [Double] = []

    public init(type: ValueType) {
        precondition(type == .float || type == .integer, "rollups keep float and integer series")
        self.type = type
    }

    public var count: Int { starts.count }
    public var isEmpty: Bool { starts.isEmpty }

    /// The statistics that hold values of the series' type.
    public enum Stat: Sendable, CaseIterable { case sum, min, max, first, last }

    /// One value statistic of bucket `i`, in the series' type.
    public func value(_ stat: Stat, _ i: Int) -> Value {
        if type == .float {
            switch stat {
            case .sum: return .float(sums[i])
            case .min: return .float(mins[i])
            case .max: return .float(maxs[i])
            case .first: return .float(firsts[i])
            case .last: return .float(lasts[i])
            }
        }
        switch stat {
        case .sum: return .integer(isums[i])
        case .min: return .integer(imins[i])
        case .max: return .integer(imaxs[i])
        case .first: return .integer(ifirsts[i])
        case .last: return .integer(ilasts[i])
        }
    }

    /// Appends bucket `i` of `other` (same type).
    public mutating func append(from other: RollupColumns, at i: Int) {
        append(from: other, range: i..<(i + 1))
    }

    /// Appends buckets `r` of `other` (same type), whose starts follow this one's last.
    public mutating func append(from other: RollupColumns, range r: Range<Int>) {
        starts.append(contentsOf: other.starts[r])
        counts.append(contentsOf: other.counts[r])
        firstTimes.append(contentsOf: other.firstTimes[r])
        lastTimes.append(contentsOf: other.lastTimes[r])
        increases.append(contentsOf: other.increases[r])
        if type == .float {
            sums.append(contentsOf: other.sums[r]); mins.append(contentsOf: other.mins[r]); maxs.append(contentsOf: other.maxs[r])
            firsts.append(contentsOf: other.firsts[r]); lasts.append(contentsOf: other.lasts[r])
        } else {
            isums.append(contentsOf: other.isums[r]); imins.append(contentsOf: other.imins[r]); imaxs.append(contentsOf: other.imaxs[r])
            ifirsts.append(contentsOf: other.ifirsts[r]); ilasts.append(contentsOf: other.ilasts[r])
        }
    }

    /// The buckets whose start lies in `range`.
    public func clipped(_ range: TimeRange) -> RollupColumns {
        guard let f = starts.first, let l = starts.last else { return self }
        if f >= range.min && l <= range.max { return self }
        let lo = lowerBound(starts, range.min), hi = upperBound(starts, range.max)
        var out = RollupColumns(type: type)
        if lo < hi { out.append(from: self, range: lo..<hi) }
        return out
    }

    /// These buckets without those whose start lies in one of `ranges`.
    func removing(_ ranges: [TimeRange]) -> RollupColumns {
        var out = RollupColumns(type: type)
        var i = 0
        while i < count {
            if ranges.contains(where: { $0.contains(starts[i]) }) { i += 1; continue }
            var j = i + 1
            while j < count && !ranges.contains(where: { $0.contains(starts[j]) }) { j += 1 }
            out.append(from: self, range: i..<j)
            i = j
        }
        return out
    }

    /// Merges bucket columns of one series from several sources; for a bucket present in several,
    /// the source with the highest precedence wins (a recomputation replaces the whole bucket).
    static func merge(_ inputs: [(precedence: UInt64, columns: RollupColumns)], type: ValueType) -> RollupColumns {
        var order: [(t: Int64, p: UInt64, src: Int, idx: Int)] = []
        order.reserveCapacity(inputs.reduce(0) { $0 + $1.columns.count })
        for (s, input) in inputs.enumerated() {
            for (k, t) in input.columns.starts.enumerated() { order.append((t, input.precedence, s, k)) }
        }
        order.sort { $0.t < $1.t || ($0.t == $1.t && $0.p > $1.p) }
        var out = RollupColumns(type: type)
        var last: Int64? = nil
        for o in order where o.t != last {
            last = o.t
            out.append(from: inputs[o.src].columns, at: o.idx)
        }
        return out
    }

    /// The buckets of a coarser level (`width`, a multiple of this level's width) built from
    /// these: counts, sums and increases add up, min and max combine, first and last come from
    /// the earliest and latest fine bucket. Exact for everything but float sums and increases,
    /// whose additions happen in a different order than over the raw samples.
    func coarsened(width: Int64) -> RollupColumns {
        var out = RollupColumns(type: type)
        var i = 0
        while i < count {
            let b = alignDown(starts[i], width)
            var j = i + 1
            while j < count && starts[j] < b &+ width { j += 1 }
            out.starts.append(b)
            var n: Int64 = 0
            var inc = 0.0
            for k in i..<j { n += counts[k]; inc += increases[k] }
            out.counts.append(n)
            out.increases.append(inc)
            out.firstTimes.append(starts[i] - b + firstTimes[i])
            out.lastTimes.append(starts[j - 1] - b + lastTimes[j - 1])
            if type == .float {
                var s = 0.0, lo = mins[i], hi = maxs[i]
                for k in i..<j {
                    s += sums[k]
                    if mins[k] < lo { lo = mins[k] }
                    if maxs[k] > hi { hi = maxs[k] }
                }
                out.sums.append(s); out.mins.append(lo); out.maxs.append(hi)
                out.firsts.append(firsts[i]); out.lasts.append(lasts[j - 1])
            } else {
                var s: Int64 = 0, lo = imins[i], hi = imaxs[i]
                for k in i..<j {
                    s &+= isums[k]
                    lo = Swift.min(lo, imins[k])
                    hi = Swift.max(hi, imaxs[k])
                }
                out.isums.append(s); out.imins.append(lo); out.imaxs.append(hi)
                out.ifirsts.append(ifirsts[i]); out.ilasts.append(ilasts[j - 1])
            }
            i = j
        }
        return out
    }
}

/// Accumulates the buckets of one level for one series from its samples in time order.
struct RollupBuilder {
    let width: Int64
    private(set) var columns: RollupColumns

    init(width: Int64, type: ValueType) {
        self.width = width
        columns = RollupColumns(type: type)
    }

    var isEmpty: Bool { columns.isEmpty }

    private mutating func open(_ b: Int64, _ t: Int64) {
        columns.starts.append(b)
        columns.counts.append(0)
        columns.firstTimes.append(t - b)
        columns.lastTimes.append(t - b)
        columns.increases.append(0)
    }

    /// Adds one sample; `previous` is the value of the sample before it (nil for none).
    mutating func add(_ t: Int64, float v: Double, previous: Double?) {
        let b = alignDown(t, width)
        if columns.starts.last != b {
            open(b, t)
            columns.sums.append(0); columns.mins.append(.infinity); columns.maxs.append(-.infinity); columns.firsts.append(v); columns.lasts.append(v)
        }
        let k = columns.starts.count - 1
        columns.counts[k] += 1
        columns.sums[k] += v
        if v < columns.mins[k] { columns.mins[k] = v }
        if v > columns.maxs[k] { columns.maxs[k] = v }
        columns.lasts[k] = v
        columns.lastTimes[k] = t - b
        if let p = previous { columns.increases[k] += v >= p ? v - p : v }
    }

    mutating func add(_ t: Int64, integer v: Int64, previous: Double?) {
        let b = alignDown(t, width)
        if columns.starts.last != b {
            open(b, t)
            columns.isums.append(0); columns.imins.append(v); columns.imaxs.append(v); columns.ifirsts.append(v); columns.ilasts.append(v)
        }
        let k = columns.starts.count - 1
        columns.counts[k] += 1
        columns.isums[k] &+= v
        if v < columns.imins[k] { columns.imins[k] = v }
        if v > columns.imaxs[k] { columns.imaxs[k] = v }
        columns.ilasts[k] = v
        columns.lastTimes[k] = t - b
        let d = Double(v)
        if let p = previous { columns.increases[k] += d >= p ? d - p : d }
    }
}
