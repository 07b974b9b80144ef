import HTTPTypes
import Hummingbird
import InfluxQL
import NIOPosix
import TSAuth

/// Authentication and authorization of HTTP requests (docs/security.md), when `--auth-enabled`.
/// Credentials come as InfluxDB 1.x clients send them: Basic auth, `Authorization: Token
/// name:secret`, or the `u`/`p` query parameters. The role a path needs:
/// none for /ping and /health; write for /write, /api/v2/write, /collectd; admin for
/// /api/v1/admin/* and /api/v1/accounting/run; read for everything else (statements that
/// change data, checked by `QueryAPI`, need admin).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = TSContext
    let authenticator: Authenticator
    let counters: Counters

    static func required(path: String) -> Roles? {
        switch path {
        case "/ping", "/health": return nil
        case "/write", "/api/v2/write", "/collectd": return .write
        case "/api/v1/accounting/run": return .admin
        default: return path.hasPrefix("/api/v1/admin/") ? .admin : .read
        }
    }

    func handle(_ request: Request, context: TSContext, next: (Request, TSContext) async throws -> Response) async throws -> Response {
        guard let need = AuthMiddleware.required(path: request.uri.path) else { return try await next(request, context) }
        let q = request.uri.queryParameters
        guard let (name, secret) = Authenticator.presented(authorization: request.headers[.authorization],
                                                           u: q.get("u"), p: q.get("p")) else {
            counters.addAuthFailure("unauthenticated")
            return await refusing(request, unauthorized("unable to parse authentication credentials"))
        }
        // PBKDF2 takes a fraction of a second on a first check: on the blocking-work pool, as
        // the engine's calls are, never on the event loop or the cooperative pool.
        guard let roles = try await NIOThreadPool.singleton.runIfActive({ authenticator.authenticate(name: name, secret: secret) }) else {
            counters.addAuthFailure("unauthenticated")
            return await refusing(request, unauthorized("authorization failed"))
        }
        guard roles.allows(need) else {
            counters.addAuthFailure("forbidden")
            if need == .write {
                let db = q.get("db") ?? q.get("bucket") ?? ""
                return await refusing(request, error(.forbidden, "\"\(name)\" user is not authorized to write to database \"\(db)\""))
            }
            return await refusing(request, error(.forbidden, "\"\(name)\" user is not authorized: \(request.uri.path) requires \(need) privilege"))
        }
        var ctx = context
        ctx.user = name
        ctx.roles = roles
        return try await next(request, ctx)
    }

    /// Bytes of a refused request's body read and discarded before the refusal is sent.
    static let drainLimit = 64 << 20

    /// `response`, sent once the request body has been read (up to `drainLimit`). A refusal sent
    /// while the client is still uploading makes clients that stop at an early response fail
    /// with their own error (async-http-client: "body length mismatch") instead of showing the
    /// 401 or 403; InfluxDB clients expect to see it.
    func refusing(_ request: Request, _ response: Response) async -> Response {
        var seen = 0
        do {
            for try await part in request.body {
                seen += part.readableBytes
                if seen > AuthMiddleware.drainLimit { break }
            }
        } catch {
            // The client went away: nothing more to read.
        }
        return response
    }

    func unauthorized(_ message: String) -> Response {
        var r = error(.unauthorized, message)
        r.headers[.wwwAuthenticate] = #"Basic realm="InfluxDB""#
        return r
    }
}

extension Statement {
    /// How a refused statement is named in a 403 (only statements that change data are refused).
    var keyword: String {
        switch self {
        case .createDatabase(let d): "CREATE DATABASE \(d)"
        case .dropDatabase(let d): "DROP DATABASE \(d)"
        case .dropSeries: "DROP SERIES"
        case .delete: "DELETE"
        default: "SELECT"
        }
    }
}
