/// Appends points to a byte buffer in line protocol, escaping as the parser expects, so that
/// writing and parsing back gives the same point (floats are written with the shortest text that
/// reads back to the same bits).
public struct LineProtocolWriter {
    /// A point that line protocol cannot express.
    public struct WriteError: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public var bytes: [UInt8]

    public init(reservingCapacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(reservingCapacity)
    }

    /// Appends one line (with a trailing `\n`). Tags are written sorted by key. With `timestamp`
    /// false, the timestamp is left out and the reader's default time applies.
    /// On error nothing is appended.
    public mutating func append(_ point: OwnedPoint, timestamp: Bool = true) throws {
        try Self.validate(point)
        appendMeasurement(point.measurement)
        let sorted = point.tags.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        for t in sorted {
            bytes.append(0x2C)
            appendKey(t.key)
            bytes.append(0x3D)
            appendKey(t.value)
        }
        bytes.append(0x20)
        for (n, f) in point.fields.enumerated() {
            if n > 0 { bytes.append(0x2C) }
            appendKey(f.key)
            bytes.append(0x3D)
            appendValue(f.value)
        }
        if timestamp {
            bytes.append(0x20)
            appendInteger(point.timestamp)
        }
        bytes.append(0x0A)
    }

    /// Encodes one point as a line (with its trailing newline).
    public static func line(for point: OwnedPoint, timestamp: Bool = true) throws -> [UInt8] {
        var w = LineProtocolWriter()
        try w.append(point, timestamp: timestamp)
        return w.bytes
    }

    // MARK: validation

    static func validate(_ p: OwnedPoint) throws {
        let m = Array(p.measurement.utf8)
        if m.isEmpty { throw WriteError(message: "empty measurement") }
        if m[0] == 0x23 { throw WriteError(message: "measurement starting with '#' would read as a comment") }
        try checkToken(m, what: "measurement", allowControl: false)
        if p.fields.isEmpty { throw WriteError(message: "a point needs at least one field") }
        var seen = Set<[UInt8]>()
        for t in p.tags {
            let k = Array(t.key.utf8), v = Array(t.value.utf8)
            if !seen.insert(k).inserted { throw WriteError(message: "duplicate tag key \(t.key.debugDescription)") }
            if k.isEmpty { throw WriteError(message: "empty tag key") }
            if v.isEmpty { throw WriteError(message: "empty value for tag key \(t.key.debugDescription)") }
            try checkToken(k, what: "tag key", allowControl: false)
            try checkToken(v, what: "tag value", allowControl: true)
        }
        for f in p.fields {
            let k = Array(f.key.utf8)
            if k.isEmpty { throw WriteError(message: "empty field key") }
            try checkToken(k, what: "field key", allowControl: false)
            if case .float(let d) = f.value, !d.isFinite {
                throw WriteError(message: "non-finite float for field \(f.key.debugDescription)")
            }
        }
    }

    /// Keys, tag values and measurements have no escape for the backslash itself, so a trailing
    /// backslash would swallow the separator after it. Line breaks cannot be escaped at all, and
    /// keys may not hold control bytes.
    static func checkToken(_ t: [UInt8], what: String, allowControl: Bool) throws {
        if t.last == 0x5C { throw WriteError(message: "\(what) ending in a backslash cannot be written") }
        for c in t {
            if c == 0x0A || c == 0x0D { throw WriteError(message: "\(what) containing a line break cannot be written") }
            if !allowControl && (c < 0x20 || c == 0x7F) {
                throw WriteError(message: "\(what) containing a control byte cannot be written")
            }
        }
    }

    // MARK: encoding

    mutating func appendMeasurement(_ s: String) {
        for c in s.utf8 {
            if c == 0x2C || c == 0x20 { bytes.append(0x5C) }
            bytes.append(c)
        }
    }

    mutating func appendKey(_ s: String) {
        for c in s.utf8 {
            if c == 0x2C || c == 0x20 || c == 0x3D { bytes.append(0x5C) }
            bytes.append(c)
        }
    }

    mutating func appendValue(_ v: OwnedFieldValue) {
        switch v {
        case .float(let d):
            // Swift prints the shortest digits that read back to the same Double ("1.0", "1e-05", "-0.0").
            bytes.append(contentsOf: d.description.utf8)
        case .int(let x):
            appendInteger(x)
            bytes.append(0x69)
        case .uint(let x):
            appendUnsigned(x)
            bytes.append(0x75)
        case .bool(let b):
            bytes.append(contentsOf: (b ? "true" : "false").utf8)
        case .string(let s):
            bytes.append(0x22)
            for c in s.utf8 {
                if c == 0x22 || c == 0x5C { bytes.append(0x5C) }
                bytes.append(c)
            }
            bytes.append(0x22)
        }
    }

    mutating func appendInteger(_ x: Int64) {
        if x < 0 {
            bytes.append(0x2D)
            appendUnsigned(x.magnitude)
        } else {
            appendUnsigned(UInt64(x))
        }
    }

    mutating func appendUnsigned(_ x: UInt64) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        var v = x
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[19 - n] = UInt8(v % 10) + 0x30
                v /= 10
                n += 1
            } while v != 0
            bytes.append(contentsOf: d[(20 - n)...])
        }
    }
}
