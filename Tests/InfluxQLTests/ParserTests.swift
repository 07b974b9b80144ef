import InfluxQL
import XCTest

final class GrafanaQueryTests: XCTestCase {
    func testShowMeasurementsLimit() throws {
        XCTAssertEqual(try parseOne("SHOW MEASUREMENTS LIMIT 100"), .showMeasurements(ShowMeasurements(limit: 100)))
    }

    func testShowMeasurementsWithRegex() throws {
        XCTAssertEqual(try parseOne("SHOW MEASUREMENTS WITH MEASUREMENT =~ /cpu/ LIMIT 100"),
                       .showMeasurements(ShowMeasurements(measurement: .regex("cpu"), limit: 100)))
    }

    func testShowTagKeysFrom() throws {
        XCTAssertEqual(try parseOne(#"SHOW TAG KEYS FROM "cpu_value""#),
                       .showTagKeys(ShowFilter(sources: [src("cpu_value")])))
    }

    func testShowTagValuesWithKeyWhere() throws {
        XCTAssertEqual(try parseOne(#"SHOW TAG VALUES FROM "cpu_value" WITH KEY = "host" WHERE "type_instance" = 'user'"#),
                       .showTagValues(ShowFilter(sources: [src("cpu_value")],
                                                 condition: bin(.eq, ref("type_instance"), .string("user"))),
                                      key: .equal("host")))
    }

    func testShowFieldKeysFrom() throws {
        XCTAssertEqual(try parseOne(#"SHOW FIELD KEYS FROM "cpu_value""#),
                       .showFieldKeys(ShowFilter(sources: [src("cpu_value")])))
    }

    func testShowRetentionPoliciesOn() throws {
        XCTAssertEqual(try parseOne(#"SHOW RETENTION POLICIES ON "collectd""#), .showRetentionPolicies(database: "collectd"))
    }

    func testMeanGroupByTimeAndTagFillNull() throws {
        let q = #"SELECT mean("value") FROM "cpu_value" WHERE ("host" = 'hv001') AND time >= now() - 6h and time <= now() GROUP BY time(10s), "type_instance" fill(null)"#
        let expected = SelectStatement(
            fields: [Field(.call("mean", [ref("value")]))],
            sources: [src("cpu_value")],
            condition: bin(.and,
                           bin(.and,
                               bin(.eq, ref("host"), .string("hv001")),
                               bin(.gte, time, bin(.sub, .now, .duration(21_600_000_000_000)))),
                           bin(.lte, time, .now)),
            groupByTime: GroupByTime(interval: 10 * sec),
            groupByTags: ["type_instance"],
            fill: .null)
        XCTAssertEqual(try parseSelect(q), expected)
    }

    func testRetentionPolicySourceRegexEpochMillisFillNone() throws {
        let q = #"SELECT mean("value") FROM "autogen"."cpu_value" WHERE ("type_instance" =~ /^user$/) AND time >= 1767225600000ms and time <= 1767232800000ms GROUP BY time(5m), "host" fill(none)"#
        let expected = SelectStatement(
            fields: [Field(.call("mean", [ref("value")]))],
            sources: [src("cpu_value", rp: "autogen")],
            condition: bin(.and,
                           bin(.and,
                               bin(.regexMatch, ref("type_instance"), .regex("^user$")),
                               bin(.gte, time, .duration(1_767_225_600_000 * ms))),
                           bin(.lte, time, .duration(1_767_232_800_000 * ms))),
            groupByTime: GroupByTime(interval: 5 * minute),
            groupByTags: ["host"],
            fill: .none)
        XCTAssertEqual(try parseSelect(q), expected)
    }

    func testNonNegativeDerivativeFillLinear() throws {
        let q = #"SELECT non_negative_derivative(mean("value"), 1s) FROM "interface_rx" WHERE time >= now() - 1h GROUP BY time(1m) fill(linear)"#
        let expected = SelectStatement(
            fields: [Field(.call("non_negative_derivative", [.call("mean", [ref("value")]), .duration(sec)]))],
            sources: [src("interface_rx")],
            condition: bin(.gte, time, bin(.sub, .now, .duration(hour))),
            groupByTime: GroupByTime(interval: minute),
            fill: .linear)
        XCTAssertEqual(try parseSelect(q), expected)
    }

    func testLastWithTimeStrings() throws {
        let q = #"SELECT last("value") FROM "memory_value" WHERE time >= '2026-01-01T00:00:00Z' AND time < '2026-01-02T00:00:00Z'"#
        let expected = SelectStatement(
            fields: [Field(.call("last", [ref("value")]))],
            sources: [src("memory_value")],
            condition: bin(.and,
                           bin(.gte, time, .string("2026-01-01T00:00:00Z")),
                           bin(.lt, time, .string("2026-01-02T00:00:00Z"))))
        XCTAssertEqual(try parseSelect(q), expected)
    }

    func testAllGrafanaQueriesTogether() throws {
        let all = """
        SHOW MEASUREMENTS LIMIT 100;
        SHOW MEASUREMENTS WITH MEASUREMENT =~ /cpu/ LIMIT 100;
        SHOW TAG KEYS FROM "cpu_value";
        SHOW TAG VALUES FROM "cpu_value" WITH KEY = "host" WHERE "type_instance" = 'user';
        SHOW FIELD KEYS FROM "cpu_value";
        SHOW RETENTION POLICIES ON "collectd";
        SELECT mean("value") FROM "cpu_value" WHERE ("host" = 'hv001') AND time >= now() - 6h and time <= now() GROUP BY time(10s), "type_instance" fill(null);
        SELECT mean("value") FROM "autogen"."cpu_value" WHERE ("type_instance" =~ /^user$/) AND time >= 1767225600000ms and time <= 1767232800000ms GROUP BY time(5m), "host" fill(none);
        SELECT non_negative_derivative(mean("value"), 1s) FROM "interface_rx" WHERE time >= now() - 1h GROUP BY time(1m) fill(linear);
        SELECT last("value") FROM "memory_value" WHERE time >= '2026-01-01T00:00:00Z' AND time < '2026-01-02T00:00:00Z'
        """
        XCTAssertEqual(try InfluxQLParser.parse(all).count, 10)
    }
}

final class PythonClientQueryTests: XCTestCase {
    func testShowDatabases() throws {
        XCTAssertEqual(try parseOne("SHOW DATABASES"), .showDatabases)
        XCTAssertEqual(try parseOne("show databases"), .showDatabases)
    }

    func testCreateAndDropDatabase() throws {
        XCTAssertEqual(try parseOne(#"CREATE DATABASE "x""#), .createDatabase("x"))
        XCTAssertEqual(try parseOne(#"DROP DATABASE "x""#), .dropDatabase("x"))
        XCTAssertEqual(try parseOne("create database mydb"), .createDatabase("mydb"))
        XCTAssertEqual(try parseOne(#"CREATE DATABASE "my \"odd\" db""#), .createDatabase(#"my "odd" db"#))
    }

    func testPlainSelect() throws {
        XCTAssertEqual(try parseSelect("select * from cpu_load_short"),
                       SelectStatement(fields: [Field(.wildcard(nil))], sources: [src("cpu_load_short")]))
        XCTAssertEqual(try parseSelect(#"SELECT "value" FROM "cpu_load_short" WHERE "region"='us-west'"#),
                       SelectStatement(fields: [Field(ref("value"))], sources: [src("cpu_load_short")],
                                       condition: bin(.eq, ref("region"), .string("us-west"))))
    }
}

final class StatementTests: XCTestCase {
    // MARK: Multiple statements

    func testEmptyQueryAndEmptyStatements() throws {
        XCTAssertEqual(try InfluxQLParser.parse(""), [])
        XCTAssertEqual(try InfluxQLParser.parse("  \n "), [])
        XCTAssertEqual(try InfluxQLParser.parse(";"), [])
        XCTAssertEqual(try InfluxQLParser.parse(";;  ;"), [])
        XCTAssertEqual(try InfluxQLParser.parse("-- only a comment"), [])
    }

    func testSeveralStatements() throws {
        XCTAssertEqual(try InfluxQLParser.parse("SHOW DATABASES; CREATE DATABASE a;;DROP DATABASE b;"),
                       [.showDatabases, .createDatabase("a"), .dropDatabase("b")])
        XCTAssertEqual(try InfluxQLParser.parse("SELECT a FROM m;SELECT b FROM n").count, 2)
    }

    func testStatementsNeedSeparator() {
        assertParseError("SHOW DATABASES SHOW DATABASES", "found SHOW, expected ; at line 1, char 16")
        assertParseError("SELECT a FROM m x", "found x, expected ; at line 1, char 17")
    }

    func testUnknownStatement() {
        assertParseError("FOO", "found FOO, expected SELECT, DELETE, SHOW, CREATE, DROP at line 1, char 1")
        assertParseError("  explain select", "found EXPLAIN, expected SELECT, DELETE, SHOW, CREATE, DROP at line 1, char 3")
        assertParseError("SHOW DATABASES; 42", "found 42, expected SELECT, DELETE, SHOW, CREATE, DROP at line 1, char 17")
        assertParseError("'str'", "found str, expected SELECT, DELETE, SHOW, CREATE, DROP at line 1, char 1")
    }

    // MARK: SHOW MEASUREMENTS

    func testShowMeasurementsForms() throws {
        XCTAssertEqual(try parseOne("SHOW MEASUREMENTS"), .showMeasurements(ShowMeasurements()))
        XCTAssertEqual(try parseOne("SHOW MEASUREMENTS ON telegraf"),
                       .showMeasurements(ShowMeasurements(database: "telegraf")))
        XCTAssertEqual(try parseOne(#"SHOW MEASUREMENTS WITH MEASUREMENT = "cpu""#),
                       .showMeasurements(ShowMeasurements(measurement: .equal("cpu"))))
        XCTAssertEqual(try parseOne("SHOW MEASUREMENTS WITH MEASUREMENT != cpu"),
                       .showMeasurements(ShowMeasurements(measurement: .notEqual("cpu"))))
        XCTAssertEqual(try parseOne("SHOW MEASUREMENTS WITH MEASUREMENT !~ /^disk/"),
                       .showMeasurements(ShowMeasurements(measurement: .notRegex("^disk"))))
        XCTAssertEqual(try parseOne("SHOW MEASUREMENTS WITH MEASUREMENT = /x/"),
                       .showMeasurements(ShowMeasurements(measurement: .regex("x"))))
        XCTAssertEqual(try parseOne(#"SHOW MEASUREMENTS ON "db" WITH MEASUREMENT =~ /c.u/ WHERE "host" = 'a' LIMIT 10 OFFSET 5"#),
                       .showMeasurements(ShowMeasurements(database: "db", measurement: .regex("c.u"),
                                                          condition: bin(.eq, ref("host"), .string("a")),
                                                          limit: 10, offset: 5)))
        XCTAssertEqual(try parseOne("SHOW MEASUREMENTS OFFSET 3"), .showMeasurements(ShowMeasurements(offset: 3)))
    }

    func testShowMeasurementsErrors() {
        assertParseError("SHOW MEASUREMENTS WITH", "found EOF, expected MEASUREMENT at line 1, char 23")
        assertParseError("SHOW MEASUREMENTS WITH MEASUREMENT > cpu", "found >, expected =, !=, =~, !~ at line 1, char 36")
        assertParseError("SHOW MEASUREMENTS WITH MEASUREMENT =~ cpu", "found cpu, expected regex at line 1, char 39")
        assertParseError("SHOW MEASUREMENTS WITH MEASUREMENT = 'cpu'", "found cpu, expected identifier at line 1, char 38")
        assertParseError("SHOW MEASUREMENTS ON", "found EOF, expected identifier at line 1, char 21")
        assertParseError("SHOW MEASUREMENTS LIMIT 1 OFFSET 2 LIMIT 3", "found LIMIT, expected ; at line 1, char 36")
        assertParseError("SHOW MEASUREMENTS LIMIT 10 WHERE a = 1", "found WHERE, expected ; at line 1, char 28")
    }

    // MARK: SHOW TAG KEYS / TAG VALUES / FIELD KEYS / SERIES

    func testShowTagKeysForms() throws {
        XCTAssertEqual(try parseOne("SHOW TAG KEYS"), .showTagKeys(ShowFilter()))
        XCTAssertEqual(try parseOne(#"SHOW TAG KEYS ON "db" FROM cpu, /^mem/ WHERE host = 'a' LIMIT 2 OFFSET 1"#),
                       .showTagKeys(ShowFilter(database: "db", sources: [src("cpu"), srcRegex("^mem")],
                                               condition: bin(.eq, ref("host"), .string("a")), limit: 2, offset: 1)))
    }

    func testShowTagValuesKeyForms() throws {
        func key(_ clause: String) throws -> KeyMatch {
            guard case .showTagValues(_, let key) = try parseOne("SHOW TAG VALUES WITH KEY \(clause)") else {
                throw ParseError(message: "not tag values", line: 0, char: 0)
            }
            return key
        }
        XCTAssertEqual(try key("= host"), .equal("host"))
        XCTAssertEqual(try key(#"= "host name""#), .equal("host name"))
        XCTAssertEqual(try key(#"!= "host""#), .notEqual("host"))
        XCTAssertEqual(try key("=~ /ho.*/"), .regex("ho.*"))
        XCTAssertEqual(try key("!~ /^a\\/b/"), .notRegex("^a/b"))
        XCTAssertEqual(try key(#"IN ("host", region, "dc")"#), .in(["host", "region", "dc"]))
        XCTAssertEqual(try key("in (one)"), .in(["one"]))
    }

    func testShowTagValuesFull() throws {
        XCTAssertEqual(try parseOne(#"SHOW TAG VALUES ON db FROM "rp"."cpu" WITH KEY = "host" WHERE a = 1 LIMIT 5 OFFSET 10"#),
                       .showTagValues(ShowFilter(database: "db", sources: [src("cpu", rp: "rp")],
                                                 condition: bin(.eq, ref("a"), .integer(1)), limit: 5, offset: 10),
                                      key: .equal("host")))
    }

    func testShowTagErrors() {
        assertParseError("SHOW TAG", "found EOF, expected KEYS, VALUES at line 1, char 9")
        assertParseError("SHOW TAG FOO", "found FOO, expected KEYS, VALUES at line 1, char 10")
        assertParseError("SHOW TAG VALUES", "found EOF, expected WITH at line 1, char 16")
        assertParseError("SHOW TAG VALUES FROM cpu", "found EOF, expected WITH at line 1, char 25")
        assertParseError("SHOW TAG VALUES WITH host", "found host, expected KEY at line 1, char 22")
        assertParseError("SHOW TAG VALUES WITH KEY host", "found host, expected IN, =, !=, =~, !~ at line 1, char 26")
        assertParseError("SHOW TAG VALUES WITH KEY = 'host'", "found host, expected identifier at line 1, char 28")
        assertParseError("SHOW TAG VALUES WITH KEY =~ host", "found host, expected regex at line 1, char 29")
        assertParseError("SHOW TAG VALUES WITH KEY IN host", "found host, expected ( at line 1, char 29")
        assertParseError("SHOW TAG VALUES WITH KEY IN (a b)", "found b, expected ) at line 1, char 32")
        assertParseError("SHOW TAG VALUES WITH KEY IN ()", "found ), expected identifier at line 1, char 30")
        assertParseError("SHOW TAG VALUES WITH KEY = key", "found KEY, expected identifier at line 1, char 28")
    }

    func testShowFieldKeys() throws {
        XCTAssertEqual(try parseOne("SHOW FIELD KEYS"), .showFieldKeys(ShowFilter()))
        XCTAssertEqual(try parseOne("SHOW FIELD KEYS ON db FROM cpu LIMIT 1 OFFSET 2"),
                       .showFieldKeys(ShowFilter(database: "db", sources: [src("cpu")], limit: 1, offset: 2)))
        assertParseError("SHOW FIELD KEYS WHERE a = 1", "found WHERE, expected ; at line 1, char 17")
        assertParseError("SHOW FIELD", "found EOF, expected KEYS at line 1, char 11")
    }

    func testShowSeries() throws {
        XCTAssertEqual(try parseOne("SHOW SERIES"), .showSeries(ShowFilter()))
        XCTAssertEqual(try parseOne(#"SHOW SERIES ON "db" FROM "cpu" WHERE "host" =~ /a/ LIMIT 3 OFFSET 4"#),
                       .showSeries(ShowFilter(database: "db", sources: [src("cpu")],
                                              condition: bin(.regexMatch, ref("host"), .regex("a")), limit: 3, offset: 4)))
    }

    func testShowRetentionPolicies() throws {
        XCTAssertEqual(try parseOne("SHOW RETENTION POLICIES"), .showRetentionPolicies(database: nil))
        XCTAssertEqual(try parseOne("show retention policies on mydb"), .showRetentionPolicies(database: "mydb"))
        assertParseError("SHOW RETENTION", "found EOF, expected POLICIES at line 1, char 15")
        assertParseError("SHOW RETENTION POLICIES ON", "found EOF, expected identifier at line 1, char 27")
    }

    func testShowErrors() {
        assertParseError("SHOW", "found EOF, expected DATABASES, FIELD, MEASUREMENTS, RETENTION, SERIES, TAG at line 1, char 5")
        assertParseError("SHOW USERS", "found USERS, expected DATABASES, FIELD, MEASUREMENTS, RETENTION, SERIES, TAG at line 1, char 6")
        assertParseError("SHOW DATABASES ON x", "found ON, expected ; at line 1, char 16")
    }

    // MARK: CREATE / DROP

    func testCreateDropErrors() {
        assertParseError("CREATE DATABASE", "found EOF, expected identifier at line 1, char 16")
        assertParseError("CREATE TABLE x", "found TABLE, expected DATABASE at line 1, char 8")
        assertParseError("CREATE DATABASE foo WITH DURATION 1d", "found WITH, expected ; at line 1, char 21")
        assertParseError("CREATE DATABASE select", "found SELECT, expected identifier at line 1, char 17")
        assertParseError("DROP", "found EOF, expected DATABASE, SERIES at line 1, char 5")
        assertParseError("DROP MEASUREMENT cpu", "found MEASUREMENT, expected DATABASE, SERIES at line 1, char 6")
        assertParseError("DROP DATABASE 'x'", "found x, expected identifier at line 1, char 15")
    }

    func testKeywordNamesMustBeQuoted() throws {
        XCTAssertEqual(try parseOne(#"CREATE DATABASE "select""#), .createDatabase("select"))
        assertParseError("SELECT field FROM m", "found FIELD, expected identifier, string, number, bool at line 1, char 8")
        XCTAssertEqual(try parseSelect(#"SELECT "field" FROM "from""#),
                       SelectStatement(fields: [Field(ref("field"))], sources: [src("from")]))
    }

    // MARK: DROP SERIES / DELETE

    func testDropSeries() throws {
        XCTAssertEqual(try parseOne("DROP SERIES FROM cpu"), .dropSeries(sources: [src("cpu")], condition: nil))
        XCTAssertEqual(try parseOne("DROP SERIES WHERE host = 'a'"),
                       .dropSeries(sources: [], condition: bin(.eq, ref("host"), .string("a"))))
        XCTAssertEqual(try parseOne(#"DROP SERIES FROM "cpu", /^mem/ WHERE "host" = 'a'"#),
                       .dropSeries(sources: [src("cpu"), srcRegex("^mem")], condition: bin(.eq, ref("host"), .string("a"))))
        assertParseError("DROP SERIES", "found EOF, expected FROM, WHERE at line 1, char 12")
        assertParseError("DROP SERIES LIMIT 1", "found LIMIT, expected FROM, WHERE at line 1, char 13")
        assertParseError(#"DROP SERIES FROM "db"."rp"."m""#, "database not supported at line 1, char 18")
        assertParseError(#"DROP SERIES FROM "rp"."m""#, "retention policy not supported at line 1, char 18")
        assertParseError("DROP SERIES FROM", "found EOF, expected identifier at line 1, char 17")
    }

    func testDelete() throws {
        XCTAssertEqual(try parseOne("DELETE FROM cpu"), .delete(sources: [src("cpu")], condition: nil))
        XCTAssertEqual(try parseOne("DELETE WHERE time < '2020-01-01'"),
                       .delete(sources: [], condition: bin(.lt, time, .string("2020-01-01"))))
        XCTAssertEqual(try parseOne(#"DELETE FROM "autogen"."cpu" WHERE time < now() - 1w"#),
                       .delete(sources: [src("cpu", rp: "autogen")], condition: bin(.lt, time, bin(.sub, .now, .duration(week)))))
        assertParseError("DELETE", "found EOF, expected FROM, WHERE at line 1, char 7")
        assertParseError("DELETE cpu", "found cpu, expected FROM, WHERE at line 1, char 8")
        assertParseError(#"DELETE FROM "db".."cpu""#, "database not supported at line 1, char 13")
        assertParseError("DELETE WHERE", "found EOF, expected identifier, string, number, bool at line 1, char 13")
    }
}

final class SelectTests: XCTestCase {
    // MARK: Fields

    func testFieldsAndAliases() throws {
        let s = try parseSelect(#"SELECT mean("value") AS "avg", max(value) as mx, value, "other"::field, host::tag FROM cpu"#)
        XCTAssertEqual(s.fields, [
            Field(.call("mean", [ref("value")]), alias: "avg"),
            Field(.call("max", [ref("value")]), alias: "mx"),
            Field(ref("value")),
            Field(ref("other", .field)),
            Field(ref("host", .tag)),
        ])
    }

    func testWildcards() throws {
        XCTAssertEqual(try parseSelect("SELECT * FROM m").fields, [Field(.wildcard(nil))])
        XCTAssertEqual(try parseSelect("SELECT *::field FROM m").fields, [Field(.wildcard(.field))])
        XCTAssertEqual(try parseSelect("SELECT *::tag, a FROM m").fields, [Field(.wildcard(.tag)), Field(ref("a"))])
        XCTAssertEqual(try parseSelect("SELECT count(*) FROM m").fields, [Field(.call("count", [.wildcard(nil)]))])
    }

    func testRegexFields() throws {
        XCTAssertEqual(try parseSelect("SELECT /usage/ FROM cpu").fields, [Field(.regexRef("usage"))])
        XCTAssertEqual(try parseSelect("SELECT mean(/usage_.*/) AS m FROM cpu").fields,
                       [Field(.call("mean", [.regexRef("usage_.*")]), alias: "m")])
        XCTAssertEqual(try parseSelect("SELECT a, /b/ FROM cpu").fields, [Field(ref("a")), Field(.regexRef("b"))])
    }

    func testArithmeticField() throws {
        XCTAssertEqual(try parseSelect(#"SELECT "used" / "total" * 100 AS pct FROM mem"#).fields,
                       [Field(bin(.mul, bin(.div, ref("used"), ref("total")), .integer(100)), alias: "pct")])
    }

    func testConditionOperatorsRejectedInFields() {
        assertParseError("SELECT a = 1 FROM m",
                         "invalid operator = in SELECT clause; operator is intended for WHERE clause at line 1, char 8")
        assertParseError("SELECT x, mean(a > 1) FROM m",
                         "invalid operator > in SELECT clause; operator is intended for WHERE clause at line 1, char 11")
        assertParseError("SELECT a AND b FROM m",
                         "invalid operator AND in SELECT clause; operator is intended for WHERE clause at line 1, char 8")
    }

    func testFieldErrors() {
        assertParseError("SELECT", "found EOF, expected identifier, string, number, bool at line 1, char 7")
        assertParseError("SELECT FROM m", "found FROM, expected identifier, string, number, bool at line 1, char 8")
        assertParseError("SELECT value", "found EOF, expected FROM at line 1, char 13")
        assertParseError("SELECT a, FROM m", "found FROM, expected identifier, string, number, bool at line 1, char 11")
        assertParseError("SELECT a AS FROM m", "found FROM, expected identifier at line 1, char 13")
        assertParseError("SELECT a INTO b FROM c", "found INTO, expected FROM at line 1, char 10")
        assertParseError("SELECT a::foo FROM m",
                         "found foo, expected float, integer, unsigned, string, boolean, field, tag at line 1, char 11")
        assertParseError("SELECT *::float FROM m", "found float, expected field, tag at line 1, char 11")
        assertParseError("SELECT mean(a FROM m", "found FROM, expected ) at line 1, char 15")
        assertParseError("SELECT (a FROM m", "found FROM, expected ) at line 1, char 11")
        assertParseError("SELECT -'a' FROM m", "found a, expected identifier, number, duration, ( at line 1, char 9")
        assertParseError("SELECT 99999999999999999999 FROM m", "unable to parse integer at line 1, char 8")
        assertParseError("SELECT a ::float FROM m", "found ::, expected FROM at line 1, char 10")
    }

    // MARK: Sources

    func testSources() throws {
        func sources(_ from: String) throws -> [Source] { try parseSelect("SELECT a FROM \(from)").sources }
        XCTAssertEqual(try sources("cpu"), [src("cpu")])
        XCTAssertEqual(try sources(#""cpu load""#), [src("cpu load")])
        XCTAssertEqual(try sources(#""rp"."m""#), [src("m", rp: "rp")])
        XCTAssertEqual(try sources("rp.m"), [src("m", rp: "rp")])
        XCTAssertEqual(try sources(#""db"."rp"."m""#), [src("m", rp: "rp", db: "db")])
        XCTAssertEqual(try sources(#"db.rp."m""#), [src("m", rp: "rp", db: "db")])
        XCTAssertEqual(try sources(#""db".."m""#), [src("m", db: "db")])
        XCTAssertEqual(try sources("/cpu.*/"), [srcRegex("cpu.*")])
        XCTAssertEqual(try sources(#""rp"./re/"#), [srcRegex("re", rp: "rp")])
        XCTAssertEqual(try sources(#""db"."rp"./re/"#), [srcRegex("re", rp: "rp", db: "db")])
        XCTAssertEqual(try sources(#""db"../re/"#), [srcRegex("re", db: "db")])
        XCTAssertEqual(try sources(#"a, "b", /c/, rp.d"#), [src("a"), src("b"), srcRegex("c"), src("d", rp: "rp")])
        XCTAssertEqual(try sources(#"/a\/b/"#), [srcRegex("a/b")])
    }

    func testSourceErrors() {
        assertParseError("SELECT a FROM", "found EOF, expected identifier at line 1, char 14")
        assertParseError("SELECT a FROM (SELECT b FROM c)", "subqueries are not supported at line 1, char 15")
        assertParseError("SELECT a FROM a.b.c.d", "too many segments in a.b.c.d at line 1, char 15")
        assertParseError("SELECT a FROM a.b.c./d/", "too many segments in a.b.c./d/ at line 1, char 15")
        assertParseError("SELECT a FROM /cpu", "unterminated regex at line 1, char 15")
        assertParseError("SELECT a FROM cpu,", "found EOF, expected identifier at line 1, char 19")
        assertParseError("SELECT a FROM rp .m", "found ., expected ; at line 1, char 18")
        assertParseError("SELECT a FROM 'cpu'", "found cpu, expected identifier at line 1, char 15")
    }

    // MARK: WHERE

    func testWhere() throws {
        XCTAssertEqual(try parseSelect("SELECT a FROM m WHERE host = 'x' OR host <> 'y'").condition,
                       bin(.or, bin(.eq, ref("host"), .string("x")), bin(.neq, ref("host"), .string("y"))))
        XCTAssertEqual(try parseSelect("SELECT a FROM m WHERE time > now() - 15m AND v != 1.5").condition,
                       bin(.and, bin(.gt, time, bin(.sub, .now, .duration(15 * minute))), bin(.neq, ref("v"), .number(1.5))))
        XCTAssertEqual(try parseSelect("SELECT a FROM m WHERE \"b\" !~ /x/").condition,
                       bin(.regexNotMatch, ref("b"), .regex("x")))
        assertParseError("SELECT a FROM m WHERE", "found EOF, expected identifier, string, number, bool at line 1, char 22")
        assertParseError("SELECT a FROM m WHERE host = 'x", "unterminated string at line 1, char 30")
        assertParseError("SELECT a FROM m WHERE host =~ 'x'", "found x, expected regex at line 1, char 31")
        assertParseError("SELECT a FROM m WHERE host =~ /x", "unterminated regex at line 1, char 31")
        assertParseError("SELECT a FROM m WHERE a = /x/", "found /, expected identifier, string, number, bool at line 1, char 27")
        assertParseError("SELECT a FROM m WHERE t > 10x", "invalid duration at line 1, char 27")
        assertParseError("SELECT a FROM m WHERE t > 99999999999999999h", "overflowed duration 99999999999999999h at line 1, char 27")
        assertParseError(#"SELECT a FROM m WHERE h = 'a\qb'"#, #"bad escape: \q at line 1, char 29"#)
        assertParseError("SELECT a FROM m WHERE x ! 1", "found !, expected ; at line 1, char 25")
    }

    // MARK: GROUP BY

    func testGroupBy() throws {
        var s = try parseSelect("SELECT mean(v) FROM m GROUP BY time(1h, 15m)")
        XCTAssertEqual(s.groupByTime, GroupByTime(interval: hour, offset: 15 * minute))
        s = try parseSelect("SELECT mean(v) FROM m GROUP BY time(1h,-15m)")
        XCTAssertEqual(s.groupByTime, GroupByTime(interval: hour, offset: -15 * minute))
        s = try parseSelect(#"SELECT mean(v) FROM m GROUP BY host, "region", time(30s), dc::tag"#)
        XCTAssertEqual(s.groupByTime, GroupByTime(interval: 30 * sec))
        XCTAssertEqual(s.groupByTags, ["host", "region", "dc"])
        XCTAssertFalse(s.groupByAllTags)
        s = try parseSelect("SELECT mean(v) FROM m GROUP BY *, TIME(1d)")
        XCTAssertTrue(s.groupByAllTags)
        XCTAssertEqual(s.groupByTime, GroupByTime(interval: day))
        XCTAssertEqual(s.groupByTags, [])
        s = try parseSelect("SELECT v FROM m GROUP BY host")
        XCTAssertNil(s.groupByTime)
        XCTAssertEqual(s.groupByTags, ["host"])
    }

    func testGroupByErrors() {
        assertParseError("SELECT a FROM m GROUP time(1m)", "found time, expected BY at line 1, char 23")
        assertParseError("SELECT a FROM m GROUP BY", "found EOF, expected identifier, string, number, bool at line 1, char 25")
        assertParseError("SELECT a FROM m GROUP BY time(1m), time(5m)", "multiple time dimensions not allowed at line 1, char 36")
        assertParseError("SELECT a FROM m GROUP BY time", "time() is a function and expects at least one argument at line 1, char 26")
        assertParseError("SELECT a FROM m GROUP BY time(10)", "time dimension must have duration argument at line 1, char 26")
        assertParseError("SELECT a FROM m GROUP BY time()", "time dimension expected 1 or 2 arguments at line 1, char 26")
        assertParseError("SELECT a FROM m GROUP BY time(1m, 1s, 1s)", "time dimension expected 1 or 2 arguments at line 1, char 26")
        assertParseError("SELECT a FROM m GROUP BY time(0s)", "time dimension must have a positive duration at line 1, char 26")
        assertParseError("SELECT a FROM m GROUP BY time(1h, now())", "time dimension offset now() is not supported at line 1, char 26")
        assertParseError("SELECT a FROM m GROUP BY time(1h, 'x')", "time dimension offset must be duration or now() at line 1, char 26")
        assertParseError("SELECT a FROM m GROUP BY mean(x)", "only time() calls allowed in dimensions at line 1, char 26")
        assertParseError("SELECT a FROM m GROUP BY 'host'", "only time and tag dimensions allowed at line 1, char 26")
        assertParseError("SELECT a FROM m GROUP BY /ho/", "regular expressions in GROUP BY are not supported at line 1, char 26")
    }

    // MARK: fill / ORDER BY / LIMIT / OFFSET / SLIMIT / SOFFSET / tz

    func testFill() throws {
        func fill(_ text: String) throws -> Fill {
            try parseSelect("SELECT mean(v) FROM m GROUP BY time(1m) \(text)").fill
        }
        XCTAssertEqual(try fill(""), .null)
        XCTAssertEqual(try fill("fill(null)"), .null)
        XCTAssertEqual(try fill("fill(none)"), .none)
        XCTAssertEqual(try fill("FILL(previous)"), .previous)
        XCTAssertEqual(try fill("fill(linear)"), .linear)
        XCTAssertEqual(try fill("fill(0)"), .number(0))
        XCTAssertEqual(try fill("fill(-1)"), .number(-1))
        XCTAssertEqual(try fill("fill(2.5)"), .number(2.5))
        XCTAssertEqual(try fill("fill(-0.25)"), .number(-0.25))
        // fill without GROUP BY is accepted, as in InfluxDB.
        XCTAssertEqual(try parseSelect("SELECT mean(v) FROM m WHERE time > now() - 1h fill(7)").fill, .number(7))
    }

    func testFillErrors() {
        assertParseError("SELECT a FROM m fill(foo)", "expected number argument in fill() at line 1, char 17")
        assertParseError("SELECT a FROM m fill('x')", "expected number argument in fill() at line 1, char 17")
        assertParseError("SELECT a FROM m fill()", "fill requires an argument, e.g.: 0, null, none, previous, linear at line 1, char 17")
        assertParseError("SELECT a FROM m fill(1, 2)", "fill requires an argument, e.g.: 0, null, none, previous, linear at line 1, char 17")
        assertParseError("SELECT a FROM m fill (0)", "fill must be a function call at line 1, char 17")
        assertParseError("SELECT a FROM m GROUP BY time(1m) fill(null) fill(none)", "found fill, expected ; at line 1, char 46")
    }

    func testOrderBy() throws {
        XCTAssertFalse(try parseSelect("SELECT a FROM m").descending)
        XCTAssertTrue(try parseSelect("SELECT a FROM m ORDER BY time DESC").descending)
        XCTAssertFalse(try parseSelect("SELECT a FROM m ORDER BY time ASC").descending)
        XCTAssertFalse(try parseSelect("SELECT a FROM m ORDER BY time").descending)
        XCTAssertTrue(try parseSelect(#"SELECT a FROM m order by "time" desc"#).descending)
        XCTAssertTrue(try parseSelect("SELECT a FROM m ORDER BY DESC").descending)
        assertParseError("SELECT a FROM m ORDER BY host", "only ORDER BY time supported at this time at line 1, char 26")
        assertParseError("SELECT a FROM m ORDER BY time, host", "only ORDER BY time supported at this time at line 1, char 30")
        assertParseError("SELECT a FROM m ORDER BY 1", "found 1, expected identifier, ASC, DESC at line 1, char 26")
        assertParseError("SELECT a FROM m ORDER time", "found time, expected BY at line 1, char 23")
    }

    func testLimitsAndTimezone() throws {
        let s = try parseSelect("SELECT a FROM m WHERE a > 0 GROUP BY host fill(none) ORDER BY time DESC LIMIT 10 OFFSET 20 SLIMIT 3 SOFFSET 4 tz('Europe/Rome')")
        XCTAssertEqual(s, SelectStatement(fields: [Field(ref("a"))], sources: [src("m")],
                                          condition: bin(.gt, ref("a"), .integer(0)),
                                          groupByTags: ["host"], fill: .none, descending: true,
                                          limit: 10, offset: 20, seriesLimit: 3, seriesOffset: 4, timezone: "Europe/Rome"))
        let t = try parseSelect("SELECT a FROM m SOFFSET 1")
        XCTAssertNil(t.limit)
        XCTAssertNil(t.offset)
        XCTAssertNil(t.seriesLimit)
        XCTAssertEqual(t.seriesOffset, 1)
        XCTAssertNil(t.timezone)
    }

    func testLimitErrors() {
        assertParseError("SELECT a FROM m LIMIT x", "found x, expected integer at line 1, char 23")
        assertParseError("SELECT a FROM m LIMIT -1", "found -, expected integer at line 1, char 23")
        assertParseError("SELECT a FROM m LIMIT 1.5", "found 1.5, expected integer at line 1, char 23")
        assertParseError("SELECT a FROM m OFFSET", "found EOF, expected integer at line 1, char 23")
        assertParseError("SELECT a FROM m OFFSET 1 LIMIT 1", "found LIMIT, expected ; at line 1, char 26")
        assertParseError("SELECT a FROM m tz(1)", "expected string argument in tz() at line 1, char 17")
        assertParseError("SELECT a FROM m tz()", "tz requires exactly one argument at line 1, char 17")
        assertParseError("SELECT a FROM m LIMIT 1 ORDER BY time", "found ORDER, expected ; at line 1, char 25")
    }

    // MARK: Positions

    func testMultiLinePositions() {
        assertParseError("SELECT a\nFROM m\nWHERE", "found EOF, expected identifier, string, number, bool at line 3, char 6")
        assertParseError("SHOW DATABASES;\r\nFOO", "found FOO, expected SELECT, DELETE, SHOW, CREATE, DROP at line 2, char 1")
        assertParseError("SHOW DATABASES;\n\n   \tFOO", "found FOO, expected SELECT, DELETE, SHOW, CREATE, DROP at line 3, char 5")
        // Characters, not bytes: é is two bytes but one char.
        assertParseError("SELECT 'héllo' FRM m", "found FRM, expected FROM at line 1, char 16")
        assertParseError(#"SELECT "µ" FROM m WHERE"#, "found EOF, expected identifier, string, number, bool at line 1, char 24")
    }

    func testLexicalErrorsSurface() {
        assertParseError(#"SELECT "a FROM m"#, "unterminated quoted identifier at line 1, char 8")
        assertParseError("SELECT a /* x", "unterminated comment at line 1, char 10")
        assertParseError("SELECT a FROM m WHERE h = 'a\nb'", "unterminated string at line 1, char 27")
    }

    func testCommentsAreWhitespace() throws {
        let s = try parseSelect("SELECT a -- the field\nFROM /* the source */ m")
        XCTAssertEqual(s, SelectStatement(fields: [Field(ref("a"))], sources: [src("m")]))
    }
}

final class ExpressionTests: XCTestCase {
    func testLiterals() {
        assertExpr("10", .integer(10))
        assertExpr("-3", .integer(-3))
        assertExpr("+3", .integer(3))
        assertExpr("- 3", .integer(-3))
        assertExpr("1.5", .number(1.5))
        assertExpr(".5", .number(0.5))
        assertExpr("-2.5", .number(-2.5))
        assertExpr("1e3", .number(1000))
        assertExpr("'it\\'s'", .string("it's"))
        assertExpr("''", .string(""))
        assertExpr("true", .boolean(true))
        assertExpr("FALSE", .boolean(false))
        assertExpr("10s", .duration(10 * sec))
        assertExpr("1h30m", .duration(90 * minute))
        assertExpr("-15m", .duration(-900_000_000_000))
        assertExpr("1767225600000ms", .duration(1_767_225_600_000 * ms))
        assertExpr("5u", .duration(5 * us))
        assertExpr("5µ", .duration(5 * us))
        assertExpr("10ns", .duration(10))
        assertExpr("2w", .duration(2 * week))
        assertExpr("3d", .duration(3 * day))
        assertExpr("-9223372036854775808", .integer(.min))
        assertExpr("9223372036854775807", .integer(.max))
    }

    func testReferences() {
        assertExpr("time", time)
        assertExpr("TIME", time)
        assertExpr(#""time""#, time)
        assertExpr("host", ref("host"))
        assertExpr(#""my host""#, ref("my host"))
        assertExpr(#""a\"b\\c""#, ref(#"a"b\c"#))
        assertExpr(#""value"::float"#, ref("value", .float))
        assertExpr("v::integer", ref("v", .integer))
        assertExpr("v::unsigned", ref("v", .unsigned))
        assertExpr("v::string", ref("v", .string))
        assertExpr("v::boolean", ref("v", .boolean))
        assertExpr("v::field", ref("v", .field))
        assertExpr("host::tag", ref("host", .tag))
        assertExpr(#""cpu"."value""#, ref("cpu.value"))
        assertExpr("*", .wildcard(nil))
        assertExpr("*::field", .wildcard(.field))
    }

    func testCalls() {
        assertExpr(#"MEAN("value")"#, .call("mean", [ref("value")]))
        assertExpr("count(*)", .call("count", [.wildcard(nil)]))
        assertExpr(#"count(distinct("v"))"#, .call("count", [.call("distinct", [ref("v")])]))
        assertExpr(#"DISTINCT "v""#, .call("distinct", [ref("v")]))
        assertExpr(#"percentile("v", 95)"#, .call("percentile", [ref("v"), .integer(95)]))
        assertExpr(#"derivative(mean("v"), 1s)"#, .call("derivative", [.call("mean", [ref("v")]), .duration(sec)]))
        assertExpr(#"top("v", "host", 3)"#, .call("top", [ref("v"), ref("host"), .integer(3)]))
        assertExpr(#"rate("v", 1m)"#, .call("rate", [ref("v"), .duration(minute)]))
        assertExpr("now()", .now)
        assertExpr("NOW( )", .now)
        assertExpr("foo()", .call("foo", []))
        assertExpr("now(1)", .call("now", [.integer(1)]))
        // A space before `(` makes it a name, not a call.
        XCTAssertThrowsError(try InfluxQLParser.parseExpr("mean (v)"))
    }

    func testPrecedence() {
        assertExpr("a + b * c", bin(.add, ref("a"), bin(.mul, ref("b"), ref("c"))))
        assertExpr("a * b + c", bin(.add, bin(.mul, ref("a"), ref("b")), ref("c")))
        assertExpr("a - b - c", bin(.sub, bin(.sub, ref("a"), ref("b")), ref("c")))
        assertExpr("a / b / c", bin(.div, bin(.div, ref("a"), ref("b")), ref("c")))
        assertExpr("a - (b - c)", bin(.sub, ref("a"), bin(.sub, ref("b"), ref("c"))))
        assertExpr("(a + b) * c", bin(.mul, bin(.add, ref("a"), ref("b")), ref("c")))
        assertExpr("a % b & c | d ^ e",
                   bin(.bitXor, bin(.bitOr, bin(.bitAnd, bin(.mod, ref("a"), ref("b")), ref("c")), ref("d")), ref("e")))
        assertExpr("a | b * c", bin(.bitOr, ref("a"), bin(.mul, ref("b"), ref("c"))))
        assertExpr("a OR b AND c", bin(.or, ref("a"), bin(.and, ref("b"), ref("c"))))
        assertExpr("a AND b OR c", bin(.or, bin(.and, ref("a"), ref("b")), ref("c")))
        assertExpr("a = 1 AND b < 2 + 3",
                   bin(.and, bin(.eq, ref("a"), .integer(1)), bin(.lt, ref("b"), bin(.add, .integer(2), .integer(3)))))
        assertExpr("(a = 1 OR a = 2) AND b = 3",
                   bin(.and, bin(.or, bin(.eq, ref("a"), .integer(1)), bin(.eq, ref("a"), .integer(2))), bin(.eq, ref("b"), .integer(3))))
        assertExpr("time >= now() - 6h",
                   bin(.gte, .varRef("time", nil), bin(.sub, .now, .duration(21_600_000_000_000))))
        assertExpr("a <= b", bin(.lte, ref("a"), ref("b")))
        assertExpr("a >= b", bin(.gte, ref("a"), ref("b")))
        assertExpr("a <> b", bin(.neq, ref("a"), ref("b")))
        assertExpr("a != b", bin(.neq, ref("a"), ref("b")))
        assertExpr("a =~ /x/ AND b !~ /y/",
                   bin(.and, bin(.regexMatch, ref("a"), .regex("x")), bin(.regexNotMatch, ref("b"), .regex("y"))))
        assertExpr("((a))", ref("a"))
    }

    func testUnaryMinus() {
        assertExpr("-a", bin(.mul, .integer(-1), ref("a")))
        assertExpr("-mean(v)", bin(.mul, .integer(-1), .call("mean", [ref("v")])))
        assertExpr("-(a + b)", bin(.mul, .integer(-1), bin(.add, ref("a"), ref("b"))))
        assertExpr("+a", ref("a"))
        assertExpr("a - -1", bin(.sub, ref("a"), .integer(-1)))
        assertExpr("-a * b", bin(.mul, bin(.mul, .integer(-1), ref("a")), ref("b")))
        assertExpr("now() - -15m", bin(.sub, .now, .duration(-15 * minute)))
        assertExpr("1-2", bin(.sub, .integer(1), .integer(2)))
    }

    func testRegexEscapes() {
        assertExpr(#"a =~ /foo\/bar/"#, bin(.regexMatch, ref("a"), .regex("foo/bar")))
        assertExpr(#"a =~ /foo\\/bar/"#, bin(.regexMatch, ref("a"), .regex(#"foo\/bar"#)))
        assertExpr(#"a =~ /foo\\bar/"#, bin(.regexMatch, ref("a"), .regex(#"foo\\bar"#)))
        assertExpr(#"a =~ /^payments\./"#, bin(.regexMatch, ref("a"), .regex(#"^payments\."#)))
        assertExpr(#"a =~ /http\:\/\/www\.example\.com/"#, bin(.regexMatch, ref("a"), .regex(#"http\://www\.example\.com"#)))
        assertExpr("a =~ //", bin(.regexMatch, ref("a"), .regex("")))
    }

    func testExpressionErrors() {
        XCTAssertThrowsError(try InfluxQLParser.parseExpr("a b")) { error in
            XCTAssertEqual((error as? ParseError)?.description, "found b, expected EOF at line 1, char 3")
        }
        XCTAssertThrowsError(try InfluxQLParser.parseExpr("a +")) { error in
            XCTAssertEqual((error as? ParseError)?.description,
                           "found EOF, expected identifier, string, number, bool at line 1, char 4")
        }
        XCTAssertThrowsError(try InfluxQLParser.parseExpr("DISTINCT 1")) { error in
            XCTAssertEqual((error as? ParseError)?.description, "found 1, expected (, identifier at line 1, char 10")
        }
        XCTAssertThrowsError(try InfluxQLParser.parseExpr("a =~")) { error in
            XCTAssertEqual((error as? ParseError)?.description, "found EOF, expected regex at line 1, char 5")
        }
        XCTAssertThrowsError(try InfluxQLParser.parseExpr("1.5.5")) { _ in }
        XCTAssertThrowsError(try InfluxQLParser.parseExpr("a.b.c.d")) { error in
            XCTAssertEqual((error as? ParseError)?.message, "too many segments in a.b.c.d")
        }
    }

    func testParseErrorShape() {
        let error = ParseError(message: "found EOF, expected FROM", line: 1, char: 13)
        XCTAssertEqual(error.description, "found EOF, expected FROM at line 1, char 13")
        XCTAssertEqual("\(error)", "found EOF, expected FROM at line 1, char 13")
    }
}
