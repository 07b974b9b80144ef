import Testing
@testable import CollectdProtocol
import TestSupport

@Suite struct RobustnessTests {
    static let sample: [UInt8] = {
        var b = CollectdPacketWriter()
        b.string(CollectdPartType.host, "host")
        b.number(CollectdPartType.timeHR, 1_546_167_635_576_736_987)
        b.string(CollectdPartType.plugin, "cpu")
        b.string(CollectdPartType.type, "cpu")
        b.values([.derive(1)])
        b.values([.gauge(2), .counter(3)])
        return b.bytes
    }()

    @Test func truncatedAtEveryLength() {
        let auth = CollectdAuth(file: "admin: admin\n")
        let signed = CollectdPacketWriter.signed(user: "admin", password: "admin", payload: Self.sample)
        let enc = CollectdPacketWriter.encrypted(user: "admin", password: "admin", payload: Self.sample)
        for packet in [Self.sample, signed, enc] {
            for level in [SecurityLevel.none, .sign, .encrypt] {
                let parser = CollectdParser(securityLevel: level, auth: auth)
                for n in 0...packet.count {
                    let r = parseAll(Array(packet[0..<n]), parser: parser)
                    if n == packet.count { #expect(r.error == nil) }
                    if n == 0 { #expect(r.error == nil && r.lists.isEmpty) }
                    #expect(r.lists.count <= 2)
                }
            }
        }
    }

    @Test func seededRandomGarbageNeverCrashes() {
        var rng = SplitMix64(seed: 0xC011EC7D)
        let parser = CollectdParser(securityLevel: .none, auth: CollectdAuth(file: "admin: admin"))
        var errors = 0
        for i in 0..<5000 {
            let len = Int.random(in: 0...300, using: &rng)
            var p = (0..<len).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Make half of them plausible: small types and in-range lengths.
            if i % 2 == 0 {
                var off = 0
                while off + 4 <= p.count {
                    let t = UInt8.random(in: 0...10, using: &rng)
                    let l = Int.random(in: 0...min(64, p.count - off), using: &rng)
                    p[off] = i % 10 == 0 ? 0x02 : 0
                    p[off + 1] = i % 10 == 0 ? (t & 1 == 0 ? 0x00 : 0x10) : t
                    p[off + 2] = UInt8(l >> 8)
                    p[off + 3] = UInt8(l & 0xff)
                    off += max(l, 4)
                }
            }
            if parseAll(p, parser: parser).error != nil { errors += 1 }
        }
        #expect(errors > 0)
    }

    @Test func mutatedValidPacketsNeverCrash() {
        var rng = SplitMix64(seed: 42)
        let auth = CollectdAuth(file: "admin: admin")
        let base = [Self.sample, CollectdPacketWriter.signed(user: "admin", password: "admin", payload: Self.sample),
                    CollectdPacketWriter.encrypted(user: "admin", password: "admin", payload: Self.sample)]
        for i in 0..<3000 {
            var p = base[i % 3]
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                p[Int.random(in: 0..<p.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            for level in [SecurityLevel.none, .sign, .encrypt] {
                _ = parseAll(p, parser: CollectdParser(securityLevel: level, auth: auth))
            }
        }
    }

    @Test func trailingBytesShorterThanAHeader() {
        let r = parseAll(Self.sample + [0x00, 0x06, 0x00])
        #expect(r.lists.count == 2)
        #expect(r.error == .truncatedPart(type: 6, offset: Self.sample.count))
    }
}
