import TSSupport
/// Frame-of-reference bit packing for Int64 sequences.
///
/// Values are cut into frames of `frameLength` (128) values; the last frame
/// holds the remainder. Each frame stores its own minimum, an optional
/// common divisor and a bit width, then every value as
/// `(v &- min) / divisor` in exactly `width` bits:
///
///     header  : 1 byte   bit 7 = divisor present, bits 0...6 = width (0...64)
///     min     : zigzag varint (signed minimum of the frame)
///     divisor : varint ≥ 2, only when bit 7 of the header is set
///     payload : ceil(n * width / 8) bytes, values MSB-first, zero-padded
///
/// Arithmetic wraps (`&-`, `&+`, `&*`) so every Int64 sequence round-trips,
/// including frames spanning Int64.min...Int64.max (width 64). Width 0 means
/// every value equals `min` and the payload is empty. The number of values
/// is not stored; the caller knows it.
public enum FORPacker {
    /// Values per frame.
    public static let frameLength = 128

    /// How one frame is laid out.
    @usableFromInline
    struct FrameParams {
        var min: Int64
        var width: Int
        var divisor: UInt64  // 1 = no divisor stored
        var byteSize: Int
    }

    /// Number of significant bits of `x` (0 for 0).
    @inlinable
    static func bitWidth(_ x: UInt64) -> Int { 64 &- x.leadingZeroBitCount }

    /// Binary GCD.
    @usableFromInline
    static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        if a == 0 { return b }
        if b == 0 { return a }
        let shift = (a | b).trailingZeroBitCount
        var x = a &>> UInt64(a.trailingZeroBitCount)
        var y = b
        repeat {
            y &>>= UInt64(y.trailingZeroBitCount)
            if x > y { swap(&x, &y) }
            y &-= x
        } while y != 0
        return x &<< UInt64(shift)
    }

    @usableFromInline
    static func params(_ p: UnsafePointer<Int64>, _ n: Int) -> FrameParams {
        var lo = p[0]
        var hi = p[0]
        for i in 1..<n {
            let x = p[i]
            lo = x < lo ? x : lo
            hi = x > hi ? x : hi
        }
        let range = UInt64(bitPattern: hi &- lo)
        let width = bitWidth(range)
        let headerSize = 1 &+ Varint.length(Varint.zigzag(lo))
        let plainBytes = (n &* width &+ 7) >> 3
        var result = FrameParams(min: lo, width: width, divisor: 1, byteSize: headerSize &+ plainBytes)
        // A common divisor can only pay off when it removes at least one bit.
        if width >= 2 {
            var g: UInt64 = 0
            for i in 0..<n {
                g = gcd(g, UInt64(bitPattern: p[i] &- lo))
                if g == 1 { break }
            }
            if g >= 2 {
                let w2 = bitWidth(range / g)
                let scaledBytes = Varint.length(g) &+ ((n &* w2 &+ 7) >> 3)
                if scaledBytes < plainBytes {
                    result.width = w2
                    result.divisor = g
                    result.byteSize = headerSize &+ scaledBytes
                }
            }
        }
        return result
    }

    /// Exact number of bytes `encode` appends for `v`.
    public static func encodedSize(_ v: UnsafeBufferPointer<Int64>) -> Int {
        guard let base = v.baseAddress else { return 0 }
        var total = 0
        var i = 0
        while i < v.count {
            let n = Swift.min(frameLength, v.count &- i)
            total &+= params(base + i, n).byteSize
            i &+= n
        }
        return total
    }

    /// Appends the frames for `v` to `out`.
    public static func encode(_ v: UnsafeBufferPointer<Int64>, into out: inout [UInt8]) {
        guard let base = v.baseAddress else { return }
        var i = 0
        while i < v.count {
            let n = Swift.min(frameLength, v.count &- i)
            let p = base + i
            let fp = params(p, n)
            out.append(UInt8(fp.width) | (fp.divisor > 1 ? 0x80 : 0))
            Varint.put(Varint.zigzag(fp.min), into: &out)
            if fp.divisor > 1 { Varint.put(fp.divisor, into: &out) }
            if fp.width > 0 {
                var w = BitWriter(appendingTo: &out)
                let lo = fp.min
                let width = fp.width
                if fp.divisor > 1 {
                    let g = fp.divisor
                    for j in 0..<n { w.write(bits: UInt64(bitPattern: p[j] &- lo) / g, count: width) }
                } else {
                    for j in 0..<n { w.write(bits: UInt64(bitPattern: p[j] &- lo), count: width) }
                }
                w.finish(into: &out)
            }
            i &+= n
        }
    }

    /// Reads the frames for exactly `count` values starting at `at`,
    /// appending them to `out` and advancing `at` past the last frame.
    ///
    /// Throws on truncation, widths above 64, divisors below 2 and non-zero
    /// padding bits. Bytes after the last frame are left to the caller.
    public static func decode(
        _ buf: UnsafeRawBufferPointer, at: inout Int, count: Int, into out: inout [Int64]
    ) throws {
        guard count >= 0 else { throw EncodingError.corrupt("negative count") }
        guard at >= 0 && at <= buf.count else { throw EncodingError.corrupt("offset out of range") }
        if count == 0 { return }
        // Every frame takes at least 2 bytes (header, minimum): refuse a count the bytes cannot hold
        // before reserving room for it.
        guard (count &- 1) / frameLength < (buf.count &- at) / 2 else { throw EncodingError.truncated }
        out.reserveCapacity(out.count &+ count)
        var pos = at
        var remaining = count
        let bufCount = buf.count
        while remaining > 0 {
            let n = Swift.min(frameLength, remaining)
            guard pos < bufCount else { throw EncodingError.truncated }
            let header = buf[pos]
            pos &+= 1
            let width = Int(header & 0x7F)
            guard width <= 64 else { throw EncodingError.corrupt("FOR width above 64") }
            let lo = try Varint.getSigned(buf, at: &pos)
            var g: UInt64 = 1
            if header & 0x80 != 0 {
                g = try Varint.get(buf, at: &pos)
                guard g >= 2 else { throw EncodingError.corrupt("FOR divisor below 2") }
            }
            let nbits = n &* width
            let nbytes = (nbits &+ 7) >> 3
            guard nbytes <= bufCount &- pos else { throw EncodingError.truncated }
            if width == 0 {
                for _ in 0..<n { out.append(lo) }
            } else {
                let padBits = (nbytes &<< 3) &- nbits
                if padBits > 0 {
                    let last = buf[pos &+ nbytes &- 1]
                    guard last & UInt8(truncatingIfNeeded: (1 &<< UInt(padBits)) &- 1) == 0 else {
                        throw EncodingError.corrupt("FOR padding bits set")
                    }
                }
                unpack(buf, bitStart: pos &<< 3, width: width, n: n, min: lo, divisor: g, into: &out)
            }
            pos &+= nbytes
            remaining &-= n
        }
        at = pos
    }

    /// Unpacks `n` values of `width` bits (1...64) starting at bit
    /// `bitStart`. The caller guarantees the bits lie inside `buf`.
    @usableFromInline
    static func unpack(
        _ buf: UnsafeRawBufferPointer, bitStart: Int, width: Int, n: Int, min lo: Int64, divisor g: UInt64,
        into out: inout [Int64]
    ) {
        let base = buf.baseAddress!
        let bufCount = buf.count
        let shiftDown = UInt64(64 &- width)
        var bit = bitStart
        var j = 0
        if width <= 56 {
            // Fast path: one unaligned 8-byte load per value while 8 bytes remain.
            while j < n {
                let byte = bit &>> 3
                if byte &+ 8 > bufCount { break }
                let word = UInt64(bigEndian: base.loadUnaligned(fromByteOffset: byte, as: UInt64.self))
                let x = (word &<< UInt64(bit & 7)) &>> shiftDown
                out.append(lo &+ Int64(bitPattern: x &* g))
                bit &+= width
                j &+= 1
            }
        }
        while j < n {
            // Slow path: byte by byte.
            var x: UInt64 = 0
            var need = width
            var b = bit
            while need > 0 {
                let off = b & 7
                let avail = 8 &- off
                let take = need < avail ? need : avail
                let byte = UInt64(base.load(fromByteOffset: b &>> 3, as: UInt8.self))
                x = (x &<< UInt64(take)) | ((byte &>> UInt64(avail &- take)) & ((1 &<< UInt64(take)) &- 1))
                b &+= take
                need &-= take
            }
            out.append(lo &+ Int64(bitPattern: x &* g))
            bit &+= width
            j &+= 1
        }
    }
}
