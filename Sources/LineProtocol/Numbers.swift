#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Outcome of parsing a numeric token.
enum NumberResult<T> {
    case value(T)
    case invalid
    case outOfRange
}

/// Parses `-?[0-9]+` into Int64 (the syntax of Go's strconv.ParseInt with base 10, minus the `+` sign,
/// which cannot start a line-protocol number).
@inline(__always)
func parseInt64(_ p: UnsafePointer<UInt8>, _ n: Int) -> NumberResult<Int64> {
    var i = 0
    var neg = false
    if n > 0 && p[0] == 0x2D { neg = true; i = 1 }
    if i >= n { return .invalid }
    var v: UInt64 = 0
    if n - i <= 18 {
        // cannot overflow
        while i < n {
            let d = p[i] &- 0x30
            if d > 9 { return .invalid }
            v = v &* 10 &+ UInt64(d)
            i += 1
        }
        return .value(neg ? Int64(bitPattern: 0 &- v) : Int64(bitPattern: v))
    }
    var overflow = false
    while i < n {
        let d = p[i] &- 0x30
        if d > 9 { return .invalid }
        if v > 1_844_674_407_370_955_161 || (v == 1_844_674_407_370_955_161 && d > 5) {
            overflow = true
        } else {
            v = v &* 10 &+ UInt64(d)
        }
        i += 1
    }
    if overflow { return .outOfRange }
    if neg {
        if v > UInt64(Int64.max) + 1 { return .outOfRange }
        return .value(Int64(bitPattern: 0 &- v))
    }
    if v > UInt64(Int64.max) { return .outOfRange }
    return .value(Int64(bitPattern: v))
}

/// Parses `[0-9]+` into UInt64 (strconv.ParseUint, base 10).
@inline(__always)
func parseUInt64(_ p: UnsafePointer<UInt8>, _ n: Int) -> NumberResult<UInt64> {
    if n == 0 { return .invalid }
    var v: UInt64 = 0
    var overflow = false
    for i in 0..<n {
        let d = p[i] &- 0x30
        if d > 9 { return .invalid }
        if v > 1_844_674_407_370_955_161 || (v == 1_844_674_407_370_955_161 && d > 5) {
            overflow = true
        } else {
            v = v &* 10 &+ UInt64(d)
        }
    }
    return overflow ? .outOfRange : .value(v)
}

/// Exact powers of ten representable in a Double.
@usableFromInline
let exactPowersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

private let powersOfTenU64: [UInt64] = [
    1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000,
    10_000_000_000, 100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000,
    1_000_000_000_000_000,
]

/// Locale used for strtod so that a process-wide `setlocale` cannot change the decimal separator.
nonisolated(unsafe) private let cNumericLocale: locale_t? = newlocale(1 << LC_NUMERIC, "C", nil)

/// Scratch for the slow float path (a NUL-terminated copy of the token).
final class FloatScratch {
    var buffer: UnsafeMutablePointer<CChar>
    var capacity: Int
    init() {
        capacity = 128
        buffer = .allocate(capacity: capacity)
    }
    deinit { buffer.deallocate() }

    @inline(never)
    func strtodCopy(_ p: UnsafePointer<UInt8>, _ n: Int) -> Double {
        if n + 1 > capacity {
            buffer.deallocate()
            capacity = max(n + 1, capacity * 2)
            buffer = .allocate(capacity: capacity)
        }
        UnsafeMutableRawPointer(buffer).copyMemory(from: p, byteCount: n)
        buffer[n] = 0
        let previous = uselocale(cNumericLocale)
        let d = strtod(buffer, nil)
        uselocale(previous)
        return d
    }
}

/// Parses a decimal float token: `-?(digits[.digits*]|.digits)([eE][+-]?digits)?`.
/// Hexadecimal floats, digit separators (`_`), `inf` and `nan` are rejected (InfluxDB 1.x does the same).
/// The result is correctly rounded: exact fast path for up to 19 significant digits with a small
/// power of ten, otherwise glibc `strtod` (correctly rounded, like Go's strconv.ParseFloat).
@inline(__always)
func parseFloat(_ p: UnsafePointer<UInt8>, _ n: Int, _ scratch: FloatScratch) -> NumberResult<Double> {
    var i = 0
    var neg = false
    if n > 0 && p[0] == 0x2D { neg = true; i = 1 }
    var m: UInt64 = 0
    var significant = 0   // digits accumulated into m (leading zeros excluded)
    var dropped = false   // a significant digit did not fit into m
    var exp10 = 0         // value = m * 10^exp10 when !dropped
    let intStart = i
    while i < n {
        let d = p[i] &- 0x30
        if d > 9 { break }
        if significant < 19 {
            if m != 0 || d != 0 { m = m &* 10 &+ UInt64(d); significant += 1 }
        } else {
            dropped = true
            exp10 += 1
        }
        i += 1
    }
    var sawDigit = i > intStart
    if i < n && p[i] == 0x2E {
        i += 1
        let fracStart = i
        while i < n {
            let d = p[i] &- 0x30
            if d > 9 { break }
            if significant < 19 {
                if m != 0 || d != 0 { m = m &* 10 &+ UInt64(d); significant += 1 }
                exp10 -= 1
            } else {
                dropped = true
            }
            i += 1
        }
        if i > fracStart { sawDigit = true }
    }
    if !sawDigit { return .invalid }
    if i < n {
        let c = p[i]
        guard c == 0x65 || c == 0x45 else { return .invalid }
        i += 1
        var eneg = false
        if i < n && (p[i] == 0x2B || p[i] == 0x2D) { eneg = p[i] == 0x2D; i += 1 }
        if i >= n { return .invalid }
        var e = 0
        while i < n {
            let d = p[i] &- 0x30
            if d > 9 { return .invalid }
            if e < 100_000 { e = e * 10 + Int(d) }
            i += 1
        }
        exp10 += eneg ? -e : e
    }
    if m == 0 && !dropped {
        return .value(neg ? -0.0 : 0.0)
    }
    if !dropped && m <= (1 << 53) {
        let e = exp10
        if e == 0 {
            let v = Double(m)
            return .value(neg ? -v : v)
        }
        if e > 0 && e <= 22 {
            let v = Double(m) * exactPowersOfTen[e]
            return .value(neg ? -v : v)
        }
        if e < 0 && e >= -22 {
            let v = Double(m) / exactPowersOfTen[-e]
            return .value(neg ? -v : v)
        }
        if e > 22 && e <= 22 + 15 {
            // m * 10^(e-22) may still be an exact integer not above 2^53
            let (mm, o) = m.multipliedReportingOverflow(by: powersOfTenU64[e - 22])
            if !o && mm <= (1 << 53) {
                let v = Double(mm) * 1e22
                return .value(neg ? -v : v)
            }
        }
    }
    let v = scratch.strtodCopy(p, n)
    if !v.isFinite { return .outOfRange }
    return .value(v)
}
