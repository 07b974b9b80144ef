import Testing
@testable import CollectdProtocol
import TestSupport

/// collectd write_http's JSON and command (PUTVAL) formats.
@Suite struct WriteHTTPTests {
    /// As collectd 5.x's write_http (`Format "JSON"`) sends it: cpu, interface if_octets with two
    /// values, a load with dsnames, and a gauge that was NaN (sent as null).
    static let payload = """
    [{"values":[1901474177],"dstypes":["derive"],"dsnames":["value"],"time":1767225600.123,"interval":10.000,"host":"hv01.example.com","plugin":"cpu","plugin_instance":"0","type":"cpu","type_instance":"idle"},
     {"values":[2139,1875],"dstypes":["derive","derive"],"dsnames":["rx","tx"],"time":1767225600.125,"interval":10.000,"host":"hv01.example.com","plugin":"interface","plugin_instance":"eth0","type":"if_octets","type_instance":""},
     {"values":[0.21,0.43,0.5],"dstypes":["gauge","gauge","gauge"],"dsnames":["shortterm","midterm","longterm"],"time":1767225600,"interval":10,"host":"hv01.example.com","plugin":"load","plugin_instance":"","type":"load","type_instance":"","meta":{"network:received":true}},
     {"values":[null],"dstypes":["gauge"],"dsnames":["value"],"time":1767225600.5,"interval":10.000,"host":"hv01.example.com","plugin":"sensors","plugin_instance":"coretemp-isa-0000","type":"temperature","type_instance":"temp1"}]
    """

    @Test func parsesRealLookingJSON() throws {
        let msg = try WriteHTTPParser.parse(Array(WriteHTTPTests.payload.utf8), format: .json, now: 42)
        #expect(msg.errors == 0, "\(msg.reasons)")
        #expect(msg.valueLists.count == 4)
        let cpu = msg.valueLists[0].valueList
        #expect(cpu.host == "hv01.example.com" && cpu.plugin == "cpu" && cpu.pluginInstance == "0" && cpu.type == "cpu" && cpu.typeInstance == "idle")
        #expect(cpu.time == 1_767_225_600_123_000_000)
        #expect(cpu.interval == 10_000_000_000)
        #expect(cpu.values == [.derive(1_901_474_177)])
        let ifo = msg.valueLists[1]
        #expect(ifo.valueList.values == [.derive(2139), .derive(1875)])
        #expect(ifo.dsNames == ["rx", "tx"])
        let pts = msg.valueLists.flatMap { influxPoints($0, typesDB: .builtin) }
        #expect(pts.map(\.measurement) == ["cpu_value", "interface_rx", "interface_tx", "load_shortterm", "load_midterm", "load_longterm"])
        #expect(pts[1].tags.map { "\($0.0)=\($0.1)" } == ["host=hv01.example.com", "instance=eth0", "type=if_octets"])
        #expect(pts[1].value == 2139 && pts[2].value == 1875)
        #expect(pts[3].time == 1_767_225_600_000_000_000)
        // The null gauge became NaN and is skipped by the mapping.
        #expect(msg.valueLists[3].valueList.values.count == 1)
        #expect(influxPoints(msg.valueLists[3], typesDB: .builtin).isEmpty)
    }

    @Test func dsnamesTakePrecedenceOverTypesDB() throws {
        let body = #"[{"values":[1,2],"dstypes":["gauge","gauge"],"dsnames":["in","out"],"time":1,"interval":10,"host":"h","plugin":"p","plugin_instance":"","type":"if_octets","type_instance":""}]"#
        let msg = try WriteHTTPParser.parse(Array(body.utf8), format: .json, now: 0)
        #expect(msg.valueLists.flatMap { influxPoints($0, typesDB: .builtin) }.map(\.measurement) == ["p_in", "p_out"])
        // Without dsnames, types.db names them.
        let bare = #"[{"values":[1,2],"dstypes":["derive","derive"],"time":1,"host":"h","plugin":"p","type":"if_octets"}]"#
        let m2 = try WriteHTTPParser.parse(Array(bare.utf8), format: .json, now: 0)
        #expect(m2.valueLists.flatMap { influxPoints($0, typesDB: .builtin) }.map(\.measurement) == ["p_rx", "p_tx"])
    }

    @Test func bigCountersStayExactAndMissingTimeIsNow() throws {
        let body = #"[{"values":[18446744073709551615],"dstypes":["counter"],"host":"h","plugin":"p","type":"counter"}]"#
        let msg = try WriteHTTPParser.parse(Array(body.utf8), format: .json, now: 777)
        #expect(msg.valueLists[0].valueList.values == [.counter(UInt64.max)])
        #expect(msg.valueLists[0].valueList.time == 777)
    }

    @Test func badObjectsAreCountedOthersKept() throws {
        let body = """
        [{"values":[1],"dstypes":["gauge"],"host":"h","plugin":"ok","type":"gauge","time":1},
         {"values":[1,2],"dstypes":["gauge"],"host":"h","plugin":"p","type":"gauge","time":1},
         {"values":["x"],"host":"h","plugin":"p","type":"gauge","time":1},
         {"values":[1],"host":"h","type":"gauge","time":1},
         {"values":[1],"dstypes":["weird"],"host":"h","plugin":"p","type":"gauge","time":1},
         {"values":[1],"host":"h","plugin":"p","type":"gauge","time":-5},
         42]
        """
        let msg = try WriteHTTPParser.parse(Array(body.utf8), format: .json, now: 0)
        #expect(msg.valueLists.count == 1 && msg.valueLists[0].valueList.plugin == "ok")
        #expect(msg.errors == 6)
        #expect(msg.reasons[0].contains("2 values but 1 dstypes"))
        #expect(msg.reasons[2].contains("missing \"plugin\""))
    }

    @Test func malformedJSONThrowsAClearError() {
        let bad = ["", "[", "[{", "{\"values\":", "[1,]", "[\"unterminated]", "nul", "[1] x", "\"str\"", "[{\"a\" 1}]",
                   "[\"\\q\"]", "[-]", "[1.]", "[1e]"]
        for b in bad {
            #expect(throws: WriteHTTPError.self, "\(b)") { try WriteHTTPParser.parse(Array(b.utf8), format: .json, now: 0) }
        }
        // Deep nesting is refused instead of exhausting the stack.
        let deep = String(repeating: "[", count: 100_000)
        do {
            _ = try WriteHTTPParser.parse(Array(deep.utf8), format: .json, now: 0)
            Issue.record("deep nesting accepted")
        } catch let e as WriteHTTPError {
            #expect(e.message.contains("nesting deeper"))
        } catch { Issue.record("\(error)") }
    }

    @Test func jsonStringEscapes() throws {
        let body = #"[{"values":[1],"host":"h\u00e9\"\/\ud83d\ude00","plugin":"p","type":"gauge","time":1}]"#
        let msg = try WriteHTTPParser.parse(Array(body.utf8), format: .json, now: 0)
        #expect(msg.valueLists[0].valueList.host == "hé\"/😀")
    }

    @Test func putvalLines() throws {
        let body = """
        PUTVAL hv01/cpu-0/cpu-idle interval=10.000 1767225600.123:1901474177\r
        PUTVAL hv01/interface-eth0/if_octets interval=10.000 1767225600.000:2139:1875
        PUTVAL "hv01/load/load" 1767225600:0.21:U:0.5

        PUTVAL hv01/memory/memory-used N:123456 1767225610:654321
        """
        let msg = try WriteHTTPParser.parse(Array(body.utf8), format: .command, now: 99)
        #expect(msg.errors == 0, "\(msg.reasons)")
        #expect(msg.valueLists.count == 5)
        let cpu = msg.valueLists[0].valueList
        #expect(cpu.host == "hv01" && cpu.plugin == "cpu" && cpu.pluginInstance == "0" && cpu.type == "cpu" && cpu.typeInstance == "idle")
        #expect(cpu.time == 1_767_225_600_123_000_000 && cpu.interval == 10_000_000_000)
        let pts = msg.valueLists.flatMap { influxPoints($0, typesDB: .builtin) }
        #expect(pts.map(\.measurement) == ["cpu_value", "interface_rx", "interface_tx", "load_shortterm", "load_longterm", "memory_value", "memory_value"])
        #expect(pts.map(\.value) == [1_901_474_177, 2139, 1875, 0.21, 0.5, 123_456, 654_321])
        #expect(pts[5].time == 99 && pts[6].time == 1_767_225_610_000_000_000)
        #expect(pts[2].tags.map { "\($0.0)=\($0.1)" } == ["host=hv01", "instance=eth0", "type=if_octets"])
    }

    @Test func badPutvalLinesAreCountedOthersKept() throws {
        let body = """
        PUTVAL h/p/gauge 1:1
        GETVAL h/p/gauge
        PUTVAL h/p 1:1
        PUTVAL h/p/gauge
        PUTVAL h/p/gauge 1:abc
        PUTVAL h/p/gauge x:1
        PUTVAL h/p/gauge 1
        PUTVAL "h/p/gauge 1:1
        PUTVAL h/p/gauge interval=zz 1:1
        PUTVAL h/p/gauge 2:2
        """
        let msg = try WriteHTTPParser.parse(Array(body.utf8), format: .command, now: 0)
        #expect(msg.valueLists.count == 2)
        #expect(msg.errors == 8)
        #expect(msg.reasons[0].hasPrefix("line 2: unknown command"))
        #expect(msg.reasons.contains { $0.contains("bad identifier") })
        #expect(msg.reasons.contains { $0.contains("bad value \"abc\"") })
    }

    @Test func formatDetection() {
        let json: [UInt8] = Array("  \n[{}]".utf8), text: [UInt8] = Array("PUTVAL a/b/c N:1".utf8)
        json.withUnsafeBytes { j in
            text.withUnsafeBytes { t in
                #expect(WriteHTTPFormat.detect(contentType: "application/json", body: t) == .json)
                #expect(WriteHTTPFormat.detect(contentType: "text/plain; charset=utf-8", body: j) == .command)
                #expect(WriteHTTPFormat.detect(contentType: nil, body: j) == .json)
                #expect(WriteHTTPFormat.detect(contentType: "application/octet-stream", body: t) == .command)
            }
        }
    }

    @Test func secondsToNanos() {
        #expect(WriteHTTPParser.secondsToNanos("1767225600.123") == 1_767_225_600_123_000_000)
        #expect(WriteHTTPParser.secondsToNanos("1.0000000019") == 1_000_000_001)
        #expect(WriteHTTPParser.secondsToNanos("1.5e9") == 1_500_000_000_000_000_000)
        #expect(WriteHTTPParser.secondsToNanos("99999999999999999999") == nil)
        #expect(WriteHTTPParser.secondsToNanos("-1") == nil)
        #expect(WriteHTTPParser.secondsToNanos(".") == nil)
        #expect(WriteHTTPParser.secondsToNanos("1e300") == nil)
    }

    /// Random mutations of the payload never crash the parser.
    @Test func mutatedPayloadsDoNotCrash() {
        var rng = SplitMix64(seed: 7)
        let base = Array(WriteHTTPTests.payload.utf8)
        let cmds = Array("PUTVAL hv01/interface-eth0/if_octets interval=10.000 1767225600.000:2139:1875\nPUTVAL \"a/b/c\" N:1:U\n".utf8)
        for src in [base, cmds] {
            for _ in 0..<2000 {
                var b = src
                for _ in 0..<(1 + Int(rng.next() % 4)) where !b.isEmpty {
                    let i = Int(rng.next() % UInt64(b.count))
                    switch rng.next() % 3 {
                    case 0: b[i] = UInt8(truncatingIfNeeded: rng.next())
                    case 1: b.remove(at: i)
                    default: b = Array(b[..<i])
                    }
                }
                for f in [WriteHTTPFormat.json, .command] {
                    if let m = try? WriteHTTPParser.parse(b, format: f, now: 0) {
                        for vl in m.valueLists { _ = influxPoints(vl, typesDB: .builtin) }
                    }
                }
            }
        }
    }
}
