// Fuzz target `segment`: the decoders behind segment files. Byte 0 picks one (modulo 11):
//   0 timestamp column   TimestampColumn.decode   codec, count (varint), column bytes
//   1 float column       FloatColumn.decode       codec, count, bytes (raw, constant, gorillaXOR, integral, decimal)
//   2 int column         IntColumn.decode         codec, count, bytes (packed, delta, DoD, run length, sparse)
//   3 bool column        BoolColumn.decode        codec, count, bytes
//   4 string column      StringColumn.decode and .visit
//   5 block compression  BlockCompression.decompress   method, decompressed size (varint), bytes (lz4, zstd)
//   6 frame of reference FORPacker.decode          count, bytes
//   7 stored block       BlockCodec.decode (CRC, decompression, column layout)   type, count-1, flags, block
//   8 segment file       Segment(path:) then verify() and seriesSummaries()       flags, file
//   9 series key         SeriesKey(canonical:)
//  10 rollup block       RollupBlockCodec.decode (docs/format/rollup.md)   type, count-1, flags, start, block
// For 7, 8 and 10, flags bit 0 set means "use the CRCs as they are"; otherwise the harness writes the
// correct CRC32C values (the block's, or the series table's and the footer's) so mutations get past
// the checksums to the code behind them.
// Checks: only the documented error types are thrown; a column decoder that succeeds appends exactly
// `count` values and one that throws appends nothing; decoded columns re-encode and decode to the
// same values (bit-exact); a decoded block has the index's count and ascending timestamps and
// re-encodes to a block that decodes the same; a decoded series key re-encodes to a key that decodes
// the same.
//
// Uses `@testable import` for BlockCodec (internal), so the build passes -enable-testing.
import FuzzSupport
import TSEncoding
import TSSupport
@testable import TSEngine

/// Counts come from a varint. Counts above `maxValueCount` (and negative ones) are passed on as they
/// are, to test the limit; legal counts are reduced below 2^17 so one input cannot spend its time
/// filling a 2^24-value column.
func count(_ input: inout FuzzInput) -> Int {
    let v = Int(truncatingIfNeeded: input.varint())
    if v >= 0 && v <= EncodingLimits.maxValueCount { return v & 0x1_FFFF }
    return v
}

/// Runs a column decoder into an array that already holds one element, and checks that it appends
/// exactly `count` values or nothing. Returns the decoded values.
func decodeColumn<T>(_ sentinel: T, count: Int, _ body: (inout [T]) throws -> Void) -> [T]? {
    var out = [sentinel]
    do {
        try body(&out)
    } catch {
        invariant(error is EncodingError, "unexpected error type: \(error)")
        invariant(out.count == 1, "a failed decode appended \(out.count - 1) values")
        return nil
    }
    invariant(out.count == 1 + count, "decoded \(out.count - 1) values, \(count) requested")
    return Array(out[1...])
}

func timestamps(_ input: inout FuzzInput) {
    let codecByte = input.byte()
    let n = count(&input)
    let bytes = input.rest()
    guard let codec = try? TimestampCodec(validating: codecByte) else { return }
    guard let ts = decodeColumn(Int64(42), count: n, { try TimestampColumn.decode(codec, bytes, count: n, into: &$0) })
    else { return }
    var enc: [UInt8] = []
    let c2 = TimestampColumn.encode(ts, into: &enc)
    var back: [Int64] = []
    do { try TimestampColumn.decode(c2, enc, count: ts.count, into: &back) } catch {
        invariant(false, "re-encoded timestamps do not decode: \(error)")
    }
    invariant(back == ts, "timestamps change in a round trip")
}

func floats(_ input: inout FuzzInput) {
    let codecByte = input.byte()
    let n = count(&input)
    let bytes = input.rest()
    guard let codec = try? ValueCodec(validating: codecByte) else { return }
    guard let v = decodeColumn(Double(0), count: n, { try FloatColumn.decode(codec, bytes, count: n, into: &$0) })
    else { return }
    var enc: [UInt8] = []
    let c2 = FloatColumn.encode(v, into: &enc)
    var back: [Double] = []
    do { try FloatColumn.decode(c2, enc, count: v.count, into: &back) } catch {
        invariant(false, "re-encoded floats do not decode: \(error)")
    }
    invariant(back.map(\.bitPattern) == v.map(\.bitPattern), "floats change in a round trip")
}

func ints(_ input: inout FuzzInput) {
    let codecByte = input.byte()
    let n = count(&input)
    let bytes = input.rest()
    guard let codec = try? ValueCodec(validating: codecByte) else { return }
    guard let v = decodeColumn(Int64(0), count: n, { try IntColumn.decode(codec, bytes, count: n, into: &$0) })
    else { return }
    var enc: [UInt8] = []
    let c2 = IntColumn.encode(v, into: &enc)
    var back: [Int64] = []
    do { try IntColumn.decode(c2, enc, count: v.count, into: &back) } catch {
        invariant(false, "re-encoded integers do not decode: \(error)")
    }
    invariant(back == v, "integers change in a round trip")
}

func bools(_ input: inout FuzzInput) {
    let codecByte = input.byte()
    let n = count(&input)
    let bytes = input.rest()
    guard let codec = try? ValueCodec(validating: codecByte) else { return }
    guard let v = decodeColumn(false, count: n, { try BoolColumn.decode(codec, bytes, count: n, into: &$0) })
    else { return }
    var enc: [UInt8] = []
    let c2 = BoolColumn.encode(v, into: &enc)
    var back: [Bool] = []
    do { try BoolColumn.decode(c2, enc, count: v.count, into: &back) } catch {
        invariant(false, "re-encoded booleans do not decode: \(error)")
    }
    invariant(back == v, "booleans change in a round trip")
}

func strings(_ input: inout FuzzInput) {
    let codecByte = input.byte()
    let n = count(&input)
    let bytes = input.rest()
    guard let codec = try? ValueCodec(validating: codecByte) else { return }
    let v = decodeColumn([UInt8](), count: n, { try StringColumn.decode(codec, bytes, count: n, into: &$0) })
    // visit must agree with decode: the same values, or an error.
    var visited: [[UInt8]] = []
    var visitFailed = false
    do {
        try StringColumn.visit(codec, bytes, count: n) { visited.append(Array($0)) }
    } catch {
        invariant(error is EncodingError, "unexpected error type: \(error)")
        visitFailed = true
    }
    guard let v else {
        invariant(visitFailed, "visit accepts what decode refuses")
        return
    }
    invariant(!visitFailed && visited == v, "visit and decode disagree")
    var enc: [UInt8] = []
    let c2 = StringColumn.encode(v, into: &enc)
    var back: [[UInt8]] = []
    do { try StringColumn.decode(c2, enc, count: v.count, into: &back) } catch {
        invariant(false, "re-encoded strings do not decode: \(error)")
    }
    invariant(back == v, "strings change in a round trip")
}

func decompress(_ input: inout FuzzInput) {
    let methodByte = input.byte()
    // The caller bounds the size (BlockCodec: 2^28, series table: 2^31); 2^20 keeps runs fast
    // (decompress allocates and zeroes the whole size before decoding).
    let size = Int(truncatingIfNeeded: input.varint() & 0xF_FFFF)
    let bytes = input.rest()
    guard let method = BlockCompression(rawValue: methodByte % 3) else { return }
    var out: [UInt8] = [7]
    do {
        try BlockCompression.decompress(bytes, method: method, decompressedSize: size, into: &out)
    } catch {
        invariant(error is EncodingError, "unexpected error type: \(error)")
        invariant(out == [7], "a failed decompression changed the output")
        return
    }
    invariant(out.count == 1 + size, "decompressed \(out.count - 1) bytes, \(size) requested")
    // Compress the result again and decompress it.
    var comp: [UInt8] = []
    out.withUnsafeBytes { BlockCompression.compress(UnsafeRawBufferPointer(rebasing: $0[1...]), method: method, level: 1, into: &comp) }
    var back: [UInt8] = []
    do { try BlockCompression.decompress(comp, method: method, decompressedSize: size, into: &back) } catch {
        invariant(false, "recompressed data does not decompress: \(error)")
    }
    invariant(back[...] == out[1...], "data changes in a compression round trip")
}

func forPacker(_ input: inout FuzzInput) {
    let n = count(&input)
    let bytes = input.rest()
    var at = 0
    var out: [Int64] = []
    do {
        try FORPacker.decode(bytes, at: &at, count: n, into: &out)
    } catch {
        invariant(error is EncodingError, "unexpected error type: \(error)")
        return
    }
    invariant(out.count == n, "FORPacker decoded \(out.count) values, \(n) requested")
    invariant(at >= 0 && at <= bytes.count, "FORPacker ended at \(at) of \(bytes.count)")
}

func block(_ input: inout FuzzInput) {
    let typeByte = input.byte()
    // The series table guarantees 1...maxBlockSamples samples per block.
    let n = 1 + Int(input.varint() % UInt64(SegmentFormat.maxBlockSamples))
    let flags = input.byte()
    let body = input.rest()
    let type = ValueType.allCases[Int(typeByte) % ValueType.allCases.count]
    let stored = withChecksum(body, flags)
    let cols: SampleColumns
    do {
        cols = try stored.withUnsafeBytes {
            try BlockCodec.decode($0, type: type, expectedCount: n, path: "fuzz", blockOffset: 8)
        }
    } catch {
        guard error is CorruptFileError else { invariant(false, "unexpected error: \(error)"); return }
        return
    }
    invariant(cols.timestamps.count == n && cols.values.count == n, "block decoded \(cols.count) samples, index says \(n)")
    invariant(cols.values.type == type, "block decoded as \(cols.values.type), asked for \(type)")
    for i in cols.timestamps.indices.dropFirst() {
        invariant(cols.timestamps[i - 1] < cols.timestamps[i], "block timestamps not ascending")
    }
    guard n > 0 else { return }
    // Store the samples again (as SegmentWriter does) and read them back.
    var scratch: [UInt8] = []
    var again: [UInt8] = []
    let method = BlockCompression.allCases[Int(flags >> 1) % BlockCompression.allCases.count]
    _ = BlockCodec.encode(timestamps: cols.timestamps[...], values: cols.values, range: 0..<n, compression: method,
                          level: 1, scratch: &scratch, into: &again)
    do {
        let back = try again.withUnsafeBytes {
            try BlockCodec.decode($0, type: type, expectedCount: n, path: "fuzz", blockOffset: 8)
        }
        invariant(back.timestamps == cols.timestamps && back.values == cols.values, "block changes in a round trip")
    } catch {
        invariant(false, "re-encoded block does not decode: \(error)")
    }
}

func rollupBlock(_ input: inout FuzzInput) {
    let typeByte = input.byte()
    let n = 1 + Int(input.varint() % UInt64(SegmentFormat.maxBlockSamples))
    let flags = input.byte()
    let start = Int64(bitPattern: input.varint())
    let body = input.rest()
    let type: ValueType = typeByte & 1 == 0 ? .float : .integer
    let stored = withChecksum(body, flags)
    let cols: RollupColumns
    do {
        cols = try stored.withUnsafeBytes { try RollupBlockCodec.decode($0, type: type, expectedCount: n, start: start, path: "fuzz", blockOffset: 8) }
    } catch {
        guard error is CorruptFileError else { invariant(false, "unexpected error: \(error)"); return }
        return
    }
    let valueColumns = type == .float ? [cols.sums.count, cols.mins.count, cols.maxs.count, cols.firsts.count, cols.lasts.count]
        : [cols.isums.count, cols.imins.count, cols.imaxs.count, cols.ifirsts.count, cols.ilasts.count]
    invariant(([cols.starts.count, cols.counts.count, cols.firstTimes.count, cols.lastTimes.count, cols.increases.count] + valueColumns).allSatisfy { $0 == n },
              "rollup block columns do not all hold \(n) buckets")
    for i in cols.starts.indices.dropFirst() { invariant(cols.starts[i - 1] < cols.starts[i], "bucket starts not ascending") }
    invariant(cols.counts.allSatisfy { $0 >= 1 }, "a bucket without samples")
    var scratch: [UInt8] = []
    var again: [UInt8] = []
    let method = BlockCompression.allCases[Int(flags >> 1) % BlockCompression.allCases.count]
    _ = RollupBlockCodec.encode(cols, range: 0..<n, compression: method, level: 1, scratch: &scratch, into: &again)
    do {
        let back = try again.withUnsafeBytes { try RollupBlockCodec.decode($0, type: type, expectedCount: n, start: cols.starts[0], path: "fuzz", blockOffset: 8) }
        func bits(_ c: RollupColumns) -> [[UInt64]] {
            [c.starts, c.counts, c.firstTimes, c.lastTimes, c.isums, c.imins, c.imaxs, c.ifirsts, c.ilasts].map { $0.map { UInt64(bitPattern: $0) } }
                + [c.sums, c.mins, c.maxs, c.firsts, c.lasts, c.increases].map { $0.map(\.bitPattern) }
        }
        invariant(bits(back) == bits(cols), "rollup block changes in a round trip")
    } catch {
        invariant(false, "re-encoded rollup block does not decode: \(error)")
    }
}

let segmentPath = fuzzTempDirectory + "/0000000000000001.seg"

func segmentFile(_ input: inout FuzzInput) {
    let flags = input.byte()
    var file = Array(input.rest())
    let header = 8, footerSize = 64
    if flags & 1 == 0 && file.count >= header + footerSize {
        // Series table CRC (its last 4 bytes, at the footer's index offset), then the footer CRC.
        let fo = file.count - footerSize
        file.withUnsafeMutableBytes { b in
            let indexOffset = UInt64(littleEndian: b.loadUnaligned(fromByteOffset: fo, as: UInt64.self))
            if indexOffset >= UInt64(header), indexOffset <= UInt64(fo - 5) {
                let start = Int(indexOffset)
                let crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[start..<(fo - 4)]))
                b.storeBytes(of: crc.littleEndian, toByteOffset: fo - 4, as: UInt32.self)
            }
            let fcrc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[fo..<(fo + 56)]))
            b.storeBytes(of: fcrc.littleEndian, toByteOffset: fo + 56, as: UInt32.self)
        }
    }
    file.withUnsafeBytes { writeFile(segmentPath, $0) }
    let segment: Segment
    do {
        segment = try Segment(path: segmentPath)
    } catch {
        guard error is CorruptFileError else { invariant(false, "unexpected error: \(error)"); return }
        return
    }
    invariant(segment.sizeBytes == file.count, "segment size \(segment.sizeBytes) of a \(file.count)-byte file")
    invariant(segment.overheadBytes >= 0, "blocks larger than the file")
    _ = segment.verify()
    // The series table was checked whole at open, so decoding it again cannot fail.
    guard let summaries = try? segment.seriesSummaries() else { invariant(false, "series table unreadable after a good open"); return }
    invariant(summaries.count == segment.seriesCount, "\(summaries.count) summaries for \(segment.seriesCount) series")
    invariant(summaries.reduce(0) { $0 + $1.samples } == segment.sampleCount, "sample counts differ")
}

func seriesKey(_ input: inout FuzzInput) {
    let bytes = input.rest()
    guard let key = SeriesKey(canonical: bytes) else { return }
    let canonical = key.canonicalBytes
    guard let again = SeriesKey(canonical: canonical) else {
        invariant(false, "canonical bytes of a decoded key do not decode")
        return
    }
    invariant(again.canonicalBytes == canonical, "series key changes in a round trip: \(key) -> \(again)")
}

func fuzzOne(_ data: UnsafeRawBufferPointer) {
    var input = FuzzInput(data)
    switch input.byte() % 11 {
    case 0: timestamps(&input)
    case 1: floats(&input)
    case 2: ints(&input)
    case 3: bools(&input)
    case 4: strings(&input)
    case 5: decompress(&input)
    case 6: forPacker(&input)
    case 7: block(&input)
    case 8: segmentFile(&input)
    case 9: seriesKey(&input)
    default: rollupBlock(&input)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ size: Int) -> CInt { runOne(data, size, fuzzOne) }

#if !FUZZING
@main struct Main { static func main() { Replay.main("segment", fuzzOne) } }
#endif

/// A block body as stored: followed by its CRC32C, unless bit 0 of `flags` asks to leave it off
/// (so the fuzzer also reaches the decoder's checksum refusal with arbitrary tails).
func withChecksum(_ body: UnsafeRawBufferPointer, _ flags: UInt8) -> [UInt8] {
    var stored = Array(body)
    if flags & 1 == 0 {
        let crc = CRC32C.checksum(body)
        withUnsafeBytes(of: crc.littleEndian) { stored.append(contentsOf: $0) }
    }
    return stored
}
