import TSEngine

/// `GET /api/v1/stats`: per database the raw data and every rollup level (docs/api.md). Times
/// are integer nanoseconds; null when there is no data.
enum StatsJSON {
    static func render(_ s: EngineStats) -> String {
        func t(_ v: Int64?) -> String { v.map(String.init) ?? "null" }
        var dbs: [String] = []
        for d in s.databases {
            let complete = d.rollupCompleteBefore == .max ? "null" : String(d.rollupCompleteBefore)
            let levels = d.levels.map { l in
                // Lag: how far the level's newest bucket trails the newest sealed raw data.
                let lag = (d.rawMaxTime != nil && l.maxTime != nil) ? String(max(0, d.rawMaxTime! - l.maxTime!)) : "null"
                return "{\"name\":\(jsonString(l.name)),\"series\":\(l.series),\"segments\":\(l.segments),\"segment_bytes\":\(l.segmentBytes),"
                    + "\"min_time\":\(t(l.minTime)),\"max_time\":\(t(l.maxTime)),\"lag_ns\":\(lag)}"
            }
            dbs.append("{\"name\":\(jsonString(d.name)),\"series\":\(d.series),\"head_samples\":\(d.headSamples),\"segments\":\(d.segments),"
                + "\"segment_bytes\":\(d.segmentBytes),\"segment_samples\":\(d.segmentSamples),\"raw_min_time\":\(t(d.rawMinTime)),"
                + "\"raw_max_time\":\(t(d.rawMaxTime)),\"rollup_complete_before\":\(complete),\"levels\":[\(levels.joined(separator: ","))]}")
        }
        return "{\"databases\":[\(dbs.joined(separator: ","))],\"wal_bytes\":\(s.walBytesOnDisk),\"seals\":\(s.seals),\"compactions\":\(s.compactions)}"
    }
}
