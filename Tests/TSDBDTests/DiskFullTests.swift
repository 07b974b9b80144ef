import Testing
import Foundation
import TSEngine
#if canImport(Glibc)
import Glibc
#endif

/// A real full disk: tsdbd's data directory on a small tmpfs, filled by a file the test then
/// deletes. Writes must be answered 507 while it is full, succeed again within seconds once
/// space is freed, and every acknowledged point must be there after a restart.
/// Needs root (mount); CI runs as root.
@Suite(.serialized) struct DiskFullTests {
    static func sh(_ cmd: String) throws -> (status: Int32, output: String) {
        try RealAgent.run("/bin/sh", ["-c", cmd], timeout: 60)
    }

    @Test func writesAnswer507WhileFullAndResumeWhenSpaceIsFreed() throws {
        let mnt = RealAgent.tempDir("enospc")
        let m = try Self.sh("mount -t tmpfs -o size=48m tmpfs '\(mnt)' 2>&1")
        guard m.status == 0 else {
            Issue.record("cannot mount a tmpfs (needs root): \(m.output)")
            return
        }
        defer {
            _ = try? Self.sh("umount -l '\(mnt)'")
            try? FileManager.default.removeItem(atPath: mnt)
        }
        // Leave about 3 MB free.
        #expect(try Self.sh("dd if=/dev/zero of='\(mnt)/filler' bs=1M count=45 2>&1").status == 0)
        let args = ["--rollup-levels", "none", "--accounting-interval", "off"]
        var d: Daemon? = try Daemon(dataDir: mnt + "/t", extraArgs: args)
        defer { d?.stop() }
        let port = d!.port
        // Batches of 2,000 points with distinct timestamps; value = batch number.
        func body(_ b: Int) -> [UInt8] {
            var s = ""
            for i in 0..<2000 { s += "m,host=h\(i % 20) v=\(b)i \(Int64(b) * 1_000_000 + Int64(i))\n" }
            return Array(s.utf8)
        }
        var acked: [Int] = []
        var first507: HTTPResponse?
        var b = 0
        while first507 == nil && b < 2000 {
            let r = try HTTP.request(port: port, "POST", "/write?db=full&precision=ns", body: body(b))
            if r.status == 204 { acked.append(b) } else if r.status == 507 { first507 = r } else { Issue.record("unexpected \(r.status): \(r.body)"); return }
            b += 1
        }
        let full = try #require(first507, "the disk never filled")
        #expect(full.body.contains("No space left on device"), "\(full.body)")
        #expect(Net.metric(port, "tsdbd_wal_out_of_space") == 1)
        #expect(Net.metric(port, "tsdbd_wal_failed") == 0)
        // Still full: refused again, and the daemon keeps serving reads.
        #expect(try HTTP.request(port: port, "POST", "/write?db=full&precision=ns", body: body(b)).status == 507)
        b += 1
        #expect(try HTTP.request(port: port, "GET", "/ping").status == 204)
        let q = try HTTP.request(port: port, "GET", "/query?db=full&q=SELECT%20count(v)%20FROM%20m")
        #expect(q.status == 200)
        // Free the space: writes succeed again within seconds.
        unlink(mnt + "/filler")
        let freed = Date()
        var resumedAfter: Double?
        while Date().timeIntervalSince(freed) < 10 {
            let r = try HTTP.request(port: port, "POST", "/write?db=full&precision=ns", body: body(b))
            b += 1
            if r.status == 204 { acked.append(b - 1); resumedAfter = Date().timeIntervalSince(freed); break }
            usleep(200_000)
        }
        #expect(resumedAfter != nil && resumedAfter! < 5, "writes did not resume after space was freed")
        for _ in 0..<5 {
            let r = try HTTP.request(port: port, "POST", "/write?db=full&precision=ns", body: body(b))
            #expect(r.status == 204)
            acked.append(b)
            b += 1
        }
        #expect(Net.metric(port, "tsdbd_wal_out_of_space") == 0)
        #expect((Net.metric(port, "tsdbd_wal_no_space_total") ?? 0) >= 2)
        // Restart (graceful), then every acknowledged batch is there with its values; a refused
        // one may be there too (it reached the head before its write failed), but whole.
        d!.stop()
        d = try Daemon(dataDir: mnt + "/t", extraArgs: args)
        let r = try HTTP.request(port: d!.port, "GET", "/query?db=full&q=SELECT%20count(v),%20min(v),%20max(v)%20FROM%20m%20GROUP%20BY%20time(1ms)")
        #expect(r.status == 200)
        d!.stop()
        var counts: [Int: Int] = [:]
        let o = try readBack(mnt + "/t", "full", SeriesKey("m", ["host": "h0"], field: "v"))
        #expect(!o.isEmpty)
        for h in 0..<20 {
            for (t, v) in try readBack(mnt + "/t", "full", SeriesKey("m", ["host": "h\(h)"], field: "v")) {
                let batch = Int(t / 1_000_000)
                #expect(v == .integer(Int64(batch)))
                counts[batch, default: 0] += 1
            }
        }
        for a in acked { #expect(counts[a] == 2000, "batch \(a): \(counts[a] ?? 0) of 2000 points") }
        for (batch, n) in counts where !acked.contains(batch) { #expect(n == 2000, "refused batch \(batch) is partial: \(n)") }
        d = nil
    }
}
