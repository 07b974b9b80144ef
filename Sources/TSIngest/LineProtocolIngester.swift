import LineProtocol
import TSEngine

/// Turns a stream of line-protocol bytes into `WriteBatch`es for one database.
///
/// Feed chunks as they arrive; whenever `batchSize` samples have accumulated, `onBatch` is
/// called with a full batch (the caller appends it — this is where back-pressure comes from:
/// the stream is not read further until the batch is written). Parse errors are collected
/// (their count, and the first few reasons in InfluxDB's words) and never stop the stream.
public final class LineProtocolIngester {
    public let database: String
    public let batchSize: Int
    /// Points with more tags are rejected (`max tags per point exceeded: N > LIMIT`); 0 = unlimited.
    public let maxTagsPerPoint: Int
    private var parser: LineProtocolParser
    private var batch: WriteBatch
    private var prefix: [UInt8] = []
    /// Lines that failed to parse.
    public private(set) var parseErrors = 0
    /// The first `maxReasons` parse error messages.
    public private(set) var reasons: [String] = []
    public let maxReasons = 10
    /// Points (lines) parsed, and samples (fields) produced.
    public private(set) var points = 0
    public private(set) var samples = 0

    public init(database: String, precision: Precision, now: Int64, maxLineLength: Int = 262_144, batchSize: Int = 5000,
                maxTagsPerPoint: Int = 256) {
        self.database = database
        self.batchSize = batchSize
        self.maxTagsPerPoint = maxTagsPerPoint
        parser = LineProtocolParser(precision: precision, defaultTime: now, maxLineLength: maxLineLength)
        batch = WriteBatch(database: database, reservingCapacity: batchSize)
    }

    /// Parses a chunk; calls `onBatch` for each full batch.
    public func feed(_ chunk: UnsafeRawBufferPointer, onBatch: (WriteBatch) throws -> Void) rethrows {
        var full: [WriteBatch] = []
        parser.feed(chunk, onPoint: { p in self.add(p, &full) }, onError: { self.noteError($0) })
        for b in full { try onBatch(b) }
    }

    /// Ends the stream (a last line without newline is parsed) and returns the final partial batch.
    public func finish() -> WriteBatch? {
        var full: [WriteBatch] = []
        parser.finish(onPoint: { p in self.add(p, &full) }, onError: { self.noteError($0) })
        var rest = full
        if !batch.isEmpty {
            rest.append(batch)
            batch = WriteBatch(database: database)
        }
        if rest.isEmpty { return nil }
        if rest.count == 1 { return rest[0] }
        // Rare: finishing filled a batch exactly; merge the pieces.
        var merged = WriteBatch(database: database)
        for b in rest { merged.append(contentsOf: b) }
        return merged
    }

    private func noteError(_ e: LineError) {
        noteError(e.reason)
    }

    private func noteError(_ reason: String) {
        parseErrors += 1
        if reasons.count < maxReasons { reasons.append(reason) }
    }

    private func add(_ p: Point, _ full: inout [WriteBatch]) {
        if maxTagsPerPoint > 0 && p.tagCount > maxTagsPerPoint {
            noteError("max tags per point exceeded: \(p.tagCount) > \(maxTagsPerPoint)")
            return
        }
        prefix.removeAll(keepingCapacity: true)
        SeriesKeyCoder.appendComponent(p.measurement, to: &prefix)
        SeriesKeyCoder.appendVarint(UInt64(p.tagCount), to: &prefix)
        for i in 0..<p.tagCount {
            SeriesKeyCoder.appendComponent(p.tagKey(i), to: &prefix)
            SeriesKeyCoder.appendComponent(p.tagValue(i), to: &prefix)
        }
        points += 1
        prefix.withUnsafeBytes { pre in
            for i in 0..<p.fieldCount {
                let f = p.fieldKey(i)
                switch p.fieldValue(i) {
                case .float(let d): batch.append(canonicalPrefix: pre, field: f, timestamp: p.timestamp, type: .float, bits: d.bitPattern)
                case .int(let v): batch.append(canonicalPrefix: pre, field: f, timestamp: p.timestamp, type: .integer, bits: UInt64(bitPattern: v))
                case .uint(let v): batch.append(canonicalPrefix: pre, field: f, timestamp: p.timestamp, type: .unsigned, bits: v)
                case .bool(let b): batch.append(canonicalPrefix: pre, field: f, timestamp: p.timestamp, type: .boolean, bits: b ? 1 : 0)
                case .string(let s):
                    batch.append(canonicalPrefix: pre, field: f, timestamp: p.timestamp, value: .string(String(decoding: s, as: UTF8.self)))
                }
            }
        }
        samples += p.fieldCount
        if batch.count >= batchSize {
            full.append(batch)
            batch = WriteBatch(database: database, reservingCapacity: batchSize)
        }
    }
}
