import TSSupport
import CollectdProtocol
import Hummingbird
import NIOCore
import TSEngine

/// `POST /collectd[?db=NAME]`: collectd's `write_http` plugin (JSON or command/PUTVAL format),
/// mapped as the collectd listener maps binary packets (docs/api.md, docs/collectd.md).
extension HTTPAPI {
    /// Samples per engine append.
    static let collectdBatchSize = 10_000

    func collectdWrite(_ req: Request, _ ctx: TSContext) async throws -> Response {
        var db = collectdDatabase
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
            counters.add(protocolName: "collectd_http", written: 0, parseErrors: 1, rejected: 0)
            return error(.badRequest, "unable to parse: \(e.message)")
        }
        body = []
        // Value lists are decoded and written in batches: memory stays bounded by the body plus
        // one batch, however many value lists the body holds.
        let typesDB = collectdTypesDB
        var written = 0
        var rejected: [String] = []
        var rejectedCount = 0
        var batch = WriteBatch(database: db)
        func flush() async throws {
            guard !batch.isEmpty else { return }
            let b = batch
            batch = WriteBatch(database: db)
            let engine = self.engine
            let r = try await onPool { try engine.append(b) }
            written += r.written
            rejectedCount += r.rejected.count
            for x in r.rejected.prefix(max(0, 10 - rejected.count)) { rejected.append("\(x.error)") }
        }
        do {
            while let m = reader.next() {
                for p in influxPoints(m, typesDB: typesDB) {
                    let key = SeriesKey(measurement: p.measurement, tags: p.tags.map { Tag($0.0, $0.1) }, field: "value")
                    batch.append(key, p.time, Value.float(p.value))
                }
                if batch.count >= HTTPAPI.collectdBatchSize { try await flush() }
            }
            try await flush()
        } catch let e where e is EngineError || e is FileSystemError {
            return engineFailure(e)
        }
        let message = (errors: reader.errors, reasons: reader.reasons)
        counters.add(protocolName: "collectd_http", written: written, parseErrors: message.errors, rejected: rejectedCount)
        let dropped = message.errors + rejectedCount
        if dropped > 0 {
            var reasons = message.reasons.map { "unable to parse: \($0)" } + rejected
            if reasons.count > 10 { reasons = Array(reasons.prefix(10)) }
            return error(.badRequest, "partial write: \(reasons.joined(separator: "; ")) dropped=\(dropped)")
        }
        return Response(status: .noContent)
    }
}
