import Testing
@testable import TSEngine
import TestSupport

/// Issue 16's scale, not timed: 10⁶ series are written, sealed (with rollups), reopened and
/// queried by tag, and every id, key and value survives. A regression that made the catalog,
/// the index or a seal quadratic in the series count, or lost series at this scale, fails here.
@Suite struct MillionSeriesTests {
    static let series = 1_000_000
    static let hosts = 1_000
    static let kinds = ["cpu", "disk", "net", "mem"]

    static func key(_ i: Int) -> SeriesKey {
        SeriesKey(measurement: "virt_value",
                  tags: [Tag("host", "hv-\(i % hosts)"), Tag("instance", "vm-\(i / 4)"), Tag("type_instance", kinds[i % 4])],
                  field: "value")
    }

    @Test func millionSeriesAreWrittenSealedReopenedAndQueried() throws {
        let dir = TempDir()
        let t0: Int64 = 1_767_225_600_000_000_000
        do {
            let e = try Engine(path: dir.path, options: testOptions(SyncPolicy.none))
            var i = 0
            while i < Self.series {
                var b = WriteBatch(database: "db")
                for j in i..<min(Self.series, i + 50_000) {
                    let k = Self.key(j)
                    b.append(k, t0, .float(Double(j)))
                    b.append(k, t0 + 10_000_000_000, .float(Double(j) + 0.5))
                }
                let r = try e.append(b)
                #expect(r.rejected.isEmpty)
                i += 50_000
            }
            try e.flush()
            let st = e.stats().databases.first { $0.name == "db" }!
            #expect(st.series == Self.series && st.segmentSamples == 2 * Self.series && st.headSamples == 0)
            try e.close()
        }
        let e = try Engine(path: dir.path, options: testOptions(SyncPolicy.none))
        #expect(e.stats().databases.first { $0.name == "db" }!.series == Self.series)
        // One host: 1,000 series, ids in the order they were created.
        let refs = try e.select("db", SeriesSelector("virt_value", field: "value", [.eq("host", "hv-7")]))
        #expect(refs.count == Self.series / Self.hosts)
        let want: [UInt32] = (0..<(Self.series / Self.hosts)).map { n in UInt32(n * Self.hosts + 7 + 1) }
        #expect(refs.map { $0.id } == want)
        for ref in [refs.first!, refs[refs.count / 2], refs.last!] {
            let n = Int(ref.id) - 1
            #expect(ref.key == Self.key(n))
            let pts = try e.points("db", ref.key)
            let times: [Int64] = pts.map { $0.0 }
            let values: [Value] = pts.map { $0.1 }
            #expect(times == [t0, t0 + 10_000_000_000])
            #expect(values == [Value.float(Double(n)), Value.float(Double(n) + 0.5)])
        }
        #expect(try e.tagValues("db", measurement: "virt_value", key: "host").count == Self.hosts)
        #expect(try e.liveTagValues("db", measurement: "virt_value", keys: { $0 == "type_instance" }).first?.values.strings == Self.kinds.sorted())
        // A new series after the restart takes the next id.
        var b = WriteBatch(database: "db")
        b.append(SeriesKey("virt_value", ["host": "hv-new"], field: "value"), t0, .float(1))
        try e.append(b)
        #expect(try e.select("db", SeriesSelector("virt_value", field: "value", [.eq("host", "hv-new")])).map { $0.id } == [UInt32(Self.series + 1)])
        try e.close()
    }
}
