// Shared by the benchmark suites: a seeded random generator, the synthetic data patterns and a
// monotonic clock. Everything here is deterministic for a given seed, so every run measures the
// same bytes.
@_exported import TSSupport
import Benchmark
import TSEngine
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Randomness: TSSupport.SplitMix64 (re-exported).

// MARK: - Data patterns

/// 2026-01-01T00:00:00Z in nanoseconds: the engine stores nanoseconds, and collectd points
/// arrive with millisecond precision (`precision=ms`), so timestamps are ms multiples in ns.
public let epochStart: Int64 = 1_767_225_600_000_000_000
public let nsPerMs: Int64 = 1_000_000
public let nsPerSecond: Int64 = 1_000_000_000

public enum TimestampPattern: String, CaseIterable, Sendable {
    /// t0 + i·10 s exactly (ms precision, stored as ns).
    case regular = "regular10s"
    /// t0 + i·10 s + uniform jitter in −5…+5 ms, ms precision: collectd agents' send jitter.
    case jittered = "jitter5ms"
    /// Second precision (`precision=s`): t0 + i·10 s, with 20 % of points one second early or
    /// late (agents whose clock tick straddles a second boundary).
    case seconds = "seconds"
    /// Event-like: exponential gaps with a 10 s mean, ms precision.
    case irregular = "irregular"
}

public func makeTimestamps(_ pattern: TimestampPattern, count: Int, seed: UInt64) -> [Int64] {
    var rng = SplitMix64(seed: seed)
    var out: [Int64] = []
    out.reserveCapacity(count)
    let step = 10 * nsPerSecond
    switch pattern {
    case .regular:
        for i in 0..<count { out.append(epochStart + Int64(i) * step) }
    case .jittered:
        for i in 0..<count { out.append(epochStart + Int64(i) * step + rng.int(in: -5...5) * nsPerMs) }
    case .seconds:
        for i in 0..<count {
            let r = rng.unit()
            let j: Int64 = r < 0.1 ? -1 : (r < 0.2 ? 1 : 0)
            out.append(epochStart + Int64(i) * step + j * nsPerSecond)
        }
    case .irregular:
        var t = epochStart
        for _ in 0..<count {
            out.append(t)
            t += max(1, Int64(rng.exponential(mean: 10_000))) * nsPerMs
        }
    }
    return out
}

public enum FloatPattern: String, CaseIterable, Sendable {
    /// The same value throughout (a filesystem size, a configured limit).
    case constant = "constant"
    /// A counter stored as whole-number floats (collectd sends derive/counter values as floats):
    /// increments drawn from N(1000, 300), never negative.
    case counter = "counter"
    /// A gauge with two decimals (load average): a random walk rounded to 0.01.
    case gauge = "gauge2dp"
    /// Uniform random doubles with full 53-bit mantissas: the incompressible case.
    case random = "random"
}

public func makeFloats(_ pattern: FloatPattern, count: Int, seed: UInt64) -> [Double] {
    var rng = SplitMix64(seed: seed)
    var out: [Double] = []
    out.reserveCapacity(count)
    switch pattern {
    case .constant:
        out = Array(repeating: 17_179_869_184, count: count)
    case .counter:
        var v = 123_456_789.0
        for _ in 0..<count {
            out.append(v)
            v += max(0, rng.gaussian(mean: 1000, sd: 300).rounded())
        }
    case .gauge:
        var x = 1.5
        for _ in 0..<count {
            x = max(0, x + rng.gaussian(sd: 0.05))
            out.append((x * 100).rounded() / 100)
        }
    case .random:
        for _ in 0..<count { out.append(rng.unit()) }
    }
    return out
}

/// Integer counters (line-protocol `i` fields, e.g. virt CPU nanoseconds): increments drawn from
/// N(5·10⁸, 10⁸) ns per 10 s interval, never negative.
public func makeIntCounters(count: Int, seed: UInt64) -> [Int64] {
    var rng = SplitMix64(seed: seed)
    var out: [Int64] = []
    out.reserveCapacity(count)
    var v: Int64 = 9_876_543_210
    for _ in 0..<count {
        out.append(v)
        v += max(0, Int64(rng.gaussian(mean: 5e8, sd: 1e8)))
    }
    return out
}

// MARK: - Clock and units

/// CLOCK_MONOTONIC in nanoseconds; no allocation, ~20 ns.
@inline(__always)
public func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// `units` per second for `units` processed in `nanos`.
@inline(__always)
public func perSecond(_ units: Int, _ nanos: UInt64) -> Int {
    Int((Double(units) * 1e9 / Double(max(nanos, 1))).rounded())
}

/// Bytes per sample × 1000, rounded (package-benchmark metrics are integers).
@inline(__always)
public func bytesPerSampleX1000(_ bytes: Int, _ samples: Int) -> Int {
    Int((Double(bytes) * 1000 / Double(max(samples, 1))).rounded())
}

// MARK: - Metrics shared by the suites

public enum BenchMetric {
    /// Samples encoded / decoded / appended / sealed / read / replayed / compacted / queried per
    /// second, timed around the call under test only.
    public static let samplesPerSecond = BenchmarkMetric.custom("samples_per_s", polarity: .prefersLarger, useScalingFactor: false)
}

// MARK: - Series tables

/// A fixed list of float series with field `value`, kept as canonical key prefixes back to back
/// (`ends[i]` is where series i's prefix ends) so that a step (one sample per series) goes into a
/// `WriteBatch` through the hot path (`append(canonicalPrefix:field:timestamp:type:bits:)`), as the
/// line-protocol ingester does.
public final class SeriesTable {
    public let count: Int
    private let arena: [UInt8]
    private let ends: [Int]
    private let field: [UInt8] = Array("value".utf8)

    public init(_ keys: [(measurement: String, tags: [Tag])]) {
        var arena: [UInt8] = []
        var ends: [Int] = []
        for k in keys {
            SeriesKeyCoder.appendPrefix(measurement: k.measurement, tags: k.tags.sorted(), to: &arena)
            ends.append(arena.count)
        }
        count = keys.count
        self.arena = arena
        self.ends = ends
    }

    /// Series i's key as a `SeriesKey` (for selectors and checks).
    public func key(_ i: Int) -> SeriesKey {
        var b = Array(arena[(i == 0 ? 0 : ends[i - 1])..<ends[i]])
        SeriesKeyCoder.appendComponent(field, to: &b)
        return SeriesKey(canonical: b)!
    }

    /// Appends series i's sample (timestamps[i], float bits[i]) for every i; only copies bytes.
    public func appendStep(_ timestamps: [Int64], bits: [UInt64], to batch: inout WriteBatch) {
        precondition(timestamps.count == count && bits.count == count)
        arena.withUnsafeBytes { a in
            field.withUnsafeBytes { f in
                timestamps.withUnsafeBufferPointer { ts in
                    bits.withUnsafeBufferPointer { b in
                        var start = 0
                        for i in 0..<count {
                            let prefix = UnsafeRawBufferPointer(rebasing: a[start..<ends[i]])
                            start = ends[i]
                            batch.append(canonicalPrefix: prefix, field: f, timestamp: ts[i], type: .float, bits: b[i])
                        }
                    }
                }
            }
        }
    }
}

public struct BenchmarkSetupError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// Appends and fails loudly if any sample was refused: a benchmark that silently drops samples
/// measures nothing.
public func appendChecked(_ engine: Engine, _ batch: WriteBatch) throws {
    let r = try engine.append(batch)
    guard r.written == batch.count, r.rejected.isEmpty else {
        throw BenchmarkSetupError(description: "append wrote \(r.written) of \(batch.count): \(r.rejected.prefix(3).map { "\($0.error)" })")
    }
}
