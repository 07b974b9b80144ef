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
    public let maxReasons = 10
    private var parser: LineProtocolParser
    /// Everything the per-point path mutates, as one value: `feed` moves it into a local for the
    /// duration of a chunk, so the hot loop works on a uniquely referenced local (no class
    /// property accesses, no dynamic exclusivity checks, no copy-on-write checks per sample).
    private var state: State

    /// Lines that failed to parse.
    public var parseErrors: Int { state.parseErrors }
    /// The first `maxReasons` parse error messages.
    public var reasons: [String] { state.reasons }
    /// Points (lines) parsed, and samples (fields) produced.
    public var points: Int { state.points }
    public var samples: Int { state.samples }

    public init(database: String, precision: Precision, now: Int64, maxLineLength: Int = 262_144, batchSize: Int = 5000,
                maxTagsPerPoint: Int = 256) {
        self.database = database
        self.batchSize = batchSize
        self.maxTagsPerPoint = maxTagsPerPoint
        parser = LineProtocolParser(precision: precision, defaultTime: now, maxLineLength: maxLineLength)
        state = State(database: database, batchSize: batchSize, maxTagsPerPoint: maxTagsPerPoint, maxReasons: maxReasons)
    }

    /// Parses a chunk; calls `onBatch` for each full batch.
    public func feed(_ chunk: UnsafeRawBufferPointer, onBatch: (WriteBatch) throws -> Void) rethrows {
        var st = takeState()
        parser.feed(chunk, onPoint: { p in st.add(p) }, onError: { st.noteError($0.reason) })
        let full = st.full
        st.full.removeAll()
        state = st
        for b in full { try onBatch(b) }
    }

    /// Ends the stream (a last line without newline is parsed) and returns the final partial batch.
    public func finish() -> WriteBatch? {
        var st = takeState()
        parser.finish(onPoint: { p in st.add(p) }, onError: { st.noteError($0.reason) })
        var rest = st.full
        st.full.removeAll()
        if !st.batch.isEmpty {
            rest.append(st.batch)
            st.batch = WriteBatch(database: database)
        }
        state = st
        if rest.isEmpty { return nil }
        if rest.count == 1 { return rest[0] }
        // Rare: finishing filled a batch exactly; merge the pieces.
        var merged = WriteBatch(database: database)
        for b in rest { merged.append(contentsOf: b) }
        return merged
    }

    /// Moves the state out, leaving an empty placeholder (so the local copy stays unique).
    private func takeState() -> State {
        var st = State(database: database, batchSize: batchSize, maxTagsPerPoint: maxTagsPerPoint, maxReasons: maxReasons, empty: true)
        swap(&st, &state)
        return st
    }

    struct State {
        let database: String
        let batchSize: Int
        let maxTagsPerPoint: Int
        let maxReasons: Int
        var batch: WriteBatch
        var prefix: [UInt8] = []
        var full: [WriteBatch] = []
        var parseErrors = 0
        var reasons: [String] = []
        var points = 0
        var samples = 0

        init(database: String, batchSize: Int, maxTagsPerPoint: Int, maxReasons: Int, empty: Bool = false) {
            self.database = database
            self.batchSize = batchSize
            self.maxTagsPerPoint = maxTagsPerPoint
            self.maxReasons = maxReasons
            batch = empty ? WriteBatch(database: database) : WriteBatch(database: database, reservingCapacity: batchSize)
        }

        mutating func noteError(_ reason: String) {
            parseErrors += 1
            if reasons.count < maxReasons { reasons.append(reason) }
        }

        mutating func add(_ p: Point) {
            if maxTagsPerPoint > 0 && p.tagCount > maxTagsPerPoint {
                noteError("max tags per point exceeded: \(p.tagCount) > \(maxTagsPerPoint)")
                return
            }
            prefix.removeAll(keepingCapacity: true)
            SeriesKeyCoder.appendComponent(p.measurement, to: &prefix)
            SeriesKeyCoder.appendTagCount(p.tagCount, to: &prefix)
            for i in 0..<p.tagCount {
                SeriesKeyCoder.appendComponent(p.tagKey(i), to: &prefix)
                SeriesKeyCoder.appendComponent(p.tagValue(i), to: &prefix)
            }
            points += 1
            let t = p.timestamp
            prefix.withUnsafeBytes { pre in
                for i in 0..<p.fieldCount {
                    let f = p.fieldKey(i)
                    switch p.fieldValue(i) {
                    case .float(let d): batch.append(canonicalPrefix: pre, field: f, timestamp: t, type: .float, bits: d.bitPattern)
                    case .int(let v): batch.append(canonicalPrefix: pre, field: f, timestamp: t, type: .integer, bits: UInt64(bitPattern: v))
                    case .uint(let v): batch.append(canonicalPrefix: pre, field: f, timestamp: t, type: .unsigned, bits: v)
                    case .bool(let b): batch.append(canonicalPrefix: pre, field: f, timestamp: t, type: .boolean, bits: b ? 1 : 0)
                    case .string(let s):
                        batch.append(canonicalPrefix: pre, field: f, timestamp: t, value: .string(String(decoding: s, as: UTF8.self)))
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
}
