import TSSupport
import TSEncoding

/// An open, immutable, memory-mapped segment file.
///
/// Opening validates the file size, header magic, footer checksum and the series table's
/// checksum before anything else is read; every block's offset and length are checked to lie
/// inside the data area. Each block read verifies the block's CRC32C, so a flipped bit is an
/// error naming the file and block, never wrong data.
public final class Segment: @unchecked Sendable {
    public let path: String
    public let seq: UInt64
    public let minT: Int64
    public let maxT: Int64
    public let sizeBytes: Int
    /// Sequence numbers of the segments this one was compacted from.
    public let replaces: [UInt64]
    /// Samples (a raw segment) or rollup buckets (a level segment).
    let kind: SegmentKind
    /// The series table, held as flat arrays (no allocation per series; series keys are not
    /// kept, the catalog has them, see `forEachKey`): ids ascending, each one's type, and where
    /// its blocks start in `blocks` (`blockStart[i]..<blockStart[i + 1]`).
    private let ids: [UInt32]
    private let types: [ValueType]
    private let blockStart: [UInt32]
    private let blocks: [BlockRef]
    /// True when `ids` is every id from `minSeriesID` to `maxSeriesID`: lookups index directly.
    private let dense: Bool
    /// The smallest and largest series id present: a cheap test before the lookup (series
    /// created after this segment was written are never in it).
    let minSeriesID: UInt32
    let maxSeriesID: UInt32
    private let file: MappedFile
    /// Where the series table starts (it ends at the footer).
    private let tableOffset: Int
    /// Samples and block bytes over all series, computed once at open (stats read them often).
    public let sampleCount: Int
    let blockBytes: Int
    public var seriesCount: Int { ids.count }

    public init(path: String, fileSystem: FileSystem = .posix) throws {
        self.path = path
        file = try MappedFile(path: path, fileSystem: fileSystem)
        let b = file.bytes
        sizeBytes = b.count
        func corrupt(_ d: String) -> CorruptFileError { CorruptFileError(path: path, detail: d) }
        guard b.count >= SegmentFormat.headerSize + SegmentFormat.footerSize else { throw corrupt("file of \(b.count) bytes is too short") }
        guard let k = SegmentKind(rawValue: UInt32(b[SegmentFormat.headerSize - 1])),
              b.prefix(SegmentFormat.headerSize).elementsEqual(SegmentFormat.magic(k)) else { throw corrupt("bad header magic") }
        kind = k
        let fo = b.count - SegmentFormat.footerSize
        let footer = UnsafeRawBufferPointer(rebasing: b[fo...])
        guard footer.suffix(4).elementsEqual(SegmentFormat.footerMagic) else { throw corrupt("bad footer magic") }
        // The footer is 64 bytes (checked above), so these reads cannot fail.
        func u64(_ o: Int) -> UInt64 { (try? ByteReader.le(UInt64.self, footer, at: o)) ?? 0 }
        func u32(_ o: Int) -> UInt32 { (try? ByteReader.le(UInt32.self, footer, at: o)) ?? 0 }
        guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: footer[..<56])) == u32(56) else { throw corrupt("footer checksum mismatch") }
        let version = u32(48)
        guard version == kind.rawValue else { throw corrupt("unsupported format version \(version)") }
        let indexOffset = u64(0), indexLength = u64(8)
        seq = u64(16)
        minT = Int64(bitPattern: u64(24))
        maxT = Int64(bitPattern: u64(32))
        let nSeries = Int(u32(40))
        guard indexOffset >= UInt64(SegmentFormat.headerSize), indexLength >= 5, indexLength <= UInt64(fo),
              indexOffset == UInt64(fo) - indexLength else { throw corrupt("index bounds") }
        tableOffset = Int(indexOffset)
        let idx = UnsafeRawBufferPointer(rebasing: b[Int(indexOffset)..<fo])
        let body = UnsafeRawBufferPointer(rebasing: idx[..<(idx.count - 4)])
        let crc = try ByteReader.le(UInt32.self, idx, at: idx.count - 4)
        guard CRC32C.checksum(body) == crc else { throw corrupt("series table checksum mismatch") }
        do {
            let raw = try Segment.decodeTable(body, corrupt)
            let table = try raw.withUnsafeBytes { try Segment.parseIndex($0, dataEnd: Int(indexOffset), expected: nSeries) }
            (ids, types, blockStart, blocks, replaces) = (table.ids, table.types, table.blockStart, table.blocks, table.replaces)
            var samples = 0, bytes = 0
            for b in blocks {
                samples += b.count
                bytes += b.length
            }
            sampleCount = samples
            blockBytes = bytes
            minSeriesID = ids.first ?? 1
            maxSeriesID = ids.last ?? 0
            dense = !ids.isEmpty && Int(maxSeriesID - minSeriesID) == ids.count - 1
            file.release(tableOffset..<fo)
        } catch let e as CorruptFileError {
            throw e
        } catch {
            throw corrupt("series table: \(error)")
        }
    }

    /// The raw body of a series table (`body`: its bytes without the CRC): the compression
    /// byte, then the body as stored or the raw length and the compressed body.
    private static func decodeTable(_ body: UnsafeRawBufferPointer, _ corrupt: (String) -> CorruptFileError) throws -> [UInt8] {
        guard let method = BlockCompression(rawValue: body[0]) else { throw corrupt("series table compression") }
        if method == .none { return Array(body[1...]) }
        var r = ByteReader(body, offset: 1)
        let rawLen = try r.uvarint()
        guard rawLen <= 1 << 31 else { throw corrupt("series table size") }
        var raw: [UInt8] = []
        try BlockCompression.decompress(r.rest(), method: method, decompressedSize: Int(rawLen), into: &raw)
        return raw
    }

    private struct Table {
        var ids: [UInt32] = []
        var types: [ValueType] = []
        var blockStart: [UInt32] = [0]
        var blocks: [BlockRef] = []
        var replaces: [UInt64] = []
    }

    /// Walks a decoded series table: `key` sees each series' id, type and canonical key (valid
    /// only during the call), `block` each of its blocks. Checks every bound.
    private static func walkIndex(_ p: UnsafeRawBufferPointer, dataEnd: Int, expected: Int,
                                  key: (UInt32, ValueType, UnsafeRawBufferPointer) throws -> Void,
                                  block: (BlockRef) -> Void) throws -> [UInt64] {
        var r = ByteReader(p)
        let n = try r.uvarint()
        guard n == UInt64(expected) else { throw EncodingError.corrupt("series count") }
        var prevID: UInt64 = 0
        for _ in 0..<Int(n) {
            let (id, idOverflow) = prevID.addingReportingOverflow(try r.uvarint())
            guard !idOverflow, id <= UInt64(UInt32.max), id > prevID || prevID == 0,
                  let t = ValueType(rawValue: try r.u8()) else { throw EncodingError.corrupt("series entry") }
            prevID = id
            try key(UInt32(id), t, try r.uvarintBytes())
            let nb = try r.uvarint(atMost: UInt64(p.count), "block count")
            for _ in 0..<nb {
                let minT = try r.varint()
                let span = try r.uvarint()
                let count = try r.uvarint()
                let off = try r.uvarint()
                let len = try r.uvarint()
                guard count > 0, count <= UInt64(SegmentFormat.maxBlockSamples), off >= UInt64(SegmentFormat.headerSize),
                      len >= 5, len <= UInt64(UInt32.max), off <= UInt64(dataEnd), len <= UInt64(dataEnd) - off else {
                    throw EncodingError.corrupt("block bounds")
                }
                block(BlockRef(minT: minT, maxT: minT &+ Int64(bitPattern: span), count: Int(count), offset: Int(off), length: Int(len)))
            }
        }
        let nr = try r.uvarint(atMost: UInt64(p.count), "replaced count")
        var replaced: [UInt64] = []
        for _ in 0..<nr { replaced.append(try r.uvarint()) }
        guard r.isAtEnd else { throw EncodingError.corrupt("trailing bytes in series table") }
        return replaced
    }

    private static func parseIndex(_ p: UnsafeRawBufferPointer, dataEnd: Int, expected: Int) throws -> Table {
        var t = Table()
        // The count comes from the footer: reserve no more than the table could describe (an
        // entry takes at least four bytes), so a corrupt count cannot allocate gigabytes.
        let n = Swift.min(expected, p.count / 4)
        t.ids.reserveCapacity(n)
        t.types.reserveCapacity(n)
        t.blockStart.reserveCapacity(n + 1)
        t.blocks.reserveCapacity(n)
        t.replaces = try walkIndex(p, dataEnd: dataEnd, expected: expected, key: { id, type, _ in
            if !t.ids.isEmpty { t.blockStart.append(UInt32(t.blocks.count)) }
            t.ids.append(id)
            t.types.append(type)
        }, block: { t.blocks.append($0) })
        if !t.ids.isEmpty { t.blockStart.append(UInt32(t.blocks.count)) }
        return t
    }

    /// Calls `body` with every series' id, type and canonical key (valid during the call), in
    /// ascending id order, decoding the series table again: keys are not kept in memory (the
    /// engine's catalog holds each key once, however many segments hold the series).
    func forEachKey(_ body: (UInt32, ValueType, UnsafeRawBufferPointer) throws -> Void) throws {
        let b = file.bytes
        let fo = b.count - SegmentFormat.footerSize
        do {
            let raw = try Segment.decodeTable(UnsafeRawBufferPointer(rebasing: b[tableOffset..<(fo - 4)])) {
                CorruptFileError(path: path, detail: $0)
            }
            file.release(tableOffset..<fo)
            _ = try raw.withUnsafeBytes { try Segment.walkIndex($0, dataEnd: tableOffset, expected: ids.count, key: body, block: { _ in }) }
        } catch let e as CorruptFileError {
            throw e
        } catch {
            throw CorruptFileError(path: path, detail: "series table: \(error)")
        }
    }

    /// The series IDs in this segment, ascending.
    var seriesIDs: [UInt32] { ids }

    /// Where series `id`'s blocks are, if it is in this segment.
    @inline(__always)
    func entry(_ id: UInt32) -> SegmentSeries? {
        guard id >= minSeriesID, id <= maxSeriesID else { return nil }
        let i: Int
        if dense {
            i = Int(id - minSeriesID)
        } else {
            i = partitionPoint(ids.count) { ids[$0] >= id }
            guard i < ids.count, ids[i] == id else { return nil }
        }
        return SegmentSeries(id: id, type: types[i], blocks: blocks[Int(blockStart[i])..<Int(blockStart[i + 1])])
    }

    /// Decodes one block of samples (checksum verified).
    func readBlock(_ ref: BlockRef, type: ValueType) throws -> SampleColumns {
        guard kind == .samples else { throw CorruptFileError(path: path, detail: "not a segment of samples") }
        let b = UnsafeRawBufferPointer(rebasing: file.bytes[ref.offset..<(ref.offset + ref.length)])
        return try BlockCodec.decode(b, type: type, expectedCount: ref.count, path: path, blockOffset: ref.offset)
    }

    /// Decodes one block of rollup buckets (checksum verified).
    func readRollupBlock(_ ref: BlockRef, type: ValueType) throws -> RollupColumns {
        guard kind == .rollups else { throw CorruptFileError(path: path, detail: "not a segment of rollups") }
        let b = UnsafeRawBufferPointer(rebasing: file.bytes[ref.offset..<(ref.offset + ref.length)])
        return try RollupBlockCodec.decode(b, type: type, expectedCount: ref.count, start: ref.minT, path: path, blockOffset: ref.offset)
    }

    /// Per-series figures: key, type, samples and bytes of blocks (for `tsctl inspect`).
    public func seriesSummaries() throws -> [(key: SeriesKey?, type: ValueType, samples: Int, blockBytes: Int)] {
        var out: [(key: SeriesKey?, type: ValueType, samples: Int, blockBytes: Int)] = []
        out.reserveCapacity(ids.count)
        try forEachKey { id, type, key in
            let bs = entry(id)!.blocks
            out.append((SeriesKey(canonical: key), type, bs.reduce(0) { $0 + $1.count }, bs.reduce(0) { $0 + $1.length }))
        }
        return out
    }

    /// Bytes of the file that are not blocks: header, series table, footer.
    public var overheadBytes: Int { sizeBytes - blockBytes }

    /// Reads every block of every series, verifying checksums; returns the problems found.
    public func verify() -> [String] {
        var problems: [String] = []
        for (i, id) in ids.enumerated() {
            for b in blocks[Int(blockStart[i])..<Int(blockStart[i + 1])] {
                do {
                    let times = kind == .samples ? try readBlock(b, type: types[i]).timestamps : try readRollupBlock(b, type: types[i]).starts
                    if times.first != b.minT || times.last != b.maxT {
                        problems.append("\(path): series \(id) block at \(b.offset): time range differs from index")
                    }
                } catch {
                    problems.append("\(error)")
                }
            }
        }
        return problems
    }
}
