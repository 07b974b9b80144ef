/// Errors thrown by every decoder in this module.
///
/// Decoders never trap on malformed input: any byte sequence that does not
/// describe exactly the requested values produces one of these errors.
public enum EncodingError: Error, Equatable, Sendable {
    /// The input ended before the declared content was complete.
    case truncated
    /// The input is structurally invalid (bad field value, trailing bytes,
    /// size mismatch, ...). The string is a short, static description.
    case corrupt(String)
    /// A codec id byte is not known, or not valid for the column type.
    case unknownCodec(UInt8)
}

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
