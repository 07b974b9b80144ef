import TSSupport
/// An inverted index from measurement, tag pair and field to sorted series-ID postings.
///
/// Rebuilt in memory on open from the series tables of the segments and the WAL (the persisted
/// form of the index is each segment's series table, see docs/format/segment.md).
struct TagIndex {
    struct Measurement {
        var series: [UInt32] = []
        /// tag key → tag value → postings
        var tags: [String: [String: [UInt32]]] = [:]
        /// field key → (type, postings)
        var fields: [String: (type: ValueType, series: [UInt32])] = [:]
        /// tag key → its values in byte order, kept until a new value arrives (SHOW TAG VALUES
        /// over 10⁵ values would otherwise sort them on every query).
        /// Stored back to back, so a long answer is read sequentially from one buffer.
        var sortedValues: [String: StringColumn] = [:]

        /// Adds a series to every list it belongs in; true when an id arrived out of order.
        mutating func add(id: UInt32, tags ts: [Tag], field: String, type: ValueType) -> Bool {
            let outOfOrder = (series.last ?? 0) > id
            series.append(id)
            for t in ts {
                var isNew = false
                tags[t.key, default: [:]][t.value, default: { isNew = true; return [] }()].append(id)
                if isNew && !sortedValues.isEmpty { sortedValues[t.key] = nil }
            }
            if fields[field] == nil {
                fields[field] = (type, [id])
            } else {
                fields[field]!.series.append(id)
            }
            return outOfOrder
        }

        mutating func sortPostings() {
            series.sort()
            for k in tags.values.indices {
                for v in tags.values[k].values.indices { tags.values[k].values[v].sort() }
            }
            for f in fields.values.indices { fields.values[f].series.sort() }
        }
    }

    private(set) var measurements: [String: Measurement] = [:]
    private var unsorted = false

    mutating func add(id: UInt32, measurement: String, tags: [Tag], field: String, type: ValueType) {
        // In place: `measurements[name, default:]` hands the stored value to `add` without a
        // copy (taking it out into a local and storing it back would copy every posting list of
        // the measurement on each new series: quadratic in the series count).
        if measurements[measurement, default: Measurement()].add(id: id, tags: tags, field: field, type: type) { unsorted = true }
    }

    /// Series may arrive out of id order while loading segments; sort once at the end.
    mutating func sortPostings() {
        guard unsorted else { return }
        for i in measurements.values.indices { measurements.values[i].sortPostings() }
        unsorted = false
    }

    func measurementNames(matching name: SeriesSelector.Name = .any) -> [String] {
        let all = measurements.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        switch name {
        case .any: return all
        case .exact(let n): return measurements[n] == nil ? [] : [n]
        case .regex(let r): return all.filter { r.matches($0) }
        }
    }

    /// Series IDs (sorted) matching the selector.
    func select(_ sel: SeriesSelector) -> [UInt32] {
        var out: [UInt32] = []
        for name in measurementNames(matching: sel.measurement) {
            guard let m = measurements[name] else { continue }
            var cur: [UInt32] = sel.field.map { m.fields[$0]?.series ?? [] } ?? m.series
            for matcher in sel.matchers where !cur.isEmpty {
                cur = intersect(cur, postings(m, matcher))
            }
            out.append(contentsOf: cur)
        }
        if case .exact = sel.measurement { return out }
        return out.sorted()
    }

    /// Series of measurement `m` satisfying one matcher (an absent tag counts as "").
    private func postings(_ m: Measurement, _ matcher: TagMatcher) -> [UInt32] {
        let values = m.tags[matcher.key] ?? [:]
        if matcher.op == .equal && !matcher.value.isEmpty {
            return values[matcher.value] ?? []
        }
        var hit: [UInt32] = []
        var withKey: [UInt32] = []
        for (v, p) in values {
            if matcher.matches(v) { hit.append(contentsOf: p) }
            if matcher.matchesEmpty { withKey.append(contentsOf: p) }
        }
        if matcher.matchesEmpty {
            // Series without this tag also match.
            withKey.sort()
            hit.append(contentsOf: subtract(m.series, withKey))
        }
        hit.sort()
        return hit
    }

    func tagKeys(_ measurement: String) -> [String] {
        (measurements[measurement]?.tags.keys).map { $0.sorted() } ?? []
    }

    func tagValues(_ measurement: String, key: String) -> [String: [UInt32]] {
        measurements[measurement]?.tags[key] ?? [:]
    }

    /// The values of tag `key` in `measurement`, in byte order (cached until a new one arrives).
    mutating func sortedTagValues(_ measurement: String, key: String) -> StringColumn {
        if let v = measurements[measurement]?.sortedValues[key] { return v }
        guard let values = measurements[measurement]?.tags[key] else { return StringColumn() }
        let sorted = StringColumn(values.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        measurements[measurement]!.sortedValues[key] = sorted
        return sorted
    }

    func fields(_ measurement: String) -> [(String, ValueType)] {
        (measurements[measurement]?.fields ?? [:]).map { ($0.key, $0.value.type) }.sorted { $0.0 < $1.0 }
    }
}

/// Intersection of two sorted ID lists.
func intersect(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
    var i = 0, j = 0
    var out: [UInt32] = []
    out.reserveCapacity(min(a.count, b.count))
    while i < a.count && j < b.count {
        if a[i] == b[j] { out.append(a[i]); i += 1; j += 1 }
        else if a[i] < b[j] { i += 1 }
        else { j += 1 }
    }
    return out
}

/// Elements of sorted `a` not in sorted `b`.
func subtract(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
    var i = 0, j = 0
    var out: [UInt32] = []
    while i < a.count {
        if j >= b.count || a[i] < b[j] { out.append(a[i]); i += 1 }
        else if a[i] == b[j] { i += 1; j += 1 }
        else { j += 1 }
    }
    return out
}
