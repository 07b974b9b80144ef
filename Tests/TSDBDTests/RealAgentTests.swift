import Testing
import TestSupport
import Foundation
import TSEngine
#if canImport(Glibc)
import Glibc
#endif

/// Helpers for driving real third-party clients (collectd, the PyPI `influxdb` client, curl)
/// against the real tsdbd process. See docs/agents.md.
enum RealAgent {
    static let collectd = "/usr/sbin/collectd"
    static let typesDB = "/usr/share/collectd/types.db"

    /// When `CI` is set, a missing client is a failure rather than a skip.
    static var inCI: Bool { TestEnvironment.inCI }

    static var hasCollectd: Bool {
        FileManager.default.isExecutableFile(atPath: collectd) && FileManager.default.fileExists(atPath: typesDB)
    }
    static let hasPythonInfluxdb: Bool = (try? run("/usr/bin/env", ["python3", "-c", "import influxdb"], timeout: 60).status) == 0
    static let hasCurl: Bool = (try? run("/usr/bin/env", ["curl", "--version"], timeout: 30).status) == 0

    static func tempDir(_ tag: String) -> String {
        var t = Array("/tmp/tsdbd-agent-\(tag)-XXXXXX".utf8CString)
        return String(cString: t.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }!)
    }

    static func nowNs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1e9) }

    /// Runs a program to completion (killed after `timeout`), stdout and stderr together.
    static func run(_ exe: String, _ args: [String], timeout: TimeInterval) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let killer = DispatchWorkItem { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        killer.cancel()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Every series of `measurement` in `db` (tsdbd must be stopped), with its samples.
    static func readAll(_ dataDir: String, _ db: String, _ measurement: String) throws -> [SeriesKey: [(Int64, Value)]] {
        var o = EngineOptions()
        o.backgroundMaintenance = false
        o.log = { _, _ in }
        let e = try Engine(path: dataDir + "/data", options: o)
        defer { try? e.close() }
        var out: [SeriesKey: [(Int64, Value)]] = [:]
        for ref in try e.select(db, SeriesSelector(measurement)) {
            let c = try e.read(db, ref)
            out[ref.key] = (0..<c.count).map { (c.timestamps[$0], c.values[$0]) }
        }
        return out
    }

    static func tagMap(_ k: SeriesKey) -> [String: String] {
        Dictionary(uniqueKeysWithValues: k.tags.map { ($0.key, $0.value) })
    }

    static func float(_ v: Value) -> Double? {
        if case .float(let d) = v { return d }
        return nil
    }

    /// A minimal collectd.conf: cpu, memory, load, interface → network plugin → 127.0.0.1:port.
    static func collectdConf(dir: String, port: Int, level: String, password: String) -> String {
        let server: String
        switch level {
        case "sign", "encrypt":
            server = """
                  <Server "127.0.0.1" "\(port)">
                    SecurityLevel \(level == "sign" ? "Sign" : "Encrypt")
                    Username "admin"
                    Password "\(password)"
                  </Server>
                """
        default:
            server = "  Server \"127.0.0.1\" \"\(port)\""
        }
        return """
            Hostname "testhost"
            FQDNLookup false
            Interval 1
            BaseDir "\(dir)"
            PIDFile "\(dir)/collectd.pid"
            PluginDir "/usr/lib/collectd"
            TypesDB "\(typesDB)"
            LoadPlugin logfile
            <Plugin logfile>
              LogLevel info
              File "\(dir)/collectd.log"
            </Plugin>
            LoadPlugin cpu
            LoadPlugin memory
            LoadPlugin load
            LoadPlugin interface
            LoadPlugin network
            <Plugin network>
            \(server)
            </Plugin>

            """
    }

    /// Starts a program with an empty signal mask and default dispositions. Foundation's Process
    /// hands the child the test runner's mask, in which SIGTERM is blocked; tsdbd copes, but collectd
    /// never unblocks it and would ignore the SIGTERM that makes it flush and exit.
    static func spawn(_ exe: String, _ args: [String], output: String) throws -> pid_t {
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&fa, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&fa, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([exe] + args).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid = pid_t()
        let rc = posix_spawn(&pid, exe, &fa, &attr, argv, environ)
        guard rc == 0 else { throw HTTPError.message("posix_spawn \(exe): \(rc)") }
        return pid
    }

    /// Runs `collectd -f -C conf` until `until` returns true or `seconds` pass, then SIGTERM
    /// (collectd flushes the network plugin's buffer on shutdown). Returns collectd's log and
    /// whether it exited by itself after the SIGTERM.
    static func runCollectd(dir: String, conf: String, seconds: TimeInterval, until: () -> Bool = { false }) throws -> (log: String, clean: Bool) {
        let confPath = dir + "/collectd.conf"
        try conf.write(toFile: confPath, atomically: true, encoding: .utf8)
        let outPath = dir + "/collectd.out"
        let pid = try spawn(collectd, ["-f", "-C", confPath], output: outPath)
        var status: Int32 = 0
        var exited = false
        func poll() -> Bool {
            if !exited && waitpid(pid, &status, WNOHANG) == pid { exited = true }
            return exited
        }
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline && !poll() && !until() { usleep(100_000) }
        var clean = false
        if !poll() {
            kill(pid, SIGTERM)
            let stopBy = Date().addingTimeInterval(15)
            while !poll() && Date() < stopBy { usleep(50_000) }
            clean = exited && (status & 0x7f) == 0 && ((status >> 8) & 0xff) == 0
            if !exited { kill(pid, SIGKILL); waitpid(pid, &status, 0) }
        }
        let log = (try? String(contentsOfFile: dir + "/collectd.log", encoding: .utf8)) ?? ""
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        return (log + out, clean)
    }
}

@Suite(.serialized) struct RealAgentTests {
    static let collectdTrait = ConditionTrait.enabled(if: RealAgent.hasCollectd || RealAgent.inCI,
        "collectd not installed (apt-get install collectd-core); with CI set this is a failure")
    static let pythonTrait = ConditionTrait.enabled(if: RealAgent.hasPythonInfluxdb || RealAgent.inCI,
        "python3 module influxdb not installed (pip install influxdb); with CI set this is a failure")
    static let curlTrait = ConditionTrait.enabled(if: RealAgent.hasCurl || RealAgent.inCI,
        "curl not installed; with CI set this is a failure")

    /// The real collectd (Debian's collectd-core) sends cpu, memory, load and interface values
    /// through its network plugin at each security level; tsdbd stores them as InfluxDB would.
    @Test(collectdTrait, arguments: ["none", "sign", "encrypt"])
    func collectdCore(level: String) throws {
        try #require(RealAgent.hasCollectd, "collectd missing at \(RealAgent.collectd) while CI is set")
        let dir = RealAgent.tempDir("collectd")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let udp = Daemon.freePort(udp: true)
        var args = ["--collectd-addr", "127.0.0.1:\(udp)", "--collectd-db", "cd", "--collectd-typesdb", RealAgent.typesDB]
        if level != "none" {
            try "# collectd AuthFile\nadmin: secret\n".write(toFile: dir + "/auth", atomically: true, encoding: .utf8)
            args += ["--collectd-security-level", level, "--collectd-auth-file", dir + "/auth"]
        }
        let d = try Daemon(extraArgs: args)
        defer { d.stop(); d.removeData() }
        let start = RealAgent.nowNs()
        let (log, clean) = try RealAgent.runCollectd(dir: dir, conf: RealAgent.collectdConf(dir: dir, port: udp, level: level, password: "secret"), seconds: 7)
        #expect(clean && log.contains("Exiting normally"), "collectd did not stop on SIGTERM:\n\(log)")
        #expect(log.contains("plugin \"network\" successfully loaded"), "\(log)")
        let packets = Net.waitMetric(d.port, #"tsdbd_listener_packets_total{protocol="collectd"}"#, atLeast: 1)
        let written = Net.metric(d.port, #"tsdbd_points_written_total{protocol="collectd"}"#) ?? 0
        #expect(packets >= 1, "no packet from collectd; collectd log:\n\(log)")
        #expect(written >= 50, "only \(written) points; tsdbd log:\n\(d.log())\ncollectd log:\n\(log)")
        #expect(Net.metric(d.port, #"tsdbd_lines_rejected_total{protocol="collectd",reason="parse"}"#) == 0, "\(d.log())")
        #expect(Net.metric(d.port, #"tsdbd_lines_rejected_total{protocol="collectd",reason="engine"}"#) == 0)
        d.stop()
        let end = RealAgent.nowNs()
        func inWindow(_ t: Int64) -> Bool { t >= start - 2_000_000_000 && t <= end + 2_000_000_000 }

        // cpu: DERIVE jiffies per cpu and state → cpu_value,host,instance=<cpu>,type=cpu,type_instance=<state>.
        let cpu = try RealAgent.readAll(d.dataDir, "cd", "cpu_value")
        let idle = cpu.filter { RealAgent.tagMap($0.key) == ["host": "testhost", "instance": "0", "type": "cpu", "type_instance": "idle"] }
        #expect(idle.count == 1, "cpu series: \(cpu.keys.map(\.description).sorted())")
        for (key, pts) in cpu {
            #expect(Set(RealAgent.tagMap(key).keys) == ["host", "instance", "type", "type_instance"], "\(key)")
            #expect(key.field == "value" && RealAgent.tagMap(key)["host"] == "testhost" && RealAgent.tagMap(key)["type"] == "cpu", "\(key)")
            #expect(pts.count >= 3, "\(key): \(pts.count) points")
            let vs = pts.compactMap { RealAgent.float($0.1) }
            #expect(vs.count == pts.count && vs.allSatisfy { $0 >= 0 }, "\(key)")
            #expect(zip(vs, vs.dropFirst()).allSatisfy { $0 <= $1 }, "\(key): a counter went down: \(vs)")
            #expect(pts.allSatisfy { inWindow($0.0) }, "\(key): time outside the run")
        }
        #expect(Set(cpu.keys.compactMap { $0.tagValue("type_instance") }).isSuperset(of: ["idle", "user", "system"]))

        // memory: GAUGE bytes → memory_value,host,type=memory,type_instance=used (no instance tag).
        let memTotal = Self.memTotalBytes()
        let mem = try RealAgent.readAll(d.dataDir, "cd", "memory_value")
        let used = mem.first { RealAgent.tagMap($0.key) == ["host": "testhost", "type": "memory", "type_instance": "used"] }?.value ?? []
        #expect(used.count >= 3, "memory series: \(mem.keys.map(\.description).sorted())")
        #expect(used.allSatisfy { v in RealAgent.float(v.1).map { $0 > 0 && $0 <= memTotal } ?? false }, "used: \(used.map { $0.1 }) total \(memTotal)")
        #expect(used.allSatisfy { inWindow($0.0) })

        // load: three data sources (types.db `load shortterm:GAUGE… midterm… longterm…`) → load_<ds>.
        for ds in ["shortterm", "midterm", "longterm"] {
            let load = try RealAgent.readAll(d.dataDir, "cd", "load_\(ds)")
            let pts = load[SeriesKey("load_\(ds)", ["host": "testhost", "type": "load"], field: "value")] ?? []
            #expect(load.count == 1 && pts.count >= 3, "load_\(ds): \(load.keys.map(\.description)) \(pts.count) points")
            #expect(pts.allSatisfy { v in RealAgent.float(v.1).map { $0 >= 0 && $0 < 1000 } ?? false }, "load_\(ds): \(pts.map { $0.1 })")
        }

        // interface: if_octets rx/tx per interface; loopback always exists.
        let rx = try RealAgent.readAll(d.dataDir, "cd", "interface_rx")
        let lo = rx[SeriesKey("interface_rx", ["host": "testhost", "instance": "lo", "type": "if_octets"], field: "value")] ?? []
        #expect(lo.count >= 3, "interface_rx series: \(rx.keys.map(\.description).sorted())")
        let los = lo.compactMap { RealAgent.float($0.1) }
        #expect(zip(los, los.dropFirst()).allSatisfy { $0 <= $1 } && los.allSatisfy { $0 >= 0 }, "\(los)")
    }

    /// The same collectd with the wrong password: tsdbd receives the packets and rejects all of them.
    @Test(collectdTrait, arguments: ["sign", "encrypt"])
    func collectdWrongPasswordIsRejected(level: String) throws {
        try #require(RealAgent.hasCollectd, "collectd missing at \(RealAgent.collectd) while CI is set")
        let dir = RealAgent.tempDir("collectd-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "admin: secret\n".write(toFile: dir + "/auth", atomically: true, encoding: .utf8)
        let udp = Daemon.freePort(udp: true)
        let d = try Daemon(extraArgs: ["--collectd-addr", "127.0.0.1:\(udp)", "--collectd-db", "cd",
                                       "--collectd-security-level", level, "--collectd-auth-file", dir + "/auth"])
        defer { d.stop(); d.removeData() }
        let rejected = #"tsdbd_lines_rejected_total{protocol="collectd",reason="parse"}"#
        let (log, _) = try RealAgent.runCollectd(dir: dir, conf: RealAgent.collectdConf(dir: dir, port: udp, level: level, password: "wrong"),
                                            seconds: 10, until: { (Net.metric(d.port, rejected) ?? 0) >= 2 })
        #expect(Net.waitMetric(d.port, rejected, atLeast: 2) >= 2, "collectd log:\n\(log)\ntsdbd log:\n\(d.log())")
        #expect(Net.metric(d.port, #"tsdbd_points_written_total{protocol="collectd"}"#) == 0)
        #expect(Net.metric(d.port, #"tsdbd_listener_packets_total{protocol="collectd"}"#) == Net.metric(d.port, rejected))
    }

    static func memTotalBytes() -> Double {
        guard let s = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return .infinity }
        for l in s.split(separator: "\n") where l.hasPrefix("MemTotal:") {
            return (Double(l.split(separator: " ").dropFirst().first ?? "") ?? .infinity) * 1024
        }
        return .infinity
    }

    /// The PyPI `influxdb` client's database calls and `query()` against /query, unchanged.
    @Test(pythonTrait) func pythonInfluxdbQuery() throws {
        try #require(RealAgent.hasPythonInfluxdb, "python3 module influxdb missing while CI is set (pip install influxdb)")
        let dir = RealAgent.tempDir("pyq")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let d = try Daemon()
        defer { d.stop(); d.removeData() }
        let script = """
            import sys
            from influxdb import InfluxDBClient
            port = int(sys.argv[1])
            client = InfluxDBClient(host='127.0.0.1', port=port, database='pyq')
            client.create_database('pyq')
            assert {'name': 'pyq'} in client.get_list_database(), client.get_list_database()
            points = [{"measurement": "cpu", "tags": {"host": "hv%02d" % (i % 2)}, "time": 1767225600 + 10 * i,
                       "fields": {"value": float(i)}} for i in range(10)]
            assert client.write_points(points, time_precision='s') is True
            rs = client.query('SELECT mean("value") FROM "cpu" WHERE time >= 1767225600000ms GROUP BY time(50s), "host" fill(none)',
                              epoch='ms')
            got = sorted((k[1]['host'], p['time'], p['mean']) for k in rs.keys() for p in rs[k])
            assert got == [('hv00', 1767225600000, 2.0), ('hv00', 1767225650000, 7.0),
                           ('hv01', 1767225600000, 2.0), ('hv01', 1767225650000, 7.0)], got
            raw = list(client.query('SELECT * FROM cpu WHERE host = $h', bind_params={'h': 'hv01'}).get_points())
            assert len(raw) == 5 and raw[0]['time'] == '2026-01-01T00:00:10Z' and raw[0]['value'] == 1.0, raw
            assert client.get_list_measurements() == [{'name': 'cpu'}], client.get_list_measurements()
            assert [r['name'] for r in client.get_list_retention_policies()] == ['autogen']
            try:
                client.query('SELECT nope(value) FROM cpu')
                raise SystemExit('expected an error')
            except Exception as e:
                assert 'undefined function' in str(e), e
            client.drop_database('pyq')
            assert {'name': 'pyq'} not in client.get_list_database()
            print("python query ok")
            """
        try script.write(toFile: dir + "/query.py", atomically: true, encoding: .utf8)
        let r = try RealAgent.run("/usr/bin/env", ["python3", dir + "/query.py", "\(d.port)"], timeout: 120)
        #expect(r.status == 0 && r.output.contains("python query ok"), "\(r.output)\ntsdbd log:\n\(d.log())")
    }

    /// The PyPI `influxdb` client (InfluxDBClient.write_points) against /write, plain and gzip.
    @Test(pythonTrait) func pythonInfluxdbClient() throws {
        try #require(RealAgent.hasPythonInfluxdb, "python3 module influxdb missing while CI is set (pip install influxdb)")
        let dir = RealAgent.tempDir("py")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let d = try Daemon()
        defer { d.stop(); d.removeData() }
        let script = """
            import sys
            from influxdb import InfluxDBClient
            port = int(sys.argv[1])
            client = InfluxDBClient(host='127.0.0.1', port=port, database='py')
            points = [
                {"measurement": "vm", "tags": {"host": "hv01", "vm": "a b"}, "time": 1767225600,
                 "fields": {"cpu": 0.5, "steps": 42, "up": True, "state": "running"}},
                {"measurement": "vm", "tags": {"host": "hv01", "vm": "a b"}, "time": 1767225610,
                 "fields": {"cpu": 0.75, "steps": -7, "up": False, "state": "say \\"hi\\", ok"}},
                {"measurement": "vm", "tags": {"host": "hv02", "vm": "c"}, "time": 1767225600,
                 "fields": {"cpu": 1.0e-3, "steps": 2**62, "up": True, "state": ""}},
            ]
            assert client.write_points(points, time_precision='s') is True
            batch = [{"measurement": "batch", "tags": {"shard": str(i % 5)}, "time": 1767225600 + i,
                      "fields": {"v": float(i)}} for i in range(1000)]
            assert client.write_points(batch, time_precision='s', batch_size=300, tags={"src": "py"}) is True
            assert client.write_points(['raw,k=v n=1i 1767225600'], time_precision='s', protocol='line') is True
            gz = InfluxDBClient(host='127.0.0.1', port=port, database='pygz', gzip=True)
            assert gz.write_points([{"measurement": "z", "time": 1767225600 + i, "fields": {"v": i}} for i in range(500)],
                                   time_precision='s') is True
            print("python client ok")
            """
        try script.write(toFile: dir + "/client.py", atomically: true, encoding: .utf8)
        let r = try RealAgent.run("/usr/bin/env", ["python3", dir + "/client.py", "\(d.port)"], timeout: 120)
        #expect(r.status == 0 && r.output.contains("python client ok"), "\(r.output)\ntsdbd log:\n\(d.log())")
        d.stop()
        let t0: Int64 = 1_767_225_600_000_000_000
        let s: Int64 = 1_000_000_000
        let a = ["host": "hv01", "vm": "a b"]
        func rb(_ db: String, _ m: String, _ tags: [String: String], _ f: String) throws -> [(Int64, Value)] {
            try readBack(d.dataDir, db, SeriesKey(m, tags, field: f))
        }
        #expect(try rb("py", "vm", a, "cpu").map { $0.0 } == [t0, t0 + 10 * s])
        #expect(try rb("py", "vm", a, "cpu").map { $0.1 } == [.float(0.5), .float(0.75)])
        #expect(try rb("py", "vm", a, "steps").map { $0.1 } == [.integer(42), .integer(-7)])
        #expect(try rb("py", "vm", a, "up").map { $0.1 } == [.boolean(true), .boolean(false)])
        #expect(try rb("py", "vm", a, "state").map { $0.1 } == [.string("running"), .string("say \"hi\", ok")])
        let b = ["host": "hv02", "vm": "c"]
        #expect(try rb("py", "vm", b, "cpu").map { $0.1 } == [.float(1.0e-3)])
        #expect(try rb("py", "vm", b, "steps").map { $0.1 } == [.integer(1 << 62)])
        #expect(try rb("py", "vm", b, "up").map { $0.1 } == [.boolean(true)])
        #expect(try rb("py", "vm", b, "state").map { $0.1 } == [.string("")])
        let batch = try RealAgent.readAll(d.dataDir, "py", "batch")
        #expect(batch.count == 5)
        for shard in 0..<5 {
            let pts = batch[SeriesKey("batch", ["shard": "\(shard)", "src": "py"], field: "v")] ?? []
            let idx = stride(from: shard, to: 1000, by: 5)
            #expect(pts.map { $0.0 } == idx.map { t0 + Int64($0) * s }, "shard \(shard)")
            #expect(pts.map { $0.1 } == idx.map { .float(Double($0)) }, "shard \(shard)")
        }
        #expect(try rb("py", "raw", ["k": "v"], "n").map { $0.1 } == [.integer(1)])
        let z = try rb("pygz", "z", [:], "v")
        #expect(z.map { $0.0 } == (0..<500).map { t0 + Int64($0) * s })
        #expect(z.map { $0.1 } == (0..<500).map { .integer(Int64($0)) })
    }

    /// curl posting a gzip file (`--data-binary @f.gz -H 'Content-Encoding: gzip'`) to /write.
    @Test(curlTrait) func curlGzipWrite() throws {
        try #require(RealAgent.hasCurl, "curl missing while CI is set")
        let dir = RealAgent.tempDir("curl")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let d = try Daemon()
        defer { d.stop(); d.removeData() }
        let n = 5000
        var text = ""
        for i in 0..<n { text += "curl_gz,host=h\(i % 10) v=\(i)i,f=\(i).5,s=\"line \(i)\" \(1_767_225_600 + i / 10)\n" }
        let gz = try gzipped(Array(text.utf8))
        #expect(gz.count < text.utf8.count / 3, "gzip did not compress: \(gz.count)")
        try Data(gz).write(to: URL(fileURLWithPath: dir + "/lines.gz"))
        let url = "http://127.0.0.1:\(d.port)/write?db=gz&precision=s"
        let ok = try RealAgent.run("/usr/bin/env", ["curl", "-sS", "-o", dir + "/body", "-w", "%{http_code}", url,
                                                   "-H", "Content-Encoding: gzip", "--data-binary", "@" + dir + "/lines.gz"], timeout: 60)
        #expect(ok.status == 0 && ok.output == "204", "\(ok.output) \((try? String(contentsOfFile: dir + "/body", encoding: .utf8)) ?? "")")
        // The same bytes without the header are not line protocol: 400, nothing written.
        let bad = try RealAgent.run("/usr/bin/env", ["curl", "-sS", "-o", dir + "/body", "-w", "%{http_code}",
                                                    "http://127.0.0.1:\(d.port)/write?db=gzbad&precision=s",
                                                    "--data-binary", "@" + dir + "/lines.gz"], timeout: 60)
        #expect(bad.status == 0 && bad.output == "400", "\(bad.output)")
        d.stop()
        let t0: Int64 = 1_767_225_600_000_000_000
        for h in 0..<10 {
            let idx = stride(from: h, to: n, by: 10).map { $0 }
            let tags = ["host": "h\(h)"]
            let v = try readBack(d.dataDir, "gz", SeriesKey("curl_gz", tags, field: "v"))
            #expect(v.map { $0.0 } == idx.map { t0 + Int64($0 / 10) * 1_000_000_000 }, "h\(h)")
            #expect(v.map { $0.1 } == idx.map { .integer(Int64($0)) }, "h\(h)")
            let f = try readBack(d.dataDir, "gz", SeriesKey("curl_gz", tags, field: "f"))
            #expect(f.map { $0.1 } == idx.map { .float(Double($0) + 0.5) }, "h\(h)")
            let s = try readBack(d.dataDir, "gz", SeriesKey("curl_gz", tags, field: "s"))
            #expect(s.map { $0.1 } == idx.map { .string("line \($0)") }, "h\(h)")
        }
        #expect(((try? RealAgent.readAll(d.dataDir, "gzbad", "curl_gz")) ?? [:]).isEmpty)
    }
}
