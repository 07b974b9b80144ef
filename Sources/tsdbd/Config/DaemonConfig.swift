import CollectdProtocol
import Configuration
import GraphiteProtocol
import Logging
import TSEngine
import TSSupport

/// Everything tsdbd is configured with: one immutable value, read once at startup from flags,
/// `TSDBD_*` environment variables and the `--config` TOML file, in that order of precedence,
/// then the built-in defaults (docs/configuration.md). Every value is parsed and checked here;
/// `Daemon` builds each subsystem once from it.
struct DaemonConfig: Sendable {
    struct HostPort: Sendable, Equatable, CustomStringConvertible {
        var host: String
        var port: Int
        var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// A setting that cannot be used: the message names the flag and what is wrong.
    struct Invalid: Error, CustomStringConvertible {
        let message: String
        init(_ message: String) { self.message = message }
        var description: String { message }
    }

    /// The HTTP API: where, how large a body, when to give up on a slow client, TLS.
    struct HTTPSettings: Sendable {
        var addr: HostPort
        var limits: HTTPLimits
        /// Nanoseconds until a connection's first request head, and between requests.
        var timeouts: (header: Int64, idle: Int64)
        var tls: (cert: String, key: String)?
    }

    /// Line protocol over UDP and TCP, into one database.
    struct LineProtocolSettings: Sendable {
        var udp: HostPort?
        var tcp: HostPort?
        var database: String
    }

    /// collectd's binary protocol over UDP (and the database of `POST /collectd`).
    struct CollectdSettings: Sendable {
        var addr: HostPort?
        var database: String
        var securityLevel: SecurityLevel
        /// The users' passwords (AuthFile) and types.db, when given.
        var files: (auth: String?, typesDB: String?)
    }

    /// Graphite plaintext over TCP, through compiled templates.
    struct GraphiteSettings: Sendable {
        var addr: HostPort?
        var database: String
        var parser: GraphiteParser
    }

    /// The accounting job: how often (nil: off), over which database, the agents' interval, the
    /// mapping file for VMs without `vm_info`.
    struct AccountingSettings: Sendable {
        var interval: Int64?
        var database: String
        var sampleInterval: Int64
        var mapping: String?
    }

    var dataDir: String
    /// The engine's options (fsync, series limit, database creation, rollups).
    var engine: EngineOptions
    var http: HTTPSettings
    /// The credentials file, when authentication is on.
    var authFile: String?
    var lineProtocol: LineProtocolSettings
    var collectd: CollectdSettings
    var graphite: GraphiteSettings
    /// SO_RCVBUF of UDP sockets (0: the system's) and the samples a UDP listener may queue.
    var udp: (bufferSize: Int, queueSize: Int)
    var accounting: AccountingSettings
    var logLevel: Logger.Level
    /// The `--config` file, when one was read.
    var configFile: String?

    /// Reads the settings. `flags` are the ones given on the command line (name → value; lists
    /// as `[String]`), `environment` the process environment, and `configFile` the `--config`
    /// path (or `TSDBD_CONFIG`).
    static func load(flags: [String: ConfigContent], environment: [String: String], configFile: String?,
                     fileSystem fs: FileSystem = .posix) throws -> DaemonConfig {
        var file = ConfigFile.Contents()
        let path = configFile ?? environment["TSDBD_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        if let path {
            do {
                file = try ConfigFile.parse(String(decoding: try fs.readFile(path), as: UTF8.self))
                let known = Set(DaemonSettings.all.map(\.name))
                for k in file.top.keys.sorted() where !known.contains(k) {
                    throw ConfigFile.ParseError(line: 0, message: "unknown key '\(k)' (keys are tsdbd's flag names)")
                }
            } catch {
                throw Invalid("--config \(path): \(error)")
            }
        }
        func values(_ d: [String: ConfigContent]) -> [AbsoluteConfigKey: ConfigValue] {
            var out: [AbsoluteConfigKey: ConfigValue] = [:]
            for (k, v) in d { out[AbsoluteConfigKey(["tsdbd", k])] = ConfigValue(v, isSecret: false) }
            return out
        }
        let reader = ConfigReader(providers: [
            InMemoryProvider(name: "flags", values: values(flags)),
            EnvironmentVariablesProvider(environmentVariables: environment, arraySeparator: ";"),
            InMemoryProvider(name: "file", values: values(file.top.mapValues(\.content))),
        ])
        var config = try DaemonConfig(SettingsReader(reader: reader))
        config.configFile = path
        do {
            config.engine.databaseRollups = try ConfigFile.databasePolicies(file, defaults: config.engine.rollups)
        } catch {
            throw Invalid("--config \(path ?? ""): \(error)")
        }
        return config
    }

    /// Typed access to the merged settings, with errors that name the flag.
    struct SettingsReader {
        let reader: ConfigReader

        func string(_ k: DaemonSetting) -> String? {
            reader.string(forKey: k.configKey) ?? k.defaultValue
        }

        func list(_ k: DaemonSetting) -> [String] {
            reader.stringArray(forKey: k.configKey) ?? []
        }

        func required(_ k: DaemonSetting) throws -> String {
            guard let v = string(k), !v.isEmpty else { throw Invalid("--\(k.name) must not be empty") }
            return v
        }

        func int(_ k: DaemonSetting, atLeast low: Int) throws -> Int {
            let v = try required(k)
            guard let n = Int(v), n >= low else { throw Invalid("--\(k.name) must be an integer ≥ \(low), not '\(v)'") }
            return n
        }

        func bool(_ k: DaemonSetting) throws -> Bool {
            switch try required(k) {
            case "true": return true
            case "false": return false
            case let v: throw Invalid("--\(k.name) must be true or false, not '\(v)'")
            }
        }

        func duration(_ k: DaemonSetting) throws -> Int64 {
            let v = try required(k)
            guard let ns = parseDuration(v), ns > 0 else { throw Invalid("--\(k.name) must be a duration such as 10s, not '\(v)'") }
            return ns
        }

        func address(_ k: DaemonSetting, allowOff: Bool = true) throws -> HostPort? {
            let v = try required(k)
            if allowOff && v == "off" { return nil }
            guard let hp = DaemonConfig.parseHostPort(v) else { throw Invalid("--\(k.name) must be HOST:PORT\(allowOff ? " or off" : ""), not '\(v)'") }
            return hp
        }

        func path(_ k: DaemonSetting) -> String? { string(k).flatMap { $0.isEmpty ? nil : $0 } }
    }

    /// Parses `--compaction-tiers`: `none`, or ascending durations that are multiples of the block range.
    static func tiers(_ text: String, blockRange: Int64) throws -> [Int64] {
        if text == "none" || text.isEmpty { return [] }
        var out: [Int64] = []
        for part in text.split(separator: ",") {
            let p = String(part.filter { $0 != " " })
            guard let d = parseDuration(p), d > blockRange, d % blockRange == 0, d > (out.last ?? 0) else {
                throw Invalid("--compaction-tiers: '\(p)' must be a duration that is a multiple of \(formatDuration(blockRange)), larger than it and than the tier before (e.g. 1d,7d), or none")
            }
            out.append(d)
        }
        return out
    }

    init(_ s: SettingsReader) throws {
        typealias K = DaemonSettings
        dataDir = try s.required(K.dataDir)
        engine = EngineOptions()
        let fsync = try s.required(K.fsync)
        guard let policy = SyncPolicy(parsing: fsync) else { throw Invalid("--fsync must be always, none or interval:DURATION (e.g. interval:100ms)") }
        engine.syncPolicy = policy
        engine.maxSeriesPerDatabase = try s.int(K.maxSeries, atLeast: 0)
        engine.createDatabaseOnWrite = try s.bool(K.createDatabaseOnWrite)
        do {
            engine.rollups = try RollupPolicy.parse(levels: s.string(K.rollupLevels) ?? "", retention: s.string(K.retention) ?? "")
        } catch {
            throw Invalid("--rollup-levels/--retention: \(error)")
        }
        engine.compactionTiers = try Self.tiers(try s.required(K.compactionTiers), blockRange: engine.blockRange)
        let limits = HTTPLimits(maxBodySize: try s.int(K.maxBodySize, atLeast: 1), maxLineLength: try s.int(K.maxLineLength, atLeast: 1),
                                maxTagsPerPoint: try s.int(K.maxTagsPerPoint, atLeast: 0))
        let (cert, key) = (s.path(K.tlsCert), s.path(K.tlsKey))
        if (cert == nil) != (key == nil) { throw Invalid("--tls-cert and --tls-key go together") }
        http = HTTPSettings(addr: try s.address(K.httpAddr, allowOff: false)!, limits: limits,
                            timeouts: (try s.duration(K.httpHeaderTimeout), try s.duration(K.httpIdleTimeout)),
                            tls: cert.flatMap { c in key.map { (c, $0) } })
        let authEnabled = try s.bool(K.authEnabled)
        authFile = s.path(K.authFile)
        if authEnabled && authFile == nil {
            throw Invalid("--auth-enabled needs --auth-file with at least one credential; refusing to start")
        }
        if !authEnabled && authFile != nil {
            throw Invalid("--auth-file is given but --auth-enabled is not true; refusing to start open")
        }
        lineProtocol = LineProtocolSettings(udp: try s.address(K.lpUDPAddr), tcp: try s.address(K.lpTCPAddr), database: try s.required(K.lpDB))
        let level: SecurityLevel
        switch try s.required(K.collectdSecurityLevel) {
        case "none": level = .none
        case "sign": level = .sign
        case "encrypt": level = .encrypt
        default: throw Invalid("--collectd-security-level must be none, sign or encrypt")
        }
        collectd = CollectdSettings(addr: try s.address(K.collectdAddr), database: try s.required(K.collectdDB), securityLevel: level,
                                    files: (s.path(K.collectdAuthFile), s.path(K.collectdTypesDB)))
        if level != .none && collectd.files.auth == nil && collectd.addr != nil {
            throw Invalid("--collectd-security-level \(level) needs --collectd-auth-file (the users' passwords); refusing to start")
        }
        let templates = s.list(K.graphiteTemplate)
        do {
            let parser = try GraphiteParser(templates: templates.isEmpty ? GraphiteTemplateMatcher.defaultSpecifications : templates,
                                            separator: s.string(K.graphiteSeparator) ?? ".")
            graphite = GraphiteSettings(addr: try s.address(K.graphiteAddr), database: try s.required(K.graphiteDB), parser: parser)
        } catch let e as Invalid {
            throw e
        } catch {
            throw Invalid("--graphite-template: \(error)")
        }
        udp = (try s.int(K.udpBufferSize, atLeast: 0), try s.int(K.udpQueueSize, atLeast: 1))
        let every = try s.required(K.accountingInterval)
        var interval: Int64? = nil
        if every != "off" {
            guard let ns = parseDuration(every), ns > 0 else { throw Invalid("--accounting-interval must be a duration such as 5m, or off") }
            interval = ns
        }
        accounting = AccountingSettings(interval: interval, database: try s.required(K.accountingDB),
                                        sampleInterval: try s.duration(K.accountingSampleInterval), mapping: s.path(K.accountingMapping))
        let logLevel = try s.required(K.logLevel)
        guard let l = Logger.Level(rawValue: logLevel) else { throw Invalid("--log-level: unknown level \(logLevel)") }
        self.logLevel = l
    }

    /// Parses `HOST:PORT` (`[::1]:8086` for IPv6; an empty host is every address).
    static func parseHostPort(_ s: String) -> HostPort? {
        guard let i = s.lastIndex(of: ":"), let port = Int(s[s.index(after: i)...]), (0...65535).contains(port) else { return nil }
        var host = String(s[..<i])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return HostPort(host: host.isEmpty ? "0.0.0.0" : host, port: port)
    }
}

extension DaemonSetting {
    /// The key under which a setting is looked up (`tsdbd.data-dir`, i.e. `TSDBD_DATA_DIR`).
    var configKey: ConfigKey { ConfigKey(["tsdbd", name]) }
}
