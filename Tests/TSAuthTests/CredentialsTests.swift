import Testing
@testable import TSAuth

@Suite struct PasswordHashTests {
    @Test func madeHashVerifiesOnlyItsSecret() throws {
        let h = try PasswordHash.make("s3cret", iterations: 10_000)
        #expect(h.hasPrefix("pbkdf2-sha256$10000$"))
        let stored = try PasswordHash.Stored(parsing: h)
        #expect(stored.matches(Array("s3cret".utf8)))
        #expect(!stored.matches(Array("s3cret ".utf8)))
        #expect(!stored.matches([]))
        // A fresh salt each time.
        #expect(try PasswordHash.make("s3cret", iterations: 10_000) != h)
    }

    @Test func knownVector() throws {
        // PBKDF2-HMAC-SHA-256("password", "salt", 1) from RFC 7914 §11 (first 32 bytes).
        let dk = PasswordHash.derive(Array("password".utf8), salt: Array("salt".utf8), iterations: 1)
        #expect(dk.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() == "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b")
    }

    @Test func emptySecretIsRefused() {
        #expect(throws: PasswordHash.Failure.emptySecret) { _ = try PasswordHash.make("") }
    }

    @Test func malformedStoredForms() {
        for bad in ["", "plain", "md5$1$AAAA$AAAA", "pbkdf2-sha256$100$c2FsdHNhbHQ=$" + String(repeating: "A", count: 44),
                    "pbkdf2-sha256$20000$!!!!$AAAA", "pbkdf2-sha256$20000$c2FsdHNhbHQ=$AAAA"] {
            #expect(throws: PasswordHash.Failure.self) { _ = try PasswordHash.Stored(parsing: bad) }
        }
    }

    @Test func base64RoundTrip() {
        for n in 0..<40 {
            let b = (0..<n).map { UInt8(($0 * 37 + n) & 255) }
            #expect(Base64.decode(Base64.encode(b)) == b)
        }
        #expect(Base64.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(Base64.encode(Array("fo".utf8)) == "Zm8=")
        #expect(Base64.decode("Zm9vYg==") == Array("foob".utf8))
        #expect(Base64.decode("Zm9vYg=") == nil)
        #expect(Base64.decode("Zm9v*mFy") == nil)
    }
}

@Suite struct CredentialFileTests {
    func line(_ name: String, _ roles: String, _ secret: String) throws -> String {
        "\(name) \(roles) \(try PasswordHash.make(secret, iterations: 10_000))"
    }

    @Test func parsesRolesAndAuthenticates() throws {
        let text = """
        # tsdbd credentials
        \(try line("grafana", "read", "g-secret"))
        \(try line("collector", "write", "c-secret"))   # agents
        \(try line("ops", "admin", "o-secret"))

        """
        let a = Authenticator(try CredentialFile(parsing: text))
        #expect(a.credentials.count == 3)
        #expect(a.authenticate(name: "grafana", secret: "g-secret") == .read)
        #expect(a.authenticate(name: "grafana", secret: "g-secret") == .read)  // cached
        #expect(a.authenticate(name: "grafana", secret: "c-secret") == nil)
        #expect(a.authenticate(name: "nobody", secret: "g-secret") == nil)
        #expect(a.authenticate(name: "grafana", secret: "") == nil)
        let w = try #require(a.authenticate(name: "collector", secret: "c-secret"))
        #expect(w.allows(.write) && !w.allows(.read))
        let o = try #require(a.authenticate(name: "ops", secret: "o-secret"))
        #expect(o.allows(.read) && o.allows(.write) && o.allows(.admin))
    }

    @Test func refusesEmptyFilesEmptySecretsAndBadLines() throws {
        #expect(throws: CredentialFile.Failure.self) { _ = try CredentialFile(parsing: "# nothing here\n\n") }
        // A hash of the empty secret, made by hand.
        let salt = Array("0123456789abcdef".utf8)
        let empty = "pbkdf2-sha256$10000$\(Base64.encode(salt))$\(Base64.encode(PasswordHash.derive([], salt: salt, iterations: 10_000)))"
        #expect { _ = try CredentialFile(parsing: "x read \(empty)\n") } throws: { "\($0)".contains("empty") }
        #expect { _ = try CredentialFile(parsing: "x read\n") } throws: { "\($0)".contains("line 1") }
        #expect { _ = try CredentialFile(parsing: try line("x", "root", "s")) } throws: { "\($0)".contains("roles") }
        #expect { _ = try CredentialFile(parsing: try line("x", "read", "s") + "\n" + line("x", "write", "t")) } throws: { "\($0)".contains("twice") }
        #expect { _ = try CredentialFile(parsing: try line("a:b", "read", "s")) } throws: { "\($0)".contains("':'") }
    }

    @Test func presentedCredentials() {
        func p(_ h: String?, _ u: String? = nil, _ pw: String? = nil) -> [String]? {
            Authenticator.presented(authorization: h, u: u, p: pw).map { [$0.name, $0.secret] }
        }
        #expect(p("Basic " + Base64.encode(Array("grafana:a:b".utf8))) == ["grafana", "a:b"])
        #expect(p("basic " + Base64.encode(Array("grafana:pw".utf8))) == ["grafana", "pw"])
        #expect(p("Token collector:pw") == ["collector", "pw"])
        #expect(p(nil, "u1", "p1") == ["u1", "p1"])
        #expect(p(nil, "u1", nil) == nil)
        #expect(p("Basic !!!") == nil)
        #expect(p("Basic " + Base64.encode(Array("nocolon".utf8))) == nil)
        #expect(p("Bearer abc") == nil)
        #expect(p(nil) == nil)
    }
}
