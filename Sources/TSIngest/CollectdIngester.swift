import CollectdProtocol
import TSEngine

/// collectd → write batches, as InfluxDB's collectd service maps them: one float field `value`
/// per data source (docs/collectd.md). Binary packets (the UDP listener) and write_http value
/// lists (`POST /collectd`) go through the same mapping.
public struct CollectdIngester: Sendable {
    public let database: String
    public let parser: CollectdParser
    public let typesDB: TypesDB

    public init(database: String, parser: CollectdParser = CollectdParser(), typesDB: TypesDB) {
        self.database = database
        self.parser = parser
        self.typesDB = typesDB
    }

    /// The batch of a binary packet's value lists (those before an error included) and the
    /// error that stopped it, if any. A value list without a time gets `now`.
    public func batch(packet raw: UnsafeRawBufferPointer, now: Int64) -> (WriteBatch, CollectdError?) {
        var batch = WriteBatch(database: database)
        var failure: CollectdError? = nil
        do {
            try parser.parse(raw) { vl in
                guard !vl.plugin.isEmpty else { return }
                Self.append(influxPoints(vl, typesDB: typesDB), now: now, to: &batch)
            }
        } catch let e as CollectdError {
            failure = e
        } catch {
            failure = .cryptoFailure
        }
        return (batch, failure)
    }

    /// Appends one write_http value list to `batch`.
    public func append(_ m: WriteHTTPValueList, to batch: inout WriteBatch) {
        Self.append(influxPoints(m, typesDB: typesDB), now: m.valueList.time, to: &batch)
    }

    private static func append(_ points: [CollectdInfluxPoint], now: Int64, to batch: inout WriteBatch) {
        for p in points {
            let key = SeriesKey(measurement: p.measurement, tags: p.tags.map { Tag($0.0, $0.1) }, field: "value")
            batch.append(key, p.time == 0 ? now : p.time, .float(p.value))
        }
    }
}
