// The project's one JSON codec: a strict reader over UTF-8 bytes and a writer.
//
// The reader keeps each number as its literal text, so integers (nanosecond timestamps, counters)
// are exact and a caller decides how to read them. It can check syntax without building values
// (for a body that is then decoded piece by piece), bounds nesting depth and, optionally, the
// number of values it builds, so hostile input cannot exhaust the stack or memory.

/// A parsed JSON value. Object members keep their document order.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's literal text, e.g. `1767225600000000000` or `-1.5e3`.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// The value of the member named `key` when `self` is an object (the last one when a name
    /// repeats, as most JSON readers do), otherwise nil.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last(where: { $0.key == key })?.value
    }

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var objectValue: [(key: String, value: JSONValue)]? { if case .object(let o) = self { o } else { nil } }
    /// A number's literal text.
    public var numberText: String? { if case .number(let t) = self { t } else { nil } }

    /// An integer literal (no fraction, no exponent) that fits in Int64; nil otherwise.
    public var int64Value: Int64? {
        guard case .number(let text) = self, !text.utf8.contains(where: { $0 == 0x2E || $0 == 0x65 || $0 == 0x45 }) else { return nil }
        return Int64(text)
    }

    /// Any number as a Double.
    public var doubleValue: Double? { if case .number(let t) = self { Double(t) } else { nil } }

    /// The value as compact JSON text.
    public var compactText: String {
        var out = ""
        JSONWriter.append(self, to: &out)
        return out
    }
}

/// A syntax error: what was wrong and the byte offset where it was found.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var offset: Int
    public init(_ reason: String, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }
    public var description: String { "\(reason) at byte \(offset)" }
}

/// Reads JSON from bytes. `i` is the position of the next byte; a caller may move it to decode a
/// document piece by piece (see collectd's write_http reader).
public struct JSONReader {
    public let b: UnsafeRawBufferPointer
    public var i = 0
    /// false: check the syntax only; arrays and objects come back empty.
    public var store = true
    /// The most values this reader builds (counted only when storing).
    public var maxValues = Int.max
    private var built = 0
    /// Deepest nesting accepted.
    public var maxDepth: Int

    public init(_ b: UnsafeRawBufferPointer, maxDepth: Int = 256) {
        self.b = b
        self.maxDepth = maxDepth
    }

    /// Parses exactly one JSON value; anything but white space after it is an error.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 256) throws(JSONError) -> JSONValue {
        try withBytes(bytes) { (r: inout JSONReader) throws(JSONError) in try r.document() }
    }

    /// Parses every top-level value in `bytes`, separated by white space or nothing (for
    /// newline-delimited documents such as InfluxDB's chunked responses).
    public static func parseSequence(_ bytes: [UInt8], maxDepth: Int = 256) throws(JSONError) -> [JSONValue] {
        try withBytes(bytes) { (r: inout JSONReader) throws(JSONError) in
            var out: [JSONValue] = []
            while true {
                r.skipSpace()
                if r.i == r.b.count { return out }
                out.append(try r.value(depth: 0))
            }
        }
    }

    private static func withBytes<R>(_ bytes: [UInt8], _ body: (inout JSONReader) throws(JSONError) -> R) throws(JSONError) -> R {
        let result: Result<R, JSONError> = bytes.withUnsafeBytes { raw in
            var r = JSONReader(raw)
            do throws(JSONError) { return .success(try body(&r)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    public func fail(_ what: String) -> JSONError { JSONError(what, at: i) }

    /// One value and nothing after it but white space.
    public mutating func document() throws(JSONError) -> JSONValue {
        skipSpace()
        let v = try value(depth: 0)
        skipSpace()
        guard i == b.count else { throw fail("unexpected data after the end") }
        return v
    }

    public mutating func skipSpace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 }
    }

    private mutating func literal(_ word: StaticString, _ v: JSONValue) throws(JSONError) -> JSONValue {
        let w = UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for c in w {
            guard i < b.count, b[i] == c else { throw fail("invalid literal") }
            i += 1
        }
        return v
    }

    public mutating func value(depth: Int) throws(JSONError) -> JSONValue {
        guard depth < maxDepth else { throw fail("nesting deeper than \(maxDepth)") }
        skipSpace()
        guard i < b.count else { throw fail("unexpected end") }
        if store {
            built += 1
            if built > maxValues { throw fail("more than \(maxValues) JSON values") }
        }
        switch b[i] {
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "["):
            i += 1
            var out: [JSONValue] = []
            skipSpace()
            if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array(out) }
            while true {
                let v = try value(depth: depth + 1)
                if store { out.append(v) }
                skipSpace()
                guard i < b.count else { throw fail("unexpected end in array") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "]") { i += 1; return .array(out) }
                throw fail("expected ',' or ']'")
            }
        case UInt8(ascii: "{"):
            i += 1
            var out: [(key: String, value: JSONValue)] = []
            skipSpace()
            if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object(out) }
            while true {
                skipSpace()
                guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
                let k = try string()
                skipSpace()
                guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                i += 1
                let v = try value(depth: depth + 1)
                if store { out.append((k, v)) }
                skipSpace()
                guard i < b.count else { throw fail("unexpected end in object") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "}") { i += 1; return .object(out) }
                throw fail("expected ',' or '}'")
            }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try number())
        default:
            throw fail("unexpected character")
        }
    }

    private mutating func number() throws(JSONError) -> String {
        let start = i
        if b[i] == UInt8(ascii: "-") { i += 1 }
        func digits() -> Int {
            let s = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            return i - s
        }
        let intStart = i
        let n = digits()
        guard n > 0 else { throw fail("bad number") }
        guard n == 1 || b[intStart] != UInt8(ascii: "0") else { throw fail("bad number (leading zero)") }
        if i < b.count, b[i] == UInt8(ascii: ".") { i += 1; guard digits() > 0 else { throw fail("bad number") } }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { throw fail("bad number") }
        }
        return String(decoding: UnsafeRawBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
    }

    private mutating func hex4() throws(JSONError) -> UInt32 {
        guard i + 4 <= b.count else { throw fail("bad \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw fail("bad \\u escape")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    private mutating func string() throws(JSONError) -> String {
        i += 1  // opening quote
        // Fast path: no escapes.
        let start = i
        while i < b.count, b[i] != UInt8(ascii: "\""), b[i] != UInt8(ascii: "\\"), b[i] >= 0x20 { i += 1 }
        if i < b.count, b[i] == UInt8(ascii: "\"") {
            i += 1
            return String(decoding: UnsafeRawBufferPointer(rebasing: b[start..<(i - 1)]), as: UTF8.self)
        }
        var bytes: [UInt8] = Array(b[start..<i])
        while true {
            guard i < b.count else { throw fail("unterminated string") }
            let c = b[i]
            i += 1
            if c == UInt8(ascii: "\"") { break }
            if c < 0x20 { throw fail("control character in string") }
            if c != UInt8(ascii: "\\") { bytes.append(c); continue }
            guard i < b.count else { throw fail("unterminated string") }
            let e = b[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): bytes.append(e)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"):
                var cp = try hex4()
                if (0xD800...0xDBFF).contains(cp), i + 6 <= b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") {
                    let save = i
                    i += 2
                    let lo = try hex4()
                    if (0xDC00...0xDFFF).contains(lo) { cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00) } else { i = save }
                }
                let scalar = Unicode.Scalar(cp) ?? "\u{FFFD}"
                bytes.append(contentsOf: Array(String(scalar).utf8))
            default: throw fail("bad escape")
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Writes JSON text.
public enum JSONWriter {
    /// A quoted JSON string: quotes, backslashes and control characters escaped, everything
    /// else as UTF-8.
    public static func quote(_ s: String) -> String {
        // Fast path: nothing to escape (the common case for names, tags and values).
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) { return "\"" + s + "\"" }
        var o = ""
        appendString(s, to: &o)
        return o
    }

    public static func appendString(_ s: String, to o: inout String) {
        o.append("\"")
        for u in s.unicodeScalars {
            switch u {
            case "\"": o += "\\\""
            case "\\": o += "\\\\"
            case "\n": o += "\\n"
            case "\r": o += "\\r"
            case "\t": o += "\\t"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    o += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    o.unicodeScalars.append(u)
                }
            }
        }
        o.append("\"")
    }

    /// A double as Go's encoding/json writes it (and so InfluxDB): integral values without a
    /// fraction (`2`, not `2.0`), otherwise the shortest text that reads back to the same
    /// double; nil for NaN and infinities, which JSON cannot carry.
    public static func number(_ d: Double) -> String? {
        guard d.isFinite else { return nil }
        if d == 0 { return d.sign == .minus ? "-0" : "0" }
        if d == d.rounded(), abs(d) < 9.2e18 { return String(Int64(d)) }
        var s = "\(d)"
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }

    /// Compact JSON text of a value.
    public static func append(_ value: JSONValue, to out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .number(let text): out += text
        case .string(let string): appendString(string, to: &out)
        case .array(let elements):
            out += "["
            for (k, e) in elements.enumerated() {
                if k > 0 { out += "," }
                append(e, to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (k, m) in members.enumerated() {
                if k > 0 { out += "," }
                appendString(m.key, to: &out)
                out += ":"
                append(m.value, to: &out)
            }
            out += "}"
        }
    }
}
