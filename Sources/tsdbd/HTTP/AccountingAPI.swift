import TSSupport
import Foundation
import HTTPTypes
import Hummingbird
import InfluxQL
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import TSAccounting
import TSEngine

/// Runs the accounting job every `interval` (docs/accounting.md). Failures are logged and retried
/// at the next tick; the job is idempotent.
struct AccountingService: Service {
    let job: AccountingJob
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let t0 = ContinuousClock.now
            do {
                let job = self.job
                let r = try await NIOThreadPool.singleton.runIfActive { try job.runOnce() }
                if r.hoursRecomputed > 0 {
                    logger.info("accounting run", metadata: ["hours": "\(r.hoursRecomputed)", "late_hours": "\(r.lateHours)",
                                                             "records": "\(r.records)", "seconds": "\(ContinuousClock.now - t0)"])
                }
            } catch {
                logger.error("accounting run failed: \(error)")
            }
            // Sleep until the next tick, or until a graceful shutdown begins.
            let interval = self.interval
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}

/// `GET /api/v1/accounting/report` (docs/api.md).
struct AccountingAPI: Sendable {
    let engine: Engine
    let api: HTTPAPI
    let config: AccountingConfig
    let stateDir: String

    func register(_ router: Router<TSContext>) {
        router.get("api/v1/accounting/report") { req, _ in try await report(req) }
        router.post("api/v1/accounting/run") { _, _ in
            let job = try AccountingJob(engine: engine, config: config, stateDir: stateDir)
            let r = try await api.onPool { try job.runOnce() }
            return json(.ok, .object([("hours", .number(String(r.hoursRecomputed))), ("late_hours", .number(String(r.lateHours))),
                                      ("records", .number(String(r.records))), ("watermark", r.watermark.map { .number(String($0)) } ?? .null)]))
        }
    }

    func report(_ req: Request) async throws -> Response {
        var p: [String: String] = [:]
        for (k, v) in FormDecoding.decode(req.uri.query ?? "") { p[k] = v }
        var cfg = config
        if let db = p["db"], !db.isEmpty { cfg.database = db }
        let dims: [ReportDimension]
        let range: TimeRange
        do {
            dims = try ReportDimension.parse(p["by"] ?? "vm")
            if let m = p["month"], !m.isEmpty {
                range = try monthRange(m)
            } else {
                let from = try p["from"].map { s -> Int64 in
                    guard let t = RFC3339.parse(s) else { throw AccountingError("from: '\(s)' is not an RFC3339 time") }
                    return t
                } ?? Int64.min
                let to = try p["to"].map { s -> Int64 in
                    guard let t = RFC3339.parse(s) else { throw AccountingError("to: '\(s)' is not an RFC3339 time") }
                    return t
                } ?? Int64.max
                guard from < to else { throw AccountingError("from must be before to") }
                range = TimeRange(min: from, max: to == .max ? .max : to - 1)
            }
        } catch {
            return TSDBD_error(.badRequest, "\(error)")
        }
        guard engine.databaseNames().contains(cfg.database) else { return TSDBD_error(.notFound, "database not found: \(cfg.database)") }
        let format = p["format"] ?? "json"
        let summary = p["summary"] == "true"
        let job = try AccountingJob(engine: engine, config: cfg, stateDir: stateDir)
        let records = try await api.onPool { try job.reportRecords(range: range) }
        let end = range.max == .max ? SystemClock.wallClockNanos() : range.max
        switch format {
        case "json": return json(.ok, AccountingReport.json(AccountingReport.rows(records, by: dims)))
        case "csv": return text("text/csv", AccountingReport.csv(AccountingReport.rows(records, by: dims)))
        case "table": return text("text/plain; charset=utf-8", AccountingReport.table(AccountingReport.rows(records, by: dims)))
        case "apel":
            if summary { return text("text/plain", AccountingReport.apelSummaries(records)) }
            return text("text/plain", AccountingReport.apelRecords(AccountingReport.rows(records, by: [.vm]), rangeEnd: end))
        default:
            return TSDBD_error(.badRequest, "format must be json, csv, table or apel")
        }
    }

    func text(_ type: String, _ body: String) -> Response {
        Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// The InfluxDB-style error helper under a name the accounting code can use next to its own `error`.
func TSDBD_error(_ status: HTTPResponse.Status, _ message: String) -> Response { error(status, message) }
