import Testing
import Foundation
import TSEngine
#if canImport(Glibc)
import Glibc
#endif

/// Authentication, TLS and slow clients against the real tsdbd (docs/security.md).
@Suite struct SecurityTests {
    static var tsctlPath: String { URL(fileURLWithPath: Daemon.binary).deletingLastPathComponent().appendingPathComponent("tsctl").path }

    /// A credentials file made with the real `tsctl auth hash` (secrets on standard input).
    static func credentials(_ entries: [(String, String, String)]) throws -> String {
        var t = Array("/tmp/tsdbd-creds-XXXXXX".utf8CString)
        let fd = t.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        close(fd)
        let path = String(cString: t.withUnsafeBufferPointer { $0.baseAddress! })
        var text = "# made by SecurityTests\n"
        for (name, roles, secret) in entries {
            let r = try RealAgent.run("/bin/sh", ["-c", "printf '%s\\n' '\(secret)' | '\(tsctlPath)' auth hash \(name) \(roles) --iterations 10000"], timeout: 30)
            #expect(r.status == 0, "\(r.output)")
            text += r.output
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func basic(_ user: String, _ pass: String) -> [String: String] {
        ["Authorization": "Basic " + Data("\(user):\(pass)".utf8).base64EncodedString()]
    }

    static func query(_ q: String) -> String {
        "q=" + q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
    }

    @Test func rolesAndEveryInfluxCredentialForm() throws {
        let creds = try Self.credentials([("grafana", "read", "g-pw"), ("agent", "write", "a-pw"), ("ops", "admin", "o-pw")])
        defer { unlink(creds) }
        let d = try Daemon(extraArgs: ["--auth-enabled", "true", "--auth-file", creds])
        defer { d.stop(); d.removeData() }
        let p = d.port
        #expect(try HTTP.request(port: p, "GET", "/ping").status == 204)
        #expect(try HTTP.request(port: p, "GET", "/health").status == 200)
        let line = Array("cpu,host=a v=1 1000000000\n".utf8)
        // No credentials, wrong secret, wrong role.
        let none = try HTTP.request(port: p, "POST", "/write?db=s", body: line)
        #expect(none.status == 401 && none.body.contains("unable to parse authentication credentials"), "\(none)")
        #expect(none.headers["www-authenticate"]?.contains("Basic") == true)
        // A refusal waits for the whole upload: a client that stops sending at an early answer
        // (async-http-client, under tsctl) still sees the 401, not a transport error.
        for size in [26, 26, 26, 26, 26, 26, 26, 26, 4 << 20] {
            let r = try HTTP.request(port: p, "POST", "/write?db=s", body: Array(repeating: UInt8(ascii: "x"), count: size))
            #expect(r.status == 401, "\(r)")
        }
        let wrong = try HTTP.request(port: p, "POST", "/write?db=s", body: line, headers: Self.basic("agent", "nope"))
        #expect(wrong.status == 401 && wrong.body.contains("authorization failed"))
        let reader = try HTTP.request(port: p, "POST", "/write?db=s", body: line, headers: Self.basic("grafana", "g-pw"))
        #expect(reader.status == 403 && reader.body.contains("not authorized to write to database"), "\(reader)")
        // Basic, Token and u/p all work for the writer.
        #expect(try HTTP.request(port: p, "POST", "/write?db=s", body: line, headers: Self.basic("agent", "a-pw")).status == 204)
        #expect(try HTTP.request(port: p, "POST", "/write?db=s", body: Array("cpu,host=a v=2 2000000000\n".utf8), headers: ["Authorization": "Token agent:a-pw"]).status == 204)
        #expect(try HTTP.request(port: p, "POST", "/write?db=s&u=agent&p=a-pw", body: Array("cpu,host=a v=3 3000000000\n".utf8)).status == 204)
        #expect(try HTTP.request(port: p, "POST", "/api/v2/write?bucket=s", body: Array("cpu,host=a v=4 4000000000\n".utf8), headers: ["Authorization": "Token agent:a-pw"]).status == 204)
        // Queries: the writer may not read; the reader may, in every form.
        let sel = Self.query("SELECT count(v) FROM cpu")
        #expect(try HTTP.request(port: p, "GET", "/query?db=s&\(sel)", headers: Self.basic("agent", "a-pw")).status == 403)
        let r1 = try HTTP.request(port: p, "GET", "/query?db=s&\(sel)", headers: Self.basic("grafana", "g-pw"))
        #expect(r1.status == 200 && r1.body.contains(",4]"), "\(r1.body)")
        #expect(try HTTP.request(port: p, "GET", "/query?db=s&u=grafana&p=g-pw&\(sel)").status == 200)
        #expect(try HTTP.request(port: p, "GET", "/metrics", headers: Self.basic("grafana", "g-pw")).status == 200)
        #expect(try HTTP.request(port: p, "GET", "/metrics").status == 401)
        // Statements that change data need admin; nothing runs otherwise.
        let create = Self.query("CREATE DATABASE other")
        let forbidden = try HTTP.request(port: p, "POST", "/query?\(create)", headers: Self.basic("grafana", "g-pw"))
        #expect(forbidden.status == 403 && forbidden.body.contains("requires admin privilege"), "\(forbidden)")
        #expect(try HTTP.request(port: p, "POST", "/api/v1/admin/flush", headers: Self.basic("agent", "a-pw")).status == 403)
        #expect(try HTTP.request(port: p, "POST", "/query?\(create)", headers: Self.basic("ops", "o-pw")).status == 200)
        #expect(try HTTP.request(port: p, "POST", "/api/v1/admin/flush", headers: Self.basic("ops", "o-pw")).status == 200)
        // tsctl takes its credentials from the environment.
        let url = "http://127.0.0.1:\(p)"
        let ok = try tsctl(["query", "SHOW DATABASES", "--url", url], env: ["TSDBD_USERNAME": "grafana", "TSDBD_PASSWORD": "g-pw"])
        #expect(ok.status == 0 && ok.output.contains("other"), "\(ok.output)")
        let denied = try tsctl(["query", "SHOW DATABASES", "--url", url])
        #expect(denied.status == 2 && denied.output.contains("unable to parse authentication credentials"), "\(denied.output)")
        let m = try HTTP.request(port: p, "GET", "/metrics", headers: Self.basic("ops", "o-pw")).body
        #expect(m.contains(#"tsdbd_http_auth_failures_total{reason="unauthenticated"} 13"#), "\(m)")
        #expect(m.contains(#"tsdbd_http_auth_failures_total{reason="forbidden"} 4"#))
    }

    /// Runs tsdbd expecting it to refuse to start.
    static func refused(_ args: [String]) throws -> String {
        let dir = NSTemporaryDirectory() + "tsdbd-refuse-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try RealAgent.run(Daemon.binary, ["--data-dir", dir, "--http-addr", "127.0.0.1:\(Daemon.freePort())", "--collectd-addr", "off"] + args, timeout: 20)
        #expect(r.status != 0, "tsdbd started with \(args)")
        return r.output
    }

    @Test func refusesToStartWithoutUsableCredentials() throws {
        #expect(try Self.refused(["--auth-enabled", "true"]).contains("needs --auth-file"))
        let empty = NSTemporaryDirectory() + "creds-empty-\(UUID().uuidString)"
        try "# nobody\n".write(toFile: empty, atomically: true, encoding: .utf8)
        defer { unlink(empty) }
        #expect(try Self.refused(["--auth-enabled", "true", "--auth-file", empty]).contains("no credentials"))
        // The hash of an empty secret (made by hand: tsctl refuses to make one).
        let emptySecret = NSTemporaryDirectory() + "creds-blank-\(UUID().uuidString)"
        let salt = "MDEyMzQ1Njc4OWFiY2RlZg=="
        let r = try RealAgent.run("/usr/bin/python3", ["-c", "import hashlib,base64;print(base64.b64encode(hashlib.pbkdf2_hmac('sha256',b'',base64.b64decode('\(salt)'),10000)).decode())"], timeout: 30)
        try "blank read pbkdf2-sha256$10000$\(salt)$\(r.output.trimmingCharacters(in: .whitespacesAndNewlines))\n".write(toFile: emptySecret, atomically: true, encoding: .utf8)
        defer { unlink(emptySecret) }
        #expect(try Self.refused(["--auth-enabled", "true", "--auth-file", emptySecret]).contains("empty"))
        // A credentials file without --auth-enabled would leave the API open by mistake.
        let creds = try Self.credentials([("grafana", "read", "g-pw")])
        defer { unlink(creds) }
        #expect(try Self.refused(["--auth-file", creds]).contains("refusing to start open"))
        let noSecret = try RealAgent.run("/bin/sh", ["-c", "printf '\\n' | '\(Self.tsctlPath)' auth hash x read"], timeout: 30)
        #expect(noSecret.status != 0 && noSecret.output.contains("empty secret"))
    }

    @Test func tlsWithACertificateMadeAtTestTime() throws {
        let dir = NSTemporaryDirectory() + "tsdbd-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let gen = try RealAgent.run("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                                              "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem", "-days", "1",
                                                              "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], timeout: 30)
        #expect(gen.status == 0, "\(gen.output)")
        let creds = try Self.credentials([("agent", "read,write", "a-pw")])
        defer { unlink(creds) }
        func curl(_ port: Int, _ args: [String]) throws -> (status: Int32, output: String) {
            try RealAgent.run("/usr/bin/curl", ["-sS", "--cacert", dir + "/cert.pem", "-w", "\n%{http_code}"] + args, timeout: 30)
        }
        let d = try Daemon(extraArgs: ["--tls-cert", dir + "/cert.pem", "--tls-key", dir + "/key.pem", "--auth-enabled", "true", "--auth-file", creds],
                           ready: { d in (try? curl(d.port, ["https://127.0.0.1:\(d.port)/ping"]))?.output.hasSuffix("204") == true })
        defer { d.stop(); d.removeData() }
        let base = "https://127.0.0.1:\(d.port)"
        let w = try curl(d.port, ["-u", "agent:a-pw", "-XPOST", "\(base)/write?db=t&precision=s", "--data-binary", "cpu,host=a v=7 1767225600"])
        #expect(w.output.hasSuffix("204"), "\(w.output)")
        let q = try curl(d.port, ["-u", "agent:a-pw", "-G", "\(base)/query?db=t", "--data-urlencode", "q=SELECT v FROM cpu"])
        #expect(q.output.contains("[\"2026-01-01T00:00:00Z\",7]") && q.output.hasSuffix("200"), "\(q.output)")
        // The certificate is checked: without the CA, curl refuses; plain HTTP gets no answer.
        let untrusted = try RealAgent.run("/usr/bin/curl", ["-sS", "\(base)/ping"], timeout: 30)
        #expect(untrusted.status != 0)
        #expect((try? HTTP.request(port: d.port, "GET", "/ping"))?.status != 204)
        #expect(try curl(d.port, ["\(base)/ping"]).output.hasSuffix("204"))
        // tsctl over HTTPS: it trusts the CA in TSDBD_CACERT or --cacert, refuses the server without
        // it (exit 3, like an unreachable server) and skips the check with --insecure.
        let login = ["TSDBD_USERNAME": "agent", "TSDBD_PASSWORD": "a-pw"]
        let trusted = try tsctl(["query", "SHOW DATABASES", "--url", base], env: login.merging(["TSDBD_CACERT": dir + "/cert.pem"]) { $1 })
        #expect(trusted.status == 0 && trusted.output.split(separator: "\n").contains("t"), "\(trusted.output)")
        let selected = try tsctl(["query", "SELECT v FROM cpu", "--db", "t", "--epoch", "--url", base, "--cacert", dir + "/cert.pem"],
                                 env: login.merging(["TSDBD_CACERT": ""]) { $1 })
        #expect(selected.status == 0 && selected.output.contains("1767225600000000000 7"), "\(selected.output)")
        let refused = try tsctl(["query", "SHOW DATABASES", "--url", base], env: login.merging(["TSDBD_CACERT": ""]) { $1 })
        #expect(refused.status == 3, "\(refused.output)")
        #expect(refused.output.contains("TLS handshake with tsdbd at \(base) failed: certificate verify failed"), "\(refused.output)")
        #expect(refused.output.contains("--cacert"), "\(refused.output)")
        let insecure = try tsctl(["query", "SHOW DATABASES", "--url", base, "--insecure"], env: login.merging(["TSDBD_CACERT": ""]) { $1 })
        #expect(insecure.status == 0 && insecure.output.split(separator: "\n").contains("t"), "\(insecure.output)")
        #expect(d.process.isRunning)
    }

    @Test func slowHeaderClientsAreCutOffWhileOthersAreServed() throws {
        let d = try Daemon(extraArgs: ["--http-header-timeout", "1s", "--http-idle-timeout", "2s"])
        defer { d.stop(); d.removeData() }
        let pid = d.process.processIdentifier
        let before = rssKB(pid)
        // 200 connections that send half a request head and stop; 1 that dribbles a byte every 200 ms.
        var silent: [Int32] = []
        for _ in 0..<200 {
            let fd = try HTTP.connect(port: d.port)
            #expect(HTTP.sendAll(fd, Array("POST /write?db=x HTTP/1.1\r\nHost: 127.0.0.1\r\n".utf8)))
            silent.append(fd)
        }
        let dribbler = try HTTP.connect(port: d.port)
        let start = Date()
        var dribbleClosedAfter: Double?
        for c in Array("GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + String(repeating: "a", count: 100)) {
            if !HTTP.sendAll(dribbler, Array(String(c).utf8)) { dribbleClosedAfter = Date().timeIntervalSince(start); break }
            // Others are served meanwhile.
            #expect(try HTTP.request(port: d.port, "GET", "/ping").status == 204)
            usleep(200_000)
            var probe: UInt8 = 0
            if recv(dribbler, &probe, 1, Int32(MSG_DONTWAIT)) == 0 { dribbleClosedAfter = Date().timeIntervalSince(start); break }
        }
        #expect(dribbleClosedAfter != nil && dribbleClosedAfter! < 4, "the dribbling client was not cut off")
        // Every silent connection was closed by the server (recv sees end of stream).
        var closed = 0
        for fd in silent {
            var tv = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            var b = [UInt8](repeating: 0, count: 256)
            if recv(fd, &b, b.count, 0) <= 0 { closed += 1 }
            close(fd)
        }
        close(dribbler)
        #expect(closed == 200)
        #expect((Net.metric(d.port, "tsdbd_http_header_timeouts_total") ?? 0) >= 201)
        // A kept-alive connection idle past --http-idle-timeout is closed too; one in use is not.
        let keep = try HTTP.connect(port: d.port)
        defer { close(keep) }
        #expect(HTTP.sendAll(keep, Array("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n".utf8)))
        #expect(try HTTP.readResponse(keep).status == 204)
        usleep(1_000_000)
        #expect(HTTP.sendAll(keep, Array("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n".utf8)))
        #expect(try HTTP.readResponse(keep).status == 204)
        var b: UInt8 = 0
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(keep, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        #expect(recv(keep, &b, 1, 0) == 0)  // closed after 2 s idle
        let grown = rssKB(pid) - before
        #expect(grown < HostileInputTests.maxGrowthKB, "RSS grew by \(grown) KB")
    }
}
