#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Every file-system system call the engine makes goes through this type, so that tests can
/// inject faults (EIO on fsync, ENOSPC on write, dropped unsynced data) in one place.
///
/// Durability rule used throughout the engine: a new file is written, `fsync`ed, renamed into
/// place, and then its directory is `fsync`ed (`writeFileDurably`). A failed fsync is never
/// retried; callers treat it as fatal for the component that issued it.
public enum Platform {
    /// A hook consulted before each mutating call; it may return an errno to fail the call.
    /// Set by fault-injection tests only. Reads are not hooked.
    public struct FaultHook: Sendable {
        public var beforeWrite: @Sendable (_ path: String, _ bytes: Int) -> Int32?
        public var beforeSync: @Sendable (_ path: String) -> Int32?
        public init(beforeWrite: @escaping @Sendable (String, Int) -> Int32? = { _, _ in nil },
                    beforeSync: @escaping @Sendable (String) -> Int32? = { _ in nil }) {
            self.beforeWrite = beforeWrite
            self.beforeSync = beforeSync
        }
    }

    nonisolated(unsafe) private static var hooks: [Int: FaultHook] = [:]
    nonisolated(unsafe) private static var nextHookID = 0
    private static let hookLock = Lock()

    /// Installs a hook until `removeFaultHook` (several may be active, e.g. tests running in
    /// parallel on different directories: each filters by its own path prefix).
    public static func installFaultHook(_ h: FaultHook) -> Int {
        hookLock.withLock {
            nextHookID += 1
            hooks[nextHookID] = h
            return nextHookID
        }
    }

    public static func removeFaultHook(_ id: Int) {
        hookLock.withLock { _ = hooks.removeValue(forKey: id) }
    }

    private static func injectedWriteError(_ path: String, _ bytes: Int) -> Int32? {
        hookLock.withLock {
            for h in hooks.values { if let e = h.beforeWrite(path, bytes) { return e } }
            return nil
        }
    }

    private static func injectedSyncError(_ path: String) -> Int32? {
        hookLock.withLock {
            for h in hooks.values { if let e = h.beforeSync(path) { return e } }
            return nil
        }
    }

    public static func errorString(_ e: Int32) -> String {
        String(cString: strerror(e))
    }

    /// An open file descriptor with its path, for error messages.
    public struct File: Sendable {
        public let fd: Int32
        public let path: String
    }

    public static func open(_ path: String, flags: Int32, mode: mode_t = 0o644) throws -> File {
        let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
        if fd < 0 { throw EngineError.io(op: "open", path: path, errno: errno) }
        return File(fd: fd, path: path)
    }

    public static func close(_ f: File) {
        _ = Glibc.close(f.fd)
    }

    /// Writes all bytes at the current offset (retrying short writes and EINTR).
    public static func writeAll(_ f: File, _ buf: UnsafeRawBufferPointer) throws {
        if let e = injectedWriteError(f.path, buf.count) { throw EngineError.io(op: "write", path: f.path, errno: e) }
        var off = 0
        while off < buf.count {
            let n = Glibc.write(f.fd, buf.baseAddress! + off, buf.count - off)
            if n < 0 {
                if errno == EINTR { continue }
                throw EngineError.io(op: "write", path: f.path, errno: errno)
            }
            off += n
        }
    }

    public static func writeAll(_ f: File, _ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try writeAll(f, $0) }
    }

    /// Reads up to `count` bytes at `offset`; returns fewer only at end of file.
    public static func pread(_ f: File, into buf: UnsafeMutableRawBufferPointer, offset: Int) throws -> Int {
        var done = 0
        while done < buf.count {
            let n = Glibc.pread(f.fd, buf.baseAddress! + done, buf.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw EngineError.io(op: "pread", path: f.path, errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// fdatasync: data and the metadata needed to read it back (file size).
    public static func sync(_ f: File) throws {
        if let e = injectedSyncError(f.path) { throw EngineError.io(op: "fsync", path: f.path, errno: e) }
        if fdatasync(f.fd) != 0 { throw EngineError.io(op: "fsync", path: f.path, errno: errno) }
    }

    public static func truncate(_ f: File, size: Int) throws {
        if ftruncate(f.fd, off_t(size)) != 0 { throw EngineError.io(op: "ftruncate", path: f.path, errno: errno) }
    }

    public static func seekEnd(_ f: File) throws -> Int {
        let r = lseek(f.fd, 0, SEEK_END)
        if r < 0 { throw EngineError.io(op: "lseek", path: f.path, errno: errno) }
        return Int(r)
    }

    public static func fileSize(_ f: File) throws -> Int {
        var st = stat()
        if fstat(f.fd, &st) != 0 { throw EngineError.io(op: "fstat", path: f.path, errno: errno) }
        return Int(st.st_size)
    }

    public static func fileSize(path: String) -> Int? {
        var st = stat()
        if stat(path, &st) != 0 { return nil }
        return Int(st.st_size)
    }

    /// fsync of a directory, making creations, renames and removals inside it durable.
    public static func syncDirectory(_ path: String) throws {
        let d = try open(path, flags: O_RDONLY | O_DIRECTORY)
        defer { close(d) }
        if let e = injectedSyncError(path) { throw EngineError.io(op: "fsync", path: path, errno: e) }
        if fsync(d.fd) != 0 { throw EngineError.io(op: "fsync", path: path, errno: errno) }
    }

    public static func rename(_ from: String, _ to: String) throws {
        if Glibc.rename(from, to) != 0 { throw EngineError.io(op: "rename", path: from + " -> " + to, errno: errno) }
    }

    public static func remove(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT { throw EngineError.io(op: "unlink", path: path, errno: errno) }
    }

    /// rm -r: removes a directory tree (no symlinks followed).
    public static func removeTree(_ path: String) throws {
        if isDirectory(path) {
            for n in try listDirectory(path) { try removeTree(path + "/" + n) }
            if rmdir(path) != 0 && errno != ENOENT { throw EngineError.io(op: "rmdir", path: path, errno: errno) }
        } else {
            try remove(path)
        }
    }

    /// mkdir -p, syncing each parent whose entry was created.
    public static func makeDirectories(_ path: String) throws {
        if isDirectory(path) { return }
        let parent = dirname(of: path)
        if !parent.isEmpty && parent != path { try makeDirectories(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw EngineError.io(op: "mkdir", path: path, errno: errno) }
        try syncDirectory(parent.isEmpty ? "." : parent)
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    public static func listDirectory(_ path: String) throws -> [String] {
        guard let d = opendir(path) else { throw EngineError.io(op: "opendir", path: path, errno: errno) }
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

    public static func dirname(of path: String) -> String {
        guard let i = path.lastIndex(of: "/") else { return "." }
        if i == path.startIndex { return "/" }
        return String(path[..<i])
    }

    /// Creates `path` with `bytes` durably: write to `path.tmp`, fsync it, rename over `path`,
    /// fsync the directory. Readers see the old file or the whole new one, never a part.
    public static func writeFileDurably(_ path: String, _ bytes: [UInt8]) throws {
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
        try syncDirectory(dirname(of: path))
    }

    /// Reads a whole file (small files: manifests, configs).
    public static func readFile(_ path: String) throws -> [UInt8] {
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
    public static func lockFile(_ path: String) throws -> File {
        let f = try open(path, flags: O_RDWR | O_CREAT)
        if flock(f.fd, LOCK_EX | LOCK_NB) != 0 {
            let e = errno
            close(f)
            throw EngineError.io(op: "flock (is another tsdbd using this data directory?)", path: path, errno: e)
        }
        return f
    }

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
