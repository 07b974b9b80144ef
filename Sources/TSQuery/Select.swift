import TSSupport
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

    /// The series of the result and the storage level that answered (`raw` or a rollup level).
    func run() throws -> ([ResultSeries], String) {
        if let tz = stmt.timezone, !["UTC", "Etc/UTC", "Z"].contains(tz) {
            throw QueryError("tz('\(tz)') is not supported: buckets are aligned in UTC")
        }
        var out: [ResultSeries] = []
        var levels: Set<String> = []
        for (db, m) in try resolveSources() {
            let (series, level) = try runMeasurement(db: db, m)
            out += series
            if let l = level { levels.insert(l) }
        }
        if let so = stmt.seriesOffset { out = Array(out.dropFirst(so)) }
        if let sl = stmt.seriesLimit, sl > 0 { out = Array(out.prefix(sl)) }
        return (out, levels.isEmpty ? "raw" : levels.sorted().joined(separator: ","))
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
        return out.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
    }

    /// One retention policy exists, `autogen` (every level of a database is served through it).
    private func checkRetentionPolicy(_ rp: String?, database: String) throws {
        guard let rp, !rp.isEmpty, rp != "autogen" else { return }
        throw QueryError("retention policy not found: \(rp)")
    }

    // MARK: one measurement

    private func runMeasurement(db: String, _ m: String) throws -> ([ResultSeries], String?) {
        let fieldTypes = Dictionary(try engine.fieldKeys(db, measurement: m), uniquingKeysWith: { a, _ in a })
        let tagKeys = try engine.tagKeys(db, measurement: m)
        let tagSet = Set(tagKeys)
        let cond = try WhereClause(stmt.condition, now: options.now) { fieldTypes[$0] != nil && !tagSet.contains($0) }
        let groupTags = stmt.groupByAllTags ? tagKeys : stmt.groupByTags
        let columns = try Columns(stmt.fields, fields: fieldTypes, tags: tagKeys.filter { !groupTags.contains($0) })
        let aggregate = columns.items.contains { $0.expr.containsAggregate }
        if aggregate {
            // Tags beside a single selector take the selected point's tag values (InfluxDB).
            let calls = columns.items.filter { !$0.isTag(tagSet, fieldTypes) }
            let tagCols = columns.items.count - calls.count
            if tagCols > 0 && !(calls.count == 1 && calls[0].expr.isSelectorCall) {
                throw QueryError("mixing aggregate and non-aggregate queries is not supported")
            }
            for c in calls { try c.expr.checkAggregateOnly() }
        } else if stmt.groupByTime != nil {
            throw QueryError("GROUP BY requires at least one aggregate function")
        }

        // Series per referenced field, filtered by the tag predicate.
        let fieldNames = columns.fieldRefs(fieldTypes, tags: tagSet)
        if fieldNames.isEmpty { return ([], nil) }
        var groups: [[String]: [String: [SeriesRef]]] = [:]
        for f in fieldNames {
            let sel = SeriesSelector(measurement: .exact(m), field: f, matchers: cond.tags.requiredMatchers)
            for ref in try engine.select(db, sel) where cond.tags.matches(ref.key) {
                let gk = groupTags.map { ref.key.tagValue($0) ?? "" }
                groups[gk, default: [:]][f, default: []].append(ref)
            }
        }
        if groups.isEmpty { return ([], nil) }
        // Series in key order: selectors break ties between equal times by it, as InfluxDB does.
        for (gk, byField) in groups {
            groups[gk] = byField.mapValues { $0.sorted { tagSetPrecedes($0.key.tags, $1.key.tags) } }
        }

        var range = cond.range
        if stmt.groupByTime != nil {
            if !cond.hasUpperBound { range.max = options.now }
            if !cond.hasLowerBound {
                // No lower bound: start at the earliest data of the selected series.
                let refs = groups.values.flatMap { $0.values.joined() }
                let first = try engine.snapshot(db, refs, range: range).compactMap(\.minTime).min()
                guard let first else { return ([], nil) }
                range.min = first
            }
        }
        if range.isEmpty { return ([], nil) }
        let plan = aggregate ? try RollupPlan.choose(engine, db: db, measurement: m, stmt: stmt, columns: columns, fieldTypes: fieldTypes,
                                                     range: range, choice: options.level, now: options.now) : nil

        let sortedTags = groupTags.enumerated().sorted { $0.element < $1.element }
        var out: [ResultSeries] = []
        let keys = groups.keys.sorted(by: { $0.lexicographicallyPrecedes($1) })
        let computed = try ParallelMap.map(keys, parallel: groups.values.reduce(0) { $0 + $1.values.reduce(0) { $0 + $1.count } } >= 64) { gk in
            let bySeries = groups[gk]!
            if aggregate {
                return try aggregateRows(db: db, columns, bySeries, range: range, plan: plan, tags: tagSet, fields: fieldTypes, singleGroup: keys.count == 1)
            }
            return try rawRows(db: db, columns, bySeries, range: range, tagSet: tagSet)
        }
        for (gk, result) in zip(keys, computed) {
            guard var rows = result, !rows.isEmpty else { continue }
            if stmt.descending { rows.reverse() }
            let lo = min(rows.count, max(0, stmt.offset ?? 0))
            let hi = (stmt.limit ?? 0) > 0 ? min(rows.count, lo + stmt.limit!) : rows.count
            if lo > 0 || hi < rows.count { rows = rows.rows(lo..<hi) }
            if rows.isEmpty { continue }
            let tags = sortedTags.map { (key: $0.element, value: gk[$0.offset]) }
            out.append(ResultSeries(name: m, tags: tags, columns: ["time"] + columns.items.map(\.name), cells: rows.cells))
        }
        return (out, plan?.level.name)
    }

    // MARK: aggregate mode

    /// Rows of one group, or nil when the group has no point in range.
    private func aggregateRows(db: String, _ columns: Columns, _ bySeries: [String: [SeriesRef]], range: TimeRange,
                               plan: RollupPlan?, tags: Set<String>, fields: [String: ValueType], singleGroup: Bool) throws -> Rows? {
        // As InfluxDB does, a transformation over GROUP BY time buckets also sees the bucket
        // just before the range (after it, descending), so the first row has a value too.
        var evalRange = range
        let transforms = stmt.groupByTime != nil && columns.items.contains { $0.expr.containsTransformation }
        if let g = stmt.groupByTime, transforms {
            if stmt.descending {
                evalRange.max = range.max > Int64.max - g.interval ? .max : range.max + g.interval
            } else {
                evalRange.min = range.min < Int64.min + g.interval ? .min : range.min - g.interval
            }
        }
        let buckets = try Buckets(range: evalRange, interval: stmt.groupByTime?.interval, offset: stmt.groupByTime?.offset ?? 0,
                                  maxBuckets: options.maxBuckets)
        var ctx = AggContext(exec: self, db: db, bySeries: bySeries, buckets: buckets, range: evalRange, plan: plan)
        ctx.parallelSeries = singleGroup
        try ctx.prepare(columns)
        // A single selector without GROUP BY time reports the selected point's time.
        let calls = columns.items.enumerated().filter { !$0.element.isTag(tags, fields) }
        let selectorTime = stmt.groupByTime == nil && calls.count == 1 && calls[0].element.expr.isSelectorCall
        var rows = Rows(width: columns.items.count + 1)
        if calls.count < columns.items.count {
            // One selector plus tags: each row carries the tags of the series its point came from.
            let values = try ctx.evaluate(calls[0].element.expr, selectorTime: selectorTime)
            guard ctx.points > 0 else { return nil }
            rows.reserveCapacity(values.count)
            for (i, p) in values.enumerated() {
                var row: [QValue] = [.integer(p.0)]
                let ref = i < ctx.rowSeries.count ? ctx.rowSeries[i] : nil
                for (k, c) in columns.items.enumerated() {
                    if k == calls[0].offset { row.append(p.1); continue }
                    guard case .varRef(let tag, _) = c.expr, let v = ref?.key.tagValue(tag) else { row.append(.null); continue }
                    row.append(.string(v))
                }
                rows.append(row)
            }
        } else {
            var cols: [[(Int64, QValue)]] = []
            for c in columns.items {
                cols.append(try ctx.evaluate(c.expr, selectorTime: selectorTime))
            }
            guard ctx.points > 0 else { return nil }
            rows = join(cols)
        }
        if transforms, let g = stmt.groupByTime {
            let first = Buckets.floor(range.min, g.interval, g.offset), last = Buckets.floor(range.max, g.interval, g.offset)
            let all = rows
            rows.removeAll { all.time($0) < first || all.time($0) > last }
        }
        // percentile() that selects no point emits nothing (InfluxDB): such a group has no series.
        let onlyPercentiles = columns.items.allSatisfy { if case .call("percentile", _) = $0.expr { true } else { false } }
        if onlyPercentiles && rows.valuesAllNull { return nil }
        return rows
    }

    /// Evaluation state of one group in aggregate mode.
    struct AggContext {
        let exec: SelectExecutor
        let db: String
        let bySeries: [String: [SeriesRef]]
        let buckets: Buckets
        let range: TimeRange
        let plan: RollupPlan?
        var points = 0
        /// For the last selector evaluated: the series each output row's point came from.
        var rowSeries: [SeriesRef?] = []
        /// Aggregators computed ahead, several per scan of one field (see `prepare`).
        var aggCache: [String: BucketAggregator] = [:]
        /// Split this group's series across cores (when the query has a single group).
        var parallelSeries = false

        /// Computes every aggregate call over the same field in one scan of its data, so
        /// `SELECT mean(v), max(v), count(v)` decodes each block once.
        mutating func prepare(_ columns: Columns) throws {
            var calls: [String: [(String, AggKind)]] = [:]
            func visit(_ e: Expr) throws {
                switch e {
                case .call(let n, let args) where AggKind.names.contains(n):
                    if case .varRef(let f, _)? = args.first {
                        calls[f, default: []].append((n + "|" + args.map(\.text).joined(separator: ","), try AggKind.parse(n, args)))
                    }
                case .call(_, let args): for a in args { try visit(a) }
                case .binary(_, let a, let b): try visit(a); try visit(b)
                default: break
                }
            }
            for c in columns.items { try visit(c.expr) }
            for (field, list) in calls where list.count > 1 {
                let aggs = try computeAggregators(field, list.map(\.1))
                for (k, a) in zip(list.map(\.0), aggs) { aggCache[k] = a }
            }
        }

        /// Feeds aggregators of `kinds` over `field`'s series: raw parts (split across cores when
        /// allowed) and, with a rollup plan, the level's interior.
        mutating func computeAggregators(_ field: String, _ kinds: [AggKind]) throws -> [BucketAggregator] {
            let refs = bySeries[field] ?? []
            var aggs = kinds.map { BucketAggregator(kind: $0, buckets: buckets) }
            var parts: [(TimeRange, RollupLevel?)] = [(range, nil)]
            if let p = plan, kinds.allSatisfy(RollupPlan.answerable) {
                parts = []
                if range.min < p.interior.min { parts.append((TimeRange(min: range.min, max: p.interior.min - 1), nil)) }
                parts.append((p.interior, p.level))
                if p.interior.max < range.max { parts.append((TimeRange(min: p.interior.max + 1, max: range.max), nil)) }
            }
            for (part, level) in parts {
                if let level {
                    for i in aggs.indices { try feedRollup(&aggs[i], refs, level: level, range: part) }
                    continue
                }
                let snaps = try exec.engine.snapshot(db, refs, range: part)
                let workers = parallelSeries && refs.count >= 16 ? ParallelMap.workers : 1
                let chunk = (snaps.count + workers - 1) / max(1, workers)
                let pieces = stride(from: 0, to: snaps.count, by: max(1, chunk)).map { $0..<min(snaps.count, $0 + chunk) }
                let engine = exec.engine, db = self.db, bk = buckets
                let results = try ParallelMap.map(pieces, parallel: pieces.count > 1) { r -> ([BucketAggregator], Int) in
                    var local = kinds.map { BucketAggregator(kind: $0, buckets: bk) }
                    var n = 0
                    for k in r where !snaps[k].isEmpty {
                        let snap = snaps[k]
                        for i in local.indices { local[i].currentSeries = k }
                        var start: Double? = nil
                        if kinds.contains(where: \.needsPrevious) && part.min > .min {
                            start = try engine.lastSample(db, snap.ref, before: part.min)?.value.doubleValue
                        }
                        var prevs = [Double?](repeating: start, count: local.count)
                        try engine.scan(snap, range: part) { cols in
                            n += cols.count
                            for i in local.indices { try local[i].add(cols, previous: &prevs[i]) }
                            return true
                        }
                    }
                    return (local, n)
                }
                for (local, n) in results {
                    points += n
                    for i in aggs.indices { aggs[i].merge(local[i]) }
                }
            }
            return aggs
        }

        mutating func evaluate(_ e: Expr, selectorTime: Bool = false) throws -> [(Int64, QValue)] {
            switch e {
            case .call(let name, let args) where Transform.names.contains(name):
                guard let inner = args.first else { throw QueryError("invalid number of arguments for \(name)") }
                let unit = try Transform.unit(name, args, groupBy: exec.stmt.groupByTime?.interval)
                let values = try evaluate(inner)
                return Transform.apply(name, values, unit: unit, descending: exec.stmt.descending)
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
            let refs = bySeries[field] ?? []
            let key = name + "|" + args.map(\.text).joined(separator: ",")
            let agg = try aggCache[key] ?? computeAggregators(field, [kind])[0]
            switch kind {
            case .top, .bottom:
                // top(f, tag, N): the best point of each tag value first.
                var distinct: ((Int) -> String)? = nil
                if args.count == 3, case .varRef(let tag, _) = args[1] { distinct = { refs[$0].key.tagValue(tag) ?? "" } }
                let pts = (0..<buckets.count).flatMap { agg.points($0, distinct: distinct) }
                rowSeries = pts.map { refs[$0.2] }
                return pts.map { ($0.0, $0.1) }
            default:
                break
            }
            var out: [(Int64, QValue)] = []
            var series: [SeriesRef?] = []
            out.reserveCapacity(buckets.count)
            for b in 0..<buckets.count {
                let (v, t) = agg.result(b)
                out.append((selectorTime ? (t ?? buckets.time(b)) : buckets.time(b), v))
                if kind.isSelector { let k = agg.selectedSeries(b); series.append(k >= 0 && k < refs.count ? refs[k] : nil) }
            }
            let filled = exec.stmt.fill.apply(out, isCount: kind == .count)
            if kind.isSelector { rowSeries = filled.count == out.count ? series : zip(out, series).filter { !$0.0.1.isNull }.map(\.1) }
            return filled
        }

        /// Feeds whole rollup buckets of `refs` in `range` (level-aligned) into `agg`.
        private mutating func feedRollup(_ agg: inout BucketAggregator, _ refs: [SeriesRef], level: RollupLevel, range: TimeRange) throws {
            let snaps = try exec.engine.rollupSnapshots(db, level: level, refs, range: range)
            for (k, ref) in refs.enumerated() {
                agg.currentSeries = k
                try exec.engine.scanRollups(snaps[k], range: range) { c in
                    for i in 0..<c.count {
                        points += Int(c.counts[i])
                        agg.addRollup(c, i, type: ref.type)
                    }
                    return true
                }
            }
        }
    }

    // MARK: raw mode

    private func rawRows(db: String, _ columns: Columns, _ bySeries: [String: [SeriesRef]], range: TimeRange, tagSet: Set<String>) throws -> Rows {
        // Tag sets: the series of different fields with the same tags are joined on time.
        var tagsets: [[Tag]: [String: SeriesRef]] = [:]
        for (f, refs) in bySeries {
            for r in refs { tagsets[r.key.tags, default: [:]][f] = r }
        }
        var all = Rows(width: columns.items.count + 1)
        for ts in tagsets.keys.sorted(by: tagSetPrecedes) {
            let fields = tagsets[ts]!
            if columns.items.count == 1, case .varRef(let n, let hint) = columns.items[0].expr, hint != .tag,
               fields.count == 1, let ref = fields[n] {
                // One plain field (the common raw select): rows straight from the decoded
                // columns, without a tuple per point and a join.
                try engine.scan(try engine.snapshot(db, [ref], range: range)[0], range: range) { cols in
                    switch cols.values {
                    case .float(let vs): for i in 0..<cols.count { all.append(time: cols.timestamps[i], .float(vs[i])) }
                    case .integer(let vs): for i in 0..<cols.count { all.append(time: cols.timestamps[i], .integer(vs[i])) }
                    case .unsigned(let vs): for i in 0..<cols.count { all.append(time: cols.timestamps[i], .unsigned(vs[i])) }
                    case .boolean(let vs): for i in 0..<cols.count { all.append(time: cols.timestamps[i], .boolean(vs[i])) }
                    case .string(let vs): for i in 0..<cols.count { all.append(time: cols.timestamps[i], .string(vs[i])) }
                    }
                    return true
                }
                continue
            }
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
                for r in 0..<rows.count {
                    for (i, k) in tagColumns { rows[r, i + 1] = tagMap[k].map { .string($0) } ?? .null }
                }
            }
            all.append(contentsOf: rows)
        }
        // Several tag sets in one group: ordered by time, stable by tag set.
        if tagsets.count > 1 {
            let order = (0..<all.count).sorted { a, b in
                let ta = all.time(a), tb = all.time(b)
                return ta < tb || (ta == tb && a < b)
            }
            all = all.gather(order)
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
            return Transform.apply(name, try rawEvaluate(inner, data), unit: unit, descending: stmt.descending)
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
    for i in 0..<min(a.count, b.count) {
        if a[i].key != b[i].key { return a[i].key.utf8.lexicographicallyPrecedes(b[i].key.utf8) }
        if a[i].value != b[i].value { return a[i].value.utf8.lexicographicallyPrecedes(b[i].value.utf8) }
    }
    return a.count < b.count
}

/// Outer join of time-sorted columns into rows `[time, c0, c1, ...]`.
func join(_ cols: [[(Int64, QValue)]]) -> Rows {
    var rows = Rows(width: cols.count + 1)
    if cols.count == 1 {
        rows.reserveCapacity(cols[0].count)
        for p in cols[0] { rows.append(time: p.0, p.1) }
        return rows
    }
    var idx = Array(repeating: 0, count: cols.count)
    while true {
        var t = Int64.max
        var any = false
        for (c, i) in zip(cols, idx) where i < c.count {
            t = min(t, c[i].0)
            any = true
        }
        if !any { break }
        rows.appendCell(.integer(t))
        for k in cols.indices {
            if idx[k] < cols[k].count && cols[k][idx[k]].0 == t {
                rows.appendCell(cols[k][idx[k]].1)
                idx[k] += 1
            } else {
                rows.appendCell(.null)
            }
        }
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
            guard args.count == 2 || args.count == 3, case .integer(let n) = args[args.count - 1], n > 0 else {
                throw QueryError("\(name): expected \(name)(field[, tag], N) with N > 0")
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
