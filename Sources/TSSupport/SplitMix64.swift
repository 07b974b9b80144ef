#if canImport(Glibc)
import Glibc
#endif

/// SplitMix64: a tiny seeded generator, the same sequence on every platform and Swift version
/// (unlike `SystemRandomNumberGenerator`, which cannot be seeded). Tests, fuzz seeds and
/// benchmarks use it so that every run sees the same data.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Normal (Box–Muller; one of the pair is discarded to keep the sequence simple).
    public mutating func gaussian(mean: Double = 0, sd: Double = 1) -> Double {
        let u1 = Swift.max(unit(), 1e-300)
        let u2 = unit()
        return mean + sd * (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Exponential with the given mean.
    public mutating func exponential(mean: Double) -> Double {
        -mean * log(1 - unit())
    }

    /// Uniform integer in `range` (modulo bias is irrelevant here).
    public mutating func int(in range: ClosedRange<Int64>) -> Int64 {
        let span = UInt64(bitPattern: range.upperBound &- range.lowerBound) &+ 1
        return range.lowerBound &+ Int64(bitPattern: span == 0 ? next() : next() % span)
    }

    /// `n` random bytes.
    public mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: next()) } }
}
