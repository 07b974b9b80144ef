import TSSupport
/// Bool value columns.
///
/// - `constant` (all values equal, at least one value): 1 byte, 0 or 1.
/// - `bitPacked`: ceil(count / 8) bytes, one bit per value, first value in
///   the most significant bit of the first byte, final byte zero-padded.
public enum BoolColumn {
    /// Appends the encoding of `v` to `out` and returns the codec used.
    /// Precondition: `v.count <= EncodingLimits.maxValueCount`.
    public static func encode(_ v: UnsafeBufferPointer<Bool>, into out: inout [UInt8]) -> ValueCodec {
        precondition(v.count <= EncodingLimits.maxValueCount, "BoolColumn: too many values")
        guard let first = v.first else { return .bitPacked }
        if !v.contains(!first) {
            out.append(first ? 1 : 0)
            return .constant
        }
        out.reserveCapacity(out.count &+ (v.count &+ 7) / 8)
        var i = 0
        let n = v.count
        while i < n {
            var byte: UInt8 = 0
            let end = Swift.min(i &+ 8, n)
            var bit: UInt8 = 0x80
            while i < end {
                if v[i] { byte |= bit }
                bit &>>= 1
                i &+= 1
            }
            out.append(byte)
        }
        return .bitPacked
    }

    /// Convenience for arrays.
    public static func encode(_ v: [Bool], into out: inout [UInt8]) -> ValueCodec {
        v.withUnsafeBufferPointer { encode($0, into: &out) }
    }

    /// Decodes exactly `count` values from all of `bytes`, appending them to
    /// `out`. Throws (leaving `out` unchanged) on malformed input.
    public static func decode(
        _ codec: ValueCodec, _ bytes: UnsafeRawBufferPointer, count: Int, into out: inout [Bool]
    ) throws {
        try EncodingLimits.checkCount(count)
        switch codec {
        case .constant:
            guard let b = bytes.first else { throw EncodingError.truncated }
            guard bytes.count == 1 else { throw EncodingError.corrupt("trailing bytes") }
            guard b <= 1 else { throw EncodingError.corrupt("bool constant not 0 or 1") }
            out.append(contentsOf: repeatElement(b == 1, count: count))
        case .bitPacked:
            let need = (count &+ 7) / 8
            guard bytes.count >= need else { throw EncodingError.truncated }
            guard bytes.count == need else { throw EncodingError.corrupt("trailing bytes") }
            let pad = need &* 8 &- count
            if pad > 0 {
                guard bytes[need &- 1] & UInt8(truncatingIfNeeded: (1 &<< UInt(pad)) &- 1) == 0 else {
                    throw EncodingError.corrupt("bool padding bits set")
                }
            }
            out.reserveCapacity(out.count &+ count)
            var i = 0
            for byte in bytes {
                var bit: UInt8 = 0x80
                while bit != 0 && i < count {
                    out.append(byte & bit != 0)
                    bit &>>= 1
                    i &+= 1
                }
            }
        default:
            throw EncodingError.unknownCodec(codec.rawValue)
        }
    }

    /// Convenience for arrays.
    public static func decode(_ codec: ValueCodec, _ bytes: [UInt8], count: Int, into out: inout [Bool]) throws {
        try bytes.withUnsafeBytes { try decode(codec, $0, count: count, into: &out) }
    }
}
