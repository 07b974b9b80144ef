import TSSupport
/// The samples of one series in the head, in arrival order.
///
/// Appends are O(1). Out-of-order and duplicate timestamps are accepted as they come;
/// `normalize()` orders them and keeps the *last written* value for a repeated timestamp
/// (InfluxDB's rule), which is what seal and queries see.
struct HeadSeries {
    /// One sample: time and value bit pattern (or string index), kept together so an append
    /// touches one array.
    struct Sample {
        var t: Int64
        var bits: UInt64
    }
    var samples: [Sample] = []
    var strings: [String] = []
    var minT: Int64 = .max
    var maxT: Int64 = .min
    /// False once a timestamp arrived that is ≤ the previous one.
    var ordered = true

    @inline(__always)
    mutating func append(_ t: Int64, _ b: UInt64) {
        if t <= maxT { ordered = false } else { maxT = t }
        if t < minT { minT = t }
        samples.append(Sample(t: t, bits: b))
    }

    mutating func append(_ t: Int64, string s: String) {
        append(t, UInt64(strings.count))
        strings.append(s)
    }

    var count: Int { samples.count }

    @inline(__always)
    func timestamp(_ i: Int) -> Int64 { samples[i].t }

    /// First index whose timestamp is ≥ `t` (samples must be normalized).
    func lowerBound(_ t: Int64) -> Int { partitionPoint(samples.count) { samples[$0].t >= t } }

    /// First index whose timestamp is > `t` (samples must be normalized).
    func upperBound(_ t: Int64) -> Int { partitionPoint(samples.count) { samples[$0].t > t } }

    /// The samples in `r` as typed columns.
    func columns(type: ValueType, _ r: Range<Int>) -> SampleColumns {
        let slice = samples[r]
        return SampleColumns(timestamps: slice.map { $0.t },
                             values: ColumnValues.from(type: type, bits: ArraySlice(slice.map { $0.bits }), strings: strings))
    }

    /// Sorts by time and removes duplicates (last write wins), in place.
    mutating func normalize() {
        guard !ordered else { return }
        let n = samples.count
        var order = Array(0..<n)
        // Stable: equal timestamps keep arrival order, so the later write comes last.
        order.sort { (a, b) in
            let ta = samples[a].t, tb = samples[b].t
            return ta < tb || (ta == tb && a < b)
        }
        var out: [Sample] = []
        out.reserveCapacity(n)
        for i in order {
            if let last = out.last, last.t == samples[i].t {
                out[out.count - 1].bits = samples[i].bits  // later arrival wins
            } else {
                out.append(samples[i])
            }
        }
        samples = out
        ordered = true
    }
}

/// In-memory samples per series of one database, not yet sealed into segments. A value type:
/// the engine freezes a head for sealing by moving it out and putting an empty one in place.
struct Head {
    /// Indexed by series ID; empty series have no samples.
    var series: [HeadSeries] = []
    var sampleCount = 0
    var minT: Int64 = .max
    var maxT: Int64 = .min
    /// Approximate bytes held: 16 per sample plus string payloads.
    var bytes = 0

    @inline(__always)
    mutating func ensure(_ id: UInt32) {
        let i = Int(id)
        if i >= series.count {
            series.append(contentsOf: repeatElement(HeadSeries(), count: i - series.count + 1))
        }
    }

    @inline(__always)
    mutating func append(_ id: UInt32, _ t: Int64, _ b: UInt64) {
        ensure(id)
        series[Int(id)].append(t, b)
        note(t, 16)
    }

    mutating func append(_ id: UInt32, _ t: Int64, string: String) {
        ensure(id)
        series[Int(id)].append(t, string: string)
        note(t, 16 + string.utf8.count)
    }

    /// The counters of a batch appended through `series` directly (see `Engine.ingest`).
    mutating func noteBatch(samples n: Int, bytes b: Int, minT lo: Int64, maxT hi: Int64) {
        sampleCount += n
        bytes += b
        if lo < minT { minT = lo }
        if hi > maxT { maxT = hi }
    }

    @inline(__always)
    private mutating func note(_ t: Int64, _ b: Int) {
        sampleCount += 1
        bytes += b
        if t < minT { minT = t }
        if t > maxT { maxT = t }
    }

    /// The series' samples, sorted and deduplicated (normalizing in place first).
    mutating func normalized(_ id: UInt32) -> HeadSeries? {
        let i = Int(id)
        guard i < series.count, series[i].count > 0 else { return nil }
        series[i].normalize()
        return series[i]
    }

    var isEmpty: Bool { sampleCount == 0 }

    func hasSamples(_ id: UInt32) -> Bool { Int(id) < series.count && series[Int(id)].count > 0 }
}
