/// One InfluxDB point produced from a collectd value list.
public typealias CollectdInfluxPoint = (measurement: String, tags: [(String, String)], value: Double, time: Int64)

/// Maps a value list the way InfluxDB 1.x's collectd service does: one point per value,
/// measurement `<plugin>_<dsname>`, tags `host`, `instance` (plugin instance), `type`, `type_instance`
/// (each omitted when empty, in that order, which is also sorted order), one float field `value`,
/// time in nanoseconds.
///
/// The data-source name comes from `typesDB` when the type is known and its data-source count matches
/// the value count; otherwise it is `value` for a single value and the index (`0`, `1`, …) for several.
/// Non-finite gauges (NaN, ±Inf) are dropped because InfluxDB cannot store them.
public func influxPoints(_ vl: CollectdValueList, typesDB: TypesDB) -> [CollectdInfluxPoint] {
    var names: [String]? = nil
    if let ds = typesDB.dataSources(for: vl.type), ds.count == vl.values.count {
        names = ds.map { $0.name }
    }
    return influxPoints(vl, dataSourceNames: names)
}

/// The mapping with the data-source names given (nil: `value`, or the index for several values).
func influxPoints(_ vl: CollectdValueList, dataSourceNames names: [String]?) -> [CollectdInfluxPoint] {
    var tags: [(String, String)] = []
    if !vl.host.isEmpty { tags.append(("host", vl.host)) }
    if !vl.pluginInstance.isEmpty { tags.append(("instance", vl.pluginInstance)) }
    if !vl.type.isEmpty { tags.append(("type", vl.type)) }
    if !vl.typeInstance.isEmpty { tags.append(("type_instance", vl.typeInstance)) }
    var out: [CollectdInfluxPoint] = []
    out.reserveCapacity(vl.values.count)
    for (i, v) in vl.values.enumerated() {
        let value = v.doubleValue
        guard value.isFinite else { continue }
        let ds = names?[i] ?? (vl.values.count == 1 ? "value" : String(i))
        out.append((measurement: vl.plugin + "_" + ds, tags: tags, value: value, time: vl.time))
    }
    return out
}
