/// A small JSON reader for the conformance corpus. Numbers are kept as their source text so that
/// 64-bit integers and floats can be converted exactly.
enum JSON {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    subscript(key: String) -> JSON? {
        if case .object(let o) = self { return o[key] }
        return nil
    }
    var string: String? { if case .string(let s) = self { return s }; return nil }
    var number: String? { if case .number(let s) = self { return s }; return nil }
    var array: [JSON]? { if case .array(let a) = self { return a }; return nil }
    var object: [String: JSON]? { if case .object(let o) = self { return o }; return nil }
    var bool: Bool? { if case .bool(let b) = self { return b }; return nil }

    struct ParseError: Error { var offset: Int }

    static func parse(_ bytes: [UInt8]) throws -> JSON {
        var r = Reader(b: bytes)
        let v = try r.value()
        r.ws()
        guard r.i == bytes.count else { throw ParseError(offset: r.i) }
        return v
    }

    private struct Reader {
        let b: [UInt8]
        var i = 0

        mutating func ws() {
            while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
        }

        mutating func value() throws -> JSON {
            ws()
            guard i < b.count else { throw ParseError(offset: i) }
            switch b[i] {
            case UInt8(ascii: "{"):
                i += 1
                var o: [String: JSON] = [:]
                ws()
                if i < b.count && b[i] == UInt8(ascii: "}") { i += 1; return .object(o) }
                while true {
                    ws()
                    let k = try str()
                    ws()
                    guard i < b.count && b[i] == UInt8(ascii: ":") else { throw ParseError(offset: i) }
                    i += 1
                    o[k] = try value()
                    ws()
                    guard i < b.count else { throw ParseError(offset: i) }
                    if b[i] == UInt8(ascii: ",") { i += 1; continue }
                    if b[i] == UInt8(ascii: "}") { i += 1; return .object(o) }
                    throw ParseError(offset: i)
                }
            case UInt8(ascii: "["):
                i += 1
                var a: [JSON] = []
                ws()
                if i < b.count && b[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
                while true {
                    a.append(try value())
                    ws()
                    guard i < b.count else { throw ParseError(offset: i) }
                    if b[i] == UInt8(ascii: ",") { i += 1; continue }
                    if b[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
                    throw ParseError(offset: i)
                }
            case UInt8(ascii: "\""):
                return .string(try str())
            case UInt8(ascii: "t"):
                i += 4; return .bool(true)
            case UInt8(ascii: "f"):
                i += 5; return .bool(false)
            case UInt8(ascii: "n"):
                i += 4; return .null
            default:
                let s = i
                while i < b.count, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: ".")
                    || b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") || (b[i] >= 0x30 && b[i] <= 0x39) { i += 1 }
                guard i > s else { throw ParseError(offset: i) }
                return .number(String(decoding: b[s..<i], as: UTF8.self))
            }
        }

        mutating func hex4() throws -> UInt32 {
            guard i + 4 <= b.count else { throw ParseError(offset: i) }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = b[i]
                let d: UInt32
                switch c {
                case 0x30...0x39: d = UInt32(c - 0x30)
                case 0x41...0x46: d = UInt32(c - 0x41 + 10)
                case 0x61...0x66: d = UInt32(c - 0x61 + 10)
                default: throw ParseError(offset: i)
                }
                v = v * 16 + d
                i += 1
            }
            return v
        }

        mutating func str() throws -> String {
            guard i < b.count && b[i] == UInt8(ascii: "\"") else { throw ParseError(offset: i) }
            i += 1
            var out: [UInt8] = []
            while i < b.count {
                let c = b[i]
                if c == UInt8(ascii: "\"") { i += 1; return String(decoding: out, as: UTF8.self) }
                if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
                i += 1
                guard i < b.count else { break }
                let e = b[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var u = try hex4()
                    if u >= 0xD800 && u < 0xDC00, i + 6 <= b.count, b[i] == 0x5C, b[i + 1] == UInt8(ascii: "u") {
                        i += 2
                        let lo = try hex4()
                        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
                    }
                    let scalar = Unicode.Scalar(u) ?? "\u{FFFD}"
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw ParseError(offset: i)
                }
            }
            throw ParseError(offset: i)
        }
    }
}
