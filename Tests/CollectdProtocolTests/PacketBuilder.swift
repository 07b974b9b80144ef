@testable import CollectdProtocol

func hex(_ s: String) -> [UInt8] {
    let chars = Array(s.utf8).filter { $0 != 10 && $0 != 32 && $0 != 13 }
    var out: [UInt8] = []
    out.reserveCapacity(chars.count / 2)
    func nib(_ c: UInt8) -> UInt8 {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: fatalError("bad hex")
        }
    }
    var i = 0
    while i + 1 < chars.count { out.append(nib(chars[i]) << 4 | nib(chars[i + 1])); i += 2 }
    return out
}

func u16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
func u64be(_ v: UInt64) -> [UInt8] { (0..<8).reversed().map { UInt8((v >> (8 * UInt64($0))) & 0xff) } }
func u64le(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8((v >> (8 * UInt64($0))) & 0xff) } }

/// Builds packets part by part.
struct PacketBuilder {
    var bytes: [UInt8] = []

    mutating func raw(_ type: UInt16, _ body: [UInt8]) {
        bytes += u16(type) + u16(UInt16(4 + body.count)) + body
    }
    mutating func string(_ type: UInt16, _ s: String) { raw(type, Array(s.utf8) + [0]) }
    mutating func number(_ type: UInt16, _ v: UInt64) { raw(type, u64be(v)) }
    mutating func values(_ vs: [CollectdValue]) {
        var body = u16(UInt16(vs.count))
        for v in vs {
            switch v {
            case .counter: body.append(0)
            case .gauge: body.append(1)
            case .derive: body.append(2)
            case .absolute: body.append(3)
            }
        }
        for v in vs {
            switch v {
            case .counter(let x), .absolute(let x): body += u64be(x)
            case .gauge(let d): body += u64le(d.bitPattern)
            case .derive(let x): body += u64be(UInt64(bitPattern: x))
            }
        }
        raw(CollectdPartType.values, body)
    }

    /// host/plugin/type/time + one gauge: a minimal complete value list.
    static func simple(host: String = "h", plugin: String = "p", type: String = "gauge", value: Double = 1.5,
                       time: UInt64 = 1_700_000_000) -> [UInt8] {
        var b = PacketBuilder()
        b.string(CollectdPartType.host, host)
        b.number(CollectdPartType.time, time)
        b.string(CollectdPartType.plugin, plugin)
        b.string(CollectdPartType.type, type)
        b.values([.gauge(value)])
        return b.bytes
    }
}

/// A signature part for `payload` followed by the payload itself.
func signedPacket(user: String, password: String, payload: [UInt8]) -> [UInt8] {
    let covered = Array(user.utf8) + payload
    let mac = covered.withUnsafeBytes { CollectdCrypto.hmacSHA256(key: Array(password.utf8), data: $0)! }
    return u16(CollectdPartType.signature) + u16(UInt16(36 + user.utf8.count)) + mac + Array(user.utf8) + payload
}

/// An encryption part carrying `payload`.
func encryptedPart(user: String, password: String, payload: [UInt8],
                   iv: [UInt8] = (0..<16).map { UInt8($0 * 7 &+ 3) }) -> [UInt8] {
    let plain = CollectdCrypto.sha1(payload) + payload
    let cipher = CollectdCrypto.aes256OFB(key: CollectdCrypto.sha256(Array(password.utf8)), iv: iv, data: plain)!
    let u = Array(user.utf8)
    return u16(CollectdPartType.encryption) + u16(UInt16(4 + 2 + u.count + 16 + cipher.count)) + u16(UInt16(u.count))
        + u + iv + cipher
}

/// Parses, collecting value lists delivered before any error.
func parseAll(_ packet: [UInt8], parser: CollectdParser = CollectdParser())
    -> (lists: [CollectdValueList], stats: ParseStats?, error: CollectdError?) {
    var lists: [CollectdValueList] = []
    do {
        let stats = try parser.parse(packet) { lists.append($0) }
        return (lists, stats, nil)
    } catch let e as CollectdError {
        return (lists, nil, e)
    } catch {
        fatalError("unexpected error type \(error)")
    }
}
