import Foundation
import LineProtocol
@testable import TSAccounting
import TSEngine
import TSIngest
import XCTest

/// Accounting against the project's workload generator (Benchmarks/e2e/gen_workload.py), whose
/// truth.json holds the exact figures: reboots, resizes, migrations, HS06 changes, reporting gaps,
/// late lines, VMs starting and stopping, and a month boundary.
final class AccountantTests: XCTestCase {
    static let generator = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Benchmarks/e2e/gen_workload.py").standardized.path
    static let hour: Int64 = 3_600_000_000_000

    final class Fixture {
        let dir: String
        let engine: Engine
        let truth: [String: Any]
        init(engine: Engine, dir: String, truth: [String: Any]) {
            self.engine = engine
            self.dir = dir
            self.truth = truth
        }
        deinit {
            try? engine.close()
            try? FileManager.default.removeItem(atPath: dir)
        }
        var vms: [[String: Any]] { truth["vms"] as! [[String: Any]] }
        var end: Int64 { (truth["end_ms"] as! NSNumber).int64Value * 1_000_000 }
        var start: Int64 { (truth["start_ms"] as! NSNumber).int64Value * 1_000_000 }
    }

    /// Generates a small, eventful workload across the January/February boundary and loads it.
    static func fixture(extra: [String] = []) throws -> Fixture {
        var t = Array("/tmp/tsacct-XXXXXX".utf8CString)
        let dir = String(cString: t.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }!)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", generator, dir + "/w", "--hosts", "3", "--vms", "6", "--cores", "1", "--hours", "3", "--sites", "1",
                       "--start", "1769896800",  // 2026-01-31T22:00:00Z
                       "--reboot-rate", "0.01", "--resize-prob", "0.5", "--migrate-rate", "0.005", "--hs06-change-prob", "1",
                       "--gap-rate", "0.004", "--late-frac", "0.05", "--start-frac", "0.2", "--stop-frac", "0.2", "--batch", "20000"] + extra
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "generator failed")
        var o = EngineOptions()
        o.syncPolicy = .none
        o.backgroundMaintenance = false
        o.log = { _, _ in }
        let engine = try Engine(path: dir + "/data", options: o)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/w").filter { $0.hasSuffix(".lp") }.sorted()
        for (i, f) in files.enumerated() {
            let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/w/" + f))
            let ing = LineProtocolIngester(database: "collectd", precision: .milliseconds, now: 0)
            try data.withUnsafeBytes { try ing.feed($0) { try engine.append($0) } }
            if let last = ing.finish() { try engine.append(last) }
            XCTAssertEqual(ing.parseErrors, 0)
            if i % 5 == 4 { try engine.flush() }  // some data sealed, late lines arrive after
        }
        let truth = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/w/truth.json"))) as! [String: Any]
        return Fixture(engine: engine, dir: dir, truth: truth)
    }

    static func close(_ a: Double, _ b: Double) -> Bool { a == b || abs(a - b) <= 1e-9 * max(abs(a), abs(b)) }

    static let figures = [("cpu_hours", "cpu_seconds"), ("hs06_hours", "hs06_seconds"), ("wall_hours", "wall_seconds"), ("vcpu_hours", "vcpu_seconds")]

    /// Compares per-VM report rows with truth (whole window, or one month).
    func assertMatchesTruth(_ rows: [ReportRow], _ f: Fixture, month: String? = nil, file: StaticString = #filePath, line: UInt = #line) {
        let byVM = Dictionary(uniqueKeysWithValues: rows.map { ($0.group[0].value, $0) })
        var checked = 0
        for vm in f.vms {
            let uuid = vm["uuid"] as! String
            let src = month.map { (vm["months"] as! [String: [String: Double]])[$0] ?? [:] } ?? vm.mapValues { $0 } as [String: Any]
            let row = byVM[uuid]
            for (h, s) in Self.figures {
                let want = ((src[s] as? NSNumber)?.doubleValue ?? (src[s] as? Double) ?? 0) / 3600
                let got: Double
                switch h {
                case "cpu_hours": got = row?.cpuHours ?? 0
                case "hs06_hours": got = row?.hs06Hours ?? 0
                case "wall_hours": got = row?.wallHours ?? 0
                default: got = row?.vcpuHours ?? 0
                }
                XCTAssertTrue(Self.close(got, want), "\(uuid) \(h) \(month ?? "all"): got \(got), truth \(want)", file: file, line: line)
            }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 10)
    }

    func testLiveFiguresEqualTruthPerVMAndMonth() throws {
        let f = try Self.fixture()
        let events = f.truth["events"] as! [String: Any]
        XCTAssertGreaterThan((events["reboots"] as! NSNumber).intValue, 5, "the workload must exercise resets")
        let acct = Accountant(engine: f.engine, config: AccountingConfig())
        let all = try acct.usage(range: .all)
        assertMatchesTruth(AccountingReport.rows(all, by: [.vm]), f)
        for m in ["2026-01", "2026-02"] {
            let r = try acct.usage(range: try monthRange(m))
            assertMatchesTruth(AccountingReport.rows(r, by: [.vm]), f, month: m)
        }
        // Project totals are the sums of their VMs; the months add up to the whole.
        let projects = AccountingReport.rows(all, by: [.project])
        let vms = AccountingReport.rows(all, by: [.vm, .project])
        for p in projects {
            let sum = vms.filter { $0.group[1].value == p.group[0].value }.reduce(0) { $0 + $1.cpuHours }
            XCTAssertTrue(Self.close(sum, p.cpuHours))
        }
        let jan = try acct.usage(range: try monthRange("2026-01")), feb = try acct.usage(range: try monthRange("2026-02"))
        let total = all.reduce(0) { $0 + $1.cpuNs }, split = (jan + feb).reduce(0) { $0 + $1.cpuNs }
        XCTAssertTrue(Self.close(total, split))
        // A migrating VM is attributed per hypervisor and never double counted.
        let migrated = f.vms.filter { !($0["migrations"] as! [Any]).isEmpty }
        XCTAssertFalse(migrated.isEmpty, "the workload must exercise migrations")
        for vm in migrated {
            let uuid = vm["uuid"] as! String
            let hv = AccountingReport.rows(all.filter { $0.vm == uuid }, by: [.hypervisor])
            XCTAssertGreaterThan(hv.count, 1)
            XCTAssertTrue(Self.close(hv.reduce(0) { $0 + $1.cpuHours }, (vm["cpu_seconds"] as! NSNumber).doubleValue / 3600))
        }
    }

    func testJobStoresTheSameFiguresAndIsIdempotent() throws {
        let f = try Self.fixture()
        let clock = Clock(now: f.start + 90 * 60_000_000_000)  // an interrupted first run, mid-way
        let job = try AccountingJob(engine: f.engine, config: AccountingConfig(), stateDir: f.dir + "/state", clock: { clock.now })
        job.lateHorizon = Self.hour
        try job.runOnce()
        clock.now = f.end + Self.hour
        let first = try job.runOnce()
        XCTAssertGreaterThan(first.records, 0)
        let stored = try job.reportRecords(range: TimeRange(min: f.start, max: f.end - 1))
        assertMatchesTruth(AccountingReport.rows(stored, by: [.vm]), f)
        assertMatchesTruth(AccountingReport.rows(try job.reportRecords(range: try monthRange("2026-02")), by: [.vm]), f, month: "2026-02")
        // Running again, or from scratch on a new job state, changes no figure.
        try job.runOnce()
        let again = AccountingReport.rows(try job.reportRecords(range: TimeRange(min: f.start, max: f.end - 1)), by: [.vm, .hypervisor])
        XCTAssertEqual(again, AccountingReport.rows(stored, by: [.vm, .hypervisor]))
        // Late data in an old hour is found by the rollup counts and recomputed.
        try f.engine.flush()
        let vm = f.vms.first { ($0["stop_ms"] as? NSNumber) == nil && ($0["cpu_samples"] as! NSNumber).intValue > 100 }!["uuid"] as! String
        var b = WriteBatch(database: "collectd")
        let t = f.start + 3 * 60_000_000_000 + 5_000_000_000  // between two samples, in the first hour
        b.append(SeriesKey("virt_value", ["host": vm, "type": "virt_cpu_total"], field: "value"), t, .float(1))  // a reset and restart
        try f.engine.append(b)
        try f.engine.flush()
        job.lateHorizon = 0
        let late = try job.runOnce()
        XCTAssertGreaterThanOrEqual(late.lateHours, 1)
        let live = AccountingReport.rows(try Accountant(engine: f.engine, config: AccountingConfig()).usage(range: TimeRange(min: f.start, max: f.end - 1)), by: [.vm])
        let fromJob = AccountingReport.rows(try job.reportRecords(range: TimeRange(min: f.start, max: f.end - 1)), by: [.vm])
        for (x, y) in zip(live, fromJob) {
            XCTAssertEqual(x.group[0].value, y.group[0].value)
            XCTAssertTrue(Self.close(x.cpuHours, y.cpuHours) && Self.close(x.hs06Hours, y.hs06Hours), "\(x.group[0].value)")
        }
    }

    func testAPELRecordsParseBackAndMatchTheReport() throws {
        let f = try Self.fixture()
        let usage = try Accountant(engine: f.engine, config: AccountingConfig()).usage(range: .all)
        let rows = AccountingReport.rows(usage, by: [.vm])
        let (header, records) = AccountingReport.parseAPEL(AccountingReport.apelRecords(rows, rangeEnd: f.end))
        XCTAssertEqual(header, "APEL-cloud-message: v0.4")
        XCTAssertEqual(records.count, rows.count)
        let required = ["VMUUID", "SiteName", "CloudComputeService", "MachineName", "LocalUserId", "LocalGroupId", "GlobalUserName", "FQAN",
                        "Status", "StartTime", "EndTime", "SuspendDuration", "WallDuration", "CpuDuration", "CpuCount", "NetworkType",
                        "NetworkInbound", "NetworkOutbound", "PublicIPCount", "Memory", "Disk", "BenchmarkType", "Benchmark",
                        "StorageRecordId", "ImageId", "CloudType"]
        for (rec, row) in zip(records, rows) {
            XCTAssertEqual(Set(rec.keys), Set(required))
            XCTAssertEqual(rec["VMUUID"], row.group[0].value)
            XCTAssertEqual(Int64(rec["CpuDuration"]!), Int64((row.cpuHours * 3600).rounded()))
            XCTAssertEqual(Int64(rec["WallDuration"]!), Int64((row.wallHours * 3600).rounded()))
            XCTAssertEqual(rec["BenchmarkType"], "HEPSPEC")
        }
        let (sh, sums) = AccountingReport.parseAPEL(AccountingReport.apelSummaries(usage))
        XCTAssertEqual(sh, "APEL-cloud-summary-message: v0.4")
        XCTAssertEqual(Set(sums.map { $0["Month"]! }), ["1", "2"])
        let cpu = sums.reduce(0) { $0 + Int64($1["CpuDuration"]!)! }
        XCTAssertEqual(Double(cpu), usage.reduce(0) { $0 + $1.cpuNs } / 1e9, accuracy: Double(sums.count))
    }

    func testMappingFileFillsMissingFacts() throws {
        var o = EngineOptions()
        o.syncPolicy = .none
        o.backgroundMaintenance = false
        o.log = { _, _ in }
        let dir = NSTemporaryDirectory() + "tsacct-map-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let e = try Engine(path: dir, options: o)
        defer { try? e.close() }
        var b = WriteBatch(database: "collectd")
        let s: Int64 = 1_000_000_000, t0: Int64 = 1_767_225_600 * s
        for (i, v) in [100.0, 100 + 5e9, 3e9, 3e9 + 10e9].enumerated() {
            b.append(SeriesKey("virt_value", ["host": "vm-1", "type": "virt_cpu_total"], field: "value"), t0 + Int64(i) * 10 * s, .float(v))
        }
        b.append(SeriesKey("virt_value", ["host": "vm-1", "type": "virt_cpu_total"], field: "value"), t0 + 200 * s, .float(3e9 + 11e9))
        try e.append(b)
        var cfg = AccountingConfig()
        cfg.mapping = try MappingFile.parse("uuid,project,vcpus,hs06_per_core,site\nvm-1,atlas,2,10.5,cloudA\n")
        let r = AccountingReport.rows(try Accountant(engine: e, config: cfg).usage(range: .all), by: [.vm, .project, .site])
        XCTAssertEqual(r.count, 1)
        XCTAssertEqual(r[0].group.map(\.value), ["vm-1", "atlas", "cloudA"])
        XCTAssertEqual(r[0].cpuHours * 3600, 5 + 3 + 10 + 1, accuracy: 1e-9, "reset counted from zero")
        XCTAssertEqual(r[0].wallHours * 3600, 30, accuracy: 1e-9, "the 170 s gap is not wall time")
        XCTAssertEqual(r[0].vcpuHours * 3600, 60, accuracy: 1e-9)
        XCTAssertEqual(r[0].hs06Hours * 3600, 19 * 10.5, accuracy: 1e-9)
        XCTAssertThrowsError(try MappingFile.parse("uuid,vcpus\nx,notanumber\n"))
    }

    final class Clock: @unchecked Sendable {
        var now: Int64
        init(now: Int64) { self.now = now }
    }
}
