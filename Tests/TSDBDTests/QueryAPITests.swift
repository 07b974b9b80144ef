import Foundation
import Testing
import TSEngine

/// /query, /api/v1/query and tsctl against the real tsdbd process.
@Suite(.serialized) struct QueryAPITests {
    static let data = """
        cpu,host=a value=1 1767225600
        cpu,host=a value=2 1767225610
        cpu,host=b value=10 1767225600
        ctr,vm=x value=100 1767225600
        ctr,vm=x value=150 1767225610
        ctr,vm=x value=30 1767225620
        ctr,vm=x value=80 1767225630

        """

    static func started() throws -> Daemon {
        let d = try Daemon()
        let w = try HTTP.request(port: d.port, "POST", "/write?db=q&precision=s", text: data)
        #expect(w.status == 204, "\(w.body)")
        return d
    }

    static func get(_ d: Daemon, _ q: String, _ extra: String = "&db=q&epoch=s", headers: [String: String] = [:]) throws -> HTTPResponse {
        try HTTP.request(port: d.port, "GET", "/query?q=" + urlEncode(q) + extra, headers: headers)
    }

    @Test func influxShapesAndEpochs() throws {
        let d = try Self.started()
        defer { d.stop(); d.removeData() }
        let r = try Self.get(d, "SELECT mean(value) FROM cpu GROUP BY host")
        #expect(r.status == 200)
        #expect(r.headers["content-type"] == "application/json")
        #expect(r.body == #"{"results":[{"statement_id":0,"series":[{"name":"cpu","tags":{"host":"a"},"columns":["time","mean"],"values":[[0,1.5]]},{"name":"cpu","tags":{"host":"b"},"columns":["time","mean"],"values":[[0,10]]}]}]}"#)
        let raw = try Self.get(d, "SELECT value FROM cpu WHERE host = 'a'", "&db=q")
        #expect(raw.body == #"{"results":[{"statement_id":0,"series":[{"name":"cpu","columns":["time","value"],"values":[["2026-01-01T00:00:00Z",1],["2026-01-01T00:00:10Z",2]]}]}]}"#)
        let ms = try Self.get(d, "SELECT increase(value) FROM ctr", "&db=q&epoch=ms")
        #expect(ms.body == #"{"results":[{"statement_id":0,"series":[{"name":"ctr","columns":["time","increase"],"values":[[0,130]]}]}]}"#)
        let empty = try Self.get(d, "SELECT value FROM nothing")
        #expect(empty.body == #"{"results":[{"statement_id":0}]}"#)
    }

    @Test func errorsAndSeveralStatements() throws {
        let d = try Self.started()
        defer { d.stop(); d.removeData() }
        let two = try Self.get(d, "SELECT nope(value) FROM cpu; SHOW MEASUREMENTS")
        #expect(two.status == 200)
        #expect(two.body == #"{"results":[{"statement_id":0,"error":"undefined function nope()"},{"statement_id":1,"error":"not executed"}]}"#)
        let both = try Self.get(d, "SHOW MEASUREMENTS; SELECT count(value) FROM cpu")
        #expect(both.body == #"{"results":[{"statement_id":0,"series":[{"name":"measurements","columns":["name"],"values":[["cpu"],["ctr"]]}]},{"statement_id":1,"series":[{"name":"cpu","columns":["time","count"],"values":[[0,3]]}]}]}"#)
        let parse = try Self.get(d, "SELEC value FROM cpu")
        #expect(parse.status == 400)
        #expect(parse.body.hasPrefix(#"{"error":"error parsing query: found SELEC"#))
        #expect(parse.headers["x-influxdb-error"]?.hasPrefix("error parsing query") == true)
        #expect(try HTTP.request(port: d.port, "GET", "/query?db=q").status == 400)
        let nodb = try Self.get(d, "SELECT value FROM cpu", "&db=missing")
        #expect(nodb.body == #"{"results":[{"statement_id":0,"error":"database not found: missing"}]}"#)
        #expect(try HTTP.request(port: d.port, "GET", "/query?q=SELECT&epoch=fortnight").status == 400)
    }

    @Test func postFormsWritesChunksAndCSV() throws {
        let d = try Self.started()
        defer { d.stop(); d.removeData() }
        // Statements that change data need POST.
        #expect(try Self.get(d, "CREATE DATABASE viaget").body.contains("error"))
        let form = "q=" + urlEncode("CREATE DATABASE \"made\"; SHOW DATABASES")
        let p = try HTTP.request(port: d.port, "POST", "/query", body: Array(form.utf8), headers: ["Content-Type": "application/x-www-form-urlencoded"])
        #expect(p.status == 200)
        #expect(p.body == #"{"results":[{"statement_id":0},{"statement_id":1,"series":[{"name":"databases","columns":["name"],"values":[["made"],["q"]]}]}]}"#)
        let del = try HTTP.request(port: d.port, "POST", "/query?db=q&q=" + urlEncode("DELETE FROM cpu WHERE host = 'a' AND time < '2026-01-01T00:00:05Z'"))
        #expect(del.status == 200 && !del.body.contains("error"), "\(del.body)")
        #expect(try Self.get(d, "SELECT count(value) FROM cpu WHERE host = 'a'").body.contains("[[0,1]]"))

        let ch = try Self.get(d, "SELECT value FROM ctr", "&db=q&epoch=s&chunked=true&chunk_size=3")
        let lines = ch.body.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0] == #"{"results":[{"statement_id":0,"series":[{"name":"ctr","columns":["time","value"],"values":[[1767225600,100],[1767225610,150],[1767225620,30]],"partial":true}],"partial":true}]}"#)
        #expect(lines[1] == #"{"results":[{"statement_id":0,"series":[{"name":"ctr","columns":["time","value"],"values":[[1767225630,80]]}]}]}"#)

        let csv = try Self.get(d, "SELECT value FROM cpu WHERE host = 'b'", "&db=q", headers: ["Accept": "application/csv"])
        #expect(csv.headers["content-type"] == "application/csv")
        #expect(csv.body == "name,tags,time,value\ncpu,,1767225600000000000,10\n")
    }

    @Test func nativeAPI() throws {
        let d = try Self.started()
        defer { d.stop(); d.removeData() }
        let r = try HTTP.request(port: d.port, "GET", "/api/v1/query?db=q&level=raw&q=" + urlEncode("SELECT last(value) FROM ctr"))
        #expect(r.body == #"{"results":[{"statement_id":0,"level":"raw","series":[{"name":"ctr","columns":["time","last"],"values":[[1767225630000000000,80]]}]}]}"#)
        let bad = try HTTP.request(port: d.port, "GET", "/api/v1/query?db=q&level=fine&q=" + urlEncode("SELECT last(value) FROM ctr"))
        #expect(bad.status == 400 && bad.body.contains("unknown level"))
        let noGroup = try HTTP.request(port: d.port, "GET", "/api/v1/query?db=q&level=5m&q=" + urlEncode("SELECT last(value) FROM ctr"))
        #expect(noGroup.status == 200 && noGroup.body.contains("level 5m cannot answer"), "\(noGroup.body)")
    }

    @Test func tsctlAgainstTheDaemon() throws {
        let d = try Self.started()
        defer { d.stop(); d.removeData() }
        let url = "http://127.0.0.1:\(d.port)"
        let csv = try tsctl(["query", "SELECT value FROM cpu WHERE host = 'a'", "--db", "q", "--url", url, "--format", "csv"])
        #expect(csv.status == 0)
        #expect(csv.output.contains("2026-01-01T00:00:10Z,2"), "\(csv.output)")
        let table = try tsctl(["query", "SELECT mean(value) FROM cpu GROUP BY host", "--db", "q", "--url", url])
        #expect(table.status == 0 && table.output.contains("tags: host=b") && table.output.contains("1.5"), "\(table.output)")
        let m = try tsctl(["measurements", "--db", "q", "--url", url, "--format", "json"])
        #expect(m.status == 0 && m.output.contains("\"ctr\""), "\(m.output)")
        let tags = try tsctl(["tags", "cpu", "--db", "q", "--url", url])
        #expect(tags.status == 0 && tags.output.contains("host") && tags.output.contains("b"), "\(tags.output)")
        let series = try tsctl(["series", "--measurement", "cpu", "--db", "q", "--url", url])
        #expect(series.status == 0 && series.output.contains("cpu,host=a"), "\(series.output)")
        let plot = try tsctl(["query", "SELECT value FROM ctr", "--db", "q", "--url", url, "--plot"], env: ["COLUMNS": "60"])
        #expect(plot.status == 0 && plot.output.unicodeScalars.contains { $0.value >= 0x2800 && $0.value <= 0x28FF }, "\(plot.output)")
        // Exit codes scripts can rely on.
        #expect(try tsctl(["query", "SELECT nope(value) FROM cpu", "--db", "q", "--url", url]).status == 1)
        #expect(try tsctl(["query", "SELEC x", "--db", "q", "--url", url]).status == 2)
        let down = try tsctl(["query", "SHOW DATABASES", "--url", "http://127.0.0.1:\(Daemon.freePort())"])
        #expect(down.status == 3 && down.output.contains("cannot connect"), "\(down.output)")
    }

    @Test func rollupsThroughTheDaemon() throws {
        let d = try Daemon(extraArgs: ["--retention", "raw=3650d"])
        defer { d.stop(); d.removeData() }
        var body = ""
        for m in 0..<(6 * 60) { body += "cpu,host=a value=\(m % 7) \(1_767_225_600 + m * 60)\n" }
        #expect(try HTTP.request(port: d.port, "POST", "/write?db=r&precision=s", text: body).status == 204)
        #expect(try HTTP.request(port: d.port, "POST", "/api/v1/admin/flush").status == 200)
        let q = "SELECT mean(value), count(value) FROM cpu WHERE time >= '2026-01-01T00:00:00Z' AND time < '2026-01-01T06:00:00Z' GROUP BY time(1h)"
        let auto = try HTTP.request(port: d.port, "GET", "/api/v1/query?db=r&q=" + urlEncode(q))
        let raw = try HTTP.request(port: d.port, "GET", "/api/v1/query?db=r&level=raw&q=" + urlEncode(q))
        #expect(auto.body.contains(#""level":"1h""#), "\(auto.body)")
        #expect(auto.body.replacingOccurrences(of: #""level":"1h""#, with: #""level":"raw""#) == raw.body)
        // 60 s data: the default (adaptive) levels are 1h and 1d; 5m is only 5× the interval.
        let stats = try HTTP.request(port: d.port, "GET", "/api/v1/stats")
        #expect(stats.status == 200 && stats.body.contains(#""name":"1h""#) && stats.body.contains(#""name":"1d""#), "\(stats.body)")
        let metrics = try HTTP.request(port: d.port, "GET", "/metrics").body
        #expect(metrics.contains(#"tsdbd_level_segment_bytes{db="r",level="1h"}"#))
        let url = "http://127.0.0.1:\(d.port)"
        let st = try tsctl(["stats", "--url", url])
        #expect(st.status == 0 && st.output.contains("1h") && st.output.contains("raw"), "\(st.output)")
        let rs = try tsctl(["rollup", "status", "--url", url])
        #expect(rs.status == 0 && rs.output.contains("1d") && rs.output.contains("lag"), "\(rs.output)")
    }

    @Test func badRollupFlagsAreRefused() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Daemon.binary)
        p.arguments = ["--rollup-levels", "7m,1h", "--data-dir", "/tmp/never-created-\(getpid())"]
        let out = Pipe()
        p.standardError = out
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus != 0 && text.contains("multiple of 7m"), "\(text)")
    }
}

func urlEncode(_ s: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return s.addingPercentEncoding(withAllowedCharacters: allowed)!
}
