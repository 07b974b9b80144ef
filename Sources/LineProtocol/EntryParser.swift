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
    ///
    /// The steps a reader can name, each returning the entry's kind when it ends the entry (a blank
    /// line, a failure, more data needed) and nil to go on: `skipBlankOrComment`, `measurement`,
    /// `tagSet`, `fieldSet` (with `fieldValue` per field), `timestampAndLineEnd`.
    @inline(__always)
    func parseEntry(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, eof: Bool) -> EntryKind {
        newlines = 0
        var c = EntryCursor(p: p, start: start, end: end, eof: eof)
        if let k = skipBlankOrComment(&c) { return k }
        if let k = measurement(&c) { return k }
        if let k = tagSet(&c) { return k }
        if let k = fieldSet(&c) { return k }
        if let k = timestampAndLineEnd(&c) { return k }
        if c.fieldCount == 0 {
            // only possible when every field was named `time` and dropped (InfluxDB 1.x rule);
            // the line terminator is already consumed, so the entry ends here.
            failureKeyStart = 0; failureKeyEnd = 0
            failure = .timeFieldKey
            next = c.i
            newlines = c.nl
            return .failed
        }
        pointMeasurement = c.measurement
        pointMeasurementCount = c.measurementCount
        pointTagCount = c.tagCount
        pointFieldCount = c.fieldCount
        pointTimestamp = c.timestamp
        next = c.i
        newlines = c.nl
        return .point
    }

    /// Where one entry's parse stands: the window, the position, and what has been read so far.
    struct EntryCursor {
        let p: UnsafePointer<UInt8>
        let start: Int
        let end: Int
        let eof: Bool
        var i: Int
        /// Newlines consumed (inside string fields, then the line end).
        var nl = 0
        var scratchBase: UnsafeMutablePointer<UInt8>? = nil
        var scratchUsed = 0
        var measurement = UnsafePointer<UInt8>(bitPattern: 1)!
        var measurementCount = 0
        var tagCount = 0
        var fieldCount = 0
        var timestamp: Int64 = 0

        init(p: UnsafePointer<UInt8>, start: Int, end: Int, eof: Bool) {
            self.p = p
            self.start = start
            self.end = end
            self.eof = eof
            i = start
        }

        /// At the window's end: `.incomplete` unless the input really ends here.
        @inline(__always)
        var atEnd: Bool { i == end }
    }

    /// `fail` at the cursor's window.
    @inline(__always)
    func fail(_ c: EntryCursor, _ f: Failure, at: Int, keyed: Bool = false) -> EntryKind {
        fail(c.p, f, at: at, end: c.end, eof: c.eof, nl: c.nl, keyed: keyed)
    }

    /// p[s..<e] with its escapes removed (into the scratch buffer) when `escaped`, else in place.
    @inline(__always)
    func unescaped(_ c: inout EntryCursor, _ s: Int, _ e: Int, escaped: Bool, equalsToo: Bool) -> (UnsafePointer<UInt8>, Int) {
        guard escaped else { return (UnsafePointer(c.p + s), e - s) }
        if c.scratchBase == nil { c.scratchBase = ensureScratch(c.end - c.start) }
        return unescape(c.p, s, e, into: c.scratchBase!, &c.scratchUsed, equalsToo: equalsToo)
    }

    /// Leading spaces, then a blank line or a comment (which end the entry), or the measurement's start.
    @inline(__always)
    func skipBlankOrComment(_ c: inout EntryCursor) -> EntryKind? {
        let (p, end, eof, tbl) = (c.p, c.end, c.eof, classTable)
        var i = c.i
        while i < end && p[i] == kSpace { i += 1 }
        c.i = i
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
                return fail(c, .invalidMeasurementStart(kReturn), at: i)
            }
            if !eof { return .incomplete }
            next = end
            return .skipped
        }
        guard first == kHash else { return nil }
        var j = i + 1
        while j < end && tbl[Int(p[j])] & ByteClass.control == 0 { j += 1 }
        if j == end {
            if !eof { return .incomplete }
            next = end
            return .skipped
        }
        let b = p[j]
        if b == kNewline {
            next = j + 1
            newlines = 1
            return .skipped
        }
        if b == kReturn {
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
        return fail(c, .invalidComment, at: i)
    }

    /// The measurement: up to an unescaped comma or space.
    @inline(__always)
    func measurement(_ c: inout EntryCursor) -> EntryKind? {
        let (p, end, eof, tbl) = (c.p, c.end, c.eof, classTable)
        var i = c.i
        let mStart = i
        var flags: UInt8 = 0
        let mask = ByteClass.measurementStop | ByteClass.backslash | ByteClass.high
        while true {
            skipPlain(p, &i, end, tbl, mask)
            if i >= end { break }
            let b = p[i]
            if tbl[Int(b)] & ByteClass.measurementStop != 0 { break }
            if b == kBackslash {
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
        c.i = i
        if i == end && !eof { return .incomplete }
        measurementStart = mStart
        measurementEnd = i
        if i == mStart {
            if i == end || p[i] == kComma { return fail(c, .missingMeasurement, at: i) }
            return fail(c, .invalidMeasurementStart(p[i]), at: i)
        }
        (c.measurement, c.measurementCount) = unescaped(&c, mStart, i, escaped: flags & 1 != 0, equalsToo: false)
        if flags & 2 != 0 && !isValidUTF8(c.measurement, c.measurementCount) {
            return fail(c, .invalidUTF8("measurement"), at: i)
        }
        return nil
    }

    /// `,key=value` pairs up to the space before the fields; sorted by key, duplicates refused.
    @inline(__always)
    func tagSet(_ c: inout EntryCursor) -> EntryKind? {
        let (p, end, eof, tbl) = (c.p, c.end, c.eof, classTable)
        let mStart = measurementStart
        var tagCount = 0
        var tagsSorted = true
        var tagBuf = tags
        while true {
            if c.atEnd {
                if !eof { return .incomplete }
                return fail(c, .missingFields, at: c.i)
            }
            let b = p[c.i]
            if b == kSpace { break }
            if b != kComma { return fail(c, .unexpectedAfterTag(b), at: c.i) }
            c.i += 1
            if c.atEnd {
                if !eof { return .incomplete }
                return fail(c, .missingTagKeyAfterComma, at: c.i)
            }
            let c1 = p[c.i]
            if c1 == kSpace || c1 == kNewline || c1 == kReturn { return fail(c, .missingTagKeyAfterComma, at: c.i) }
            // tag key
            let kStart = c.i
            var kFlags: UInt8 = 0
            scanKey(p, &c.i, end, eof, tbl, ByteClass.keyStop, &kFlags)
            if c.atEnd && !eof { return .incomplete }
            if c.i == kStart { return fail(c, .missingTagKey, at: c.i) }
            if c.atEnd || p[c.i] != kEquals {
                failureKeyStart = kStart; failureKeyEnd = c.i
                return fail(c, .missingTagEquals, at: c.i, keyed: true)
            }
            let kEnd = c.i
            c.i += 1
            // tag value
            let vStart = c.i
            var vFlags: UInt8 = 0
            scanKey(p, &c.i, end, eof, tbl, ByteClass.tagValueStop, &vFlags)
            if c.atEnd && !eof { return .incomplete }
            if c.i == vStart {
                failureKeyStart = kStart; failureKeyEnd = kEnd
                return fail(c, .missingTagValue, at: c.i, keyed: true)
            }
            let (key, keyCount) = unescaped(&c, kStart, kEnd, escaped: kFlags & 1 != 0, equalsToo: true)
            if kFlags & 2 != 0 && !isValidUTF8(key, keyCount) { return fail(c, .invalidUTF8("tag key"), at: c.i) }
            let (value, valueCount) = unescaped(&c, vStart, c.i, escaped: vFlags & 1 != 0, equalsToo: true)
            if vFlags & 2 != 0 && !isValidUTF8(value, valueCount) { return fail(c, .invalidUTF8("tag value"), at: c.i) }
            if keyCount == 4 && timeKeyPolicy != .allow && isTime(key) { return fail(c, .timeTagKey, at: c.i) }
            if tagCount == tagCapacity { growTags(); tagBuf = tags }
            tagBuf[tagCount] = TagSlot(key: key, keyCount: keyCount, value: value, valueCount: valueCount)
            if tagsSorted && tagCount > 0 {
                let prev = tagBuf[tagCount - 1]
                if compareBytes(prev.key, prev.keyCount, key, keyCount) >= 0 { tagsSorted = false }
            }
            tagCount += 1
        }
        // c.i is at the space ending the series key
        if c.i - mStart > maxKeyLength { return fail(c, .keyTooLong(c.i - mStart, maxKeyLength), at: c.i) }
        if !tagsSorted, let dup = sortTags(tagBuf, tagCount) {
            let s = tagBuf[dup]
            failureKeyStart = 0; failureKeyEnd = 0
            dupKey = String(decoding: UnsafeRawBufferPointer(start: s.key, count: s.keyCount), as: UTF8.self)
            return fail(c, .duplicateTag, at: c.i)
        }
        while c.i < end && p[c.i] == kSpace { c.i += 1 }
        c.tagCount = tagCount
        return nil
    }

    /// `key=value` pairs separated by commas; a field named `time` is dropped or refused per the
    /// time-key policy.
    @inline(__always)
    func fieldSet(_ c: inout EntryCursor) -> EntryKind? {
        let (p, end, eof, tbl) = (c.p, c.end, c.eof, classTable)
        var fieldCount = 0
        var fieldBuf = fields
        while true {
            let kStart = c.i
            var kFlags: UInt8 = 0
            scanKey(p, &c.i, end, eof, tbl, ByteClass.keyStop, &kFlags)
            if c.atEnd && !eof { return .incomplete }
            if c.i == kStart {
                if c.atEnd { return fail(c, .missingFields, at: c.i) }
                return fail(c, .invalidFieldKeyStart(p[c.i]), at: c.i)
            }
            if c.atEnd || p[c.i] != kEquals {
                failureKeyStart = kStart; failureKeyEnd = c.i
                return fail(c, .missingFieldEquals, at: c.i, keyed: true)
            }
            let kEnd = c.i
            let (key, keyCount) = unescaped(&c, kStart, kEnd, escaped: kFlags & 1 != 0, equalsToo: true)
            if kFlags & 2 != 0 && !isValidUTF8(key, keyCount) { return fail(c, .invalidUTF8("field key"), at: c.i) }
            c.i += 1
            if c.atEnd {
                if !eof { return .incomplete }
                return fail(c, .missingFieldValue, at: c.i)
            }
            var slot = FieldSlot(key: key, keyCount: keyCount, kind: .float, bits: 0, double: 0, string: nil, stringCount: 0)
            if let k = fieldValue(&c, &slot, keyStart: kStart, keyEnd: kEnd) { return k }
            if keyCount == 4 && timeKeyPolicy != .allow && isTime(key) {
                if timeKeyPolicy == .reject { return fail(c, .timeFieldKey, at: c.i) }
            } else {
                if fieldCount == fieldCapacity { growFields(); fieldBuf = fields }
                fieldBuf[fieldCount] = slot
                fieldCount += 1
            }
            // after the value: ',', whitespace, or the end
            if c.atEnd {
                if !eof { return .incomplete }
                break
            }
            let a = p[c.i]
            if a == kComma { c.i += 1; continue }
            if a != kSpace && a != kNewline && a != kReturn {
                failureKeyStart = kStart; failureKeyEnd = kEnd
                return fail(c, .unexpectedAfterField(a), at: c.i, keyed: true)
            }
            break
        }
        c.fieldCount = fieldCount
        return nil
    }

    /// One field value into `slot`: a quoted string, an integer (`i`), an unsigned (`u`), a float
    /// or a boolean.
    @inline(__always)
    func fieldValue(_ c: inout EntryCursor, _ slot: inout FieldSlot, keyStart kStart: Int, keyEnd kEnd: Int) -> EntryKind? {
        let (p, end, eof, tbl) = (c.p, c.end, c.eof, classTable)
        /// A failure that names the field's key.
        func keyed(_ f: Failure, at: Int) -> EntryKind {
            failureKeyStart = kStart; failureKeyEnd = kEnd
            return fail(c, f, at: at, keyed: true)
        }
        let first = p[c.i]
        if first == kQuote {
            c.i += 1
            let sStart = c.i
            var sFlags: UInt8 = 0
            let mask = ByteClass.stringSpecial | ByteClass.high
            while true {
                skipPlain(p, &c.i, end, tbl, mask)
                if c.i >= end { break }
                let b = p[c.i]
                if b == kQuote { break }
                if b == kBackslash {
                    if c.i + 1 < end {
                        let n = p[c.i + 1]
                        if n == kQuote || n == kBackslash { sFlags |= 1; c.i += 2 } else { c.i += 1 }
                        continue
                    }
                    if !eof { c.i = end; break }
                    c.i += 1
                    continue
                }
                if b == kNewline { c.nl += 1 } else { sFlags |= 2 }
                c.i += 1
            }
            if c.atEnd {
                if !eof { return .incomplete }
                return fail(c, .unbalancedQuotes, at: c.i)
            }
            var sp = UnsafePointer(p + sStart)
            var sc = c.i - sStart
            if sFlags & 1 != 0 {
                if c.scratchBase == nil { c.scratchBase = ensureScratch(c.end - c.start) }
                (sp, sc) = unescapeString(p, sStart, c.i, into: c.scratchBase!, &c.scratchUsed)
            }
            if sFlags & 2 != 0 && !isValidUTF8(sp, sc) { return fail(c, .invalidUTF8("string field value"), at: c.i) }
            c.i += 1 // closing quote
            slot.kind = .string
            slot.string = sp
            slot.stringCount = sc
            return nil
        }
        let vStart = c.i
        skipPlain(p, &c.i, end, tbl, ByteClass.fieldValueStop)
        if c.atEnd && !eof { return .incomplete }
        let vp = p + vStart
        let vn = c.i - vStart
        switch first {
        case 0x30...0x39, 0x2D, 0x2E: // digit, '-', '.'
            let last = p[c.i - 1]
            if last == 0x69 { // i
                switch parseInt64(vp, vn - 1) {
                case .value(let v): slot.kind = .int; slot.bits = UInt64(bitPattern: v)
                case .invalid: return keyed(.invalidNumber, at: c.i)
                case .outOfRange: return keyed(.integerOutOfRange, at: c.i)
                }
            } else if last == 0x75 { // u
                switch parseUInt64(vp, vn - 1) {
                case .value(let v): slot.kind = .uint; slot.bits = v
                case .invalid: return keyed(.invalidNumber, at: c.i)
                case .outOfRange: return keyed(.unsignedOutOfRange, at: c.i)
                }
            } else {
                switch parseFloat(vp, vn, floatScratch) {
                case .value(let v): slot.kind = .float; slot.double = v
                case .invalid: return keyed(.invalidNumber, at: c.i)
                case .outOfRange: return keyed(.floatOutOfRange, at: c.i)
                }
            }
        case 0x74, 0x54, 0x66, 0x46: // t T f F
            guard let b = parseBool(vp, vn) else { return keyed(.invalidBoolean, at: c.i) }
            slot.kind = .bool
            slot.bits = b ? 1 : 0
        case kSpace, kComma, kNewline, kReturn:
            return fail(c, .missingFieldValue, at: vStart)
        default:
            return keyed(.invalidFieldFormat, at: vStart)
        }
        return nil
    }

    /// The optional timestamp (in the parser's precision) and the line's end.
    @inline(__always)
    func timestampAndLineEnd(_ c: inout EntryCursor) -> EntryKind? {
        let (p, end, eof) = (c.p, c.end, c.eof)
        c.timestamp = defaultTimestamp
        if let k = lineEnd(&c) { return k == .point ? nil : k }
        let tStart = c.i
        while c.i < end {
            let b = p[c.i]
            if (b &- 0x30) <= 9 || b == 0x2D { c.i += 1 } else { break }
        }
        if c.atEnd && !eof { return .incomplete }
        if c.i == tStart { return fail(c, .badTimestamp, at: c.i) }
        if c.i < end {
            let b = p[c.i]
            if b != kSpace && b != kNewline && b != kReturn { return fail(c, .badTimestamp, at: c.i) }
        }
        switch parseInt64(p + tStart, c.i - tStart) {
        case .value(let v):
            let unit = unitNanos
            if unit == 1 {
                c.timestamp = v
            } else {
                let (ns, overflow) = v.multipliedReportingOverflow(by: unit)
                if overflow { return fail(c, .timestampOutOfRange, at: c.i) }
                c.timestamp = ns
            }
        case .invalid: return fail(c, .badTimestamp, at: c.i)
        case .outOfRange: return fail(c, .timestampOutOfRange, at: c.i)
        }
        if let k = lineEnd(&c) { return k == .point ? nil : k }
        return fail(c, .badTimestamp, at: c.i)
    }

    /// Spaces then the end of the line (`\n`, `\r\n`, or the end of input): `.point` when
    /// consumed, `.incomplete` when more data is needed, nil when something else follows.
    @inline(__always)
    func lineEnd(_ c: inout EntryCursor) -> EntryKind? {
        let (p, end, eof) = (c.p, c.end, c.eof)
        while c.i < end && p[c.i] == kSpace { c.i += 1 }
        if c.atEnd { return eof ? .point : .incomplete }
        if p[c.i] == kNewline { c.i += 1; c.nl += 1; return .point }
        if p[c.i] == kReturn {
            if c.i + 1 == end {
                if !eof { return .incomplete }
                c.i += 1
                return .point
            }
            if p[c.i + 1] == kNewline { c.i += 2; c.nl += 1; return .point }
        }
        return nil
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
