import Testing
import Foundation
@testable import TSEngine
import TestSupport
import TSSupport

/// Time-tiered compaction (docs/format/tiers.md): closed tier windows of raw segments are merged
/// into one segment each; late data, deletions and restarts keep every answer; in-order data is
/// rewritten at most once per tier.
@Suite struct TierCompactionTests {
    static let s: Int64 = 1_000_000_000
    static let hour = 3_600 * s, day = 24 * hour

    /// Two-hour blocks, tiers of 1 day and 7 days, and a clock far past the data.
    func options(now: Int64 = 400 * day) -> EngineOptions {
        var o = testOptions()
        o.rollups = .none
        o.compactionTiers = [Self.day, 7 * Self.day]
        o.clock = { now }
        return o
    }

    /// Ten days of 10-minute samples of three series, sealed every 2 hours as a live store would.
    func load(_ e: Engine, days: Int64 = 10) throws -> [SeriesKey: [(Int64, Value)]] {
        var want: [SeriesKey: [(Int64, Value)]] = [:]
        let keys = (0..<3).map { SeriesKey("m", ["h": "h\($0)"], field: $0 == 2 ? "n" : "v") }
        for w in 0..<(days * 12) {
            var b = WriteBatch(database: "db")
            for i in 0..<12 {
                let t = w * 2 * Self.hour + Int64(i) * 600 * Self.s
                for (n, k) in keys.enumerated() {
                    let v: Value = n == 2 ? .integer(t / Self.s) : .float(Double(t / Self.s % 977) / 8)
                    b.append(k, t, v)
                    want[k, default: []].append((t, v))
                }
            }
            try e.append(b)
            try e.flush()
        }
        return want
    }

    func check(_ e: Engine, _ want: [SeriesKey: [(Int64, Value)]]) throws {
        for (k, pts) in want {
            let got = try e.points("db", k)
            #expect(got.map(\.0) == pts.map(\.0), "\(k)")
            #expect(got.map(\.1) == pts.map(\.1), "\(k)")
        }
    }

    func windows(_ e: Engine) -> [Int64: Int] {
        var out: [Int64: Int] = [:]
        for t in e.stats().databases[0].tiers { out[t.width] = t.segments }
        return out
    }

    @Test func closedWindowsBecomeOneSegmentEach() throws {
        let dir = TempDir()
        var e = try Engine(path: dir.path, options: options())
        let want = try load(e)
        #expect(e.stats().databases[0].segments == 120)
        try e.flushAndCompact()
        // Days 0–9 (epoch days; the 7-day windows start on days 0 and 7): the week 0–6 is closed
        // and is one segment; days 7 and 8 are closed days; day 9 holds the newest data, so its
        // window is open and keeps its 12 two-hour segments.
        #expect(windows(e) == [2 * Self.hour: 12, Self.day: 2, 7 * Self.day: 1], "\(windows(e))")
        try check(e, want)
        // In-order data: sealed once, then rewritten once into a day or week.
        let st = e.stats()
        #expect(st.compactedBytes > 0 && st.compactedBytes < 2 * st.sealedBytes, "\(st.sealedBytes) \(st.compactedBytes)")
        try e.close()
        e = try Engine(path: dir.path, options: options())
        try check(e, want)
        #expect(e.stats().databases[0].segments == 15)
        try e.close()
    }

    @Test func lateWritesDeletesAndRetentionBound() throws {
        let dir = TempDir()
        let e = try Engine(path: dir.path, options: options())
        defer { try? e.close() }
        var want = try load(e)
        try e.flushAndCompact()
        // A late overwrite and a late insert into the closed week, then a deletion there.
        let k = SeriesKey("m", ["h": "h0"], field: "v")
        try e.append(database: "db", k, 3 * Self.day, .float(-1))
        try e.append(database: "db", k, 3 * Self.day + 5 * Self.s, .float(-2))
        try e.flush()
        #expect(e.stats().databases[0].segments == 16, "the late data is its own small segment until compaction")
        var pts = want[k]!
        pts[pts.firstIndex { $0.0 == 3 * Self.day }!].1 = .float(-1)
        pts.insert((3 * Self.day + 5 * Self.s, .float(-2)), at: pts.firstIndex { $0.0 > 3 * Self.day }!)
        want[k] = pts
        try check(e, want)
        let ids = try e.select("db", SeriesSelector(measurement: .exact("m"))).filter { $0.key == SeriesKey("m", ["h": "h1"], field: "v") }.map(\.id)
        try e.delete("db", ids: ids, range: TimeRange(min: Self.day, max: 2 * Self.day - 1), dropSeries: false)
        want[SeriesKey("m", ["h": "h1"], field: "v")]!.removeAll { $0.0 >= Self.day && $0.0 < 2 * Self.day }
        try e.flushAndCompact()
        #expect(windows(e) == [2 * Self.hour: 12, Self.day: 2, 7 * Self.day: 1], "folded into the week: \(windows(e))")
        try check(e, want)
        // Tiers longer than a tenth of the raw retention are not used.
        var o = options()
        o.rollups = try RollupPolicy.parse(levels: "none", retention: "raw=30d")
        let bounded = try Engine(path: TempDir().path, options: o)
        defer { try? bounded.close() }
        _ = try bounded.append(database: "db", k, 0, .float(1))
        #expect(bounded.lock.withLock { bounded.tiers(for: bounded.databases["db"]!) } == [Self.day])
    }

    /// Random appends (late, out of order, overwrites), flushes, compactions and restarts
    /// across many small tier windows agree with a dictionary model.
    @Test func randomizedAgainstModel() throws {
        let dir = TempDir()
        var o = options()
        o.blockRange = 10 * Self.s
        o.compactionTiers = [60 * Self.s, 300 * Self.s]
        var rng = SplitMix64(seed: 9)
        var model: [Int: [Int64: Double]] = [:]
        var e = try Engine(path: dir.path, options: o)
        let keys = (0..<4).map { SeriesKey("r", ["k": "\($0)"], field: "v") }
        var newest: Int64 = 0
        for round in 0..<60 {
            var b = WriteBatch(database: "db")
            newest += 20 * Self.s
            for _ in 0..<40 {
                let s = Int(rng.next() % 4)
                // Mostly recent data, sometimes far back into closed tiers.
                let back = rng.next() % 4 == 0 ? Int64(rng.next() % UInt64(newest)) : Int64(rng.next() % UInt64(30 * Self.s))
                let t = max(0, newest - back) / 1_000_000 * 1_000_000
                let v = Double(rng.next() % 1000)
                b.append(keys[s], t, .float(v))
                model[s, default: [:]][t] = v
            }
            try e.append(b)
            switch rng.next() % 4 {
            case 0: try e.flush()
            case 1: try e.flushAndCompact()
            case 2:
                try e.close()
                e = try Engine(path: dir.path, options: o)
            default: break
            }
            if round % 6 == 5 {
                for s in 0..<4 {
                    let got = try e.points("db", keys[s])
                    let want = (model[s] ?? [:]).sorted { $0.key < $1.key }
                    #expect(got.map { $0.0 } == want.map { $0.key })
                    #expect(got.map { $0.1 } == want.map { .float($0.value) })
                }
            }
        }
        try e.flushAndCompact()
        // Everything but the newest 5-minute window is in few segments.
        #expect(e.stats().databases[0].segments < 30, "\(e.stats().databases[0].segments)")
        try e.close()
    }
}
