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

    /// The catalog keeps each distinct string once (symbol table) and rebuilds keys, canonical
    /// bytes and briefs from it exactly; ids, lookups and the index agree.
    @Test func catalogKeysFromSymbols() throws {
        var c = SeriesCatalog()
        var keys: [SeriesKey] = []
        for h in 0..<50 {
            for f in ["user", "system"] {
                keys.append(SeriesKey("cpu_value", ["host": "hv-\(h)", "type_instance": f, "uuid": "0f3c2a9e-7d1b-4c6f-9a2e-\(h)"], field: "value"))
            }
        }
        keys.append(SeriesKey("bare", field: "v"))
        keys.append(SeriesKey("é", ["k": "a b,c=d"], field: "ünï"))
        for (n, k) in keys.enumerated() {
            let id = k.canonicalBytes.withUnsafeBytes { c.insert(canonical: $0, type: n % 2 == 0 ? .float : .integer) }
            #expect(id == UInt32(n + 1))
        }
        // cpu_value, value, host, type_instance, uuid, 50 hosts, user, system, 50 uuids, bare, v, é, k, "a b,c=d", ünï
        #expect(c.symbols.count == 5 + 50 + 2 + 50 + 2 + 4)
        for (n, k) in keys.enumerated() {
            let id = UInt32(n + 1)
            #expect(c.key(id) == k)
            #expect(c.canonical(id) == k.canonicalBytes)
            #expect(c.info(id)?.key == k && c.info(id)?.type == (n % 2 == 0 ? .float : .integer))
            #expect(c.brief(id)?.measurement == k.measurement)
            #expect(k.canonicalBytes.withUnsafeBytes { c.lookup($0, hash: SeriesCatalog.hash($0)) } == id)
        }
        #expect(c.key(0) == nil && c.key(UInt32(keys.count + 1)) == nil)
        #expect(c.ids == (1...UInt32(keys.count)).map { $0 })
        #expect(c.index.tagValues("cpu_value", key: "host")["hv-7"] == [15, 16])
        // A known key keeps its id; an id taken by another key is refused.
        #expect(keys[3].canonicalBytes.withUnsafeBytes { c.insert(canonical: $0, type: .float) } == 4)
        #expect(SeriesKey("new", field: "v").canonicalBytes.withUnsafeBytes { c.insert(canonical: $0, type: .float, id: 4) } == nil)
        // Canonically equivalent spellings (equal as Swift Strings) are different keys: each
        // series gets its own bytes back.
        let composed = SeriesKey("m", ["k": "\u{E9}"], field: "v"), decomposed = SeriesKey("m", ["k": "e\u{301}"], field: "v")
        let a = composed.canonicalBytes.withUnsafeBytes { c.insert(canonical: $0, type: .float) }!
        let b = decomposed.canonicalBytes.withUnsafeBytes { c.insert(canonical: $0, type: .float) }!
        #expect(a != b)
        #expect(c.canonical(a) == composed.canonicalBytes && c.canonical(b) == decomposed.canonicalBytes)
        #expect(c.key(a)!.canonicalBytes == composed.canonicalBytes && c.key(b)!.canonicalBytes == decomposed.canonicalBytes)
    }

    /// Tag values come back in byte order from the index's cache, which a new value refreshes
    /// and which a dropped series' values leave (they are filtered per query).
    @Test func liveTagValuesStaySortedAsValuesArrive() throws {
        let (_, e) = try engine()
        func hosts() throws -> [String] {
            try e.liveTagValues("db", measurement: "cpu", keys: { $0 == "host" }).first?.values.strings ?? []
        }
        #expect(try hosts() == ["a", "b", "c"])
        var b = WriteBatch(database: "db")
        b.append(SeriesKey("cpu", ["host": "B"], field: "user"), 2, .float(1))
        b.append(SeriesKey("cpu", ["host": "aa"], field: "user"), 2, .float(1))
        b.append(SeriesKey("cpu", ["host": "é"], field: "user"), 2, .float(1))
        try e.append(b)
        #expect(try hosts() == ["B", "a", "aa", "b", "c", "é"])
        // A new series with a known value changes nothing; keys are listed in order.
        var c = WriteBatch(database: "db")
        c.append(SeriesKey("cpu", ["host": "b", "dc": "y"], field: "user"), 3, .float(1))
        try e.append(c)
        #expect(try e.liveTagValues("db", measurement: "cpu", keys: { _ in true }).map(\.key) == ["dc", "host"])
        #expect(try e.liveTagValues("db", measurement: "cpu", keys: { _ in true }).first?.values.strings == ["x", "y"])
        #expect(try hosts() == ["B", "a", "aa", "b", "c", "é"])
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
