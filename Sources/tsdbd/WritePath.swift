import Logging
import NIOPosix
import TSEngine
import TSIngest

/// The daemon's one write path: every protocol (HTTP `/write` and `/api/v2/write`, `POST
/// /collectd`, the UDP and TCP listeners) hands its batches to an `EngineWriter`, which appends
/// them off the event loop (on NIO's blocking thread pool: the append waits for the WAL fsync)
/// and counts them per protocol in `/metrics`.
struct EngineWriter: Sendable {
    let engine: Engine
    let counters: Counters
    let protocolName: String
    let logger: Logger
    let errorLog = RateLimitedLog()

    /// Appends one batch and counts what was written and refused.
    func append(_ batch: WriteBatch) async throws -> AppendResult {
        guard !batch.isEmpty else { return AppendResult() }
        let engine = self.engine
        let r = try await NIOThreadPool.singleton.runIfActive { try engine.append(batch) }
        counters.add(protocolName: protocolName, written: r.written, parseErrors: 0, rejected: r.rejected.count)
        return r
    }

    /// Counts entries the protocol's parser refused.
    func parseErrors(_ n: Int) {
        if n > 0 { counters.add(protocolName: protocolName, written: 0, parseErrors: n, rejected: 0) }
    }

    /// For listeners, which have no one to answer: appends, logs refusals and failures (at most
    /// once per interval) and counts a failed write as dropped. Never throws.
    func write(_ batch: WriteBatch) async {
        do {
            let r = try await append(batch)
            if let first = r.rejected.first {
                errorLog.warning(logger, "\(protocolName): \(r.rejected.count) samples refused, first: \(first.error)")
            }
        } catch {
            counters.addDropped(protocolName: protocolName, reason: "write_error", batch.count)
            errorLog.warning(logger, "\(protocolName): write of \(batch.count) samples failed: \(error)")
        }
    }
}

/// The writes of one request, in order, with one append in flight while the next batch is
/// parsed: parsing (CPU) overlaps the engine's work and its fsync. Each append waits for the
/// previous one, so a later duplicate still wins. `outcome` collects what happened.
struct PipelinedWrites {
    let writer: EngineWriter
    private(set) var outcome = WriteOutcome()
    private var inFlight: Task<AppendResult, Error>?

    init(writer: EngineWriter) { self.writer = writer }

    mutating func submit(_ batch: WriteBatch) async throws {
        try await settle()
        let w = writer
        inFlight = Task { try await w.append(batch) }
    }

    /// Waits for the append in flight.
    mutating func settle() async throws {
        guard let t = inFlight else { return }
        inFlight = nil
        outcome.add(try await t.value)
    }

    /// Records the parser's refusals in the outcome and the metrics.
    mutating func parseErrors(_ n: Int, reasons: [String]) {
        outcome.addParseErrors(n, reasons: reasons)
        writer.parseErrors(n)
    }

    func cancel() { inFlight?.cancel() }
}
