import TSSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Double value columns.
///
/// Candidates: `constant` when every bit pattern is equal (chosen directly),
/// otherwise the smallest of `raw`, `gorillaXOR`, `integral` (all values are
/// whole numbers that survive Double→Int64→Double bit-exactly) and
/// `decimal` (all values are m / 10^k for the smallest k in 1...9 that
/// works, |m| ≤ 2^53). On equal sizes the earlier candidate in that order wins.
public enum FloatColumn {
    /// Powers of ten 10^0 ... 10^9, all exactly representable.
    @usableFromInline
    static let powersOfTen: [Double] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]

    /// Largest supported decimal scale k.
    public static let maxDecimalDigits = 9

    /// Appends the encoding of `v` to `out` and returns the codec used.
    /// Precondition: `v.count <= EncodingLimits.maxValueCount`.
    public static func encode(_ v: UnsafeBufferPointer<Double>, into out: inout [UInt8]) -> ValueCodec {
        precondition(v.count <= EncodingLimits.maxValueCount, "FloatColumn: too many values")
        let n = v.count
        if n == 0 { return .raw }
        let firstBits = v[0].bitPattern
        var allEqual = true
        for x in v where x.bitPattern != firstBits {
            allEqual = false
            break
        }
        if allEqual {
            appendLE(Int64(bitPattern: firstBits), &out)
            return .constant
        }

        var best: ValueCodec = .raw
        var bestSize = n &* 8
        let gorillaSize = v.withMemoryRebound(to: UInt64.self) { GorillaXOR.encodedSize($0) }
        if gorillaSize < bestSize {
            best = .gorillaXOR
            bestSize = gorillaSize
        }

        var ints: [Int64] = []
        var enc = IntEncoder()
        var innerCodec: ValueCodec = .raw
        var digits = 0
        if toIntegral(v, &ints) {
            let (c, s) = ints.withUnsafeBufferPointer { enc.plan($0) }
            if 1 &+ s < bestSize {
                best = .integral
                bestSize = 1 &+ s
                innerCodec = c
            }
        } else if let k = toDecimal(v, &ints) {
            let (c, s) = ints.withUnsafeBufferPointer { enc.plan($0) }
            if 2 &+ s < bestSize {
                best = .decimal
                bestSize = 2 &+ s
                innerCodec = c
                digits = k
            }
        }

        let start = out.count
        out.reserveCapacity(start &+ bestSize)
        defer { assert(out.count - start == bestSize, "FloatColumn size estimate mismatch") }
        switch best {
        case .raw:
            for x in v { appendLE(Int64(bitPattern: x.bitPattern), &out) }
        case .gorillaXOR:
            v.withMemoryRebound(to: UInt64.self) { GorillaXOR.encode($0, into: &out) }
        case .integral:
            out.append(innerCodec.rawValue)
            ints.withUnsafeBufferPointer { enc.write(innerCodec, $0, into: &out) }
        case .decimal:
            out.append(UInt8(digits))
            out.append(innerCodec.rawValue)
            ints.withUnsafeBufferPointer { enc.write(innerCodec, $0, into: &out) }
        default:
            preconditionFailure("unreachable")
        }
        return best
    }

    /// Convenience for arrays.
    public static func encode(_ v: [Double], into out: inout [UInt8]) -> ValueCodec {
        v.withUnsafeBufferPointer { encode($0, into: &out) }
    }

    /// Fills `ints` and returns true if every value is a whole number that
    /// round-trips through Int64 bit-exactly (excludes -0.0, NaN, ±Inf and
    /// magnitudes ≥ 2^63).
    static func toIntegral(_ v: UnsafeBufferPointer<Double>, _ ints: inout [Int64]) -> Bool {
        ints.removeAll(keepingCapacity: true)
        ints.reserveCapacity(v.count)
        for x in v {
            guard let i = Int64(exactly: x), Double(i).bitPattern == x.bitPattern else { return false }
            ints.append(i)
        }
        return true
    }

    /// Finds the smallest k in 1...9 such that every value equals
    /// Double(m) / 10^k bit-exactly for m = (v * 10^k).rounded() with
    /// |m| ≤ 2^53; fills `ints` with the mantissas.
    static func toDecimal(_ v: UnsafeBufferPointer<Double>, _ ints: inout [Int64]) -> Int? {
        // Values that are not finite can never qualify.
        let limit = 9_007_199_254_740_992.0  // 2^53
        for k in 1...maxDecimalDigits {
            let p = powersOfTen[k]
            ints.removeAll(keepingCapacity: true)
            ints.reserveCapacity(v.count)
            var ok = true
            for x in v {
                let m = (x * p).rounded()
                guard m >= -limit && m <= limit else {
                    ok = false
                    break
                }
                let i = Int64(m)
                guard (Double(i) / p).bitPattern == x.bitPattern else {
                    ok = false
                    break
                }
                ints.append(i)
            }
            if ok { return k }
            // A NaN or infinity fails every k; stop early.
            if !v[ints.count].isFinite { return nil }
        }
        return nil
    }

    /// For a `decimal` encoding, the scale k stored in its first byte.
    public static func decimalDigits(_ bytes: UnsafeRawBufferPointer) throws -> Int {
        guard let k = bytes.first else { throw EncodingError.truncated }
        guard k >= 1 && Int(k) <= maxDecimalDigits else { throw EncodingError.corrupt("decimal scale out of range") }
        return Int(k)
    }

    /// Decodes exactly `count` values encoded with `codec` from all of
    /// `bytes`, appending them to `out`. Throws (leaving `out` unchanged) if
    /// `bytes` is malformed, holds a different number of values, or has
    /// trailing bytes.
    public static func decode(
        _ codec: ValueCodec, _ bytes: UnsafeRawBufferPointer, count: Int, into out: inout [Double]
    ) throws {
        try EncodingLimits.checkCount(count)
        guard codec.isFloatCodec else { throw EncodingError.unknownCodec(codec.rawValue) }
        try appendingAtomically(&out) { out in try decodeBody(codec, bytes, count: count, into: &out) }
    }

    /// Convenience for arrays.
    public static func decode(_ codec: ValueCodec, _ bytes: [UInt8], count: Int, into out: inout [Double]) throws {
        try bytes.withUnsafeBytes { try decode(codec, $0, count: count, into: &out) }
    }

    static func decodeBody(
        _ codec: ValueCodec, _ b: UnsafeRawBufferPointer, count: Int, into out: inout [Double]
    ) throws {
        switch codec {
        case .raw:
            try appendRawWords(b, count: count, into: &out) { Double(bitPattern: $0) }
        case .constant:
            guard b.count >= 8 else { throw EncodingError.truncated }
            guard b.count == 8 else { throw EncodingError.corrupt("trailing bytes") }
            let x = Double(bitPattern: UInt64(littleEndian: b.loadUnaligned(as: UInt64.self)))
            out.append(contentsOf: repeatElement(x, count: count))
        case .gorillaXOR:
            try GorillaXOR.decode(b, count: count, into: &out)
        case .integral:
            guard let innerByte = b.first else { throw EncodingError.truncated }
            let inner = try ValueCodec(validating: innerByte)
            guard inner.isIntCodec else { throw EncodingError.unknownCodec(innerByte) }
            var ints: [Int64] = []
            try IntDecoder.decode(inner, UnsafeRawBufferPointer(rebasing: b[1...]), count: count, into: &ints)
            out.reserveCapacity(out.count &+ count)
            for i in ints { out.append(Double(i)) }
        case .decimal:
            let k = try decimalDigits(b)
            guard b.count >= 2 else { throw EncodingError.truncated }
            let inner = try ValueCodec(validating: b[1])
            guard inner.isIntCodec else { throw EncodingError.unknownCodec(b[1]) }
            var ints: [Int64] = []
            try IntDecoder.decode(inner, UnsafeRawBufferPointer(rebasing: b[2...]), count: count, into: &ints)
            let p = powersOfTen[k]
            out.reserveCapacity(out.count &+ count)
            for i in ints { out.append(Double(i) / p) }
        default:
            throw EncodingError.unknownCodec(codec.rawValue)
        }
    }
}
