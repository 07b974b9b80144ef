#if canImport(Glibc)
import Glibc
#endif

/// A read-only memory mapping of a whole immutable file.
///
/// The size is taken from `fstat` before mapping and the caller validates every offset
/// against `bytes.count`, so a file shorter than its own headers claim is reported as corrupt
/// instead of faulting. (A file truncated by another process *after* mapping can still raise
/// SIGBUS; segment files are never truncated by the engine, and the data directory is locked.)
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let bytes: UnsafeRawBufferPointer
    private let base: UnsafeMutableRawPointer?

    public init(path: String, fileSystem fs: FileSystem = .posix) throws {
        self.path = path
        let f = try fs.open(path, flags: O_RDONLY)
        defer { fs.close(f) }
        let size = try fs.fileSize(f)
        if size == 0 {
            base = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let p = mmap(nil, size, PROT_READ, MAP_SHARED, f.fd, 0)
        if p == MAP_FAILED || p == nil { throw FileSystemError(op: "mmap", path: path, errno: errno) }
        base = p
        bytes = UnsafeRawBufferPointer(start: p, count: size)
    }

    /// Drops the pages wholly inside `range` from this process's memory (they stay in the page
    /// cache and fault back in if read again): for parts read once, such as a segment's series
    /// table, which would otherwise count in the resident set for as long as the file is open.
    public func release(_ range: Range<Int>) {
        guard let b = base else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let lo = (range.lowerBound + page - 1) / page * page
        let hi = min(range.upperBound, bytes.count) / page * page
        if hi > lo { _ = madvise(b + lo, hi - lo, Int32(MADV_DONTNEED)) }
    }

    deinit {
        if let b = base { munmap(b, bytes.count) }
    }
}
