import Foundation
import Testing
import LineProtocol
import TestSupport
import TSSupport

/// Runs the decode cases of influxdata/line-protocol-corpus (shipped next to the project in
/// `../shared/conformance/`) through the parser. Skipped when the corpus is not there, except
/// under CI (`CI` set), where a missing corpus is a failure.
@Suite struct LineProtocolConformanceTests {
    /// <package root>/../shared/conformance/line-protocol-corpus.json, where the package root is two
    /// levels above this file's directory (Tests/LineProtocolTests/).
    static let corpusPath: String = {
        let testsDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let root = testsDir.deletingLastPathComponent().deletingLastPathComponent()
        return root.deletingLastPathComponent()
            .appendingPathComponent("shared/conformance/line-protocol-corpus.json").path
    }()

    static var corpusExists: Bool { FileManager.default.fileExists(atPath: corpusPath) }

    /// Runs when the corpus is there, and always under CI (where its absence fails the test).
    static let corpusTrait = ConditionTrait.enabled(if: corpusExists || TestEnvironment.inCI,
                                                    "line-protocol corpus not found next to the package (with CI set this is a failure)")

    struct Case {
        var key: String
        var input: [UInt8]
        var defaultTime: Int64
        var precision: Precision
        var expectError: Bool
        var expected: [OwnedPoint]
    }

    static func bytes(_ j: JSONValue?) -> [UInt8]? {
        guard let j else { return nil }
        if let s = j.stringValue { return Array(s.utf8) }
        if let b = j["binary"]?.stringValue, let d = Data(base64Encoded: b) { return Array(d) }
        return nil
    }

    static func text(_ j: JSONValue?) -> String {
        String(decoding: bytes(j) ?? [], as: UTF8.self)
    }

    static func precision(_ s: String) -> Precision? {
        switch s {
        case "1ns", "ns", "n": return .nanoseconds
        case "1µs", "1us", "µs", "us", "u": return .microseconds
        case "1ms", "ms": return .milliseconds
        case "1s", "s": return .seconds
        case "1m0s", "1m", "m": return .minutes
        case "1h0m0s", "1h", "h": return .hours
        default: return nil
        }
    }

    static func value(_ j: JSONValue) -> OwnedFieldValue? {
        guard let o = j.objectValue, let (kind, v) = o.first else { return nil }
        switch kind {
        case "float": return v.numberText.flatMap { Double($0) }.map { .float($0) }
        case "int": return v.numberText.flatMap { Int64($0) }.map { .int($0) }
        case "uint": return v.numberText.flatMap { UInt64($0) }.map { .uint($0) }
        case "bool": return v.boolValue.map { .bool($0) }
        case "string": return bytes(v).map { .string(String(decoding: $0, as: UTF8.self)) }
        default: return nil
        }
    }

    static func loadCases() throws -> [Case] {
        let data = try #require(FileManager.default.contents(atPath: corpusPath))
        let root = try JSONReader.parse(Array(data))
        let decode = try #require(root["decode"]?.objectValue)
        var cases: [Case] = []
        for (key, entry) in decode {
            let input = try #require(entry["input"])
            let output = try #require(entry["output"])
            let text = try #require(bytes(input["text"]))
            let dt = try #require(input["defaultTime"]?.numberText.flatMap { Int64($0) })
            let prec = try #require(precision(input["precision"]?.stringValue ?? "1ns"))
            var expected: [OwnedPoint] = []
            let isError = output["error"]?.stringValue.map { !$0.isEmpty } ?? false
            if !isError {
                for p in output["result"]?.arrayValue ?? [] {
                    let tags = (p["tags"]?.arrayValue ?? []).map {
                        OwnedPoint.Tag(key: Self.text($0["key"]), value: Self.text($0["value"]))
                    }
                    var fields: [OwnedPoint.Field] = []
                    for f in p["fields"]?.arrayValue ?? [] {
                        let raw = try #require(f["value"])
                        let v = try #require(value(raw))
                        fields.append(.init(key: Self.text(f["key"]), value: v))
                    }
                    let t = try #require(p["time"]?.numberText.flatMap { Int64($0) })
                    expected.append(OwnedPoint(measurement: Self.text(p["name"]), tags: tags, fields: fields, timestamp: t))
                }
            }
            cases.append(Case(key: key, input: text, defaultTime: dt, precision: prec, expectError: isError,
                              expected: expected))
        }
        return cases.sorted { $0.key < $1.key }
    }

    /// Point equality as the corpus defines it (lpcorpus `Value.Equal`): floats compare numerically,
    /// so -0.0 equals 0.0 (the corpus JSON writes a negative zero as `0` anyway); all else is exact.
    static func sameAsCorpus(_ a: [OwnedPoint], _ b: [OwnedPoint]) -> Bool {
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) {
            var x = x
            guard x.fields.count == y.fields.count else { return false }
            for i in x.fields.indices {
                if case .float(let u) = x.fields[i].value, case .float(let v) = y.fields[i].value, u == v {
                    x.fields[i].value = y.fields[i].value
                }
            }
            if x != y { return false }
        }
        return true
    }

    /// Groups a disagreement under a short label.
    static func classify(_ c: Case, _ got: ParseOutcome) -> String {
        if c.expectError && got.errors.isEmpty { return "corpus rejects, we accept" }
        if !c.expectError && !got.errors.isEmpty {
            let reason = got.errors[0].reason
            let detail = reason.range(of: "': ", options: .backwards).map { String(reason[$0.upperBound...]) } ?? reason
            // drop quoted specifics so that similar reasons group together
            var label = ""
            var inQuote = false
            for ch in detail {
                if ch == "\"" { inQuote.toggle(); if !inQuote { label += "\"…\"" }; continue }
                if !inQuote { label.append(ch) }
            }
            return "corpus accepts, we reject: \(label)"
        }
        return "both accept, points differ"
    }

    @Test(corpusTrait)
    func decodeCorpusAgreement() throws {
        try #require(Self.corpusExists, "corpus missing at \(Self.corpusPath) while CI is set")
        let cases = try Self.loadCases()
        #expect(cases.count > 6000)
        var agreed = 0
        var classes: [String: [String]] = [:]
        for c in cases {
            let got = parseWhole(c.input, precision: c.precision, defaultTime: c.defaultTime)
            let ok: Bool
            if c.expectError {
                ok = !got.errors.isEmpty
            } else {
                ok = got.errors.isEmpty && Self.sameAsCorpus(got.points, c.expected)
            }
            if ok {
                agreed += 1
            } else {
                let label = Self.classify(c, got)
                let sample = "\(c.key): \(String(decoding: c.input.prefix(120), as: UTF8.self).debugDescription)"
                    + (got.errors.first.map { " -> \($0.reason)" } ?? "")
                    + (c.expectError ? "" : " expected \(c.expected.map(\.description))")
                    + (got.points.isEmpty ? "" : " got \(got.points.map(\.description))")
                classes[label, default: []].append(sample)
            }
        }
        let pct = Double(agreed) * 100 / Double(cases.count)
        print("line-protocol corpus: agreed \(agreed)/\(cases.count) decode cases (\(String(format: "%.2f", pct))%)")
        for (label, samples) in classes.sorted(by: { $0.value.count > $1.value.count }) {
            print("  disagreement [\(samples.count)] \(label)")
            for s in samples.prefix(5) { print("      \(s)") }
        }
        #expect(pct >= 99.0, "agreement \(agreed)/\(cases.count) is below 99%")

        // The same corpus with the v2 codec's treatment of `time` keys, to show that the policy is the
        // only difference.
        var agreedV2 = 0
        for c in cases {
            let got = parseWhole(c.input, precision: c.precision, defaultTime: c.defaultTime, timeKeyPolicy: .allow)
            let ok = c.expectError ? !got.errors.isEmpty : (got.errors.isEmpty && Self.sameAsCorpus(got.points, c.expected))
            if ok { agreedV2 += 1 }
        }
        print("line-protocol corpus with timeKeyPolicy .allow: agreed \(agreedV2)/\(cases.count)")
        #expect(agreedV2 >= agreed)
    }

    /// Streaming must not change anything: every corpus input fed in one-byte chunks, and split in two
    /// at every offset, gives what the one-shot parse gives.
    @Test(corpusTrait)
    func corpusInputsStreamLikeWholeBuffers() throws {
        try #require(Self.corpusExists, "corpus missing at \(Self.corpusPath) while CI is set")
        let cases = try Self.loadCases()
        for c in cases {
            let whole = parseWhole(c.input, precision: c.precision, defaultTime: c.defaultTime)
            let bytewise = parseChunks(c.input.map { [$0] }, precision: c.precision, defaultTime: c.defaultTime)
            #expect(bytewise == whole, "\(c.key)")
            guard c.input.count <= 48 else { continue }
            for cut in 1..<max(1, c.input.count) {
                let r = parseChunks([Array(c.input[..<cut]), Array(c.input[cut...])], precision: c.precision,
                                    defaultTime: c.defaultTime)
                if r != whole {
                    Issue.record("\(c.key) differs when split at \(cut)")
                    break
                }
            }
        }
    }
}
