// Fuzz target `lineprotocol`: the InfluxDB line-protocol parser (Sources/LineProtocol).
//
// The input is a request body. Checks, besides "no crash, no sanitizer report, no hang":
//  - the one-shot parse and the streaming parser fed the same bytes in chunks give the same points
//    and the same errors (with the default line limit, and with a 64-byte limit that exercises the
//    over-long-line path);
//  - every point the parser accepts and the writer can express is written by LineProtocolWriter and
//    parses back to exactly that point.
import FuzzSupport
import LineProtocol

struct Outcome: Equatable {
    var points: [OwnedPoint] = []
    var lines: [Int] = []
    var errors: [LineError] = []
}

/// A cheap fingerprint of everything a parse reported (points with their line numbers, errors), so
/// the parses can be compared without copying every point out of the parser.
struct Digest: Equatable {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    var points = 0
    var errors = 0

    mutating func mix(_ v: UInt64) { h = (h ^ v) &* 0x100_0000_01b3 }
    mutating func mix(_ b: UnsafeRawBufferPointer) {
        mix(UInt64(b.count))
        for x in b { h = (h ^ UInt64(x)) &* 0x100_0000_01b3 }
    }

    mutating func add(_ p: Point) {
        points += 1
        mix(p.measurement)
        mix(UInt64(p.tagCount))
        for i in 0..<p.tagCount {
            mix(p.tagKey(i))
            mix(p.tagValue(i))
        }
        mix(UInt64(p.fieldCount))
        for i in 0..<p.fieldCount {
            mix(p.fieldKey(i))
            switch p.fieldValue(i) {
            case .float(let d): mix(1); mix(d.bitPattern)
            case .int(let x): mix(2); mix(UInt64(bitPattern: x))
            case .uint(let x): mix(3); mix(x)
            case .bool(let b): mix(b ? 4 : 5)
            case .string(let s): mix(6); mix(s)
            }
        }
        mix(UInt64(bitPattern: p.timestamp))
        mix(UInt64(p.lineNumber))
    }

    mutating func add(_ e: LineError) {
        errors += 1
        mix(UInt64(e.line))
        var r = e.reason
        r.withUTF8 { mix(UnsafeRawBufferPointer($0)) }
    }
}

let defaultTime: Int64 = 1_700_000_000_123_456_789

/// The one-shot parse.
func whole(_ b: UnsafeRawBufferPointer, precision: Precision, maxLineLength: Int,
           onPoint: (Point) -> Void, onError: (LineError) -> Void) {
    LineProtocolParser.parse(b, precision: precision, defaultTime: defaultTime, maxLineLength: maxLineLength,
                             onPoint: onPoint, onError: onError)
}

/// The streaming parser fed `b` in chunks. Where the chunks end is a deterministic function of the
/// input: usually up to 16 cuts at arbitrary offsets (empty chunks included); for one short input
/// in eight, one byte at a time.
func streamed(_ b: UnsafeRawBufferPointer, precision: Precision, maxLineLength: Int, seed: UInt64,
              onPoint: (Point) -> Void, onError: (LineError) -> Void) {
    var parser = LineProtocolParser(precision: precision, defaultTime: defaultTime, maxLineLength: maxLineLength)
    var cuts: [Int]
    if seed % 8 == 0 && b.count <= 256 {
        cuts = Array(0...b.count)
    } else {
        var h = seed
        cuts = [0, b.count]
        for _ in 0..<(1 + Int(seed >> 60)) {
            h = h &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            cuts.append(Int(truncatingIfNeeded: (h >> 33) % UInt64(b.count + 1)))
        }
        cuts.sort()
    }
    for (start, end) in zip(cuts, cuts.dropFirst()) {
        parser.feed(UnsafeRawBufferPointer(rebasing: b[start..<end]), onPoint: onPoint, onError: onError)
    }
    parser.finish(onPoint: onPoint, onError: onError)
}

func digest(_ parse: ((Point) -> Void, (LineError) -> Void) -> Void) -> Digest {
    var d = Digest()
    parse({ d.add($0) }, { d.add($0) })
    return d
}

func outcome(_ parse: ((Point) -> Void, (LineError) -> Void) -> Void) -> Outcome {
    var o = Outcome()
    parse({ o.points.append($0.owned()); o.lines.append($0.lineNumber) }, { o.errors.append($0) })
    return o
}

func fuzzOne(_ data: UnsafeRawBufferPointer) {
    let seed = fnv1a(data)
    let precisions = Precision.allCases
    let precision = precisions[Int(seed % UInt64(precisions.count))]

    // One-shot parse, keeping the points for the writer round trip below.
    var a = Digest()
    var points: [OwnedPoint] = []
    whole(data, precision: precision, maxLineLength: 262_144,
          onPoint: { a.add($0); points.append($0.owned()) }, onError: { a.add($0) })
    let s = digest { streamed(data, precision: precision, maxLineLength: 262_144, seed: seed, onPoint: $0, onError: $1) }
    if a != s {
        let oa = outcome { whole(data, precision: precision, maxLineLength: 262_144, onPoint: $0, onError: $1) }
        let os = outcome { streamed(data, precision: precision, maxLineLength: 262_144, seed: seed, onPoint: $0, onError: $1) }
        invariant(false, "one-shot and streamed parses differ:\n\(oa)\n\(os)")
    }

    // The same with a 64-byte line limit, which exercises the over-long-line paths.
    let shortA = digest { whole(data, precision: .nanoseconds, maxLineLength: 64, onPoint: $0, onError: $1) }
    let shortS = digest { streamed(data, precision: .nanoseconds, maxLineLength: 64, seed: seed ^ 1, onPoint: $0, onError: $1) }
    if shortA != shortS {
        let oa = outcome { whole(data, precision: .nanoseconds, maxLineLength: 64, onPoint: $0, onError: $1) }
        let os = outcome { streamed(data, precision: .nanoseconds, maxLineLength: 64, seed: seed ^ 1, onPoint: $0, onError: $1) }
        invariant(false, "one-shot and streamed parses differ with a 64-byte line limit:\n\(oa)\n\(os)")
    }

    // Write every accepted point and read it back (timestamps are written in nanoseconds).
    for p in points {
        guard let line = try? LineProtocolWriter.line(for: p) else { continue }
        let back = LineProtocolParser.parseOwned(line)
        invariant(back.errors.isEmpty && back.points == [p],
                  "writer output does not parse back: \(p) -> \(String(decoding: line, as: UTF8.self).debugDescription) -> \(back)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ size: Int) -> CInt { runOne(data, size, fuzzOne) }

#if !FUZZING
@main struct Main { static func main() { Replay.main("lineprotocol", fuzzOne) } }
#endif
