import TSSupport
import TSEncoding
#if canImport(Glibc)
import Glibc
#endif

/// What replay found.
public struct WALReplayReport: Sendable {
    public var files = 0
    public var records = 0
    public var bytes = 0
    /// Set when a torn or corrupt record ended replay: the file and offset where the log was cut.
    public var truncatedAt: (file: String, offset: Int, reason: String)?
    public var removedFiles: [String] = []
    /// Index the writer should use for its new file.
    public var nextIndex = 1
}

/// Reads WAL files in order and repairs a torn or corrupt tail.
///
/// Each file is read sequentially; records are yielded while their frame is complete and their
/// CRC32C matches. At the first bad frame the file is truncated to the end of the last good
/// record, every later file is removed (its records would follow a hole), and replay stops.
enum WALReader {
    static func replay(dir: String, fileSystem fs: FileSystem = .posix, onRecord: (UnsafeRawBufferPointer) throws -> Void) throws -> WALReplayReport {
        var report = WALReplayReport()
        let files = try fs.listDirectory(dir).compactMap { n in WALFormat.index(ofFileName: n).map { ($0, n) } }.sorted { $0.0 < $1.0 }
        report.nextIndex = (files.last?.0 ?? 0) + 1
        var stopped = false
        for (_, name) in files {
            let path = dir + "/" + name
            if stopped {
                try fs.remove(path)
                report.removedFiles.append(name)
                continue
            }
            report.files += 1
            let data = try fs.readFile(path)
            var cut: (Int, String)?
            data.withUnsafeBytes { buf in
                if buf.count == 0 { return }  // created, header not yet written: holds nothing
                if buf.count < WALFormat.headerSize || !buf.prefix(4).elementsEqual(WALFormat.magic)
                    || (try? ByteReader.le(UInt32.self, buf, at: 4)) != WALFormat.version {
                    // A file whose header never reached the disk holds nothing.
                    cut = (0, buf.count < WALFormat.headerSize ? "short header" : "bad header")
                    return
                }
                var r = ByteReader(buf, offset: WALFormat.headerSize)
                while !r.isAtEnd {
                    let pos = r.offset
                    guard let len = try? Int(r.le(UInt32.self)), let crc = try? r.le(UInt32.self) else { cut = (pos, "torn frame header"); return }
                    guard len > 0, len <= WALFormat.maxRecordSize else { cut = (pos, "bad record length \(len)"); return }
                    guard let payload = try? r.bytes(len) else { cut = (pos, "torn record"); return }
                    guard CRC32C.checksum(payload) == crc else { cut = (pos, "checksum mismatch"); return }
                    do {
                        try onRecord(payload)
                    } catch {
                        cut = (pos, "undecodable record: \(error)")
                        return
                    }
                    report.records += 1
                    report.bytes += WALFormat.frameHeaderSize + len
                }
            }
            if let (off, reason) = cut {
                let f = try fs.open(path, flags: O_WRONLY)
                defer { fs.close(f) }
                try fs.truncate(f, size: off)
                try fs.sync(f)
                report.truncatedAt = (name, off, reason)
                stopped = true
            }
        }
        if !report.removedFiles.isEmpty { try fs.syncDirectory(dir) }
        return report
    }
}
