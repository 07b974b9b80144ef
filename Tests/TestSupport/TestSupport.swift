// Helpers shared by every test target (seeded random numbers are TSSupport.SplitMix64): temporary directories, engine
// options for tests, a thread-safe switch for fault injection, and JSON access for assertions.
import Foundation
import Testing
import TSEngine
@_exported import TSSupport
#if canImport(Glibc)
import Glibc
#endif

/// Where the tests run.
public enum TestEnvironment {
    /// True under CI (`CI` set to anything): tests that would skip for a missing tool or file fail.
    public static var inCI: Bool { !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty }
}

extension Testing.Tag {
    /// Tests that take minutes (the kill -9 crash loop, the InfluxDB differential): `swift test
    /// --skip 'CrashLoopTests|DifferentialTests'` leaves them out of the inner loop.
    @Tag public static var slow: Self
}

/// A fresh temporary directory, removed when the value is dropped.
public final class TempDir: @unchecked Sendable {
    public let path: String
    public init(_ name: String = "tsengine") {
        var template = Array("/tmp/\(name)-XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = String(cString: p!)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Engine options for tests: no background maintenance, no log output, the given fsync policy.
public func testOptions(_ policy: SyncPolicy = .always) -> EngineOptions {
    var o = EngineOptions()
    o.syncPolicy = policy
    o.backgroundMaintenance = false
    o.log = { _, _ in }
    return o
}

/// Runs `body` on an exactly sized heap copy of `bytes`, so an overrun is a
/// real out-of-bounds access (visible to AddressSanitizer).
public func withExactBuffer<R>(_ bytes: ArraySlice<UInt8>, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    let p = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
    defer { p.deallocate() }
    bytes.withUnsafeBytes { if !$0.isEmpty { p.copyMemory(from: $0) } }
    return try body(UnsafeRawBufferPointer(p))
}

public func withExactBuffer<R>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try withExactBuffer(bytes[...], body)
}

/// A Bool that threads may read and set: turns an injected fault on and off.
public final class Switch: @unchecked Sendable {
    private let lock = NSLock()
    private var on: Bool
    public init(_ on: Bool = false) { self.on = on }
    public var isOn: Bool {
        get { lock.withLock { on } }
        set { lock.withLock { on = newValue } }
    }
}

/// Parses JSON text for assertions (TSSupport's reader); fails the caller with a thrown error.
public func parseJSON(_ text: String) throws -> JSONValue {
    try JSONReader.parse(Array(text.utf8))
}

public func parseJSON(_ bytes: [UInt8]) throws -> JSONValue {
    try JSONReader.parse(bytes)
}
