import Testing
import LineProtocol

@Suite struct LineLengthTests {
    /// A line of exactly `n` bytes (without its newline).
    static func line(_ n: Int, _ name: String = "m") -> String {
        let base = "\(name) v=\"\""
        return "\(name) v=\"" + String(repeating: "x", count: n - base.count) + "\""
    }

    @Test func lineAtTheLimitIsAccepted() {
        let l = Self.line(40)
        #expect(l.utf8.count == 40)
        #expect(parseWhole(l + "\n", maxLineLength: 40).points.count == 1)
        #expect(parseWhole(l, maxLineLength: 40).points.count == 1)
        #expect(parseChunks([Array((l + "\n").utf8)], maxLineLength: 40).points.count == 1)
        #expect(parseChunks([Array(l.utf8)], maxLineLength: 40).points.count == 1)
    }

    @Test func lineOverTheLimitIsAnErrorAndTheNextLineStillParses() throws {
        let body = "a v=1 1\n" + Self.line(41, "b") + "\nc v=3 3\n"
        for r in [parseWhole(body, maxLineLength: 40), parseChunks([Array(body.utf8)], maxLineLength: 40)] {
            #expect(r.points.map(\.measurement) == ["a", "c"])
            #expect(r.pointLines == [1, 3])
            let e = try #require(r.errors.first)
            #expect(r.errors.count == 1)
            #expect(e.line == 2)
            #expect(e.reason.contains("line too long"))
        }
    }

    @Test func carriageReturnCountsTowardsTheLength() {
        let l = Self.line(40)
        #expect(parseWhole(l + "\r\n", maxLineLength: 41).points.count == 1)
        #expect(parseWhole(l + "\r\nm v=1 1", maxLineLength: 40).errors.count == 1)
    }

    @Test func overlongLastLineWithoutNewline() {
        let body = "a v=1 1\n" + Self.line(100, "b")
        let whole = parseWhole(body, maxLineLength: 40)
        #expect(whole.points.count == 1 && whole.errors.map(\.line) == [2])
        #expect(parseChunks([Array(body.utf8)], maxLineLength: 40) == whole)
    }

    // Found by fuzz/ (target lineprotocol, fuzz/corpus/lineprotocol/regression-last-line-over-limit):
    // a last line without newline of exactly maxLineLength + 1 bytes fitted the one-shot parser's
    // look-ahead window and was parsed (here: reported with a syntax error) instead of being refused
    // as too long, as the streaming parser does.
    @Test func lastLineOneByteOverTheLimitWithoutNewline() throws {
        for body in [Self.line(41), "a v=1 1\n" + Self.line(41, "b"), "   " + Self.line(38)] {
            let whole = parseWhole(body, maxLineLength: 40)
            #expect(whole.points.count == (body.hasPrefix("a ") ? 1 : 0), "\(body)")
            #expect(whole.errors.count == 1 && whole.errors[0].reason.contains("line too long"), "\(whole)")
            #expect(parseChunks([Array(body.utf8)], maxLineLength: 40) == whole)
            #expect(parseChunks(Array(body.utf8).map { [$0] }, maxLineLength: 40) == whole)
        }
        // The fuzzer's input: 65 bytes, a NUL in the tag set, limit 64.
        let fuzzed: [UInt8] = [0x4f, 0x63] + Array(repeating: 0, count: 54) + Array("c= ae==".utf8) + [0xd3, 0x63]
        #expect(fuzzed.count == 65)
        let whole = parseWhole(fuzzed, maxLineLength: 64)
        #expect(whole.points.isEmpty && whole.errors.count == 1 && whole.errors[0].reason.contains("line too long"))
        #expect(parseChunks([fuzzed], maxLineLength: 64) == whole)
        // One byte less is within the limit and parsed as usual.
        #expect(parseWhole(Self.line(40), maxLineLength: 40).points.count == 1)
    }

    @Test func hugeLineIsNotBufferedWhileStreaming() throws {
        var parser = LineProtocolParser(defaultTime: 0, maxLineLength: 1_000)
        var errors: [LineError] = []
        var points: [OwnedPoint] = []
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 4_096)
        parser.feed(Array("first v=1 1\nhuge".utf8), onPoint: { points.append($0.owned()) }, onError: { errors.append($0) })
        for _ in 0..<256 {   // 1 MiB of one line
            parser.feed(chunk, onPoint: { points.append($0.owned()) }, onError: { errors.append($0) })
            #expect(parser.bufferedByteCount <= 1_001)
        }
        parser.feed(Array(" v=1 2\nlast v=1 3\n".utf8), onPoint: { points.append($0.owned()) }, onError: { errors.append($0) })
        parser.finish(onPoint: { points.append($0.owned()) }, onError: { errors.append($0) })
        #expect(points.map(\.measurement) == ["first", "last"])
        #expect(errors.count == 1)
        let e = try #require(errors.first)
        #expect(e.line == 2)
    }

    @Test func defaultLimitIs256KiB() {
        let ok = Self.line(262_144)
        #expect(parseWhole(ok).points.count == 1)
        let tooLong = Self.line(262_145)
        #expect(parseWhole(tooLong + "\nm v=1 1").errors.count == 1)
        #expect(LineProtocolParser(defaultTime: 0).maxLineLength == 262_144)
    }

    @Test func overlongMultiLineStringSkipsToTheFirstNewlineAfterTheLimit() {
        // The string's newlines before the limit are part of the rejected entry; the first newline
        // at or after the limit ends it.
        let body = "m v=\"aaaa\nbbbb\ncccc\ndddd\neeee\" 1\nz v=1 2\n"
        for max in [8, 12, 17, 22, 27] {
            let whole = parseWhole(body, maxLineLength: max)
            #expect(whole.errors.first?.line == 1, "max \(max)")
            #expect(whole.points.last?.measurement == "z", "max \(max)")
            #expect(whole.pointLines.last == 6, "max \(max)")
            #expect(parseChunks([Array(body.utf8)], maxLineLength: max) == whole)
        }
        #expect(parseWhole(body, maxLineLength: 40).errors.isEmpty)
    }
}
