import Testing
@testable import TSEngine
import TestSupport

@Suite struct TagIndexTests {
    func engine() throws -> (TempDir, Engine) {
        let dir = TempDir()
        let e = try Engine(path: dir.path, options: testOptions())
        var b = WriteBatch(database: "db")
        b.append(SeriesKey("cpu", ["host": "a", "dc": "x"], field: "user"), 1, .float(1))
        b.append(SeriesKey("cpu", ["host": "b", "dc": "x"], field: "user"), 1, .float(1))
        b.append(SeriesKey("cpu", ["host": "c"], field: "user"), 1, .float(1))
        b.append(SeriesKey("cpu", ["host": "a", "dc": "x"], field: "idle"), 1, .integer(1))
        b.append(SeriesKey("mem", ["host": "a"], field: "used"), 1, .float(1))
        try e.append(b)
        return (dir, e)
    }

    func hosts(_ e: Engine, _ sel: SeriesSelector) throws -> [String] {
        try e.select("db", sel).map { "\($0.key.tagValue("host") ?? "-")/\($0.key.field)" }
    }

    @Test func matchers() throws {
        let (_, e) = try engine()
        #expect(try hosts(e, SeriesSelector("cpu", field: "user", [.eq("host", "a")])) == ["a/user"])
        #expect(try hosts(e, SeriesSelector("cpu", field: "user", [.ne("host", "a")])) == ["b/user", "c/user"])
        #expect(try hosts(e, SeriesSelector("cpu", field: "user", [try TagMatcher("host", .regex, "^[ab]$")])) == ["a/user", "b/user"])
        #expect(try hosts(e, SeriesSelector("cpu", field: "user", [try TagMatcher("host", .notRegex, "a")])) == ["b/user", "c/user"])
        // An absent tag matches as "".
        #expect(try hosts(e, SeriesSelector("cpu", field: "user", [.eq("dc", "")])) == ["c/user"])
        #expect(try hosts(e, SeriesSelector("cpu", field: "user", [.ne("dc", "x")])) == ["c/user"])
        #expect(try hosts(e, SeriesSelector("cpu", field: "user", [.eq("dc", "x"), .ne("host", "b")])) == ["a/user"])
        #expect(try hosts(e, SeriesSelector("cpu")) == ["a/user", "b/user", "c/user", "a/idle"])
        #expect(try hosts(e, SeriesSelector(measurement: .regex(try CompiledRegex("^(cpu|mem)$")), field: nil, matchers: [.eq("host", "a")])) == ["a/user", "a/idle", "a/used"])
        #expect(try hosts(e, SeriesSelector("nope")).isEmpty)
        try e.close()
    }

    @Test func listings() throws {
        let (dir, e) = try engine()
        #expect(try e.measurements("db") == ["cpu", "mem"])
        #expect(try e.measurements("db", matching: .regex(try CompiledRegex("^m"))) == ["mem"])
        #expect(try e.tagKeys("db", measurement: "cpu") == ["dc", "host"])
        #expect(try e.tagValues("db", measurement: "cpu", key: "host").keys.sorted() == ["a", "b", "c"])
        #expect(try e.fieldKeys("db", measurement: "cpu").map { "\($0.0):\($0.1)" } == ["idle:integer", "user:float"])
        try e.flush()
        try e.close()
        // Rebuilt from the segments' series tables.
        let e2 = try Engine(path: dir.path, options: testOptions())
        #expect(try e2.tagValues("db", measurement: "cpu", key: "host").keys.sorted() == ["a", "b", "c"])
        #expect(try hosts(e2, SeriesSelector("cpu", field: "user", [.ne("host", "a")])) == ["b/user", "c/user"])
        try e2.close()
    }

    @Test func badRegexIsAnError() {
        #expect(throws: InvalidRegexError.self) { _ = try TagMatcher("host", .regex, "(") }
    }
}
