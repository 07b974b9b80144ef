import InfluxQL
import TSEngine

/// Which storage level answers a query (`level=` in the native API).
public enum LevelChoice: Sendable, Equatable {
    /// The planner's choice: the coarsest usable rollup level, else raw.
    case auto
    case raw
    /// A named rollup level; a statement it cannot answer fails.
    case named(String)

    public init?(_ s: String?) {
        switch s ?? "auto" {
        case "", "auto": self = .auto
        case "raw": self = .raw
        case let n: self = .named(n)
        }
    }
}

/// A rollup level serving the interior of a query's range: `[interior.min, interior.max]` is
/// whole level buckets that are complete; the edges before and after are read raw.
struct RollupPlan {
    let level: RollupLevel
    let interior: TimeRange

    /// The functions a rollup bucket can answer exactly.
    static func answerable(_ kind: AggKind) -> Bool {
        switch kind {
        case .count, .sum, .mean, .min, .max, .first, .last, .spread, .increase, .rate: true
        default: false
        }
    }

    /// Chooses a level for one measurement's SELECT, or nil for raw data.
    static func choose(_ engine: Engine, db: String, measurement: String, stmt: SelectStatement, columns: Columns,
                       fieldTypes: [String: ValueType], range: TimeRange, choice: LevelChoice, now: Int64) throws -> RollupPlan? {
        if choice == .raw { return nil }
        func refuse(_ why: String) throws -> RollupPlan? {
            if case .named(let n) = choice { throw QueryError("level \(n) cannot answer this statement: \(why)") }
            return nil
        }
        var kinds: [AggKind] = []
        for c in columns.items { try c.expr.collectAggregates(&kinds) }
        // Without GROUP BY time the whole range is one bucket, which any level's whole buckets
        // can fill; but a lone min()/max() reports its point's time, which levels do not keep.
        let g = stmt.groupByTime ?? GroupByTime(interval: .max, offset: 0)
        if stmt.groupByTime == nil && columns.items.count == 1, kinds.count == 1, kinds[0] == .min || kinds[0] == .max {
            return try refuse("a lone min() or max() reports its point's time")
        }
        guard kinds.allSatisfy(answerable) else { return try refuse("median, percentile, stddev, top, bottom and delta need raw data") }
        for f in columns.fieldRefs(fieldTypes, tags: []) where fieldTypes[f] != .float && fieldTypes[f] != .integer {
            return try refuse("field \(f) is neither float nor integer")
        }
        let info = try engine.rollupLevels(db, measurement: measurement)
        var candidates = info.levels.filter {
            stmt.groupByTime == nil || (g.interval % $0.width == 0 && ((g.offset % $0.width) + $0.width) % $0.width == 0)
        }
        if case .named(let n) = choice {
            guard let l = info.levels.first(where: { $0.name == n }) else { throw QueryError("unknown level \(n) for measurement \(measurement)") }
            guard candidates.contains(l) else { throw QueryError("level \(n) cannot answer GROUP BY time(\(InfluxQLDuration.format(g.interval))): not a multiple") }
            candidates = [l]
        }
        // The coarsest level whose retention covers the range; else the one keeping the most.
        let covering = candidates.filter { l in info.retention[l.name].map { range.min >= now &- $0 } ?? true }
        guard let level = covering.last ?? candidates.max(by: { (info.retention[$0.name] ?? .max) < (info.retention[$1.name] ?? .max) }) else {
            return try refuse("no level divides the interval")
        }
        let w = level.width
        let a = range.min == .min ? Int64.min : ceil(range.min, w)
        let endExclusive = Swift.min(range.max == .max ? Int64.max : range.max + 1, info.completeBefore)
        let b = endExclusive == .max ? Int64.max : alignDown(endExclusive, w)
        guard a != .min, b != .max, a < b else { return try refuse("no complete level bucket in the range") }
        return RollupPlan(level: level, interior: TimeRange(min: a, max: b - 1))
    }

    private static func ceil(_ t: Int64, _ w: Int64) -> Int64 {
        let f = alignDown(t, w)
        return f == t ? t : f + w
    }
}

extension Expr {
    func collectAggregates(_ out: inout [AggKind]) throws {
        switch self {
        case .call(let n, let args) where AggKind.names.contains(n): out.append(try AggKind.parse(n, args))
        case .call(_, let args): for a in args { try a.collectAggregates(&out) }
        case .binary(_, let a, let b): try a.collectAggregates(&out); try b.collectAggregates(&out)
        default: break
        }
    }
}

/// One rollup bucket's statistics, as read from the level database.
struct RollupRow {
    var count: Int64 = 0
    var sum: QValue = .null
    var min: QValue = .null
    var max: QValue = .null
    var first: QValue = .null
    var firstTime: Int64 = 0
    var last: QValue = .null
    var lastTime: Int64 = 0
    var increase = 0.0
}

extension AggKind {
    /// The statistics this function reads from a rollup level (count always, for emptiness).
    var rollupStats: [RollupStat] {
        switch self {
        case .sum, .mean: [.count, .sum]
        case .min: [.count, .min]
        case .max: [.count, .max]
        case .spread: [.count, .min, .max]
        case .first: [.count, .first, .firstTime]
        case .last: [.count, .last, .lastTime]
        case .increase, .rate: [.count, .increase]
        default: [.count]
        }
    }
}

extension BucketAggregator {
    /// Merges one rollup bucket starting at `t` into the query bucket that contains it.
    mutating func addRollup(_ t: Int64, _ r: RollupRow, type: ValueType) {
        if inputType == nil { inputType = type }
        guard r.count > 0 else { return }
        let b = buckets.index(t)
        let c = Int(r.count)
        switch kind {
        case .count:
            states[b].count += c
        case .sum, .mean:
            states[b].count += c
            if case .integer(let i) = r.sum { states[b].isum &+= i }
            states[b].sum += r.sum.double ?? 0
        case .min:
            let v = r.min.double ?? .nan
            if states[b].count == 0 || v < states[b].pickD { states[b].pickD = v; states[b].pickT = t; states[b].pick = r.min; states[b].pickSeries = currentSeries }
            states[b].count += c
        case .max:
            let v = r.max.double ?? .nan
            if states[b].count == 0 || v > states[b].pickD { states[b].pickD = v; states[b].pickT = t; states[b].pick = r.max; states[b].pickSeries = currentSeries }
            states[b].count += c
        case .first:
            let ft = t + r.firstTime, v = r.first.double ?? .nan
            if states[b].count == 0 || ft < states[b].pickT {
                states[b].pickT = ft; states[b].pickD = v; states[b].pick = r.first; states[b].pickSeries = currentSeries
            }
            states[b].count += c
        case .last:
            let lt = t + r.lastTime, v = r.last.double ?? .nan
            if states[b].count == 0 || lt > states[b].pickT {
                states[b].pickT = lt; states[b].pickD = v; states[b].pick = r.last; states[b].pickSeries = currentSeries
            }
            states[b].count += c
        case .spread:
            states[b].count += c
            if case .integer(let lo) = r.min, case .integer(let hi) = r.max {
                states[b].ilo = Swift.min(states[b].ilo, lo)
                states[b].ihi = Swift.max(states[b].ihi, hi)
            } else {
                states[b].lo = Swift.min(states[b].lo, r.min.double ?? .infinity)
                states[b].hi = Swift.max(states[b].hi, r.max.double ?? -.infinity)
            }
        case .increase, .rate:
            states[b].count += c
            states[b].inc += r.increase
        default:
            break
        }
    }
}
