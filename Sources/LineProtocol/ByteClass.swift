/// Byte classes used by the scanner; one table lookup tells whether a byte ends a token.
enum ByteClass {
    /// Ends a measurement: ',', ' ', control bytes (0x00-0x1F, 0x7F).
    static let measurementStop: UInt8 = 1 << 0
    /// Ends a tag key or field key: ',', '=', ' ', control bytes.
    static let keyStop: UInt8 = 1 << 1
    /// Ends a tag value: ',', '=', ' ', '\r', '\n' (other control bytes are allowed in tag values).
    static let tagValueStop: UInt8 = 1 << 2
    /// Ends an unquoted field value (number or boolean): ',', ' ', '\r', '\n'.
    static let fieldValueStop: UInt8 = 1 << 3
    /// The backslash.
    static let backslash: UInt8 = 1 << 4
    /// Needs attention inside a quoted string: '"', '\\', '\n'.
    static let stringSpecial: UInt8 = 1 << 5
    /// Control bytes (not allowed in comments).
    static let control: UInt8 = 1 << 6
    /// Bytes >= 0x80 (a token containing one must be checked for valid UTF-8).
    static let high: UInt8 = 1 << 7

    /// 256-entry table, allocated once and never freed.
    nonisolated(unsafe) static let table: UnsafePointer<UInt8> = {
        let t = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        for b in 0..<256 {
            var k: UInt8 = 0
            let isControl = b < 0x20 || b == 0x7F
            if isControl { k |= control | measurementStop | keyStop }
            switch b {
            case 0x2C: // ,
                k |= measurementStop | keyStop | tagValueStop | fieldValueStop
            case 0x20: // space
                k |= measurementStop | keyStop | tagValueStop | fieldValueStop
            case 0x3D: // =
                k |= keyStop | tagValueStop
            case 0x0A, 0x0D:
                k |= tagValueStop | fieldValueStop
                if b == 0x0A { k |= stringSpecial }
            case 0x5C: // backslash
                k |= backslash | stringSpecial
            case 0x22: // "
                k |= stringSpecial
            default: break
            }
            if b >= 0x80 { k |= high }
            t[b] = k
        }
        return UnsafePointer(t)
    }()
}

/// Validates UTF-8 the way Go's `utf8.Valid` does (no overlong forms, no surrogates, <= U+10FFFF).
@inline(never)
func isValidUTF8(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var i = 0
    while i < n {
        let c = p[i]
        if c < 0x80 { i += 1; continue }
        if c < 0xC2 { return false }
        if c < 0xE0 {
            if i + 1 >= n || p[i + 1] & 0xC0 != 0x80 { return false }
            i += 2
            continue
        }
        if c < 0xF0 {
            if i + 2 >= n { return false }
            let c1 = p[i + 1], c2 = p[i + 2]
            if c1 & 0xC0 != 0x80 || c2 & 0xC0 != 0x80 { return false }
            if c == 0xE0 && c1 < 0xA0 { return false }
            if c == 0xED && c1 > 0x9F { return false }
            i += 3
            continue
        }
        if c < 0xF5 {
            if i + 3 >= n { return false }
            let c1 = p[i + 1], c2 = p[i + 2], c3 = p[i + 3]
            if c1 & 0xC0 != 0x80 || c2 & 0xC0 != 0x80 || c3 & 0xC0 != 0x80 { return false }
            if c == 0xF0 && c1 < 0x90 { return false }
            if c == 0xF4 && c1 > 0x8F { return false }
            i += 4
            continue
        }
        return false
    }
    return true
}
