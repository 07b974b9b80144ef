import TSEngine

/// The deterministic content of crash-test batch `n` (shared by child and parent).
public enum CrashWorkload {
    public static let seriesCount = 40
    public static let perBatch = 200

    public static func key(_ s: Int) -> SeriesKey {
        SeriesKey("crash", ["host": "h\(s % 8)", "dev": "d\(s)"], field: s % 5 == 0 ? "count" : "value")
    }

    public static func value(_ s: Int, _ t: Int64) -> Value {
        s % 5 == 0 ? .integer(t &* 3) : .float(Double(t) * 0.5)
    }

    /// Points of batch n: perBatch samples spread over the series, timestamps unique per series.
    public static func points(_ n: Int) -> [(Int, Int64)] {
        (0..<perBatch).map { j in
            let s = (n &* 7 &+ j) % seriesCount
            let t = Int64(n) * 1_000_000_000 + Int64(j) * 1_000
            return (s, t)
        }
    }

    public static func batch(_ n: Int) -> WriteBatch {
        var b = WriteBatch(database: "crash", reservingCapacity: perBatch)
        for (s, t) in points(n) { b.append(key(s), t, value(s, t)) }
        return b
    }
}
