import InfluxQL
import TSEngine

/// The functions that reduce the points of a bucket to one value (or, for top/bottom, to N).
enum AggKind: Equatable {
    case count, sum, mean, min, max, first, last, median, stddev, spread
    case percentile(Double)
    case top(Int), bottom(Int)
    /// Reset-aware counter increase: the sum of per-interval deltas, where after a decrease the
    /// new value counts from zero. Each delta belongs to the bucket of its later sample.
    case increase
    /// `increase` divided by the bucket width in `unit` nanoseconds.
    case rate(unit: Int64)
    /// Sum of per-interval deltas without reset handling (for gauges: last minus the value before the bucket).
    case delta

    static let names: Set<String> = [
        "count", "sum", "mean", "min", "max", "first", "last", "median", "stddev", "spread", "percentile",
        "top", "bottom", "increase", "rate", "delta",
    ]

    /// Selectors return one of the input points and, alone in a query without GROUP BY time,
    /// that point's time.
    var isSelector: Bool {
        switch self {
        case .min, .max, .first, .last, .percentile, .top, .bottom: true
        default: false
        }
    }

    /// Whether each series needs the sample before the range (counter functions).
    var needsPrevious: Bool {
        switch self {
        case .increase, .rate, .delta: true
        default: false
        }
    }

    var keepsValues: Bool {
        switch self {
        case .median, .stddev, .percentile, .top, .bottom: true
        default: false
        }
    }
}

/// The running state of one aggregate over one bucket.
struct AggState {
    var count = 0
    var sum = 0.0
    var isum: Int64 = 0
    /// The selected value and its time for min/max/first/last.
    var pick: QValue = .null
    var pickT: Int64 = 0
    var pickD = 0.0
    /// Index (in the aggregator's input order) of the series the pick came from.
    var pickSeries = -1
    var lo = Double.infinity, hi = -Double.infinity
    var ilo = Int64.max, ihi = Int64.min
    var values: [Double] = []
    var times: [Int64] = []
    var series: [Int32] = []
    /// Counter functions: accumulated deltas and whether any delta was seen.
    var inc = 0.0
    var deltas = 0
}

extension AggState {
    /// Folds in the state of the same bucket computed over later series (in key order), as if
    /// those series had been fed after ours.
    mutating func merge(_ o: AggState, _ kind: AggKind) {
        guard o.count > 0 else { return }
        if count == 0 {
            let c = count
            self = o
            count += c
            return
        }
        switch kind {
        case .count: break
        case .sum, .mean:
            sum += o.sum
            isum &+= o.isum
        case .min:
            if o.pickD < pickD || (o.pickD == pickD && o.pickT < pickT) { pick = o.pick; pickD = o.pickD; pickT = o.pickT; pickSeries = o.pickSeries }
        case .max:
            if o.pickD > pickD || (o.pickD == pickD && o.pickT < pickT) { pick = o.pick; pickD = o.pickD; pickT = o.pickT; pickSeries = o.pickSeries }
        case .first:
            if o.pickT < pickT || (o.pickT == pickT && o.pick == .boolean(false) && pick == .boolean(true)) {
                pick = o.pick; pickD = o.pickD; pickT = o.pickT; pickSeries = o.pickSeries
            }
        case .last:
            if o.pickT > pickT || (o.pickT == pickT && o.pick == .boolean(true) && pick == .boolean(false)) {
                pick = o.pick; pickD = o.pickD; pickT = o.pickT; pickSeries = o.pickSeries
            }
        case .spread:
            lo = Swift.min(lo, o.lo); hi = Swift.max(hi, o.hi)
            ilo = Swift.min(ilo, o.ilo); ihi = Swift.max(ihi, o.ihi)
        case .median, .stddev, .percentile, .top, .bottom:
            values += o.values
            times += o.times
            series += o.series
        case .increase, .rate, .delta:
            inc += o.inc
            deltas += o.deltas
        }
        count += o.count
    }
}

/// One aggregate over dense time buckets, fed series by series.
struct BucketAggregator {
    let kind: AggKind
    let buckets: Buckets
    var states: [AggState]
    /// The value type of the inputs (integers keep integer sums, minima and maxima).
    var inputType: ValueType?
    /// Which input series is being fed (selectors remember where their point came from).
    var currentSeries = 0

    init(kind: AggKind, buckets: Buckets) {
        self.kind = kind
        self.buckets = buckets
        states = Array(repeating: AggState(), count: buckets.count)
    }

    mutating func add(_ cols: SampleColumns, previous: inout Double?) throws {
        if inputType == nil { inputType = cols.values.type }
        let ts = cols.timestamps
        switch cols.values {
        case .float(let vs):
            if addFloatsFast(ts, vs, previous: &previous) { return }
            for i in 0..<ts.count { addDouble(ts[i], vs[i], .float(vs[i]), previous: &previous) }
        case .integer(let vs):
            for i in 0..<ts.count { addInt(ts[i], vs[i], previous: &previous) }
        case .unsigned(let vs):
            for i in 0..<ts.count { addDouble(ts[i], Double(vs[i]), .unsigned(vs[i]), previous: &previous) }
        case .boolean(let vs):
            try requireNonNumeric(.boolean)
            for i in 0..<ts.count { addOther(ts[i], .boolean(vs[i])) }
        case .string(let vs):
            try requireNonNumeric(.string)
            for i in 0..<ts.count { addOther(ts[i], .string(vs[i])) }
        }
    }

    /// Column-at-a-time loops for the common functions over floats (the kind is switched on once,
    /// not per sample). Returns false when the kind has no fast path.
    private mutating func addFloatsFast(_ ts: [Int64], _ vs: [Double], previous: inout Double?) -> Bool {
        let n = ts.count
        let bk = buckets
        switch kind {
        case .count:
            states.withUnsafeMutableBufferPointer { st in
                for i in 0..<n { st[bk.index(ts[i])].count += 1 }
            }
        case .sum, .mean:
            states.withUnsafeMutableBufferPointer { st in
                for i in 0..<n {
                    let b = bk.index(ts[i])
                    st[b].count += 1
                    st[b].sum += vs[i]
                }
            }
        case .increase, .rate, .delta:
            let resets = kind != .delta
            var prev = previous
            states.withUnsafeMutableBufferPointer { st in
                for i in 0..<n {
                    let b = bk.index(ts[i])
                    let v = vs[i]
                    st[b].count += 1
                    if let p = prev {
                        var d = v - p
                        if d < 0 && resets { d = v }
                        st[b].inc += d
                        st[b].deltas += 1
                    }
                    prev = v
                }
            }
            previous = prev
        default:
            return false
        }
        return true
    }

    private func requireNonNumeric(_ t: ValueType) throws {
        switch kind {
        case .count, .first, .last: return
        default: throw QueryError("unsupported \(t) field for function \(name)")
        }
    }

    var name: String {
        switch kind {
        case .percentile: "percentile"
        case .top: "top"
        case .bottom: "bottom"
        case .rate: "rate"
        default: "\(kind)"
        }
    }

    @inline(__always)
    private mutating func addDouble(_ t: Int64, _ v: Double, _ q: @autoclosure () -> QValue, previous: inout Double?) {
        let b = buckets.index(t)
        switch kind {
        case .count:
            states[b].count += 1
        case .sum, .mean:
            states[b].count += 1
            states[b].sum += v
        case .min:
            if states[b].count == 0 || v < states[b].pickD || (v == states[b].pickD && t < states[b].pickT) {
                states[b].pickD = v; states[b].pickT = t; states[b].pick = q(); states[b].pickSeries = currentSeries
            }
            states[b].count += 1
        case .max:
            if states[b].count == 0 || v > states[b].pickD || (v == states[b].pickD && t < states[b].pickT) {
                states[b].pickD = v; states[b].pickT = t; states[b].pick = q(); states[b].pickSeries = currentSeries
            }
            states[b].count += 1
        case .first:
            // Equal times (several series in a group): the series first in key order wins, as
            // in InfluxDB (series are fed in key order).
            if states[b].count == 0 || t < states[b].pickT {
                states[b].pickT = t; states[b].pickD = v; states[b].pick = q(); states[b].pickSeries = currentSeries
            }
            states[b].count += 1
        case .last:
            if states[b].count == 0 || t > states[b].pickT {
                states[b].pickT = t; states[b].pickD = v; states[b].pick = q(); states[b].pickSeries = currentSeries
            }
            states[b].count += 1
        case .spread:
            states[b].count += 1
            states[b].lo = Swift.min(states[b].lo, v)
            states[b].hi = Swift.max(states[b].hi, v)
        case .median, .stddev, .percentile, .top, .bottom:
            states[b].count += 1
            states[b].values.append(v)
            states[b].times.append(t)
            states[b].series.append(Int32(currentSeries))
        case .increase, .rate, .delta:
            states[b].count += 1
            if let p = previous {
                var d = v - p
                if d < 0 && kind != .delta { d = v }
                states[b].inc += d
                states[b].deltas += 1
            }
            previous = v
        }
    }

    private mutating func addInt(_ t: Int64, _ v: Int64, previous: inout Double?) {
        let b = buckets.index(t)
        switch kind {
        case .sum:
            states[b].isum &+= v
            states[b].count += 1
            states[b].sum += Double(v)
        case .spread:
            states[b].count += 1
            states[b].ilo = Swift.min(states[b].ilo, v)
            states[b].ihi = Swift.max(states[b].ihi, v)
        default:
            addDouble(t, Double(v), .integer(v), previous: &previous)
        }
    }

    private mutating func addOther(_ t: Int64, _ q: QValue) {
        let b = buckets.index(t)
        switch kind {
        case .first:
            // Booleans at equal times: false wins first(), true wins last() (InfluxDB's reducers).
            if states[b].count == 0 || t < states[b].pickT || (t == states[b].pickT && q == .boolean(false) && states[b].pick == .boolean(true)) {
                states[b].pickT = t; states[b].pick = q; states[b].pickSeries = currentSeries
            }
        case .last:
            if states[b].count == 0 || t > states[b].pickT || (t == states[b].pickT && q == .boolean(true) && states[b].pick == .boolean(false)) {
                states[b].pickT = t; states[b].pick = q; states[b].pickSeries = currentSeries
            }
        default: break
        }
        states[b].count += 1
    }

    /// Folds in an aggregator fed with later series (see `AggState.merge`).
    mutating func merge(_ o: BucketAggregator) {
        if inputType == nil { inputType = o.inputType }
        for b in states.indices { states[b].merge(o.states[b], kind) }
    }

    /// The result of bucket `b` and, for selectors, the selected point's time.
    func result(_ b: Int) -> (QValue, Int64?) {
        let s = states[b]
        let isInt = inputType == .integer
        switch kind {
        case .count:
            return (s.count == 0 ? .null : .integer(Int64(s.count)), nil)
        case .sum:
            if s.count == 0 { return (.null, nil) }
            return (isInt ? .integer(s.isum) : .float(s.sum), nil)
        case .mean:
            return (s.count == 0 ? .null : .float(s.sum / Double(s.count)), nil)
        case .min, .max, .first, .last:
            return (s.count == 0 ? .null : s.pick, s.count == 0 ? nil : s.pickT)
        case .spread:
            if s.count == 0 { return (.null, nil) }
            return (isInt ? .integer(s.ihi &- s.ilo) : .float(s.hi - s.lo), nil)
        case .median:
            if s.values.isEmpty { return (.null, nil) }
            let v = s.values.sorted()
            let n = v.count
            return (.float(n % 2 == 1 ? v[n / 2] : v[n / 2 - 1] + (v[n / 2] - v[n / 2 - 1]) / 2), nil)
        case .stddev:
            if s.values.count < 2 { return (.null, nil) }
            let mean = s.values.reduce(0, +) / Double(s.values.count)
            let ss = s.values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            return (.float((ss / Double(s.values.count - 1)).squareRoot()), nil)
        case .percentile(let p):
            if s.values.isEmpty { return (.null, nil) }
            let order = s.values.indices.sorted { s.values[$0] < s.values[$1] || (s.values[$0] == s.values[$1] && s.times[$0] < s.times[$1]) }
            let i = Int((Double(order.count) * p / 100 + 0.5).rounded(.down)) - 1
            guard i >= 0 && i < order.count else { return (.null, nil) }
            let v = s.values[order[i]]
            return (isInt ? .integer(Int64(v)) : .float(v), s.times[order[i]])
        case .increase, .delta:
            return (s.count == 0 ? .null : .float(s.inc), nil)
        case .rate(let unit):
            return (s.count == 0 ? .null : .float(s.inc / (Double(buckets.width(b)) / Double(unit))), nil)
        case .top, .bottom:
            return (.null, nil)
        }
    }

    /// The input series the selected point of bucket `b` came from (-1: none).
    func selectedSeries(_ b: Int) -> Int {
        let s = states[b]
        if case .percentile(let p) = kind, !s.values.isEmpty {
            let order = s.values.indices.sorted { s.values[$0] < s.values[$1] || (s.values[$0] == s.values[$1] && s.times[$0] < s.times[$1]) }
            let i = Int((Double(order.count) * p / 100 + 0.5).rounded(.down)) - 1
            return i >= 0 && i < order.count ? Int(s.series[order[i]]) : -1
        }
        return s.pickSeries
    }

    /// top/bottom: the N chosen points of bucket `b` (with their series), in time order. With
    /// `distinct`, first the best point of each distinct value of it (a tag), then the N best.
    func points(_ b: Int, distinct: ((Int) -> String)? = nil) -> [(Int64, QValue, Int)] {
        switch kind {
        case .top(let n): choose(states[b], n, descending: true, distinct: distinct)
        case .bottom(let n): choose(states[b], n, descending: false, distinct: distinct)
        default: []
        }
    }

    private func choose(_ s: AggState, _ n: Int, descending: Bool, distinct: ((Int) -> String)?) -> [(Int64, QValue, Int)] {
        let isInt = inputType == .integer
        var order = s.values.indices.sorted {
            let a = s.values[$0], b = s.values[$1]
            if a != b { return descending ? a > b : a < b }
            return s.times[$0] < s.times[$1]
        }
        if let key = distinct {
            var seen: Set<String> = []
            order = order.filter { seen.insert(key(Int(s.series[$0]))).inserted }
        }
        return order.prefix(n).sorted { s.times[$0] < s.times[$1] }.map {
            (s.times[$0], isInt ? .integer(Int64(s.values[$0])) : .float(s.values[$0]), Int(s.series[$0]))
        }
    }
}

/// Dense time buckets of `GROUP BY time(interval, offset)` over a range, or one bucket
/// spanning the whole range when there is no GROUP BY time.
struct Buckets {
    let start: Int64
    let interval: Int64
    let count: Int
    let range: TimeRange

    init(range: TimeRange, interval: Int64?, offset: Int64, maxBuckets: Int) throws {
        self.range = range
        guard let interval, interval > 0 else {
            start = range.min == .min ? 0 : range.min
            self.interval = 0
            count = 1
            return
        }
        self.interval = interval
        start = Buckets.floor(range.min, interval, offset)
        let last = Buckets.floor(range.max, interval, offset)
        let n = (last - start) / interval + 1
        guard n > 0, n <= Int64(maxBuckets) else {
            throw QueryError("max-select-buckets limit exceeded: (\(n)/\(maxBuckets))")
        }
        count = Int(n)
    }

    static func floor(_ t: Int64, _ interval: Int64, _ offset: Int64) -> Int64 {
        alignDown(t &- offset, interval) &+ offset
    }

    @inline(__always)
    func index(_ t: Int64) -> Int {
        interval == 0 ? 0 : Int((t &- start) / interval)
    }

    func time(_ b: Int) -> Int64 { interval == 0 ? start : start + Int64(b) * interval }

    /// The width a rate divides by: the interval, or the queried range (or 1 s when unbounded).
    func width(_ b: Int) -> Int64 {
        if interval > 0 { return interval }
        if range.min == .min || range.max == .max { return 1_000_000_000 }
        return Swift.max(1, range.max &- range.min &+ 1)
    }
}
