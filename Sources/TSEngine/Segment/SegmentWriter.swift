import TSSupport
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
    /// Opened by the first write: a writer that buffers a small segment (a rollup level window
    /// among many) holds no descriptor until it has 1 MiB to write or finishes.
    private var file: FileSystem.File?
    private let fs: FileSystem
    private var buf: [UInt8] = []
    private var scratch: [UInt8] = []
    private var offset = 0
    /// The series table's raw body after the series count, built as series are added. Past
    /// `tableSpill` bytes it is compressed as it grows (`tableStream`), so a seal of 10⁶ series
    /// holds a compressed table per segment, not a raw one (docs/format/segment.md).
    private var table = ByteWriter()
    private var tableStream: ZstdStreamCompressor?
    private let tableSpill: Int
    private var seriesCount = 0
    private var lastID: UInt32 = 0
    private var refs: [BlockRef] = []
    private var minT: Int64 = .max
    private var maxT: Int64 = .min
    private var blockCount = 0
    private let compression: BlockCompression
    private let level: Int
    let kind: SegmentKind
    var replaces: [UInt64] = []
    private(set) var sampleCount = 0

    init(directory: String, seq: UInt64, kind: SegmentKind = .samples, compression: BlockCompression = .zstd, level: Int = 3,
         fileSystem: FileSystem = .posix, tableSpill: Int = 1 << 20) throws {
        self.kind = kind
        self.tableSpill = tableSpill
        self.fs = fileSystem
        self.seq = seq
        self.path = directory + "/" + SegmentFormat.fileName(seq: seq)
        self.tmpPath = path + ".tmp"
        self.compression = compression
        self.level = level
        buf.append(contentsOf: SegmentFormat.magic(kind))
    }

    /// Adds one series' samples (sorted, unique timestamps), split into blocks.
    func add(id: UInt32, type: ValueType, canonical: UnsafeRawBufferPointer, columns: SampleColumns) throws {
        precondition(kind == .samples)
        try addBlocks(id: id, type: type, canonical: canonical, times: columns.timestamps) { range, scratch, out in
            BlockCodec.encode(timestamps: columns.timestamps[...], values: columns.values, range: range,
                              compression: compression, level: level, scratch: &scratch, into: &out)
        }
    }

    /// Adds one series' rollup buckets (ascending, unique starts), split into blocks.
    func add(id: UInt32, type: ValueType, canonical: UnsafeRawBufferPointer, rollups c: RollupColumns) throws {
        precondition(kind == .rollups)
        try addBlocks(id: id, type: type, canonical: canonical, times: c.starts) { range, scratch, out in
            RollupBlockCodec.encode(c, range: range, compression: compression, level: level, scratch: &scratch, into: &out)
        }
    }

    func add(id: UInt32, type: ValueType, canonical: [UInt8], columns: SampleColumns) throws {
        try canonical.withUnsafeBytes { try add(id: id, type: type, canonical: $0, columns: columns) }
    }

    func add(id: UInt32, type: ValueType, canonical: [UInt8], rollups c: RollupColumns) throws {
        try canonical.withUnsafeBytes { try add(id: id, type: type, canonical: $0, rollups: c) }
    }

    /// Splits one series' rows (`times`: their timestamps or bucket starts) into blocks of at
    /// most `maxBlockSamples`, each stored by `encode(rows, scratch, output)` (returns its length).
    private func addBlocks(id: UInt32, type: ValueType, canonical: UnsafeRawBufferPointer, times: [Int64],
                           encode: (Range<Int>, inout [UInt8], inout [UInt8]) -> Int) throws {
        precondition(seriesCount == 0 || lastID < id, "series must be added in ascending id order")
        let n = times.count
        guard n > 0 else { return }
        refs.removeAll(keepingCapacity: true)
        var start = 0
        while start < n {
            let end = min(n, start + SegmentFormat.maxBlockSamples)
            let blockStart = offset + buf.count
            let len = encode(start..<end, &scratch, &buf)
            // Block lengths are 32-bit in memory (BlockRef): 8,192 strings of 512 KiB each would pass.
            guard len <= Int(UInt32.max) else { throw EncodingError.corrupt("block of \(len) bytes is larger than 4 GiB") }
            refs.append(BlockRef(minT: times[start], maxT: times[end - 1], count: end - start, offset: blockStart, length: len))
            blockCount += 1
            start = end
            if buf.count >= 1 << 20 { try flushBuffer() }
        }
        minT = min(minT, times[0])
        maxT = max(maxT, times[n - 1])
        sampleCount += n
        table.uvarint(UInt64(id - lastID))
        table.u8(type.rawValue)
        table.uvarintBytes(canonical)
        table.uvarint(UInt64(refs.count))
        for b in refs {
            table.varint(b.minT)
            table.uvarint(UInt64(bitPattern: b.maxT &- b.minT))
            table.uvarint(UInt64(b.count))
            table.uvarint(UInt64(b.offset))
            table.uvarint(UInt64(b.length))
        }
        lastID = id
        seriesCount += 1
        if table.count >= tableSpill {
            let stream = tableStream ?? ZstdStreamCompressor(level: 3)
            tableStream = stream
            table.bytes.withUnsafeBytes { stream.append($0) }
            table.removeAll(keepingCapacity: true)
        }
    }

    private func flushBuffer() throws {
        let file = try self.file ?? fs.open(tmpPath, flags: O_WRONLY | O_CREAT | O_TRUNC)
        self.file = file
        try fs.writeAll(file, buf)
        offset += buf.count
        buf.removeAll(keepingCapacity: true)
    }

    var isEmpty: Bool { seriesCount == 0 }

    /// Writes the index and footer and makes the file durable under its final name.
    func finish() throws {
        let indexOffset = offset + buf.count
        table.uvarint(UInt64(replaces.count))
        for r in replaces { table.uvarint(r) }
        // The raw body is the series count, then the entries and the replaced list (`table`).
        // A table that was streamed is stored as two zstd frames, the count's and the entries'.
        var head = ByteWriter()
        head.uvarint(UInt64(seriesCount))
        var comp: [UInt8] = []
        let rawLength: Int
        if let stream = tableStream {
            table.bytes.withUnsafeBytes { stream.append($0) }
            stream.end()
            head.bytes.withUnsafeBytes { BlockCompression.compress($0, method: .zstd, level: 3, into: &comp) }
            comp.append(contentsOf: stream.output)
            rawLength = head.count + stream.rawCount
            tableStream = nil
        } else {
            head.raw(table.bytes)
            head.bytes.withUnsafeBytes { BlockCompression.compress($0, method: .zstd, level: 3, into: &comp) }
            rawLength = head.count
        }
        table = ByteWriter()

        let start = buf.count
        ByteWriter.append(to: &buf) { w in
            w.u8(BlockCompression.zstd.rawValue)
            w.uvarint(UInt64(rawLength))
            w.raw(comp)
            let crc = w.bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[start...])) }
            w.le(crc)
        }
        let indexLength = buf.count - start

        var footer = ByteWriter(capacity: SegmentFormat.footerSize)
        footer.le(UInt64(indexOffset))
        footer.le(UInt64(indexLength))
        footer.le(seq)
        footer.le(seriesCount == 0 ? 0 : minT)
        footer.le(seriesCount == 0 ? 0 : maxT)
        footer.le(UInt32(seriesCount))
        footer.le(UInt32(blockCount))
        footer.le(kind.rawValue)
        footer.le(UInt32(0))
        footer.le(footer.bytes.withUnsafeBytes { CRC32C.checksum($0) })
        footer.raw(SegmentFormat.footerMagic)
        assert(footer.count == SegmentFormat.footerSize)
        buf.append(contentsOf: footer.bytes)
        do {
            try flushBuffer()
            try fs.sync(file!)
        } catch {
            abort()
            throw error
        }
        fs.close(file!)
        file = nil
        try fs.rename(tmpPath, path)
        try fs.syncDirectory(FileSystem.dirname(of: path))
    }

    /// Discards the temporary file.
    func abort() {
        guard let f = file else { return }
        fs.close(f)
        file = nil
        try? fs.remove(tmpPath)
    }
}
