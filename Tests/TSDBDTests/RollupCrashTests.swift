import Foundation
import Testing

/// kill -9 while a seal computes rollups: after the restart every statement answered from the
/// levels equals the raw answer (the levels are consistent), before and after the next flush.
@Suite(.serialized) struct RollupCrashTests {
    static let statements = [
        "SELECT mean(value), max(value), count(value) FROM m WHERE time >= '2026-01-01T00:00:00Z' AND time < '2026-01-01T08:00:00Z' GROUP BY time(1h), host",
        "SELECT increase(value) FROM c WHERE time >= '2026-01-01T00:00:00Z' AND time < '2026-01-01T08:00:00Z' GROUP BY time(5m)",
        "SELECT sum(value) FROM m WHERE time >= '2026-01-01T00:00:00Z' AND time < '2026-01-01T08:00:00Z'",
    ]

    @Test(arguments: [40, 150, 400]) func killDuringRollup(delayMs: Int) throws {
        let d = try Daemon()
        var body = ""
        for s in 0..<(8 * 360) {
            let t = 1_767_225_600 + s * 10
            for h in 0..<20 { body += "m,host=h\(h) value=\((s * 7 + h * 13) % 101) \(t)\nc,host=h\(h) value=\(s % 500 == 499 ? 3 : s * 1000 + h) \(t)\n" }
            if s % 360 == 359 {
                #expect(try HTTP.request(port: d.port, "POST", "/write?db=k&precision=s", text: body).status == 204)
                body = ""
            }
        }
        // Flush (seal + rollups) and kill -9 part-way.
        let port = d.port
        let flusher = Thread { _ = try? HTTP.request(port: port, "POST", "/api/v1/admin/flush") }
        flusher.start()
        usleep(useconds_t(delayMs * 1000))
        d.kill9()
        let d2 = try Daemon(dataDir: d.dataDir)
        defer { d2.stop(); d2.removeData() }
        for round in 0..<2 {
            for q in Self.statements {
                let auto = try HTTP.request(port: d2.port, "GET", "/api/v1/query?db=k&q=" + urlEncode(q))
                let raw = try HTTP.request(port: d2.port, "GET", "/api/v1/query?db=k&level=raw&q=" + urlEncode(q))
                #expect(auto.status == 200 && raw.status == 200)
                #expect(Self.stripLevel(auto.body) == Self.stripLevel(raw.body), "round \(round), delay \(delayMs) ms: \(q)")
            }
            #expect(try HTTP.request(port: d2.port, "POST", "/api/v1/admin/flush").status == 200)
        }
        let last = try HTTP.request(port: d2.port, "GET", "/api/v1/query?db=k&q=" + urlEncode(Self.statements[0]))
        #expect(last.body.contains(#""level":"1h""#), "after a flush the levels answer: \(last.body.prefix(120))")
    }

    static func stripLevel(_ s: String) -> String {
        var o = s
        for l in ["raw", "5m", "1h"] { o = o.replacingOccurrences(of: #""level":"\#(l)","#, with: "") }
        return o
    }
}
