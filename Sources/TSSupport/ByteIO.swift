// ByteWriter and ByteReader: the one encoder and decoder of integers and byte strings that every
// binary format here is built from (WAL records, segment series tables and footers, series
// keys, tombstones, rollup markers, collectd packets). Prometheus's tsdb has the same pair in
// `encoding.Encbuf` / `encoding.Decbuf`.
//
// Conventions: `le`/`be` are fixed-width little/big-endian integers; `uvarint` is unsigned
// LEB128 (`Varint`), `varint` its zigzag-signed form; `uvarintBytes` is a byte string preceded by
// its length as a uvarint.

/// Appends encoded values to a byte array.
///
/// To append into an array the caller already owns without copying it, use
/// `ByteWriter.append(to:_:)`, which lends the array to a writer and takes it back.
public struct ByteWriter {
    public var bytes: [UInt8]

    public init(capacity: Int = 0) {
        bytes = []
        if capacity > 0 { bytes.reserveCapacity(capacity) }
    }

    /// Continues writing after `bytes`.
    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// Runs `body` with a writer that appends to `out` in place (the array is moved into the
    /// writer and back, so it stays uniquely referenced and is never copied).
    @inlinable
    public static func append<R>(to out: inout [UInt8], _ body: (inout ByteWriter) throws -> R) rethrows -> R {
        var w = ByteWriter(bytes: [])
        swap(&w.bytes, &out)
        defer { swap(&w.bytes, &out) }
        return try body(&w)
    }

    public var count: Int { bytes.count }

    public mutating func removeAll(keepingCapacity: Bool = true) {
        bytes.removeAll(keepingCapacity: keepingCapacity)
    }

    @inlinable
    public mutating func u8(_ v: UInt8) { bytes.append(v) }

    /// A fixed-width integer, little-endian.
    @inlinable
    public mutating func le<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { raw($0) }
    }

    /// A fixed-width integer, big-endian (network order).
    @inlinable
    public mutating func be<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.bigEndian) { raw($0) }
    }

    /// An unsigned LEB128 varint (byte appends: cheaper than a copy for the usual one or two bytes).
    @inlinable
    public mutating func uvarint(_ v: UInt64) {
        Varint.put(v, into: &bytes)
    }

    /// A zigzag-mapped signed varint.
    @inlinable
    public mutating func varint(_ v: Int64) { uvarint(Varint.zigzag(v)) }

    /// Raw bytes with one copy (typed and contiguous, so `append(contentsOf:)` takes its memcpy
    /// path; a raw buffer would be appended element by element).
    @inlinable
    public mutating func raw(_ b: UnsafeRawBufferPointer) {
        guard let base = b.baseAddress, b.count > 0 else { return }
        bytes.append(contentsOf: UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: b.count))
    }

    @inlinable
    public mutating func raw<C: Collection>(_ b: C) where C.Element == UInt8 {
        bytes.append(contentsOf: b)
    }

    /// A byte string preceded by its length (uvarint).
    @inlinable
    public mutating func uvarintBytes(_ b: UnsafeRawBufferPointer) {
        uvarint(UInt64(b.count))
        raw(b)
    }

    @inlinable
    public mutating func uvarintBytes<C: Collection>(_ b: C) where C.Element == UInt8 {
        uvarint(UInt64(b.count))
        bytes.append(contentsOf: b)
    }
}

/// Reads encoded values from a byte buffer, front to back; every read is bounds-checked and a
/// short or malformed input throws `EncodingError` (never traps).
public struct ByteReader {
    public let buffer: UnsafeRawBufferPointer
    /// The next byte to read.
    public var offset: Int

    public init(_ buffer: UnsafeRawBufferPointer, offset: Int = 0) {
        self.buffer = buffer
        self.offset = offset
    }

    public var remaining: Int { max(0, buffer.count - offset) }
    public var isAtEnd: Bool { offset >= buffer.count }

    @inlinable
    public mutating func u8() throws -> UInt8 {
        guard offset >= 0, offset < buffer.count else { throw EncodingError.truncated }
        defer { offset += 1 }
        return buffer[offset]
    }

    /// A fixed-width little-endian integer.
    @inlinable
    public mutating func le<T: FixedWidthInteger>(_: T.Type = T.self) throws -> T {
        let v = try Self.le(T.self, buffer, at: offset)
        offset += MemoryLayout<T>.size
        return v
    }

    /// A fixed-width big-endian integer.
    @inlinable
    public mutating func be<T: FixedWidthInteger>(_: T.Type = T.self) throws -> T {
        let v = try Self.be(T.self, buffer, at: offset)
        offset += MemoryLayout<T>.size
        return v
    }

    @inlinable
    public mutating func uvarint() throws -> UInt64 { try Varint.get(buffer, at: &offset) }

    @inlinable
    public mutating func varint() throws -> Int64 { Varint.unzigzag(try uvarint()) }

    /// A uvarint that must not exceed `limit` (counts and lengths read from untrusted input).
    @inlinable
    public mutating func uvarint(atMost limit: UInt64, _ what: @autoclosure () -> String) throws -> Int {
        let v = try uvarint()
        guard v <= limit else { throw EncodingError.corrupt(what()) }
        return Int(v)
    }

    /// The next `n` bytes (a view into the buffer).
    @inlinable
    public mutating func bytes(_ n: Int) throws -> UnsafeRawBufferPointer {
        guard n >= 0, n <= remaining else { throw EncodingError.truncated }
        defer { offset += n }
        return UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + n)])
    }

    /// A byte string preceded by its length (uvarint).
    @inlinable
    public mutating func uvarintBytes() throws -> UnsafeRawBufferPointer {
        let n = try uvarint()
        guard n <= UInt64(remaining) else { throw EncodingError.truncated }
        return try bytes(Int(n))
    }

    /// A UTF-8 string preceded by its length (uvarint).
    public mutating func uvarintString() throws -> String {
        String(decoding: try uvarintBytes(), as: UTF8.self)
    }

    /// Everything not read yet.
    public mutating func rest() -> UnsafeRawBufferPointer {
        defer { offset = buffer.count }
        return UnsafeRawBufferPointer(rebasing: buffer[min(offset, buffer.count)...])
    }

    public mutating func skip(_ n: Int) throws { _ = try bytes(n) }

    /// A little-endian integer at an absolute offset of `b`, without a reader (footers, frames).
    @inlinable @inline(__always)
    public static func le<T: FixedWidthInteger>(_: T.Type, _ b: UnsafeRawBufferPointer, at o: Int) throws -> T {
        guard o >= 0, o <= b.count - MemoryLayout<T>.size else { throw EncodingError.truncated }
        return T(littleEndian: b.loadUnaligned(fromByteOffset: o, as: T.self))
    }

    /// A big-endian integer at an absolute offset of `b`.
    @inlinable @inline(__always)
    public static func be<T: FixedWidthInteger>(_: T.Type, _ b: UnsafeRawBufferPointer, at o: Int) throws -> T {
        guard o >= 0, o <= b.count - MemoryLayout<T>.size else { throw EncodingError.truncated }
        return T(bigEndian: b.loadUnaligned(fromByteOffset: o, as: T.self))
    }
}
