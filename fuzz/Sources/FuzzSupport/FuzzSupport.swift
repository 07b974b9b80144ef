// Shared by the harnesses: the replay driver used when a harness is built without -DFUZZING,
// a byte cursor for splitting an input into parameters, and invariant checks.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Fails the run (libFuzzer reports it as a crash and saves the input) when an invariant is broken.
@inline(__always)
public func invariant(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                      file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("invariant violated: \(printable(message()))", file: file, line: line) }
}

/// `s` with control characters other than newline escaped (fatalError stops at a NUL byte).
public func printable(_ s: String) -> String {
    var out = ""
    for u in s.unicodeScalars {
        if u.value < 0x20 && u != "\n" || u.value == 0x7F {
            out += "\\u{\(String(u.value, radix: 16))}"
        } else {
            out.unicodeScalars.append(u)
        }
    }
    return out
}

/// Reads an input front to back; every read past the end yields zeros, so any input is usable.
public struct FuzzInput {
    public let bytes: UnsafeRawBufferPointer
    public private(set) var position = 0

    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    public var isAtEnd: Bool { position >= bytes.count }

    public mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    public mutating func u16() -> UInt16 { UInt16(byte()) | UInt16(byte()) << 8 }

    /// LEB128 (at most 10 bytes); a truncated varint ends with the input.
    public mutating func varint() -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while shift < 64, position < bytes.count {
            let b = byte()
            v |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { break }
            shift += 7
        }
        return v
    }

    /// The next `n` bytes (fewer at the end).
    public mutating func take(_ n: Int) -> UnsafeRawBufferPointer {
        let end = position + max(0, min(n, bytes.count - position))
        defer { position = end }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<end])
    }

    /// Everything not yet read.
    public mutating func rest() -> UnsafeRawBufferPointer { take(bytes.count - position) }
}

/// 64-bit FNV-1a: a deterministic function of the input, for choices that should not consume bytes.
public func fnv1a(_ b: UnsafeRawBufferPointer) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for x in b { h = (h ^ UInt64(x)) &* 0x100_0000_01b3 }
    return h
}

/// A private directory for harnesses that must go through files, created once per process under
/// $TMPDIR (the run script points TMPDIR at its own work directory and removes it afterwards).
public let fuzzTempDirectory: String = {
    let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    var template = Array((base + "/tsfuzz.XXXXXX").utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    guard let made else { fatalError("mkdtemp failed") }
    let path = String(cString: made)
    createdTempDirectory = path
    return path
}()

nonisolated(unsafe) private var createdTempDirectory: String?

/// Removes `fuzzTempDirectory` and its files, if this process created it.
public func removeFuzzTempDirectory() {
    guard let dir = createdTempDirectory else { return }
    for f in listDirectory(dir) ?? [] { unlink(f) }
    rmdir(dir)
    createdTempDirectory = nil
}

/// Writes `bytes` to `path`, replacing it.
public func writeFile(_ path: String, _ bytes: UnsafeRawBufferPointer) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { fatalError("open \(path): errno \(errno)") }
    var off = 0
    while off < bytes.count {
        let n = write(fd, bytes.baseAddress! + off, bytes.count - off)
        guard n > 0 else { fatalError("write \(path): errno \(errno)") }
        off += n
    }
    close(fd)
}

/// The contents of a file, or nil if it cannot be read.
public func readFile(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 { return nil }
        if n == 0 { return out }
        out.append(contentsOf: chunk[0..<n])
    }
}

/// Regular files of a directory (not recursive), sorted; nil if it is not a directory.
public func listDirectory(_ path: String) -> [String]? {
    guard let d = opendir(path) else { return nil }
    defer { closedir(d) }
    var names: [String] = []
    while let e = readdir(d) {
        let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        if name == "." || name == ".." { continue }
        names.append(path + "/" + name)
    }
    return names.sorted()
}

/// Entry point of a harness built without -DFUZZING: runs `body` on each file named on the command
/// line (a directory stands for the files in it), so a crash file replays in an ordinary build.
/// The body of every harness's `LLVMFuzzerTestOneInput`: runs `body` on the input; always 0.
@inline(__always)
public func runOne(_ data: UnsafeRawPointer, _ size: Int, _ body: (UnsafeRawBufferPointer) -> Void) -> CInt {
    body(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

public enum Replay {
    public static func main(_ target: String, _ body: (UnsafeRawBufferPointer) -> Void) {
        let args = Array(CommandLine.arguments.dropFirst())
        if args.isEmpty || args.contains("-h") || args.contains("--help") {
            print("usage: \(target) FILE|DIR ...\nRuns the \(target) fuzz target once on each input (replay of crash files or a corpus).")
            exit(args.isEmpty ? 2 : 0)
        }
        var count = 0
        for arg in args {
            for path in listDirectory(arg) ?? [arg] {
                guard let data = readFile(path) else {
                    print("\(target): cannot read \(path)")
                    exit(2)
                }
                print("\(target): \(path) (\(data.count) bytes)")
                data.withUnsafeBytes { body($0) }
                count += 1
            }
        }
        removeFuzzTempDirectory()
        print("\(target): \(count) inputs ran without failure")
    }
}
