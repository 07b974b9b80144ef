import TSEncoding

/// A tag: key and value, both non-empty UTF-8 strings.
public struct Tag: Sendable, Hashable, Comparable {
    public var key: String
    public var value: String
    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
    public static func < (a: Tag, b: Tag) -> Bool {
        a.key.utf8.lexicographicallyPrecedes(b.key.utf8)
    }
}

/// The identity of a series: measurement + sorted tag set + field key.
///
/// Its canonical byte form (see `canonicalBytes`) is what the engine interns and stores in WAL
/// records and segment series tables: each component as a varint length and its UTF-8 bytes,
/// in the order measurement, tag count, (key, value) per tag sorted by key bytes, field.
/// The form is unambiguous whatever bytes the names contain, so no escaping is needed.
public struct SeriesKey: Sendable, Hashable, CustomStringConvertible {
    public var measurement: String
    /// Sorted by key (byte order); keys unique.
    public var tags: [Tag]
    public var field: String

    /// Builds a key; tags are sorted here so callers need not.
    public init(measurement: String, tags: [Tag] = [], field: String) {
        self.measurement = measurement
        self.tags = tags.sorted()
        self.field = field
    }

    public init(_ measurement: String, _ tags: [String: String] = [:], field: String) {
        self.init(measurement: measurement, tags: tags.map { Tag($0.key, $0.value) }, field: field)
    }

    public func tagValue(_ key: String) -> String? {
        tags.first(where: { $0.key == key })?.value
    }

    /// The canonical encoding (see the type's documentation).
    public var canonicalBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(measurement.utf8.count + field.utf8.count + tags.count * 16 + 8)
        SeriesKeyCoder.appendComponent(measurement.utf8, to: &out)
        SeriesKeyCoder.appendVarint(UInt64(tags.count), to: &out)
        for t in tags {
            SeriesKeyCoder.appendComponent(t.key.utf8, to: &out)
            SeriesKeyCoder.appendComponent(t.value.utf8, to: &out)
        }
        SeriesKeyCoder.appendComponent(field.utf8, to: &out)
        return out
    }

    /// Decodes a canonical encoding; nil when the bytes are not one.
    public init?(canonical bytes: UnsafeRawBufferPointer) {
        var pos = 0
        guard let m = SeriesKeyCoder.readComponent(bytes, &pos),
              let n = SeriesKeyCoder.readVarint(bytes, &pos), n <= UInt64(bytes.count) else { return nil }
        var tags: [Tag] = []
        tags.reserveCapacity(Int(n))
        for _ in 0..<Int(n) {
            guard let k = SeriesKeyCoder.readComponent(bytes, &pos),
                  let v = SeriesKeyCoder.readComponent(bytes, &pos) else { return nil }
            tags.append(Tag(k, v))
        }
        guard let f = SeriesKeyCoder.readComponent(bytes, &pos), pos == bytes.count else { return nil }
        self.measurement = m
        self.tags = tags
        self.field = f
    }

    public init?(canonical bytes: [UInt8]) {
        guard let k = bytes.withUnsafeBytes({ SeriesKey(canonical: $0) }) else { return nil }
        self = k
    }

    /// Line-protocol-like display: `cpu,host=a#usage`.
    public var description: String {
        var s = measurement
        for t in tags { s += ",\(t.key)=\(t.value)" }
        return s + "#" + field
    }
}

/// Helpers for the canonical series-key encoding.
public enum SeriesKeyCoder {
    @inlinable
    public static func appendVarint(_ v: UInt64, to out: inout [UInt8]) {
        Varint.put(v, into: &out)
    }

    @inlinable
    public static func appendComponent<C: Collection>(_ bytes: C, to out: inout [UInt8]) where C.Element == UInt8 {
        appendVarint(UInt64(bytes.count), to: &out)
        out.append(contentsOf: bytes)
    }

    @inlinable
    public static func appendComponent(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        appendVarint(UInt64(bytes.count), to: &out)
        appendBytes(bytes, to: &out)
    }

    /// Appends raw bytes with one copy (typed, contiguous: `append(contentsOf:)` takes its
    /// memcpy path; a raw buffer would be appended element by element).
    @inlinable
    public static func appendBytes(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        out.append(contentsOf: UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: bytes.count))
    }

    static func readVarint(_ b: UnsafeRawBufferPointer, _ pos: inout Int) -> UInt64? {
        try? Varint.get(b, at: &pos)
    }

    static func readComponent(_ b: UnsafeRawBufferPointer, _ pos: inout Int) -> String? {
        guard let n = readVarint(b, &pos), n <= UInt64(b.count - pos) else { return nil }
        let s = String(decoding: UnsafeRawBufferPointer(rebasing: b[pos..<pos + Int(n)]), as: UTF8.self)
        pos += Int(n)
        return s
    }

    /// Splits a canonical key into its measurement bytes without decoding the rest (index hot path).
    public static func measurement(of b: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        var pos = 0
        guard let n = readVarint(b, &pos), n <= UInt64(b.count - pos) else { return nil }
        return UnsafeRawBufferPointer(rebasing: b[pos..<pos + Int(n)])
    }
}
