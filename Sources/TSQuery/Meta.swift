import TSSupport
import InfluxQL
import TSEngine

/// SHOW, CREATE, DROP and DELETE statements, answered in InfluxDB 1.x's result shapes.
struct MetaExecutor {
    let engine: Engine
    let defaultDatabase: String?
    let options: QueryOptions

    func run(_ s: Statement) throws -> [ResultSeries] {
        switch s {
        case .select: preconditionFailure("SELECT is run by SelectExecutor")
        case .showDatabases:
            return [ResultSeries(name: "databases", columns: ["name"], cells: engine.databaseNames().map { .string($0) })]
        case .showRetentionPolicies(let db):
            let name = try database(db)
            guard engine.databaseNames().contains(name) else { throw QueryError("database not found: \(name)") }
            return [ResultSeries(name: nil, columns: ["name", "duration", "shardGroupDuration", "replicaN", "default"],
                                 values: [[.string("autogen"), .string("0s"), .string("168h0m0s"), .integer(1), .boolean(true)]])]
        case .showMeasurements(let q):
            return try showMeasurements(q)
        case .showTagKeys(let f) where f.condition == nil:
            // No WHERE: from the index's postings, without visiting series.
            return try perMeasurement(f, columns: ["tagKey"], needsSeries: false) { db, m, _ in
                .cells(try engine.liveTagValues(db, measurement: m, keys: { _ in true }).map { .string($0.key) })
            }
        case .showTagKeys(let f):
            return try perMeasurement(f, columns: ["tagKey"]) { db, m, keys in
                var seen: Set<String> = []
                for k in keys { for t in k.tags { seen.insert(t.key) } }
                return .cells(seen.sorted().map { .string($0) })
            }
        case .showTagValues(let f, let key) where f.condition == nil:
            return try perMeasurement(f, columns: ["key", "value"], needsSeries: false) { db, m, _ in
                // String columns: 10⁵ rows at 300 k series, read from the index's sorted column.
                let lists = try engine.liveTagValues(db, measurement: m, keys: { try key.matches($0) })
                if lists.count == 1 { return .strings([.repeating(lists[0].key, count: lists[0].values.count), lists[0].values]) }
                var keys = StringColumn(), values = StringColumn()
                for k in lists {
                    keys.append(contentsOf: .repeating(k.key, count: k.values.count))
                    values.append(contentsOf: k.values)
                }
                return .strings([keys, values])
            }
        case .showTagValues(let f, let key):
            return try perMeasurement(f, columns: ["key", "value"]) { db, m, keys in
                var pairs: Set<[String]> = []
                for k in keys { for t in k.tags where try key.matches(t.key) { pairs.insert([t.key, t.value]) } }
                return .cells(pairs.sorted { $0.lexicographicallyPrecedes($1) }.flatMap { [.string($0[0]), .string($0[1])] })
            }
        case .showFieldKeys(let f):
            return try perMeasurement(f, columns: ["fieldKey", "fieldType"], needsSeries: false) { db, m, _ in
                .cells(try engine.fieldKeys(db, measurement: m).sorted { $0.0 < $1.0 }.flatMap { [.string($0.0), .string("\($0.1)")] })
            }
        case .showSeries(let f):
            let db = try database(f.database)
            var keys: Set<String> = []
            for m in try measurements(db, f.sources) {
                for k in try seriesKeys(db, m, f.condition) { keys.insert(k.seriesText) }
            }
            let s = page(ResultSeries(name: nil, columns: ["key"], cells: keys.sorted().map { .string($0) }), f.limit, f.offset)
            return s.rowCount == 0 ? [] : [s]
        case .createDatabase(let name):
            try requireWrites()
            do { try engine.createDatabase(name) } catch EngineError.invalidName { throw QueryError("invalid database name: \(name)") }
            return []
        case .dropDatabase(let name):
            try requireWrites()
            try engine.dropDatabase(name)
            return []
        case .dropSeries(let sources, let cond):
            try requireWrites()
            try delete(sources, cond, dropSeries: true)
            return []
        case .delete(let sources, let cond):
            try requireWrites()
            try delete(sources, cond, dropSeries: false)
            return []
        }
    }

    private func requireWrites() throws {
        guard options.allowWrites else { throw QueryError("statement not allowed: this endpoint is read-only") }
    }

    private func database(_ explicit: String?) throws -> String {
        guard let db = explicit ?? defaultDatabase, !db.isEmpty else { throw QueryError("database name required") }
        return db
    }

    private func measurements(_ db: String, _ sources: [Source]) throws -> [String] {
        guard engine.databaseNames().contains(db) else { throw QueryError("database not found: \(db)") }
        if sources.isEmpty { return try engine.measurements(db) }
        var out: [String] = []
        for s in sources {
            switch s.name {
            case .exact(let m): out += try engine.measurements(db, matching: .exact(m))
            case .regex(let re): out += try engine.measurements(db, matching: .regex(try compile(re)))
            }
        }
        return Array(Set(out)).sorted()
    }

    /// Distinct series keys (without the field) of `m` matching `condition`.
    private func seriesKeys(_ db: String, _ m: String, _ condition: Expr?) throws -> [SeriesKey] {
        let pred = try TagPredicate(condition ?? .boolean(true), isField: { _ in false })
        var seen: Set<[Tag]> = []
        var out: [SeriesKey] = []
        for ref in try engine.select(db, SeriesSelector(measurement: .exact(m), matchers: pred.requiredMatchers))
        where pred.matches(ref.key) && seen.insert(ref.key.tags).inserted {
            out.append(ref.key)
        }
        return out
    }

    /// One measurement's rows: cells row-major, or string columns.
    enum Rows {
        case cells([QValue])
        case strings([StringColumn])
    }

    private func perMeasurement(_ f: ShowFilter, columns: [String], needsSeries: Bool = true,
                                _ rows: (String, String, [SeriesKey]) throws -> Rows) throws -> [ResultSeries] {
        let db = try database(f.database)
        var out: [ResultSeries] = []
        for m in try measurements(db, f.sources) {
            let keys = needsSeries ? try seriesKeys(db, m, f.condition) : []
            if needsSeries && keys.isEmpty { continue }
            let s: ResultSeries
            switch try rows(db, m, keys) {
            case .cells(let c): s = page(ResultSeries(name: m, columns: columns, cells: c), f.limit, f.offset)
            case .strings(let c): s = page(ResultSeries(name: m, columns: columns, strings: c), f.limit, f.offset)
            }
            if s.rowCount > 0 { out.append(s) }
        }
        return out
    }

    private func showMeasurements(_ q: ShowMeasurements) throws -> [ResultSeries] {
        let db = try database(q.database)
        // InfluxDB answers an empty result, not an error, for a database that does not exist.
        guard engine.databaseNames().contains(db) else { return [] }
        var names = try measurements(db, [])
        if let mm = q.measurement {
            switch mm {
            case .equal(let n): names = names.filter { $0 == n }
            case .notEqual(let n): names = names.filter { $0 != n }
            case .regex(let re): let rx = try compile(re); names = names.filter { rx.matches($0) }
            case .notRegex(let re): let rx = try compile(re); names = names.filter { !rx.matches($0) }
            }
        }
        if q.condition != nil {
            names = try names.filter { !(try seriesKeys(db, $0, q.condition)).isEmpty }
        }
        let s = page(ResultSeries(name: "measurements", columns: ["name"], cells: names.map { .string($0) }), q.limit, q.offset)
        return s.rowCount == 0 ? [] : [s]
    }

    /// The rows of `s` after OFFSET, at most LIMIT of them.
    private func page(_ s: ResultSeries, _ limit: Int?, _ offset: Int?) -> ResultSeries {
        let n = s.rowCount
        let lo = min(n, max(0, offset ?? 0))
        let hi = (limit ?? 0) > 0 ? min(n, lo + limit!) : n
        return lo == 0 && hi == n ? s : s.rows(lo..<hi)
    }

    /// DELETE removes the points of the matching series in the WHERE clause's time range (all
    /// time without one); DROP SERIES removes all their points and the series themselves.
    private func delete(_ sources: [Source], _ condition: Expr?, dropSeries: Bool) throws {
        let db = try database(sources.first?.database)
        let cond = try WhereClause(condition, now: options.now) { _ in false }
        if dropSeries && (cond.hasLowerBound || cond.hasUpperBound) {
            throw QueryError("DROP SERIES doesn't support time in WHERE clause")
        }
        var refs: [SeriesRef] = []
        for m in try measurements(db, sources) {
            refs += try engine.select(db, SeriesSelector(measurement: .exact(m), matchers: cond.tags.requiredMatchers))
                .filter { cond.tags.matches($0.key) }
        }
        if refs.isEmpty { return }
        try engine.delete(db, ids: refs.map(\.id), range: cond.range, dropSeries: dropSeries)
    }
}

extension KeyMatch {
    func matches(_ k: String) throws -> Bool {
        switch self {
        case .equal(let s): return k == s
        case .notEqual(let s): return k != s
        case .regex(let re): return try compile(re).matches(k)
        case .notRegex(let re): return try !compile(re).matches(k)
        case .in(let list): return list.contains(k)
        }
    }
}

extension SeriesKey {
    /// The series key as `SHOW SERIES` prints it: `measurement,tag=value,...` with line-protocol escaping.
    var seriesText: String {
        func esc(_ s: String, _ specials: String) -> String {
            var o = ""
            for c in s {
                if specials.contains(c) { o.append("\\") }
                o.append(c)
            }
            return o
        }
        var s = esc(measurement, ", ")
        for t in tags { s += "," + esc(t.key, ",= ") + "=" + esc(t.value, ",= ") }
        return s
    }
}
