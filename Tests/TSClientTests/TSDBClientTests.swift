import XCTest
import Foundation
#if canImport(Glibc)
import Glibc
private let streamType = Int32(SOCK_STREAM.rawValue)
private let noSignal = Int32(MSG_NOSIGNAL)
#elseif canImport(Darwin)
import Darwin
private let streamType = SOCK_STREAM
private let noSignal: Int32 = 0
#endif
import InfluxQL
import TSClient

/// A TCP server on a loopback address that accepts one connection, records the request
/// (headers and a Content-Length body), optionally waits, writes a canned response in the
/// given pieces (with short pauses between them, to exercise incremental reads) and closes.
private final class OneShotServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let pieces: [[UInt8]]
    private let holdSeconds: Double
    private let finished = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var received: [UInt8] = []

    /// `immediate`: answer every connection at once, without reading a request.
    private let immediate: Bool

    init(response pieces: [String], ipv6: Bool = false, holdSeconds: Double = 0, immediate: Bool = false) throws {
        self.immediate = immediate
        self.pieces = pieces.map { Array($0.utf8) }
        self.holdSeconds = holdSeconds
        let family = ipv6 ? AF_INET6 : AF_INET
        let fd = socket(family, streamType, 0)
        listener = fd
        guard fd >= 0 else { throw XCTSkip("cannot create a socket") }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var storage = sockaddr_storage()
        /// Copies a loopback address of the family into `storage`; returns its length.
        func loopback<A>(_ address: A) -> socklen_t {
            withUnsafeBytes(of: address) { source in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: source) } }
            return socklen_t(MemoryLayout<A>.size)
        }
        var v6 = sockaddr_in6(), v4 = sockaddr_in()
        v6.sin6_family = sa_family_t(AF_INET6)
        v4.sin_family = sa_family_t(AF_INET)
        _ = inet_pton(AF_INET6, "::1", &v6.sin6_addr)
        _ = inet_pton(AF_INET, "127.0.0.1", &v4.sin_addr)
        let length = ipv6 ? loopback(v6) : loopback(v4)
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 4) == 0 else {
            close(fd)
            throw XCTSkip("cannot listen on the \(ipv6 ? "IPv6" : "IPv4") loopback address")
        }
        var boundLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &boundLength) }
        }
        if ipv6 {
            port = withUnsafeBytes(of: &storage) { Int(UInt16(bigEndian: $0.load(as: sockaddr_in6.self).sin6_port)) }
        } else {
            port = withUnsafeBytes(of: &storage) { Int(UInt16(bigEndian: $0.load(as: sockaddr_in.self).sin_port)) }
        }
        Thread.detachNewThread { [self] in self.serve() }
    }

    private func serve() {
        defer {
            close(listener)
            finished.signal()
        }
        if immediate {
            // Every connection for 5 s (the client retries failed connections until its deadline),
            // each answered after its first bytes, then closed.
            var quiet = timeval()
            quiet.tv_sec = 5
            _ = setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, &quiet, socklen_t(MemoryLayout<timeval>.size))
            while true {
                let c = accept(listener, nil, nil)
                guard c >= 0 else { return }
                var hello = [UInt8](repeating: 0, count: 4096)
                _ = hello.withUnsafeMutableBytes { recv(c, $0.baseAddress, $0.count, 0) }  // the ClientHello
                for piece in pieces { _ = piece.withUnsafeBytes { send(c, $0.baseAddress, $0.count, noSignal) } }
                shutdown(c, Int32(SHUT_WR))
                Thread.sleep(forTimeInterval: 0.05)
                close(c)
            }
            return
        }
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { return }
        defer { close(connection) }
        var timeout = timeval()
        timeout.tv_sec = 5
        _ = setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        var request: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var expectedTotal: Int?
        while expectedTotal.map({ request.count < $0 }) ?? true {
            let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            request.append(contentsOf: chunk[0..<count])
            if expectedTotal == nil, let headerEnd = Self.find([13, 10, 13, 10], in: request) {
                let head = String(decoding: request[..<headerEnd], as: UTF8.self).lowercased()
                let length = head.split(separator: "\r\n")
                    .first(where: { $0.hasPrefix("content-length:") })
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                expectedTotal = headerEnd + 4 + length
            }
        }
        lock.withLock { received = request }
        if holdSeconds > 0 { Thread.sleep(forTimeInterval: holdSeconds) }
        for (index, piece) in pieces.enumerated() {
            if index > 0 { Thread.sleep(forTimeInterval: 0.02) }
            _ = piece.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, noSignal) }
        }
        shutdown(connection, Int32(SHUT_WR))
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    /// The request as received, after the server has finished.
    func request() -> String {
        _ = finished.wait(timeout: .now() + 10)
        return lock.withLock { String(decoding: received, as: UTF8.self) }
    }
}

final class TSDBClientTests: XCTestCase {
    /// One exchange with a `OneShotServer` answering `pieces`: the client for `base` + the
    /// server's port + `prefix` makes the request; returns the response and the request as the
    /// server received it.
    private func exchange(_ pieces: [String], base: String = "http://127.0.0.1", prefix: String = "",
                          _ request: (TSDBClient) throws -> ClientResponse) throws -> (ClientResponse, String) {
        let server = try OneShotServer(response: pieces)
        let client = try TSDBClient(baseURL: "\(base):\(server.port)\(prefix)", timeoutSeconds: 5)
        let response = try request(client)
        return (response, server.request())
    }

    func testContentLengthResponseAndRequestEncoding() throws {
        let server = try OneShotServer(response: [
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Influxdb-Version: 1.8\r\nContent-Length: 18\r\n\r\n",
            #"{"results":[ ]}  "# + "\n",
        ])
        let client = try TSDBClient(baseURL: "http://127.0.0.1:\(server.port)", timeoutSeconds: 5)
        let response = try client.get("/query", query: [("db", "my db"), ("q", #"SELECT mean("v") FROM cpu WHERE a='é&b=c'"#)])
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("x-influxdb-version"), "1.8")
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self), #"{"results":[ ]}  "# + "\n")
        XCTAssertEqual(try QueryResponse.decode(response.body), [])

        let request = server.request()
        XCTAssertTrue(request.hasPrefix(
            "GET /query?db=my%20db&q=SELECT%20mean%28%22v%22%29%20FROM%20cpu%20WHERE%20a%3D%27%C3%A9%26b%3Dc%27 HTTP/1.1\r\n"),
            request)
        XCTAssertTrue(request.lowercased().contains("\r\nhost: 127.0.0.1:\(server.port)\r\n"), request)
        XCTAssertTrue(request.contains("\r\nUser-Agent: tsctl\r\n"), request)
        XCTAssertTrue(request.hasSuffix("\r\n\r\n"))
    }

    func testChunkedResponseWithExtensionsAndTrailers() throws {
        let (response, request) = try exchange([
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n",
            "5;ext=1\r\nhello\r\n",
            "1A\r\n, chunked world 0123456789\r\n",
            "0\r\nX-Trailer: yes\r\n\r\n",
        ]) { try $0.get("/query") }
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.text, "hello, chunked world 0123456789")
        XCTAssertTrue(request.hasPrefix("GET /query HTTP/1.1\r\n"))
    }

    func testPostSendsBodyUnderPathPrefixAndReadsUntilClose() throws {
        let body = Array("cpu,host=a value=1 1767225600000000000\n".utf8)
        let (response, request) = try exchange(["HTTP/1.0 204 No Content\r\n\r\n"], prefix: "/tsdb/") {
            try $0.post("/write", query: [("db", "metrics"), ("precision", "ns")], body: body, contentType: "text/plain; charset=utf-8")
        }
        XCTAssertEqual(response.status, 204)
        XCTAssertEqual(response.body, [])
        XCTAssertTrue(request.hasPrefix("POST /tsdb/write?db=metrics&precision=ns HTTP/1.1\r\n"), request)
        XCTAssertTrue(request.contains("\r\nContent-Type: text/plain; charset=utf-8\r\n"), request)
        XCTAssertTrue(request.contains("\r\nContent-Length: \(body.count)\r\n"), request)
        XCTAssertTrue(request.hasSuffix("\r\n\r\ncpu,host=a value=1 1767225600000000000\n"), request)
    }

    func testBodyWithoutLengthIsReadUntilClose() throws {
        let (response, request) = try exchange([
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n\r\nnot ",
            "found",
        ], base: "127.0.0.1") { try $0.get("ping") }
        XCTAssertEqual(response.status, 404)
        XCTAssertEqual(response.text, "not found")
        XCTAssertTrue(request.hasPrefix("GET /ping HTTP/1.1\r\n"))
    }

    func testTruncatedContentLengthBodyIsAProtocolError() throws {
        let server = try OneShotServer(response: ["HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"])
        let client = try TSDBClient(baseURL: "http://127.0.0.1:\(server.port)", timeoutSeconds: 5)
        XCTAssertThrowsError(try client.get("/query", query: [])) { error in
            guard case .protocolError(let message)? = error as? ClientError else {
                return XCTFail("expected protocolError, got \(error)")
            }
            XCTAssertEqual(message, "tsdbd at http://127.0.0.1:\(server.port) closed the connection before the response was complete")
        }
    }

    func testIPv6Loopback() throws {
        let server = try OneShotServer(response: ["HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"], ipv6: true)
        let client = try TSDBClient(baseURL: "http://[::1]:\(server.port)", timeoutSeconds: 5)
        XCTAssertEqual(client.baseURL, "http://[::1]:\(server.port)")
        let response = try client.get("/ping", query: [])
        XCTAssertEqual(response.body, Array("ok".utf8))
        XCTAssertTrue(server.request().lowercased().contains("\r\nhost: [::1]:\(server.port)\r\n"))
    }

    func testConnectionRefusedMessage() throws {
        // Bind a port without listening, then release it: connecting to it is refused.
        let probe = socket(AF_INET, streamType, 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        _ = inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(probe, pointer, length) == 0 else { return -1 }
                return getsockname(probe, pointer, &length)
            }
        }
        XCTAssertEqual(bound, 0)
        let port = Int(UInt16(bigEndian: address.sin_port))
        close(probe)

        let client = try TSDBClient(baseURL: "http://127.0.0.1:\(port)", timeoutSeconds: 5)
        XCTAssertThrowsError(try client.get("/ping", query: [])) { error in
            XCTAssertEqual(error as? ClientError,
                           .connectionRefused("cannot connect to tsdbd at http://127.0.0.1:\(port): connection refused"))
            XCTAssertEqual("\(error)", "cannot connect to tsdbd at http://127.0.0.1:\(port): connection refused")
        }
    }

    func testReceiveTimeout() throws {
        let server = try OneShotServer(response: ["HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"], holdSeconds: 1.0)
        let client = try TSDBClient(baseURL: "http://127.0.0.1:\(server.port)", timeoutSeconds: 0.2)
        let started = Date()
        XCTAssertThrowsError(try client.get("/query", query: [])) { error in
            guard case .timeout(let message)? = error as? ClientError else {
                return XCTFail("expected timeout, got \(error)")
            }
            XCTAssertTrue(message.hasPrefix("timed out after 0.2s waiting for a response from tsdbd at http://127.0.0.1:"), message)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 0.9)
        _ = server.request()
    }

    func testURLValidation() throws {
        XCTAssertThrowsError(try TSDBClient(baseURL: "ftp://db.example.com")) { error in
            XCTAssertEqual(error as? ClientError,
                           .badURL("invalid URL \"ftp://db.example.com\": unsupported scheme \"ftp\"; use http:// or https://"))
        }
        for bad in ["", "ftp://x", "http://", "http://:8086", "http://h:0", "http://h:70000", "http://h:80x",
                    "http://::1:8086", "http://[::1", "http://u:p@h:8086", "http://h:8086/?q=1",
                    "https://", "https://:443", "https://h:0", "https://u:p@h", "https://h/#x"] {
            XCTAssertThrowsError(try TSDBClient(baseURL: bad), bad) { error in
                guard case .badURL? = error as? ClientError else { return XCTFail("\(bad): \(error)") }
            }
        }
        XCTAssertEqual(try TSDBClient(baseURL: "HTTP://localhost:8086/").baseURL, "http://localhost:8086")
        XCTAssertEqual(try TSDBClient(baseURL: "http://db/a/b//").baseURL, "http://db:80/a/b")
        XCTAssertEqual(try TSDBClient(baseURL: "[fe80::1%25eth0]:9").baseURL, "http://[fe80::1%25eth0]:9")
    }

    func testHTTPSURLs() throws {
        let plain = try TSDBClient(baseURL: "http://db.example.com:8086")
        XCTAssertFalse(plain.usesTLS)
        let defaultPort = try TSDBClient(baseURL: "https://db.example.com")
        XCTAssertTrue(defaultPort.usesTLS)
        XCTAssertEqual(defaultPort.baseURL, "https://db.example.com:443")
        XCTAssertEqual(try TSDBClient(baseURL: "HTTPS://db.example.com/").baseURL, "https://db.example.com:443")
        XCTAssertEqual(try TSDBClient(baseURL: "https://db.example.com:8443/tsdb//").baseURL, "https://db.example.com:8443/tsdb")
        XCTAssertEqual(try TSDBClient(baseURL: "https://127.0.0.1/a/b").baseURL, "https://127.0.0.1:443/a/b")
        XCTAssertEqual(try TSDBClient(baseURL: "https://[::1]:8443").baseURL, "https://[::1]:8443")
        // Without a scheme the URL is plain HTTP, even on port 443.
        let noScheme = try TSDBClient(baseURL: "db.example.com:443")
        XCTAssertFalse(noScheme.usesTLS)
        XCTAssertEqual(noScheme.baseURL, "http://db.example.com:443")
        let options = try TSDBClient(baseURL: "https://h", caFile: "/etc/ca.pem", insecure: true)
        XCTAssertEqual(options.caFile, "/etc/ca.pem")
        XCTAssertTrue(options.insecure)
        XCTAssertNil(try TSDBClient(baseURL: "https://h").caFile)
        XCTAssertFalse(try TSDBClient(baseURL: "https://h").insecure)
    }

    func testHTTPSHandshakeTimesOutAgainstASilentServer() throws {
        // The server never answers the ClientHello (it waits for an HTTP request head).
        let server = try OneShotServer(response: ["HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"])
        let client = try TSDBClient(baseURL: "https://127.0.0.1:\(server.port)", timeoutSeconds: 0.2)
        let started = Date()
        XCTAssertThrowsError(try client.get("/ping", query: [])) { error in
            XCTAssertEqual(error as? ClientError, .timeout(
                "timed out after 0.2s waiting for a response from tsdbd at https://127.0.0.1:\(server.port)"))
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 0.9)
        _ = server.request()
    }

    func testHTTPSToAPlainHTTPServerFailsTheHandshake() throws {
        // The server answers the ClientHello with plain HTTP, on every connection.
        let server = try OneShotServer(response: ["HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"], immediate: true)
        let client = try TSDBClient(baseURL: "https://127.0.0.1:\(server.port)", timeoutSeconds: 1)
        XCTAssertThrowsError(try client.get("/ping", query: [])) { error in
            guard case .connectionRefused(let message)? = error as? ClientError else {
                return XCTFail("expected connectionRefused, got \(error)")
            }
            XCTAssertTrue(message.hasPrefix("TLS handshake with tsdbd at https://127.0.0.1:\(server.port) failed: "), message)
            XCTAssertTrue(message.hasSuffix("is the server serving plain HTTP? try http://"), message)
        }
        _ = server.request()
    }

    func testPercentEncoding() {
        XCTAssertEqual(TSDBClient.percentEncode("a b+c&d=e/f~g_h.i-j"), "a%20b%2Bc%26d%3De%2Ff~g_h.i-j")
        XCTAssertEqual(TSDBClient.percentEncode("é😀\n"), "%C3%A9%F0%9F%98%80%0A")
        XCTAssertEqual(TSDBClient.percentEncode("/x y/", alsoAllowed: "/"), "/x%20y/")
    }
}
