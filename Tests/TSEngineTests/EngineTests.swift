import Testing
import Foundation
@testable import TSEngine
import TSSupport
import TestSupport

@Suite struct EngineTests {
    let k1 = SeriesKey("cpu", ["host": "a", "region": "eu"], field: "usage")
    let k2 = SeriesKey("cpu", ["host": "b"], field: "usage")

    @Test func appendAndReadBack() throws {
        let dir = TempDir()
        let e = try Engine(path: dir.path, options: testOptions())
        var b = WriteBatch(database: "db")
        for i in 0..<100 { b.append(k1, Int64(i) * 10, .float(Double(i) / 3)) }
        let r = try e.append(b)
        #expect(r.written == 100 && r.rejected.isEmpty)
        let pts = try e.points("db", k1)
        #expect(pts.count == 100)
        #expect(pts[7].0 == 70 && pts[7].1 == .float(7.0 / 3))
        try e.close()
    }

    @Test func everyValueTypeSurvivesRestartAndSeal() throws {
        let dir = TempDir()
        let vals: [(String, Value)] = [("f", .float(-0.0)), ("n", .float(Double(bitPattern: 0x7ff8_dead_beef_0001))),
                                       ("i", .integer(.min)), ("u", .unsigned(.max)), ("b", .boolean(true)), ("s", .string("héllo \"x\""))]
        do {
            let e = try Engine(path: dir.path, options: testOptions())
            for (f, v) in vals { try e.append(database: "db", SeriesKey("m", field: f), 5, v) }
            try e.close()
        }
        // From the WAL.
        do {
            let e = try Engine(path: dir.path, options: testOptions())
            for (f, v) in vals { #expect(try e.points("db", SeriesKey("m", field: f)).map { $0.1 } == [v]) }
            try e.flush()
            try e.close()
        }
        // From a segment.
        let e = try Engine(path: dir.path, options: testOptions())
        #expect(e.stats().databases[0].segments == 1)
        #expect(e.stats().databases[0].headSamples == 0)
        for (f, v) in vals { #expect(try e.points("db", SeriesKey("m", field: f)).map { $0.1 } == [v]) }
        try e.close()
    }

    @Test func outOfOrderAndDuplicatesLastWriteWins() throws {
        let dir = TempDir()
        let e = try Engine(path: dir.path, options: testOptions())
        try e.append(database: "db", k1, 30, .float(3))
        try e.append(database: "db", k1, 10, .float(1))
        try e.append(database: "db", k1, 20, .float(2))
        try e.append(database: "db", k1, 20, .float(22))  // duplicate: newest wins
        #expect(try e.points("db", k1).map { $0.0 } == [10, 20, 30])
        #expect(try e.points("db", k1).map { $0.1 } == [.float(1), .float(22), .float(3)])
        try e.flush()
        // Backfill into the sealed range: overrides and inserts.
        try e.append(database: "db", k1, 20, .float(222))
        try e.append(database: "db", k1, 15, .float(1.5))
        #expect(try e.points("db", k1).map { $0.1 } == [.float(1), .float(1.5), .float(222), .float(3)])
        try e.flush()  // a second segment in the same window, with higher precedence
        #expect(try e.points("db", k1).map { $0.1 } == [.float(1), .float(1.5), .float(222), .float(3)])
        try e.flushAndCompact()
        #expect(e.stats().databases[0].segments == 1)
        #expect(try e.points("db", k1).map { $0.1 } == [.float(1), .float(1.5), .float(222), .float(3)])
        try e.close()
        let e2 = try Engine(path: dir.path, options: testOptions())
        #expect(try e2.points("db", k1).map { $0.1 } == [.float(1), .float(1.5), .float(222), .float(3)])
        try e2.close()
    }

    @Test func typeConflictRejectsOnlyThatPoint() throws {
        let dir = TempDir()
        let e = try Engine(path: dir.path, options: testOptions())
        try e.append(database: "db", k1, 1, .float(1))
        var b = WriteBatch(database: "db")
        b.append(k1, 2, .integer(2))
        b.append(k1, 3, .float(3))
        b.append(k2, 3, .string("x"))
        let r = try e.append(b)
        #expect(r.written == 2)
        #expect(r.rejected.count == 1 && r.rejected[0].index == 0)
        #expect("\(r.rejected[0].error)" == "field type conflict: input field \"usage\" on measurement \"cpu\" is type integer, already exists as type float")
        #expect(try e.points("db", k1).map { $0.0 } == [1, 3])
        try e.close()
    }

    @Test func seriesLimit() throws {
        let dir = TempDir()
        var o = testOptions()
        o.maxSeriesPerDatabase = 2
        let e = try Engine(path: dir.path, options: o)
        var b = WriteBatch(database: "db")
        for i in 0..<4 { b.append(SeriesKey("m", ["i": "\(i)"], field: "v"), 1, .float(1)) }
        b.append(SeriesKey("m", ["i": "0"], field: "v"), 2, .float(2))
        let r = try e.append(b)
        #expect(r.written == 3 && r.rejected.map { $0.index } == [2, 3])
        try e.close()
    }

    @Test func seriesIDsAreStableAcrossRestarts() throws {
        let dir = TempDir()
        var ids: [UInt32] = []
        do {
            let e = try Engine(path: dir.path, options: testOptions())
            try e.append(database: "db", k1, 1, .float(1))
            try e.flush()
            try e.append(database: "db", k2, 1, .float(1))
            ids = try e.select("db", SeriesSelector("cpu")).map { $0.id }
            try e.close()
        }
        let e = try Engine(path: dir.path, options: testOptions())
        #expect(try e.select("db", SeriesSelector("cpu")).map { $0.id } == ids)
        try e.append(database: "db", SeriesKey("cpu", ["host": "c"], field: "usage"), 1, .float(1))
        #expect(try e.select("db", SeriesSelector("cpu")).map { $0.id } == ids + [3])
        try e.close()
    }

    @Test func sealSplitsByWindowAndRangeQueriesClip() throws {
        let dir = TempDir()
        let e = try Engine(path: dir.path, options: testOptions())
        let hour: Int64 = 3_600_000_000_000
        var b = WriteBatch(database: "db")
        for i in 0..<(6 * 60) { b.append(k1, Int64(i) * 60_000_000_000, .float(Double(i))) }  // 6 h of minutes
        try e.append(b)
        try e.flush()
        #expect(e.stats().databases[0].segments == 3)
        let pts = try e.points("db", k1, TimeRange(min: hour, max: 3 * hour - 1))
        #expect(pts.count == 120 && pts.first!.0 == hour && pts.last!.0 == 3 * hour - 60_000_000_000)
        try e.close()
    }

    @Test func randomizedAgainstModel() throws {
        // Random appends (out of order, duplicates), flushes, compactions and restarts;
        // the engine must always agree with a dictionary model.
        let dir = TempDir()
        var rng = SplitMix64(seed: 42)
        var model: [Int: [Int64: Double]] = [:]
        var e = try Engine(path: dir.path, options: testOptions())
        let keys = (0..<6).map { SeriesKey("r", ["k": "\($0)"], field: "v") }
        for round in 0..<40 {
            var b = WriteBatch(database: "db")
            for _ in 0..<50 {
                let s = Int(rng.next() % 6)
                let t = Int64(rng.next() % 20_000) * 1_000_000_000  // spans several 2 h windows
                let v = Double(rng.next() % 1000)
                b.append(keys[s], t, .float(v))
                model[s, default: [:]][t] = v
            }
            try e.append(b)
            switch rng.next() % 5 {
            case 0: try e.flush()
            case 1: try e.flushAndCompact()
            case 2:
                try e.close()
                e = try Engine(path: dir.path, options: testOptions())
            default: break
            }
            if round % 5 == 4 {
                for s in 0..<6 {
                    let got = try e.points("db", keys[s])
                    let want = (model[s] ?? [:]).sorted { $0.key < $1.key }
                    #expect(got.map { $0.0 } == want.map { $0.key })
                    #expect(got.map { $0.1 } == want.map { .float($0.value) })
                }
            }
        }
        try e.close()
    }

    /// Head data overlapping many sealed blocks (late points; data a crash mid-seal left in
    /// both the WAL and a segment) is cut at block boundaries, so each block merges only with the
    /// head data inside it; answers are unchanged and the head still wins on equal timestamps.
    @Test func headOverlappingManyBlocksIsMergedPiecewise() throws {
        let dir = TempDir()
        let e = try Engine(path: dir.path, options: testOptions())
        defer { try? e.close() }
        let k = SeriesKey("m", field: "v")
        var b = WriteBatch(database: "db")
        for i in 0..<100_000 { b.append(k, Int64(i) * 10, .float(Double(i))) }
        try e.append(b)
        try e.flush()
        // Head: a rewrite of every 100th sample (newer value wins), one late point before all,
        // and points between samples.
        var h = WriteBatch(database: "db")
        h.append(k, -5, .float(-1))
        for i in stride(from: 0, to: 100_000, by: 100) { h.append(k, Int64(i) * 10, .float(-Double(i))) }
        for i in stride(from: 50, to: 100_000, by: 1000) { h.append(k, Int64(i) * 10 + 5, .float(0.5)) }
        try e.append(h)
        let ref = try e.select("db", SeriesSelector("m", field: "v", []))[0]
        let snap = try e.snapshot("db", [ref], range: .all)[0]
        let blocks = snap.chunks.filter { if case .block = $0.source { true } else { false } }.count
        #expect(blocks > 5)
        let split = Engine.splittingMemory(snap.chunks)
        #expect(split.count > snap.chunks.count)
        // Every memory piece lies within one block's range or between blocks.
        let ranges = snap.chunks.compactMap { c -> ClosedRange<Int64>? in if case .block = c.source { c.minT...c.maxT } else { nil } }
        for c in split { if case .memory = c.source {
            #expect(ranges.allSatisfy { r in (r.contains(c.minT) && r.contains(c.maxT)) || c.maxT < r.lowerBound || c.minT > r.upperBound })
        } }
        var pieces = 0
        var got: [(Int64, Value)] = []
        try e.scan(snap, range: .all) { cols in
            pieces += 1
            for i in 0..<cols.count { got.append((cols.timestamps[i], cols.values[i])) }
            return true
        }
        #expect(pieces > 5)
        var want: [Int64: Double] = [-5: -1]
        for i in 0..<100_000 { want[Int64(i) * 10] = i % 100 == 0 ? -Double(i) : Double(i) }
        for i in stride(from: 50, to: 100_000, by: 1000) { want[Int64(i) * 10 + 5] = 0.5 }
        #expect(got.count == want.count)
        #expect(got.map(\.0) == want.keys.sorted())
        #expect(got.allSatisfy { $0.1 == .float(want[$0.0]!) })
    }

    @Test func dataDirectoryIsLocked() throws {
        let dir = TempDir()
        let e = try Engine(path: dir.path, options: testOptions())
        #expect(throws: FileSystemError.self) { _ = try Engine(path: dir.path, options: testOptions()) }
        try e.close()
    }

    @Test func backgroundSealByMemoryBound() throws {
        let dir = TempDir()
        var o = testOptions()
        o.backgroundMaintenance = true
        o.maintenanceInterval = 10_000_000
        o.headMemoryLimit = 64 << 10
        let e = try Engine(path: dir.path, options: o)
        for n in 0..<20 {
            var b = WriteBatch(database: "db")
            for i in 0..<500 { b.append(k1, Int64(n * 500 + i), .float(Double(i))) }
            try e.append(b)
        }
        var sealed = false
        for _ in 0..<300 where !sealed {
            usleep(10_000)
            sealed = e.stats().seals > 0
        }
        #expect(sealed)
        #expect(try e.points("db", k1).count == 10_000)
        try e.close()
    }
}
