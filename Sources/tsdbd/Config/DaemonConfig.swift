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

    var dataDir: String
    var httpAddr: HostPort
    var syncPolicy: SyncPolicy
    var limits: HTTPLimits
    var maxSeriesPerDatabase: Int
    var createDatabaseOnWrite: Bool
    var lineProtocolUDP: HostPort?
    var lineProtocolTCP: HostPort?
    var lineProtocolDatabase: String
    var collectdAddr: HostPort?
    var collectdDatabase: String
    var collectdSecurityLevel: SecurityLevel
    var collectdAuthFile: String?
    var collectdTypesDB: String?
    var graphiteAddr: HostPort?
    var graphiteDatabase: String
    /// The templates, compiled (the defaults when none are given).
    var graphiteParser: GraphiteParser
    var udpBufferSize: Int
    var udpQueueSize: Int
    var rollups: RollupPolicy
    var databaseRollups: [String: RollupPolicy]
    /// Nanoseconds between accounting runs; nil when off.
    var accountingInterval: Int64?
    var accountingDatabase: String
    var accountingSampleInterval: Int64
    var accountingMapping: String?
    var authEnabled: Bool
    var authFile: String?
    var tlsCert: String?
    var tlsKey: String?
    var httpHeaderTimeout: Int64
    var httpIdleTimeout: Int64
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
            config.databaseRollups = try ConfigFile.databasePolicies(file, defaults: config.rollups)
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

    init(_ s: SettingsReader) throws {
        typealias K = DaemonSettings
        dataDir = try s.required(K.dataDir)
        httpAddr = try s.address(K.httpAddr, allowOff: false)!
        let fsync = try s.required(K.fsync)
        guard let policy = SyncPolicy(parsing: fsync) else { throw Invalid("--fsync must be always, none or interval:DURATION (e.g. interval:100ms)") }
        syncPolicy = policy
        limits = HTTPLimits(maxBodySize: try s.int(K.maxBodySize, atLeast: 1), maxLineLength: try s.int(K.maxLineLength, atLeast: 1),
                            maxTagsPerPoint: try s.int(K.maxTagsPerPoint, atLeast: 0))
        maxSeriesPerDatabase = try s.int(K.maxSeries, atLeast: 0)
        createDatabaseOnWrite = try s.bool(K.createDatabaseOnWrite)
        lineProtocolUDP = try s.address(K.lpUDPAddr)
        lineProtocolTCP = try s.address(K.lpTCPAddr)
        lineProtocolDatabase = try s.required(K.lpDB)
        collectdAddr = try s.address(K.collectdAddr)
        collectdDatabase = try s.required(K.collectdDB)
        switch try s.required(K.collectdSecurityLevel) {
        case "none": collectdSecurityLevel = .none
        case "sign": collectdSecurityLevel = .sign
        case "encrypt": collectdSecurityLevel = .encrypt
        default: throw Invalid("--collectd-security-level must be none, sign or encrypt")
        }
        collectdAuthFile = s.path(K.collectdAuthFile)
        if collectdSecurityLevel != .none && collectdAuthFile == nil && collectdAddr != nil {
            throw Invalid("--collectd-security-level \(collectdSecurityLevel) needs --collectd-auth-file (the users' passwords); refusing to start")
        }
        collectdTypesDB = s.path(K.collectdTypesDB)
        graphiteAddr = try s.address(K.graphiteAddr)
        graphiteDatabase = try s.required(K.graphiteDB)
        let templates = s.list(K.graphiteTemplate)
        do {
            graphiteParser = try GraphiteParser(templates: templates.isEmpty ? GraphiteTemplateMatcher.defaultSpecifications : templates,
                                                separator: s.string(K.graphiteSeparator) ?? ".")
        } catch {
            throw Invalid("--graphite-template: \(error)")
        }
        udpBufferSize = try s.int(K.udpBufferSize, atLeast: 0)
        udpQueueSize = try s.int(K.udpQueueSize, atLeast: 1)
        do {
            rollups = try RollupPolicy.parse(levels: s.string(K.rollupLevels) ?? "", retention: s.string(K.retention) ?? "")
        } catch {
            throw Invalid("--rollup-levels/--retention: \(error)")
        }
        databaseRollups = [:]
        let every = try s.required(K.accountingInterval)
        if every == "off" {
            accountingInterval = nil
        } else {
            guard let ns = parseDuration(every), ns > 0 else { throw Invalid("--accounting-interval must be a duration such as 5m, or off") }
            accountingInterval = ns
        }
        accountingDatabase = try s.required(K.accountingDB)
        accountingSampleInterval = try s.duration(K.accountingSampleInterval)
        accountingMapping = s.path(K.accountingMapping)
        authEnabled = try s.bool(K.authEnabled)
        authFile = s.path(K.authFile)
        if authEnabled && authFile == nil {
            throw Invalid("--auth-enabled needs --auth-file with at least one credential; refusing to start")
        }
        if !authEnabled && authFile != nil {
            throw Invalid("--auth-file is given but --auth-enabled is not true; refusing to start open")
        }
        tlsCert = s.path(K.tlsCert)
        tlsKey = s.path(K.tlsKey)
        if (tlsCert == nil) != (tlsKey == nil) { throw Invalid("--tls-cert and --tls-key go together") }
        httpHeaderTimeout = try s.duration(K.httpHeaderTimeout)
        httpIdleTimeout = try s.duration(K.httpIdleTimeout)
        let level = try s.required(K.logLevel)
        guard let l = Logger.Level(rawValue: level) else { throw Invalid("--log-level: unknown level \(level)") }
        logLevel = l
    }

    /// Parses `HOST:PORT` (`[::1]:8086` for IPv6; an empty host is every address).
    static func parseHostPort(_ s: String) -> HostPort? {
        guard let i = s.lastIndex(of: ":"), let port = Int(s[s.index(after: i)...]), (0...65535).contains(port) else { return nil }
        var host = String(s[..<i])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return HostPort(host: host.isEmpty ? "0.0.0.0" : host, port: port)
    }

    /// The engine's options for these settings.
    func engineOptions() -> EngineOptions {
        var o = EngineOptions()
        o.syncPolicy = syncPolicy
        o.maxSeriesPerDatabase = maxSeriesPerDatabase
        o.createDatabaseOnWrite = createDatabaseOnWrite
        o.rollups = rollups
        o.databaseRollups = databaseRollups
        return o
    }
}

extension DaemonSetting {
    /// The key under which a setting is looked up (`tsdbd.data-dir`, i.e. `TSDBD_DATA_DIR`).
    var configKey: ConfigKey { ConfigKey(["tsdbd", name]) }
}
