import TSSupport

/// Limits shared by all column codecs.
public enum EncodingLimits {
    /// Largest `count` any column decoder accepts. Decoders throw
    /// `EncodingError.corrupt` for larger (or negative) counts, so that a
    /// corrupt block header can never make a decoder allocate unbounded
    /// memory. Encoders require their input to be at most this long.
    public static let maxValueCount = 1 << 24

    @usableFromInline
    static func checkCount(_ count: Int) throws {
        if count < 0 || count > maxValueCount {
            throw EncodingError.corrupt("value count out of range")
        }
    }
}

/// Runs a decoder that appends to `out`; if it throws, `out` is put back to its length before
/// the call, so a caller never sees a half-decoded column.
@inline(__always)
func appendingAtomically<T>(_ out: inout [T], _ body: (inout [T]) throws -> Void) throws {
    let start = out.count
    do {
        try body(&out)
    } catch {
        out.removeSubrange(start...)
        throw error
    }
}

/// Appends `count` little-endian 64-bit words that exactly fill `b` (the `raw` codec of
/// integer and float columns), each through `transform`.
@inline(__always)
func appendRawWords<T>(_ b: UnsafeRawBufferPointer, count: Int, into out: inout [T], _ transform: (UInt64) -> T) throws {
    guard b.count / 8 == count && b.count % 8 == 0 else {
        throw b.count < count &* 8 ? EncodingError.truncated : EncodingError.corrupt("raw size mismatch")
    }
    out.reserveCapacity(out.count &+ count)
    for i in 0..<count {
        out.append(transform(UInt64(littleEndian: b.loadUnaligned(fromByteOffset: i &* 8, as: UInt64.self))))
    }
}
