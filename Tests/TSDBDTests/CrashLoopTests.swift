import Foundation
import Testing
import TestSupport

/// kill -9 of the real daemon under concurrent HTTP writes (scripts/crash-loop): the client keeps a
/// ledger of acknowledged batches; after each SIGKILL at a random moment (sometimes during a
/// flush) tsdbd restarts on the same data directory and every acknowledged point of every trial so
/// far must be queryable with its value, none duplicated, none invented, in-flight batches whole or
/// absent, and tsdbd must come up. 10 trials; TSDBD_CRASH_LOOP_TRIALS overrides (e.g. 1000).
@Suite(.tags(.slow)) struct CrashLoopTests {
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/crash-loop").standardized.path
    }
    static var trials: Int {
        ProcessInfo.processInfo.environment["TSDBD_CRASH_LOOP_TRIALS"].flatMap { Int($0) } ?? 10
    }

    @Test func acknowledgedWritesSurviveKill9() throws {
        let r = try RealAgent.run("/usr/bin/env", ["python3", Self.script, "--tsdbd", Daemon.binary, "--trials", "\(Self.trials)"],
                                  timeout: TimeInterval(60 + 15 * Self.trials))
        let summary = r.output.split(separator: "\n").last { $0.hasPrefix("crash-loop: PASS") || $0.hasPrefix("crash-loop: FAIL") } ?? "no summary"
        print("\(summary)")
        #expect(r.status == 0, "\(r.output)")
        #expect(summary.hasPrefix("crash-loop: PASS"), "\(summary)")
    }
}
