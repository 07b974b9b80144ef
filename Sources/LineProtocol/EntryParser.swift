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
    @exclusivity(unchecked) var unitNanos: Int64
    /// Time for lines without a timestamp, as given by the caller.
    var defaultTime: Int64 { didSet { defaultTimestamp = precision.truncate(defaultTime) } }
    /// `defaultTime` truncated to the precision.
    @exclusivity(unchecked) var defaultTimestamp: Int64
    var maxLineLength: Int
    @exclusivity(unchecked) var maxKeyLength: Int
    @exclusivity(unchecked) var timeKeyPolicy: TimeKeyPolicy

    let classTable = ByteClass.table

    // per-entry output. The fields an entry's parse reads and writes once per line skip the
    // runtime exclusivity checks: only `EntryScan` and the parser's own loop touch them, on one
    // thread (a parser is not shared).
    @exclusivity(unchecked) var tags: UnsafeMutablePointer<TagSlot>
    @exclusivity(unchecked) var tagCapacity: Int
    @exclusivity(unchecked) var fields: UnsafeMutablePointer<FieldSlot>
    @exclusivity(unchecked) var fieldCapacity: Int
    var scratch: UnsafeMutablePointer<UInt8>?
    var scratchCapacity: Int
    let floatScratch = FloatScratch()

    // the last failed entry, for `makeError`
    @exclusivity(unchecked) var failure: Failure = .missingMeasurement
    @exclusivity(unchecked) var failureKeyStart = 0
    @exclusivity(unchecked) var failureKeyEnd = 0
    @exclusivity(unchecked) var measurementStart = 0
    @exclusivity(unchecked) var measurementEnd = 0

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
    func growTags() { Self.double(&tags, &tagCapacity) }

    @inline(never)
    func growFields() { Self.double(&fields, &fieldCapacity) }

    /// Doubles a slot buffer, moving its contents.
    private static func double<T>(_ buffer: inout UnsafeMutablePointer<T>, _ capacity: inout Int) {
        let bigger = UnsafeMutablePointer<T>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: buffer, count: capacity)
        buffer.deallocate()
        buffer = bigger
        capacity *= 2
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

    var dupKey = ""

    /// Parses one entry (a point, a blank line or a comment) starting at `start`, looking no further than
    /// `end`. `eof` says that `end` is the real end of the input; otherwise reaching `end` before the
    /// entry is complete yields `.incomplete`. On return `next` is where the following entry starts and
    /// `newlines` counts the newline bytes consumed.
    ///
    /// The work is done by an `EntryScan`, a value holding what the entry needs (so its steps touch
    /// no class state and pay no exclusivity checks), in the steps a reader can name:
    /// `skipBlankOrComment`, `parseMeasurement`, `tagSet`, `fieldSet` (`fieldValue` per field),
    /// `timestampAndLineEnd`. The caller reads the point (or where the next entry starts) from the
    /// returned scan; a failure's details are kept here, for `makeError`.
    @inline(__always)
    func parseEntry(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, eof: Bool) -> EntryScan {
        var scan = EntryScan(core: self, p: p, start: start, end: end, eof: eof)
        scan.kind = scan.run()
        return scan
    }}

/// One entry's parse: the window, what it needs of the parser's configuration and buffers
/// (copied in once), where it stands, and what it found.
struct EntryScan {
    unowned(unsafe) let core: ParserCore
    let p: UnsafePointer<UInt8>
    let start: Int
    let end: Int
    let eof: Bool
    let tbl: UnsafePointer<UInt8>
    let maxKeyLength: Int
    let timeKeyPolicy: TimeKeyPolicy
    let defaultTimestamp: Int64
    let unitNanos: Int64
    var tags: UnsafeMutablePointer<TagSlot>
    var tagCapacity: Int
    var fields: UnsafeMutablePointer<FieldSlot>
    var fieldCapacity: Int
    /// Where the scan stands, and the newlines consumed (inside string fields, then the line end).
    var i: Int
    var nl = 0
    var scratchBase: UnsafeMutablePointer<UInt8>? = nil
    var scratchUsed = 0
    // What was found.
    var measurement = UnsafePointer<UInt8>(bitPattern: 1)!
    var measurementCount = 0
    var measurementStart = 0
    var measurementEnd = 0
    var tagCount = 0
    var fieldCount = 0
    var timestamp: Int64 = 0
    // How it ended: the kind, where the next entry starts and the newlines consumed.
    var kind = EntryKind.incomplete
    var next = 0
    var newlines = 0

    @inline(__always)
    init(core: ParserCore, p: UnsafePointer<UInt8>, start: Int, end: Int, eof: Bool) {
        self.core = core
        self.p = p
        self.start = start
        self.end = end
        self.eof = eof
        tbl = core.classTable
        maxKeyLength = core.maxKeyLength
        timeKeyPolicy = core.timeKeyPolicy
        defaultTimestamp = core.defaultTimestamp
        unitNanos = core.unitNanos
        (tags, tagCapacity, fields, fieldCapacity) = (core.tags, core.tagCapacity, core.fields, core.fieldCapacity)
        i = start
    }

    @inline(always)
    mutating func run() -> EntryKind {
        if let k = skipBlankOrComment() { return k }
        if let k = parseMeasurement() { return k }
        if let k = tagSet() { return k }
        if let k = fieldSet() { return k }
        if let k = timestampAndLineEnd() { return k }
        next = i
        newlines = nl
        if fieldCount == 0 {
            // only possible when every field was named `time` and dropped (InfluxDB 1.x rule);
            // the line terminator is already consumed, so the entry ends here.
            (core.failure, core.failureKeyStart, core.failureKeyEnd) = (.timeFieldKey, 0, 0)
            (core.measurementStart, core.measurementEnd) = (measurementStart, measurementEnd)
            return .failed
        }
        return .point
    }

    /// Records a failure at `at` and skips to the byte after the next newline. A failure that
    /// names a key passes its range.
    @inline(always)
    mutating func fail(_ f: Failure, at: Int, key: Range<Int>? = nil) -> EntryKind {
        let r = EntryScan.failed(self, f, at: at, key: key)
        (next, newlines) = (r.next, r.newlines)
        return r.kind
    }

    /// The out-of-line part of `fail`: the failure's details into the parser (for `makeError`)
    /// and where the entry after the failed one starts (after the next newline from `at`).
    @inline(never)
    static func failed(_ s: EntryScan, _ f: Failure, at: Int, key: Range<Int>?) -> (kind: EntryKind, next: Int, newlines: Int) {
        let core = s.core
        (core.failureKeyStart, core.failureKeyEnd) = key.map { ($0.lowerBound, $0.upperBound) } ?? (0, 0)
        core.failure = f
        (core.measurementStart, core.measurementEnd) = (s.measurementStart, s.measurementEnd)
        if at < s.end, let q = memchr(s.p + at, Int32(kNewline), s.end - at) {
            return (.failed, UnsafePointer<UInt8>(q.assumingMemoryBound(to: UInt8.self)) - s.p + 1, s.nl + 1)
        }
        return (s.eof ? .failed : .incomplete, s.end, s.nl)
    }

    /// p[s..<e] with its escapes removed (into the parser's scratch buffer) when `escaped`, else in place.
    @inline(always)
    mutating func unescaped(_ s: Int, _ e: Int, escaped: Bool, _ escapes: EscapeSet) -> (UnsafePointer<UInt8>, Int) {
        guard escaped else { return (p + s, e - s) }
        if scratchBase == nil { scratchBase = core.ensureScratch(end - start) }
        return unescape(p, s, e, into: scratchBase!, &scratchUsed, escapes)
    }

    /// Leading spaces, then a blank line or a comment (which end the entry), or the measurement's start.
    @inline(always)
    mutating func skipBlankOrComment() -> EntryKind? {
        while i < end && p[i] == kSpace { i += 1 }
        if let k = endOfSkippedLine(at: i) { return k }
        // solitary CR: not a valid start of a measurement
        if p[i] == kReturn { return fail(.invalidMeasurementStart(kReturn), at: i) }
        guard p[i] == kHash else { return nil }
        var j = i + 1
        while j < end && tbl[Int(p[j])] & ByteClass.control == 0 { j += 1 }
        if let k = endOfSkippedLine(at: j) { return k }
        return fail(.invalidComment, at: i)
    }

    /// The end of a blank or comment line at `k`: `\n` or `\r\n` there, or the end of the input
    /// (`.skipped`, with `next` and `newlines` set); `.incomplete` when the window ends first;
    /// nil when something else is there.
    @inline(always)
    mutating func endOfSkippedLine(at k: Int) -> EntryKind? {
        if k == end || (p[k] == kReturn && k + 1 == end) {
            if !eof { return .incomplete }
            next = end
            return .skipped
        }
        if p[k] == kNewline || (p[k] == kReturn && p[k + 1] == kNewline) {
            next = k + (p[k] == kNewline ? 1 : 2)
            newlines = 1
            return .skipped
        }
        return nil
    }

    /// The measurement: up to an unescaped comma or space.
    @inline(always)
    mutating func parseMeasurement() -> EntryKind? {
        var i = self.i  // locals: stores through the slot buffers cannot alias them
        defer { self.i = i }
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
        if i == end && !eof { return .incomplete }
        measurementStart = mStart
        measurementEnd = i
        if i == mStart {
            if i == end || p[i] == kComma { return fail(.missingMeasurement, at: i) }
            return fail(.invalidMeasurementStart(p[i]), at: i)
        }
        (measurement, measurementCount) = unescaped(mStart, i, escaped: flags & 1 != 0, .measurement)
        if flags & 2 != 0 && !isValidUTF8(measurement, measurementCount) {
            return fail(.invalidUTF8("measurement"), at: i)
        }
        return nil
    }

    /// `,key=value` pairs up to the space before the fields; sorted by key, duplicates refused.
    @inline(always)
    mutating func tagSet() -> EntryKind? {
        var i = self.i
        defer { self.i = i }
        var count = 0
        var sorted = true
        while true {
            if i == end {
                if !eof { return .incomplete }
                return fail(.missingFields, at: i)
            }
            let b = p[i]
            if b == kSpace { break }
            if b != kComma { return fail(.unexpectedAfterTag(b), at: i) }
            i += 1
            if i == end {
                if !eof { return .incomplete }
                return fail(.missingTagKeyAfterComma, at: i)
            }
            let c1 = p[i]
            if c1 == kSpace || c1 == kNewline || c1 == kReturn { return fail(.missingTagKeyAfterComma, at: i) }
            // tag key
            let kStart = i
            var kFlags: UInt8 = 0
            scanKey(p, &i, end, eof, tbl, ByteClass.keyStop, &kFlags)
            if i == end && !eof { return .incomplete }
            if i == kStart { return fail(.missingTagKey, at: i) }
            if i == end || p[i] != kEquals { return fail(.missingTagEquals, at: i, key: kStart..<i) }
            let kEnd = i
            i += 1
            // tag value
            let vStart = i
            var vFlags: UInt8 = 0
            scanKey(p, &i, end, eof, tbl, ByteClass.tagValueStop, &vFlags)
            if i == end && !eof { return .incomplete }
            if i == vStart { return fail(.missingTagValue, at: i, key: kStart..<kEnd) }
            let (key, keyCount) = unescaped(kStart, kEnd, escaped: kFlags & 1 != 0, .key)
            if kFlags & 2 != 0 && !isValidUTF8(key, keyCount) { return fail(.invalidUTF8("tag key"), at: i) }
            let (value, valueCount) = unescaped(vStart, i, escaped: vFlags & 1 != 0, .key)
            if vFlags & 2 != 0 && !isValidUTF8(value, valueCount) { return fail(.invalidUTF8("tag value"), at: i) }
            if keyCount == 4 && timeKeyPolicy != .allow && isTime(key) { return fail(.timeTagKey, at: i) }
            if count == tagCapacity {
                core.growTags()
                (tags, tagCapacity) = (core.tags, core.tagCapacity)
            }
            tags[count] = TagSlot(key: key, keyCount: keyCount, value: value, valueCount: valueCount)
            if sorted && count > 0 {
                let prev = tags[count - 1]
                if compareBytes(prev.key, prev.keyCount, key, keyCount) >= 0 { sorted = false }
            }
            count += 1
        }
        // i is at the space ending the series key
        if i - measurementStart > maxKeyLength { return fail(.keyTooLong(i - measurementStart, maxKeyLength), at: i) }
        if !sorted, let dup = sortTags(tags, count) {
            let s = tags[dup]
            core.dupKey = String(decoding: UnsafeRawBufferPointer(start: s.key, count: s.keyCount), as: UTF8.self)
            return fail(.duplicateTag, at: i)
        }
        while i < end && p[i] == kSpace { i += 1 }
        tagCount = count
        return nil
    }

    /// `key=value` pairs separated by commas; a field named `time` is dropped or refused per the
    /// time-key policy.
    @inline(always)
    mutating func fieldSet() -> EntryKind? {
        var count = 0
        while true {
            let kStart = i
            var kFlags: UInt8 = 0
            scanKey(p, &i, end, eof, tbl, ByteClass.keyStop, &kFlags)
            if i == end && !eof { return .incomplete }
            if i == kStart {
                if i == end { return fail(.missingFields, at: i) }
                return fail(.invalidFieldKeyStart(p[i]), at: i)
            }
            if i == end || p[i] != kEquals { return fail(.missingFieldEquals, at: i, key: kStart..<i) }
            let kEnd = i
            let (key, keyCount) = unescaped(kStart, kEnd, escaped: kFlags & 1 != 0, .key)
            if kFlags & 2 != 0 && !isValidUTF8(key, keyCount) { return fail(.invalidUTF8("field key"), at: i) }
            i += 1
            if i == end {
                if !eof { return .incomplete }
                return fail(.missingFieldValue, at: i)
            }
            var slot = FieldSlot(key: key, keyCount: keyCount, kind: .float, bits: 0, double: 0, string: nil, stringCount: 0)
            if let k = fieldValue(&slot, key: kStart..<kEnd) { return k }
            if keyCount == 4 && timeKeyPolicy != .allow && isTime(key) {
                if timeKeyPolicy == .reject { return fail(.timeFieldKey, at: i) }
            } else {
                if count == fieldCapacity {
                    core.growFields()
                    (fields, fieldCapacity) = (core.fields, core.fieldCapacity)
                }
                fields[count] = slot
                count += 1
            }
            // after the value: ',', whitespace, or the end
            if i == end {
                if !eof { return .incomplete }
                break
            }
            let a = p[i]
            if a == kComma { i += 1; continue }
            if a != kSpace && a != kNewline && a != kReturn { return fail(.unexpectedAfterField(a), at: i, key: kStart..<kEnd) }
            break
        }
        fieldCount = count
        return nil
    }

    /// One field value into `slot`: a quoted string, an integer (`i`), an unsigned (`u`), a float
    /// or a boolean. Failures name the field's `key`.
    @inline(always)
    mutating func fieldValue(_ slot: inout FieldSlot, key: Range<Int>) -> EntryKind? {
        let first = p[i]
        if first == kQuote {
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
                return fail(.unbalancedQuotes, at: i)
            }
            let (sp, sc) = unescaped(sStart, i, escaped: sFlags & 1 != 0, .string)
            if sFlags & 2 != 0 && !isValidUTF8(sp, sc) { return fail(.invalidUTF8("string field value"), at: i) }
            i += 1 // closing quote
            slot.kind = .string
            slot.string = sp
            slot.stringCount = sc
            return nil
        }
        let vStart = i
        skipPlain(p, &i, end, tbl, ByteClass.fieldValueStop)
        if i == end && !eof { return .incomplete }
        let vp = p + vStart
        let vn = i - vStart
        switch first {
        case 0x30...0x39, 0x2D, 0x2E: // digit, '-', '.'
            let last = p[i - 1]
            if last == 0x69 { // i
                switch parseInt64(vp, vn - 1) {
                case .value(let v): slot.kind = .int; slot.bits = UInt64(bitPattern: v)
                case .invalid: return fail(.invalidNumber, at: i, key: key)
                case .outOfRange: return fail(.integerOutOfRange, at: i, key: key)
                }
            } else if last == 0x75 { // u
                switch parseUInt64(vp, vn - 1) {
                case .value(let v): slot.kind = .uint; slot.bits = v
                case .invalid: return fail(.invalidNumber, at: i, key: key)
                case .outOfRange: return fail(.unsignedOutOfRange, at: i, key: key)
                }
            } else {
                switch parseFloat(vp, vn, core.floatScratch) {
                case .value(let v): slot.kind = .float; slot.double = v
                case .invalid: return fail(.invalidNumber, at: i, key: key)
                case .outOfRange: return fail(.floatOutOfRange, at: i, key: key)
                }
            }
        case 0x74, 0x54, 0x66, 0x46: // t T f F
            guard let b = parseBool(vp, vn) else { return fail(.invalidBoolean, at: i, key: key) }
            slot.kind = .bool
            slot.bits = b ? 1 : 0
        case kSpace, kComma, kNewline, kReturn:
            return fail(.missingFieldValue, at: vStart)
        default:
            return fail(.invalidFieldFormat, at: vStart, key: key)
        }
        return nil
    }

    /// The optional timestamp (in the parser's precision) and the line's end.
    @inline(always)
    mutating func timestampAndLineEnd() -> EntryKind? {
        timestamp = defaultTimestamp
        if let k = lineEnd() { return k == .point ? nil : k }
        let tStart = i
        while i < end {
            let b = p[i]
            if (b &- 0x30) <= 9 || b == 0x2D { i += 1 } else { break }
        }
        if i == end && !eof { return .incomplete }
        if i == tStart { return fail(.badTimestamp, at: i) }
        if i < end {
            let b = p[i]
            if b != kSpace && b != kNewline && b != kReturn { return fail(.badTimestamp, at: i) }
        }
        switch parseInt64(p + tStart, i - tStart) {
        case .value(let v):
            if unitNanos == 1 {
                timestamp = v
            } else {
                let (ns, overflow) = v.multipliedReportingOverflow(by: unitNanos)
                if overflow { return fail(.timestampOutOfRange, at: i) }
                timestamp = ns
            }
        case .invalid: return fail(.badTimestamp, at: i)
        case .outOfRange: return fail(.timestampOutOfRange, at: i)
        }
        if let k = lineEnd() { return k == .point ? nil : k }
        return fail(.badTimestamp, at: i)
    }

    /// Spaces then the end of the line (`\n`, `\r\n`, or the end of input): `.point` when consumed,
    /// `.incomplete` when more data is needed, nil when something else follows.
    @inline(always)
    mutating func lineEnd() -> EntryKind? {
        while i < end && p[i] == kSpace { i += 1 }
        if i == end { return eof ? .point : .incomplete }
        if p[i] == kNewline { i += 1; nl += 1; return .point }
        if p[i] == kReturn {
            if i + 1 == end {
                if !eof { return .incomplete }
                i += 1
                return .point
            }
            if p[i + 1] == kNewline { i += 2; nl += 1; return .point }
        }
        return nil
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


/// The bytes a backslash escapes: in measurements `,` and space; in tag keys, tag values and
/// field keys also `=`; in string field values `"` and `\`.
enum EscapeSet {
    case measurement, key, string

    @inline(__always)
    func contains(_ n: UInt8) -> Bool {
        switch self {
        case .measurement: n == kComma || n == kSpace
        case .key: n == kComma || n == kSpace || n == kEquals
        case .string: n == kQuote || n == kBackslash
        }
    }
}

/// Copies p[s..<e] into scratch, replacing each backslash-escaped byte of `escapes` by the byte.
@inline(never)
private func unescape(_ p: UnsafePointer<UInt8>, _ s: Int, _ e: Int, into scratch: UnsafeMutablePointer<UInt8>,
                      _ used: inout Int, _ escapes: EscapeSet) -> (UnsafePointer<UInt8>, Int) {
    let out = scratch + used
    var o = 0
    var j = s
    while j < e {
        let c = p[j]
        if c == kBackslash && j + 1 < e && escapes.contains(p[j + 1]) {
            out[o] = p[j + 1]; o += 1; j += 2
            continue
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
