import Testing
import Foundation
import TSEngine
#if canImport(Glibc)
import Glibc
#endif

/// Hostile line-protocol input against the real tsdbd: the bad line is refused with a clear
/// reason, the good lines around it are kept, memory stays bounded and the process keeps answering.
/// (A 1 GiB declared body is covered by DaemonTests.oversizeBodyIsRefusedWithoutReadingIt.)
@Suite(.serialized) struct HostileInputTests {

    static let maxGrowthKB = 64 * 1024

    /// `count` distinct tag keys of 3 characters (so 10,000 tags stay under the 64 KiB series-key limit).
    static func manyTags(_ count: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var s = ""
        s.reserveCapacity(count * 6)
        for i in 0..<count {
            let k = String([alphabet[i / (62 * 62) % 62], alphabet[i / 62 % 62], alphabet[i % 62]])
            s += ",\(k)=v"
        }
        return s
    }

    @Test func hugeLineAmongGoodLines() throws {
        let d = try Daemon()
        defer { d.stop(); d.removeData() }
        #expect(try HTTP.request(port: d.port, "POST", "/write?db=h", text: "good v=0 0\n").status == 204)
        let pid = d.process.processIdentifier
        let before = rssKB(pid)
        let huge = "big,t=x v=\"" + String(repeating: "x", count: 300 * 1024) + "\" 5\n"
        for round in 0..<3 {
            let body = "good v=1 \(round * 10 + 1)\n" + huge + "good v=2 \(round * 10 + 2)\n"
            let r = try HTTP.request(port: d.port, "POST", "/write?db=h", text: body)
            #expect(r.status == 400)
            #expect(r.body.contains("line too long") && r.body.contains("dropped=1"), "\(r.body.prefix(500))")
            #expect(r.body.count < 4096)  // the reason quotes a prefix of the line, not all of it
        }
        #expect(rssKB(pid) - before < Self.maxGrowthKB, "RSS grew from \(before) KB to \(rssKB(pid)) KB")
        #expect(try HTTP.request(port: d.port, "GET", "/ping").status == 204)
        d.stop()
        #expect(try readBack(d.dataDir, "h", SeriesKey("good", field: "v")).map { $0.0 } == [0, 1, 2, 11, 12, 21, 22])
        #expect(try readBack(d.dataDir, "h", SeriesKey("big", ["t": "x"], field: "v")).isEmpty)
    }

    @Test func tenThousandTagsAreRefusedByTheTagLimit() throws {
        let d = try Daemon()
        defer { d.stop(); d.removeData() }
        #expect(try HTTP.request(port: d.port, "POST", "/write?db=t", text: "ok,h=a v=0 0\n").status == 204)
        let pid = d.process.processIdentifier
        let before = rssKB(pid)
        let bad = "wide" + Self.manyTags(10_000) + " v=1 5\n"
        for round in 0..<3 {
            let r = try HTTP.request(port: d.port, "POST", "/write?db=t",
                                     text: "ok,h=a v=1 \(round * 10 + 1)\n" + bad + "ok,h=a v=2 \(round * 10 + 2)\n")
            #expect(r.status == 400)
            #expect(r.body.contains("max tags per point exceeded: 10000 > 256") && r.body.contains("dropped=1"), "\(r.body.prefix(500))")
        }
        #expect(rssKB(pid) - before < Self.maxGrowthKB, "RSS grew from \(before) KB to \(rssKB(pid)) KB")
        #expect(try HTTP.request(port: d.port, "GET", "/ping").status == 204)
        // Up to the limit is fine.
        #expect(try HTTP.request(port: d.port, "POST", "/write?db=t", text: "edge" + Self.manyTags(256) + " v=1 1\n").status == 204)
        #expect(Net.metric(d.port, #"tsdbd_lines_rejected_total{protocol="http",reason="parse"}"#) == 3)
        d.stop()
        #expect(try readBack(d.dataDir, "t", SeriesKey("ok", ["h": "a"], field: "v")).map { $0.0 } == [0, 1, 2, 11, 12, 21, 22])
    }

    @Test func tagLimitFlagAppliesToHTTPAndListeners() throws {
        let tcp = Daemon.freePort()
        let udp = Daemon.freePort(udp: true)
        let d = try Daemon(extraArgs: ["--max-tags-per-point", "2", "--lp-tcp-addr", "127.0.0.1:\(tcp)", "--lp-udp-addr", "127.0.0.1:\(udp)"])
        defer { d.stop(); d.removeData() }
        let body = "m,a=1,b=2 v=1 1\nm,a=1,b=2,c=3 v=2 2\nm,a=1,b=2 v=3 3\n"
        let r = try HTTP.request(port: d.port, "POST", "/write?db=lp", text: body)
        #expect(r.status == 400 && r.body.contains("max tags per point exceeded: 3 > 2") && r.body.contains("dropped=1"), "\(r.body)")
        let fd = try HTTP.connect(port: tcp)
        #expect(HTTP.sendAll(fd, Array("m,a=1,b=2 v=4 4\nm,a=1,b=2,c=3 v=5 5\n".utf8)))
        close(fd)
        Net.sendUDP(port: udp, "m,a=1,b=2,c=3 v=6 6\nm,a=1,b=2 v=7 7\n")
        #expect(Net.waitMetric(d.port, #"tsdbd_lines_rejected_total{protocol="lp_tcp",reason="parse"}"#, atLeast: 1) == 1)
        #expect(Net.waitMetric(d.port, #"tsdbd_lines_rejected_total{protocol="lp_udp",reason="parse"}"#, atLeast: 1) == 1)
        #expect(Net.waitMetric(d.port, #"tsdbd_points_written_total{protocol="lp_tcp"}"#, atLeast: 1) == 1)
        #expect(Net.waitMetric(d.port, #"tsdbd_points_written_total{protocol="lp_udp"}"#, atLeast: 1) == 1)
        d.stop()
        #expect(try readBack(d.dataDir, "lp", SeriesKey("m", ["a": "1", "b": "2"], field: "v")).map { $0.0 } == [1, 3, 4, 7])
    }
}

extension HostileInputTests {
    /// write_http bodies: a huge value list, deep nesting, and many small value lists in one body.
    @Test func hostileCollectdBodies() throws {
        let d = try Daemon(extraArgs: ["--collectd-db", "cd"])
        defer { d.stop(); d.removeData() }
        #expect(try HTTP.request(port: d.port, "POST", "/collectd", text: "PUTVAL h/users/users 1:1\n").status == 204)
        let pid = d.process.processIdentifier
        let before = rssKB(pid)
        // One value list with a million values between two good ones: refused, the others kept.
        let good = #"{"values":[2],"dstypes":["gauge"],"host":"h","plugin":"users","type":"users","time":2}"#
        let huge = #"{"values":["# + String(repeating: "1,", count: 1_000_000) + #"1],"host":"h","plugin":"x","type":"gauge","time":3}"#
        let r = try HTTP.request(port: d.port, "POST", "/collectd", body: Array("[\(good),\(huge),\(good.replacingOccurrences(of: "\"time\":2", with: "\"time\":4"))]".utf8),
                                 headers: ["Content-Type": "application/json"])
        #expect(r.status == 400 && r.body.contains("more than 65536 JSON values") && r.body.contains("dropped=1"), "\(r.body.prefix(500))")
        // 100,000 nested arrays: refused without exhausting the stack.
        let deep = try HTTP.request(port: d.port, "POST", "/collectd", body: Array(String(repeating: "[", count: 100_000).utf8))
        #expect(deep.status == 400 && deep.body.contains("nesting deeper"), "\(deep.body.prefix(500))")
        // ~10 MB of small value lists in one body: written in batches.
        var many = "["
        let n = 100_000
        for i in 0..<n { many += #"{"values":[\#(i)],"dstypes":["gauge"],"host":"h\#(i % 100)","plugin":"load","type":"gauge","time":\#(1_767_225_600 + i / 100)},"# }
        many += good + "]"
        let m = try HTTP.request(port: d.port, "POST", "/collectd", body: Array(many.utf8), headers: ["Content-Type": "application/json"])
        #expect(m.status == 204, "\(m.body.prefix(500))")
        let grown = rssKB(pid) - before
        #expect(grown < Self.maxGrowthKB, "RSS grew by \(grown) KB")
        #expect(try HTTP.request(port: d.port, "GET", "/ping").status == 204)
        #expect(Net.metric(d.port, #"tsdbd_points_written_total{protocol="collectd_http"}"#) == Double(1 + 2 + n + 1))
        d.stop()
        #expect(try readBack(d.dataDir, "cd", SeriesKey("users_value", ["host": "h", "type": "users"], field: "value")).map { $0.0 }
                == [1_000_000_000, 2_000_000_000, 4_000_000_000])
    }
}

extension HostileInputTests {
    /// A cardinality flood: 50,000 new series against --max-series-per-database 1000. New
    /// series past the limit are refused with a partial-write error; existing series are still
    /// written; memory stays bounded.
    @Test func cardinalityFloodIsCappedAndExistingSeriesStillWrite() throws {
        let d = try Daemon(extraArgs: ["--max-series-per-database", "1000"])
        defer { d.stop(); d.removeData() }
        #expect(try HTTP.request(port: d.port, "POST", "/write?db=card", text: "known,h=a v=0 0\n").status == 204)
        let pid = d.process.processIdentifier
        let before = rssKB(pid)
        var refused = 0
        for round in 0..<5 {
            var body = "known,h=a v=\(round + 1) \(round + 1)\n"
            for i in 0..<10_000 { body += "flood,id=\(round * 10_000 + i) v=1 1\n" }
            let r = try HTTP.request(port: d.port, "POST", "/write?db=card", text: body)
            if r.status == 400 {
                #expect(r.body.contains("max-series-per-database limit exceeded"), "\(r.body.prefix(300))")
                if let m = r.body.range(of: #"dropped=(\d+)"#, options: .regularExpression) {
                    refused += Int(r.body[m].dropFirst("dropped=".count)) ?? 0
                }
            } else {
                #expect(r.status == 204)
            }
        }
        #expect(refused == 50_000 - 999)  // 1,000 series: the known one and 999 of the flood
        let grown = rssKB(pid) - before
        #expect(grown < Self.maxGrowthKB, "RSS grew by \(grown) KB")
        #expect(try HTTP.request(port: d.port, "GET", "/ping").status == 204)
        d.stop()
        #expect(try readBack(d.dataDir, "card", SeriesKey("known", ["h": "a"], field: "v")).map { $0.0 } == [0, 1, 2, 3, 4, 5])
    }
}
