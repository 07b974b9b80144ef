// Fuzz target `collectd`: the collectd binary network protocol parser (Sources/CollectdProtocol/Parser.swift),
// including signature (HMAC-SHA-256) and encryption (AES-256-OFB + SHA-1) parts, and the mapping of
// value lists to InfluxDB points.
//
// Input: byte 0 chooses the receiver (security level none / sign / encrypt with the users below, or
// none without an auth file); the rest is one UDP payload. Seeds carry valid signed and encrypted
// packets for these users, so mutations reach the code behind the MAC and the SHA-1 check.
// Checks: only `CollectdError` is thrown; the statistics count the value lists delivered; at
// SecurityLevel sign nothing is delivered without a verified signature or a decrypted part, and at
// encrypt nothing without a decrypted part; every delivered value list has values.
import CollectdProtocol
import FuzzSupport

/// The users the seeds are signed and encrypted for (fuzz/make-seeds uses the same).
let auth = CollectdAuth(users: ["admin": "admin", "alice": "s3cret"])
let receivers: [(SecurityLevel, CollectdAuth?)] = [(.none, auth), (.sign, auth), (.encrypt, auth), (.none, nil)]
let typesDB = TypesDB.builtin

func fuzzOne(_ data: UnsafeRawBufferPointer) {
    var input = FuzzInput(data)
    let (level, users) = receivers[Int(input.byte()) % receivers.count]
    let parser = CollectdParser(securityLevel: level, auth: users)
    let packet = input.rest()
    var delivered = 0
    var points = 0
    let stats: ParseStats
    do {
        stats = try parser.parse(packet) { vl in
            delivered += 1
            invariant(!vl.values.isEmpty, "value list without values")
            points += influxPoints(vl, typesDB: typesDB).count
        }
    } catch is CollectdError {
        return
    } catch {
        invariant(false, "unexpected error type: \(error)")
        return
    }
    invariant(stats.valueLists == delivered, "stats count \(stats.valueLists) value lists, \(delivered) delivered")
    if delivered > 0 {
        switch level {
        case .none: break
        case .sign:
            invariant(stats.verifiedSignatures + stats.decryptedParts > 0,
                      "SecurityLevel sign delivered \(delivered) value lists without a verified signature: \(stats)")
        case .encrypt:
            invariant(stats.decryptedParts > 0, "SecurityLevel encrypt delivered \(delivered) value lists from plain parts: \(stats)")
        }
    }
    if users == nil {
        invariant(stats.verifiedSignatures == 0 && stats.decryptedParts == 0, "authenticated without users: \(stats)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ size: Int) -> CInt { runOne(data, size, fuzzOne) }

#if !FUZZING
@main struct Main { static func main() { Replay.main("collectd", fuzzOne) } }
#endif
