import Testing
@testable import CollectdProtocol

@Suite struct PartTests {
    @Test func everyIdentifierAndNumericPart() throws {
        var b = CollectdPacketWriter()
        b.string(CollectdPartType.host, "host.example")
        b.number(CollectdPartType.time, 1_700_000_000)
        b.number(CollectdPartType.interval, 10)
        b.string(CollectdPartType.plugin, "interface")
        b.string(CollectdPartType.pluginInstance, "eth0")
        b.string(CollectdPartType.type, "if_octets")
        b.string(CollectdPartType.typeInstance, "ti")
        b.values([.derive(-5), .derive(7)])
        let r = parseAll(b.bytes)
        #expect(r.error == nil)
        #expect(r.lists == [CollectdValueList(host: "host.example", plugin: "interface", pluginInstance: "eth0",
                                              type: "if_octets", typeInstance: "ti", time: 1_700_000_000_000_000_000,
                                              interval: 10_000_000_000, values: [.derive(-5), .derive(7)])])
    }

    @Test func allValueKinds() throws {
        var b = CollectdPacketWriter()
        b.values([.counter(UInt64.max), .gauge(-2.25), .derive(Int64.min), .absolute(42)])
        let r = parseAll(b.bytes)
        #expect(r.error == nil)
        #expect(r.lists.first?.values == [.counter(UInt64.max), .gauge(-2.25), .derive(Int64.min), .absolute(42)])
    }

    @Test func gaugeIsLittleEndian() throws {
        // From collectd's network_parse_test.c: gauge 42.0, derive 31337, gauge NaN.
        let body: [UInt8] = [0, 3, 1, 2, 1,
                             0, 0, 0, 0, 0, 0, 0x45, 0x40,
                             0, 0, 0, 0, 0, 0, 0x7a, 0x69,
                             0, 0, 0, 0, 0, 0, 0xf8, 0x7f]
        var b = CollectdPacketWriter()
        b.part(CollectdPartType.values, body)
        let r = parseAll(b.bytes)
        #expect(r.error == nil)
        let v = try #require(r.lists.first?.values)
        #expect(v.count == 3)
        #expect(v[0] == .gauge(42.0))
        #expect(v[1] == .derive(31337))
        guard case .gauge(let nan) = v[2] else { Issue.record("not a gauge"); return }
        #expect(nan.isNaN)
    }

    @Test func stateCarriesBetweenValueParts() throws {
        var b = CollectdPacketWriter()
        b.string(CollectdPartType.host, "h1")
        b.number(CollectdPartType.time, 100)
        b.string(CollectdPartType.plugin, "cpu")
        b.string(CollectdPartType.pluginInstance, "0")
        b.string(CollectdPartType.type, "cpu")
        b.string(CollectdPartType.typeInstance, "user")
        b.values([.derive(1)])
        b.string(CollectdPartType.typeInstance, "system")
        b.values([.derive(2)])
        // A new plugin part does not clear plugin_instance (collectd overwrites only its own field).
        b.string(CollectdPartType.plugin, "other")
        b.values([.derive(3)])
        b.number(CollectdPartType.time, 200)
        b.string(CollectdPartType.host, "h2")
        b.values([.derive(4)])
        let r = parseAll(b.bytes)
        #expect(r.error == nil)
        #expect(r.lists.count == 4)
        #expect(r.lists[0].typeInstance == "user")
        #expect(r.lists[1].typeInstance == "system" && r.lists[1].plugin == "cpu")
        #expect(r.lists[2].plugin == "other" && r.lists[2].pluginInstance == "0" && r.lists[2].typeInstance == "system")
        #expect(r.lists[3].host == "h2" && r.lists[3].time == 200_000_000_000 && r.lists[3].plugin == "other")
        #expect(r.stats?.valueLists == 4)
    }

    @Test func unknownPartsAreSkipped() throws {
        var b = CollectdPacketWriter()
        b.part(0x7777, [1, 2, 3])
        b.string(CollectdPartType.host, "h")
        b.part(0x0300, [])
        b.values([.gauge(1)])
        let r = parseAll(b.bytes)
        #expect(r.error == nil)
        #expect(r.lists.count == 1 && r.lists[0].host == "h")
        #expect(r.stats?.unknownParts == 2)
    }

    @Test func notificationPartsAreParsedButNotDelivered() throws {
        var b = CollectdPacketWriter()
        b.number(CollectdPartType.severity, 4)
        b.string(CollectdPartType.message, "disk full")
        let r = parseAll(b.bytes)
        #expect(r.error == nil && r.lists.isEmpty && r.stats?.notifications == 1)
    }

    @Test func stringWithoutNulIsRejected() throws {
        var b = CollectdPacketWriter()
        b.part(CollectdPartType.host, Array("test".utf8))
        #expect(parseAll(b.bytes).error == .missingNul(type: 0, offset: 0))
        var e = CollectdPacketWriter()
        e.part(CollectdPartType.plugin, [])
        #expect(parseAll(e.bytes).error == .missingNul(type: 2, offset: 0))
        var ok = CollectdPacketWriter()
        ok.part(CollectdPartType.host, [0])
        ok.values([.gauge(0)])
        #expect(parseAll(ok.bytes).lists.first?.host == "")
    }

    @Test func numericPartMustBeEightBytes() throws {
        var b = CollectdPacketWriter()
        b.part(CollectdPartType.time, [0, 0, 0, 1])
        #expect(parseAll(b.bytes).error == .invalidPartLength(type: 1, offset: 0, length: 8))
    }

    @Test func valuesLengthMustMatchCount() throws {
        var b = CollectdPacketWriter()
        b.part(CollectdPartType.values, [0, 2, 1, 1] + [UInt8](repeating: 0, count: 8))
        #expect(parseAll(b.bytes).error == .invalidValueCount(offset: 0, count: 2, length: 16))
        var z = CollectdPacketWriter()
        z.part(CollectdPartType.values, [0, 0])
        #expect(parseAll(z.bytes).error == .invalidValueCount(offset: 0, count: 0, length: 6))
        var t = CollectdPacketWriter()
        t.part(CollectdPartType.values, [0, 1, 9] + [UInt8](repeating: 0, count: 8))
        #expect(parseAll(t.bytes).error == .unknownValueType(code: 9, offset: 6))
    }

    @Test func badLengthsStopThePacketButKeepEarlierLists() throws {
        var b = CollectdPacketWriter()
        b.string(CollectdPartType.host, "h")
        b.values([.gauge(1)])
        let goodLen = b.bytes.count
        b.bytes += [0x00, 0x02, 0x00, 0x02]  // length < 4
        b.values([.gauge(2)])
        let r = parseAll(b.bytes)
        #expect(r.lists.count == 1)
        #expect(r.error == .invalidPartLength(type: 2, offset: goodLen, length: 2))

        var c = CollectdPacketWriter()
        c.values([.gauge(1)])
        let at = c.bytes.count
        c.bytes += [0x00, 0x00, 0x00, 0x40, 0x41]  // length past the end
        let r2 = parseAll(c.bytes)
        #expect(r2.lists.count == 1)
        #expect(r2.error == .truncatedPart(type: 0, offset: at))
    }
}
