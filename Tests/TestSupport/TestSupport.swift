// Helpers shared by every test target: seeded random numbers, temporary directories, engine
// options for tests, a thread-safe switch for fault injection, and JSON access for assertions.
import Foundation
import TSEngine
import TSSupport
#if canImport(Glibc)
import Glibc
#endif

/// Deterministic random numbers (SplitMix64), so random tests are reproducible.
public struct SplitMix64: RandomNumberGenerator {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }
    /// Standard normal (Box–Muller).
    public mutating func gauss(_ mean: Double, _ sd: Double) -> Double {
        let u1 = Swift.max(unit(), 1e-300)
        let u2 = unit()
        return mean + sd * sqrt(-2 * log(u1)) * cos(2 * Double.pi * u2)
    }
    public mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) } }
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
