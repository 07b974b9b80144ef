import TSSupport
/// The statistics one rollup bucket keeps. Each is stored as a pseudo-series of the level
/// database whose field is `<field>\0<stat>` (docs/rollups.md), one sample per non-empty bucket at
/// the bucket's start time.
public enum RollupStat: String, CaseIterable, Sendable {
    /// Number of samples (integer).
    case count
    /// Sum, minimum, maximum, first and last value (the raw series' type: float or integer).
    case sum, min, max, first, last
    /// Offsets of the first and last sample from the bucket start, in nanoseconds (integer).
    case firstTime = "first_time", lastTime = "last_time"
    /// Reset-aware increase (float): the sum of the deltas whose later sample is in the bucket,
    /// where after a decrease the new value counts from zero. The delta into a bucket's first
    /// sample uses the sample before it, wherever that is.
    case increase

    func type(raw: ValueType) -> ValueType {
        switch self {
        case .count, .firstTime, .lastTime: .integer
        case .increase: .float
        case .sum, .min, .max, .first, .last: raw
        }
    }

    /// The level-database field of this statistic of raw field `field`.
    public func field(_ field: String) -> String { field + "\u{0}" + rawValue }
}

/// Accumulates the buckets of one level for one series from its samples in time order.
struct RollupBuilder {
    let width: Int64
    let type: ValueType
    private(set) var starts: [Int64] = []
    private(set) var counts: [Int64] = []
    private(set) var sums: [Double] = [], isums: [Int64] = []
    private(set) var mins: [Double] = [], maxs: [Double] = [], firsts: [Double] = [], lasts: [Double] = []
    private(set) var imins: [Int64] = [], imaxs: [Int64] = [], ifirsts: [Int64] = [], ilasts: [Int64] = []
    private(set) var firstTimes: [Int64] = [], lastTimes: [Int64] = []
    private(set) var increases: [Double] = []

    init(width: Int64, type: ValueType) {
        precondition(type == .float || type == .integer)
        self.width = width
        self.type = type
    }

    private mutating func open(_ b: Int64, _ t: Int64) {
        starts.append(b)
        counts.append(0)
        firstTimes.append(t - b)
        lastTimes.append(t - b)
        increases.append(0)
        if type == .float {
            sums.append(0); mins.append(.infinity); maxs.append(-.infinity); firsts.append(0); lasts.append(0)
        } else {
            isums.append(0); imins.append(.max); imaxs.append(.min); ifirsts.append(0); ilasts.append(0)
        }
    }

    /// Adds one sample; `previous` is the value of the sample before it (nil for none).
    mutating func add(_ t: Int64, float v: Double, previous: Double?) {
        let b = alignDown(t, width)
        if starts.last != b { open(b, t); firsts[firsts.count - 1] = v }
        let k = starts.count - 1
        counts[k] += 1
        sums[k] += v
        if v < mins[k] { mins[k] = v }
        if v > maxs[k] { maxs[k] = v }
        lasts[k] = v
        lastTimes[k] = t - b
        if let p = previous { increases[k] += v >= p ? v - p : v }
    }

    mutating func add(_ t: Int64, integer v: Int64, previous: Double?) {
        let b = alignDown(t, width)
        if starts.last != b { open(b, t); ifirsts[ifirsts.count - 1] = v }
        let k = starts.count - 1
        counts[k] += 1
        isums[k] &+= v
        if v < imins[k] { imins[k] = v }
        if v > imaxs[k] { imaxs[k] = v }
        ilasts[k] = v
        lastTimes[k] = t - b
        let d = Double(v)
        if let p = previous { increases[k] += d >= p ? d - p : d }
    }

    var isEmpty: Bool { starts.isEmpty }

    /// The column of one statistic, one sample per bucket.
    func columns(_ stat: RollupStat) -> SampleColumns {
        let values: ColumnValues
        switch (stat, type) {
        case (.count, _): values = .integer(counts)
        case (.firstTime, _): values = .integer(firstTimes)
        case (.lastTime, _): values = .integer(lastTimes)
        case (.increase, _): values = .float(increases)
        case (.sum, .float): values = .float(sums)
        case (.min, .float): values = .float(mins)
        case (.max, .float): values = .float(maxs)
        case (.first, .float): values = .float(firsts)
        case (.last, .float): values = .float(lasts)
        case (.sum, _): values = .integer(isums)
        case (.min, _): values = .integer(imins)
        case (.max, _): values = .integer(imaxs)
        case (.first, _): values = .integer(ifirsts)
        case (.last, _): values = .integer(ilasts)
        }
        return SampleColumns(timestamps: starts, values: values)
    }
}
