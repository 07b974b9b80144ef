import TSSupport
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

    /// A key from tags already sorted by key with unique keys (the catalog's stored keys).
    init(sortedTags tags: [Tag], measurement: String, field: String) {
        self.measurement = measurement
        self.tags = tags
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
        SeriesKeyCoder.appendPrefix(measurement: measurement, tags: tags, to: &out)
        SeriesKeyCoder.appendComponent(field.utf8, to: &out)
        return out
    }

    /// Decodes a canonical encoding; nil when the bytes are not one.
    public init?(canonical bytes: UnsafeRawBufferPointer) {
        var r = ByteReader(bytes)
        guard let m = try? r.uvarintString(), let n = try? r.uvarint(atMost: UInt64(bytes.count), "tag count") else { return nil }
        var tags: [Tag] = []
        tags.reserveCapacity(n)
        for _ in 0..<n {
            guard let k = try? r.uvarintString(), let v = try? r.uvarintString() else { return nil }
            tags.append(Tag(k, v))
        }
        guard let f = try? r.uvarintString(), r.isAtEnd else { return nil }
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

/// Pieces of the canonical series-key encoding, for code that builds keys from parsed bytes
/// (protocol ingesters) or reads one part of a key without decoding the rest (the index).
public enum SeriesKeyCoder {
    /// Appends one component (measurement, tag key or value, field): its length, then its bytes.
    @inlinable
    public static func appendComponent<C: Collection>(_ bytes: C, to out: inout [UInt8]) where C.Element == UInt8 {
        ByteWriter.append(to: &out) { $0.uvarintBytes(bytes) }
    }

    @inlinable
    public static func appendComponent(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        ByteWriter.append(to: &out) { $0.uvarintBytes(bytes) }
    }

    /// Appends a key's prefix: measurement, tag count, then each tag (`tags` sorted by key).
    /// A canonical key is its prefix followed by the field component.
    public static func appendPrefix(measurement: String, tags: [Tag], to out: inout [UInt8]) {
        ByteWriter.append(to: &out) { w in
            w.uvarintBytes(measurement.utf8)
            w.uvarint(UInt64(tags.count))
            for t in tags {
                w.uvarintBytes(t.key.utf8)
                w.uvarintBytes(t.value.utf8)
            }
        }
    }

    /// Appends the tag count that follows the measurement.
    @inlinable
    public static func appendTagCount(_ n: Int, to out: inout [UInt8]) {
        ByteWriter.append(to: &out) { $0.uvarint(UInt64(n)) }
    }

    /// The measurement bytes of a canonical key, without decoding the rest (index hot path).
    public static func measurement(of b: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        var r = ByteReader(b)
        return try? r.uvarintBytes()
    }
}
