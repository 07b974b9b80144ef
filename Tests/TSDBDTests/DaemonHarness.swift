import Foundation
import Synchronization
import TSClient
import TSEngine
#if canImport(Glibc)
import Glibc
#endif

/// Starts the real tsdbd binary on a free loopback port with a temporary data directory.
final class Daemon {
    let dataDir: String
    let port: Int
    let process = Process()
    let logPath: String
    private let ownsDir: Bool

    static var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tsdbd").path
    }

    /// `ready` says when the daemon is up (default: GET /ping answers 204 over plain HTTP).
    init(dataDir: String? = nil, extraArgs: [String] = [], environment: [String: String] = [:], ready: ((Daemon) -> Bool)? = nil) throws {
        if let d = dataDir {
            self.dataDir = d
            ownsDir = false
        } else {
            var t = Array("/tmp/tsdbd-test-XXXXXX".utf8CString)
            self.dataDir = String(cString: t.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }!)
            ownsDir = true
        }
        port = Daemon.freePort()
        logPath = self.dataDir + ".log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: Daemon.binary)
        // collectd's listener is on by default (127.0.0.1:25826); tests turn it off unless they
        // name a port (a later flag wins), so parallel runs do not compete for the port.
        process.arguments = ["--data-dir", self.dataDir + "/data", "--http-addr", "127.0.0.1:\(port)", "--collectd-addr", "off"] + extraArgs
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let logHandle = FileHandle(forWritingAtPath: logPath)!
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let ready {
                if ready(self) { return }
            } else if let r = try? HTTP.request(port: port, "GET", "/ping"), r.status == 204 {
                return
            }
            if !process.isRunning { break }
            usleep(50_000)
        }
        throw HTTPError.message("tsdbd did not start: \(log())")
    }

    func log() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// SIGTERM and wait: a graceful stop.
    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    func kill9() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    func removeData() {
        if ownsDir { try? FileManager.default.removeItem(atPath: dataDir) }
        try? FileManager.default.removeItem(atPath: logPath)
    }

    static func freePort(udp: Bool = false) -> Int {
        let fd = socket(AF_INET, Int32(udp ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sp in
                _ = bind(fd, sp, len)
                _ = getsockname(fd, sp, &len)
            }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

enum HTTPError: Error { case message(String) }

struct HTTPResponse {
    var status: Int
    var headers: [String: String]
    var body: String
}

/// Requests to the daemon under test. `request` goes through TSClient's `TSDBClient` (the
/// client tsctl uses, over async-http-client), one per port; `connect`, `sendAll` and
/// `readResponse` speak raw HTTP/1.1 over a socket, for tests that must control exactly what is
/// sent (slow or malformed clients).
enum HTTP {
    private static let clients = Mutex<[Int: TSDBClient]>([:])

    static func client(port: Int) throws -> TSDBClient {
        try clients.withLock { c in
            if let x = c[port] { return x }
            let x = try TSDBClient(baseURL: "http://127.0.0.1:\(port)", timeoutSeconds: 60)
            c[port] = x
            return x
        }
    }

    static func connect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let r = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        if r != 0 { close(fd); throw HTTPError.message("connect failed: \(errno)") }
        var tv = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    static func sendAll(_ fd: Int32, _ data: [UInt8]) -> Bool {
        var off = 0
        while off < data.count {
            let n = data[off...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            off += n
        }
        return true
    }

    static func readResponse(_ fd: Int32) throws -> HTTPResponse {
        var buf: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        func headerEnd() -> Int? {
            guard buf.count >= 4 else { return nil }
            for i in 0...(buf.count - 4) where buf[i] == 13 && buf[i + 1] == 10 && buf[i + 2] == 13 && buf[i + 3] == 10 { return i }
            return nil
        }
        while headerEnd() == nil {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { throw HTTPError.message("connection closed before response") }
            buf += chunk[0..<n]
        }
        let he = headerEnd()!
        let head = String(decoding: buf[0..<he], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(head[0].split(separator: " ")[1])!
        var headers: [String: String] = [:]
        for l in head.dropFirst() {
            if let c = l.firstIndex(of: ":") { headers[l[..<c].lowercased()] = l[l.index(after: c)...].trimmingCharacters(in: .whitespaces) }
        }
        var body = Array(buf[(he + 4)...])
        let len = Int(headers["content-length"] ?? "0") ?? 0
        while body.count < len {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { break }
            body += chunk[0..<n]
        }
        return HTTPResponse(status: status, headers: headers, body: String(decoding: body, as: UTF8.self))
    }

    static func request(port: Int, _ method: String, _ path: String, body: [UInt8] = [], headers: [String: String] = [:]) throws -> HTTPResponse {
        let send = {
            try client(port: port).send(method, path, body: body.isEmpty && method != "POST" ? nil : body,
                                        headers: headers.map { ($0.key, $0.value) })
        }
        let r: ClientResponse
        do {
            r = try send()
        } catch where "\(error)".contains("bodyLengthMismatch") {
            // async-http-client fails a request whose answer arrives before all of its body was
            // sent (the daemon refuses a bad URL without reading the body), when its own body
            // writer then finishes short: a client race seen on a loaded machine. The daemon
            // read nothing, so sending it again is safe.
            r = try send()
        }
        var h: [String: String] = [:]
        for (k, v) in r.headers where h[k.lowercased()] == nil { h[k.lowercased()] = v }
        return HTTPResponse(status: r.status, headers: h, body: r.text)
    }

    static func request(port: Int, _ method: String, _ path: String, text: String) throws -> HTTPResponse {
        try request(port: port, method, path, body: Array(text.utf8))
    }
}

/// gzip via the system's gzip command (tests only).
func gzipped(_ data: [UInt8]) throws -> [UInt8] {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/gzip")
    p.arguments = ["-c", "-1"]
    let inp = Pipe(), out = Pipe()
    p.standardInput = inp
    p.standardOutput = out
    try p.run()
    let writer = Thread { inp.fileHandleForWriting.write(Data(data)); try? inp.fileHandleForWriting.close() }
    writer.start()
    let result = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return Array(result)
}

func rssKB(_ pid: Int32) -> Int {
    guard let s = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
    for l in s.split(separator: "\n") where l.hasPrefix("VmRSS:") {
        return Int(l.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }
    return 0
}

/// Reads one series back from a stopped tsdbd's data directory with the engine.
func readBack(_ dataDir: String, _ db: String, _ key: SeriesKey) throws -> [(Int64, Value)] {
    var o = EngineOptions()
    o.backgroundMaintenance = false
    o.log = { _, _ in }
    let e = try Engine(path: dataDir + "/data", options: o)
    defer { try? e.close() }
    let refs = try e.select(db, SeriesSelector(key.measurement, field: key.field, key.tags.map { TagMatcher.eq($0.key, $0.value) }))
    guard let ref = refs.first(where: { $0.key == key }) else { return [] }
    let c = try e.read(db, ref)
    return (0..<c.count).map { (c.timestamps[$0], c.values[$0]) }
}

/// Runs the tsctl binary built beside tsdbd; stdout and stderr together.
func tsctl(_ args: [String], env: [String: String] = [:]) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: Daemon.binary).deletingLastPathComponent().appendingPathComponent("tsctl")
    p.arguments = args
    var e = ProcessInfo.processInfo.environment
    for (k, v) in env { e[k] = v }
    p.environment = e
    let out = Pipe()
    p.standardOutput = out
    p.standardError = out
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}
