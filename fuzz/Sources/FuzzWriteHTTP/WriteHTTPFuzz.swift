// Fuzz target `writehttp`: collectd's write_http bodies (Sources/CollectdProtocol/WriteHTTP.swift),
// both formats: JSON (`Format "JSON"`) and PUTVAL lines (`Format "Command"`), and their mapping to
// InfluxDB points.
//
// Input: a request body; it is parsed as JSON and as commands, whatever it looks like.
// Checks: only `WriteHTTPError` is thrown; every value list has values (and, from JSON, a plugin
// name and as many dsnames as values); the reasons kept never exceed the errors counted or
// `maxReasons`; the mapping gives at most one point per value.
import CollectdProtocol
import FuzzSupport

let typesDB = TypesDB.builtin
let now: Int64 = 1_700_000_000_000_000_000

func fuzzOne(_ data: UnsafeRawBufferPointer) {
    let body = Array(data)
    _ = WriteHTTPFormat.detect(contentType: nil, body: data)
    for format in [WriteHTTPFormat.json, .command] {
        let message: WriteHTTPMessage
        do {
            message = try WriteHTTPParser.parse(body, format: format, now: now)
        } catch is WriteHTTPError {
            continue
        } catch {
            invariant(false, "unexpected error type: \(error)")
            return
        }
        invariant(message.reasons.count <= min(message.errors, WriteHTTPMessage.maxReasons),
                  "\(message.reasons.count) reasons for \(message.errors) errors")
        for m in message.valueLists {
            invariant(!m.valueList.values.isEmpty, "value list without values")
            if format == .json {
                invariant(!m.valueList.plugin.isEmpty, "JSON value list without plugin")
                if let names = m.dsNames { invariant(names.count == m.valueList.values.count, "dsnames/values count") }
            } else {
                invariant(m.dsNames == nil, "dsnames from the command format")
            }
            let points = influxPoints(m, typesDB: typesDB)
            invariant(points.count <= m.valueList.values.count, "more points than values")
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ size: Int) -> CInt { runOne(data, size, fuzzOne) }

#if !FUZZING
@main struct Main { static func main() { Replay.main("writehttp", fuzzOne) } }
#endif
