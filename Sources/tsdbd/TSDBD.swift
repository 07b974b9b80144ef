import TSSupport
import ArgumentParser
import CollectdProtocol
import Foundation
import GraphiteProtocol
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import Metrics
import Prometheus
import NIOCore
import NIOPosix
import ServiceLifecycle
import TSAccounting
import TSAuth
import TSEngine
import TSEncoding
import TSIngest

/// tsdbd: the time-series daemon. Opens (or creates) the data directory, replays the WAL, and
/// serves the InfluxDB-1.x-compatible HTTP API until SIGTERM/SIGINT, then stops accepting,
/// finishes in-flight requests and syncs and closes the engine.
/// Applies `--config FILE` (as defaults under flags and environment) before the flags are parsed.
@main
enum Launcher {
    static func main() async {
        if let path = ConfigFile.path(in: CommandLine.arguments) {
            // The file's keys are the flag names listed in the help.
            let help = TSDBD.helpMessage()
            var keys = Set<String>()
            var rest = Substring(help)
            while let r = rest.range(of: "--") {
                let name = rest[r.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" }
                if !name.isEmpty { keys.insert(String(name)) }
                rest = rest[r.upperBound...]
            }
            keys.remove("config")
            keys.remove("help")
            do {
                _ = try ConfigFile.apply(path: path, knownKeys: keys)
            } catch {
                FileHandle.standardError.write(Data("Error: --config \(path): \(error)\n".utf8))
                exit(64)
            }
        }
        await TSDBD.main()
    }
}

struct TSDBD: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsdbd",
        abstract: "Time-series database daemon with an InfluxDB-1.x-compatible HTTP API.",
        discussion: "Every option can also be set with an environment variable TSDBD_<OPTION> (e.g. TSDBD_DATA_DIR, TSDBD_HTTP_ADDR); flags win.")

    @Option(name: .customLong("config"), help: "TOML file with defaults for these flags and per-database rollups (docs/configuration.md); flags and TSDBD_* variables win.")
    var config: String?

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

    @Option(name: .customLong("max-tags-per-point"), help: "Line-protocol points with more tags are rejected (0 = unlimited).")
    var maxTagsPerPoint: Int = env("MAX_TAGS_PER_POINT").flatMap { Int($0) } ?? 256

    @Option(name: .customLong("max-series-per-database"), help: "New series beyond this count are refused (0 = unlimited).")
    var maxSeries: Int = env("MAX_SERIES_PER_DATABASE").flatMap { Int($0) } ?? 0

    @Option(name: .customLong("create-database-on-write"), help: "Create a database on its first write (true) or answer 404 (false).")
    var createDatabaseOnWrite: Bool = env("CREATE_DATABASE_ON_WRITE").map { $0 == "true" } ?? true

    @Option(name: .customLong("lp-udp-addr"), help: "Line protocol over UDP: HOST:PORT or off (see docs/listeners.md).")
    var lpUDPAddr: String = env("LP_UDP_ADDR") ?? "off"

    @Option(name: .customLong("lp-tcp-addr"), help: "Line protocol over TCP (newline-delimited): HOST:PORT or off.")
    var lpTCPAddr: String = env("LP_TCP_ADDR") ?? "off"

    @Option(name: .customLong("lp-db"), help: "Database for line protocol received over UDP and TCP.")
    var lpDB: String = env("LP_DB") ?? "lp"

    @Option(name: .customLong("collectd-addr"), help: "collectd binary protocol over UDP: HOST:PORT or off.")
    var collectdAddr: String = env("COLLECTD_ADDR") ?? "127.0.0.1:25826"

    @Option(name: .customLong("collectd-db"), help: "Database for collectd values.")
    var collectdDB: String = env("COLLECTD_DB") ?? "collectd"

    @Option(name: .customLong("collectd-security-level"), help: "none | sign | encrypt (collectd's SecurityLevel; sign and encrypt need --collectd-auth-file).")
    var collectdSecurityLevel: String = env("COLLECTD_SECURITY_LEVEL") ?? "none"

    @Option(name: .customLong("collectd-auth-file"), help: "collectd AuthFile: one 'user: password' per line.")
    var collectdAuthFile: String? = env("COLLECTD_AUTH_FILE")

    @Option(name: .customLong("collectd-typesdb"), help: "collectd types.db (default /usr/share/collectd/types.db when it exists, over a built-in table).")
    var collectdTypesDB: String? = env("COLLECTD_TYPESDB")

    @Option(name: .customLong("graphite-addr"), help: "Graphite plaintext protocol over TCP: HOST:PORT or off.")
    var graphiteAddr: String = env("GRAPHITE_ADDR") ?? "off"

    @Option(name: .customLong("graphite-db"), help: "Database for Graphite values.")
    var graphiteDB: String = env("GRAPHITE_DB") ?? "graphite"

    @Option(name: .customLong("graphite-template"), help: "Graphite template '[filter] template [tag=v,...]' or a preset (influxdb, collectd, collectd-separate); repeatable, replaces the defaults. TSDBD_GRAPHITE_TEMPLATE separates several with ';'.")
    var graphiteTemplates: [String] = env("GRAPHITE_TEMPLATE").map { $0.split(separator: ";").map(String.init) } ?? []

    @Option(name: .customLong("graphite-separator"), help: "Joins several measurement/field/tag parts of a Graphite path.")
    var graphiteSeparator: String = env("GRAPHITE_SEPARATOR") ?? "."

    @Option(name: .customLong("udp-buffer-size"), help: "SO_RCVBUF of UDP sockets in bytes (0 = system default).")
    var udpBufferSize: Int = env("UDP_BUFFER_SIZE").flatMap { Int($0) } ?? 0

    @Option(name: .customLong("udp-queue-size"), help: "Samples parsed from UDP that may wait for the engine; more are dropped and counted.")
    var udpQueueSize: Int = env("UDP_QUEUE_SIZE").flatMap { Int($0) } ?? 100_000

    @Option(name: .customLong("rollup-levels"), help: "Downsampling levels kept for every database, e.g. 5m,1h, or none (see docs/rollups.md).")
    var rollupLevels: String = env("ROLLUP_LEVELS") ?? "5m,1h"

    @Option(name: .customLong("retention"), help: "Maximum age per level, e.g. raw=30d,5m=400d,1h=10y; unlisted levels are kept forever (the default).")
    var retention: String = env("RETENTION") ?? ""

    @Option(name: .customLong("accounting-interval"), help: "How often the accounting job updates accounting_vm: a duration (e.g. 5m) or off (docs/accounting.md).")
    var accountingInterval: String = env("ACCOUNTING_INTERVAL") ?? "5m"

    @Option(name: .customLong("accounting-db"), help: "Database with the collectd virt data, where accounting_vm is written.")
    var accountingDB: String = env("ACCOUNTING_DB") ?? "collectd"

    @Option(name: .customLong("accounting-sample-interval"), help: "The agents' reporting interval; sample pairs more than 3 intervals apart are not wall time.")
    var accountingSampleInterval: String = env("ACCOUNTING_SAMPLE_INTERVAL") ?? "10s"

    @Option(name: .customLong("accounting-mapping"), help: "CSV with uuid,project,vcpus,hs06_per_core,site for VMs that send no vm_info.")
    var accountingMapping: String = env("ACCOUNTING_MAPPING") ?? ""

    @Option(name: .customLong("auth-enabled"), help: "Require credentials on the HTTP API (all but /ping and /health); needs --auth-file (docs/security.md).")
    var authEnabled: Bool = env("AUTH_ENABLED").map { $0 == "true" } ?? false

    @Option(name: .customLong("auth-file"), help: "Credentials: one 'NAME ROLES HASH' per line; roles read, write, admin; make a line with 'tsctl auth hash'.")
    var authFile: String? = env("AUTH_FILE")

    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain: serve HTTPS instead of HTTP (with --tls-key).")
    var tlsCert: String? = env("TLS_CERT")

    @Option(name: .customLong("tls-key"), help: "PEM private key of --tls-cert.")
    var tlsKey: String? = env("TLS_KEY")

    @Option(name: .customLong("http-header-timeout"), help: "Close an HTTP connection whose first request head has not arrived after this long (slow clients).")
    var httpHeaderTimeout: String = env("HTTP_HEADER_TIMEOUT") ?? "10s"

    @Option(name: .customLong("http-idle-timeout"), help: "Close a kept-alive HTTP connection idle for this long between requests.")
    var httpIdleTimeout: String = env("HTTP_IDLE_TIMEOUT") ?? "2m"

    @Option(name: .customLong("log-level"), help: "trace | debug | info | notice | warning | error.")
    var logLevel: String = env("LOG_LEVEL") ?? "info"

    func validate() throws {
        guard SyncPolicy(parsing: fsync) != nil else { throw ValidationError("--fsync must be always, none or interval:DURATION (e.g. interval:100ms)") }
        guard parseHostPort(httpAddr) != nil else { throw ValidationError("--http-addr must be HOST:PORT") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: unknown level \(logLevel)") }
        guard maxBodySize > 0, maxLineLength > 0 else { throw ValidationError("limits must be positive") }
        guard maxTagsPerPoint >= 0 else { throw ValidationError("--max-tags-per-point must be >= 0") }
        if let path = config ?? env("CONFIG") {
            do {
                let file = try ConfigFile.parse(String(decoding: try FileSystem.posix.readFile(path), as: UTF8.self))
                _ = try ConfigFile.databasePolicies(file, defaults: (rollupLevels, retention))
            } catch {
                throw ValidationError("--config \(path): \(error)")
            }
        }
        guard accountingInterval == "off" || (parseDuration(accountingInterval) ?? 0) > 0 else {
            throw ValidationError("--accounting-interval must be a duration such as 5m, or off")
        }
        guard (parseDuration(accountingSampleInterval) ?? 0) > 0 else { throw ValidationError("--accounting-sample-interval must be a duration such as 10s") }
        _ = try accountingConfig()
        do { _ = try RollupPolicy.parse(levels: rollupLevels, retention: retention) } catch {
            throw ValidationError("--rollup-levels/--retention: \(error)")
        }
        for (flag, v) in [("--lp-udp-addr", lpUDPAddr), ("--lp-tcp-addr", lpTCPAddr), ("--collectd-addr", collectdAddr), ("--graphite-addr", graphiteAddr)] {
            guard v == "off" || parseHostPort(v) != nil else { throw ValidationError("\(flag) must be HOST:PORT or off") }
        }
        for (flag, v) in [("--lp-db", lpDB), ("--collectd-db", collectdDB), ("--graphite-db", graphiteDB)] {
            guard !v.isEmpty else { throw ValidationError("\(flag) must not be empty") }
        }
        _ = try authenticator()
        _ = try tlsConfiguration()
        for (flag, v) in [("--http-header-timeout", httpHeaderTimeout), ("--http-idle-timeout", httpIdleTimeout)] {
            guard (parseDuration(v) ?? 0) > 0 else { throw ValidationError("\(flag) must be a duration such as 10s") }
        }
        guard udpBufferSize >= 0, udpQueueSize > 0 else { throw ValidationError("--udp-buffer-size must be >= 0 and --udp-queue-size > 0") }
        if collectdAddr != "off" {
            _ = try collectdSetup()
        }
        if graphiteAddr != "off" {
            do { _ = try GraphiteParser(templates: graphiteTemplates.isEmpty ? GraphiteTemplateMatcher.defaultSpecifications : graphiteTemplates,
                                        separator: graphiteSeparator) } catch { throw ValidationError("--graphite-template: \(error)") }
        }
    }

    /// The credentials when `--auth-enabled`; refuses to start without a usable credentials file.
    func authenticator() throws -> Authenticator? {
        guard authEnabled else {
            if authFile != nil { throw ValidationError("--auth-file is given but --auth-enabled is not true; refusing to start open") }
            return nil
        }
        guard let path = authFile, !path.isEmpty else {
            throw ValidationError("--auth-enabled needs --auth-file with at least one credential; refusing to start")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ValidationError("--auth-file: cannot read \(path)") }
        do { return Authenticator(try CredentialFile(parsing: text)) } catch {
            throw ValidationError("--auth-file \(path): \(error); refusing to start")
        }
    }

    /// TLS for the HTTP API when --tls-cert and --tls-key are given.
    func tlsConfiguration() throws -> TLSConfiguration? {
        switch (tlsCert, tlsKey) {
        case (nil, nil): return nil
        case (let c?, let k?):
            do {
                let chain = try NIOSSLCertificate.fromPEMFile(c)
                guard !chain.isEmpty else { throw ValidationError("--tls-cert \(c): no certificate in the file") }
                let key = try NIOSSLPrivateKey(file: k, format: .pem)
                return TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            } catch let e as ValidationError {
                throw e
            } catch {
                throw ValidationError("--tls-cert/--tls-key: cannot load \(c) and \(k): \(error)")
            }
        default:
            throw ValidationError("--tls-cert and --tls-key go together")
        }
    }

    /// The collectd parser and types table the flags describe, or a ValidationError saying why not.
    func collectdSetup() throws -> (CollectdParser, TypesDB, String) {
        let level: SecurityLevel
        switch collectdSecurityLevel {
        case "none": level = .none
        case "sign": level = .sign
        case "encrypt": level = .encrypt
        default: throw ValidationError("--collectd-security-level must be none, sign or encrypt")
        }
        var auth: CollectdAuth? = nil
        if let f = collectdAuthFile {
            guard let text = try? String(contentsOfFile: f, encoding: .utf8) else { throw ValidationError("--collectd-auth-file: cannot read \(f)") }
            auth = CollectdAuth(file: text)
        } else if level != .none {
            throw ValidationError("--collectd-security-level \(collectdSecurityLevel) needs --collectd-auth-file (the users' passwords); refusing to start")
        }
        var typesDB = TypesDB.builtin
        var typesSource = "built-in"
        if let f = collectdTypesDB {
            guard let t = TypesDB(contentsOfFile: f) else { throw ValidationError("--collectd-typesdb: cannot read \(f)") }
            typesDB = typesDB.merging(t)
            typesSource = f
        } else if FileManager.default.fileExists(atPath: "/usr/share/collectd/types.db"), let t = TypesDB(contentsOfFile: "/usr/share/collectd/types.db") {
            typesDB = typesDB.merging(t)
            typesSource = "/usr/share/collectd/types.db"
        }
        return (CollectdParser(securityLevel: level, auth: auth), typesDB, typesSource)
    }

    func run() async throws {
        var logger = Logger(label: "tsdbd")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        var opts = EngineOptions()
        opts.syncPolicy = SyncPolicy(parsing: fsync)!
        opts.maxSeriesPerDatabase = maxSeries
        opts.createDatabaseOnWrite = createDatabaseOnWrite
        opts.rollups = try RollupPolicy.parse(levels: rollupLevels, retention: retention)
        if let path = config ?? env("CONFIG") {
            let file = try ConfigFile.parse(String(decoding: try FileSystem.posix.readFile(path), as: UTF8.self))
            opts.databaseRollups = try ConfigFile.databasePolicies(file, defaults: (rollupLevels, retention))
        }
        let engineLogger = logger
        opts.log = { level, msg in
            switch level {
            case .debug: engineLogger.debug("\(msg)")
            case .info: engineLogger.info("\(msg)")
            case .warning: engineLogger.warning("\(msg)")
            case .error: engineLogger.error("\(msg)")
            }
        }
        // One registry for the daemon's metrics and whatever libraries report through swift-metrics.
        let counters = Counters()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: counters.registry))
        opts.walObserver = counters.walObserver
        logger.info("opening data directory", metadata: ["path": "\(dataDir)", "fsync": "\(opts.syncPolicy)"])
        let engine = try Engine(path: dataDir, options: opts)
        let r = engine.replayReport
        logger.info("engine open", metadata: ["wal_records_replayed": "\(r.records)", "wal_bytes_replayed": "\(r.bytes)",
                                               "databases": "\(engine.databaseNames())"])
        let (host, port) = parseHostPort(httpAddr)!
        let startLogger = logger
        let addr = httpAddr
        let limits = HTTPLimits(maxBodySize: maxBodySize, maxLineLength: maxLineLength, maxTagsPerPoint: maxTagsPerPoint)
        var api = HTTPAPI(engine: engine, limits: limits, logger: logger, counters: counters)
        api.accounting = try accountingConfig()
        api.accountingStateDir = dataDir + "/accounting"
        // POST /collectd (write_http) writes to --collectd-db with the listener's types.db.
        api.collectdDatabase = collectdDB
        api.collectdTypesDB = (try? collectdSetup())?.1 ?? TypesDB.builtin
        let listeners: [any Service]
        do {
            listeners = try await startListeners(engine: engine, counters: counters, logger: logger)
        } catch {
            logger.error("cannot start listeners: \(error)")
            try? engine.close()
            throw error
        }
        api.authenticator = try authenticator()
        let first = TimeAmount.nanoseconds(parseDuration(httpHeaderTimeout)!)
        let idle = TimeAmount.nanoseconds(parseDuration(httpIdleTimeout)!)
        let http1 = HTTPServerBuilder.http1(configuration: .init(additionalChannelHandlers: [
            ExpectContinueHandler(),
            RequestHeadTimeoutHandler(first: first, idle: idle, onTimeout: { counters.addHeaderTimeout() }),
        ]))
        let tls = try tlsConfiguration()
        let scheme = tls == nil ? "http" : "https"
        let auth = api.authenticator == nil ? "off" : "on (\(api.authenticator!.credentials.count) credentials)"
        let app = Application(
            router: api.router(),
            server: try tls.map { try .tls(http1, tlsConfiguration: $0) } ?? http1,
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                startLogger.info("listening", metadata: [scheme: "\(channel.localAddress.map { "\($0)" } ?? addr)", "auth": "\(auth)"])
            },
            logger: logger)
        // Services stop in reverse order: the HTTP server first (stop accepting, drain), then the
        // listeners (stop accepting, write what they hold), then the engine.
        var jobs: [any Service] = []
        if accountingInterval != "off", let every = parseDuration(accountingInterval) {
            let job = try AccountingJob(engine: engine, config: try accountingConfig(), stateDir: dataDir + "/accounting")
            jobs.append(AccountingService(job: job, interval: .nanoseconds(every), logger: logger))
        }
        let group = ServiceGroup(
            configuration: .init(services: [EngineService(engine: engine, logger: logger)] + listeners + jobs + [app],
                                 gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

extension TSDBD {
    /// The accounting configuration the flags describe (the mapping file is read here).
    func accountingConfig() throws -> AccountingConfig {
        var c = AccountingConfig()
        c.database = accountingDB
        c.interval = parseDuration(accountingSampleInterval) ?? 10_000_000_000
        if !accountingMapping.isEmpty {
            guard let text = try? String(contentsOfFile: accountingMapping, encoding: .utf8) else {
                throw ValidationError("--accounting-mapping: cannot read \(accountingMapping)")
            }
            do { c.mapping = try MappingFile.parse(text) } catch { throw ValidationError("--accounting-mapping: \(error)") }
        }
        return c
    }

    /// Binds every enabled listener (a bind failure stops the start) and returns their services.
    func startListeners(engine: Engine, counters: Counters, logger: Logger) async throws -> [any Service] {
        var services: [any Service] = []
        var bound: [any Channel] = []
        do {
            let lp = LineProtocolInput(database: lpDB, maxLineLength: maxLineLength, maxTagsPerPoint: maxTagsPerPoint)
            if let (host, port) = parseHostPort(lpUDPAddr), lpUDPAddr != "off" {
                let sink = Sink(engine: engine, counters: counters, protocolName: "lp_udp", logger: logger)
                let queue = WriteQueue(sink: sink, maxPending: udpQueueSize)
                let ch = try await UDPListener.bind(host: host, port: port, receiveBufferSize: udpBufferSize) { raw in
                    counters.addPacket(protocolName: "lp_udp")
                    let (batches, errors) = lp.batches(raw)
                    sink.parseErrors(errors)
                    for b in batches { queue.submit(b) }
                }
                bound.append(ch)
                logger.info("listening", metadata: ["lp_udp": "\(ch.localAddress.map { "\($0)" } ?? lpUDPAddr)", "db": "\(lpDB)"])
                services.append(UDPListener(name: "lp_udp", channel: ch, queue: queue, logger: logger))
            }
            if let (host, port) = parseHostPort(collectdAddr), collectdAddr != "off" {
                let (parser, typesDB, typesSource) = try collectdSetup()
                let input = CollectdInput(database: collectdDB, parser: parser, typesDB: typesDB)
                let sink = Sink(engine: engine, counters: counters, protocolName: "collectd", logger: logger)
                let queue = WriteQueue(sink: sink, maxPending: udpQueueSize)
                let ch = try await UDPListener.bind(host: host, port: port, receiveBufferSize: udpBufferSize) { raw in
                    counters.addPacket(protocolName: "collectd")
                    let (batch, failure) = input.batch(raw)
                    if let f = failure {
                        sink.parseErrors(1)
                        logger.debug("collectd packet refused", metadata: ["error": "\(f)"])
                    }
                    queue.submit(batch)
                }
                bound.append(ch)
                logger.info("listening", metadata: ["collectd": "\(ch.localAddress.map { "\($0)" } ?? collectdAddr)", "db": "\(collectdDB)",
                                                    "security_level": "\(collectdSecurityLevel)", "typesdb": "\(typesSource)"])
                services.append(UDPListener(name: "collectd", channel: ch, queue: queue, logger: logger))
            }
            if let (host, port) = parseHostPort(lpTCPAddr), lpTCPAddr != "off" {
                let sink = Sink(engine: engine, counters: counters, protocolName: "lp_tcp", logger: logger)
                let maxLine = maxLineLength
                let server = try await TCPListener.bind(host: host, port: port)
                bound.append(server.channel)
                logger.info("listening", metadata: ["lp_tcp": "\(server.channel.localAddress.map { "\($0)" } ?? lpTCPAddr)", "db": "\(lpDB)"])
                services.append(TCPListener(name: "lp_tcp", server: server, counters: counters, logger: logger) { conn in
                    var framer = LineFramer(maxLineLength: maxLine)
                    func ingest(_ bytes: [UInt8]) async {
                        let (batches, errors) = bytes.withUnsafeBytes { lp.batches($0) }
                        sink.parseErrors(errors)
                        for b in batches { await sink.write(b) }  // awaited: a slow disk slows the sender
                    }
                    try await conn.executeThenClose { inbound in
                        for try await chunk in inbound {
                            var tooLong = 0
                            let lines = chunk.withUnsafeReadableBytes { framer.feed($0, tooLong: &tooLong) }
                            sink.parseErrors(tooLong)
                            if !lines.isEmpty { await ingest(lines) }
                        }
                    }
                    let rest = framer.finish()
                    if !rest.isEmpty { await ingest(rest) }
                })
            }
            if let (host, port) = parseHostPort(graphiteAddr), graphiteAddr != "off" {
                let parser = try GraphiteParser(templates: graphiteTemplates.isEmpty ? GraphiteTemplateMatcher.defaultSpecifications : graphiteTemplates,
                                                separator: graphiteSeparator)
                let input = GraphiteInput(database: graphiteDB, parser: parser, maxLineLength: maxLineLength)
                let sink = Sink(engine: engine, counters: counters, protocolName: "graphite", logger: logger)
                let maxLine = maxLineLength
                let server = try await TCPListener.bind(host: host, port: port)
                bound.append(server.channel)
                logger.info("listening", metadata: ["graphite": "\(server.channel.localAddress.map { "\($0)" } ?? graphiteAddr)", "db": "\(graphiteDB)"])
                services.append(TCPListener(name: "graphite", server: server, counters: counters, logger: logger) { conn in
                    var framer = LineFramer(maxLineLength: maxLine)
                    func ingest(_ bytes: [UInt8]) async {
                        let (batch, errors, first) = input.batch(bytes)
                        if let e = first { sink.errorLog.warning(logger, "graphite: \(errors) lines refused, first: \(e)") }
                        sink.parseErrors(errors)
                        await sink.write(batch)
                    }
                    try await conn.executeThenClose { inbound in
                        for try await chunk in inbound {
                            var tooLong = 0
                            let lines = chunk.withUnsafeReadableBytes { framer.feed($0, tooLong: &tooLong) }
                            sink.parseErrors(tooLong)
                            if !lines.isEmpty { await ingest(lines) }
                        }
                    }
                    let rest = framer.finish()
                    if !rest.isEmpty { await ingest(rest) }
                })
            }
        } catch {
            for ch in bound { try? await ch.close() }
            throw error
        }
        return services
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
