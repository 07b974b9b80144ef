import TSSupport
import CollectdProtocol
import Foundation
import HTTPTypes
import Hummingbird
import LineProtocol
import Logging
import NIOCore
import NIOPosix
import TSAccounting
import TSAuth
import TSEngine
import TSIngest
import TSQuery

struct HTTPLimits: Sendable {
    var maxBodySize: Int
    var maxLineLength: Int
    /// Line-protocol points with more tags are rejected (0 = unlimited).
    var maxTagsPerPoint: Int = 256
}

/// The request context: Hummingbird's core storage plus the channel, so a handler can close a
/// connection whose oversized body it refuses to read.
struct TSContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel
    /// The authenticated user and roles (all roles when authentication is off).
    var user: String?
    var roles: Roles = [.read, .write, .admin]
    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// The InfluxDB-1.x-compatible HTTP API (see docs/api.md).
struct HTTPAPI: Sendable {
    static let version = "1.8.10-tsdbd-0.1"
    /// The settings and what was built from them (credentials, collectd's types.db, accounting).
    let daemon: Daemon
    let engine: Engine
    let counters: Counters
    var limits: HTTPLimits { daemon.config.http.limits }
    var logger: Logger { daemon.logger }
    /// `POST /collectd`: the database without `db` (`--collectd-db`) and types.db.
    var collectd: CollectdIngester { daemon.collectd }
    /// Set when `--auth-enabled`: every request but /ping and /health needs credentials.
    var authenticator: Authenticator? { daemon.authenticator }

    func router() -> Router<TSContext> {
        let router = Router(context: TSContext.self)
        router.add(middleware: VersionHeaders())
        // Request counts and durations per route, through swift-metrics into the same registry.
        router.add(middleware: MetricsMiddleware())
        if let a = authenticator { router.add(middleware: AuthMiddleware(authenticator: a, counters: counters)) }
        router.get("ping") { _, _ in Response(status: .noContent) }
        router.head("ping") { _, _ in Response(status: .noContent) }
        router.get("health") { _, _ in
            json(.ok, .object([("name", .string("tsdbd")), ("message", .string("ready for queries and writes")), ("status", .string("pass")),
                               ("version", .string(HTTPAPI.version))]))
        }
        router.post("write") { req, ctx in
            try await write(req, ctx, database: req.uri.queryParameters.get("db"), precisionParam: req.uri.queryParameters.get("precision"))
        }
        router.post("api/v2/write") { req, ctx in
            // v2 clients name a bucket "db" or "db/rp".
            let bucket = req.uri.queryParameters.get("bucket").map { String($0.split(separator: "/", maxSplits: 1).first ?? "") }
            return try await write(req, ctx, database: bucket, precisionParam: req.uri.queryParameters.get("precision"), v2: true)
        }
        router.post("collectd") { req, ctx in
            try await collectdWrite(req, ctx)
        }
        router.post("api/v1/admin/flush") { _, _ in
            let t0 = SystemClock.monotonicNanos()
            try await onPool { try engine.flushAndCompact() }
            let ms = Double(SystemClock.monotonicNanos() - t0) / 1e6
            return json(.ok, .object([("flushed", .bool(true)), ("milliseconds", .number(JSONWriter.number(ms) ?? "0"))]))
        }
        QueryAPI(engine: engine, api: self).register(router)
        AccountingAPI(engine: engine, api: self, config: daemon.accounting, stateDir: daemon.accountingStateDir).register(router)
        router.get("api/v1/stats") { _, _ in json(.ok, StatsJSON.render(engine.stats())) }
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(bytes: counters.render(engine.stats()))))
        }
        return router
    }

    /// Runs blocking engine work (fsync, seal) off the cooperative thread pool.
    func onPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }

    func write(_ req: Request, _ ctx: TSContext, database: String?, precisionParam: String?, v2: Bool = false) async throws -> Response {
        guard let db = database, !db.isEmpty else {
            return error(.badRequest, v2 ? "bucket is required" : "database is required")
        }
        var precision = Precision.nanoseconds
        if let p = precisionParam, !p.isEmpty {
            guard let pp = Precision(p) else { return error(.badRequest, "invalid precision \"\(p)\" (use n, u, ms, s, m or h)") }
            precision = pp
        }
        if !engine.options.createDatabaseOnWrite && !engine.databaseNames().contains(db) {
            return error(.notFound, "database not found: \"\(db)\"")
        }
        let gzip = req.headers[.contentEncoding]?.lowercased() == "gzip"
        if let cl = req.headers[.contentLength].flatMap({ Int($0) }), cl > limits.maxBodySize {
            return refuseTooLarge(ctx)
        }
        let ingester = LineProtocolIngester(database: db, precision: precision, now: SystemClock.wallClockNanos(),
                                            maxLineLength: limits.maxLineLength, batchSize: 10_000,
                                            maxTagsPerPoint: limits.maxTagsPerPoint)
        let inflater = gzip ? try GzipInflater(cap: limits.maxBodySize) : nil
        var writes = PipelinedWrites(writer: writer(v2 ? "http_v2" : "http"))
        defer { writes.cancel() }
        var received = 0
        do {
            for try await chunk in req.body {
                received += chunk.readableBytes
                if !gzip && received > limits.maxBodySize {
                    try? await writes.settle()
                    return refuseTooLarge(ctx, written: writes.outcome.written, protocolName: writes.writer.protocolName)
                }
                var full: [WriteBatch] = []
                try chunk.withUnsafeReadableBytes { raw in
                    if let inf = inflater {
                        try inf.inflate(raw) { out in ingester.feed(out) { full.append($0) } }
                    } else {
                        ingester.feed(raw) { full.append($0) }
                    }
                }
                for b in full { try await writes.submit(b) }
            }
            if let last = ingester.finish() { try await writes.submit(last) }
            try await writes.settle()
        } catch GzipInflater.Failure.tooLarge {
            try? await writes.settle()
            return refuseTooLarge(ctx, written: writes.outcome.written, protocolName: writes.writer.protocolName)
        } catch GzipInflater.Failure.corrupt(let why) {
            try? await writes.settle()
            let written = writes.outcome.written
            return error(.badRequest, "gzip: \(why)" + (written > 0 ? " (the \(written) points before it were written)" : ""))
        } catch let e where e is EngineError || e is FileSystemError {
            writes.parseErrors(ingester.parseErrors, reasons: ingester.reasons)
            return engineFailure(e)
        }
        writes.parseErrors(ingester.parseErrors, reasons: ingester.reasons)
        return answer(writes.outcome)
    }

    /// The write path for one protocol.
    func writer(_ protocolName: String) -> EngineWriter {
        EngineWriter(engine: engine, counters: counters, protocolName: protocolName, logger: logger)
    }

    /// 204, or InfluxDB's 400 `partial write: … dropped=N` when something was not written.
    func answer(_ outcome: WriteOutcome) -> Response {
        if let m = outcome.partialWriteMessage { return error(.badRequest, m) }
        return Response(status: .noContent)
    }

    /// The answer to a write the engine refused: 404 for a missing database, 400 for a bad
    /// name, 507 for a full disk, 500 otherwise (logged).
    func engineFailure(_ e: any Error) -> Response {
        switch e {
        case EngineError.databaseNotFound: return error(.notFound, "\(e)")
        case EngineError.invalidName: return error(.badRequest, "\(e)")
        case let io as FileSystemError where io.errno == ENOSPC: return error(HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"), "\(e)")
        default:
            logger.error("write failed: \(e)")
            return error(.internalServerError, "\(e)")
        }
    }

    /// 413 without reading the rest of the body: the connection is closed after the answer.
    /// With `Content-Length` over the limit nothing is read or written. A body that streams past
    /// the limit (chunked, or gzip inflating past it) has had its earlier batches written, as a
    /// connection dropped mid-body would: the answer says how many points.
    func refuseTooLarge(_ ctx: TSContext, written: Int = 0, protocolName: String = "http") -> Response {
        counters.add(protocolName: protocolName, written: 0, parseErrors: 0, rejected: 0, tooLarge: 1)
        let ch = ctx.channel
        ch.eventLoop.scheduleTask(in: .milliseconds(100)) { ch.close(promise: nil) }
        var r = error(.contentTooLarge, "Request Entity Too Large" + (written > 0
            ? ": the body passed \(limits.maxBodySize) bytes after \(written) points were written" : ""))
        r.headers[.connection] = "close"
        return r
    }
}

/// Adds the version headers InfluxDB clients look for to every response.
struct VersionHeaders: RouterMiddleware {
    typealias Context = TSContext
    func handle(_ request: Request, context: TSContext, next: (Request, TSContext) async throws -> Response) async throws -> Response {
        var r = try await next(request, context)
        r.headers[HTTPField.Name("X-Influxdb-Version")!] = HTTPAPI.version
        r.headers[HTTPField.Name("X-Influxdb-Build")!] = "OSS"
        r.headers[HTTPField.Name("Request-Id")!] = UUID().uuidString
        return r
    }
}

func json(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response { json(status, value.compactText) }

func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
}

func json(_ status: HTTPResponse.Status, bytes: [UInt8]) -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
}

/// An InfluxDB-style error: JSON body `{"error":"..."}` and the `X-Influxdb-Error` header.
func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
    var r = json(status, .object([("error", .string(message))]))
    r.headers[HTTPField.Name("X-Influxdb-Error")!] = String(message.prefix(1024).map { $0 == "\n" || $0 == "\r" ? " " : $0 })
    return r
}
