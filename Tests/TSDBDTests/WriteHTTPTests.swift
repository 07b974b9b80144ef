import Testing
import Foundation
import TSEngine
#if canImport(Glibc)
import Glibc
#endif

/// `POST /collectd`: collectd write_http's JSON and command formats against the real tsdbd.
@Suite(.serialized) struct CollectdWriteHTTPTests {

    /// What collectd 5.x's write_http (`Format "JSON"`) posts.
    static let json = """
    [{"values":[1901474177],"dstypes":["derive"],"dsnames":["value"],"time":1767225600.123,"interval":10.000,"host":"hv01","plugin":"cpu","plugin_instance":"0","type":"cpu","type_instance":"idle"},
     {"values":[2139,1875],"dstypes":["derive","derive"],"dsnames":["rx","tx"],"time":1767225600.125,"interval":10.000,"host":"hv01","plugin":"interface","plugin_instance":"eth0","type":"if_octets","type_instance":""},
     {"values":[null],"dstypes":["gauge"],"dsnames":["value"],"time":1767225600.5,"interval":10.000,"host":"hv01","plugin":"sensors","plugin_instance":"","type":"temperature","type_instance":"temp1"}]
    """

    @Test func jsonAndCommandFormats() throws {
        let d = try Daemon(extraArgs: ["--collectd-db", "cd", "--max-body-size", "100000"])
        defer { d.stop(); d.removeData() }
        // JSON, detected by Content-Type.
        let r = try HTTP.request(port: d.port, "POST", "/collectd", body: Array(CollectdWriteHTTPTests.json.utf8),
                                 headers: ["Content-Type": "application/json"])
        #expect(r.status == 204, "\(r.body)")
        // Command format into another database, detected from the body (no Content-Type).
        let cmd = "PUTVAL hv02/memory/memory-used interval=10.000 1767225600.000:1024\r\nPUTVAL hv02/load/load 1767225600:0.25:U:0.125\r\n"
        let c = try HTTP.request(port: d.port, "POST", "/collectd?db=other", text: cmd)
        #expect(c.status == 204, "\(c.body)")
        // gzip, text/plain.
        let gz = try gzipped(Array("PUTVAL hv02/memory/memory-used 1767225610:2048\n".utf8))
        let g = try HTTP.request(port: d.port, "POST", "/collectd?db=other", body: gz,
                                 headers: ["Content-Type": "text/plain", "Content-Encoding": "gzip"])
        #expect(g.status == 204, "\(g.body)")
        // A bad line among good ones: partial write, good values kept.
        let p = try HTTP.request(port: d.port, "POST", "/collectd?db=other",
                                 text: "PUTVAL hv02/memory/memory-used 1767225620:4096\nPUTVAL nonsense\nPUTVAL hv02/memory/memory-used 1767225630:x\n")
        #expect(p.status == 400)
        #expect(p.body.hasPrefix("{\"error\":\"partial write:") && p.body.contains("dropped=2") && p.body.contains("bad value"), "\(p.body)")
        // Not JSON at all: 400 with the reason, nothing written.
        let bad = try HTTP.request(port: d.port, "POST", "/collectd", body: Array("[{\"values\":[1,".utf8),
                                   headers: ["Content-Type": "application/json"])
        #expect(bad.status == 400 && bad.body.contains("unable to parse: collectd JSON"), "\(bad.body)")
        #expect(bad.headers["x-influxdb-error"]?.contains("collectd JSON") == true)
        // Over --max-body-size: 413.
        let big = try HTTP.request(port: d.port, "POST", "/collectd", body: [UInt8](repeating: 0x20, count: 200_000))
        #expect(big.status == 413)
        #expect(Net.metric(d.port, #"tsdbd_points_written_total{protocol="collectd_http"}"#) == 8)
        d.stop()
        let t0: Int64 = 1_767_225_600_000_000_000
        #expect(try readBack(d.dataDir, "cd", SeriesKey("cpu_value", ["host": "hv01", "instance": "0", "type": "cpu", "type_instance": "idle"], field: "value"))
            .map { "\($0.0) \($0.1)" } == ["\(t0 + 123_000_000) \(Value.float(1_901_474_177))"])
        #expect(try readBack(d.dataDir, "cd", SeriesKey("interface_rx", ["host": "hv01", "instance": "eth0", "type": "if_octets"], field: "value"))
            .map { $0.1 } == [.float(2139)])
        #expect(try readBack(d.dataDir, "cd", SeriesKey("interface_tx", ["host": "hv01", "instance": "eth0", "type": "if_octets"], field: "value"))
            .map { $0.1 } == [.float(1875)])
        // The null gauge is skipped.
        #expect(try readBack(d.dataDir, "cd", SeriesKey("sensors_value", ["host": "hv01", "type": "temperature", "type_instance": "temp1"], field: "value")).isEmpty)
        let mem = try readBack(d.dataDir, "other", SeriesKey("memory_value", ["host": "hv02", "type": "memory", "type_instance": "used"], field: "value"))
        #expect(mem.map { $0.0 } == [t0, t0 + 10_000_000_000, t0 + 20_000_000_000])
        #expect(mem.map { $0.1 } == [.float(1024), .float(2048), .float(4096)])
        #expect(try readBack(d.dataDir, "other", SeriesKey("load_shortterm", ["host": "hv02", "type": "load"], field: "value")).map { $0.1 } == [.float(0.25)])
        #expect(try readBack(d.dataDir, "other", SeriesKey("load_midterm", ["host": "hv02", "type": "load"], field: "value")).isEmpty)
        #expect(try readBack(d.dataDir, "other", SeriesKey("load_longterm", ["host": "hv02", "type": "load"], field: "value")).map { $0.1 } == [.float(0.125)])
    }

    @Test func defaultDatabaseIsCollectd() throws {
        let d = try Daemon()
        defer { d.stop(); d.removeData() }
        let r = try HTTP.request(port: d.port, "POST", "/collectd", text: "PUTVAL h/users/users N:3\n")
        #expect(r.status == 204, "\(r.body)")
        d.stop()
        #expect(try readBack(d.dataDir, "collectd", SeriesKey("users_value", ["host": "h", "type": "users"], field: "value")).map { $0.1 } == [.float(3)])
    }
}
