import Testing
import GraphiteProtocol

@Suite struct GraphiteTests {
    let now: Int64 = 1_700_000_000_000_000_000

    @Test func defaultTemplateIsWholePathAndValueField() throws {
        let p = try GraphiteParser(templates: [])
        let pt = try p.parse("servers.web1.cpu.load 0.5 1767225600", now: now)
        #expect(pt == GraphitePoint(measurement: "servers.web1.cpu.load", tags: [:], field: "value", value: 0.5, timestamp: 1_767_225_600_000_000_000))
    }

    @Test func timestampMissingOrMinusOneIsNow() throws {
        let p = try GraphiteParser(templates: [])
        #expect(try p.parse("a.b 1", now: now).timestamp == now)
        #expect(try p.parse("a.b 1 -1", now: now).timestamp == now)
        #expect(try p.parse("a.b 2 1767225600.5", now: now).timestamp == 1_767_225_600_500_000_000)
        #expect(try p.parse("a.b 3 1767225600\r", now: now).value == 3)
    }

    @Test func badLines() throws {
        let p = try GraphiteParser(templates: [])
        #expect(throws: GraphiteError.fieldCount("a.b")) { try p.parse("a.b", now: now) }
        #expect(throws: GraphiteError.fieldCount("a.b 1 2 3")) { try p.parse("a.b 1 2 3", now: now) }
        #expect(throws: GraphiteError.invalidValue("x")) { try p.parse("a.b x 1", now: now) }
        #expect(throws: GraphiteError.nonFiniteValue("NaN")) { try p.parse("a.b NaN 1", now: now) }
        #expect(throws: GraphiteError.invalidTimestamp("soon")) { try p.parse("a.b 1 soon", now: now) }
        #expect(throws: GraphiteError.invalidTimestamp("1e300")) { try p.parse("a.b 1 1e300", now: now) }
    }

    @Test func binaryPathsAreRefusedAndErrorsCarryNoRawBytes() throws {
        let p = try GraphiteParser(templates: [])
        let nul = String(decoding: [0x61, 0x00, 0x62] as [UInt8], as: UTF8.self)
        #expect(throws: GraphiteError.invalidPath(nul)) { try p.parse(nul + " 1 1", now: now) }
        let notUTF8 = String(decoding: [0x61, 0xff, 0x62] as [UInt8], as: UTF8.self)
        #expect(throws: GraphiteError.invalidPath(notUTF8)) { try p.parse(notUTF8 + " 1 1", now: now) }
        #expect(throws: GraphiteError.self) { try p.parse("a\u{1b}[31m.b 1 1", now: now) }
        #expect("\(GraphiteError.invalidPath(nul))" == #"metric path "a\x00b" has control characters or is not UTF-8"#)
        #expect("\(GraphiteError.fieldCount("x\u{7}y"))" == #"received "x\x07y" which doesn't have required fields"#)
        // Non-ASCII names are fine.
        #expect(try p.parse("cpu.höhe 1 1", now: now).measurement == "cpu.höhe")
    }

    @Test func templatePartsTagsAndFields() throws {
        let p = try GraphiteParser(templates: ["region.host.measurement.field"])
        let pt = try p.parse("us-west.server01.cpu.idle 98.5 1", now: now)
        #expect(pt.measurement == "cpu" && pt.field == "idle" && pt.tags == ["region": "us-west", "host": "server01"])
        // Fewer path parts than the template: the missing ones are simply not set.
        let short = try p.parse("eu.server02.mem 1 1", now: now)
        #expect(short.measurement == "mem" && short.field == "value" && short.tags == ["region": "eu", "host": "server02"])
    }

    @Test func greedyPartsAndJoining() throws {
        let p = try GraphiteParser(templates: ["host.measurement*"])
        #expect(try p.parse("h1.cpu.load.short 1 1", now: now).measurement == "cpu.load.short")
        let q = try GraphiteParser(templates: ["measurement.measurement.field*"], separator: "_")
        let pt = try q.parse("disk.sda.io.read.bytes 1 1", now: now)
        #expect(pt.measurement == "disk_sda" && pt.field == "io_read_bytes")
        let r = try GraphiteParser(templates: ["host.host.measurement"])
        #expect(try r.parse("web.example.cpu 1 1", now: now).tags == ["host": "web.example"])
    }

    @Test func filtersChooseTheMostSpecificTemplate() throws {
        let p = try GraphiteParser(templates: [
            "servers.* .host.measurement.field",
            "servers.db.* .role.host.measurement env=prod",
            "stats.*.cpu .host.measurement.field region=eu",
            "measurement.field",
        ])
        let a = try p.parse("servers.web1.cpu.idle 1 1", now: now)
        #expect(a.measurement == "cpu" && a.tags == ["host": "web1"] && a.field == "idle")
        let b = try p.parse("servers.db.pg1.connections 5 1", now: now)
        #expect(b.measurement == "connections" && b.tags == ["role": "db", "host": "pg1", "env": "prod"])
        let c = try p.parse("stats.h9.cpu.user 2 1", now: now)
        #expect(c.measurement == "cpu" && c.tags == ["host": "h9", "region": "eu"] && c.field == "user")
        let d = try p.parse("other.thing.more 3 1", now: now)
        #expect(d.measurement == "other" && d.field == "thing" && d.tags.isEmpty)
    }

    @Test func templateTagsDoNotOverridePathTags() throws {
        let p = try GraphiteParser(templates: ["host.measurement host=default,dc=x"])
        #expect(try p.parse("h1.cpu 1 1", now: now).tags == ["host": "h1", "dc": "x"])
    }

    @Test func collectdLayouts() throws {
        // Default: the `collectd.` prefix selects collectd's write_graphite layout.
        let p = try GraphiteParser()
        let a = try p.parse("collectd.hv01_example_com.cpu-0.cpu-idle 97.5 1767225600", now: now)
        #expect(a == GraphitePoint(measurement: "cpu-0", tags: ["host": "hv01_example_com", "type": "cpu-idle"], field: "value",
                                   value: 97.5, timestamp: 1_767_225_600_000_000_000))
        let b = try p.parse("collectd.hv01.load.load.shortterm 0.25 1767225600", now: now)
        #expect(b.measurement == "load" && b.field == "shortterm" && b.tags == ["host": "hv01", "type": "load"])
        #expect(try p.parse("app.requests 7 1", now: now).measurement == "app.requests")
        // Presets by name.
        let q = try GraphiteParser(templates: ["collectd-separate"])
        let c = try q.parse("hv01.interface.eth0.if_octets.x.rx 100 1", now: now)
        #expect(c.measurement == "interface" && c.field == "rx" && c.tags == ["host": "hv01", "instance": "eth0", "type": "if_octets", "type_instance": "x"])
        let r = try GraphiteParser(templates: ["collectd"])
        #expect(try r.parse("hv01.memory.memory-used 1 1", now: now).tags == ["host": "hv01", "type": "memory-used"])
    }

    @Test func invalidSpecifications() {
        #expect(throws: GraphiteError.self) { try GraphiteParser(templates: ["host.field"]) }
        #expect(throws: GraphiteError.self) { try GraphiteParser(templates: ["measurement*.field*"]) }
        #expect(throws: GraphiteError.self) { try GraphiteParser(templates: ["measurement*.host"]) }
        #expect(throws: GraphiteError.self) { try GraphiteParser(templates: ["a..b measurement"]) }
        #expect(throws: GraphiteError.self) { try GraphiteParser(templates: ["a measurement", "a measurement.field"]) }
        #expect(throws: GraphiteError.self) { try GraphiteParser(templates: ["measurement", "measurement.field"]) }
        #expect(throws: GraphiteError.self) { try GraphiteParser(templates: ["measurement k"]) }
        #expect(throws: GraphiteError.self) { try GraphiteParser(templates: ["measurement k=v,x"]) }
        #expect(throws: GraphiteError.self) { try GraphiteParser(templates: ["a b c d"]) }
    }
}
