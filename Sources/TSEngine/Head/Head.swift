/// The samples of one series in the head, in arrival order.
///
/// Appends are O(1). Out-of-order and duplicate timestamps are accepted as they come;
/// `sortedDeduplicated()` orders them and keeps the *last written* value for a repeated
/// timestamp (InfluxDB's rule), which is what seal and queries see.
final class HeadSeries {
    var timestamps: [Int64] = []
    var bits: [UInt64] = []
    var strings: [String] = []
    var minT: Int64 = .max
    var maxT: Int64 = .min
    /// False once a timestamp arrived that is ≤ the previous one.
    var ordered = true

    @inline(__always)
    func append(_ t: Int64, _ b: UInt64) {
        if t <= maxT { ordered = false }
        if t > maxT { maxT = t }
        if t < minT { minT = t }
        timestamps.append(t)
        bits.append(b)
    }

    func append(_ t: Int64, string s: String) {
        append(t, UInt64(strings.count))
        strings.append(s)
    }

    var count: Int { timestamps.count }

    /// Sorts by time and removes duplicates (last write wins). In place, so repeated reads of
    /// an unchanged series cost nothing.
    func normalize() {
        guard !ordered else { return }
        let n = timestamps.count
        var order = Array(0..<n)
        // Stable sort by timestamp: equal timestamps keep arrival order.
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

/// In-memory samples per series of one database, not yet sealed into segments.
final class Head {
    var series: [HeadSeries?] = []
    var sampleCount = 0
    var minT: Int64 = .max
    var maxT: Int64 = .min

    /// Approximate bytes held: 16 per sample plus string payloads.
    var bytes = 0

    @inline(__always)
    func buffer(_ id: UInt32) -> HeadSeries {
        let i = Int(id)
        if i >= series.count {
            series.append(contentsOf: repeatElement(nil, count: i - series.count + 1))
        }
        if let s = series[i] { return s }
        let s = HeadSeries()
        series[i] = s
        return s
    }

    @inline(__always)
    func append(_ id: UInt32, _ t: Int64, _ b: UInt64) {
        buffer(id).append(t, b)
        note(t)
        bytes += 16
    }

    func append(_ id: UInt32, _ t: Int64, string: String) {
        buffer(id).append(t, string: string)
        note(t)
        bytes += 16 + string.utf8.count
    }

    @inline(__always)
    private func note(_ t: Int64) {
        sampleCount += 1
        if t < minT { minT = t }
        if t > maxT { maxT = t }
    }

    func get(_ id: UInt32) -> HeadSeries? {
        Int(id) < series.count ? series[Int(id)] : nil
    }

    var isEmpty: Bool { sampleCount == 0 }
}
