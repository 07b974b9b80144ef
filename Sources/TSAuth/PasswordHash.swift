import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// Stored secrets: PBKDF2-HMAC-SHA-256 with a random 16-byte salt, written as
/// `pbkdf2-sha256$<iterations>$<salt, base64>$<hash, base64>` (docs/security.md).
/// Plain secrets are never stored or logged.
public enum PasswordHash {
    public static let scheme = "pbkdf2-sha256"
    /// OWASP's 2023 floor for PBKDF2-HMAC-SHA-256 is 600,000; verification results are cached
    /// per process (`Authenticator`), so the cost is paid once per credential, not per request.
    public static let defaultIterations = 600_000
    public static let minimumIterations = 10_000

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case emptySecret
        case malformed(String)
        case randomUnavailable
        public var description: String {
            switch self {
            case .emptySecret: "the secret is empty"
            case .malformed(let s): "malformed hash: \(s)"
            case .randomUnavailable: "no random bytes for a salt (RAND_bytes failed)"
            }
        }
    }

    /// A new stored form for `secret`.
    public static func make(_ secret: String, iterations: Int = defaultIterations) throws -> String {
        guard !secret.isEmpty else { throw Failure.emptySecret }
        var salt = [UInt8](repeating: 0, count: 16)
        let ok = salt.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, 16) }
        guard ok == 1 else { throw Failure.randomUnavailable }
        let dk = derive(Array(secret.utf8), salt: salt, iterations: iterations)
        return "\(scheme)$\(iterations)$\(Base64.encode(salt))$\(Base64.encode(dk))"
    }

    /// The parts of a stored form, validated.
    public struct Stored: Sendable, Equatable {
        public let iterations: Int
        public let salt: [UInt8]
        public let hash: [UInt8]

        public init(parsing s: String) throws {
            let parts = s.split(separator: "$", omittingEmptySubsequences: false)
            guard parts.count == 4, parts[0] == PasswordHash.scheme else {
                throw Failure.malformed("expected \(PasswordHash.scheme)$ITERATIONS$SALT$HASH")
            }
            guard let it = Int(parts[1]), it >= PasswordHash.minimumIterations, it <= 100_000_000 else {
                throw Failure.malformed("iterations must be at least \(PasswordHash.minimumIterations)")
            }
            guard let salt = Base64.decode(String(parts[2])), salt.count >= 8 else { throw Failure.malformed("salt is not base64 of 8 or more bytes") }
            guard let hash = Base64.decode(String(parts[3])), hash.count == 32 else { throw Failure.malformed("hash is not base64 of 32 bytes") }
            iterations = it
            self.salt = salt
            self.hash = hash
        }

        /// Constant-time comparison of the derived key.
        public func matches(_ secret: [UInt8]) -> Bool {
            let dk = PasswordHash.derive(secret, salt: salt, iterations: iterations)
            return dk.withUnsafeBytes { a in hash.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, 32) == 0 } }
        }
    }

    static func derive(_ secret: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let ok = secret.withUnsafeBufferPointer { s in
            salt.withUnsafeBufferPointer { sa in
                out.withUnsafeMutableBufferPointer { o in
                    s.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(1, s.count)) { sp in
                        PKCS5_PBKDF2_HMAC(sp, Int32(s.count), sa.baseAddress, Int32(sa.count), Int32(iterations), EVP_sha256(), 32, o.baseAddress)
                    }
                }
            }
        }
        precondition(ok == 1, "PKCS5_PBKDF2_HMAC failed")
        return out
    }
}

/// SHA-256 (the cache key of verified credentials).
func sha256(_ bytes: [UInt8]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: 32)
    bytes.withUnsafeBufferPointer { b in
        out.withUnsafeMutableBufferPointer { o in _ = SHA256(b.baseAddress, b.count, o.baseAddress) }
    }
    return out
}

/// Standard base64 (RFC 4648, with padding).
public enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= bytes.count {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            for s in [18, 12, 6, 0] { out.append(alphabet[Int(v >> UInt32(s) & 63)]) }
            i += 3
        }
        let rest = bytes.count - i
        if rest > 0 {
            var v = UInt32(bytes[i]) << 16
            if rest == 2 { v |= UInt32(bytes[i + 1]) << 8 }
            out.append(alphabet[Int(v >> 18 & 63)])
            out.append(alphabet[Int(v >> 12 & 63)])
            out.append(rest == 2 ? alphabet[Int(v >> 6 & 63)] : UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// nil for anything that is not canonical padded base64.
    public static func decode(_ s: String) -> [UInt8]? {
        let b = Array(s.utf8)
        guard b.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(b.count / 4 * 3)
        func val(_ c: UInt8) -> UInt32? {
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): UInt32(c - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): UInt32(c - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(c - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "+"): 62
            case UInt8(ascii: "/"): 63
            default: nil
            }
        }
        var i = 0
        while i < b.count {
            let last = i + 4 == b.count
            let pad = last ? (b[i + 3] == UInt8(ascii: "=") ? (b[i + 2] == UInt8(ascii: "=") ? 2 : 1) : 0) : 0
            var v: UInt32 = 0
            for j in 0..<4 {
                if j >= 4 - pad { v <<= 6; continue }
                guard let x = val(b[i + j]) else { return nil }
                v = v << 6 | x
            }
            out.append(UInt8(v >> 16 & 255))
            if pad < 2 { out.append(UInt8(v >> 8 & 255)) }
            if pad < 1 { out.append(UInt8(v & 255)) }
            i += 4
        }
        return out
    }
}
