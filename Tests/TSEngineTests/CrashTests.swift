import Testing
import Foundation
@testable import TSEngine
import tscrashchild
import TestSupport

/// Kills a child process that appends with fsync `always` at random moments and checks that
/// every acknowledged batch is there after reopening. Trials: env TSENGINE_CRASH_TRIALS (default 20).
@Suite struct CrashTests {
    static var childPath: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tscrashchild").path
    }

    @Test func killNineNeverLosesAnAcknowledgedWrite() throws {
        let trials = Int(ProcessInfo.processInfo.environment["TSENGINE_CRASH_TRIALS"] ?? "") ?? 20
        var rng = SplitMix64(seed: UInt64(ProcessInfo.processInfo.environment["TSENGINE_CRASH_SEED"] ?? "") ?? 7)
        var dir = TempDir("crash")
        var nextBatch = 0
        var acknowledged: [Int] = []
        var totalAcks = 0
        for trial in 0..<trials {
            // Every 25 trials start from an empty directory, so the check after each kill
            // (which reads everything) stays linear in the number of trials.
            if trial > 0 && trial % 25 == 0 {
                dir = TempDir("crash")
                acknowledged = []
            }
            let p = Process()
            p.executableURL = URL(fileURLWithPath: CrashTests.childPath)
            p.arguments = [dir.path, String(nextBatch), String(64 << 10)]
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            try p.run()
            let delay = 50_000 + Int(rng.next() % 400_000)
            usleep(UInt32(delay))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            // Only complete lines count: a torn last line was never fully reported.
            let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
            let complete = text.hasSuffix("\n") ? lines : lines.dropLast()
            let acks = complete.compactMap { $0.hasPrefix("ACK ") ? Int($0.dropFirst(4)) : nil }
            acknowledged += acks
            totalAcks += acks.count
            nextBatch = (acks.last ?? nextBatch) + 1 + 1000  // leave room: unacknowledged batches may exist
            // Reopen in-process and check every acknowledged batch so far.
            let e = try Engine(path: dir.path, options: testOptions())
            var have: [Int: [Int64: Value]] = [:]
            for ref in try e.select("crash", SeriesSelector("crash")) {
                let s = Int(ref.key.tagValue("dev")!.dropFirst())!
                let c = try e.read("crash", ref)
                var m: [Int64: Value] = [:]
                for i in 0..<c.count { m[c.timestamps[i]] = c.values[i] }
                have[s] = m
            }
            var missing = 0
            for n in acknowledged {
                for (s, t) in CrashWorkload.points(n) where have[s]?[t] != CrashWorkload.value(s, t) { missing += 1 }
            }
            #expect(missing == 0, "trial \(trial): \(missing) acknowledged points missing")
            try e.close()
        }
        #expect(totalAcks > 0, "the child acknowledged nothing; the test proved nothing")
        print("crash test: \(trials) trials, \(totalAcks) acknowledged batches of \(CrashWorkload.perBatch) points, 0 lost")
    }
}
