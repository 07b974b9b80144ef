#if canImport(Glibc)
import Glibc
#endif
import TSEncoding

/// Writes one immutable segment file durably: blocks, then the series table, then the footer,
/// into `<name>.tmp`; fsync; rename to `<name>`; fsync the directory.
///
/// Series must be added in ascending ID order, each with sorted, unique timestamps.
final class SegmentWriter {
    let path: String
    let seq: UInt64
    private let tmpPath: String
    private let file: Platform.File
    private var buf: [UInt8] = []
    private var scratch: [UInt8] = []
    private var offset = 0
    private var series: [SegmentSeries] = []
    private var minT: Int64 = .max
    private var maxT: Int64 = .min
    private var blockCount = 0
    private let compression: BlockCompression
    private let level: Int
    var replaces: [UInt64] = []
    private(set) var sampleCount = 0

    init(directory: String, seq: UInt64, compression: BlockCompression = .zstd, level: Int = 3) throws {
        self.seq = seq
        self.path = directory + "/" + SegmentFormat.fileName(seq: seq)
        self.tmpPath = path + ".tmp"
        self.compression = compression
        self.level = level
        file = try Platform.open(tmpPath, flags: O_WRONLY | O_CREAT | O_TRUNC)
        buf.reserveCapacity(1 << 20)
        buf.append(contentsOf: SegmentFormat.magic)
    }

    /// Adds one series' samples (sorted, unique timestamps), split into blocks.
    func add(id: UInt32, type: ValueType, canonical: [UInt8], columns: SampleColumns) throws {
        precondition(series.last.map { $0.id < id } ?? true, "series must be added in ascending id order")
        guard !columns.isEmpty else { return }
        var refs: [BlockRef] = []
        var start = 0
        let n = columns.count
        while start < n {
            let end = min(n, start + SegmentFormat.maxBlockSamples)
            let blockStart = offset + buf.count
            let len = BlockCodec.encode(timestamps: columns.timestamps[...], values: columns.values, range: start..<end,
                                        compression: compression, level: level, scratch: &scratch, into: &buf)
            refs.append(BlockRef(minT: columns.timestamps[start], maxT: columns.timestamps[end - 1], count: end - start,
                                 offset: blockStart, length: len))
            blockCount += 1
            start = end
            if buf.count >= 1 << 20 { try flushBuffer() }
        }
        minT = min(minT, columns.timestamps[0])
        maxT = max(maxT, columns.timestamps[n - 1])
        sampleCount += n
        series.append(SegmentSeries(id: id, type: type, canonical: canonical, blocks: refs))
    }

    private func flushBuffer() throws {
        try Platform.writeAll(file, buf)
        offset += buf.count
        buf.removeAll(keepingCapacity: true)
    }

    var isEmpty: Bool { series.isEmpty }

    /// Writes the index and footer and makes the file durable under its final name.
    func finish() throws {
        let indexOffset = offset + buf.count
        var raw: [UInt8] = []
        Varint.put(UInt64(series.count), into: &raw)
        var prevID: UInt32 = 0
        for s in series {
            Varint.put(UInt64(s.id - prevID), into: &raw)
            prevID = s.id
            raw.append(s.type.rawValue)
            Varint.put(UInt64(s.canonical.count), into: &raw)
            raw.append(contentsOf: s.canonical)
            Varint.put(UInt64(s.blocks.count), into: &raw)
            for b in s.blocks {
                Varint.put(Varint.zigzag(b.minT), into: &raw)
                Varint.put(UInt64(bitPattern: b.maxT &- b.minT), into: &raw)
                Varint.put(UInt64(b.count), into: &raw)
                Varint.put(UInt64(b.offset), into: &raw)
                Varint.put(UInt64(b.length), into: &raw)
            }
        }
        Varint.put(UInt64(replaces.count), into: &raw)
        for r in replaces { Varint.put(r, into: &raw) }

        let start = buf.count
        var comp: [UInt8] = []
        raw.withUnsafeBytes { BlockCompression.compress($0, method: .zstd, level: 3, into: &comp) }
        buf.append(BlockCompression.zstd.rawValue)
        Varint.put(UInt64(raw.count), into: &buf)
        buf.append(contentsOf: comp)
        let crc = buf.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        withUnsafeBytes(of: crc.littleEndian) { buf.append(contentsOf: $0) }
        let indexLength = buf.count - start

        var footer: [UInt8] = []
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { footer.append(contentsOf: $0) } }
        put(UInt64(indexOffset))
        put(UInt64(indexLength))
        put(seq)
        put(series.isEmpty ? 0 : minT)
        put(series.isEmpty ? 0 : maxT)
        put(UInt32(series.count))
        put(UInt32(blockCount))
        put(SegmentFormat.version)
        put(UInt32(0))
        let fcrc = footer.withUnsafeBytes { CRC32C.checksum($0) }
        put(fcrc)
        footer.append(contentsOf: SegmentFormat.footerMagic)
        assert(footer.count == SegmentFormat.footerSize)
        buf.append(contentsOf: footer)
        do {
            try flushBuffer()
            try Platform.sync(file)
        } catch {
            abort()
            throw error
        }
        Platform.close(file)
        try Platform.rename(tmpPath, path)
        try Platform.syncDirectory(Platform.dirname(of: path))
    }

    /// Discards the temporary file.
    func abort() {
        Platform.close(file)
        try? Platform.remove(tmpPath)
    }
}
