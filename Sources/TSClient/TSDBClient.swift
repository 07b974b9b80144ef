// The HTTP(S) client of tsctl, the daemon tests and (later) the forwarder: a thin layer over
// swift-server/async-http-client that knows tsdbd's base URLs, credentials and TLS options and
// turns transport failures into one-line messages a user can act on.
import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
#if canImport(Glibc)
import Glibc
#endif

/// Errors raised by the client. Every case carries a one-line, human-readable message.
public enum ClientError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The connection could not be established: refused, unresolvable host, unreachable
    /// network, or (for `https://`) a failed TLS handshake such as an untrusted certificate.
    /// Example: `cannot connect to tsdbd at http://127.0.0.1:8086: connection refused`.
    case connectionRefused(String)
    /// Connecting or waiting for the answer took longer than the configured timeout.
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
public struct ClientResponse: Sendable {
    /// The status code, e.g. 200.
    public var status: Int
    /// Header fields in the order received.
    public var headers: [(String, String)]
    /// The body (transfer codings removed).
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

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A client for one tsdbd at `http://host[:port][/prefix]` or `https://host[:port][/prefix]`.
///
/// The scheme may be omitted (`localhost:8086`, plain HTTP); the default port is 80 for
/// `http://` and 443 for `https://`; IPv6 literals go in brackets (`http://[::1]:8086`).
/// `timeoutSeconds` bounds connecting and the whole exchange (0 or less: no limit). For
/// `https://` the server's certificate must chain to the system's CAs or to those in `caFile`
/// and name the host; `insecure` skips both checks (like `curl -k`). Requests may be made from
/// any thread, blocking (`get`, `post`, `send`) or with `async` (`request`).
public final class TSDBClient: Sendable {
    /// The normalized base URL, e.g. `http://127.0.0.1:8086/prefix`; used in error messages.
    public let baseURL: String
    public let timeoutSeconds: Double
    /// Header fields sent with every request (for example `Authorization`).
    public let extraHeaders: [(String, String)]
    public let usesTLS: Bool
    /// A PEM file of CA certificates trusted besides the system's (`https://` only).
    public let caFile: String?
    /// When true, the server's certificate and host name are not verified (`https://` only).
    public let insecure: Bool
    private let pathPrefix: String
    /// `scheme://host:port`, which request targets (prefix + path) are appended to.
    private let origin: String
    private let http: HTTPClient

    /// - Throws: `ClientError.badURL` for malformed URLs, unsupported schemes, header fields
    ///   containing line breaks, or an unreadable `caFile`.
    public init(baseURL: String, timeoutSeconds: Double = 30, headers: [(String, String)] = [],
                caFile: String? = nil, insecure: Bool = false) throws {
        let endpoint = try Endpoint(parsing: baseURL)
        for (name, value) in headers where !Self.isValidHeader(name: name, value: value) {
            throw ClientError.badURL("invalid HTTP header \"\(name)\"")
        }
        let urlHost = endpoint.isIPv6 ? "[\(endpoint.hostForURL)]" : endpoint.hostForURL
        self.origin = "\(endpoint.isTLS ? "https" : "http")://\(urlHost):\(endpoint.port)"
        self.baseURL = origin + endpoint.pathPrefix
        self.timeoutSeconds = timeoutSeconds.isFinite ? min(timeoutSeconds, 1e9) : 0
        self.extraHeaders = headers
        self.usesTLS = endpoint.isTLS
        self.caFile = caFile
        self.insecure = insecure
        self.pathPrefix = endpoint.pathPrefix

        var tls = TLSConfiguration.makeClientConfiguration()
        if insecure { tls.certificateVerification = .none }
        // Read at each connection, so a renewed CA file is picked up.
        if let caFile { tls.additionalTrustRoots = [.file(caFile)] }
        var config = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .follow(max: 5, allowCycles: false))
        if self.timeoutSeconds > 0 {
            let t = TimeAmount.nanoseconds(Int64(self.timeoutSeconds * 1e9))
            config.timeout = .init(connect: t, read: t)
        }
        config.connectionPool = .init(idleTimeout: .seconds(30))
        http = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: config,
                          backgroundActivityLogger: Logger(label: "tsclient", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    deinit {
        try? http.syncShutdown()
    }

    /// `GET prefix+path?query`, blocking.
    public func get(_ path: String, query: [(String, String)] = []) throws -> ClientResponse {
        try send("GET", path, query: query)
    }

    /// `POST prefix+path?query` with `body` and the given `Content-Type`, blocking.
    public func post(_ path: String, query: [(String, String)] = [], body: [UInt8], contentType: String) throws -> ClientResponse {
        try send("POST", path, query: query, body: body, headers: [("Content-Type", contentType)])
    }

    /// Any request, blocking. `path` may carry its own (already encoded) query string.
    public func send(_ method: String, _ path: String, query: [(String, String)] = [], body: [UInt8]? = nil,
                     headers: [(String, String)] = []) throws -> ClientResponse {
        let request = try makeRequest(method, path, query: query, body: body, headers: headers)
        do {
            return Self.response(try http.execute(request: request, deadline: deadline()).wait())
        } catch {
            throw explain(error)
        }
    }

    /// Any request, with `async`.
    public func request(_ method: String, _ path: String, query: [(String, String)] = [], body: [UInt8]? = nil,
                        headers: [(String, String)] = []) async throws -> ClientResponse {
        let request = try makeRequest(method, path, query: query, body: body, headers: headers)
        do {
            return Self.response(try await http.execute(request: request, deadline: deadline()).get())
        } catch {
            throw explain(error)
        }
    }

    // MARK: - Requests

    private func deadline() -> NIODeadline? {
        timeoutSeconds > 0 ? .now() + .nanoseconds(Int64(timeoutSeconds * 1e9)) : nil
    }

    private func makeRequest(_ method: String, _ path: String, query: [(String, String)], body: [UInt8]?,
                             headers: [(String, String)]) throws -> HTTPClient.Request {
        for (name, value) in headers where !Self.isValidHeader(name: name, value: value) {
            throw ClientError.badURL("invalid HTTP header \"\(name)\"")
        }
        var h = HTTPHeaders()
        h.add(name: "User-Agent", value: "tsctl")
        for (name, value) in extraHeaders + headers { h.add(name: name, value: value) }
        do {
            return try HTTPClient.Request(url: origin + requestTarget(path: path, query: query), method: HTTPMethod(rawValue: method),
                                          headers: h, body: body.map { .bytes($0) })
        } catch {
            throw ClientError.badURL("invalid request URL \(origin + requestTarget(path: path, query: query)): \(error)")
        }
    }

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

    /// prefix + path (characters not legal in a path percent-encoded; `%` and `?` kept so a
    /// pre-encoded path with its query passes through) then `?k=v&...`, fully percent-encoded.
    func requestTarget(path: String, query: [(String, String)]) -> String {
        let normalizedPath = path.hasPrefix("/") ? path : "/" + path
        var target = Self.percentEncode(pathPrefix + normalizedPath, alsoAllowed: "/:@!$&'()*+,;=%?")
        if !query.isEmpty {
            target += (target.contains("?") ? "&" : "?")
                + query.map { Self.percentEncode($0.0) + "=" + Self.percentEncode($0.1) }.joined(separator: "&")
        }
        return target
    }

    private static func isValidHeader(name: String, value: String) -> Bool {
        !name.isEmpty
            && !name.utf8.contains(where: { $0 <= 0x20 || $0 == UInt8(ascii: ":") || $0 >= 0x7F })
            && !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 })
    }

    private static func response(_ r: HTTPClient.Response) -> ClientResponse {
        ClientResponse(status: Int(r.status.code), headers: r.headers.map { ($0.name, $0.value) },
                       body: r.body.map { Array($0.readableBytesView) } ?? [])
    }

    // MARK: - Errors

    private var timeoutText: String {
        let whole = timeoutSeconds.rounded(.down)
        return whole == timeoutSeconds ? "\(Int(whole))s" : "\(timeoutSeconds)s"
    }

    /// A transport failure as a `ClientError` with a message naming the server and the cause.
    private func explain(_ error: any Error) -> ClientError {
        if let e = error as? ClientError { return e }
        let text = "\(error)"
        if let e = error as? HTTPClientError {
            switch e {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout:
                return .timeout("timed out after \(timeoutText) waiting for a response from tsdbd at \(baseURL)")
            case .remoteConnectionClosed:
                return .protocolError("tsdbd at \(baseURL) closed the connection before the response was complete")
            default: break
            }
        }
        if error is NIOSSLError || error is BoringSSLError || text.contains("NIOSSL") || text.contains("handshake") {
            var hint = ""
            if text.contains("CERTIFICATE_VERIFY_FAILED") {
                hint = caFile == nil ? "; pass --cacert FILE or set TSDBD_CACERT to trust the server's CA"
                    : "; the server's certificate does not chain to a CA in \(caFile!) or the system store"
            } else if text.contains("WRONG_VERSION_NUMBER") || text.contains("wrong version") || text.contains("unexpected") {
                hint = "; is the server serving plain HTTP? try http://"
            }
            // BoringSSL's reason code (e.g. WRONG_VERSION_NUMBER) in words, not its source path.
            let reason = text.firstMatch(of: /OPENSSL_internal:([A-Z0-9_]+)/)
                .map { String($0.1).lowercased().replacing("_", with: " ") } ?? text
            return .connectionRefused("TLS handshake with tsdbd at \(baseURL) failed: \(reason)\(hint)")
        }
        if let c = error as? NIOConnectionError {
            let codes = c.connectionErrors.compactMap { ($0.error as? IOError)?.errnoCode }
            if codes.contains(ECONNREFUSED) || c.connectionErrors.isEmpty {
                return .connectionRefused("cannot connect to tsdbd at \(baseURL): connection refused")
            }
            if let code = codes.first { return .connectionRefused("cannot connect to tsdbd at \(baseURL): \(String(cString: strerror(code)))") }
            if c.dnsAError != nil || c.dnsAAAAError != nil {
                return .connectionRefused("cannot connect to tsdbd at \(baseURL): cannot resolve the host")
            }
        }
        if let io = error as? IOError {
            if io.errnoCode == ECONNREFUSED { return .connectionRefused("cannot connect to tsdbd at \(baseURL): connection refused") }
            return .connectionRefused("cannot connect to tsdbd at \(baseURL): \(String(cString: strerror(io.errnoCode)))")
        }
        if let e = error as? HTTPParserError {
            if e == .invalidEOFState {
                return .protocolError("tsdbd at \(baseURL) closed the connection before the response was complete")
            }
            return .protocolError("invalid HTTP response from tsdbd at \(baseURL): \(text)")
        }
        return .protocolError("request to tsdbd at \(baseURL) failed: \(text)")
    }
}

/// Parsed form of a base URL.
private struct Endpoint {
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
