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
    let series: [UInt32: SegmentSeries]
    /// The smallest and largest series id present: a cheap test before the dictionary lookup
    /// (series created after this segment was written are never in it).
    let minSeriesID: UInt32
    let maxSeriesID: UInt32
    private let file: MappedFile
    /// Samples and block bytes over all series, computed once at open (stats read them often).
    public let sampleCount: Int
    let blockBytes: Int
    public var seriesCount: Int { series.count }

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
        let idx = UnsafeRawBufferPointer(rebasing: b[Int(indexOffset)..<fo])
        let body = UnsafeRawBufferPointer(rebasing: idx[..<(idx.count - 4)])
        let crc = try ByteReader.le(UInt32.self, idx, at: idx.count - 4)
        guard CRC32C.checksum(body) == crc else { throw corrupt("series table checksum mismatch") }
        var raw: [UInt8] = []
        do {
            guard let method = BlockCompression(rawValue: body[0]) else { throw corrupt("series table compression") }
            if method == .none {
                raw = Array(body[1...])
            } else {
                var r = ByteReader(body, offset: 1)
                let rawLen = try r.uvarint()
                guard rawLen <= 1 << 31 else { throw corrupt("series table size") }
                try BlockCompression.decompress(r.rest(), method: method, decompressedSize: Int(rawLen), into: &raw)
            }
            let dataEnd = Int(indexOffset)
            (series, replaces) = try raw.withUnsafeBytes { try Segment.parseIndex($0, dataEnd: dataEnd, expected: nSeries) }
            var samples = 0, bytes = 0
            for e in series.values {
                for b in e.blocks {
                    samples += b.count
                    bytes += b.length
                }
            }
            sampleCount = samples
            blockBytes = bytes
            minSeriesID = series.keys.min() ?? 1
            maxSeriesID = series.keys.max() ?? 0
        } catch let e as CorruptFileError {
            throw e
        } catch {
            throw corrupt("series table: \(error)")
        }
    }

    private static func parseIndex(_ p: UnsafeRawBufferPointer, dataEnd: Int, expected: Int) throws -> ([UInt32: SegmentSeries], [UInt64]) {
        var r = ByteReader(p)
        let n = try r.uvarint()
        guard n == UInt64(expected) else { throw EncodingError.corrupt("series count") }
        var out: [UInt32: SegmentSeries] = [:]
        out.reserveCapacity(Int(n))
        var prevID: UInt64 = 0
        for _ in 0..<Int(n) {
            let (id, idOverflow) = prevID.addingReportingOverflow(try r.uvarint())
            guard !idOverflow, id <= UInt64(UInt32.max), id > prevID || prevID == 0,
                  let t = ValueType(rawValue: try r.u8()) else { throw EncodingError.corrupt("series entry") }
            prevID = id
            let key = Array(try r.uvarintBytes())
            let nb = try r.uvarint(atMost: UInt64(p.count), "block count")
            var blocks: [BlockRef] = []
            blocks.reserveCapacity(nb)
            for _ in 0..<nb {
                let minT = try r.varint()
                let span = try r.uvarint()
                let count = try r.uvarint()
                let off = try r.uvarint()
                let len = try r.uvarint()
                guard count > 0, count <= UInt64(SegmentFormat.maxBlockSamples), off >= UInt64(SegmentFormat.headerSize),
                      len >= 5, off <= UInt64(dataEnd), len <= UInt64(dataEnd) - off else {
                    throw EncodingError.corrupt("block bounds")
                }
                blocks.append(BlockRef(minT: minT, maxT: minT &+ Int64(bitPattern: span), count: Int(count), offset: Int(off), length: Int(len)))
            }
            out[UInt32(id)] = SegmentSeries(id: UInt32(id), type: t, canonical: key, blocks: blocks)
        }
        let nr = try r.uvarint(atMost: UInt64(p.count), "replaced count")
        var replaced: [UInt64] = []
        for _ in 0..<nr { replaced.append(try r.uvarint()) }
        guard r.isAtEnd else { throw EncodingError.corrupt("trailing bytes in series table") }
        return (out, replaced)
    }

    /// The series IDs in this segment.
    var seriesIDs: Dictionary<UInt32, SegmentSeries>.Keys { series.keys }

    func entry(_ id: UInt32) -> SegmentSeries? {
        id < minSeriesID || id > maxSeriesID ? nil : series[id]
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
        return try RollupBlockCodec.decode(b, type: type, expectedCount: ref.count, path: path, blockOffset: ref.offset)
    }

    /// Per-series figures: key, type, samples and bytes of blocks (for `tsctl inspect`).
    public func seriesSummaries() -> [(key: SeriesKey?, type: ValueType, samples: Int, blockBytes: Int)] {
        series.values.sorted { $0.id < $1.id }.map { s in
            (SeriesKey(canonical: s.canonical), s.type, s.blocks.reduce(0) { $0 + $1.count }, s.blocks.reduce(0) { $0 + $1.length })
        }
    }

    /// Bytes of the file that are not blocks: header, series table, footer.
    public var overheadBytes: Int { sizeBytes - blockBytes }

    /// Reads every block of every series, verifying checksums; returns the problems found.
    public func verify() -> [String] {
        var problems: [String] = []
        for s in series.values.sorted(by: { $0.id < $1.id }) {
            for b in s.blocks {
                do {
                    let times = kind == .samples ? try readBlock(b, type: s.type).timestamps : try readRollupBlock(b, type: s.type).starts
                    if times.first != b.minT || times.last != b.maxT {
                        problems.append("\(path): series \(s.id) block at \(b.offset): time range differs from index")
                    }
                } catch {
                    problems.append("\(error)")
                }
            }
        }
        return problems
    }
}
