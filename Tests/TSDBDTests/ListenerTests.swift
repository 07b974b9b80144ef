import Testing
import Foundation
import TSEngine
#if canImport(Glibc)
import Glibc
#endif

/// Sends datagrams and stream bytes to the listeners of a real tsdbd process.
enum Net {
    static func sendUDP(port: Int, _ data: [UInt8]) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        _ = data.withUnsafeBytes { b in
            withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, b.baseAddress, b.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            } }
        }
    }

    static func sendUDP(port: Int, _ text: String) { sendUDP(port: port, Array(text.utf8)) }

    /// Current value of one metric sample, e.g. `tsdbd_points_written_total{protocol="lp_udp"}`.
    static func metric(_ port: Int, _ sample: String) -> Double? {
        guard let r = try? HTTP.request(port: port, "GET", "/metrics"), r.status == 200 else { return nil }
        for line in r.body.split(separator: "\n") where line.hasPrefix(sample + " ") {
            return Double(line.dropFirst(sample.count + 1))
        }
        return nil
    }

    /// Polls /metrics until `sample` reaches at least `value` (10 s at most); returns the last value.
    @discardableResult
    static func waitMetric(_ port: Int, _ sample: String, atLeast value: Double) -> Double {
        let deadline = Date().addingTimeInterval(10)
        var v = 0.0
        while Date() < deadline {
            v = metric(port, sample) ?? 0
            if v >= value { return v }
            usleep(20_000)
        }
        return v
    }
}

/// collectd binary packets built by hand (network.c's layout: type u16, length u16, payload).
enum CollectdPacket {
    static func header(_ type: UInt16, _ payloadLength: Int) -> [UInt8] {
        let len = UInt16(payloadLength + 4)
        return [UInt8(type >> 8), UInt8(type & 0xff), UInt8(len >> 8), UInt8(len & 0xff)]
    }
    static func string(_ type: UInt16, _ s: String) -> [UInt8] {
        header(type, s.utf8.count + 1) + Array(s.utf8) + [0]
    }
    static func u64(_ type: UInt16, _ v: UInt64) -> [UInt8] {
        header(type, 8) + (0..<8).map { UInt8((v >> (56 - 8 * UInt64($0))) & 0xff) }
    }
    enum V { case gauge(Double), derive(Int64) }
    static func values(_ vs: [V]) -> [UInt8] {
        var out = header(0x0006, 2 + 9 * vs.count) + [UInt8(vs.count >> 8), UInt8(vs.count & 0xff)]
        for v in vs {
            switch v { case .gauge: out.append(1); case .derive: out.append(2) }
        }
        for v in vs {
            switch v {
            case .gauge(let d): out += (0..<8).map { UInt8((d.bitPattern >> (8 * UInt64($0))) & 0xff) }  // little-endian
            case .derive(let i): out += (0..<8).map { UInt8((UInt64(bitPattern: i) >> (56 - 8 * UInt64($0))) & 0xff) }
            }
        }
        return out
    }
}

@Suite(.serialized) struct ListenerTests {
    let t0: Int64 = 1_767_225_600_000_000_000

    @Test func lineProtocolOverUDP() throws {
        let udp = Daemon.freePort(udp: true)
        let d = try Daemon(extraArgs: ["--lp-udp-addr", "127.0.0.1:\(udp)", "--lp-db", "udpdb"])
        defer { d.stop(); d.removeData() }
        Net.sendUDP(port: udp, "u,h=a v=1 \(t0)\nthis is not line protocol\nu,h=a v=2 \(t0 + 1_000_000_000)\n")
        Net.sendUDP(port: udp, "u,h=b v=3i \(t0)")  // no trailing newline: still a line
        #expect(Net.waitMetric(d.port, #"tsdbd_points_written_total{protocol="lp_udp"}"#, atLeast: 3) == 3)
        #expect(Net.metric(d.port, #"tsdbd_lines_rejected_total{protocol="lp_udp",reason="parse"}"#) == 1)
        #expect(Net.metric(d.port, #"tsdbd_listener_packets_total{protocol="lp_udp"}"#) == 2)
        d.stop()
        #expect(d.log().contains("engine closed"))
        #expect(try readBack(d.dataDir, "udpdb", SeriesKey("u", ["h": "a"], field: "v")).map { $0.1 } == [.float(1), .float(2)])
        #expect(try readBack(d.dataDir, "udpdb", SeriesKey("u", ["h": "b"], field: "v")).map { $0.1 } == [.integer(3)])
    }

    @Test func lineProtocolOverTCPSplitAcrossWrites() throws {
        let tcp = Daemon.freePort()
        let d = try Daemon(extraArgs: ["--lp-tcp-addr", "127.0.0.1:\(tcp)"])
        defer { d.stop(); d.removeData() }
        let fd = try HTTP.connect(port: tcp)
        // Lines cut in the middle of a value and of a key, sent as separate segments.
        for part in ["t,h=a v=1 \(t0)\nt,h=a v=", "2 \(t0 + 1)\nt,h", "=a v=3 \(t0 + 2)\nbad line\n", "t,h=a v=4 \(t0 + 3)"] {
            #expect(HTTP.sendAll(fd, Array(part.utf8)))
            usleep(50_000)
        }
        // Three whole lines are written while the connection is still open.
        #expect(Net.waitMetric(d.port, #"tsdbd_points_written_total{protocol="lp_tcp"}"#, atLeast: 3) >= 3)
        close(fd)  // the last line, without newline, is taken at the end of the stream
        #expect(Net.waitMetric(d.port, #"tsdbd_points_written_total{protocol="lp_tcp"}"#, atLeast: 4) == 4)
        #expect(Net.metric(d.port, #"tsdbd_lines_rejected_total{protocol="lp_tcp",reason="parse"}"#) == 1)
        #expect(Net.metric(d.port, #"tsdbd_listener_connections_total{protocol="lp_tcp"}"#) == 1)
        d.stop()
        let pts = try readBack(d.dataDir, "lp", SeriesKey("t", ["h": "a"], field: "v"))
        #expect(pts.map { $0.0 } == [t0, t0 + 1, t0 + 2, t0 + 3])
        #expect(pts.map { $0.1 } == [.float(1), .float(2), .float(3), .float(4)])
    }

    @Test func collectdPackets() throws {
        let udp = Daemon.freePort(udp: true)
        let d = try Daemon(extraArgs: ["--collectd-addr", "127.0.0.1:\(udp)", "--collectd-db", "cd"])
        defer { d.stop(); d.removeData() }
        typealias P = CollectdPacket
        var pkt = P.string(0x0000, "hv01") + P.u64(0x0008, UInt64(1_767_225_600) << 30) + P.u64(0x0009, UInt64(10) << 30)
        pkt += P.string(0x0002, "cpu") + P.string(0x0003, "0") + P.string(0x0004, "cpu") + P.string(0x0005, "idle")
        pkt += P.values([.derive(12345)])
        pkt += P.string(0x0002, "load") + P.string(0x0003, "") + P.string(0x0004, "load") + P.string(0x0005, "")
        pkt += P.values([.gauge(0.5), .gauge(0.25), .gauge(0.125)])
        Net.sendUDP(port: udp, pkt)
        // A packet cut short: the value list before the cut is kept, the packet counted as an error.
        let cut = P.string(0x0000, "hv02") + P.u64(0x0001, 1_767_225_660) + P.string(0x0002, "memory") + P.string(0x0004, "memory")
            + P.string(0x0005, "used") + P.values([.gauge(1024)]) + P.values([.gauge(2048)]).dropLast(3)
        Net.sendUDP(port: udp, cut)
        #expect(Net.waitMetric(d.port, #"tsdbd_points_written_total{protocol="collectd"}"#, atLeast: 5) == 5)
        #expect(Net.metric(d.port, #"tsdbd_lines_rejected_total{protocol="collectd",reason="parse"}"#) == 1)
        d.stop()
        let cpu = try readBack(d.dataDir, "cd", SeriesKey("cpu_value", ["host": "hv01", "instance": "0", "type": "cpu", "type_instance": "idle"], field: "value"))
        #expect(cpu.map { $0.0 } == [t0] && cpu.map { $0.1 } == [.float(12345)])
        for (ds, v) in [("shortterm", 0.5), ("midterm", 0.25), ("longterm", 0.125)] {
            let pts = try readBack(d.dataDir, "cd", SeriesKey("load_\(ds)", ["host": "hv01", "type": "load"], field: "value"))
            #expect(pts.map { $0.1 } == [.float(v)], "\(ds)")
        }
        let mem = try readBack(d.dataDir, "cd", SeriesKey("memory_value", ["host": "hv02", "type": "memory", "type_instance": "used"], field: "value"))
        #expect(mem.map { $0.0 } == [t0 + 60_000_000_000] && mem.map { $0.1 } == [.float(1024)])
    }

    @Test func collectdSignWithoutAuthFileRefusesToStart() throws {
        let r = try RealAgent.run(Daemon.binary, ["--data-dir", "/tmp/tsdbd-never-created-\(getpid())",
                                                  "--collectd-addr", "127.0.0.1:\(Daemon.freePort(udp: true))",
                                                  "--collectd-security-level", "sign"], timeout: 30)
        #expect(r.status != 0)
        #expect(r.output.contains("needs --collectd-auth-file"), "\(r.output)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/tsdbd-never-created-\(getpid())"))
    }

    @Test func garbageUDPFloodIsCountedAndSurvived() throws {
        let lp = Daemon.freePort(udp: true)
        var cd = Daemon.freePort(udp: true)
        while cd == lp { cd = Daemon.freePort(udp: true) }
        let d = try Daemon(extraArgs: ["--lp-udp-addr", "127.0.0.1:\(lp)", "--collectd-addr", "127.0.0.1:\(cd)"])
        defer { d.stop(); d.removeData() }
        let pid = d.process.processIdentifier
        let before = rssKB(pid)
        var rng = SystemRandomNumberGenerator()
        for i in 0..<10_000 {
            let n = Int.random(in: 1...1400, using: &rng)
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            Net.sendUDP(port: i % 2 == 0 ? lp : cd, bytes)
            if i % 500 == 0 { usleep(2_000) }  // let the receiver keep up; kernel drops are not ours to count
        }
        usleep(300_000)
        #expect(d.process.isRunning)
        #expect(rssKB(pid) - before < 64 * 1024)
        #expect(Net.waitMetric(d.port, #"tsdbd_lines_rejected_total{protocol="lp_udp",reason="parse"}"#, atLeast: 100) >= 100)
        #expect(Net.waitMetric(d.port, #"tsdbd_lines_rejected_total{protocol="collectd",reason="parse"}"#, atLeast: 100) >= 100)
        #expect((Net.metric(d.port, #"tsdbd_listener_packets_total{protocol="lp_udp"}"#) ?? 0) >= 100)
        // Still listening and writing.
        let written = Net.metric(d.port, #"tsdbd_points_written_total{protocol="lp_udp"}"#) ?? 0
        Net.sendUDP(port: lp, "after,flood=1 v=1 \(t0)\n")
        #expect(Net.waitMetric(d.port, #"tsdbd_points_written_total{protocol="lp_udp"}"#, atLeast: written + 1) >= written + 1)
        #expect(try HTTP.request(port: d.port, "GET", "/ping").status == 204)
        d.stop()
        #expect(try readBack(d.dataDir, "lp", SeriesKey("after", ["flood": "1"], field: "v")).count == 1)
    }

    @Test func graphiteLines() throws {
        let tcp = Daemon.freePort()
        let d = try Daemon(extraArgs: ["--graphite-addr", "127.0.0.1:\(tcp)", "--graphite-db", "gr"])
        defer { d.stop(); d.removeData() }
        let fd = try HTTP.connect(port: tcp)
        let text = "servers.web1.requests 42 1767225600\ncollectd.hv01.cpu-0.cpu-idle 97.5 1767225600\n"
            + "collectd.hv01.load.load.shortterm 0.25 1767225600\nnot-a-graphite-line\nservers.web1.requests 43 -1\nx.y nan 1767225600\n"
        let bytes = Array(text.utf8)
        #expect(HTTP.sendAll(fd, Array(bytes[..<30])))
        usleep(50_000)
        #expect(HTTP.sendAll(fd, Array(bytes[30...])))
        close(fd)
        #expect(Net.waitMetric(d.port, #"tsdbd_points_written_total{protocol="graphite"}"#, atLeast: 4) == 4)
        #expect(Net.metric(d.port, #"tsdbd_lines_rejected_total{protocol="graphite",reason="parse"}"#) == 2)
        d.stop()
        let req = try readBack(d.dataDir, "gr", SeriesKey("servers.web1.requests", field: "value"))
        #expect(req.count == 2 && req.first.map { $0.0 } == t0 && req.map { $0.1 } == [.float(42), .float(43)])
        #expect(req.last.map { $0.0 > t0 } == true)  // -1: the server's time
        #expect(try readBack(d.dataDir, "gr", SeriesKey("cpu-0", ["host": "hv01", "type": "cpu-idle"], field: "value")).map { $0.1 } == [.float(97.5)])
        #expect(try readBack(d.dataDir, "gr", SeriesKey("load", ["host": "hv01", "type": "load"], field: "shortterm")).map { $0.1 } == [.float(0.25)])
    }

    @Test func graphiteTemplateFlag() throws {
        let tcp = Daemon.freePort()
        let d = try Daemon(extraArgs: ["--graphite-addr", "127.0.0.1:\(tcp)", "--graphite-template", "dc.host.measurement.field* env=prod"])
        defer { d.stop(); d.removeData() }
        let fd = try HTTP.connect(port: tcp)
        #expect(HTTP.sendAll(fd, Array("eu1.web1.disk.sda.read_bytes 100 1767225600\n".utf8)))
        close(fd)
        #expect(Net.waitMetric(d.port, #"tsdbd_points_written_total{protocol="graphite"}"#, atLeast: 1) == 1)
        d.stop()
        let pts = try readBack(d.dataDir, "graphite", SeriesKey("disk", ["dc": "eu1", "host": "web1", "env": "prod"], field: "sda.read_bytes"))
        #expect(pts.map { $0.1 } == [.float(100)])
        // A bad template stops the start with a message.
        let r = try RealAgent.run(Daemon.binary, ["--data-dir", "/tmp/tsdbd-never-created-\(getpid())", "--collectd-addr", "off",
                                                  "--graphite-addr", "127.0.0.1:\(tcp)", "--graphite-template", "host.field"], timeout: 30)
        #expect(r.status != 0 && r.output.contains("no measurement in template"), "\(r.output)")
    }
}
