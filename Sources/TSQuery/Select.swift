import InfluxQL
import TSEngine

/// Executes one SELECT statement against one database.
///
/// Plan: resolve the FROM sources to measurements; split WHERE into a time range and a tag
/// predicate; pick the series of every referenced field through the tag index; group them by
/// the GROUP BY tags; then either
/// - **aggregate mode** (any field holds an aggregate): feed each series' samples, decoded
///   chunk by chunk from the mmap'd segments and the head, into dense per-bucket states, so
///   memory is bounded by buckets × groups, not by points; or
/// - **raw mode**: read each tag set's fields and join them on time.
struct SelectExecutor {
    let engine: Engine
    let defaultDatabase: String?
    let stmt: SelectStatement
    let options: QueryOptions

    func run() throws -> [ResultSeries] {
        if let tz = stmt.timezone, !["UTC", "Etc/UTC", "Z"].contains(tz) {
            throw QueryError("tz('\(tz)') is not supported: buckets are aligned in UTC")
        }
        var out: [ResultSeries] = []
        for (db, m) in try resolveSources() {
            out += try runMeasurement(db: db, m)
        }
        if let so = stmt.seriesOffset { out = Array(out.dropFirst(so)) }
        if let sl = stmt.seriesLimit, sl > 0 { out = Array(out.prefix(sl)) }
        return out
    }

    // MARK: sources

    private func resolveSources() throws -> [(String, String)] {
        var out: [(String, String)] = []
        for s in stmt.sources {
            guard let db = s.database ?? defaultDatabase, !db.isEmpty else { throw QueryError("database name required") }
            try checkRetentionPolicy(s.retentionPolicy, database: db)
            let names: [String]
            do {
                switch s.name {
                case .exact(let m): names = try engine.measurements(db, matching: .exact(m))
                case .regex(let re): names = try engine.measurements(db, matching: .regex(try compile(re)))
                }
            } catch EngineError.databaseNotFound(let n) {
                throw QueryError("database not found: \(n)")
            }
            for n in names where !out.contains(where: { $0 == (db, n) }) { out.append((db, n)) }
        }
        return out
    }

    /// One retention policy exists, `autogen` (every level of a database is served through it).
    private func checkRetentionPolicy(_ rp: String?, database: String) throws {
        guard let rp, !rp.isEmpty, rp != "autogen" else { return }
        throw QueryError("retention policy not found: \(rp)")
    }

    // MARK: one measurement

    private func runMeasurement(db: String, _ m: String) throws -> [ResultSeries] {
        let fieldTypes = Dictionary(try engine.fieldKeys(db, measurement: m), uniquingKeysWith: { a, _ in a })
        let tagKeys = try engine.tagKeys(db, measurement: m)
        let tagSet = Set(tagKeys)
        let cond = try Condition(stmt.condition, now: options.now) { fieldTypes[$0] != nil && !tagSet.contains($0) }
        let groupTags = stmt.groupByAllTags ? tagKeys : stmt.groupByTags
        let columns = try Columns(stmt.fields, fields: fieldTypes, tags: tagKeys.filter { !groupTags.contains($0) })
        let aggregate = columns.items.contains { $0.expr.containsAggregate }
        if aggregate {
            for c in columns.items { try c.expr.checkAggregateOnly() }
        } else if stmt.groupByTime != nil {
            throw QueryError("GROUP BY requires at least one aggregate function")
        }

        // Series per referenced field, filtered by the tag predicate.
        let fieldNames = columns.fieldRefs(fieldTypes, tags: tagSet)
        if fieldNames.isEmpty { return [] }
        var groups: [[String]: [String: [SeriesRef]]] = [:]
        for f in fieldNames {
            let sel = SeriesSelector(measurement: .exact(m), field: f, matchers: cond.tags.requiredMatchers)
            for ref in try engine.select(db, sel) where cond.tags.matches(ref.key) {
                let gk = groupTags.map { ref.key.tagValue($0) ?? "" }
                groups[gk, default: [:]][f, default: []].append(ref)
            }
        }
        if groups.isEmpty { return [] }

        var range = cond.range
        if let g = stmt.groupByTime {
            if !cond.hasUpperBound { range.max = options.now }
            if !cond.hasLowerBound {
                // No lower bound: start at the earliest data of the selected series.
                let refs = groups.values.flatMap { $0.values.joined() }
                let first = try engine.snapshot(db, refs, range: range).compactMap(\.minTime).min()
                guard let first else { return [] }
                range.min = first
            }
            _ = g
        }
        if range.isEmpty { return [] }
        if !aggregate, stmt.groupByTime == nil {} // raw

        let sortedTags = groupTags.enumerated().sorted { $0.element < $1.element }
        var out: [ResultSeries] = []
        for gk in groups.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let bySeries = groups[gk]!
            var rows: [[QValue]]
            if aggregate {
                guard let r = try aggregateRows(db: db, columns, bySeries, range: range) else { continue }
                rows = r
            } else {
                rows = try rawRows(db: db, columns, bySeries, range: range, tagSet: tagSet)
            }
            if rows.isEmpty { continue }
            if stmt.descending { rows.reverse() }
            if let o = stmt.offset, o > 0 { rows = Array(rows.dropFirst(o)) }
            if let l = stmt.limit, l > 0 { rows = Array(rows.prefix(l)) }
            if rows.isEmpty { continue }
            let tags = sortedTags.map { (key: $0.element, value: gk[$0.offset]) }
            out.append(ResultSeries(name: m, tags: tags, columns: ["time"] + columns.items.map(\.name), values: rows))
        }
        return out
    }

    // MARK: aggregate mode

    /// Rows of one group, or nil when the group has no point in range.
    private func aggregateRows(db: String, _ columns: Columns, _ bySeries: [String: [SeriesRef]], range: TimeRange) throws -> [[QValue]]? {
        let buckets = try Buckets(range: range, interval: stmt.groupByTime?.interval, offset: stmt.groupByTime?.offset ?? 0,
                                  maxBuckets: options.maxBuckets)
        var ctx = AggContext(exec: self, db: db, bySeries: bySeries, buckets: buckets, range: range)
        // A single selector without GROUP BY time reports the selected point's time.
        let selectorTime = stmt.groupByTime == nil && columns.items.count == 1 && columns.items[0].expr.isSelectorCall
        var cols: [[(Int64, QValue)]] = []
        for c in columns.items {
            cols.append(try ctx.evaluate(c.expr, selectorTime: selectorTime))
        }
        guard ctx.points > 0 else { return nil }
        return join(cols)
    }

    /// Evaluation state of one group in aggregate mode.
    struct AggContext {
        let exec: SelectExecutor
        let db: String
        let bySeries: [String: [SeriesRef]]
        let buckets: Buckets
        let range: TimeRange
        var points = 0

        mutating func evaluate(_ e: Expr, selectorTime: Bool = false) throws -> [(Int64, QValue)] {
            switch e {
            case .call(let name, let args) where Transform.names.contains(name):
                guard let inner = args.first else { throw QueryError("invalid number of arguments for \(name)") }
                let unit = try Transform.unit(name, args, groupBy: exec.stmt.groupByTime?.interval)
                let values = try evaluate(inner)
                return Transform.apply(name, values, unit: unit)
            case .call(let name, let args):
                return try aggregate(name, args, selectorTime: selectorTime)
            case .binary(let op, let a, let b):
                return try Arithmetic.apply(op, try evaluateOperand(a), try evaluateOperand(b))
            default:
                throw QueryError("expected an aggregate function, found \(e.text)")
            }
        }

        private mutating func evaluateOperand(_ e: Expr) throws -> Arithmetic.Operand {
            switch e {
            case .integer(let v): .scalar(.integer(v))
            case .number(let v): .scalar(.float(v))
            default: .column(try evaluate(e))
            }
        }

        private mutating func aggregate(_ name: String, _ args: [Expr], selectorTime: Bool) throws -> [(Int64, QValue)] {
            guard case .varRef(let field, _)? = args.first else {
                throw QueryError("expected field argument in \(name)()")
            }
            let kind = try AggKind.parse(name, args)
            if case .rate = kind, exec.stmt.groupByTime == nil, range.min == .min || range.max == .max {
                throw QueryError("rate() without GROUP BY time needs a time range with both bounds")
            }
            var agg = BucketAggregator(kind: kind, buckets: buckets)
            let refs = bySeries[field] ?? []
            let snaps = try exec.engine.snapshot(db, refs, range: range)
            for snap in snaps {
                var previous: Double? = nil
                if kind.needsPrevious && range.min > .min {
                    previous = try exec.engine.lastSample(db, snap.ref, before: range.min)?.value.doubleValue
                }
                try exec.engine.scan(snap, range: range) { cols in
                    points += cols.count
                    try agg.add(cols, previous: &previous)
                    return true
                }
            }
            if case .top = kind { return (0..<buckets.count).flatMap { agg.points($0) } }
            if case .bottom = kind { return (0..<buckets.count).flatMap { agg.points($0) } }
            var out: [(Int64, QValue)] = []
            out.reserveCapacity(buckets.count)
            for b in 0..<buckets.count {
                let (v, t) = agg.result(b)
                out.append((selectorTime ? (t ?? buckets.time(b)) : buckets.time(b), v))
            }
            return Fill.apply(exec.stmt.fill, out, isCount: kind == .count)
        }
    }

    // MARK: raw mode

    private func rawRows(db: String, _ columns: Columns, _ bySeries: [String: [SeriesRef]], range: TimeRange, tagSet: Set<String>) throws -> [[QValue]] {
        // Tag sets: the series of different fields with the same tags are joined on time.
        var tagsets: [[Tag]: [String: SeriesRef]] = [:]
        for (f, refs) in bySeries {
            for r in refs { tagsets[r.key.tags, default: [:]][f] = r }
        }
        var all: [[QValue]] = []
        for ts in tagsets.keys.sorted(by: tagSetPrecedes) {
            let fields = tagsets[ts]!
            var data: [String: [(Int64, QValue)]] = [:]
            for (f, ref) in fields {
                var pts: [(Int64, QValue)] = []
                try engine.scan(try engine.snapshot(db, [ref], range: range)[0], range: range) { cols in
                    for i in 0..<cols.count { pts.append((cols.timestamps[i], QValue(cols.values[i]))) }
                    return true
                }
                data[f] = pts
            }
            var cols: [[(Int64, QValue)]] = []
            var tagColumns: [Int: String] = [:]
            for (i, c) in columns.items.enumerated() {
                if case .varRef(let n, let hint) = c.expr, hint == .tag || (tagSet.contains(n) && data[n] == nil) {
                    tagColumns[i] = n
                    cols.append([])
                    continue
                }
                cols.append(try rawEvaluate(c.expr, data))
            }
            var rows = join(cols)
            if !tagColumns.isEmpty {
                let tagMap = Dictionary(ts.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
                for r in rows.indices {
                    for (i, k) in tagColumns { rows[r][i + 1] = tagMap[k].map { .string($0) } ?? .null }
                }
            }
            all += rows
        }
        // Several tag sets in one group: ordered by time, stable by tag set.
        if tagsets.count > 1 {
            let order = all.indices.sorted { a, b in
                let ta = all[a][0].timeValue, tb = all[b][0].timeValue
                return ta < tb || (ta == tb && a < b)
            }
            all = order.map { all[$0] }
        }
        return all
    }

    private func rawEvaluate(_ e: Expr, _ data: [String: [(Int64, QValue)]]) throws -> [(Int64, QValue)] {
        switch e {
        case .varRef(let n, _):
            return data[n] ?? []
        case .call(let name, let args) where Transform.names.contains(name):
            guard let inner = args.first else { throw QueryError("invalid number of arguments for \(name)") }
            let unit = try Transform.unit(name, args, groupBy: nil)
            return Transform.apply(name, try rawEvaluate(inner, data), unit: unit)
        case .binary(let op, let a, let b):
            func operand(_ x: Expr) throws -> Arithmetic.Operand {
                switch x {
                case .integer(let v): .scalar(.integer(v))
                case .number(let v): .scalar(.float(v))
                default: .column(try rawEvaluate(x, data))
                }
            }
            return try Arithmetic.apply(op, try operand(a), try operand(b))
        case .call(let name, _):
            throw QueryError("undefined function \(name)()")
        default:
            throw QueryError("unsupported expression in field list: \(e.text)")
        }
    }
}

/// Orders tag sets by key, then value, byte-wise (series key order).
func tagSetPrecedes(_ a: [Tag], _ b: [Tag]) -> Bool {
    a.lazy.flatMap { [$0.key, $0.value] }.lexicographicallyPrecedes(b.lazy.flatMap { [$0.key, $0.value] }) { $0.utf8.lexicographicallyPrecedes($1.utf8) }
}

/// Outer join of time-sorted columns into rows `[time, c0, c1, ...]`.
func join(_ cols: [[(Int64, QValue)]]) -> [[QValue]] {
    if cols.count == 1 {
        return cols[0].map { [.integer($0.0), $0.1] }
    }
    var idx = Array(repeating: 0, count: cols.count)
    var rows: [[QValue]] = []
    while true {
        var t = Int64.max
        var any = false
        for (c, i) in zip(cols, idx) where i < c.count {
            t = min(t, c[i].0)
            any = true
        }
        if !any { break }
        var row: [QValue] = [.integer(t)]
        for k in cols.indices {
            if idx[k] < cols[k].count && cols[k][idx[k]].0 == t {
                row.append(cols[k][idx[k]].1)
                idx[k] += 1
            } else {
                row.append(.null)
            }
        }
        rows.append(row)
    }
    return rows
}

extension QValue {
    init(_ v: Value) {
        switch v {
        case .float(let x): self = .float(x)
        case .integer(let x): self = .integer(x)
        case .unsigned(let x): self = .unsigned(x)
        case .boolean(let x): self = .boolean(x)
        case .string(let x): self = .string(x)
        }
    }

    var timeValue: Int64 {
        if case .integer(let t) = self { return t }
        return 0
    }
}

extension AggKind {
    static func parse(_ name: String, _ args: [Expr]) throws -> AggKind {
        func count(_ n: Int) throws {
            guard args.count == n else {
                throw QueryError("invalid number of arguments for \(name), expected \(n), got \(args.count)")
            }
        }
        switch name {
        case "count": try count(1); return .count
        case "sum": try count(1); return .sum
        case "mean": try count(1); return .mean
        case "min": try count(1); return .min
        case "max": try count(1); return .max
        case "first": try count(1); return .first
        case "last": try count(1); return .last
        case "median": try count(1); return .median
        case "stddev": try count(1); return .stddev
        case "spread": try count(1); return .spread
        case "increase": try count(1); return .increase
        case "delta": try count(1); return .delta
        case "percentile":
            try count(2)
            switch args[1] {
            case .integer(let p) where p >= 0 && p <= 100: return .percentile(Double(p))
            case .number(let p) where p >= 0 && p <= 100: return .percentile(p)
            default: throw QueryError("percentile: the second argument must be a number between 0 and 100")
            }
        case "top", "bottom":
            guard args.count == 2, case .integer(let n) = args[1], n > 0 else {
                throw QueryError("\(name): expected \(name)(field, N) with N > 0")
            }
            return name == "top" ? .top(Int(n)) : .bottom(Int(n))
        case "rate":
            guard args.count == 1 || args.count == 2 else { throw QueryError("invalid number of arguments for rate, expected 1 or 2") }
            if args.count == 2 {
                guard case .duration(let u) = args[1], u > 0 else { throw QueryError("rate: second argument must be a positive duration") }
                return .rate(unit: u)
            }
            return .rate(unit: 1_000_000_000)
        default:
            throw QueryError("undefined function \(name)()")
        }
    }
}
