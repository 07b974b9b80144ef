import Testing
@testable import CollectdProtocol

@Suite struct SignatureTests {
    let auth = CollectdAuth(file: "# users\nadmin: admin\n  alice :  s3cret  \n")
    let payload = CollectdPacketWriter.simple()

    @Test func collectdHMACVector() {
        // network_parse_test.c: HMAC-SHA-256(key "admin", "admin" + "collectd").
        let mac = hex("cda59a37b081c231242a6dbdfb44dbd7412af42983dea51196d2e93021aec545")
        let covered = Array("admincollectd".utf8)
        #expect(covered.withUnsafeBytes { CollectdCrypto.hmacSHA256(key: Array("admin".utf8), data: $0) } == mac)

        // The same vector inside a packet: verification succeeds, then "collectd" is not a valid part.
        let good = u16(0x0200) + u16(41) + mac + Array("admin".utf8) + Array("collectd".utf8)
        let parser = CollectdParser(securityLevel: .sign, auth: auth)
        #expect(parseAll(good, parser: parser).error == .truncatedPart(type: 0x636f, offset: 0))
        let bad = u16(0x0200) + u16(41) + mac + Array("admin".utf8) + Array("collEctd".utf8)
        #expect(parseAll(bad, parser: parser).error == .signatureMismatch(user: "admin"))
    }

    @Test func goodSignatureIsAccepted() throws {
        let p = CollectdPacketWriter.signed(user: "alice", password: "s3cret", payload: payload)
        for level in [SecurityLevel.none, .sign] {
            let r = parseAll(p, parser: CollectdParser(securityLevel: level, auth: auth))
            #expect(r.error == nil)
            #expect(r.lists.count == 1)
            #expect(r.stats?.verifiedSignatures == 1)
        }
    }

    @Test func badMACIsRejected() {
        var p = CollectdPacketWriter.signed(user: "admin", password: "admin", payload: payload)
        p[10] ^= 0x01
        #expect(parseAll(p, parser: CollectdParser(securityLevel: .sign, auth: auth)).error
                == .signatureMismatch(user: "admin"))
        #expect(parseAll(p, parser: CollectdParser(securityLevel: .none, auth: auth)).error
                == .signatureMismatch(user: "admin"))
        // Tampered payload.
        var q = CollectdPacketWriter.signed(user: "admin", password: "admin", payload: payload)
        q[q.count - 1] ^= 0x40
        #expect(parseAll(q, parser: CollectdParser(securityLevel: .sign, auth: auth)).error
                == .signatureMismatch(user: "admin"))
        // Wrong password on the sender side.
        let w = CollectdPacketWriter.signed(user: "admin", password: "nope", payload: payload)
        #expect(parseAll(w, parser: CollectdParser(securityLevel: .sign, auth: auth)).error
                == .signatureMismatch(user: "admin"))
    }

    @Test func unknownUser() {
        let p = CollectdPacketWriter.signed(user: "mallory", password: "x", payload: payload)
        #expect(parseAll(p, parser: CollectdParser(securityLevel: .sign, auth: auth)).error == .unknownUser("mallory"))
        #expect(parseAll(p, parser: CollectdParser(securityLevel: .sign, auth: nil)).error == .unknownUser("mallory"))
        // Level none: unverifiable signatures are accepted and the rest is processed.
        let r = parseAll(p, parser: CollectdParser(securityLevel: .none, auth: auth))
        #expect(r.error == nil && r.lists.count == 1 && r.stats?.unverifiedSignatures == 1)
        let r2 = parseAll(p, parser: CollectdParser(securityLevel: .none, auth: nil))
        #expect(r2.error == nil && r2.lists.count == 1)
    }

    @Test func signatureWithoutUsernameIsInvalid() {
        let p = u16(0x0200) + u16(36) + [UInt8](repeating: 0, count: 32)
        #expect(parseAll(p).error == .invalidPartLength(type: 0x0200, offset: 0, length: 36))
    }

    @Test func authFileParsing() {
        #expect(auth.password(for: "admin") == "admin")
        #expect(auth.password(for: "alice") == "s3cret")
        #expect(auth.password(for: "# users") == nil)
        #expect(auth.password(for: "bob") == nil)
        let crlf = CollectdAuth(file: "u1: p:w\r\nbad line\r\n:nouser\r\n")
        #expect(crlf.password(for: "u1") == "p:w")
        #expect(crlf.password(for: "bad line") == nil)
    }
}
