import Foundation
import Testing

/// Accounting through the real daemon and tsctl, checked with the generator's own checker.
@Suite(.serialized) struct AccountingDaemonTests {
    static var e2e: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Benchmarks/e2e").standardized.path
    }

    @Test func reportsMatchTheGeneratorsTruth() throws {
        let dir = RealAgent.tempDir("acct")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let gen = try RealAgent.run("/usr/bin/env", ["python3", Self.e2e + "/gen_workload.py", dir + "/w", "--hosts", "2", "--vms", "5", "--cores", "1",
                                                      "--hours", "2", "--sites", "1", "--reboot-rate", "0.01", "--migrate-rate", "0.005",
                                                      "--gap-rate", "0.004", "--late-frac", "0.05", "--batch", "20000"], timeout: 120)
        #expect(gen.status == 0, "\(gen.output)")
        let d = try Daemon(extraArgs: ["--accounting-interval", "off"])
        defer { d.stop(); d.removeData() }
        for f in try FileManager.default.contentsOfDirectory(atPath: dir + "/w").filter({ $0.hasSuffix(".lp") }).sorted() {
            let body = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/w/" + f)))
            #expect(try HTTP.request(port: d.port, "POST", "/write?db=collectd&precision=ms", body: body).status == 204)
        }
        #expect(try HTTP.request(port: d.port, "POST", "/api/v1/admin/flush").status == 200)
        let run = try HTTP.request(port: d.port, "POST", "/api/v1/accounting/run")
        #expect(run.status == 200 && run.body.contains("\"hours\":"), "\(run.body)")
        let url = "http://127.0.0.1:\(d.port)"
        let rep = try tsctl(["accounting", "report", "--by", "vm", "--from", "2026-01-01T00:00:00Z", "--to", "2026-01-01T02:00:00Z", "--format", "json", "--url", url])
        #expect(rep.status == 0, "\(rep.output)")
        try rep.output.write(toFile: dir + "/report.json", atomically: true, encoding: .utf8)
        let check = try RealAgent.run("/usr/bin/env", ["python3", Self.e2e + "/check_truth.py", dir + "/w/truth.json", dir + "/report.json"], timeout: 60)
        #expect(check.status == 0, "\(check.output)")
        let month = try tsctl(["accounting", "report", "--by", "project", "--month", "2026-01", "--url", url])
        #expect(month.status == 0 && month.output.contains("TOTAL"), "\(month.output)")
        let apel = try tsctl(["accounting", "report", "--by", "vm", "--month", "2026-01", "--format", "apel", "--url", url])
        #expect(apel.status == 0 && apel.output.hasPrefix("APEL-cloud-message: v0.4\n") && apel.output.contains("BenchmarkType: HEPSPEC"))
        let sum = try tsctl(["accounting", "report", "--month", "2026-01", "--format", "apel", "--summary", "--url", url])
        #expect(sum.status == 0 && sum.output.hasPrefix("APEL-cloud-summary-message: v0.4\n") && sum.output.contains("Month: 1"))
        // The stored accounting_vm series are queryable with InfluxQL.
        let q = try HTTP.request(port: d.port, "GET", "/query?db=collectd&q=" + urlEncode("SELECT sum(cpu_seconds) FROM accounting_vm"))
        #expect(q.status == 200 && q.body.contains("\"sum\""), "\(q.body)")
        // Bad requests: clear errors and exit codes.
        let bad = try HTTP.request(port: d.port, "GET", "/api/v1/accounting/report?by=colour&month=2026-01")
        #expect(bad.status == 400 && bad.body.contains("unknown --by dimension"))
        #expect(try tsctl(["accounting", "report", "--month", "2026-13", "--url", url]).status == 2)
    }
}
