#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Streaming InfluxDB line-protocol parser.
///
/// Feed it the bytes of a body as they arrive; it calls `onPoint` for every accepted line and `onError`
/// for every rejected one, and carries an incomplete last line over to the next `feed`. It allocates
/// only while its reusable buffers grow (tags, fields, unescape scratch, the carried partial line),
/// never per line. The `Point` given to `onPoint` borrows that storage and the input chunk: it is valid
/// only during the callback.
///
/// If `onPoint` throws, the error propagates and the rest of that chunk is not processed; call
/// `reset()` before reusing the parser.
public struct LineProtocolParser {
    var core: ParserCore

    /// - Parameters:
    ///   - precision: unit of the timestamps in the input.
    ///   - defaultTime: time (ns) given to lines without a timestamp; it is truncated to `precision`.
    ///   - maxLineLength: longest accepted line in bytes, excluding the line terminator. A longer line
    ///     is reported once and skipped up to the next newline, without being buffered.
    ///   - maxKeyLength: longest series key (measurement and tags as written) in bytes.
    ///   - timeKeyPolicy: how keys named `time` are treated (default: like the InfluxDB 1.x server).
    public init(precision: Precision = .nanoseconds, defaultTime: Int64, maxLineLength: Int = 262_144,
                maxKeyLength: Int = 65_535, timeKeyPolicy: TimeKeyPolicy = .influxDB1) {
        core = ParserCore(precision: precision, defaultTime: defaultTime, maxLineLength: maxLineLength,
                          maxKeyLength: maxKeyLength, timeKeyPolicy: timeKeyPolicy)
    }

    public var precision: Precision {
        get { core.precision }
        set { unique(); core.precision = newValue }
    }

    /// Time in ns given to lines without a timestamp, before truncation to `precision` (set it per
    /// request, e.g. to the server's clock).
    public var defaultTime: Int64 {
        get { core.defaultTime }
        set { unique(); core.defaultTime = newValue }
    }

    public var maxLineLength: Int { core.maxLineLength }

    /// Line number (1-based) of the next entry to be parsed.
    public var currentLine: Int { core.line }

    /// Bytes of an incomplete line held over from previous `feed` calls.
    public var bufferedByteCount: Int { core.carryCount }

    @inline(__always)
    mutating func unique() {
        if !isKnownUniquelyReferenced(&core) { core = core.copy() }
    }

    /// Parses a chunk of a stream. Complete lines are reported now; a trailing partial line is kept
    /// (copied, at most `maxLineLength + 1` bytes) until the next `feed` or `finish`.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer,
                              onPoint: (Point) throws -> Void,
                              onError: (LineError) -> Void) rethrows {
        unique()
        guard let raw = chunk.baseAddress, chunk.count > 0 else { return }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        try core.feed(base, chunk.count, onPoint: onPoint, onError: onError)
    }

    /// Convenience overload for byte arrays.
    public mutating func feed(_ bytes: [UInt8], onPoint: (Point) throws -> Void,
                              onError: (LineError) -> Void) rethrows {
        try bytes.withUnsafeBytes { try feed($0, onPoint: onPoint, onError: onError) }
    }

    /// Ends the stream: parses a final line that has no newline, then resets the line counter so the
    /// parser can be reused for another stream.
    public mutating func finish(onPoint: (Point) throws -> Void, onError: (LineError) -> Void) rethrows {
        unique()
        defer { core.resetStream() }
        if core.discarding {
            core.discarding = false
        } else if core.carryCount > 0 {
            try core.processCarry(final: true, onPoint: onPoint, onError: onError)
        }
    }

    /// Drops any buffered partial line and restarts line numbering at 1.
    public mutating func reset() {
        unique()
        core.resetStream()
    }

    /// Parses a complete body in one call (no copying, the last line needs no newline).
    public static func parse(_ buffer: UnsafeRawBufferPointer, precision: Precision = .nanoseconds,
                             defaultTime: Int64, maxLineLength: Int = 262_144,
                             maxKeyLength: Int = 65_535, timeKeyPolicy: TimeKeyPolicy = .influxDB1,
                             onPoint: (Point) throws -> Void, onError: (LineError) -> Void) rethrows {
        guard let raw = buffer.baseAddress, buffer.count > 0 else { return }
        let core = ParserCore(precision: precision, defaultTime: defaultTime, maxLineLength: maxLineLength,
                              maxKeyLength: maxKeyLength, timeKeyPolicy: timeKeyPolicy)
        _ = try core.run(raw.assumingMemoryBound(to: UInt8.self), from: 0, to: buffer.count, final: true,
                         onPoint: onPoint, onError: onError)
    }

    /// Parses a complete body into owned points (for tests and tools).
    public static func parseOwned<C: Collection>(_ bytes: C, precision: Precision = .nanoseconds,
                                                 defaultTime: Int64 = 0, maxLineLength: Int = 262_144,
                                                 maxKeyLength: Int = 65_535,
                                                 timeKeyPolicy: TimeKeyPolicy = .influxDB1)
        -> (points: [OwnedPoint], errors: [LineError]) where C.Element == UInt8 {
        var points: [OwnedPoint] = []
        var errors: [LineError] = []
        let array = Array(bytes)
        array.withUnsafeBytes { buf in
            parse(buf, precision: precision, defaultTime: defaultTime, maxLineLength: maxLineLength,
                  maxKeyLength: maxKeyLength, timeKeyPolicy: timeKeyPolicy,
                  onPoint: { points.append($0.owned()) }, onError: { errors.append($0) })
        }
        return (points, errors)
    }

    /// Parses a complete body given as a string into owned points.
    public static func parseOwned(_ text: String, precision: Precision = .nanoseconds, defaultTime: Int64 = 0,
                                  maxLineLength: Int = 262_144, maxKeyLength: Int = 65_535,
                                  timeKeyPolicy: TimeKeyPolicy = .influxDB1)
        -> (points: [OwnedPoint], errors: [LineError]) {
        parseOwned(Array(text.utf8), precision: precision, defaultTime: defaultTime,
                   maxLineLength: maxLineLength, maxKeyLength: maxKeyLength, timeKeyPolicy: timeKeyPolicy)
    }
}

private let maxQuotedLine = 1024

extension ParserCore {
    func resetStream() {
        line = 1
        carryCount = 0
        discarding = false
        carryHasNewline = false
        lastAttempt = 0
    }

    /// Parses entries of p[from..<to]. Returns where an incomplete trailing entry starts (`to` when
    /// everything was consumed). With `final`, `to` is the end of the input.
    @inline(__always)
    func run(_ p: UnsafePointer<UInt8>, from: Int, to: Int, final: Bool,
             onPoint: (Point) throws -> Void, onError: (LineError) -> Void) rethrows -> Int {
        var i = from
        let window = maxLineLength + 1
        while i < to {
            let wend = to - i > window ? i + window : to
            // Only a remainder that fits the limit can be a complete last line without a newline: a
            // remainder of exactly `window` bytes must still be reported as too long.
            let eof = final && to - i < window
            let scan = parseEntry(p, i, wend, eof: eof)
            switch scan.kind {
            case .point:
                let point = Point(measurement: UnsafeRawBufferPointer(start: scan.measurement, count: scan.measurementCount),
                                  tagSlots: scan.tags, tagCount: scan.tagCount, fieldSlots: scan.fields, fieldCount: scan.fieldCount,
                                  timestamp: scan.timestamp, lineNumber: line)
                line += scan.newlines
                i = scan.next
                try onPoint(point)
            case .skipped:
                line += scan.newlines
                i = scan.next
            case .failed:
                onError(makeError(p, i, scan.next))
                line += scan.newlines
                i = scan.next
            case .incomplete:
                if wend - i < window { return i }
                // Longer than maxLineLength: report it and skip to the first newline at or after
                // the limit (newlines before it can only be inside a quoted string).
                onError(makeTooLongError(p, i))
                let resume = i + maxLineLength
                if let q = memchr(p + resume, 0x0A, to - resume) {
                    let qi = UnsafePointer<UInt8>(q.assumingMemoryBound(to: UInt8.self)) - p
                    line += countNewlines(p, i, qi) + 1
                    i = qi + 1
                } else {
                    line += countNewlines(p, i, to)
                    discarding = true
                    return to
                }
            }
        }
        return i
    }

    func feed(_ base: UnsafePointer<UInt8>, _ n: Int, onPoint: (Point) throws -> Void,
              onError: (LineError) -> Void) rethrows {
        var pos = 0
        if discarding {
            guard skipDiscarded(base, &pos, n) else { return }
        }
        // Complete the carried partial entry first.
        while carryCount > 0 {
            if pos >= n { return }
            let room = maxLineLength + 1 - carryCount
            let limit = min(n, pos + room)
            var searchFrom = pos
            if carryHasNewline {
                // The carried entry is inside a quoted string that spans lines: re-parse only after the
                // carry has doubled, so a long multi-line string costs linear time overall.
                let need = 2 * lastAttempt - carryCount - 1
                if need > 0 { searchFrom = min(limit, pos + need) }
            }
            var takeEnd = limit
            var ready = carryCount + (limit - pos) == maxLineLength + 1
            if searchFrom < limit, let q = memchr(base + searchFrom, 0x0A, limit - searchFrom) {
                takeEnd = UnsafePointer<UInt8>(q.assumingMemoryBound(to: UInt8.self)) - base + 1
                ready = true
            }
            appendCarry(base + pos, takeEnd - pos)
            pos = takeEnd
            if !ready { return }
            try processCarry(final: false, onPoint: onPoint, onError: onError)
            if discarding {
                guard skipDiscarded(base, &pos, n) else { return }
            }
        }
        // Fast path: parse straight from the caller's buffer.
        let stop = try run(base, from: pos, to: n, final: false, onPoint: onPoint, onError: onError)
        if discarding || stop >= n { return }
        appendCarry(base + stop, n - stop)
        carryHasNewline = memchr(base + stop, 0x0A, n - stop) != nil
        lastAttempt = carryCount
    }

    /// Skips the rest of an over-long line. Returns false when the chunk ended first.
    @inline(__always)
    func skipDiscarded(_ base: UnsafePointer<UInt8>, _ pos: inout Int, _ n: Int) -> Bool {
        guard pos < n, let q = memchr(base + pos, 0x0A, n - pos) else { return false }
        pos = UnsafePointer<UInt8>(q.assumingMemoryBound(to: UInt8.self)) - base + 1
        line += 1
        discarding = false
        return true
    }

    func processCarry(final: Bool, onPoint: (Point) throws -> Void, onError: (LineError) -> Void) rethrows {
        guard let c = carry else { return }
        let stop = try run(UnsafePointer(c), from: 0, to: carryCount, final: final, onPoint: onPoint, onError: onError)
        if discarding || stop >= carryCount {
            carryCount = 0
            carryHasNewline = false
            lastAttempt = 0
            return
        }
        let left = carryCount - stop
        if stop > 0 { memmove(c, c + stop, left) }
        carryCount = left
        carryHasNewline = memchr(c, 0x0A, left) != nil
        lastAttempt = left
    }

    func countNewlines(_ p: UnsafePointer<UInt8>, _ s: Int, _ e: Int) -> Int {
        var n = 0
        var j = s
        while j < e {
            guard let q = memchr(p + j, 0x0A, e - j) else { break }
            n += 1
            j = UnsafePointer<UInt8>(q.assumingMemoryBound(to: UInt8.self)) - p + 1
        }
        return n
    }

    func quotedText(_ p: UnsafePointer<UInt8>, _ s: Int, _ e: Int) -> String {
        var end = e
        if end > s && p[end - 1] == 0x0A { end -= 1 }
        if end > s && p[end - 1] == 0x0D { end -= 1 }
        var s = s
        while s < end && p[s] == 0x20 { s += 1 }
        if end - s > maxQuotedLine {
            return String(decoding: UnsafeRawBufferPointer(start: p + s, count: maxQuotedLine), as: UTF8.self) + "..."
        }
        return String(decoding: UnsafeRawBufferPointer(start: p + s, count: end - s), as: UTF8.self)
    }

    @inline(never)
    func makeError(_ p: UnsafePointer<UInt8>, _ s: Int, _ e: Int) -> LineError {
        var key: String? = nil
        if case .duplicateTag = failure {
            key = dupKey
        } else if failureKeyEnd > failureKeyStart {
            key = String(decoding: UnsafeRawBufferPointer(start: p + failureKeyStart, count: failureKeyEnd - failureKeyStart),
                         as: UTF8.self)
        }
        var m: String? = nil
        switch failure {
        case .timeTagKey, .timeFieldKey:
            m = String(decoding: UnsafeRawBufferPointer(start: p + measurementStart, count: measurementEnd - measurementStart),
                       as: UTF8.self)
        default: break
        }
        return LineError(line: line, reason: "unable to parse '\(quotedText(p, s, e))': \(failure.describe(key: key, measurement: m))")
    }

    @inline(never)
    func makeTooLongError(_ p: UnsafePointer<UInt8>, _ s: Int) -> LineError {
        let text = String(decoding: UnsafeRawBufferPointer(start: p + s, count: min(maxQuotedLine, maxLineLength)), as: UTF8.self)
        return LineError(line: line, reason: "unable to parse '\(text)...': \(Failure.lineTooLong(maxLineLength).describe(key: nil, measurement: nil))")
    }
}
