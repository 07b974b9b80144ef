import TSSupport

/// Writes collectd binary-protocol packets: parts, value lists, and the signed and encrypted
/// envelopes of SecurityLevel Sign and Encrypt. The inverse of `CollectdParser`, used by the
/// tests and the fuzz seeds to build packets as collectd's network plugin sends them.
public struct CollectdPacketWriter {
    /// The packet so far (tests append malformed bytes directly).
    public var bytes: [UInt8] = []

    public init() {}

    /// A part: type and length (both big-endian u16, the length counting the 4-byte header), then the body.
    public mutating func part(_ type: UInt16, _ body: [UInt8]) {
        var w = ByteWriter(bytes: bytes)
        w.be(type)
        w.be(UInt16(truncatingIfNeeded: 4 + body.count))
        w.raw(body)
        bytes = w.bytes
    }

    /// A string part (NUL-terminated).
    public mutating func string(_ type: UInt16, _ s: String) { part(type, Array(s.utf8) + [0]) }

    /// A number part (big-endian u64).
    public mutating func number(_ type: UInt16, _ v: UInt64) {
        var w = ByteWriter()
        w.be(v)
        part(type, w.bytes)
    }

    /// A values part: count, one type code per value, then the values (gauges little-endian,
    /// the others big-endian, as collectd writes them).
    public mutating func values(_ vs: [CollectdValue]) {
        var w = ByteWriter()
        w.be(UInt16(truncatingIfNeeded: vs.count))
        for v in vs {
            switch v {
            case .counter: w.u8(0)
            case .gauge: w.u8(1)
            case .derive: w.u8(2)
            case .absolute: w.u8(3)
            }
        }
        for v in vs {
            switch v {
            case .counter(let x), .absolute(let x): w.be(x)
            case .gauge(let d): w.le(d.bitPattern)
            case .derive(let x): w.be(x)
            }
        }
        part(CollectdPartType.values, w.bytes)
    }

    /// host/time/plugin/type + one gauge: a minimal complete value list.
    public static func simple(host: String = "h", plugin: String = "p", type: String = "gauge", value: Double = 1.5,
                              time: UInt64 = 1_700_000_000) -> [UInt8] {
        var b = CollectdPacketWriter()
        b.string(CollectdPartType.host, host)
        b.number(CollectdPartType.time, time)
        b.string(CollectdPartType.plugin, plugin)
        b.string(CollectdPartType.type, type)
        b.values([.gauge(value)])
        return b.bytes
    }

    /// A signature part (HMAC-SHA-256 of user and payload) followed by the payload.
    public static func signed(user: String, password: String, payload: [UInt8]) -> [UInt8] {
        let covered = Array(user.utf8) + payload
        let mac = covered.withUnsafeBytes { CollectdCrypto.hmacSHA256(key: Array(password.utf8), data: $0)! }
        var b = CollectdPacketWriter()
        b.part(CollectdPartType.signature, mac + Array(user.utf8))
        return b.bytes + payload
    }

    /// An encryption part carrying `payload` (AES-256-OFB, key SHA-256 of the password, SHA-1 check).
    public static func encrypted(user: String, password: String, payload: [UInt8],
                                 iv: [UInt8] = (0..<16).map { UInt8($0 * 7 &+ 3) }) -> [UInt8] {
        let plain = CollectdCrypto.sha1(payload) + payload
        let cipher = CollectdCrypto.aes256OFB(key: CollectdCrypto.sha256(Array(password.utf8)), iv: iv, data: plain)!
        let u = Array(user.utf8)
        var body = ByteWriter()
        body.be(UInt16(truncatingIfNeeded: u.count))
        body.raw(u)
        body.raw(iv)
        body.raw(cipher)
        var b = CollectdPacketWriter()
        b.part(CollectdPartType.encryption, body.bytes)
        return b.bytes
    }
}
