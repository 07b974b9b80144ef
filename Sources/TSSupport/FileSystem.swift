#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A failed system call: the operation, the path and errno.
public struct FileSystemError: Error, Sendable, Equatable, CustomStringConvertible {
    public var op: String
    public var path: String
    public var errno: Int32

    public init(op: String, path: String, errno: Int32) {
        self.op = op
        self.path = path
        self.errno = errno
    }

    public var description: String { "\(op) \(path): \(FileSystem.errorString(errno)) (errno \(errno))" }

    /// True for a full disk or an exhausted quota.
    public var isNoSpace: Bool { errno == ENOSPC || errno == EDQUOT }
}

/// The file-system layer: every file system call the engine makes goes through a value of this
/// type, handed down from `EngineOptions.fileSystem` (as LevelDB's `Options.env`). Tests pass one
/// with `faults` set to inject errors (EIO on fsync, ENOSPC on write, dropped unsynced data)
/// into one engine without touching any other.
///
/// Durability rule used throughout the engine: a new file is written, `fsync`ed, renamed into
/// place, and then its directory is `fsync`ed (`writeFileDurably`). A failed fsync is never
/// retried; callers treat it as fatal for the component that issued it.
public struct FileSystem: Sendable {
    /// Consulted before each mutating call; a non-nil errno fails the call. Reads are not hooked.
    public struct Faults: Sendable {
        public var beforeWrite: @Sendable (_ path: String, _ bytes: Int) -> Int32?
        public var beforeSync: @Sendable (_ path: String) -> Int32?
        public init(beforeWrite: @escaping @Sendable (String, Int) -> Int32? = { _, _ in nil },
                    beforeSync: @escaping @Sendable (String) -> Int32? = { _ in nil }) {
            self.beforeWrite = beforeWrite
            self.beforeSync = beforeSync
        }
    }

    public var faults: Faults?

    public init(faults: Faults? = nil) { self.faults = faults }

    /// The real file system, without injected faults.
    public static let posix = FileSystem()

    @inline(__always)
    private func injectedWriteError(_ path: String, _ bytes: Int) -> Int32? {
        faults?.beforeWrite(path, bytes)
    }

    @inline(__always)
    private func injectedSyncError(_ path: String) -> Int32? {
        faults?.beforeSync(path)
    }

    public static func errorString(_ e: Int32) -> String {
        String(cString: strerror(e))
    }

    /// An open file descriptor with its path, for error messages.
    public struct File: Sendable {
        public let fd: Int32
        public let path: String
    }

    public func open(_ path: String, flags: Int32, mode: mode_t = 0o644) throws -> File {
        let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
        if fd < 0 { throw FileSystemError(op: "open", path: path, errno: errno) }
        return File(fd: fd, path: path)
    }

    public func close(_ f: File) {
        _ = Glibc.close(f.fd)
    }

    /// Writes all bytes at the current offset (retrying short writes and EINTR).
    public func writeAll(_ f: File, _ buf: UnsafeRawBufferPointer) throws {
        if let e = injectedWriteError(f.path, buf.count) { throw FileSystemError(op: "write", path: f.path, errno: e) }
        var off = 0
        while off < buf.count {
            let n = Glibc.write(f.fd, buf.baseAddress! + off, buf.count - off)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileSystemError(op: "write", path: f.path, errno: errno)
            }
            off += n
        }
    }

    public func writeAll(_ f: File, _ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try writeAll(f, $0) }
    }

    /// Reads up to `count` bytes at `offset`; returns fewer only at end of file.
    public func pread(_ f: File, into buf: UnsafeMutableRawBufferPointer, offset: Int) throws -> Int {
        var done = 0
        while done < buf.count {
            let n = Glibc.pread(f.fd, buf.baseAddress! + done, buf.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw FileSystemError(op: "pread", path: f.path, errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// fdatasync: data and the metadata needed to read it back (file size).
    public func sync(_ f: File) throws {
        if let e = injectedSyncError(f.path) { throw FileSystemError(op: "fsync", path: f.path, errno: e) }
        if fdatasync(f.fd) != 0 { throw FileSystemError(op: "fsync", path: f.path, errno: errno) }
    }

    public func truncate(_ f: File, size: Int) throws {
        if ftruncate(f.fd, off_t(size)) != 0 { throw FileSystemError(op: "ftruncate", path: f.path, errno: errno) }
    }

    public func seekEnd(_ f: File) throws -> Int {
        let r = lseek(f.fd, 0, SEEK_END)
        if r < 0 { throw FileSystemError(op: "lseek", path: f.path, errno: errno) }
        return Int(r)
    }

    public func fileSize(_ f: File) throws -> Int {
        var st = stat()
        if fstat(f.fd, &st) != 0 { throw FileSystemError(op: "fstat", path: f.path, errno: errno) }
        return Int(st.st_size)
    }

    public func fileSize(path: String) -> Int? {
        var st = stat()
        if stat(path, &st) != 0 { return nil }
        return Int(st.st_size)
    }

    /// fsync of a directory, making creations, renames and removals inside it durable.
    public func syncDirectory(_ path: String) throws {
        let d = try open(path, flags: O_RDONLY | O_DIRECTORY)
        defer { close(d) }
        if let e = injectedSyncError(path) { throw FileSystemError(op: "fsync", path: path, errno: e) }
        if fsync(d.fd) != 0 { throw FileSystemError(op: "fsync", path: path, errno: errno) }
    }

    public func rename(_ from: String, _ to: String) throws {
        if Glibc.rename(from, to) != 0 { throw FileSystemError(op: "rename", path: from + " -> " + to, errno: errno) }
    }

    public func remove(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT { throw FileSystemError(op: "unlink", path: path, errno: errno) }
    }

    /// rm -r: removes a directory tree (no symlinks followed).
    public func removeTree(_ path: String) throws {
        if isDirectory(path) {
            for n in try listDirectory(path) { try removeTree(path + "/" + n) }
            if rmdir(path) != 0 && errno != ENOENT { throw FileSystemError(op: "rmdir", path: path, errno: errno) }
        } else {
            try remove(path)
        }
    }

    /// mkdir -p, syncing each parent whose entry was created.
    public func makeDirectories(_ path: String) throws {
        if isDirectory(path) { return }
        let parent = FileSystem.dirname(of: path)
        if !parent.isEmpty && parent != path { try makeDirectories(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw FileSystemError(op: "mkdir", path: path, errno: errno) }
        try syncDirectory(parent.isEmpty ? "." : parent)
    }

    public func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    public func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    public func listDirectory(_ path: String) throws -> [String] {
        guard let d = opendir(path) else { throw FileSystemError(op: "opendir", path: path, errno: errno) }
        defer { closedir(d) }
        var out: [String] = []
        while let e = readdir(d) {
            let name = withUnsafePointer(to: e.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { out.append(name) }
        }
        return out.sorted()
    }

    /// The directory part of a path (`.` when there is none).
    public static func dirname(of path: String) -> String {
        guard let i = path.lastIndex(of: "/") else { return "." }
        if i == path.startIndex { return "/" }
        return String(path[..<i])
    }

    /// Creates `path` with `bytes` durably: write to `path.tmp`, fsync it, rename over `path`,
    /// fsync the directory. Readers see the old file or the whole new one, never a part.
    public func writeFileDurably(_ path: String, _ bytes: [UInt8]) throws {
        let tmp = path + ".tmp"
        let f = try open(tmp, flags: O_WRONLY | O_CREAT | O_TRUNC)
        do {
            try writeAll(f, bytes)
            try sync(f)
        } catch {
            close(f)
            try? remove(tmp)
            throw error
        }
        close(f)
        try rename(tmp, path)
        try syncDirectory(FileSystem.dirname(of: path))
    }

    /// Reads a whole file (small files: manifests, configs).
    public func readFile(_ path: String) throws -> [UInt8] {
        let f = try open(path, flags: O_RDONLY)
        defer { close(f) }
        let size = try fileSize(f)
        var out = [UInt8](repeating: 0, count: size)
        let n = try out.withUnsafeMutableBytes { try pread(f, into: $0, offset: 0) }
        if n < size { out.removeLast(size - n) }
        return out
    }

    /// Takes an exclusive advisory lock on `path` (created if missing) so two processes never
    /// open the same data directory. The lock lives as long as the returned descriptor.
    public func lockFile(_ path: String) throws -> File {
        let f = try open(path, flags: O_RDWR | O_CREAT)
        if flock(f.fd, LOCK_EX | LOCK_NB) != 0 {
            let e = errno
            close(f)
            throw FileSystemError(op: "flock (is another tsdbd using this data directory?)", path: path, errno: e)
        }
        return f
    }
}

/// The system clocks.
public enum SystemClock {
    public static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    public static func wallClockNanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
