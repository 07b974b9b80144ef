import TSSupport
/// Byte-string value columns (UTF-8 text or opaque bytes).
///
/// - `constant` (all values equal, at least one value): varint length, bytes.
/// - `lengthPrefixed`: for each value, varint length followed by its bytes.
public enum StringColumn {
    /// Appends the encoding of `v` to `out` and returns the codec used.
    /// Precondition: `v.count <= EncodingLimits.maxValueCount`.
    public static func encode<C: Collection>(_ v: C, into out: inout [UInt8]) -> ValueCodec
    where C.Element: Collection, C.Element.Element == UInt8 {
        precondition(v.count <= EncodingLimits.maxValueCount, "StringColumn: too many values")
        guard let first = v.first else { return .lengthPrefixed }
        if v.allSatisfy({ $0.elementsEqual(first) }) {
            Varint.put(UInt64(first.count), into: &out)
            out.append(contentsOf: first)
            return .constant
        }
        for s in v {
            Varint.put(UInt64(s.count), into: &out)
            out.append(contentsOf: s)
        }
        return .lengthPrefixed
    }

    /// Decodes exactly `count` values from all of `bytes`, appending them to
    /// `out`. Throws (leaving `out` unchanged) on malformed input, including
    /// a declared length larger than the bytes that remain.
    public static func decode(
        _ codec: ValueCodec, _ bytes: UnsafeRawBufferPointer, count: Int, into out: inout [[UInt8]]
    ) throws {
        try appendingAtomically(&out) { out in
            if codec == .constant {
                // One shared copy-on-write array for every value: a corrupt
                // count cannot multiply the memory used by the string bytes.
                try EncodingLimits.checkCount(count)
                var at = 0
                let s = try slice(bytes, at: &at)
                guard at == bytes.count else { throw EncodingError.corrupt("trailing bytes") }
                out.append(contentsOf: repeatElement(Array(s), count: count))
            } else {
                out.reserveCapacity(out.count &+ Swift.min(count, bytes.count &+ 1))
                try visit(codec, bytes, count: count) { out.append(Array($0)) }
            }
        }
    }

    /// Convenience for arrays.
    public static func decode(_ codec: ValueCodec, _ bytes: [UInt8], count: Int, into out: inout [[UInt8]]) throws {
        try bytes.withUnsafeBytes { try decode(codec, $0, count: count, into: &out) }
    }

    /// Calls `body` with each of the `count` values in order, without copying
    /// them. The buffers point into `bytes`. Validation happens as values are
    /// visited, so `body` may run for some values before an error is thrown.
    public static func visit(
        _ codec: ValueCodec, _ bytes: UnsafeRawBufferPointer, count: Int,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        try EncodingLimits.checkCount(count)
        var at = 0
        switch codec {
        case .constant:
            let s = try slice(bytes, at: &at)
            guard at == bytes.count else { throw EncodingError.corrupt("trailing bytes") }
            for _ in 0..<count { try body(s) }
        case .lengthPrefixed:
            for _ in 0..<count { try body(try slice(bytes, at: &at)) }
            guard at == bytes.count else { throw EncodingError.corrupt("trailing bytes") }
        default:
            throw EncodingError.unknownCodec(codec.rawValue)
        }
    }

    @inline(__always)
    static func slice(_ b: UnsafeRawBufferPointer, at: inout Int) throws -> UnsafeRawBufferPointer {
        let len = try Varint.get(b, at: &at)
        guard len <= UInt64(b.count &- at) else { throw EncodingError.truncated }
        let s = UnsafeRawBufferPointer(rebasing: b[at ..< at &+ Int(len)])
        at &+= Int(len)
        return s
    }
}
