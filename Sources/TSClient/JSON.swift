// A small, strict JSON reader and writer over UTF-8 bytes.
//
// The reader exists (instead of using JSONSerialization) so that the distinction between
// integer and floating-point literals is preserved and integers are exact: an integer literal
// that fits in Int64 (for example a nanosecond timestamp such as 1767225600000000000) is kept
// as `.int` and never passes through Double.

/// A parsed JSON value.
///
/// Integer literals (no fraction, no exponent) that fit in `Int64` are `.int`; every other
/// number is `.float`. Object members keep their document order.
enum JSONValue {
    case null
    case bool(Bool)
    case int(Int64)
    case float(Double)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    /// The value of the first member named `key` when `self` is an object, otherwise `nil`.
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first(where: { $0.key == key })?.value
    }

    /// The value re-encoded as compact JSON text.
    var compactText: String {
        var out = ""
        JSONWriter.append(self, to: &out)
        return out
    }
}

/// Parses JSON text from bytes. Errors are reported as `ClientError.protocolError`.
struct JSONParser {
    /// Maximum nesting of arrays and objects; deeper input is rejected instead of
    /// risking stack exhaustion.
    static let maxDepth = 256

    private let bytes: [UInt8]
    private var index = 0

    private init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Parses every top-level value in `bytes`. Values may be separated by any JSON
    /// whitespace (newline-delimited chunked responses) or simply follow one another.
    static func parseSequence(_ bytes: [UInt8]) throws -> [JSONValue] {
        var parser = JSONParser(bytes)
        var values: [JSONValue] = []
        while true {
            parser.skipWhitespace()
            if parser.index == bytes.count { break }
            values.append(try parser.parseValue(depth: 0))
        }
        return values
    }

    /// Parses exactly one JSON value; anything but whitespace after it is an error.
    static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var parser = JSONParser(bytes)
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.failure("unexpected data after the JSON value") }
        return value
    }

    // MARK: - Scanning helpers

    private func failure(_ reason: String) -> ClientError {
        .protocolError("invalid JSON in response at byte \(index): \(reason)")
    }

    private var describeCurrent: String {
        guard index < bytes.count else { return "end of input" }
        let byte = bytes[index]
        if byte >= 0x21 && byte < 0x7F {
            return "'\(Character(Unicode.Scalar(byte)))'"
        }
        return "byte 0x" + String(byte, radix: 16)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private func isDigit(at position: Int) -> Bool {
        position < bytes.count && bytes[position] >= UInt8(ascii: "0") && bytes[position] <= UInt8(ascii: "9")
    }

    // MARK: - Values

    private mutating func parseValue(depth: Int) throws -> JSONValue {
        guard depth < Self.maxDepth else { throw failure("nesting deeper than \(Self.maxDepth) levels") }
        skipWhitespace()
        guard index < bytes.count else { throw failure("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw failure("unexpected \(describeCurrent)")
        }
    }

    private mutating func expectLiteral(_ literal: String) throws {
        let expected = literal.utf8
        guard index + expected.count <= bytes.count,
              bytes[index..<(index + expected.count)].elementsEqual(expected) else {
            throw failure("invalid literal, expected \(literal)")
        }
        index += expected.count
    }

    private mutating func parseObject(depth: Int) throws -> JSONValue {
        index += 1  // {
        var members: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw failure("expected an object key, found \(describeCurrent)")
            }
            let key = try parseString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw failure("expected ':' after object key, found \(describeCurrent)")
            }
            index += 1
            let value = try parseValue(depth: depth + 1)
            members.append((key: key, value: value))
            skipWhitespace()
            guard index < bytes.count else { throw failure("unterminated object") }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return .object(members)
            default: throw failure("expected ',' or '}' in object, found \(describeCurrent)")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws -> JSONValue {
        index += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            guard index < bytes.count else { throw failure("unterminated array") }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return .array(elements)
            default: throw failure("expected ',' or ']' in array, found \(describeCurrent)")
            }
        }
    }

    // MARK: - Strings

    private mutating func parseString() throws -> String {
        index += 1  // opening quote
        var utf8: [UInt8] = []
        while true {
            guard index < bytes.count else { throw failure("unterminated string") }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                index += 1
                try parseEscape(into: &utf8)
            case 0x00..<0x20:
                throw failure("unescaped control character in string")
            default:
                utf8.append(byte)
                index += 1
            }
        }
    }

    /// Parses the escape sequence after a backslash and appends its UTF-8 encoding.
    private mutating func parseEscape(into utf8: inout [UInt8]) throws {
        guard index < bytes.count else { throw failure("unterminated escape sequence") }
        let escape = bytes[index]
        index += 1
        switch escape {
        case UInt8(ascii: "\""): utf8.append(0x22)
        case UInt8(ascii: "\\"): utf8.append(0x5C)
        case UInt8(ascii: "/"): utf8.append(0x2F)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try parseHex4()
            if (0xD800...0xDBFF).contains(scalar) {
                // A high surrogate must be followed by an escaped low surrogate.
                let resume = index
                if index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                    index += 2
                    let low = try parseHex4()
                    if (0xDC00...0xDFFF).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        index = resume
                        scalar = 0xFFFD
                    }
                } else {
                    scalar = 0xFFFD
                }
            } else if (0xDC00...0xDFFF).contains(scalar) {
                scalar = 0xFFFD  // lone low surrogate
            }
            let unicodeScalar = Unicode.Scalar(scalar) ?? "\u{FFFD}"
            UTF8.encode(unicodeScalar) { utf8.append($0) }
        default:
            index -= 1
            throw failure("invalid escape sequence '\\\(describeCurrent)'")
        }
    }

    private mutating func parseHex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw failure("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw failure("invalid hex digit in \\u escape")
            }
            value = value * 16 + digit
            index += 1
        }
        return value
    }

    // MARK: - Numbers

    private mutating func parseNumber() throws -> JSONValue {
        let start = index
        var isInteger = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard isDigit(at: index) else { throw failure("invalid number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while isDigit(at: index) { index += 1 }
        }
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard isDigit(at: index) else { throw failure("expected digits after decimal point") }
            while isDigit(at: index) { index += 1 }
        }
        if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
            isInteger = false
            index += 1
            if index < bytes.count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) {
                index += 1
            }
            guard isDigit(at: index) else { throw failure("expected digits in exponent") }
            while isDigit(at: index) { index += 1 }
        }
        let literal = bytes[start..<index]
        if isInteger, let exact = Self.exactInt64(literal) {
            return .int(exact)
        }
        guard let double = Double(String(decoding: literal, as: UTF8.self)) else {
            throw failure("invalid number")
        }
        return .float(double)
    }

    /// Converts a validated integer literal to Int64, or returns nil if it does not fit.
    /// Negative numbers are accumulated negatively so that Int64.min is representable.
    private static func exactInt64(_ literal: ArraySlice<UInt8>) -> Int64? {
        var position = literal.startIndex
        let negative = literal[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        var value: Int64 = 0
        while position < literal.endIndex {
            let digit = Int64(literal[position] - UInt8(ascii: "0"))
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            if overflow1 { return nil }
            let (next, overflow2) = negative
                ? shifted.subtractingReportingOverflow(digit)
                : shifted.addingReportingOverflow(digit)
            if overflow2 { return nil }
            value = next
            position += 1
        }
        return value
    }
}

/// Compact JSON text generation shared by the decoder (for nested cell values) and
/// `JSONRenderer`.
enum JSONWriter {
    /// Appends `string` as a quoted JSON string. Quotes, backslashes and control characters
    /// are escaped; everything else is written as UTF-8.
    static func appendString(_ string: String, to out: inout String) {
        out.append("\"")
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            case "\u{08}": out.append("\\b")
            case "\u{0C}": out.append("\\f")
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out.append("\"")
    }

    /// Appends a double using Swift's shortest round-trip representation, which is always a
    /// valid JSON number for finite values. NaN and infinities have no JSON form and become `null`.
    static func appendDouble(_ value: Double, to out: inout String) {
        if value.isFinite {
            out.append(value.description)
        } else {
            out.append("null")
        }
    }

    static func append(_ value: JSONValue, to out: inout String) {
        switch value {
        case .null: out.append("null")
        case .bool(let flag): out.append(flag ? "true" : "false")
        case .int(let integer): out.append(String(integer))
        case .float(let double): appendDouble(double, to: &out)
        case .string(let string): appendString(string, to: &out)
        case .array(let elements):
            out.append("[")
            for (position, element) in elements.enumerated() {
                if position > 0 { out.append(",") }
                append(element, to: &out)
            }
            out.append("]")
        case .object(let members):
            out.append("{")
            for (position, member) in members.enumerated() {
                if position > 0 { out.append(",") }
                appendString(member.key, to: &out)
                out.append(":")
                append(member.value, to: &out)
            }
            out.append("}")
        }
    }
}
