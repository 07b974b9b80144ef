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

extension BucketAggregator {
    /// Merges rollup bucket `i` of `r` into the query bucket that contains its start.
    mutating func addRollup(_ r: RollupColumns, _ i: Int, type: ValueType) {
        if inputType == nil { inputType = type }
        let t = r.starts[i]
        let b = buckets.index(t)
        let c = Int(r.counts[i])
        switch kind {
        case .count:
            states[b].count += c
        case .sum, .mean:
            states[b].count += c
            if r.type == .integer {
                states[b].isum &+= r.isums[i]
                states[b].sum += Double(r.isums[i])
            } else {
                states[b].sum += r.sums[i]
            }
        case .min:
            let q = QValue(r.value(.min, i)), v = q.double ?? .nan
            if states[b].count == 0 || v < states[b].pickD { states[b].pickD = v; states[b].pickT = t; states[b].pick = q; states[b].pickSeries = currentSeries }
            states[b].count += c
        case .max:
            let q = QValue(r.value(.max, i)), v = q.double ?? .nan
            if states[b].count == 0 || v > states[b].pickD { states[b].pickD = v; states[b].pickT = t; states[b].pick = q; states[b].pickSeries = currentSeries }
            states[b].count += c
        case .first:
            let ft = t + r.firstTimes[i], q = QValue(r.value(.first, i)), v = q.double ?? .nan
            if states[b].count == 0 || ft < states[b].pickT {
                states[b].pickT = ft; states[b].pickD = v; states[b].pick = q; states[b].pickSeries = currentSeries
            }
            states[b].count += c
        case .last:
            let lt = t + r.lastTimes[i], q = QValue(r.value(.last, i)), v = q.double ?? .nan
            if states[b].count == 0 || lt > states[b].pickT {
                states[b].pickT = lt; states[b].pickD = v; states[b].pick = q; states[b].pickSeries = currentSeries
            }
            states[b].count += c
        case .spread:
            states[b].count += c
            if r.type == .integer {
                states[b].ilo = Swift.min(states[b].ilo, r.imins[i])
                states[b].ihi = Swift.max(states[b].ihi, r.imaxs[i])
            } else {
                states[b].lo = Swift.min(states[b].lo, r.mins[i])
                states[b].hi = Swift.max(states[b].hi, r.maxs[i])
            }
        case .increase, .rate:
            states[b].count += c
            states[b].inc += r.increases[i]
        default:
            break
        }
    }
}
