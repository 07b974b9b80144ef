import Testing
@testable import CollectdProtocol

@Suite struct SecurityLevelTests {
    let auth = CollectdAuth(file: "admin: admin\n")
    let plain = CollectdPacketWriter.simple(host: "plain")

    @Test func levelNoneAcceptsEverything() {
        let p = CollectdParser(securityLevel: .none, auth: auth)
        #expect(parseAll(plain, parser: p).lists.count == 1)
        #expect(parseAll(CollectdPacketWriter.signed(user: "admin", password: "admin", payload: plain), parser: p).lists.count == 1)
        #expect(parseAll(CollectdPacketWriter.encrypted(user: "admin", password: "admin", payload: plain), parser: p).lists.count == 1)
    }

    @Test func levelSignIgnoresUnsignedParts() {
        let p = CollectdParser(securityLevel: .sign, auth: auth)
        let r = parseAll(plain, parser: p)
        #expect(r.error == nil && r.lists.isEmpty && r.stats?.ignoredParts == 5)
        #expect(parseAll(CollectdPacketWriter.signed(user: "admin", password: "admin", payload: plain), parser: p).lists.count == 1)
        #expect(parseAll(CollectdPacketWriter.encrypted(user: "admin", password: "admin", payload: plain), parser: p).lists.count == 1)
        // Unsigned parts in front of a signature are ignored; the signed rest is processed.
        let mixed = CollectdPacketWriter.simple(host: "unsigned")
            + CollectdPacketWriter.signed(user: "admin", password: "admin", payload: CollectdPacketWriter.simple(host: "signed"))
        let m = parseAll(mixed, parser: p)
        #expect(m.lists.map(\.host) == ["signed"])
    }

    @Test func levelEncryptRequiresEncryption() {
        let p = CollectdParser(securityLevel: .encrypt, auth: auth)
        #expect(parseAll(plain, parser: p).lists.isEmpty)
        let s = parseAll(CollectdPacketWriter.signed(user: "admin", password: "admin", payload: plain), parser: p)
        #expect(s.error == nil && s.lists.isEmpty && s.stats?.ignoredParts == 6)
        let e = parseAll(CollectdPacketWriter.simple(host: "x") + CollectdPacketWriter.encrypted(user: "admin", password: "admin", payload: plain),
                         parser: p)
        #expect(e.lists.map(\.host) == ["plain"])
    }
}
