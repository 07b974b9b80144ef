#if canImport(Glibc)
import Glibc
#endif

/// What a credential may do. Roles are global (not per database).
public struct Roles: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// SELECT, SHOW, /api/v1/query, /metrics, /api/v1/stats, accounting reports.
    public static let read = Roles(rawValue: 1)
    /// /write, /api/v2/write, /collectd.
    public static let write = Roles(rawValue: 2)
    /// CREATE/DROP DATABASE, DROP SERIES, DELETE, flush, accounting runs; implies read and write.
    public static let admin = Roles(rawValue: 4)

    public func allows(_ need: Roles) -> Bool {
        contains(.admin) || isSuperset(of: need)
    }

    public init?(parsing s: Substring) {
        var r: Roles = []
        for part in s.split(separator: ",") {
            switch part {
            case "read": r.insert(.read)
            case "write": r.insert(.write)
            case "admin": r.insert(.admin)
            default: return nil
            }
        }
        if r.isEmpty { return nil }
        self = r
    }

    public var description: String {
        [(Roles.read, "read"), (.write, "write"), (.admin, "admin")].filter { contains($0.0) }.map(\.1).joined(separator: ",")
    }
}

/// One user or token: a name, its roles and the stored form of its secret.
public struct Credential: Sendable, Equatable {
    public let name: String
    public let roles: Roles
    public let stored: PasswordHash.Stored
}

/// The credentials file (`--auth-file`, docs/security.md): one credential per line,
/// `NAME ROLES HASH`, e.g. `grafana read pbkdf2-sha256$600000$...$...`; `#` starts a comment.
/// `tsctl auth hash NAME ROLES` prints such a line for a secret read from standard input.
public struct CredentialFile: Sendable {
    public let credentials: [String: Credential]

    public struct Failure: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    public init(parsing text: String) throws {
        var out: [String: Credential] = [:]
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            let n = i + 1
            guard fields.count == 3 else {
                throw Failure(message: "line \(n): expected NAME ROLES HASH (e.g. grafana read pbkdf2-sha256$...), found \(fields.count) fields")
            }
            let name = String(fields[0])
            guard !name.contains(":") else { throw Failure(message: "line \(n): a name cannot contain ':'") }
            guard let roles = Roles(parsing: fields[1]) else { throw Failure(message: "line \(n): roles must be a comma list of read, write, admin") }
            let stored: PasswordHash.Stored
            do { stored = try PasswordHash.Stored(parsing: String(fields[2])) } catch {
                throw Failure(message: "line \(n): \(error) (make one with: tsctl auth hash \(name) \(fields[1]))")
            }
            guard out[name] == nil else { throw Failure(message: "line \(n): \(name) is listed twice") }
            // A hash of the empty secret is an empty secret.
            if stored.matches([]) { throw Failure(message: "line \(n): the secret of \(name) is empty; refusing it") }
            out[name] = Credential(name: name, roles: roles, stored: stored)
        }
        guard !out.isEmpty else { throw Failure(message: "no credentials: with authentication on, at least one is needed") }
        credentials = out
    }
}

/// Checks a name and secret against the credentials. A successful check is cached by the
/// SHA-256 of name and secret (PBKDF2 is slow on purpose); failures are not cached.
public final class Authenticator: @unchecked Sendable {
    public let credentials: [String: Credential]
    private var cache: [[UInt8]: Roles] = [:]
    private var mutex = pthread_mutex_t()
    static let maxCached = 10_000

    public init(_ file: CredentialFile) {
        credentials = file.credentials
        pthread_mutex_init(&mutex, nil)
    }

    deinit { pthread_mutex_destroy(&mutex) }

    /// The roles of a valid name and secret, nil otherwise.
    public func authenticate(name: String, secret: String) -> Roles? {
        guard let c = credentials[name], !secret.isEmpty else { return nil }
        let key = sha256(Array(name.utf8) + [0] + Array(secret.utf8))
        pthread_mutex_lock(&mutex)
        let hit = cache[key]
        pthread_mutex_unlock(&mutex)
        if let r = hit { return r }
        guard c.stored.matches(Array(secret.utf8)) else { return nil }
        pthread_mutex_lock(&mutex)
        if cache.count >= Authenticator.maxCached { cache.removeAll() }
        cache[key] = c.roles
        pthread_mutex_unlock(&mutex)
        return c.roles
    }

    /// Credentials as InfluxDB 1.x accepts them: `Authorization: Basic base64(name:secret)`,
    /// `Authorization: Token name:secret` (its v2-compatible form), or the `u` and `p` query
    /// parameters. nil when none is given or the header is malformed.
    public static func presented(authorization: String?, u: String?, p: String?) -> (name: String, secret: String)? {
        if let h = authorization {
            let parts = h.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { return nil }
            let scheme = parts[0].lowercased()
            let value = parts[1].trimmingSpaces()
            let pair: String
            switch scheme {
            case "basic":
                guard let b = Base64.decode(value) else { return nil }
                pair = String(decoding: b, as: UTF8.self)
            case "token":
                pair = value
            default:
                return nil
            }
            guard let i = pair.firstIndex(of: ":") else { return nil }
            return (String(pair[..<i]), String(pair[pair.index(after: i)...]))
        }
        if let u, let p { return (u, p) }
        return nil
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
