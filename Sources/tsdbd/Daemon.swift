import CollectdProtocol
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import TSAccounting
import TSAuth
import TSEngine
import TSIngest
import TSSupport

/// The composition root: builds each subsystem once from the settings, then runs them as one
/// service group. Everything that reads a file named by a setting (credentials, certificates,
/// types.db, the accounting mapping) is read in `init`, so a bad file stops the start before
/// anything is bound or opened.
struct Daemon {
    let config: DaemonConfig
    let logger: Logger
    let authenticator: Authenticator?
    let tls: TLSConfiguration?
    /// collectd over UDP (with its security level) and `POST /collectd`.
    let collectd: CollectdIngester
    let collectdTypesSource: String
    let accounting: AccountingConfig
    /// Where the accounting job keeps its watermark.
    var accountingStateDir: String { config.dataDir + "/accounting" }

    init(_ config: DaemonConfig) throws {
        self.config = config
        var logger = Logger(label: "tsdbd")
        logger.logLevel = config.logLevel
        self.logger = logger
        authenticator = try Self.authenticator(config)
        tls = try Self.tlsConfiguration(config)
        (collectd, collectdTypesSource) = try Self.collectd(config)
        accounting = try Self.accounting(config)
    }

    // MARK: - Subsystems from settings

    static func authenticator(_ c: DaemonConfig) throws -> Authenticator? {
        guard let path = c.authFile else { return nil }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw DaemonConfig.Invalid("--auth-file: cannot read \(path)") }
        do { return Authenticator(try CredentialFile(parsing: text)) } catch {
            throw DaemonConfig.Invalid("--auth-file \(path): \(error); refusing to start")
        }
    }

    static func tlsConfiguration(_ c: DaemonConfig) throws -> TLSConfiguration? {
        guard let (cert, key) = c.http.tls else { return nil }
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(cert)
            guard !chain.isEmpty else { throw DaemonConfig.Invalid("--tls-cert \(cert): no certificate in the file") }
            let k = try NIOSSLPrivateKey(file: key, format: .pem)
            return TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(k))
        } catch let e as DaemonConfig.Invalid {
            throw e
        } catch {
            throw DaemonConfig.Invalid("--tls-cert/--tls-key: cannot load \(cert) and \(key): \(error)")
        }
    }

    /// The collectd parser (security level, users) and types table, and where the types came from.
    static func collectd(_ c: DaemonConfig) throws -> (CollectdIngester, String) {
        var auth: CollectdAuth? = nil
        if let f = c.collectd.files.auth {
            guard let text = try? String(contentsOfFile: f, encoding: .utf8) else { throw DaemonConfig.Invalid("--collectd-auth-file: cannot read \(f)") }
            auth = CollectdAuth(file: text)
        }
        var typesDB = TypesDB.builtin
        var source = "built-in"
        let system = "/usr/share/collectd/types.db"
        if let f = c.collectd.files.typesDB {
            guard let t = TypesDB(contentsOfFile: f) else { throw DaemonConfig.Invalid("--collectd-typesdb: cannot read \(f)") }
            typesDB = typesDB.merging(t)
            source = f
        } else if FileManager.default.fileExists(atPath: system), let t = TypesDB(contentsOfFile: system) {
            typesDB = typesDB.merging(t)
            source = system
        }
        let parser = CollectdParser(securityLevel: c.collectd.securityLevel, auth: auth)
        return (CollectdIngester(database: c.collectd.database, parser: parser, typesDB: typesDB), source)
    }

    static func accounting(_ c: DaemonConfig) throws -> AccountingConfig {
        var a = AccountingConfig()
        a.database = c.accounting.database
        a.interval = c.accounting.sampleInterval
        if let path = c.accounting.mapping {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw DaemonConfig.Invalid("--accounting-mapping: cannot read \(path)")
            }
            do { a.mapping = try MappingFile.parse(text) } catch { throw DaemonConfig.Invalid("--accounting-mapping: \(error)") }
        }
        return a
    }

    // MARK: - Running

    func run() async throws {
        let logger = self.logger
        var opts = config.engine
        opts.log = { level, msg in
            switch level {
            case .debug: logger.debug("\(msg)")
            case .info: logger.info("\(msg)")
            case .warning: logger.warning("\(msg)")
            case .error: logger.error("\(msg)")
            }
        }
        // One registry for the daemon's metrics and whatever libraries report through swift-metrics.
        let counters = Counters()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: counters.registry))
        opts.walObserver = counters.walObserver
        logger.info("opening data directory", metadata: ["path": "\(config.dataDir)", "fsync": "\(opts.syncPolicy)",
                                                         "config": "\(config.configFile ?? "none")"])
        let engine = try Engine(path: config.dataDir, options: opts)
        TSDBD.releaseFreeHeap()
        let r = engine.replayReport
        logger.info("engine open", metadata: ["wal_records_replayed": "\(r.records)", "wal_bytes_replayed": "\(r.bytes)",
                                               "databases": "\(engine.databaseNames())"])
        let api = HTTPAPI(daemon: self, engine: engine, counters: counters)
        let listeners: [any Service]
        do {
            listeners = try await Listeners(daemon: self, engine: engine, counters: counters).bind()
        } catch {
            logger.error("cannot start listeners: \(error)")
            try? engine.close()
            throw error
        }
        let http1 = HTTPServerBuilder.http1(configuration: .init(additionalChannelHandlers: [
            ExpectContinueHandler(),
            RequestHeadTimeoutHandler(first: .nanoseconds(config.http.timeouts.header), idle: .nanoseconds(config.http.timeouts.idle),
                                      onTimeout: { counters.addHeaderTimeout() }),
        ]))
        let scheme = tls == nil ? "http" : "https"
        let auth = authenticator.map { "on (\($0.credentials.count) credentials)" } ?? "off"
        let addr = config.http.addr
        let app = Application(
            router: api.router(),
            server: try tls.map { try .tls(http1, tlsConfiguration: $0) } ?? http1,
            configuration: .init(address: .hostname(addr.host, port: addr.port), serverName: nil),
            onServerRunning: { channel in
                logger.info("listening", metadata: [scheme: "\(channel.localAddress.map { "\($0)" } ?? "\(addr)")", "auth": "\(auth)"])
            },
            logger: logger)
        // Services stop in reverse order: the HTTP server first (stop accepting, drain), then the
        // listeners (stop accepting, write what they hold), then the engine.
        var jobs: [any Service] = []
        if let every = config.accounting.interval {
            let job = try AccountingJob(engine: engine, config: accounting, stateDir: accountingStateDir)
            jobs.append(AccountingService(job: job, interval: .nanoseconds(every), logger: logger))
        }
        let group = ServiceGroup(
            configuration: .init(services: [EngineService(engine: engine, logger: logger)] + listeners + jobs + [app],
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
