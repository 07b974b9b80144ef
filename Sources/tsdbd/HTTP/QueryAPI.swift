import TSSupport
import Foundation
import HTTPTypes
import Hummingbird
import InfluxQL
import NIOCore
import TSEngine
import TSQuery

/// `/query` (InfluxDB 1.x) and `/api/v1/query` (native JSON) — see docs/api.md and docs/query.md.
struct QueryAPI: Sendable {
    let engine: Engine
    let api: HTTPAPI
    /// Largest form-encoded POST body read for query parameters.
    static let maxFormBody = 16 << 20
    static let defaultChunkSize = 10_000

    func register(_ router: Router<TSContext>) {
        router.get("query") { req, ctx in try await influxQuery(req, ctx) }
        router.post("query") { req, ctx in try await influxQuery(req, ctx) }
        router.get("api/v1/query") { req, ctx in try await nativeQuery(req, ctx) }
        router.post("api/v1/query") { req, ctx in try await nativeQuery(req, ctx) }
    }

    /// Query parameters from the URL and, for form-encoded POSTs, from the body (body wins).
    func parameters(_ req: Request) async throws -> [String: String] {
        var p: [String: String] = [:]
        // Decoded here rather than with `queryParameters`: clients (Python requests) send spaces as '+'.
        for (k, v) in FormDecoding.decode(req.uri.query ?? "") { p[k] = v }
        if req.method == .post, let ct = req.headers[.contentType], ct.lowercased().hasPrefix("application/x-www-form-urlencoded") {
            let buf = try await req.body.collect(upTo: QueryAPI.maxFormBody)
            for (k, v) in FormDecoding.decode(String(buffer: buf)) { p[k] = v }
        }
        return p
    }

    func influxQuery(_ req: Request, _ ctx: TSContext) async throws -> Response {
        let p = try await parameters(req)
        guard let q = p["q"], !q.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return error(.badRequest, #"missing required parameter "q""#)
        }
        guard let time = TimeEncoding(epoch: p["epoch"]) else {
            return error(.badRequest, "invalid epoch: \(p["epoch"] ?? "")")
        }
        let wantsCSV = (req.headers[.accept] ?? "").contains("application/csv") || (req.headers[.accept] ?? "").contains("text/csv")
        let chunkSize = p["chunked"] == "true" ? Int(p["chunk_size"] ?? "").flatMap { $0 > 0 ? $0 : nil } ?? QueryAPI.defaultChunkSize : nil
        let body: [UInt8]
        do {
            // Encoded on the pool thread that ran the query, while the result is in its cache.
            body = try await run(q, database: p["db"], writable: req.method == .post, params: p["params"], ctx: ctx) { results in
                if wantsCSV { return Array(ResultEncoding.csv(results, time: time).utf8) }
                if let size = chunkSize { return Array(QueryAPI.chunked(results, time: time, size: size).utf8) }
                return ResultEncoding.jsonBytes(results, time: time)
            }
        } catch let e as ParseError {
            return error(.badRequest, "error parsing query: \(e)")
        } catch let e as NotAuthorized {
            api.counters.addAuthFailure("forbidden")
            return error(.forbidden, e.message)
        }
        if wantsCSV {
            return Response(status: .ok, headers: [.contentType: "application/csv"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        return json(.ok, bytes: body)
    }

    /// Native API: times are always integer nanoseconds, and each result names the level that served it.
    func nativeQuery(_ req: Request, _ ctx: TSContext) async throws -> Response {
        let p = try await parameters(req)
        guard let q = p["q"] ?? p["query"], !q.isEmpty else { return error(.badRequest, #"missing required parameter "q""#) }
        guard let level = LevelChoice(p["level"]) else { return error(.badRequest, "invalid level") }
        if case .named(let n) = level, parseDuration(n) == nil {
            return error(.badRequest, "unknown level \"\(n)\": expected auto, raw or a rollup level such as 5m or 1h")
        }
        do {
            let body = try await run(q, database: p["db"], writable: req.method == .post, params: p["params"], level: level, ctx: ctx) {
                ResultEncoding.jsonBytes($0, time: .epoch(unit: 1), includeLevel: true)
            }
            return json(.ok, bytes: body)
        } catch let e as ParseError {
            return error(.badRequest, "error parsing query: \(e)")
        } catch let e as NotAuthorized {
            api.counters.addAuthFailure("forbidden")
            return error(.forbidden, e.message)
        }
    }

    /// Runs the statements off the event loop. As in InfluxDB, statements that change data
    /// (CREATE, DROP, DELETE) need POST; over GET they fail with a statement error.
    /// `encode` runs on the same pool thread, right after the statements.
    func run<T: Sendable>(_ q: String, database: String?, writable: Bool, params: String? = nil, level: LevelChoice = .auto, ctx: TSContext,
                          encode: @escaping @Sendable ([StatementResult]) -> T) async throws -> T {
        var text = q
        if let p = params, !p.isEmpty {
            guard let values = QueryAPI.boundValues(p) else {
                throw ParseError(message: "invalid params: expected a JSON object of strings, numbers and booleans", line: 1, char: 1)
            }
            text = try BoundParameters.substitute(q, values)
        }
        let statements = try InfluxQLParser.parse(text)
        // With authentication on, statements that change data need the admin role (none runs otherwise).
        if !ctx.roles.allows(.admin), let s = statements.first(where: \.changesData) {
            throw NotAuthorized(message: "error authorizing query: \(ctx.user ?? "") not authorized to execute statement '\(s.keyword)', requires admin privilege")
        }
        let options = QueryOptions(now: SystemClock.wallClockNanos(), allowWrites: writable, level: level)
        let exec = QueryExecutor(engine: engine)
        let db = database.flatMap { $0.isEmpty ? nil : $0 }
        return try await api.onPool { encode(exec.execute(statements, database: db, options: options)) }
    }

    /// The `params` JSON object (strings, numbers, booleans), or nil when it is not one.
    static func boundValues(_ text: String) -> [String: BoundParameters.Value]? {
        guard let members = (try? JSONReader.parse(Array(text.utf8)))?.objectValue else { return nil }
        var out: [String: BoundParameters.Value] = [:]
        for (k, v) in members {
            switch v {
            case .bool(let b): out[k] = .boolean(b)
            case .string(let s): out[k] = .string(s)
            case .number:
                if let i = v.int64Value { out[k] = .integer(i) } else if let d = v.doubleValue { out[k] = .number(d) } else { return nil }
            default: return nil
            }
        }
        return out
    }

    /// InfluxDB's chunked JSON: one object per line, each series split into `size`-row pieces,
    /// every piece but the last of a series marked `partial`.
    static func chunked(_ results: [StatementResult], time: TimeEncoding, size: Int) -> String {
        var out = ""
        for r in results {
            if r.series.isEmpty {
                var o = "{\"results\":["
                ResultEncoding.statement(r, time: time, into: &o)
                out += o + "]}\n"
                continue
            }
            if !r.hasTime {
                // Metadata results: one line per series, never split, no partial flags (InfluxDB).
                for s in r.series {
                    var one = r
                    one.series = [s]
                    var o = "{\"results\":["
                    ResultEncoding.statement(one, time: time, into: &o)
                    out += o + "]}\n"
                }
                continue
            }
            var pieces: [(ResultSeries, Bool)] = []
            for s in r.series {
                var start = 0
                repeat {
                    let end = min(s.rowCount, start + size)
                    pieces.append((s.rows(start..<end), end < s.rowCount))
                    start = end
                } while start < s.rowCount
            }
            for (i, (piece, more)) in pieces.enumerated() {
                var one = r
                one.series = [piece]
                var o = "{\"results\":["
                ResultEncoding.statement(one, time: time, partial: i < pieces.count - 1, seriesPartial: more, into: &o)
                out += o + "]}\n"
            }
        }
        return out
    }
}

/// `application/x-www-form-urlencoded` decoding.
enum FormDecoding {
    static func decode(_ s: String) -> [(String, String)] {
        s.split(separator: "&").map { pair in
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (unescape(kv[0]), kv.count > 1 ? unescape(kv[1]) : "")
        }
    }

    static func unescape(_ s: Substring) -> String {
        var bytes: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let c = it.popFirst() {
            if c == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if c == UInt8(ascii: "%"), it.count >= 2, let h = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(h)
                it = it.dropFirst(2)
            } else {
                bytes.append(c)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

struct NotAuthorized: Error {
    let message: String
}
