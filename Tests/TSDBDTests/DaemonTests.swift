import Testing
import Foundation
import TSEngine

/// The real tsdbd process over real HTTP on loopback.
@Suite(.serialized) struct DaemonTests {

    @Test func pingHealthWriteAndRestart() throws {
        let d = try Daemon()
        defer { d.stop(); d.removeData() }
        let ping = try HTTP.request(port: d.port, "GET", "/ping")
        #expect(ping.status == 204)
        #expect(ping.headers["x-influxdb-version"] != nil)
        #expect(try HTTP.request(port: d.port, "GET", "/health").status == 200)
        let w = try HTTP.request(port: d.port, "POST", "/write?db=test&precision=s",
                                 text: "cpu,host=a usage=0.5,n=3i 1767225600\ncpu,host=a usage=0.75,n=4i 1767225610\n")
        #expect(w.status == 204, "\(w.body)")
        // No database: 400 with InfluxDB's words.
        let nodb = try HTTP.request(port: d.port, "POST", "/write", text: "cpu v=1")
        #expect(nodb.status == 400 && nodb.body.contains("database is required"))
        #expect(nodb.headers["x-influxdb-error"] == "database is required")
        #expect(try HTTP.request(port: d.port, "POST", "/write?db=test&precision=fortnight", text: "cpu v=1").status == 400)
        // v2 endpoint.
        #expect(try HTTP.request(port: d.port, "POST", "/api/v2/write?bucket=test/autogen&precision=s", text: "mem used=1 1767225600").status == 204)
        let m = try HTTP.request(port: d.port, "GET", "/metrics")
        #expect(m.status == 200 && m.body.contains("tsdbd_points_written_total{protocol=\"http\"} 4"))
        #expect(try HTTP.request(port: d.port, "POST", "/api/v1/admin/flush").status == 200)
        d.stop()
        #expect(d.log().contains("engine closed"))
        let pts = try readBack(d.dataDir, "test", SeriesKey("cpu", ["host": "a"], field: "usage"))
        #expect(pts.map { $0.0 } == [1_767_225_600_000_000_000, 1_767_225_610_000_000_000])
        #expect(pts.map { $0.1 } == [.float(0.5), .float(0.75)])
        #expect(try readBack(d.dataDir, "test", SeriesKey("mem", field: "used")).count == 1)
    }

    @Test func partialWriteKeepsGoodPoints() throws {
        let d = try Daemon()
        defer { d.stop(); d.removeData() }
        _ = try HTTP.request(port: d.port, "POST", "/write?db=p", text: "m v=1 1\n")
        let r = try HTTP.request(port: d.port, "POST", "/write?db=p",
                                 text: "m v=2 2\nthis is not line protocol\nm v=3i 3\nm v=4 4\n")
        #expect(r.status == 400)
        #expect(r.body.hasPrefix("{\"error\":\"partial write:") && r.body.contains("dropped=2"), "\(r.body)")
        #expect(r.body.contains("field type conflict"))
        d.stop()
        #expect(try readBack(d.dataDir, "p", SeriesKey("m", field: "v")).map { $0.1 } == [.float(1), .float(2), .float(4)])
    }

    @Test func gzipBodiesAndBombs() throws {
        let d = try Daemon(extraArgs: ["--max-body-size", "1000000"])
        defer { d.stop(); d.removeData() }
        var text = ""
        for i in 0..<1000 { text += "g,host=h\(i % 10) v=\(i) \(i)\n" }
        let gz = try gzipped(Array(text.utf8))
        let r = try HTTP.request(port: d.port, "POST", "/write?db=g", body: gz, headers: ["Content-Encoding": "gzip"])
        #expect(r.status == 204, "\(r.body)")
        // 50 MB of zeros compresses to ~50 KB; refused at the 1 MB decompressed cap.
        let bomb = try gzipped([UInt8](repeating: 0x61, count: 50_000_000))
        #expect(bomb.count < 1_000_000)
        let before = rssKB(d.process.processIdentifier)
        let b = try HTTP.request(port: d.port, "POST", "/write?db=g", body: bomb, headers: ["Content-Encoding": "gzip"])
        #expect(b.status == 413)
        #expect(rssKB(d.process.processIdentifier) - before < 64 * 1024)
        #expect(try HTTP.request(port: d.port, "GET", "/ping").status == 204)
    }

    @Test func oversizeBodyIsRefusedWithoutReadingIt() throws {
        let d = try Daemon()
        defer { d.stop(); d.removeData() }
        // Announce 1 GiB, send only the headers and a little body: the answer must come anyway.
        let fd = try HTTP.connect(port: d.port)
        defer { close(fd) }
        let head = "POST /write?db=big HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\nm v=1 1\n"
        #expect(HTTP.sendAll(fd, Array(head.utf8)))
        let r = try HTTP.readResponse(fd)
        #expect(r.status == 413 && r.body.contains("Request Entity Too Large"))
        // Chunked upload without a length: counted as it streams.
        let fd2 = try HTTP.connect(port: d.port)
        defer { close(fd2) }
        #expect(HTTP.sendAll(fd2, Array("POST /write?db=big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)))
        let line = Array(String(repeating: "m v=1 1\n", count: 8192).utf8)  // 64 KiB per chunk
        var answered = false
        for _ in 0..<1000 {  // up to ~64 MB, well past the 25 MB limit
            let hdr = Array((String(line.count, radix: 16) + "\r\n").utf8)
            if !HTTP.sendAll(fd2, hdr + line + Array("\r\n".utf8)) { answered = true; break }
        }
        let r2 = try? HTTP.readResponse(fd2)
        #expect(r2?.status == 413 || answered)
        // The batches before the cap were written, and the answer and /metrics say how many.
        if let r2, r2.status == 413, let m = r2.body.range(of: #"after \d+ points"#, options: .regularExpression) {
            let n = Double(r2.body[m].split(separator: " ")[1])!
            #expect(n > 0 && Net.metric(d.port, #"tsdbd_points_written_total{protocol="http"}"#) == n, "\(r2.body)")
        }
        #expect(try HTTP.request(port: d.port, "GET", "/ping").status == 204)
    }

    @Test func acknowledgedWritesSurviveKillNine() throws {
        let d = try Daemon()
        defer { d.kill9(); d.removeData() }
        for i in 0..<20 {
            let r = try HTTP.request(port: d.port, "POST", "/write?db=k", text: "k,i=\(i) v=\(i) \(i)\n")
            #expect(r.status == 204)
        }
        d.kill9()
        let pts = try (0..<20).map { try readBack(d.dataDir, "k", SeriesKey("k", ["i": "\($0)"], field: "v")).count }
        #expect(pts == Array(repeating: 1, count: 20))
    }
}

extension DaemonTests {
    @Test func expectContinueIsAnswered() throws {
        let d = try Daemon()
        defer { d.stop(); d.removeData() }
        let fd = try HTTP.connect(port: d.port)
        defer { close(fd) }
        let body = "e v=1 1\n"
        let head = "POST /write?db=e HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\nExpect: 100-continue\r\n\r\n"
        #expect(HTTP.sendAll(fd, Array(head.utf8)))
        // The interim answer comes before the body is sent.
        let interim = try HTTP.readResponse(fd)
        #expect(interim.status == 100)
        #expect(HTTP.sendAll(fd, Array(body.utf8)))
        let final = try HTTP.readResponse(fd)
        #expect(final.status == 204)
    }
}
