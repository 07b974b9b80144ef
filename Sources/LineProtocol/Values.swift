/// A field value as seen inside the `onPoint` callback. String values borrow parser memory and are
/// valid only during the callback (already unescaped, valid UTF-8).
public enum FieldValue {
    case float(Double)
    case int(Int64)
    case uint(UInt64)
    case bool(Bool)
    case string(UnsafeRawBufferPointer)
}

@usableFromInline
struct TagSlot {
    @usableFromInline var key: UnsafePointer<UInt8>
    @usableFromInline var keyCount: Int
    @usableFromInline var value: UnsafePointer<UInt8>
    @usableFromInline var valueCount: Int
}

@usableFromInline
enum FieldKind: UInt8 {
    case float, int, uint, bool, string
}

@usableFromInline
struct FieldSlot {
    @usableFromInline var key: UnsafePointer<UInt8>
    @usableFromInline var keyCount: Int
    @usableFromInline var kind: FieldKind
    /// int/uint bit pattern, bool as 0/1
    @usableFromInline var bits: UInt64
    @usableFromInline var double: Double
    @usableFromInline var string: UnsafePointer<UInt8>?
    @usableFromInline var stringCount: Int
}

/// One parsed line, borrowed from the parser: every buffer it exposes lives in the input chunk or in
/// the parser's scratch storage and is only valid inside the `onPoint` callback that received it.
/// Call `owned()` to keep a copy.
public struct Point {
    /// Unescaped measurement name.
    public let measurement: UnsafeRawBufferPointer
    @usableFromInline let tagSlots: UnsafePointer<TagSlot>
    /// Number of tags; tags are sorted by key (byte order) and keys are unique.
    public let tagCount: Int
    @usableFromInline let fieldSlots: UnsafePointer<FieldSlot>
    /// Number of fields, in the order of the line (duplicates are kept; the later one wins when stored).
    public let fieldCount: Int
    /// Timestamp in nanoseconds (already multiplied by the precision, or the default time).
    public let timestamp: Int64
    /// One-based line number where this entry starts.
    public let lineNumber: Int

    @usableFromInline
    init(measurement: UnsafeRawBufferPointer, tagSlots: UnsafePointer<TagSlot>, tagCount: Int,
         fieldSlots: UnsafePointer<FieldSlot>, fieldCount: Int, timestamp: Int64, lineNumber: Int) {
        self.measurement = measurement
        self.tagSlots = tagSlots
        self.tagCount = tagCount
        self.fieldSlots = fieldSlots
        self.fieldCount = fieldCount
        self.timestamp = timestamp
        self.lineNumber = lineNumber
    }

    @inlinable
    public func tagKey(_ i: Int) -> UnsafeRawBufferPointer {
        precondition(i >= 0 && i < tagCount, "tag index out of range")
        let s = tagSlots[i]
        return UnsafeRawBufferPointer(start: s.key, count: s.keyCount)
    }

    @inlinable
    public func tagValue(_ i: Int) -> UnsafeRawBufferPointer {
        precondition(i >= 0 && i < tagCount, "tag index out of range")
        let s = tagSlots[i]
        return UnsafeRawBufferPointer(start: s.value, count: s.valueCount)
    }

    @inlinable
    public func fieldKey(_ i: Int) -> UnsafeRawBufferPointer {
        precondition(i >= 0 && i < fieldCount, "field index out of range")
        let s = fieldSlots[i]
        return UnsafeRawBufferPointer(start: s.key, count: s.keyCount)
    }

    @inlinable
    public func fieldValue(_ i: Int) -> FieldValue {
        precondition(i >= 0 && i < fieldCount, "field index out of range")
        let s = fieldSlots[i]
        switch s.kind {
        case .float: return .float(s.double)
        case .int: return .int(Int64(bitPattern: s.bits))
        case .uint: return .uint(s.bits)
        case .bool: return .bool(s.bits != 0)
        case .string: return .string(UnsafeRawBufferPointer(start: s.string, count: s.stringCount))
        }
    }

    /// Copies the point out of parser memory.
    public func owned() -> OwnedPoint {
        var tags: [OwnedPoint.Tag] = []
        tags.reserveCapacity(tagCount)
        for i in 0..<tagCount {
            tags.append(.init(key: String(decoding: tagKey(i), as: UTF8.self),
                              value: String(decoding: tagValue(i), as: UTF8.self)))
        }
        var fields: [OwnedPoint.Field] = []
        fields.reserveCapacity(fieldCount)
        for i in 0..<fieldCount {
            let v: OwnedFieldValue
            switch fieldValue(i) {
            case .float(let d): v = .float(d)
            case .int(let x): v = .int(x)
            case .uint(let x): v = .uint(x)
            case .bool(let b): v = .bool(b)
            case .string(let s): v = .string(String(decoding: s, as: UTF8.self))
            }
            fields.append(.init(key: String(decoding: fieldKey(i), as: UTF8.self), value: v))
        }
        return OwnedPoint(measurement: String(decoding: measurement, as: UTF8.self),
                          tags: tags, fields: fields, timestamp: timestamp)
    }
}

@inline(__always)
func bytesEqual(_ a: String, _ b: String) -> Bool {
    a.utf8.elementsEqual(b.utf8)
}

/// Owned copy of a field value. Equality is exact: floats compare by bit pattern (so `-0.0 != 0.0`
/// and a NaN equals itself), strings compare byte by byte (no Unicode normalisation).
public enum OwnedFieldValue: Sendable, Equatable, CustomStringConvertible {
    case float(Double)
    case int(Int64)
    case uint(UInt64)
    case bool(Bool)
    case string(String)

    public static func == (a: OwnedFieldValue, b: OwnedFieldValue) -> Bool {
        switch (a, b) {
        case (.float(let x), .float(let y)): return x.bitPattern == y.bitPattern
        case (.int(let x), .int(let y)): return x == y
        case (.uint(let x), .uint(let y)): return x == y
        case (.bool(let x), .bool(let y)): return x == y
        case (.string(let x), .string(let y)): return bytesEqual(x, y)
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .float(let d): return "float(\(d))"
        case .int(let x): return "int(\(x))"
        case .uint(let x): return "uint(\(x))"
        case .bool(let b): return "bool(\(b))"
        case .string(let s): return "string(\(s.debugDescription))"
        }
    }
}

/// Owned copy of a parsed point, for tests and tools. Equality is exact (see `OwnedFieldValue`).
public struct OwnedPoint: Sendable, Equatable, CustomStringConvertible {
    public struct Tag: Sendable, Equatable {
        public var key: String
        public var value: String
        public init(key: String, value: String) { self.key = key; self.value = value }
        public static func == (a: Tag, b: Tag) -> Bool { bytesEqual(a.key, b.key) && bytesEqual(a.value, b.value) }
    }

    public struct Field: Sendable, Equatable {
        public var key: String
        public var value: OwnedFieldValue
        public init(key: String, value: OwnedFieldValue) { self.key = key; self.value = value }
        public static func == (a: Field, b: Field) -> Bool { bytesEqual(a.key, b.key) && a.value == b.value }
    }

    public var measurement: String
    public var tags: [Tag]
    public var fields: [Field]
    public var timestamp: Int64

    public init(measurement: String, tags: [Tag] = [], fields: [Field], timestamp: Int64) {
        self.measurement = measurement
        self.tags = tags
        self.fields = fields
        self.timestamp = timestamp
    }

    public static func == (a: OwnedPoint, b: OwnedPoint) -> Bool {
        bytesEqual(a.measurement, b.measurement) && a.tags == b.tags && a.fields == b.fields && a.timestamp == b.timestamp
    }

    public var description: String {
        let t = tags.map { "\($0.key.debugDescription)=\($0.value.debugDescription)" }.joined(separator: ",")
        let f = fields.map { "\($0.key.debugDescription)=\($0.value)" }.joined(separator: ",")
        return "\(measurement.debugDescription) [\(t)] [\(f)] @\(timestamp)"
    }
}
