import Testing
@testable import CollectdProtocol

@Suite struct EncryptionTests {
    let auth = CollectdAuth(file: "admin: admin\n")
    let iv = hex("4cbe2a747c9f9dcfa0e66f0c2fa74875")
    let cipher = hex("8f023b0b15178f8428da1221a5f653e840f065db4aff032c22e5a3df")

    @Test func collectdAESVector() throws {
        let key = CollectdCrypto.sha256(Array("admin".utf8))
        let plain = try #require(CollectdCrypto.aes256OFB(key: key, iv: iv, data: cipher))
        #expect(Array(plain[20...]) == Array("collectd".utf8))
        #expect(Array(plain[0..<20]) == CollectdCrypto.sha1(Array("collectd".utf8)))
    }

    @Test func collectdVectorAsAPart() {
        let part = u16(0x0210) + u16(UInt16(4 + 2 + 5 + 16 + cipher.count)) + u16(5) + Array("admin".utf8) + iv + cipher
        // Decrypts and checks SHA-1; the plaintext "collectd" is then not a valid part sequence.
        let r = parseAll(part, parser: CollectdParser(securityLevel: .encrypt, auth: auth))
        #expect(r.error == .truncatedPart(type: 0x636f, offset: 0))
        let wrong = parseAll(part, parser: CollectdParser(securityLevel: .encrypt,
                                                          auth: CollectdAuth(file: "admin: nimda")))
        #expect(wrong.error == .decryptionFailed(user: "admin"))
    }

    @Test func roundTripEncryptedPacket() throws {
        let payload = CollectdPacketWriter.simple(host: "secret-host")
        let part = CollectdPacketWriter.encrypted(user: "admin", password: "admin", payload: payload)
        for level in [SecurityLevel.none, .sign, .encrypt] {
            let r = parseAll(part, parser: CollectdParser(securityLevel: level, auth: auth))
            #expect(r.error == nil)
            #expect(r.lists.first?.host == "secret-host")
            #expect(r.stats?.decryptedParts == 1)
        }
    }

    @Test func wrongPasswordOrUnknownUser() {
        let part = CollectdPacketWriter.encrypted(user: "admin", password: "wrong", payload: CollectdPacketWriter.simple())
        #expect(parseAll(part, parser: CollectdParser(securityLevel: .encrypt, auth: auth)).error
                == .decryptionFailed(user: "admin"))
        let other = CollectdPacketWriter.encrypted(user: "eve", password: "x", payload: CollectdPacketWriter.simple())
        #expect(parseAll(other, parser: CollectdParser(securityLevel: .none, auth: auth)).error == .unknownUser("eve"))
        #expect(parseAll(other, parser: CollectdParser(securityLevel: .none, auth: nil)).error == .unknownUser("eve"))
    }

    @Test func malformedEncryptionHeaders() {
        // Username length 0, and username longer than the part.
        let zero = u16(0x0210) + u16(4 + 2 + 16 + 21) + u16(0) + [UInt8](repeating: 0, count: 37)
        #expect(parseAll(zero, parser: CollectdParser(auth: auth)).error
                == .invalidPartLength(type: 0x0210, offset: 0, length: 43))
        let long = u16(0x0210) + u16(4 + 2 + 5) + u16(500) + Array("admin".utf8)
        #expect(parseAll(long, parser: CollectdParser(auth: auth)).error
                == .invalidPartLength(type: 0x0210, offset: 0, length: 11))
    }

    @Test func stateIsFreshInsideAndPartsContinueAfter() {
        var outer = CollectdPacketWriter()
        outer.string(CollectdPartType.host, "outer")
        var inner = CollectdPacketWriter()
        inner.string(CollectdPartType.plugin, "in")
        inner.values([.gauge(1)])
        var tail = CollectdPacketWriter()
        tail.values([.gauge(2)])
        let p = outer.bytes + CollectdPacketWriter.encrypted(user: "admin", password: "admin", payload: inner.bytes) + tail.bytes
        let r = parseAll(p, parser: CollectdParser(securityLevel: .none, auth: auth))
        #expect(r.error == nil)
        #expect(r.lists.count == 2)
        #expect(r.lists[0].host == "" && r.lists[0].plugin == "in")
        #expect(r.lists[1].host == "outer" && r.lists[1].plugin == "")
    }
}
