import Testing
import LineProtocol
import TestSupport

@Suite struct WriterRoundTripTests {
    static let pieces: [String] = ["a", "b", "Z", "0", "9", "_", ".", "-", "/", ",", "=", " ", "\"", "\\", "#", "é", "日", "🙂", "x y", "q"]

    static func token(_ rng: inout SplitMix64, allowControl: Bool = false, allowNewline: Bool = false) -> String {
        var s = ""
        let n = Int.random(in: 1...8, using: &rng)
        for _ in 0..<n {
            let r = rng.next() % 100
            if allowNewline && r < 4 { s += "\n"; continue }
            if allowControl && r < 8 { s += "\t"; continue }
            s += pieces[Int(rng.next() % UInt64(pieces.count))]
        }
        // a trailing backslash cannot be written in keys, tag values and measurements
        while s.hasSuffix("\\") { s.removeLast() }
        return s.isEmpty ? "k" : s
    }

    static func randomValue(_ rng: inout SplitMix64) -> OwnedFieldValue {
        switch rng.next() % 9 {
        case 0, 1:
            var d: Double
            repeat { d = Double(bitPattern: rng.next()) } while !d.isFinite
            return .float(d)
        case 2: return .float(Double(Int64(bitPattern: rng.next()) % 1_000_000) / 1000)
        case 3: return .int(Int64(bitPattern: rng.next()))
        case 4: return .int([Int64.min, Int64.max, 0, -1][Int(rng.next() % 4)])
        case 5: return .uint(rng.next() % 3 == 0 ? UInt64.max : rng.next())
        case 6: return .bool(rng.next() % 2 == 0)
        case 7:
            var s = ""
            for _ in 0..<Int(rng.next() % 12) {
                s += ["\"", "\\", "\n", "\r", "a", " ", ",", "=", "\\\"", "é", "\t"][Int(rng.next() % 11)]
            }
            return .string(s)
        default: return .float([0.0, -0.0, Double.leastNormalMagnitude / 4, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -1.5e300][Int(rng.next() % 6)])
        }
    }

    static func randomPoint(_ rng: inout SplitMix64) -> OwnedPoint {
        var m = token(&rng)
        if m.hasPrefix("#") { m = "m" + m }
        var tagList: [OwnedPoint.Tag] = []
        var used = Set<String>()
        for _ in 0..<Int(rng.next() % 5) {
            let k = token(&rng)
            guard k != "time", used.insert(k).inserted else { continue }
            tagList.append(.init(key: k, value: token(&rng, allowControl: true)))
        }
        var fieldList: [OwnedPoint.Field] = []
        for _ in 0..<Int(1 + rng.next() % 4) {
            var k = token(&rng)
            if k == "time" { k = "t" }
            fieldList.append(.init(key: k, value: randomValue(&rng)))
        }
        return OwnedPoint(measurement: m, tags: tagList, fields: fieldList, timestamp: Int64(bitPattern: rng.next()))
    }

    static func sortedTags(_ p: OwnedPoint) -> OwnedPoint {
        var p = p
        p.tags.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        return p
    }

    @Test func randomPointsRoundTrip() throws {
        var rng = SplitMix64(seed: 0xC0FFEE)
        for _ in 0..<5_000 {
            let p = Self.randomPoint(&rng)
            let line = try LineProtocolWriter.line(for: p)
            let r = parseWhole(line)
            #expect(r.errors.isEmpty, "\(p) -> \(String(decoding: line, as: UTF8.self).debugDescription): \(r.errors)")
            #expect(r.points == [Self.sortedTags(p)], "\(String(decoding: line, as: UTF8.self).debugDescription)")
        }
    }

    @Test func randomBodiesRoundTripWholeAndStreamed() throws {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<20 {
            var w = LineProtocolWriter()
            var expected: [OwnedPoint] = []
            for _ in 0..<50 {
                var p = Self.randomPoint(&rng)
                let withTime = rng.next() % 4 != 0
                try w.append(p, timestamp: withTime)
                if !withTime { p.timestamp = 123 }
                expected.append(Self.sortedTags(p))
            }
            let whole = parseWhole(w.bytes, defaultTime: 123)
            #expect(whole.errors.isEmpty)
            #expect(whole.points == expected)
            var chunks: [[UInt8]] = []
            var i = 0
            while i < w.bytes.count {
                let n = Int(rng.next() % 40)
                chunks.append(Array(w.bytes[i..<min(w.bytes.count, i + n)]))
                i += n
            }
            #expect(parseChunks(chunks, defaultTime: 123) == whole)
        }
    }

    @Test func escapingIsExact() throws {
        let p = OwnedPoint(measurement: "c,p u=x", tags: [.init(key: "z k", value: "v=1,2"), .init(key: "a", value: "\\")  ].reversed(),
                           fields: [.init(key: "f=1", value: .string("say \"hi\" \\ bye")), .init(key: "n", value: .int(-5)),
                                    .init(key: "u", value: .uint(7)), .init(key: "b", value: .bool(false)),
                                    .init(key: "x", value: .float(0.1))],
                           timestamp: 99)
        // a tag value that is only a backslash cannot be written
        #expect(throws: LineProtocolWriter.WriteError.self) { try LineProtocolWriter.line(for: p) }
        var q = p
        q.tags = [.init(key: "z k", value: "v=1,2"), .init(key: "a", value: "b\\c")]
        let line = String(decoding: try LineProtocolWriter.line(for: q), as: UTF8.self)
        #expect(line == "c\\,p\\ u=x,a=b\\c,z\\ k=v\\=1\\,2 f\\=1=\"say \\\"hi\\\" \\\\ bye\",n=-5i,u=7u,b=false,x=0.1 99\n")
    }

    @Test func unrepresentablePointsAreRefused() {
        let bad: [OwnedPoint] = [
            OwnedPoint(measurement: "", fields: [.init(key: "v", value: .int(1))], timestamp: 0),
            OwnedPoint(measurement: "m", fields: [], timestamp: 0),
            OwnedPoint(measurement: "#m", fields: [.init(key: "v", value: .int(1))], timestamp: 0),
            OwnedPoint(measurement: "m\\", fields: [.init(key: "v", value: .int(1))], timestamp: 0),
            OwnedPoint(measurement: "m\n", fields: [.init(key: "v", value: .int(1))], timestamp: 0),
            OwnedPoint(measurement: "m", tags: [.init(key: "k", value: "")], fields: [.init(key: "v", value: .int(1))], timestamp: 0),
            OwnedPoint(measurement: "m", tags: [.init(key: "k\t", value: "v")], fields: [.init(key: "v", value: .int(1))], timestamp: 0),
            OwnedPoint(measurement: "m", tags: [.init(key: "k", value: "a\nb")], fields: [.init(key: "v", value: .int(1))], timestamp: 0),
            OwnedPoint(measurement: "m", tags: [.init(key: "k", value: "1"), .init(key: "k", value: "2")],
                       fields: [.init(key: "v", value: .int(1))], timestamp: 0),
            OwnedPoint(measurement: "m", fields: [.init(key: "v\\", value: .int(1))], timestamp: 0),
            OwnedPoint(measurement: "m", fields: [.init(key: "", value: .int(1))], timestamp: 0),
            OwnedPoint(measurement: "m", fields: [.init(key: "v", value: .float(.nan))], timestamp: 0),
            OwnedPoint(measurement: "m", fields: [.init(key: "v", value: .float(-.infinity))], timestamp: 0),
        ]
        for p in bad {
            var w = LineProtocolWriter()
            #expect(throws: LineProtocolWriter.WriteError.self, "\(p)") { try w.append(p) }
            #expect(w.bytes.isEmpty)
        }
    }

    @Test func ownedPointEqualityIsExact() {
        let a = OwnedPoint(measurement: "é", fields: [.init(key: "v", value: .float(0.0))], timestamp: 0)
        let b = OwnedPoint(measurement: "e\u{301}", fields: [.init(key: "v", value: .float(0.0))], timestamp: 0)
        #expect(a != b)  // canonically equivalent, different bytes
        let c = OwnedPoint(measurement: "é", fields: [.init(key: "v", value: .float(-0.0))], timestamp: 0)
        #expect(a != c)
        #expect(OwnedFieldValue.float(.nan) == .float(.nan))
    }
}
