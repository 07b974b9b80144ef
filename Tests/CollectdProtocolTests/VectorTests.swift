import Testing
@testable import CollectdProtocol

@Suite struct VectorTests {
    @Test(arguments: 0..<5) func collectdRawPacketsParse(index: Int) throws {
        let packet = hex(collectdRawPackets[index])
        #expect(packet.count <= CollectdParser.defaultPacketSize)
        let r = parseAll(packet)
        #expect(r.error == nil)
        #expect(!r.lists.isEmpty)
        for vl in r.lists {
            // collectd's own test writer requires host, plugin and type.
            #expect(!vl.host.isEmpty && !vl.plugin.isEmpty && !vl.type.isEmpty)
            #expect(vl.interval == 10_000_000_000)
            #expect(vl.time > 1_414_372_000_000_000_000 && vl.time < 1_414_373_000_000_000_000)
        }
    }

    @Test func firstListOfFirstPacket() throws {
        let r = parseAll(hex(collectdRawPackets[0]))
        let vl = try #require(r.lists.first)
        #expect(vl.host == "localhost" && vl.plugin == "swap" && vl.type == "swap" && vl.typeInstance == "free")
        #expect(vl.pluginInstance == "")
        #expect(vl.time == collectdHighResToNanoseconds(0x1513676ac3a6e097))
        // Little-endian double 0x420f61ff80000000.
        #expect(vl.values == [.gauge(Double(bitPattern: 0x420f_61ff_8000_0000))])
        // load: three little-endian gauges (0.05, 0.35, 0.49) in packet 2.
        let load = try #require(parseAll(hex(collectdRawPackets[2])).lists.first { $0.plugin == "load" })
        #expect(load.values == [.gauge(0.05), .gauge(0.35), .gauge(0.49)])
    }

    // InfluxDB 1.x services/collectd/service_test.go: packet captured with Wireshark and expected points.
    static let influxPacket = """
    000000167066312d36322d3231302d39342d313733000001000c00000000544928ff0007000c00000000000000050002000c656e74726f7079000004000c656e74726f7079000006000f0001010000000000007240000200086370750000030006310000040008637075000005000969646c65000006000f0001000000000000a674620005000977616974000006000f0001000000000000000000000200076466000003000500000400076466000005000d6c6976652d636f7700000600180002010100000000a090b641000000a0cb6a2742000200086370750000030006310000040008637075000005000e696e74657272757074000006000f00010000000000000000fe0005000c736f6674697271000006000f000100000000000000000000020007646600000300050000040007646600000500096c6976650000060018000201010000000000000000000000e0ec972742000200086370750000030006310000040008637075000005000a737465616c000006000f00010000000000000000000003000632000005000975736572000006000f0001000000000000005f36000500096e696365000006000f0001000000000000000ad80002000e696e746572666163650000030005000004000e69665f6f6374657473000005000b64756d6d79300000060018000200000000000000000000000000000000041a000200076466000004000764660000050008746d70000006001800020101000000000000f240000000a0ea972742000200086370750000030006320000040008637075000005000b73797374656d000006000f00010000000000000045d30002000e696e746572666163650000030005000004000f69665f7061636b657473000005000b64756d6d79300000060018000200000000000000000000000000000000000f000200086370750000030006320000040008637075000005000969646c65000006000f0001000000000000a66480000200076466000003000500000400076466000005000d72756e2d6c6f636b000006001800020101000000000000000000000000000054410002000e696e74657266616365000004000e69665f6572726f7273000005000b64756d6d793000000600180002000000000000000000000000000000000000000200086370750000030006320000040008637075000005000977616974000006000f00010000000000000000000005000e696e74657272757074000006000f0001000000000000000132
    """

    static let influxExpected = [
        "entropy_value,host=pf1-62-210-94-173,type=entropy value=288 1414080767000000000",
        "cpu_value,host=pf1-62-210-94-173,instance=1,type=cpu,type_instance=idle value=10908770 1414080767000000000",
        "cpu_value,host=pf1-62-210-94-173,instance=1,type=cpu,type_instance=wait value=0 1414080767000000000",
        "df_used,host=pf1-62-210-94-173,type=df,type_instance=live-cow value=378576896 1414080767000000000",
        "df_free,host=pf1-62-210-94-173,type=df,type_instance=live-cow value=50287988736 1414080767000000000",
        "cpu_value,host=pf1-62-210-94-173,instance=1,type=cpu,type_instance=interrupt value=254 1414080767000000000",
        "cpu_value,host=pf1-62-210-94-173,instance=1,type=cpu,type_instance=softirq value=0 1414080767000000000",
        "df_used,host=pf1-62-210-94-173,type=df,type_instance=live value=0 1414080767000000000",
        "df_free,host=pf1-62-210-94-173,type=df,type_instance=live value=50666565632 1414080767000000000",
        "cpu_value,host=pf1-62-210-94-173,instance=1,type=cpu,type_instance=steal value=0 1414080767000000000",
        "cpu_value,host=pf1-62-210-94-173,instance=2,type=cpu,type_instance=user value=24374 1414080767000000000",
        "cpu_value,host=pf1-62-210-94-173,instance=2,type=cpu,type_instance=nice value=2776 1414080767000000000",
        "interface_rx,host=pf1-62-210-94-173,type=if_octets,type_instance=dummy0 value=0 1414080767000000000",
        "interface_tx,host=pf1-62-210-94-173,type=if_octets,type_instance=dummy0 value=1050 1414080767000000000",
        "df_used,host=pf1-62-210-94-173,type=df,type_instance=tmp value=73728 1414080767000000000",
        "df_free,host=pf1-62-210-94-173,type=df,type_instance=tmp value=50666491904 1414080767000000000",
        "cpu_value,host=pf1-62-210-94-173,instance=2,type=cpu,type_instance=system value=17875 1414080767000000000",
        "interface_rx,host=pf1-62-210-94-173,type=if_packets,type_instance=dummy0 value=0 1414080767000000000",
        "interface_tx,host=pf1-62-210-94-173,type=if_packets,type_instance=dummy0 value=15 1414080767000000000",
        "cpu_value,host=pf1-62-210-94-173,instance=2,type=cpu,type_instance=idle value=10904704 1414080767000000000",
        "df_used,host=pf1-62-210-94-173,type=df,type_instance=run-lock value=0 1414080767000000000",
        "df_free,host=pf1-62-210-94-173,type=df,type_instance=run-lock value=5242880 1414080767000000000",
        "interface_rx,host=pf1-62-210-94-173,type=if_errors,type_instance=dummy0 value=0 1414080767000000000",
        "interface_tx,host=pf1-62-210-94-173,type=if_errors,type_instance=dummy0 value=0 1414080767000000000",
        "cpu_value,host=pf1-62-210-94-173,instance=2,type=cpu,type_instance=wait value=0 1414080767000000000",
        "cpu_value,host=pf1-62-210-94-173,instance=2,type=cpu,type_instance=interrupt value=306 1414080767000000000",
    ]

    @Test func influxDBServiceTestPacket() throws {
        let r = parseAll(hex(Self.influxPacket))
        #expect(r.error == nil)
        var lines: [String] = []
        for vl in r.lists {
            #expect(vl.interval == 5_000_000_000)
            for p in influxPoints(vl, typesDB: .builtin) {
                let tags = p.tags.map { ",\($0.0)=\($0.1)" }.joined()
                let v = p.value == p.value.rounded() && abs(p.value) < 1e15 ? String(Int64(p.value)) : String(p.value)
                lines.append("\(p.measurement)\(tags) value=\(v) \(p.time)")
            }
        }
        #expect(lines == Self.influxExpected)
    }
}
