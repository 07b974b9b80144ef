/// Unsigned LEB128 variable-length integers and zigzag mapping.
///
/// A varint stores 7 bits per byte, least significant group first; the high
/// bit of each byte is set when another byte follows. A UInt64 needs at most
/// 10 bytes. Zigzag maps signed integers to unsigned ones so that values of
/// small magnitude get small codes: 0→0, -1→1, 1→2, -2→3, ...
public enum Varint {
    /// Largest encoded size of a UInt64.
    public static let maxLength = 10

    /// Appends `v` as an unsigned LEB128 varint.
    @inlinable
    public static func put(_ v: UInt64, into out: inout [UInt8]) {
        var x = v
        while x >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: x) | 0x80)
            x &>>= 7
        }
        out.append(UInt8(truncatingIfNeeded: x))
    }

    /// Writes `v` at `p` (room for `maxLength` bytes); returns the number of bytes written.
    @inlinable
    public static func encode(_ v: UInt64, into p: UnsafeMutableRawPointer) -> Int {
        var x = v
        var n = 0
        while x >= 0x80 {
            p.storeBytes(of: UInt8(truncatingIfNeeded: x) | 0x80, toByteOffset: n, as: UInt8.self)
            x &>>= 7
            n &+= 1
        }
        p.storeBytes(of: UInt8(truncatingIfNeeded: x), toByteOffset: n, as: UInt8.self)
        return n &+ 1
    }

    /// Number of bytes `put` writes for `v`.
    @inlinable
    public static func length(_ v: UInt64) -> Int {
        // 1 + floor((bits-1)/7), with bits = max(1, significant bits)
        let bits = 64 - (v | 1).leadingZeroBitCount
        return (bits + 6) / 7
    }

    /// Reads a varint starting at `at`, advancing `at` past it.
    ///
    /// Throws `.truncated` if the buffer ends inside the varint and `.corrupt`
    /// if the varint is longer than 10 bytes or does not fit in 64 bits.
    @inlinable
    public static func get(_ buf: UnsafeRawBufferPointer, at: inout Int) throws -> UInt64 {
        var i = at
        let n = buf.count
        guard i >= 0 else { throw EncodingError.corrupt("negative offset") }
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard i < n else { throw EncodingError.truncated }
            let b = buf[i]
            i &+= 1
            if shift == 63 {
                // Tenth byte: only the lowest bit may be set, no continuation.
                guard b <= 1 else { throw EncodingError.corrupt("varint overflow") }
                result |= UInt64(b) &<< 63
                break
            }
            result |= UInt64(b & 0x7F) &<< shift
            if b < 0x80 { break }
            shift &+= 7
        }
        at = i
        return result
    }

    /// Maps a signed integer onto an unsigned one (0, -1, 1, -2, ... → 0, 1, 2, 3, ...).
    @inlinable
    public static func zigzag(_ v: Int64) -> UInt64 {
        UInt64(bitPattern: (v &<< 1) ^ (v &>> 63))
    }

    /// Inverse of `zigzag`.
    @inlinable
    public static func unzigzag(_ v: UInt64) -> Int64 {
        Int64(bitPattern: (v &>> 1) ^ (0 &- (v & 1)))
    }

    /// Appends `zigzag(v)` as a varint.
    @inlinable
    public static func putSigned(_ v: Int64, into out: inout [UInt8]) {
        put(zigzag(v), into: &out)
    }

    /// Reads a zigzag varint.
    @inlinable
    public static func getSigned(_ buf: UnsafeRawBufferPointer, at: inout Int) throws -> Int64 {
        unzigzag(try get(buf, at: &at))
    }
}
