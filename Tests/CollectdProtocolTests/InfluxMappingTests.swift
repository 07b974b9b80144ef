import Testing
@testable import CollectdProtocol

@Suite struct InfluxMappingTests {
    @Test func multiValueTypeUsesDataSourceNames() {
        let vl = CollectdValueList(host: "vm-1", plugin: "interface", pluginInstance: "", type: "if_octets",
                                   typeInstance: "eth0", time: 5, values: [.derive(10), .derive(20)])
        let pts = influxPoints(vl, typesDB: .builtin)
        #expect(pts.map(\.measurement) == ["interface_rx", "interface_tx"])
        #expect(pts.map(\.value) == [10, 20])
        #expect(pts[0].tags.map { "\($0.0)=\($0.1)" } == ["host=vm-1", "type=if_octets", "type_instance=eth0"])
        #expect(pts[0].time == 5)
    }

    @Test func allTagsAndCounterConversion() {
        let vl = CollectdValueList(host: "h", plugin: "virt", pluginInstance: "inst", type: "virt_cpu_total",
                                   typeInstance: "", time: 1, values: [.counter(UInt64.max)])
        let pts = influxPoints(vl, typesDB: .builtin)
        #expect(pts.count == 1)
        #expect(pts[0].measurement == "virt_value")
        #expect(pts[0].value == Double(UInt64.max))
        #expect(pts[0].tags.map(\.0) == ["host", "instance", "type"])
    }

    @Test func unknownTypeFallsBackToValueOrIndex() {
        let one = CollectdValueList(plugin: "x", type: "nope", values: [.gauge(1)])
        #expect(influxPoints(one, typesDB: .builtin).map(\.measurement) == ["x_value"])
        let two = CollectdValueList(plugin: "x", type: "nope", values: [.gauge(1), .absolute(2)])
        #expect(influxPoints(two, typesDB: .builtin).map(\.measurement) == ["x_0", "x_1"])
        // Known type but count mismatch: also falls back.
        let mism = CollectdValueList(plugin: "load", type: "load", values: [.gauge(1)])
        #expect(influxPoints(mism, typesDB: .builtin).map(\.measurement) == ["load_value"])
        // Empty tags are omitted entirely.
        #expect(influxPoints(one, typesDB: .builtin)[0].tags.map(\.0) == ["type"])
    }

    @Test func nonFiniteGaugesAreDropped() {
        let vl = CollectdValueList(plugin: "load", type: "load", values: [.gauge(.nan), .gauge(1), .gauge(.infinity)])
        let pts = influxPoints(vl, typesDB: .builtin)
        #expect(pts.map(\.measurement) == ["load_midterm"])
    }
}
