import TSSupport
/// MSB-first bit stream writer.
///
/// Bits are packed from the most significant bit of each byte downwards; a
/// value written with `write(bits:count:)` is stored most significant bit
/// first. `finish` pads the final partial byte with zero bits.
/// Where a bit-stream encoder writes: a `BitWriter`, or a `BitCounter` that only counts (to size
/// an encoding without producing it).
protocol BitSink {
    mutating func write(bits: UInt64, count: Int)
}

/// Counts the bits written.
struct BitCounter: BitSink {
    var bits = 0
    @inline(__always)
    mutating func write(bits: UInt64, count: Int) { self.bits &+= count }
}

extension BitWriter: BitSink {}

public struct BitWriter {
    @usableFromInline var buffer: [UInt8]
    /// Pending bits, right-aligned; only the low `accBits` bits are meaningful.
    @usableFromInline var acc: UInt64 = 0
    @usableFromInline var accBits: Int = 0

    public init() {
        buffer = []
    }

    /// Creates a writer with room reserved for `byteCapacity` bytes.
    public init(reservingCapacity byteCapacity: Int) {
        buffer = []
        buffer.reserveCapacity(byteCapacity)
    }

    /// Creates a writer that appends to the existing contents of `out`.
    /// `out` is left empty until `finish(into:)` hands the bytes back, which
    /// avoids copying the caller's buffer.
    public init(appendingTo out: inout [UInt8]) {
        buffer = []
        swap(&buffer, &out)
    }

    /// Bytes completely written so far (excluding pending bits).
    public var bytes: [UInt8] { buffer }

    /// Total number of bits written so far.
    public var bitCount: Int { buffer.count &* 8 &+ accBits }

    /// Writes the low `count` bits of `bits` (0 ≤ count ≤ 64), most
    /// significant first. Bits above `count` are ignored.
    @inlinable
    public mutating func write(bits: UInt64, count: Int) {
        precondition(count >= 0 && count <= 64, "BitWriter: bit count out of range")
        if count == 0 { return }
        let v = count == 64 ? bits : bits & ((1 &<< UInt64(count)) &- 1)
        let free = 64 &- accBits
        if count < free {
            acc = (acc &<< UInt64(count)) | v
            accBits &+= count
        } else {
            let rest = count &- free
            let word = free == 64 ? v : (acc &<< UInt64(free)) | (v &>> UInt64(rest))
            flushWord(word)
            acc = v
            accBits = rest
        }
    }

    /// Writes a single bit.
    @inlinable
    public mutating func writeBit(_ bit: Bool) {
        write(bits: bit ? 1 : 0, count: 1)
    }

    @inlinable
    mutating func flushWord(_ word: UInt64) {
        withUnsafeBytes(of: word.bigEndian) { buffer.append(contentsOf: $0) }
    }

    /// Pads with zero bits up to the next byte boundary and moves all pending
    /// bits into the byte buffer.
    public mutating func alignToByte() {
        if accBits == 0 { return }
        let word = acc &<< UInt64(64 &- accBits)
        let n = (accBits &+ 7) >> 3
        withUnsafeBytes(of: word.bigEndian) { buffer.append(contentsOf: $0.prefix(n)) }
        acc = 0
        accBits = 0
    }

    /// Pads to a byte boundary and appends everything written to `out`
    /// (moving the storage when `out` is empty). The writer is empty afterwards.
    public mutating func finish(into out: inout [UInt8]) {
        alignToByte()
        if out.isEmpty {
            swap(&buffer, &out)
        } else {
            out.append(contentsOf: buffer)
        }
        buffer = []
    }
}

/// MSB-first bit stream reader over a borrowed byte buffer; the counterpart
/// of `BitWriter`. Every read is bounds-checked and throws
/// `EncodingError.truncated` past the end of the buffer.
public struct BitReader {
    @usableFromInline let buf: UnsafeRawBufferPointer
    @usableFromInline var pos: Int
    @usableFromInline let totalBits: Int

    /// Starts reading at byte `byteOffset` of `buf` (clamped to the buffer).
    public init(_ buf: UnsafeRawBufferPointer, byteOffset: Int = 0) {
        self.buf = buf
        self.totalBits = buf.count &* 8
        self.pos = Swift.min(Swift.max(byteOffset, 0), buf.count) &* 8
    }

    /// Current position in bits from the start of the buffer.
    public var bitPosition: Int { pos }

    /// Bits left before the end of the buffer.
    public var bitsRemaining: Int { totalBits &- pos }

    /// Byte offset just past the last bit consumed (partial bytes count as consumed).
    public var byteOffset: Int { (pos &+ 7) >> 3 }

    /// Reads `count` bits (0 ≤ count ≤ 64) as an unsigned integer, most
    /// significant bit first.
    @inlinable
    public mutating func read(count: Int) throws -> UInt64 {
        guard count >= 0 && count <= 64 else { throw EncodingError.corrupt("bit count out of range") }
        guard count <= totalBits &- pos else { throw EncodingError.truncated }
        if count == 0 { return 0 }
        let byte = pos &>> 3
        if count <= 56 && byte &+ 8 <= buf.count {
            let w = UInt64(bigEndian: buf.loadUnaligned(fromByteOffset: byte, as: UInt64.self))
            let v = (w &<< UInt64(pos & 7)) &>> UInt64(64 &- count)
            pos &+= count
            return v
        }
        return readSlow(count: count)
    }

    /// Reads one bit.
    @inlinable
    public mutating func readBit() throws -> Bool {
        guard pos < totalBits else { throw EncodingError.truncated }
        let b = buf[pos &>> 3]
        let bit = (b &>> UInt8(7 &- (pos & 7))) & 1
        pos &+= 1
        return bit != 0
    }

    /// Byte-at-a-time path; the caller has checked `count` bits are available.
    @usableFromInline
    mutating func readSlow(count: Int) -> UInt64 {
        var result: UInt64 = 0
        var need = count
        while need > 0 {
            let off = pos & 7
            let avail = 8 &- off
            let take = need < avail ? need : avail
            let b = UInt64(buf[pos &>> 3])
            let bits = (b &>> UInt64(avail &- take)) & ((1 &<< UInt64(take)) &- 1)
            result = (result &<< UInt64(take)) | bits
            pos &+= take
            need &-= take
        }
        return result
    }

    /// True when fewer than 8 bits remain and all of them are zero, i.e. the
    /// reader sits on the zero padding at the end of a byte-aligned stream.
    public func atZeroPaddedEnd() -> Bool {
        let rest = totalBits &- pos
        if rest >= 8 { return false }
        if rest == 0 { return true }
        let b = buf[pos &>> 3]
        return b & UInt8(truncatingIfNeeded: (1 &<< UInt(rest)) &- 1) == 0
    }
}
