#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How a call to `ParserCore.parseEntry` ended.
enum EntryKind {
    /// A point is ready in the core's scratch (`pointMeasurement`, tags, fields, `pointTimestamp`).
    case point
    /// A blank line or a comment line.
    case skipped
    /// A rejected entry; `failure` says why.
    case failed
    /// The window ended before the entry did (more data needed, or the line is too long).
    case incomplete
}

private let kSpace: UInt8 = 0x20
private let kComma: UInt8 = 0x2C
private let kEquals: UInt8 = 0x3D
private let kQuote: UInt8 = 0x22
private let kBackslash: UInt8 = 0x5C
private let kNewline: UInt8 = 0x0A
private let kReturn: UInt8 = 0x0D
private let kHash: UInt8 = 0x23

/// Reusable storage and the single-entry parser. All memory is owned here and reused across lines.
final class ParserCore {
    // configuration
    var precision: Precision {
        didSet {
            unitNanos = precision.nanosecondsPerUnit
            defaultTimestamp = precision.truncate(defaultTime)
        }
    }
    var unitNanos: Int64
    /// Time for lines without a timestamp, as given by the caller.
    var defaultTime: Int64 { didSet { defaultTimestamp = precision.truncate(defaultTime) } }
    /// `defaultTime` truncated to the precision.
    var defaultTimestamp: Int64
    var maxLineLength: Int
    var maxKeyLength: Int
    var timeKeyPolicy: TimeKeyPolicy

    let classTable = ByteClass.table

    // per-entry output
    var tags: UnsafeMutablePointer<TagSlot>
    var tagCapacity: Int
    var fields: UnsafeMutablePointer<FieldSlot>
    var fieldCapacity: Int
    var scratch: UnsafeMutablePointer<UInt8>?
    var scratchCapacity: Int
    let floatScratch = FloatScratch()

    var pointMeasurement = UnsafePointer<UInt8>(bitPattern: 1)!
    var pointMeasurementCount = 0
    var pointTagCount = 0
    var pointFieldCount = 0
    var pointTimestamp: Int64 = 0

    // result of the last parseEntry
    var next = 0
    var newlines = 0
    var failure: Failure = .missingMeasurement
    var failureKeyStart = 0
    var failureKeyEnd = 0
    var measurementStart = 0
    var measurementEnd = 0

    // streaming state
    var line = 1
    var carry: UnsafeMutablePointer<UInt8>?
    var carryCount = 0
    var carryCapacity = 0
    var discarding = false
    var carryHasNewline = false
    var lastAttempt = 0

    init(precision: Precision, defaultTime: Int64, maxLineLength: Int, maxKeyLength: Int, timeKeyPolicy: TimeKeyPolicy) {
        precondition(maxLineLength >= 1, "maxLineLength must be positive")
        self.precision = precision
        self.unitNanos = precision.nanosecondsPerUnit
        self.defaultTime = defaultTime
        self.defaultTimestamp = precision.truncate(defaultTime)
        self.maxLineLength = min(maxLineLength, Int.max / 4)
        self.maxKeyLength = maxKeyLength
        self.timeKeyPolicy = timeKeyPolicy
        tagCapacity = 16
        tags = .allocate(capacity: tagCapacity)
        fieldCapacity = 16
        fields = .allocate(capacity: fieldCapacity)
        scratch = nil
        scratchCapacity = 0
    }

    deinit {
        tags.deallocate()
        fields.deallocate()
        scratch?.deallocate()
        carry?.deallocate()
    }

    func copy() -> ParserCore {
        let c = ParserCore(precision: precision, defaultTime: defaultTime, maxLineLength: maxLineLength,
                           maxKeyLength: maxKeyLength, timeKeyPolicy: timeKeyPolicy)
        c.line = line
        c.discarding = discarding
        c.carryHasNewline = carryHasNewline
        c.lastAttempt = lastAttempt
        if carryCount > 0, let src = carry {
            c.appendCarry(UnsafePointer(src), carryCount)
        }
        return c
    }

    @inline(never)
    func growTags() {
        let n = tagCapacity * 2
        let t = UnsafeMutablePointer<TagSlot>.allocate(capacity: n)
        t.moveInitialize(from: tags, count: tagCapacity)
        tags.deallocate()
        tags = t
        tagCapacity = n
    }

    @inline(never)
    func growFields() {
        let n = fieldCapacity * 2
        let f = UnsafeMutablePointer<FieldSlot>.allocate(capacity: n)
        f.moveInitialize(from: fields, count: fieldCapacity)
        fields.deallocate()
        fields = f
        fieldCapacity = n
    }

    @inline(never)
    func ensureScratch(_ n: Int) -> UnsafeMutablePointer<UInt8> {
        if let s = scratch, scratchCapacity >= n { return s }
        scratch?.deallocate()
        let cap = max(n, 256, scratchCapacity * 2)
        let s = UnsafeMutablePointer<UInt8>.allocate(capacity: cap)
        scratch = s
        scratchCapacity = cap
        return s
    }

    func appendCarry(_ p: UnsafePointer<UInt8>, _ n: Int) {
        if n == 0 { return }
        if carryCount + n > carryCapacity {
            let cap = max(carryCount + n, carryCapacity * 2, 1024)
            let c = UnsafeMutablePointer<UInt8>.allocate(capacity: cap)
            if let old = carry {
                c.moveInitialize(from: old, count: carryCount)
                old.deallocate()
            }
            carry = c
            carryCapacity = cap
        }
        (carry! + carryCount).initialize(from: p, count: n)
        carryCount += n
    }

    // MARK: - single entry

    /// Parses one entry (a point, a blank line or a comment) starting at `start`, looking no further than
    /// `end`. `eof` says that `end` is the real end of the input; otherwise reaching `end` before the
    /// entry is complete yields `.incomplete`. On return `next` is where the following entry starts and
    /// `newlines` counts the newline bytes consumed.
    func parseEntry(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, eof: Bool) -> EntryKind {
        let tbl = classTable
        var i = start
        var nl = 0
        newlines = 0

        // Leading spaces, then a blank line, a comment, or the measurement.
        while i < end && p[i] == kSpace { i += 1 }
        if i == end {
            if !eof { return .incomplete }
            next = end
            return .skipped
        }
        let first = p[i]
        if first == kNewline {
            next = i + 1
            newlines = 1
            return .skipped
        }
        if first == kReturn {
            if i + 1 < end {
                if p[i + 1] == kNewline {
                    next = i + 2
                    newlines = 1
                    return .skipped
                }
                // solitary CR: not a valid start of a measurement
                return fail(p, .invalidMeasurementStart(kReturn), at: i, end: end, eof: eof, nl: 0)
            }
            if !eof { return .incomplete }
            next = end
            return .skipped
        }
        if first == kHash {
            var j = i + 1
            while j < end && tbl[Int(p[j])] & ByteClass.control == 0 { j += 1 }
            if j == end {
                if !eof { return .incomplete }
                next = end
                return .skipped
            }
            let c = p[j]
            if c == kNewline {
                next = j + 1
                newlines = 1
                return .skipped
            }
            if c == kReturn {
                if j + 1 < end {
                    if p[j + 1] == kNewline {
                        next = j + 2
                        newlines = 1
                        return .skipped
                    }
                } else {
                    if !eof { return .incomplete }
                    next = end
                    return .skipped
                }
            }
            return fail(p, .invalidComment, at: i, end: end, eof: eof, nl: 0)
        }

        var scratchBase: UnsafeMutablePointer<UInt8>? = nil
        var scratchUsed = 0
        let windowLength = end - start

        // ---- measurement
        let mStart = i
        var flags: UInt8 = 0
        do {
            let mask = ByteClass.measurementStop | ByteClass.backslash | ByteClass.high
            while true {
                skipPlain(p, &i, end, tbl, mask)
                if i >= end { break }
                let c = p[i]
                if tbl[Int(c)] & ByteClass.measurementStop != 0 { break }
                if c == kBackslash {
                    if i + 1 < end {
                        let n = p[i + 1]
                        if n == kComma || n == kSpace { flags |= 1; i += 2 } else { i += 1 }
                        continue
                    }
                    if !eof { i = end; break }
                    i += 1
                    continue
                }
                flags |= 2
                i += 1
            }
        }
        if i == end && !eof { return .incomplete }
        measurementStart = mStart
        measurementEnd = i
        if i == mStart {
            if i == end || p[i] == kComma { return fail(p, .missingMeasurement, at: i, end: end, eof: eof, nl: 0) }
            return fail(p, .invalidMeasurementStart(p[i]), at: i, end: end, eof: eof, nl: 0)
        }
        var measurement = UnsafePointer(p + mStart)
        var measurementCount = i - mStart
        if flags & 1 != 0 {
            if scratchBase == nil { scratchBase = ensureScratch(windowLength) }
            let r = unescape(p, mStart, i, into: scratchBase!, &scratchUsed, equalsToo: false)
            measurement = r.0; measurementCount = r.1
        }
        if flags & 2 != 0 && !isValidUTF8(measurement, measurementCount) {
            return fail(p, .invalidUTF8("measurement"), at: i, end: end, eof: eof, nl: 0)
        }

        // ---- tags
        var tagCount = 0
        var tagsSorted = true
        var tagBuf = tags
        while true {
            if i == end {
                if !eof { return .incomplete }
                return fail(p, .missingFields, at: i, end: end, eof: eof, nl: 0)
            }
            let c = p[i]
            if c == kSpace { break }
            if c != kComma {
                return fail(p, .unexpectedAfterTag(c), at: i, end: end, eof: eof, nl: 0)
            }
            i += 1
            if i == end {
                if !eof { return .incomplete }
                return fail(p, .missingTagKeyAfterComma, at: i, end: end, eof: eof, nl: 0)
            }
            let c1 = p[i]
            if c1 == kSpace || c1 == kNewline || c1 == kReturn {
                return fail(p, .missingTagKeyAfterComma, at: i, end: end, eof: eof, nl: 0)
            }
            // tag key
            let kStart = i
            flags = 0
            scanKey(p, &i, end, eof, tbl, ByteClass.keyStop, &flags)
            if i == end && !eof { return .incomplete }
            if i == kStart {
                return fail(p, .missingTagKey, at: i, end: end, eof: eof, nl: 0)
            }
            if i == end || p[i] != kEquals {
                failureKeyStart = kStart; failureKeyEnd = i
                return fail(p, .missingTagEquals, at: i, end: end, eof: eof, nl: 0, keyed: true)
            }
            let kEnd = i
            let kFlags = flags
            i += 1
            // tag value
            let vStart = i
            flags = 0
            scanKey(p, &i, end, eof, tbl, ByteClass.tagValueStop, &flags)
            if i == end && !eof { return .incomplete }
            if i == vStart {
                failureKeyStart = kStart; failureKeyEnd = kEnd
                return fail(p, .missingTagValue, at: i, end: end, eof: eof, nl: 0, keyed: true)
            }
            var key = UnsafePointer(p + kStart)
            var keyCount = kEnd - kStart
            if kFlags & 1 != 0 {
                if scratchBase == nil { scratchBase = ensureScratch(windowLength) }
                let r = unescape(p, kStart, kEnd, into: scratchBase!, &scratchUsed, equalsToo: true)
                key = r.0; keyCount = r.1
            }
            if kFlags & 2 != 0 && !isValidUTF8(key, keyCount) {
                return fail(p, .invalidUTF8("tag key"), at: i, end: end, eof: eof, nl: 0)
            }
            var value = UnsafePointer(p + vStart)
            var valueCount = i - vStart
            if flags & 1 != 0 {
                if scratchBase == nil { scratchBase = ensureScratch(windowLength) }
                let r = unescape(p, vStart, i, into: scratchBase!, &scratchUsed, equalsToo: true)
                value = r.0; valueCount = r.1
            }
            if flags & 2 != 0 && !isValidUTF8(value, valueCount) {
                return fail(p, .invalidUTF8("tag value"), at: i, end: end, eof: eof, nl: 0)
            }
            if keyCount == 4 && timeKeyPolicy != .allow && isTime(key) {
                return fail(p, .timeTagKey, at: i, end: end, eof: eof, nl: 0)
            }
            if tagCount == tagCapacity { growTags(); tagBuf = tags }
            tagBuf[tagCount] = TagSlot(key: key, keyCount: keyCount, value: value, valueCount: valueCount)
            if tagsSorted && tagCount > 0 {
                let prev = tagBuf[tagCount - 1]
                if compareBytes(prev.key, prev.keyCount, key, keyCount) >= 0 { tagsSorted = false }
            }
            tagCount += 1
        }
        // i is at the space ending the series key
        if i - mStart > maxKeyLength {
            return fail(p, .keyTooLong(i - mStart, maxKeyLength), at: i, end: end, eof: eof, nl: 0)
        }
        if !tagsSorted {
            if let dup = sortTags(tagBuf, tagCount) {
                let s = tagBuf[dup]
                failureKeyStart = 0; failureKeyEnd = 0
                dupKey = String(decoding: UnsafeRawBufferPointer(start: s.key, count: s.keyCount), as: UTF8.self)
                return fail(p, .duplicateTag, at: i, end: end, eof: eof, nl: 0)
            }
        }
        while i < end && p[i] == kSpace { i += 1 }

        // ---- fields
        var fieldCount = 0
        var fieldBuf = fields
        let floatScratch = self.floatScratch
        fieldLoop: while true {
            let kStart = i
            flags = 0
            scanKey(p, &i, end, eof, tbl, ByteClass.keyStop, &flags)
            if i == end && !eof { return .incomplete }
            if i == kStart {
                if i == end { return fail(p, .missingFields, at: i, end: end, eof: eof, nl: nl) }
                return fail(p, .invalidFieldKeyStart(p[i]), at: i, end: end, eof: eof, nl: nl)
            }
            if i == end || p[i] != kEquals {
                failureKeyStart = kStart; failureKeyEnd = i
                return fail(p, .missingFieldEquals, at: i, end: end, eof: eof, nl: nl, keyed: true)
            }
            let kEnd = i
            var key = UnsafePointer(p + kStart)
            var keyCount = kEnd - kStart
            if flags & 1 != 0 {
                if scratchBase == nil { scratchBase = ensureScratch(windowLength) }
                let r = unescape(p, kStart, kEnd, into: scratchBase!, &scratchUsed, equalsToo: true)
                key = r.0; keyCount = r.1
            }
            if flags & 2 != 0 && !isValidUTF8(key, keyCount) {
                return fail(p, .invalidUTF8("field key"), at: i, end: end, eof: eof, nl: nl)
            }
            i += 1
            if i == end {
                if !eof { return .incomplete }
                return fail(p, .missingFieldValue, at: i, end: end, eof: eof, nl: nl)
            }
            var slot = FieldSlot(key: key, keyCount: keyCount, kind: .float, bits: 0, double: 0, string: nil, stringCount: 0)
            let c = p[i]
            if c == kQuote {
                i += 1
                let sStart = i
                var sFlags: UInt8 = 0
                let mask = ByteClass.stringSpecial | ByteClass.high
                while true {
                    skipPlain(p, &i, end, tbl, mask)
                    if i >= end { break }
                    let b = p[i]
                    if b == kQuote { break }
                    if b == kBackslash {
                        if i + 1 < end {
                            let n = p[i + 1]
                            if n == kQuote || n == kBackslash { sFlags |= 1; i += 2 } else { i += 1 }
                            continue
                        }
                        if !eof { i = end; break }
                        i += 1
                        continue
                    }
                    if b == kNewline { nl += 1 } else { sFlags |= 2 }
                    i += 1
                }
                if i == end {
                    if !eof { return .incomplete }
                    return fail(p, .unbalancedQuotes, at: i, end: end, eof: eof, nl: nl)
                }
                var sp = UnsafePointer(p + sStart)
                var sc = i - sStart
                if sFlags & 1 != 0 {
                    if scratchBase == nil { scratchBase = ensureScratch(windowLength) }
                    let r = unescapeString(p, sStart, i, into: scratchBase!, &scratchUsed)
                    sp = r.0; sc = r.1
                }
                if sFlags & 2 != 0 && !isValidUTF8(sp, sc) {
                    return fail(p, .invalidUTF8("string field value"), at: i, end: end, eof: eof, nl: nl)
                }
                i += 1 // closing quote
                slot.kind = .string
                slot.string = sp
                slot.stringCount = sc
            } else {
                let vStart = i
                skipPlain(p, &i, end, tbl, ByteClass.fieldValueStop)
                if i == end && !eof { return .incomplete }
                let vp = p + vStart
                let vn = i - vStart
                switch c {
                case 0x30...0x39, 0x2D, 0x2E: // digit, '-', '.'
                    let last = p[i - 1]
                    if last == 0x69 { // i
                        switch parseInt64(vp, vn - 1) {
                        case .value(let v): slot.kind = .int; slot.bits = UInt64(bitPattern: v)
                        case .invalid:
                            failureKeyStart = kStart; failureKeyEnd = kEnd
                            return fail(p, .invalidNumber, at: i, end: end, eof: eof, nl: nl, keyed: true)
                        case .outOfRange:
                            failureKeyStart = kStart; failureKeyEnd = kEnd
                            return fail(p, .integerOutOfRange, at: i, end: end, eof: eof, nl: nl, keyed: true)
                        }
                    } else if last == 0x75 { // u
                        switch parseUInt64(vp, vn - 1) {
                        case .value(let v): slot.kind = .uint; slot.bits = v
                        case .invalid:
                            failureKeyStart = kStart; failureKeyEnd = kEnd
                            return fail(p, .invalidNumber, at: i, end: end, eof: eof, nl: nl, keyed: true)
                        case .outOfRange:
                            failureKeyStart = kStart; failureKeyEnd = kEnd
                            return fail(p, .unsignedOutOfRange, at: i, end: end, eof: eof, nl: nl, keyed: true)
                        }
                    } else {
                        switch parseFloat(vp, vn, floatScratch) {
                        case .value(let v): slot.kind = .float; slot.double = v
                        case .invalid:
                            failureKeyStart = kStart; failureKeyEnd = kEnd
                            return fail(p, .invalidNumber, at: i, end: end, eof: eof, nl: nl, keyed: true)
                        case .outOfRange:
                            failureKeyStart = kStart; failureKeyEnd = kEnd
                            return fail(p, .floatOutOfRange, at: i, end: end, eof: eof, nl: nl, keyed: true)
                        }
                    }
                case 0x74, 0x54, 0x66, 0x46: // t T f F
                    guard let b = parseBool(vp, vn) else {
                        failureKeyStart = kStart; failureKeyEnd = kEnd
                        return fail(p, .invalidBoolean, at: i, end: end, eof: eof, nl: nl, keyed: true)
                    }
                    slot.kind = .bool
                    slot.bits = b ? 1 : 0
                case kSpace, kComma, kNewline, kReturn:
                    return fail(p, .missingFieldValue, at: vStart, end: end, eof: eof, nl: nl)
                default:
                    failureKeyStart = kStart; failureKeyEnd = kEnd
                    return fail(p, .invalidFieldFormat, at: vStart, end: end, eof: eof, nl: nl, keyed: true)
                }
            }
            if keyCount == 4 && timeKeyPolicy != .allow && isTime(key) {
                if timeKeyPolicy == .reject {
                    return fail(p, .timeFieldKey, at: i, end: end, eof: eof, nl: nl)
                }
            } else {
                if fieldCount == fieldCapacity { growFields(); fieldBuf = fields }
                fieldBuf[fieldCount] = slot
                fieldCount += 1
            }

            // after the value: ',', whitespace, or the end
            if i == end {
                if !eof { return .incomplete }
                break fieldLoop
            }
            let a = p[i]
            if a == kComma { i += 1; continue fieldLoop }
            if a != kSpace && a != kNewline && a != kReturn {
                failureKeyStart = kStart; failureKeyEnd = kEnd
                return fail(p, .unexpectedAfterField(a), at: i, end: end, eof: eof, nl: nl, keyed: true)
            }
            break fieldLoop
        }

        // ---- optional timestamp and the end of line
        var timestamp = defaultTimestamp
        eol: do {
            while i < end && p[i] == kSpace { i += 1 }
            if i == end {
                if !eof { return .incomplete }
                break eol
            }
            if p[i] == kNewline { i += 1; nl += 1; break eol }
            if p[i] == kReturn {
                if i + 1 == end {
                    if !eof { return .incomplete }
                    i += 1
                    break eol
                }
                if p[i + 1] == kNewline { i += 2; nl += 1; break eol }
            }
            // timestamp
            let tStart = i
            while i < end {
                let b = p[i]
                if (b &- 0x30) <= 9 || b == 0x2D { i += 1 } else { break }
            }
            if i == end && !eof { return .incomplete }
            if i == tStart { return fail(p, .badTimestamp, at: i, end: end, eof: eof, nl: nl) }
            if i < end {
                let b = p[i]
                if b != kSpace && b != kNewline && b != kReturn {
                    return fail(p, .badTimestamp, at: i, end: end, eof: eof, nl: nl)
                }
            }
            switch parseInt64(p + tStart, i - tStart) {
            case .value(let v):
                let unit = unitNanos
                if unit == 1 {
                    timestamp = v
                } else {
                    let (ns, overflow) = v.multipliedReportingOverflow(by: unit)
                    if overflow { return fail(p, .timestampOutOfRange, at: i, end: end, eof: eof, nl: nl) }
                    timestamp = ns
                }
            case .invalid:
                return fail(p, .badTimestamp, at: i, end: end, eof: eof, nl: nl)
            case .outOfRange:
                return fail(p, .timestampOutOfRange, at: i, end: end, eof: eof, nl: nl)
            }
            while i < end && p[i] == kSpace { i += 1 }
            if i == end {
                if !eof { return .incomplete }
                break eol
            }
            if p[i] == kNewline { i += 1; nl += 1; break eol }
            if p[i] == kReturn {
                if i + 1 == end {
                    if !eof { return .incomplete }
                    i += 1
                    break eol
                }
                if p[i + 1] == kNewline { i += 2; nl += 1; break eol }
            }
            return fail(p, .badTimestamp, at: i, end: end, eof: eof, nl: nl)
        }

        if fieldCount == 0 {
            // only possible when every field was named `time` and dropped (InfluxDB 1.x rule);
            // the line terminator is already consumed, so the entry ends here.
            failureKeyStart = 0; failureKeyEnd = 0
            failure = .timeFieldKey
            next = i
            newlines = nl
            return .failed
        }

        pointMeasurement = measurement
        pointMeasurementCount = measurementCount
        pointTagCount = tagCount
        pointFieldCount = fieldCount
        pointTimestamp = timestamp
        next = i
        newlines = nl
        return .point
    }

    var dupKey = ""

    /// Records a failure at `at` and skips to the byte after the next newline.
    @inline(never)
    func fail(_ p: UnsafePointer<UInt8>, _ f: Failure, at: Int, end: Int, eof: Bool, nl: Int, keyed: Bool = false) -> EntryKind {
        if !keyed { failureKeyStart = 0; failureKeyEnd = 0 }
        failure = f
        var j = at
        if j < end, let q = memchr(p + j, Int32(kNewline), end - j) {
            j = UnsafePointer<UInt8>(q.assumingMemoryBound(to: UInt8.self)) - p
            next = j + 1
            newlines = nl + 1
            return .failed
        }
        if !eof { return .incomplete }
        next = end
        newlines = nl
        return .failed
    }
}

@inline(__always)
private func isTime(_ k: UnsafePointer<UInt8>) -> Bool {
    k[0] == 0x74 && k[1] == 0x69 && k[2] == 0x6D && k[3] == 0x65
}

@inline(__always)
private func parseBool(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool? {
    switch n {
    case 1:
        switch p[0] {
        case 0x74, 0x54: return true
        case 0x66, 0x46: return false
        default: return nil
        }
    case 4:
        // true True TRUE
        let c0 = p[0], c1 = p[1], c2 = p[2], c3 = p[3]
        if c0 == 0x74 && c1 == 0x72 && c2 == 0x75 && c3 == 0x65 { return true }
        if c0 == 0x54 && c1 == 0x72 && c2 == 0x75 && c3 == 0x65 { return true }
        if c0 == 0x54 && c1 == 0x52 && c2 == 0x55 && c3 == 0x45 { return true }
        return nil
    case 5:
        // false False FALSE
        let c0 = p[0], c1 = p[1], c2 = p[2], c3 = p[3], c4 = p[4]
        if c0 == 0x66 && c1 == 0x61 && c2 == 0x6C && c3 == 0x73 && c4 == 0x65 { return false }
        if c0 == 0x46 && c1 == 0x61 && c2 == 0x6C && c3 == 0x73 && c4 == 0x65 { return false }
        if c0 == 0x46 && c1 == 0x41 && c2 == 0x4C && c3 == 0x53 && c4 == 0x45 { return false }
        return nil
    default:
        return nil
    }
}

/// Scans a tag key, tag value or field key. Bit 0 of `flags` is set when the token holds an escape
/// sequence, bit 1 when it holds a byte >= 0x80. A backslash at a window end that is not the end of
/// input moves `i` to `end` (the caller then asks for more data).
@inline(__always)
private func scanKey(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ end: Int, _ eof: Bool,
                     _ tbl: UnsafePointer<UInt8>, _ stop: UInt8, _ flags: inout UInt8) {
    let mask = stop | ByteClass.backslash | ByteClass.high
    while true {
        skipPlain(p, &i, end, tbl, mask)
        if i >= end { return }
        let c = p[i]
        if tbl[Int(c)] & stop != 0 { return }
        if c == kBackslash {
            if i + 1 < end {
                let n = p[i + 1]
                if n == kComma || n == kSpace || n == kEquals { flags |= 1; i += 2 } else { i += 1 }
                continue
            }
            if !eof { i = end; return }
            i += 1
            continue
        }
        flags |= 2
        i += 1
    }
}

/// Advances `i` over bytes whose class has no bit of `mask`, four at a time where possible.
@inline(__always)
func skipPlain(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ end: Int, _ tbl: UnsafePointer<UInt8>, _ mask: UInt8) {
    var j = i
    while end - j >= 4 {
        let a = tbl[Int(p[j])], b = tbl[Int(p[j + 1])], c = tbl[Int(p[j + 2])], d = tbl[Int(p[j + 3])]
        if (a | b | c | d) & mask != 0 {
            if a & mask != 0 { i = j; return }
            if b & mask != 0 { i = j + 1; return }
            if c & mask != 0 { i = j + 2; return }
            i = j + 3
            return
        }
        j += 4
    }
    while j < end && tbl[Int(p[j])] & mask == 0 { j += 1 }
    i = j
}

/// Copies p[s..<e] into scratch, replacing `\,` `\ ` (and `\=` when `equalsToo`) by the escaped byte.
@inline(never)
private func unescape(_ p: UnsafePointer<UInt8>, _ s: Int, _ e: Int, into scratch: UnsafeMutablePointer<UInt8>,
                      _ used: inout Int, equalsToo: Bool) -> (UnsafePointer<UInt8>, Int) {
    let out = scratch + used
    var o = 0
    var j = s
    while j < e {
        let c = p[j]
        if c == kBackslash && j + 1 < e {
            let n = p[j + 1]
            if n == kComma || n == kSpace || (equalsToo && n == kEquals) {
                out[o] = n; o += 1; j += 2
                continue
            }
        }
        out[o] = c; o += 1; j += 1
    }
    used += o
    return (UnsafePointer(out), o)
}

/// Copies a string field's content into scratch, replacing `\"` and `\\`.
@inline(never)
private func unescapeString(_ p: UnsafePointer<UInt8>, _ s: Int, _ e: Int, into scratch: UnsafeMutablePointer<UInt8>,
                            _ used: inout Int) -> (UnsafePointer<UInt8>, Int) {
    let out = scratch + used
    var o = 0
    var j = s
    while j < e {
        let c = p[j]
        if c == kBackslash && j + 1 < e {
            let n = p[j + 1]
            if n == kQuote || n == kBackslash {
                out[o] = n; o += 1; j += 2
                continue
            }
        }
        out[o] = c; o += 1; j += 1
    }
    used += o
    return (UnsafePointer(out), o)
}

@inline(__always)
func compareBytes(_ a: UnsafePointer<UInt8>, _ an: Int, _ b: UnsafePointer<UInt8>, _ bn: Int) -> Int {
    let n = min(an, bn)
    var j = 0
    while j < n {
        let x = a[j], y = b[j]
        if x != y { return Int(x) - Int(y) }
        j += 1
    }
    return an - bn
}

/// Sorts tags by key; returns the index of a duplicated key if there is one.
@inline(never)
private func sortTags(_ t: UnsafeMutablePointer<TagSlot>, _ n: Int) -> Int? {
    if n <= 24 {
        var i = 1
        while i < n {
            let x = t[i]
            var j = i - 1
            while j >= 0 {
                let c = compareBytes(t[j].key, t[j].keyCount, x.key, x.keyCount)
                if c == 0 { return j }
                if c < 0 { break }
                t[j + 1] = t[j]
                j -= 1
            }
            t[j + 1] = x
            i += 1
        }
        return nil
    }
    var buf = UnsafeMutableBufferPointer(start: t, count: n)
    buf.sort { compareBytes($0.key, $0.keyCount, $1.key, $1.keyCount) < 0 }
    for i in 1..<n where compareBytes(t[i - 1].key, t[i - 1].keyCount, t[i].key, t[i].keyCount) == 0 {
        return i
    }
    return nil
}
