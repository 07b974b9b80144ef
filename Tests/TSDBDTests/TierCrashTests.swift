import Foundation
import Testing
import TSSupport

/// kill -9 while a flush merges closed time-tier windows (docs/format/tiers.md): after the
/// restart every point is there exactly once, and after the next flush the raw segments hold
/// each sample once (inputs and output of an interrupted merge are never both kept).
@Suite(.serialized) struct TierCrashTests {
    static let series = 300
    static let minutes = 3 * 1_440  // three days of 1-minute data: days 0 and 1 close, day 2 stays open
    static let query = "SELECT count(value), sum(value) FROM m WHERE time >= '2026-01-01T00:00:00Z' AND time < '2026-01-04T00:00:00Z' GROUP BY host"

    /// The data is loaded once with tiers off (sealed in 2-hour windows), then each trial starts
    /// tsdbd with the default tiers on a copy, asks for a flush (which merges the closed days)
    /// and kills it part-way.
    @Test func killDuringTierMerge() throws {
        let base = try Daemon(extraArgs: ["--rollup-levels", "none", "--compaction-tiers", "none"])
        defer { base.stop(); base.removeData() }
        var body = ""
        for m in 0..<Self.minutes {
            let t = 1_767_225_600 + m * 60
            for h in 0..<Self.series { body += "m,host=h\(h) value=\((m * 7 + h) % 1_000)i \(t)\n" }
            if m % 360 == 359 {
                #expect(try HTTP.request(port: base.port, "POST", "/write?db=t&precision=s", text: body).status == 204)
                body = ""
            }
        }
        #expect(try HTTP.request(port: base.port, "POST", "/api/v1/admin/flush").status == 200)
        base.stop()
        let expected = Self.expected()
        for delayMs in [50, 200, 400, 700] {
            let dir = base.dataDir + "-\(delayMs)"
            try? FileManager.default.removeItem(atPath: dir)
            try FileManager.default.copyItem(atPath: base.dataDir, toPath: dir)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let d = try Daemon(dataDir: dir, extraArgs: ["--rollup-levels", "none"])
            let port = d.port
            let flusher = Thread { _ = try? HTTP.request(port: port, "POST", "/api/v1/admin/flush") }
            flusher.start()
            usleep(useconds_t(delayMs * 1000))
            d.kill9()
            let d2 = try Daemon(dataDir: dir, extraArgs: ["--rollup-levels", "none"])
            defer { d2.stop(); d2.removeData() }
            for round in 0..<2 {
                let r = try HTTP.request(port: d2.port, "GET", "/query?db=t&q=" + urlEncode(Self.query))
                #expect(r.status == 200)
                #expect(Self.rows(r.body) == expected, "round \(round), kill after \(delayMs) ms")
                #expect(try HTTP.request(port: d2.port, "POST", "/api/v1/admin/flush").status == 200)
                let stats = try HTTP.request(port: d2.port, "GET", "/api/v1/stats").body
                let db = try JSONReader.parse(Array(stats.utf8))["databases"]?.arrayValue?.first { $0["name"]?.stringValue == "t" }
                #expect(db?["segment_samples"]?.int64Value == Int64(Self.series * Self.minutes), "each sample once on disk: \(stats)")
                // Days 0 and 1 are one 1-day segment each; day 2 keeps its 2-hour windows.
                let tiers = db?["tiers"]?.arrayValue ?? []
                #expect(tiers.first { $0["window"]?.stringValue == "1d" }?["segments"]?.int64Value == 2, "\(stats)")
            }
        }
    }

    /// host → [count, sum] as the query above answers them.
    static func expected() -> [String: [Int64]] {
        var out: [String: [Int64]] = [:]
        for h in 0..<series {
            var sum: Int64 = 0
            for m in 0..<minutes { sum += Int64((m * 7 + h) % 1_000) }
            out["h\(h)"] = [Int64(minutes), sum]
        }
        return out
    }

    static func rows(_ body: String) -> [String: [Int64]] {
        var out: [String: [Int64]] = [:]
        guard let json = try? JSONReader.parse(Array(body.utf8)) else { return out }
        for s in json["results"]?.arrayValue?.first?["series"]?.arrayValue ?? [] {
            guard let host = s["tags"]?["host"]?.stringValue, let row = s["values"]?.arrayValue?.first?.arrayValue else { continue }
            out[host] = row.dropFirst().compactMap { $0.int64Value }
        }
        return out
    }
}
