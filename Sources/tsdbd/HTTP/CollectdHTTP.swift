import CollectdProtocol
import Hummingbird
import NIOCore
import TSEngine
import TSIngest
import TSSupport

/// `POST /collectd[?db=NAME]`: collectd's `write_http` plugin (JSON or command/PUTVAL format),
/// mapped as the collectd listener maps binary packets (docs/api.md, docs/collectd.md).
extension HTTPAPI {
    /// Samples per engine append.
    static let collectdBatchSize = 10_000

    func collectdWrite(_ req: Request, _ ctx: TSContext) async throws -> Response {
        var db = collectd.database
        if let q = req.uri.queryParameters.get("db"), !q.isEmpty { db = String(q) }
        if !engine.options.createDatabaseOnWrite && !engine.databaseNames().contains(db) {
            return error(.notFound, "database not found: \"\(db)\"")
        }
        let gzip = req.headers[.contentEncoding]?.lowercased() == "gzip"
        if let cl = req.headers[.contentLength].flatMap({ Int($0) }), cl > limits.maxBodySize {
            return refuseTooLarge(ctx)
        }
        // The whole body is needed (JSON is one document); it is bounded by --max-body-size.
        var body: [UInt8] = []
        if !gzip, let cl = req.headers[.contentLength].flatMap({ Int($0) }), cl > 0 { body.reserveCapacity(cl) }
        var received = 0
        do {
            let inflater = gzip ? try GzipInflater(cap: limits.maxBodySize) : nil
            for try await chunk in req.body {
                received += chunk.readableBytes
                if !gzip && received > limits.maxBodySize { return refuseTooLarge(ctx) }
                try chunk.withUnsafeReadableBytes { raw in
                    if let inf = inflater {
                        try inf.inflate(raw) { body.append(contentsOf: $0) }
                    } else {
                        body.append(contentsOf: raw)
                    }
                }
            }
        } catch GzipInflater.Failure.tooLarge {
            return refuseTooLarge(ctx)
        } catch GzipInflater.Failure.corrupt(let why) {
            return error(.badRequest, "gzip: \(why)")
        }
        let now = SystemClock.wallClockNanos()
        var reader: WriteHTTPReader
        do {
            let format = body.withUnsafeBytes { WriteHTTPFormat.detect(contentType: req.headers[.contentType], body: $0) }
            reader = try WriteHTTPReader(body: body, format: format, now: now)
        } catch let e as WriteHTTPError {
            writer("collectd_http").parseErrors(1)
            return error(.badRequest, "unable to parse: \(e.message)")
        }
        body = []
        // Value lists are decoded and written in batches: memory stays bounded by the body plus
        // one batch, however many value lists the body holds.
        let ingester = CollectdIngester(database: db, typesDB: collectd.typesDB)
        var writes = PipelinedWrites(writer: writer("collectd_http"))
        defer { writes.cancel() }
        var batch = WriteBatch(database: db)
        do {
            while let m = reader.next() {
                ingester.append(m, to: &batch)
                if batch.count >= HTTPAPI.collectdBatchSize {
                    try await writes.submit(batch)
                    batch = WriteBatch(database: db)
                }
            }
            try await writes.submit(batch)
            try await writes.settle()
        } catch let e where e is EngineError || e is FileSystemError {
            return engineFailure(e)
        }
        writes.parseErrors(reader.errors, reasons: reader.reasons)
        return answer(writes.outcome)
    }
}
