import CoreMetrics
import Prometheus
import Synchronization
import TSEngine

/// Self-monitoring (docs/api.md, `GET /metrics`). Everything is kept in one swift-prometheus
/// registry, which renders the exposition format.
/// - The daemon's own counters are incremented where the event happens.
/// - WAL group sizes and fsync latencies are recorded per event, through the engine's
///   `WALObserver`.
/// - Engine figures (head series, segments, bytes, and the engine's own counters) are read at
///   scrape time.
/// The same registry backs swift-metrics (`MetricsSystem.bootstrap`), so what libraries report
/// through swift-metrics (Hummingbird's request metrics) is exported too.
final class Counters: Sendable {
    let registry: PrometheusCollectorRegistry
    private let counters = Mutex<[String: Prometheus.Counter]>([:])
    private let walGroups: ValueHistogram
    private let fsyncs: DurationHistogram
    /// Engine counters are absolute at scrape time: the registry's counters are advanced by the
    /// difference since the previous scrape.
    private let engineSeen = Mutex<[String: Int64]>([:])
    /// Labelled gauges set at the last scrape (removed when their database goes).
    private let gaugesSet = Mutex<[String: Prometheus.Gauge]>([:])

    static let help: [String: String] = [
        "tsdbd_points_written_total": "Samples written, by protocol.",
        "tsdbd_lines_rejected_total": "Lines refused, by protocol and reason (parse: malformed or over a limit; engine: type conflict or series limit).",
        "tsdbd_points_dropped_total": "Parsed samples not written (queue_full: UDP write queue full; write_error: the engine failed), by protocol.",
        "tsdbd_listener_packets_total": "UDP datagrams received, by protocol.",
        "tsdbd_listener_connections_total": "TCP connections accepted, by protocol.",
        "tsdbd_requests_too_large_total": "Requests refused with 413.",
        "tsdbd_http_header_timeouts_total": "HTTP connections closed because a request head did not arrive in time (--http-header-timeout, --http-idle-timeout).",
        "tsdbd_http_auth_failures_total": "HTTP requests refused by authentication (unauthenticated: 401) or authorization (forbidden: 403).",
    ]

    init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        walGroups = registry.makeValueHistogram(name: "tsdbd_wal_group_records", buckets: (0..<14).map { Double(1 << $0) },
                                                help: "Records (write batches) per WAL group commit.")
        fsyncs = registry.makeDurationHistogram(name: "tsdbd_wal_fsync_seconds",
                                                buckets: [.microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
                                                          .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                                          .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5)],
                                                help: "WAL fsync latency.")
        // Unlabelled counters exist from the start (0 until something happens).
        for name in ["tsdbd_requests_too_large_total", "tsdbd_http_header_timeouts_total"] { _ = counter(name, []) }
    }

    /// The engine's per-event hooks, feeding the two histograms.
    var walObserver: WALObserver {
        let groups = walGroups, fsyncs = fsyncs
        return WALObserver(groupCommitted: { groups.record(Double($0)) },
                           fsynced: { fsyncs.recordNanoseconds(Int64($0)) })
    }

    /// The cache key of a metric with labels.
    private static func key(_ name: String, _ labels: [(String, String)]) -> String {
        name + labels.map { "|\($0.0)=\($0.1)" }.joined()
    }

    private func counter(_ name: String, _ labels: [(String, String)], help: String? = nil) -> Prometheus.Counter {
        let key = Counters.key(name, labels)
        return counters.withLock { c in
            if let h = c[key] { return h }
            let h = registry.makeCounter(name: name, labels: labels, help: help ?? Counters.help[name] ?? "")
            c[key] = h
            return h
        }
    }

    private func inc(_ name: String, _ labels: [(String, String)], _ n: Int) {
        if n > 0 { counter(name, labels).increment(by: Int64(n)) }
    }

    func add(protocolName p: String, written: Int, parseErrors: Int, rejected: Int, tooLarge: Int = 0) {
        // Listed (at 0) from a protocol's first write on.
        _ = counter("tsdbd_points_written_total", [("protocol", p)])
        _ = counter("tsdbd_lines_rejected_total", [("protocol", p), ("reason", "parse")])
        _ = counter("tsdbd_lines_rejected_total", [("protocol", p), ("reason", "engine")])
        inc("tsdbd_points_written_total", [("protocol", p)], written)
        inc("tsdbd_lines_rejected_total", [("protocol", p), ("reason", "parse")], parseErrors)
        inc("tsdbd_lines_rejected_total", [("protocol", p), ("reason", "engine")], rejected)
        inc("tsdbd_requests_too_large_total", [], tooLarge)
    }

    func addDropped(protocolName p: String, reason: String, _ n: Int) {
        inc("tsdbd_points_dropped_total", [("protocol", p), ("reason", reason)], n)
    }

    func addPacket(protocolName p: String) { inc("tsdbd_listener_packets_total", [("protocol", p)], 1) }

    func addConnection(protocolName p: String) { inc("tsdbd_listener_connections_total", [("protocol", p)], 1) }

    func addHeaderTimeout() { inc("tsdbd_http_header_timeouts_total", [], 1) }

    func addAuthFailure(_ reason: String) { inc("tsdbd_http_auth_failures_total", [("reason", reason)], 1) }

    /// Brings the engine's figures into the registry and renders everything.
    func render(_ s: EngineStats) -> [UInt8] {
        let w = s.wal
        // Engine counters (monotonic within a process).
        for (name, help, v) in [
            ("tsdbd_wal_group_commits_total", "WAL group commits.", w.groupCommits),
            ("tsdbd_wal_records_total", "WAL records written.", w.recordsWritten),
            ("tsdbd_wal_bytes_total", "WAL bytes written.", w.bytesWritten),
            ("tsdbd_wal_corrupt_tails_truncated_total", "Torn or corrupt WAL tails truncated at startup (the good prefix was kept).", w.corruptTailsTruncated),
            ("tsdbd_wal_no_space_total", "WAL group writes refused by a full disk (ENOSPC/EDQUOT); the writes were answered 507.", w.noSpaceErrors),
            ("tsdbd_seals_total", "Head seals.", UInt64(s.seals)),
            ("tsdbd_compactions_total", "Compactions.", UInt64(s.compactions)),
            ("tsdbd_sealed_bytes_total", "Bytes of raw segments written by seals.", s.sealedBytes),
            ("tsdbd_compacted_bytes_total", "Bytes of raw segments written by compactions (time tiers included).", s.compactedBytes),
            ("tsdbd_segments_quarantined_total", "Unreadable segments renamed aside at startup.", UInt64(s.segmentsQuarantined)),
        ] as [(String, String, UInt64)] {
            let delta = engineSeen.withLock { seen -> Int64 in
                let d = Int64(v) - (seen[name] ?? 0)
                seen[name] = Int64(v)
                return d
            }
            let c = counter(name, [], help: help)
            if delta > 0 { c.increment(by: delta) }
        }
        var gauges: [(String, String, [(String, String)], Double)] = [
            ("tsdbd_wal_bytes_on_disk", "Bytes in WAL files.", [], Double(s.walBytesOnDisk)),
            ("tsdbd_wal_out_of_space", "1 while the last WAL write found the disk full.", [], w.outOfSpace ? 1 : 0),
            ("tsdbd_wal_failed", "1 after an fsync or write error: writes are refused until restart.", [], w.failed ? 1 : 0),
            ("tsdbd_wal_replayed_records", "WAL records replayed at the last startup (the good prefix, when a tail was truncated).", [], Double(w.replayedRecords)),
            ("tsdbd_wal_replay_seconds", "Duration of the last WAL replay.", [], Double(w.replayNanos) / 1e9),
        ]
        for d in s.databases {
            let l = [("db", d.name)]
            gauges.append(("tsdbd_head_series", "Series per database.", l, Double(d.series)))
            gauges.append(("tsdbd_head_samples", "Samples in the head (not yet sealed).", l, Double(d.headSamples)))
            gauges.append(("tsdbd_segments", "Segment files.", l, Double(d.segments)))
            gauges.append(("tsdbd_segment_bytes", "Bytes in segment files.", l, Double(d.segmentBytes)))
            gauges.append(("tsdbd_rollup_complete_before_seconds",
                           "Rollups are complete before this time (Unix seconds; +Inf when everything sealed is rolled up).", l,
                           d.rollupCompleteBefore == .max ? .infinity : Double(d.rollupCompleteBefore) / 1e9))
            for lv in d.levels {
                let ll = [("db", d.name), ("level", lv.name)]
                gauges.append(("tsdbd_level_segments", "Segment files per rollup level.", ll, Double(lv.segments)))
                gauges.append(("tsdbd_level_segment_bytes", "Bytes in segment files per rollup level.", ll, Double(lv.segmentBytes)))
            }
        }
        gaugesSet.withLock { set in
            var now: [String: Prometheus.Gauge] = [:]
            for (name, help, labels, v) in gauges {
                let key = Counters.key(name, labels)
                let g = set[key] ?? registry.makeGauge(name: name, labels: labels, help: help)
                g.set(v)
                now[key] = g
            }
            for (key, g) in set where now[key] == nil { registry.unregisterGauge(g) }  // a dropped database
            set = now
        }
        var out: [UInt8] = []
        out.reserveCapacity(16 << 10)
        registry.emit(into: &out)
        return out
    }
}
