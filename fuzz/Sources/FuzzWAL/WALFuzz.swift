// Fuzz target `wal`: the WAL record decoder (WALBatchDecoder in Sources/TSEngine/WAL/WALFormat.swift)
// and the replay of a decoded record into a series catalog and head (Engine.replay), which is what
// happens to every record whose CRC matched when tsdbd starts.
//
// Input: one record payload (what follows a frame's length and CRC32C in a WAL file).
// Checks: only `EncodingError` is thrown; the decoded columns have one entry per sample and no more
// samples or definitions than the payload has bytes; booleans are 0 or 1 and string samples point at
// a decoded string; encoding the decoded batch with WALBatchEncoder and decoding it again gives the
// same batch; a successful replay adds every sample to the head.
//
// Uses `@testable import`: the decoder and replay are internal, so the build passes -enable-testing.
import FuzzSupport
import TSEncoding
import TSSupport
@testable import TSEngine

/// Series ids index arrays in the catalog and head, so replay allocates in proportion to the
/// largest id; records whose ids exceed this are decoded and checked but not replayed.
let maxReplayedID: UInt32 = 1 << 16

func same(_ a: WALDecodedBatch, _ b: WALDecodedBatch) -> Bool {
    a.database == b.database && a.ids == b.ids && a.timestamps == b.timestamps && a.types == b.types
        && a.bits == b.bits && a.strings == b.strings && a.defs.count == b.defs.count
        && zip(a.defs, b.defs).allSatisfy { $0.id == $1.id && $0.type == $1.type && $0.canonicalKey == $1.canonicalKey }
}

func fuzzOne(_ data: UnsafeRawBufferPointer) {
    var batch = WALDecodedBatch()
    do {
        try WALBatchDecoder.decode(data, into: &batch)
    } catch is EncodingError {
        return
    } catch {
        invariant(false, "unexpected error type: \(error)")
    }
    let n = batch.count
    invariant(batch.timestamps.count == n && batch.types.count == n && batch.bits.count == n,
              "column lengths differ: \(n) ids, \(batch.timestamps.count) timestamps, \(batch.types.count) types, \(batch.bits.count) values")
    invariant(n <= data.count && batch.defs.count <= data.count, "more entries than payload bytes")
    for i in 0..<n {
        switch batch.types[i] {
        case .boolean: invariant(batch.bits[i] <= 1, "boolean sample \(batch.bits[i])")
        case .string: invariant(batch.bits[i] < UInt64(batch.strings.count), "string sample index \(batch.bits[i]) of \(batch.strings.count)")
        default: break
        }
    }
    for d in batch.defs { invariant(d.id > 0, "series definition with id 0") }

    // Encode the decoded batch and decode it again.
    var encoder = WALBatchEncoder()
    for d in batch.defs {
        d.canonicalKey.withUnsafeBytes { encoder.addDef(id: d.id, type: d.type, canonicalKey: $0) }
    }
    for i in 0..<n {
        let t = batch.types[i]
        encoder.addSample(id: batch.ids[i], timestamp: batch.timestamps[i], type: t, bits: batch.bits[i],
                          string: t == .string ? batch.strings[Int(batch.bits[i])] : nil)
    }
    encoder.finish(database: batch.database)
    var again = WALDecodedBatch()
    do {
        try encoder.buf.withUnsafeBytes { try WALBatchDecoder.decode($0, into: &again) }
    } catch {
        invariant(false, "re-encoded batch does not decode: \(error)")
    }
    invariant(same(batch, again), "re-encoded batch decodes differently")

    // Replay into an empty catalog and head, as Engine.init does.
    guard batch.defs.allSatisfy({ $0.id <= maxReplayedID }), batch.ids.allSatisfy({ $0 <= maxReplayedID }) else { return }
    var catalog = SeriesCatalog()
    var head = Head()
    do {
        try Engine.replay(batch, catalog: &catalog, head: &head)
    } catch is EncodingError {
        return
    } catch {
        invariant(false, "unexpected replay error type: \(error)")
    }
    catalog.finishLoading()
    invariant(head.sampleCount == n, "head holds \(head.sampleCount) samples after replaying \(n)")
    for d in batch.defs { invariant(catalog.has(d.id) && catalog.type(d.id) == d.type, "series \(d.id) missing after replay") }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ size: Int) -> CInt { runOne(data, size, fuzzOne) }

#if !FUZZING
@main struct Main { static func main() { Replay.main("wal", fuzzOne) } }
#endif
