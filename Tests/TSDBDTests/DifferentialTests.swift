import Foundation
import Testing
import TestSupport

/// tsdbd against InfluxDB 1.6 (Debian's influxd) on the same data: 200 InfluxQL statements must
/// give equal results, except the justified differences listed in the script
/// (docs/query-differences.md).
@Suite(.tags(.slow)) struct DifferentialTests {
    static let influxd = "/usr/bin/influxd"
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Differential/differential.py").path
    }
    static let trait = ConditionTrait.enabled(if: FileManager.default.isExecutableFile(atPath: influxd) || RealAgent.inCI,
                                              "influxd not installed (apt-get install influxdb); with CI set this is a failure")

    @Test(trait) func sameAnswersAsInfluxDB() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.influxd), "influxd missing while CI is set (apt-get install influxdb)")
        let r = try RealAgent.run("/usr/bin/env", ["python3", Self.script, "--tsdbd", Daemon.binary, "--influxd", Self.influxd], timeout: 300)
        let summary = r.output.split(separator: "\n").last { $0.contains(" statements, ") } ?? "no summary"
        print("differential: \(summary)")
        #expect(r.status == 0, "\(r.output)")
        #expect(summary.contains("0 unexplained"), "\(summary)")
    }
}
