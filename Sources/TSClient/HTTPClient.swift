// A minimal blocking HTTP/1.1 client over POSIX sockets, with TLS through the system OpenSSL
// (no URLSession).

internal import COpenSSLTLS

#if canImport(Glibc)
import Glibc
private let streamSocketType = Int32(SOCK_STREAM.rawValue)
private let sendFlags = Int32(MSG_NOSIGNAL)
#elseif canImport(Musl)
import Musl
private let streamSocketType = SOCK_STREAM
private let sendFlags = MSG_NOSIGNAL
#elseif canImport(Darwin)
import Darwin
private let streamSocketType = SOCK_STREAM
private let sendFlags: Int32 = 0  // SIGPIPE is suppressed per socket with SO_NOSIGPIPE instead
#else
#error("HTTPClient requires a POSIX socket API")
#endif

/// Errors raised by the client. Every case carries a one-line, human-readable message.
public enum ClientError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The connection could not be established: refused, unresolvable host, unreachable
    /// network, or (for `https://`) a failed TLS handshake such as an untrusted certificate.
    /// Example: `cannot connect to tsdbd at http://127.0.0.1:8086: connection refused`.
    case connectionRefused(String)
    /// Connecting, sending or waiting for data took longer than the configured timeout.
    case timeout(String)
    /// The base URL is unusable, e.g. `invalid URL "ftp://x": unsupported scheme "ftp"; use http:// or https://`.
    case badURL(String)
    /// The server's response is not valid HTTP or not a valid query response, or the
    /// connection broke in the middle of the exchange.
    case protocolError(String)
    /// The server reported an error for the whole request (the payload is the server's message).
    case server(String)

    public var description: String {
        let text: String
        switch self {
        case .connectionRefused(let message), .timeout(let message), .badURL(let message),
             .protocolError(let message):
            text = message
        case .server(let message):
            text = "server error: \(message)"
        }
        return text.split(whereSeparator: { $0.isNewline }).joined(separator: " ")
    }
}

/// A complete HTTP response.
public struct HTTPResponse: Sendable {
    /// The status code, e.g. 200.
    public var status: Int
    /// Header fields in the order received; names as sent by the server.
    public var headers: [(String, String)]
    /// The body, with any chunked transfer coding removed.
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of the first header named `name` (case-insensitive), if present.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first(where: { $0.0.lowercased() == wanted })?.1
    }
}

/// A minimal blocking HTTP/1.1 client for `http://host[:port][/prefix]` and
/// `https://host[:port][/prefix]` base URLs.
///
/// Each request opens a new TCP connection (`Connection: close`), resolves the host with
/// `getaddrinfo` (IPv4 and IPv6; write IPv6 literals in brackets, `http://[::1]:8086`) and
/// tries each address in turn. The scheme may be omitted (`localhost:8086`, plain HTTP); the
/// default port is 80 for `http://` and 443 for `https://`. `timeoutSeconds` applies to
/// connecting, to the TLS handshake and to every individual send and receive
/// (`SO_SNDTIMEO`/`SO_RCVTIMEO`); zero or a negative value disables timeouts.
///
/// For `https://` the connection is wrapped in TLS (1.2 or later) with the system OpenSSL. The
/// server's certificate must chain to the system's trusted CAs or to those in `caFile`, and
/// must name the host (DNS name, or IP address for IP literals); SNI is sent for DNS names.
/// `insecure` skips both checks (like `curl -k`).
public struct HTTPClient: Sendable {
    /// The normalized base URL, e.g. `http://127.0.0.1:8086/prefix`; used in error messages.
    public let baseURL: String
    public let timeoutSeconds: Double
    /// Extra header fields sent with every request (for example `Authorization`).
    public let extraHeaders: [(String, String)]
    /// True for `https://` base URLs.
    public let usesTLS: Bool
    /// A PEM file of CA certificates trusted besides the system's (`https://` only).
    public let caFile: String?
    /// When true, the server's certificate and host name are not verified (`https://` only).
    public let insecure: Bool

    private let host: String
    private let port: Int
    private let pathPrefix: String
    private let hostHeader: String
    /// For TLS: the DNS name for SNI and certificate checks, or nil for IP literals.
    fileprivate let tlsServerName: String?
    /// For TLS: the IP literal (IPv6 without brackets or zone) the certificate must name.
    fileprivate let tlsIPAddress: String?

    /// Creates a client for `baseURL`.
    ///
    /// - Parameters:
    ///   - caFile: for `https://`, a PEM file of CA certificates to trust besides the system's
    ///     default store (e.g. a self-signed server certificate). Read at each connection.
    ///   - insecure: for `https://`, skip verification of the certificate and host name.
    /// - Throws: `ClientError.badURL` for malformed URLs, unsupported schemes and header fields
    ///   containing line breaks.
    public init(baseURL: String, timeoutSeconds: Double = 30, headers: [(String, String)] = [],
                caFile: String? = nil, insecure: Bool = false) throws {
        let endpoint = try Endpoint(parsing: baseURL)
        for (name, value) in headers where !Self.isValidHeader(name: name, value: value) {
            throw ClientError.badURL("invalid HTTP header \"\(name)\"")
        }
        self.host = endpoint.host
        self.port = endpoint.port
        self.pathPrefix = endpoint.pathPrefix
        let urlHost = endpoint.isIPv6 ? "[\(endpoint.hostForURL)]" : endpoint.hostForURL
        let defaultPort = endpoint.isTLS ? 443 : 80
        self.hostHeader = endpoint.port == defaultPort ? urlHost : "\(urlHost):\(endpoint.port)"
        self.baseURL = "\(endpoint.isTLS ? "https" : "http")://\(urlHost):\(endpoint.port)\(endpoint.pathPrefix)"
        self.timeoutSeconds = timeoutSeconds.isFinite ? min(timeoutSeconds, 1e9) : 0
        self.extraHeaders = headers
        self.usesTLS = endpoint.isTLS
        self.caFile = caFile
        self.insecure = insecure
        if endpoint.isIPv6 {
            self.tlsServerName = nil
            self.tlsIPAddress = String(endpoint.host.prefix(while: { $0 != "%" }))
        } else if Self.isIPv4Literal(endpoint.host) {
            self.tlsServerName = nil
            self.tlsIPAddress = endpoint.host
        } else {
            self.tlsServerName = endpoint.host
            self.tlsIPAddress = nil
        }
    }

    private static func isIPv4Literal(_ text: String) -> Bool {
        var address = in_addr()
        return inet_pton(AF_INET, text, &address) == 1
    }

    /// Sends `GET prefix+path?query`.
    public func get(_ path: String, query: [(String, String)] = []) throws -> HTTPResponse {
        try perform(method: "GET", path: path, query: query, body: nil, contentType: nil)
    }

    /// Sends `POST prefix+path?query` with `body` and the given `Content-Type`.
    public func post(_ path: String, query: [(String, String)] = [], body: [UInt8], contentType: String) throws -> HTTPResponse {
        guard Self.isValidHeader(name: "Content-Type", value: contentType) else {
            throw ClientError.badURL("invalid Content-Type \"\(contentType)\"")
        }
        return try perform(method: "POST", path: path, query: query, body: body, contentType: contentType)
    }

    // MARK: - Percent-encoding

    /// Percent-encodes every byte of the UTF-8 form of `text` except RFC 3986 unreserved
    /// characters (`A-Z a-z 0-9 - . _ ~`) and the bytes in `alsoAllowed`. A space becomes `%20`.
    public static func percentEncode(_ text: String, alsoAllowed: String = "") -> String {
        let extra = Set(alsoAllowed.utf8)
        let hexDigits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            let unreserved = (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
            if unreserved || extra.contains(byte) {
                out.append(byte)
            } else {
                out.append(0x25)
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The request target for `path` and `query`: prefix + path (characters that are not
    /// legal in a path are percent-encoded; `%` is kept so pre-encoded paths pass through)
    /// followed by `?k=v&...` with keys and values fully percent-encoded.
    func requestTarget(path: String, query: [(String, String)]) -> String {
        let normalizedPath = path.hasPrefix("/") ? path : "/" + path
        var target = Self.percentEncode(pathPrefix + normalizedPath, alsoAllowed: "/:@!$&'()*+,;=%")
        if !query.isEmpty {
            target += "?" + query.map { Self.percentEncode($0.0) + "=" + Self.percentEncode($0.1) }
                .joined(separator: "&")
        }
        return target
    }

    private static func isValidHeader(name: String, value: String) -> Bool {
        !name.isEmpty
            && !name.utf8.contains(where: { $0 <= 0x20 || $0 == UInt8(ascii: ":") || $0 >= 0x7F })
            && !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 })
    }

    // MARK: - Exchange

    private func perform(method: String, path: String, query: [(String, String)],
                         body: [UInt8]?, contentType: String?) throws -> HTTPResponse {
        var head = "\(method) \(requestTarget(path: path, query: query)) HTTP/1.1\r\n"
        head += "Host: \(hostHeader)\r\n"
        head += "User-Agent: tsctl\r\n"
        head += "Accept: */*\r\n"
        head += "Connection: close\r\n"
        for (name, value) in extraHeaders {
            head += "\(name): \(value)\r\n"
        }
        if let body {
            if let contentType { head += "Content-Type: \(contentType)\r\n" }
            head += "Content-Length: \(body.count)\r\n"
        }
        head += "\r\n"
        var request = Array(head.utf8)
        if let body { request.append(contentsOf: body) }

        let socket = try connectSocket()
        defer { close(socket) }
        let session = usesTLS ? try TLSSession(socket: socket, client: self) : nil
        defer { session?.close() }

        // If the server closes the connection while we are still sending (e.g. it rejects a
        // large body early), still try to read the response it sent before closing.
        var sendFailure: ClientError?
        do {
            if let session {
                try session.write(request)
            } else {
                try sendAll(socket, request)
            }
        } catch let error as ClientError {
            if case .timeout = error { throw error }
            // After a fatal TLS error OpenSSL allows no further reads on the connection.
            if session?.isBroken == true { throw error }
            sendFailure = error
        }
        do {
            var reader = SocketReader(socket: socket, tls: session, client: self)
            return try readResponse(&reader)
        } catch {
            throw sendFailure ?? error
        }
    }

    fileprivate var timeoutText: String {
        let whole = timeoutSeconds.rounded(.down)
        return whole == timeoutSeconds ? "\(Int(whole))s" : "\(timeoutSeconds)s"
    }

    fileprivate var receiveTimeoutError: ClientError {
        .timeout("timed out after \(timeoutText) waiting for a response from tsdbd at \(baseURL)")
    }

    fileprivate func brokenConnectionError(_ what: String) -> ClientError {
        .protocolError("tsdbd at \(baseURL) closed the connection \(what)")
    }

    fileprivate static func systemError(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    // MARK: Connecting

    private func connectSocket() throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = streamSocketType
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            let reason = status == EAI_SYSTEM ? Self.systemError(errno) : String(cString: gai_strerror(status))
            throw ClientError.connectionRefused(
                "cannot connect to tsdbd at \(baseURL): cannot resolve host \"\(host)\": \(reason)")
        }
        defer { freeaddrinfo(first) }

        var refused = false
        var timedOut = false
        var lastError: Int32 = 0
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            cursor = info.pointee.ai_next
            let socket = makeSocket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            guard socket >= 0 else {
                lastError = errno
                continue
            }
            configure(socket)
            if connect(socket, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                return socket
            }
            let code = errno
            close(socket)
            lastError = code
            switch code {
            case ECONNREFUSED: refused = true
            case ETIMEDOUT, EINPROGRESS, EAGAIN: timedOut = true
            default: break
            }
        }
        if refused {
            throw ClientError.connectionRefused("cannot connect to tsdbd at \(baseURL): connection refused")
        }
        if timedOut {
            throw ClientError.timeout("timed out after \(timeoutText) connecting to tsdbd at \(baseURL)")
        }
        throw ClientError.connectionRefused(
            "cannot connect to tsdbd at \(baseURL): \(Self.systemError(lastError).lowercased())")
    }

    /// Applies send/receive timeouts (which on Linux also bound `connect`).
    private func configure(_ socket: Int32) {
        #if canImport(Darwin)
        var one: Int32 = 1
        _ = setsockopt(socket, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
        guard timeoutSeconds > 0 else { return }
        let whole = timeoutSeconds.rounded(.down)
        var interval = timeval()
        interval.tv_sec = .init(whole)
        interval.tv_usec = .init(((timeoutSeconds - whole) * 1_000_000).rounded(.down))
        if interval.tv_sec == 0 && interval.tv_usec == 0 {
            interval.tv_usec = 1  // a zero timeval would mean "no timeout"
        }
        let size = socklen_t(MemoryLayout<timeval>.size)
        _ = setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &interval, size)
        _ = setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &interval, size)
    }

    // MARK: Sending

    private func sendAll(_ socket: Int32, _ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let sent = send(socket, buffer.baseAddress! + offset, buffer.count - offset, sendFlags)
                if sent > 0 {
                    offset += sent
                    continue
                }
                let code = errno
                if sent < 0 && code == EINTR { continue }
                if sent < 0 && (code == EAGAIN || code == EWOULDBLOCK) {
                    throw ClientError.timeout(
                        "timed out after \(timeoutText) sending the request to tsdbd at \(baseURL)")
                }
                throw brokenConnectionError(
                    "while the request was being sent (\(Self.systemError(code).lowercased()))")
            }
        }
    }

    // MARK: Receiving

    private func readResponse(_ reader: inout SocketReader) throws -> HTTPResponse {
        var status = 0
        var headers: [(String, String)] = []
        // Skip interim 1xx responses (other than 101, which we never request).
        repeat {
            guard let statusLine = try reader.readLine() else {
                throw brokenConnectionError("without sending a response")
            }
            status = try parseStatusLine(statusLine)
            headers = try readHeaders(&reader)
        } while status >= 100 && status < 200 && status != 101

        var body: [UInt8] = []
        let transferEncoding = headers.last(where: { $0.0.lowercased() == "transfer-encoding" })?.1.lowercased()
        if status == 204 || status == 304 || (status >= 100 && status < 200) {
            body = []
        } else if let transferEncoding, transferEncoding.contains("chunked") {
            try readChunkedBody(&reader, into: &body)
        } else if let lengthText = headers.first(where: { $0.0.lowercased() == "content-length" })?.1 {
            let length = try parseContentLength(lengthText)
            body.reserveCapacity(min(length, 1 << 26))
            try reader.read(count: length, into: &body)
        } else {
            try reader.readToEnd(into: &body)
        }
        return HTTPResponse(status: status, headers: headers, body: body)
    }

    private func parseStatusLine(_ line: [UInt8]) throws -> Int {
        let text = String(decoding: line, as: UTF8.self)
        let parts = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3,
              parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let code = Int(parts[1]), code >= 100 else {
            throw ClientError.protocolError(
                "invalid HTTP status line from tsdbd at \(baseURL): \"\(text.prefix(80))\"")
        }
        return code
    }

    private func readHeaders(_ reader: inout SocketReader) throws -> [(String, String)] {
        var headers: [(String, String)] = []
        while true {
            guard let line = try reader.readLine() else {
                throw brokenConnectionError("before the response headers were complete")
            }
            if line.isEmpty { return headers }
            guard headers.count < 1000 else {
                throw ClientError.protocolError("too many response headers from tsdbd at \(baseURL)")
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let name = String(decoding: line[..<colon], as: UTF8.self)
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self)
            headers.append((name.trimmingSpaces, value.trimmingSpaces))
        }
    }

    private func parseContentLength(_ text: String) throws -> Int {
        // Repeated values ("12, 12") are allowed only if identical (RFC 9110 §8.6).
        let values = Set(text.split(separator: ",").map { $0.trimmingSpaces })
        guard values.count == 1, let only = values.first, !only.isEmpty,
              only.allSatisfy({ $0.isASCII && $0.isNumber }), let length = Int(only) else {
            throw ClientError.protocolError("invalid Content-Length \"\(text)\" from tsdbd at \(baseURL)")
        }
        return length
    }

    private func readChunkedBody(_ reader: inout SocketReader, into body: inout [UInt8]) throws {
        while true {
            guard let sizeLine = try reader.readLine() else {
                throw brokenConnectionError("in the middle of a chunked response body")
            }
            let sizeText = String(decoding: sizeLine, as: UTF8.self)
                .split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0].trimmingSpaces
            guard !sizeText.isEmpty, sizeText.count <= 15, let size = Int(sizeText, radix: 16), size >= 0 else {
                throw ClientError.protocolError(
                    "invalid chunk size \"\(sizeText.prefix(40))\" from tsdbd at \(baseURL)")
            }
            if size == 0 {
                // Trailer fields, up to the final empty line; a missing final line is tolerated.
                while let trailer = try reader.readLine(), !trailer.isEmpty {}
                return
            }
            try reader.read(count: size, into: &body)
            guard let terminator = try reader.readLine() else {
                throw brokenConnectionError("in the middle of a chunked response body")
            }
            guard terminator.isEmpty else {
                throw ClientError.protocolError("malformed chunked response body from tsdbd at \(baseURL)")
            }
        }
    }
}

/// Calls the C `socket` function (local constants named `socket` shadow it inside methods).
private func makeSocket(_ domain: Int32, _ type: Int32, _ proto: Int32) -> Int32 {
    socket(domain, type, proto)
}

/// Buffered reading from a connected socket (through TLS for `https://`).
private struct SocketReader {
    static let maxLineLength = 64 * 1024

    let socket: Int32
    /// The TLS session over `socket` for `https://`; nil for plain HTTP.
    let tls: TLSSession?
    let client: HTTPClient
    private var buffer: [UInt8] = []
    private var start = 0
    private var scratch = [UInt8](repeating: 0, count: 64 * 1024)

    init(socket: Int32, tls: TLSSession?, client: HTTPClient) {
        self.socket = socket
        self.tls = tls
        self.client = client
    }

    /// Reads more data into the buffer. Returns false at end of stream.
    private mutating func fill() throws -> Bool {
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        if let tls = self.tls {
            let received = try scratch.withUnsafeMutableBytes { try tls.read(into: $0) }
            guard received > 0 else { return false }
            buffer.append(contentsOf: scratch[0..<received])
            return true
        }
        while true {
            let socket = self.socket
            let received = scratch.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if received > 0 {
                buffer.append(contentsOf: scratch[0..<received])
                return true
            }
            if received == 0 { return false }
            let code = errno
            switch code {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: throw client.receiveTimeoutError
            default:
                throw client.brokenConnectionError("while the response was being read (\(String(cString: strerror(code)).lowercased()))")
            }
        }
    }

    /// The next line without its CRLF (or bare LF), or nil at end of stream when no bytes
    /// are pending.
    mutating func readLine() throws -> [UInt8]? {
        var scanned = 0
        while true {
            if let newline = buffer[(start + scanned)...].firstIndex(of: 0x0A) {
                var end = newline
                if end > start && buffer[end - 1] == 0x0D { end -= 1 }
                let line = Array(buffer[start..<end])
                start = newline + 1
                return line
            }
            scanned = buffer.count - start
            guard scanned <= Self.maxLineLength else {
                throw ClientError.protocolError("response line from tsdbd at \(client.baseURL) is too long")
            }
            guard try fill() else {
                if start == buffer.count { return nil }
                throw client.brokenConnectionError("in the middle of a line")
            }
        }
    }

    /// Appends exactly `count` bytes to `body`.
    mutating func read(count: Int, into body: inout [UInt8]) throws {
        var remaining = count
        while remaining > 0 {
            if start == buffer.count {
                guard try fill() else {
                    throw client.brokenConnectionError(
                        "before the response body was complete (\(count - remaining) of \(count) bytes received)")
                }
            }
            let take = min(remaining, buffer.count - start)
            body.append(contentsOf: buffer[start..<(start + take)])
            start += take
            remaining -= take
        }
    }

    /// Appends everything until the server closes the connection.
    mutating func readToEnd(into body: inout [UInt8]) throws {
        while true {
            body.append(contentsOf: buffer[start...])
            start = buffer.count
            guard try fill() else { return }
        }
    }
}

// MARK: - TLS

/// A TLS client session (system OpenSSL) over a connected socket, set up after the TCP connect.
///
/// I/O goes through `socketBIOMethod` rather than OpenSSL's socket BIO so that sends use
/// `MSG_NOSIGNAL` (no SIGPIPE when the server has closed) like the plain-HTTP path. The socket's
/// `SO_RCVTIMEO`/`SO_SNDTIMEO` make a blocking read or write give up with `EAGAIN`, which OpenSSL
/// reports as `SSL_ERROR_WANT_READ`/`WANT_WRITE`: those are timeouts here.
private final class TLSSession {
    let socket: Int32
    private let client: HTTPClient
    private var context: OpaquePointer?
    private var ssl: OpaquePointer?
    /// The `errno` of the last failed send or receive in the BIO callbacks.
    fileprivate var lastSystemError: Int32 = 0
    /// Set after a fatal error or a timeout: no further TLS I/O and no close_notify.
    private(set) var isBroken = false
    private var established = false

    /// Configures TLS and performs the handshake.
    ///
    /// - Throws: `ClientError.connectionRefused` when TLS cannot be set up or the handshake
    ///   fails (certificate not trusted, wrong host, not a TLS server), `ClientError.timeout`.
    init(socket: Int32, client: HTTPClient) throws {
        self.socket = socket
        self.client = client
        let url = client.baseURL
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw ClientError.connectionRefused(
                "cannot connect to tsdbd at \(url): cannot set up TLS: \(Self.openSSLError())")
        }
        self.context = context
        guard tsclient_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1 else {
            throw ClientError.connectionRefused(
                "cannot connect to tsdbd at \(url): cannot set up TLS: \(Self.openSSLError())")
        }
        tsclient_SSL_CTX_ignore_unexpected_eof(context)
        if client.insecure {
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        } else {
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
            // A system without a CA store is not an error here: verification fails later.
            _ = SSL_CTX_set_default_verify_paths(context)
            ERR_clear_error()
            if let caFile = client.caFile {
                guard access(caFile, R_OK) == 0 else {
                    throw ClientError.connectionRefused(
                        "cannot connect to tsdbd at \(url): cannot read CA file \"\(caFile)\": "
                            + HTTPClient.systemError(errno).lowercased())
                }
                guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
                    throw ClientError.connectionRefused(
                        "cannot connect to tsdbd at \(url): cannot load CA certificates from \"\(caFile)\": "
                            + Self.openSSLError())
                }
            }
        }
        guard let ssl = SSL_new(context), let method = socketBIOMethod, let bio = BIO_new(method) else {
            throw ClientError.connectionRefused(
                "cannot connect to tsdbd at \(url): cannot set up TLS: \(Self.openSSLError())")
        }
        self.ssl = ssl
        BIO_set_data(bio, Unmanaged.passUnretained(self).toOpaque())
        BIO_set_init(bio, 1)
        SSL_set_bio(ssl, bio, bio)  // the SSL owns the BIO now

        var hostOK = true
        if let name = client.tlsServerName {
            hostOK = tsclient_SSL_set_tlsext_host_name(ssl, name) == 1
            if !client.insecure {
                SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
                hostOK = hostOK && SSL_set1_host(ssl, name) == 1
            }
        } else if let address = client.tlsIPAddress, !client.insecure {
            hostOK = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), address) == 1
        }
        guard hostOK else {
            throw ClientError.connectionRefused(
                "cannot connect to tsdbd at \(url): cannot set up TLS for host \"\(client.tlsServerName ?? client.tlsIPAddress ?? "")\": "
                    + Self.openSSLError())
        }

        while true {
            ERR_clear_error()
            lastSystemError = 0
            let result = SSL_connect(ssl)
            if result == 1 { break }
            isBroken = true
            let failed = "TLS handshake with tsdbd at \(url) failed"
            switch SSL_get_error(ssl, result) {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                throw ClientError.timeout(
                    "timed out after \(client.timeoutText) during the TLS handshake with tsdbd at \(url)")
            case SSL_ERROR_SSL:
                let verify = SSL_get_verify_result(ssl)
                if !client.insecure && verify != Int(X509_V_OK) {
                    throw ClientError.connectionRefused(
                        "\(failed): certificate verify failed (\(String(cString: X509_verify_cert_error_string(verify))))"
                            + Self.verifyHint(verify, client))
                }
                // A plain-HTTP server answers the ClientHello with something that is not a record.
                let reason = ERR_GET_REASON(ERR_peek_error())
                let plain = reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_PACKET_LENGTH_TOO_LONG
                throw ClientError.connectionRefused(
                    "\(failed): \(Self.openSSLError())" + (plain ? "; is the server serving plain HTTP? try http://" : ""))
            case SSL_ERROR_SYSCALL where lastSystemError != 0:
                throw ClientError.connectionRefused(
                    "\(failed): \(HTTPClient.systemError(lastSystemError).lowercased())")
            default:
                throw ClientError.connectionRefused("\(failed): the server closed the connection")
            }
        }
        established = true
    }

    deinit {
        if let ssl { SSL_free(ssl) }
        if let context { SSL_CTX_free(context) }
    }

    /// Sends a TLS close_notify (best effort) and frees the session.
    func close() {
        if let ssl, established, !isBroken {
            ERR_clear_error()
            _ = SSL_shutdown(ssl)
        }
        ERR_clear_error()
        if let ssl { SSL_free(ssl) }
        if let context { SSL_CTX_free(context) }
        ssl = nil
        context = nil
    }

    /// Writes all of `bytes`.
    func write(_ bytes: [UInt8]) throws {
        guard let ssl, !isBroken else { throw client.brokenConnectionError("while the request was being sent") }
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                ERR_clear_error()
                lastSystemError = 0
                let written = SSL_write(ssl, buffer.baseAddress! + offset, Int32(clamping: buffer.count - offset))
                if written > 0 {
                    offset += Int(written)
                    continue
                }
                isBroken = true
                switch SSL_get_error(ssl, written) {
                case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                    throw ClientError.timeout(
                        "timed out after \(client.timeoutText) sending the request to tsdbd at \(client.baseURL)")
                case SSL_ERROR_SYSCALL where lastSystemError != 0:
                    throw client.brokenConnectionError(
                        "while the request was being sent (\(HTTPClient.systemError(lastSystemError).lowercased()))")
                case SSL_ERROR_SSL:
                    throw client.brokenConnectionError("while the request was being sent (TLS error: \(Self.openSSLError()))")
                default:
                    throw client.brokenConnectionError("while the request was being sent")
                }
            }
        }
    }

    /// Reads up to `buffer.count` bytes; 0 at the end of the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let ssl, !isBroken else { return 0 }
        ERR_clear_error()
        lastSystemError = 0
        let received = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
        if received > 0 { return Int(received) }
        switch SSL_get_error(ssl, received) {
        case SSL_ERROR_ZERO_RETURN:
            return 0  // close_notify, or a plain close (SSL_OP_IGNORE_UNEXPECTED_EOF)
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            isBroken = true
            throw client.receiveTimeoutError
        case SSL_ERROR_SYSCALL where lastSystemError != 0:
            isBroken = true
            throw client.brokenConnectionError(
                "while the response was being read (\(HTTPClient.systemError(lastSystemError).lowercased()))")
        case SSL_ERROR_SYSCALL:
            isBroken = true
            return 0  // end of stream without close_notify (OpenSSL before 3.0)
        default:
            isBroken = true
            throw ClientError.protocolError(
                "TLS error from tsdbd at \(client.baseURL) while the response was being read: \(Self.openSSLError())")
        }
    }

    /// The reason of the oldest error on OpenSSL's error queue (which is then cleared).
    private static func openSSLError() -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return "unknown TLS error" }
        if let reason = ERR_reason_error_string(code) { return String(cString: reason) }
        var text = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &text, text.count)
        return String(decoding: text.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// What to do about a certificate verification failure.
    private static func verifyHint(_ result: Int, _ client: HTTPClient) -> String {
        switch Int32(truncatingIfNeeded: result) {
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
             X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
             X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            return client.caFile == nil
                ? "; pass --cacert FILE or set TSDBD_CACERT to trust the server's CA"
                : "; the server's certificate does not chain to a CA in \(client.caFile!) or the system store"
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
            return "; the certificate is not valid for \(client.tlsServerName ?? client.tlsIPAddress ?? "the host")"
        default:
            return ""
        }
    }

    fileprivate static func from(_ bio: OpaquePointer) -> TLSSession {
        Unmanaged<TLSSession>.fromOpaque(BIO_get_data(bio)).takeUnretainedValue()
    }
}

/// A BIO over the session's socket: `recv`/`send` (with `MSG_NOSIGNAL`), retrying on `EINTR`;
/// `EAGAIN` (a socket timeout) is passed on as "retry", which OpenSSL reports as WANT_READ/WRITE.
private nonisolated(unsafe) let socketBIOMethod: OpaquePointer? = {
    let index = BIO_get_new_index()
    guard let method = BIO_meth_new(max(index, 0) | BIO_TYPE_SOURCE_SINK, "tsclient socket") else { return nil }
    _ = BIO_meth_set_write(method) { bio, data, length in
        guard let bio, let data, length > 0 else { return 0 }
        let session = TLSSession.from(bio)
        BIO_clear_flags(bio, BIO_FLAGS_READ | BIO_FLAGS_WRITE | BIO_FLAGS_IO_SPECIAL | BIO_FLAGS_SHOULD_RETRY)
        while true {
            let sent = send(session.socket, data, Int(length), sendFlags)
            if sent >= 0 { return Int32(sent) }
            let code = errno
            if code == EINTR { continue }
            session.lastSystemError = code
            if code == EAGAIN || code == EWOULDBLOCK {
                BIO_set_flags(bio, BIO_FLAGS_WRITE | BIO_FLAGS_SHOULD_RETRY)
            }
            return -1
        }
    }
    _ = BIO_meth_set_read(method) { bio, data, length in
        guard let bio, let data, length > 0 else { return 0 }
        let session = TLSSession.from(bio)
        BIO_clear_flags(bio, BIO_FLAGS_READ | BIO_FLAGS_WRITE | BIO_FLAGS_IO_SPECIAL | BIO_FLAGS_SHOULD_RETRY)
        while true {
            let received = recv(session.socket, data, Int(length), 0)
            if received > 0 { return Int32(received) }
            if received == 0 {
                BIO_set_flags(bio, BIO_FLAGS_IN_EOF)
                return 0
            }
            let code = errno
            if code == EINTR { continue }
            session.lastSystemError = code
            if code == EAGAIN || code == EWOULDBLOCK {
                BIO_set_flags(bio, BIO_FLAGS_READ | BIO_FLAGS_SHOULD_RETRY)
            }
            return -1
        }
    }
    _ = BIO_meth_set_ctrl(method) { bio, command, _, _ in
        switch command {
        case BIO_CTRL_FLUSH: return 1
        case BIO_CTRL_EOF: return BIO_test_flags(bio, BIO_FLAGS_IN_EOF) != 0 ? 1 : 0
        default: return 0
        }
    }
    return method
}()

/// Parsed form of a base URL.
private struct Endpoint {
    /// Host as passed to getaddrinfo (IPv6 without brackets, zone ID decoded).
    var host: String
    /// Host as written in URLs (IPv6 without brackets, zone ID encoded as `%25`).
    var hostForURL: String
    var isIPv6: Bool
    /// True for `https://`.
    var isTLS: Bool
    var port: Int
    /// Path prefix without trailing slash, e.g. "" or "/tsdb".
    var pathPrefix: String

    init(parsing raw: String) throws {
        let text = raw.trimmingSpaces
        func invalid(_ reason: String) -> ClientError {
            .badURL("invalid URL \"\(raw)\": \(reason)")
        }
        guard !text.isEmpty else { throw ClientError.badURL("empty URL; expected http://host:port") }

        var rest = Substring(text)
        isTLS = false
        if let schemeEnd = text.firstRange(of: "://") {
            let scheme = text[..<schemeEnd.lowerBound].lowercased()
            guard scheme == "http" || scheme == "https" else {
                throw invalid("unsupported scheme \"\(scheme)\"; use http:// or https://")
            }
            isTLS = scheme == "https"
            rest = text[schemeEnd.upperBound...]
        }
        guard !rest.contains("?") && !rest.contains("#") else {
            throw invalid("a base URL cannot contain a query or fragment")
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        var path = String(rest[slash...])
        guard !authority.contains("@") else { throw invalid("credentials in the URL are not supported") }

        var hostPart: Substring
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw invalid("missing ']' after IPv6 address") }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.first == ":" {
                portPart = after.dropFirst()
            } else if !after.isEmpty {
                throw invalid("unexpected characters after ']'")
            }
            isIPv6 = true
        } else {
            let colons = authority.filter { $0 == ":" }.count
            guard colons <= 1 else {
                throw invalid("IPv6 addresses must be enclosed in brackets, e.g. http://[::1]:8086")
            }
            if let colon = authority.firstIndex(of: ":") {
                hostPart = authority[..<colon]
                portPart = authority[authority.index(after: colon)...]
            } else {
                hostPart = authority
            }
            isIPv6 = false
        }
        guard !hostPart.isEmpty else { throw invalid("missing host") }
        guard !hostPart.contains(where: { $0.isWhitespace || ($0.asciiValue.map { $0 < 0x20 } ?? false) }) else {
            throw invalid("the host contains invalid characters")
        }
        hostForURL = String(hostPart)
        host = isIPv6 ? hostForURL.replacing("%25", with: "%") : hostForURL

        port = isTLS ? 443 : 80
        if let portPart {
            guard !portPart.isEmpty, portPart.count <= 5, portPart.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let number = Int(portPart), (1...65535).contains(number) else {
                throw invalid("invalid port \"\(portPart)\"")
            }
            port = number
        }
        while path.hasSuffix("/") { path.removeLast() }
        pathPrefix = path
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isBlank($0) }),
              let last = lastIndex(where: { !isBlank($0) }) else { return "" }
        return String(self[first...last])
    }
}
