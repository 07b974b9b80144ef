import TSEngine
import TSSupport

/// `GET /api/v1/stats`: per database the raw data and every rollup level (docs/api.md). Times
/// are integer nanoseconds; null when there is no data.
enum StatsJSON {
    static func render(_ s: EngineStats) -> String {
        func int<I: BinaryInteger>(_ v: I) -> JSONValue { .number(String(v)) }
        func time(_ v: Int64?) -> JSONValue { v.map(int) ?? .null }
        let dbs: [JSONValue] = s.databases.map { d in
            let levels: [JSONValue] = d.levels.map { l in
                // Lag: how far the level's newest bucket trails the newest sealed raw data.
                let lag: JSONValue = (d.rawMaxTime != nil && l.maxTime != nil) ? int(max(0, d.rawMaxTime! - l.maxTime!)) : .null
                return .object([("name", .string(l.name)), ("series", int(l.series)), ("segments", int(l.segments)),
                                ("segment_bytes", int(l.segmentBytes)), ("min_time", time(l.minTime)), ("max_time", time(l.maxTime)),
                                ("lag_ns", lag)])
            }
            return .object([("name", .string(d.name)), ("series", int(d.series)), ("head_samples", int(d.headSamples)),
                            ("segments", int(d.segments)), ("segment_bytes", int(d.segmentBytes)), ("segment_samples", int(d.segmentSamples)),
                            ("tiers", .array(d.tiers.map { t in
                                .object([("window", .string(formatDuration(t.width))), ("segments", int(t.segments)), ("bytes", int(t.bytes))])
                            })),
                            ("raw_min_time", time(d.rawMinTime)), ("raw_max_time", time(d.rawMaxTime)),
                            ("rollup_complete_before", d.rollupCompleteBefore == .max ? .null : int(d.rollupCompleteBefore)),
                            ("levels", .array(levels))])
        }
        return JSONValue.object([("databases", .array(dbs)), ("wal_bytes", int(s.walBytesOnDisk)), ("seals", int(s.seals)),
                                 ("compactions", int(s.compactions)), ("sealed_bytes", int(s.sealedBytes)),
                                 ("compacted_bytes", int(s.compactedBytes))]).compactText
    }
}
