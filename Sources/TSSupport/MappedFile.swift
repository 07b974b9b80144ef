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

    deinit {
        if let b = base { munmap(b, bytes.count) }
    }
}
