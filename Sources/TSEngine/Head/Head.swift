/// The samples of one series in the head, in arrival order.
///
/// Appends are O(1). Out-of-order and duplicate timestamps are accepted as they come;
/// `normalize()` orders them and keeps the *last written* value for a repeated timestamp
/// (InfluxDB's rule), which is what seal and queries see.
struct HeadSeries {
    var timestamps: [Int64] = []
    var bits: [UInt64] = []
    var strings: [String] = []
    var minT: Int64 = .max
    var maxT: Int64 = .min
    /// False once a timestamp arrived that is ≤ the previous one.
    var ordered = true

    @inline(__always)
    mutating func append(_ t: Int64, _ b: UInt64) {
        if t <= maxT { ordered = false } else { maxT = t }
        if t < minT { minT = t }
        timestamps.append(t)
        bits.append(b)
    }

    mutating func append(_ t: Int64, string s: String) {
        append(t, UInt64(strings.count))
        strings.append(s)
    }

    var count: Int { timestamps.count }

    /// Sorts by time and removes duplicates (last write wins), in place.
    mutating func normalize() {
        guard !ordered else { return }
        let n = timestamps.count
        var order = Array(0..<n)
        // Stable: equal timestamps keep arrival order, so the later write comes last.
        order.sort { (a, b) in
            let ta = timestamps[a], tb = timestamps[b]
            return ta < tb || (ta == tb && a < b)
        }
        var ts: [Int64] = []
        var bs: [UInt64] = []
        ts.reserveCapacity(n)
        bs.reserveCapacity(n)
        for i in order {
            if let last = ts.last, last == timestamps[i] {
                bs[bs.count - 1] = bits[i]  // later arrival wins
            } else {
                ts.append(timestamps[i])
                bs.append(bits[i])
            }
        }
        timestamps = ts
        bits = bs
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
}
