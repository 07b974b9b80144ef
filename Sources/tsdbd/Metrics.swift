import Synchronization
import TSEngine

/// Daemon-level counters (per protocol), shared by all handlers.
final class Counters: Sendable {
    struct Values: Sendable {
        var written: [String: Int] = [:]
        var parseErrors: [String: Int] = [:]
        var rejected: [String: Int] = [:]
        var tooLarge = 0
        /// protocol → reason → samples dropped after parsing (queue full, write error).
        var dropped: [String: [String: Int]] = [:]
        /// UDP datagrams received, by protocol.
        var packets: [String: Int] = [:]
        /// TCP connections accepted, by protocol.
        var connections: [String: Int] = [:]
        /// HTTP connections closed because a request head did not arrive in time.
        var headerTimeouts = 0
        /// HTTP requests refused by authentication (401) and authorization (403).
        var authFailures: [String: Int] = [:]
    }
    private let state = Mutex(Values())

    func add(protocolName p: String, written: Int, parseErrors: Int, rejected: Int, tooLarge: Int = 0) {
        state.withLock { v in
            v.written[p, default: 0] += written
            v.parseErrors[p, default: 0] += parseErrors
            v.rejected[p, default: 0] += rejected
            v.tooLarge += tooLarge
        }
    }

    func addDropped(protocolName p: String, reason: String, _ n: Int) {
        state.withLock { $0.dropped[p, default: [:]][reason, default: 0] += n }
    }

    func addPacket(protocolName p: String) {
        state.withLock { $0.packets[p, default: 0] += 1 }
    }

    func addConnection(protocolName p: String) {
        state.withLock { $0.connections[p, default: 0] += 1 }
    }

    func addHeaderTimeout() {
        state.withLock { $0.headerTimeouts += 1 }
    }

    func addAuthFailure(_ reason: String) {
        state.withLock { $0.authFailures[reason, default: 0] += 1 }
    }

    func snapshot() -> Values { state.withLock { $0 } }
}

/// Renders the Prometheus text exposition of engine and daemon figures.
enum MetricsText {
    static func render(_ s: EngineStats, _ c: Counters.Values) -> String {
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, Double)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labels, v) in samples { out += "\(name)\(labels) \(format(v))\n" }
        }
        func byProto(_ d: [String: Int]) -> [(String, Double)] {
            d.keys.sorted().map { ("{protocol=\"\($0)\"}", Double(d[$0]!)) }
        }
        metric("tsdbd_points_written_total", "counter", "Samples written, by protocol.", byProto(c.written))
        metric("tsdbd_lines_rejected_total", "counter", "Lines that failed to parse, by protocol.", byProto(c.parseErrors).map { ($0.0.replacingOccurrences(of: "}", with: ",reason=\"parse\"}"), $0.1) }
               + byProto(c.rejected).map { ($0.0.replacingOccurrences(of: "}", with: ",reason=\"engine\"}"), $0.1) })
        metric("tsdbd_points_dropped_total", "counter", "Parsed samples not written (reason queue_full: UDP write queue full; write_error: the engine failed), by protocol.",
               c.dropped.keys.sorted().flatMap { p in c.dropped[p]!.keys.sorted().map { r in ("{protocol=\"\(p)\",reason=\"\(r)\"}", Double(c.dropped[p]![r]!)) } })
        metric("tsdbd_listener_packets_total", "counter", "UDP datagrams received, by protocol.", byProto(c.packets))
        metric("tsdbd_listener_connections_total", "counter", "TCP connections accepted, by protocol.", byProto(c.connections))
        metric("tsdbd_requests_too_large_total", "counter", "Requests refused with 413.", [("", Double(c.tooLarge))])
        metric("tsdbd_http_header_timeouts_total", "counter", "HTTP connections closed because a request head did not arrive in time (--http-header-timeout, --http-idle-timeout).", [("", Double(c.headerTimeouts))])
        metric("tsdbd_http_auth_failures_total", "counter", "HTTP requests refused by authentication (reason unauthenticated: 401) or authorization (forbidden: 403).",
               c.authFailures.keys.sorted().map { ("{reason=\"\($0)\"}", Double(c.authFailures[$0]!)) })
        let w = s.wal
        metric("tsdbd_wal_group_commits_total", "counter", "WAL group commits.", [("", Double(w.groupCommits))])
        metric("tsdbd_wal_records_total", "counter", "WAL records written.", [("", Double(w.recordsWritten))])
        metric("tsdbd_wal_bytes_total", "counter", "WAL bytes written.", [("", Double(w.bytesWritten))])
        metric("tsdbd_wal_bytes_on_disk", "gauge", "Bytes in WAL files.", [("", Double(s.walBytesOnDisk))])
        metric("tsdbd_wal_corrupt_tails_truncated_total", "counter", "Torn or corrupt WAL tails truncated at startup.", [("", Double(w.corruptTailsTruncated))])
        metric("tsdbd_wal_no_space_total", "counter", "WAL group writes refused by a full disk (ENOSPC/EDQUOT); the writes were answered 507.", [("", Double(w.noSpaceErrors))])
        metric("tsdbd_wal_out_of_space", "gauge", "1 while the last WAL write found the disk full.", [("", w.outOfSpace ? 1 : 0)])
        metric("tsdbd_wal_failed", "gauge", "1 after an fsync or write error: writes are refused until restart.", [("", w.failed ? 1 : 0)])
        metric("tsdbd_wal_replayed_records", "gauge", "WAL records replayed at the last startup (the good prefix, when a tail was truncated).", [("", Double(w.replayedRecords))])
        metric("tsdbd_wal_replay_seconds", "gauge", "Duration of the last WAL replay.", [("", Double(w.replayNanos) / 1e9)])
        // Histograms with power-of-two buckets.
        func histogram(_ name: String, _ help: String, _ buckets: [UInt64], scale: Double, sum: Double, count: UInt64) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
            var cum: UInt64 = 0
            for (i, n) in buckets.enumerated() {
                cum += n
                let le = i == 0 ? 0 : Double(UInt64(1) << UInt64(i - 1)) * scale
                if i > 0 { out += "\(name)_bucket{le=\"\(format(le))\"} \(cum)\n" }
            }
            out += "\(name)_bucket{le=\"+Inf\"} \(cum)\n\(name)_sum \(format(sum))\n\(name)_count \(count)\n"
        }
        histogram("tsdbd_wal_fsync_seconds", "WAL fsync latency.", w.fsyncBucketsMicros, scale: 1e-6, sum: Double(w.fsyncNanos) / 1e9, count: w.fsyncCount)
        histogram("tsdbd_wal_group_records", "Records per WAL group commit.", w.groupSizeBuckets, scale: 1, sum: Double(w.recordsWritten), count: w.groupCommits)
        metric("tsdbd_head_series", "gauge", "Series per database.", s.databases.map { ("{db=\"\($0.name)\"}", Double($0.series)) })
        metric("tsdbd_head_samples", "gauge", "Samples in the head (not yet sealed).", s.databases.map { ("{db=\"\($0.name)\"}", Double($0.headSamples)) })
        metric("tsdbd_segments", "gauge", "Segment files.", s.databases.map { ("{db=\"\($0.name)\"}", Double($0.segments)) })
        metric("tsdbd_segment_bytes", "gauge", "Bytes in segment files.", s.databases.map { ("{db=\"\($0.name)\"}", Double($0.segmentBytes)) })
        let levels = s.databases.flatMap { d in d.levels.map { (d.name, $0) } }
        metric("tsdbd_level_segments", "gauge", "Segment files per rollup level.", levels.map { ("{db=\"\($0.0)\",level=\"\($0.1.name)\"}", Double($0.1.segments)) })
        metric("tsdbd_level_segment_bytes", "gauge", "Bytes in segment files per rollup level.", levels.map { ("{db=\"\($0.0)\",level=\"\($0.1.name)\"}", Double($0.1.segmentBytes)) })
        metric("tsdbd_rollup_complete_before_seconds", "gauge", "Rollups are complete before this time (Unix seconds; +Inf when everything sealed is rolled up).",
               s.databases.map { ("{db=\"\($0.name)\"}", $0.rollupCompleteBefore == .max ? .infinity : Double($0.rollupCompleteBefore) / 1e9) })
        metric("tsdbd_seals_total", "counter", "Head seals.", [("", Double(s.seals))])
        metric("tsdbd_compactions_total", "counter", "Compactions.", [("", Double(s.compactions))])
        metric("tsdbd_segments_quarantined_total", "counter", "Unreadable segments renamed aside at startup.", [("", Double(s.segmentsQuarantined))])
        return out
    }

    static func format(_ v: Double) -> String {
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        return v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)"
    }
}
