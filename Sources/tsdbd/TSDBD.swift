import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TSEngine
import TSEncoding

/// tsdbd: the time-series daemon. Opens (or creates) the data directory, replays the WAL, and
/// serves the InfluxDB-1.x-compatible HTTP API until SIGTERM/SIGINT, then stops accepting,
/// finishes in-flight requests and syncs and closes the engine.
@main
struct TSDBD: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsdbd",
        abstract: "Time-series database daemon with an InfluxDB-1.x-compatible HTTP API.",
        discussion: "Every option can also be set with an environment variable TSDBD_<OPTION> (e.g. TSDBD_DATA_DIR, TSDBD_HTTP_ADDR); flags win.")

    @Option(name: .customLong("data-dir"), help: "Data directory (created if missing).")
    var dataDir: String = env("DATA_DIR") ?? "./data"

    @Option(name: .customLong("http-addr"), help: "HTTP listen address HOST:PORT.")
    var httpAddr: String = env("HTTP_ADDR") ?? "127.0.0.1:8086"

    @Option(name: .customLong("fsync"), help: "When writes are acknowledged: always | interval:DURATION | none (see docs/durability.md).")
    var fsync: String = env("FSYNC") ?? "always"

    @Option(name: .customLong("max-body-size"), help: "Largest accepted /write body in bytes, after gzip decompression (413 above).")
    var maxBodySize: Int = env("MAX_BODY_SIZE").flatMap { Int($0) } ?? 25_000_000

    @Option(name: .customLong("max-line-length"), help: "Longest accepted line-protocol line in bytes.")
    var maxLineLength: Int = env("MAX_LINE_LENGTH").flatMap { Int($0) } ?? 262_144

    @Option(name: .customLong("max-series-per-database"), help: "New series beyond this count are refused (0 = unlimited).")
    var maxSeries: Int = env("MAX_SERIES_PER_DATABASE").flatMap { Int($0) } ?? 0

    @Option(name: .customLong("create-database-on-write"), help: "Create a database on its first write (true) or answer 404 (false).")
    var createDatabaseOnWrite: Bool = env("CREATE_DATABASE_ON_WRITE").map { $0 == "true" } ?? true

    @Option(name: .customLong("log-level"), help: "trace | debug | info | notice | warning | error.")
    var logLevel: String = env("LOG_LEVEL") ?? "info"

    func validate() throws {
        guard SyncPolicy(parsing: fsync) != nil else { throw ValidationError("--fsync must be always, none or interval:DURATION (e.g. interval:100ms)") }
        guard parseHostPort(httpAddr) != nil else { throw ValidationError("--http-addr must be HOST:PORT") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: unknown level \(logLevel)") }
        guard maxBodySize > 0, maxLineLength > 0 else { throw ValidationError("limits must be positive") }
    }

    func run() async throws {
        var logger = Logger(label: "tsdbd")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        var opts = EngineOptions()
        opts.syncPolicy = SyncPolicy(parsing: fsync)!
        opts.maxSeriesPerDatabase = maxSeries
        opts.createDatabaseOnWrite = createDatabaseOnWrite
        let engineLogger = logger
        opts.log = { level, msg in
            switch level {
            case .debug: engineLogger.debug("\(msg)")
            case .info: engineLogger.info("\(msg)")
            case .warning: engineLogger.warning("\(msg)")
            case .error: engineLogger.error("\(msg)")
            }
        }
        logger.info("opening data directory", metadata: ["path": "\(dataDir)", "fsync": "\(opts.syncPolicy)"])
        let engine = try Engine(path: dataDir, options: opts)
        let r = engine.replayReport
        logger.info("engine open", metadata: ["wal_records_replayed": "\(r.records)", "wal_bytes_replayed": "\(r.bytes)",
                                               "databases": "\(engine.databaseNames())"])
        let (host, port) = parseHostPort(httpAddr)!
        let startLogger = logger
        let addr = httpAddr
        let limits = HTTPLimits(maxBodySize: maxBodySize, maxLineLength: maxLineLength)
        let api = HTTPAPI(engine: engine, limits: limits, logger: logger)
        let app = Application(
            router: api.router(),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                startLogger.info("listening", metadata: ["http": "\(channel.localAddress.map { "\($0)" } ?? addr)"])
            },
            logger: logger)
        // Services stop in reverse order: the HTTP server first (stop accepting, drain), then the engine.
        let group = ServiceGroup(
            configuration: .init(services: [EngineService(engine: engine, logger: logger), app],
                                 gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Owns the engine's lifetime inside the service group: on graceful shutdown it closes the
/// engine, which syncs the WAL.
struct EngineService: Service {
    let engine: Engine
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        logger.info("closing engine")
        try engine.close()
        logger.info("engine closed")
    }
}

func env(_ name: String) -> String? {
    guard let p = getenv("TSDBD_" + name) else { return nil }
    return String(cString: p)
}

/// Parses `HOST:PORT` (`[::1]:8086` for IPv6).
func parseHostPort(_ s: String) -> (String, Int)? {
    guard let i = s.lastIndex(of: ":"), let port = Int(s[s.index(after: i)...]), (0...65535).contains(port) else { return nil }
    var host = String(s[..<i])
    if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    return (host.isEmpty ? "0.0.0.0" : host, port)
}
