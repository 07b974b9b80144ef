/// One setting of tsdbd: its name (the flag without `--`, the TOML key, and, upper-cased with
/// `_` for `-` and a `TSDBD_` prefix, the environment variable), its default and its help text.
/// `DaemonSettings.all` is the one list of settings: flags, the file's keys and the environment
/// are all checked against it (docs/configuration.md).
struct DaemonSetting: Sendable {
    let name: String
    /// nil: unset unless given.
    let defaultValue: String?
    let help: String

    /// The help text with the default, for `--help`.
    var helpText: String {
        guard let d = defaultValue else { return help }
        return help + " (default: \(d.isEmpty ? "none" : d))"
    }

    var environmentVariable: String { "TSDBD_" + name.uppercased().replacing("-", with: "_") }
}

enum DaemonSettings {
    static let dataDir = DaemonSetting(name: "data-dir", defaultValue: "./data", help: "Data directory (created if missing).")
    static let httpAddr = DaemonSetting(name: "http-addr", defaultValue: "127.0.0.1:8086", help: "HTTP listen address HOST:PORT.")
    static let fsync = DaemonSetting(name: "fsync", defaultValue: "always",
                                 help: "When writes are acknowledged: always | interval:DURATION | none (see docs/durability.md).")
    static let maxBodySize = DaemonSetting(name: "max-body-size", defaultValue: "25000000",
                                       help: "Largest accepted /write body in bytes, after gzip decompression (413 above).")
    static let maxLineLength = DaemonSetting(name: "max-line-length", defaultValue: "262144", help: "Longest accepted line-protocol line in bytes.")
    static let maxTagsPerPoint = DaemonSetting(name: "max-tags-per-point", defaultValue: "256",
                                           help: "Line-protocol points with more tags are rejected (0 = unlimited).")
    static let maxSeries = DaemonSetting(name: "max-series-per-database", defaultValue: "0", help: "New series beyond this count are refused (0 = unlimited).")
    static let createDatabaseOnWrite = DaemonSetting(name: "create-database-on-write", defaultValue: "true",
                                                 help: "Create a database on its first write (true) or answer 404 (false).")
    static let lpUDPAddr = DaemonSetting(name: "lp-udp-addr", defaultValue: "off", help: "Line protocol over UDP: HOST:PORT or off (see docs/listeners.md).")
    static let lpTCPAddr = DaemonSetting(name: "lp-tcp-addr", defaultValue: "off", help: "Line protocol over TCP (newline-delimited): HOST:PORT or off.")
    static let lpDB = DaemonSetting(name: "lp-db", defaultValue: "lp", help: "Database for line protocol received over UDP and TCP.")
    static let collectdAddr = DaemonSetting(name: "collectd-addr", defaultValue: "127.0.0.1:25826", help: "collectd binary protocol over UDP: HOST:PORT or off.")
    static let collectdDB = DaemonSetting(name: "collectd-db", defaultValue: "collectd", help: "Database for collectd values (UDP and POST /collectd).")
    static let collectdSecurityLevel = DaemonSetting(name: "collectd-security-level", defaultValue: "none",
                                                 help: "none | sign | encrypt (collectd's SecurityLevel; sign and encrypt need --collectd-auth-file).")
    static let collectdAuthFile = DaemonSetting(name: "collectd-auth-file", defaultValue: nil, help: "collectd AuthFile: one 'user: password' per line.")
    static let collectdTypesDB = DaemonSetting(name: "collectd-typesdb", defaultValue: nil,
                                           help: "collectd types.db (default /usr/share/collectd/types.db when it exists, over a built-in table).")
    static let graphiteAddr = DaemonSetting(name: "graphite-addr", defaultValue: "off", help: "Graphite plaintext protocol over TCP: HOST:PORT or off.")
    static let graphiteDB = DaemonSetting(name: "graphite-db", defaultValue: "graphite", help: "Database for Graphite values.")
    static let graphiteTemplate = DaemonSetting(name: "graphite-template", defaultValue: nil,
                                            help: "Graphite template '[filter] template [tag=v,...]' or a preset (influxdb, collectd, collectd-separate); repeatable, replaces the defaults. TSDBD_GRAPHITE_TEMPLATE separates several with ';'.")
    static let graphiteSeparator = DaemonSetting(name: "graphite-separator", defaultValue: ".", help: "Joins several measurement/field/tag parts of a Graphite path.")
    static let udpBufferSize = DaemonSetting(name: "udp-buffer-size", defaultValue: "0", help: "SO_RCVBUF of UDP sockets in bytes (0 = system default).")
    static let udpQueueSize = DaemonSetting(name: "udp-queue-size", defaultValue: "100000",
                                        help: "Samples parsed from UDP that may wait for the engine; more are dropped and counted.")
    static let rollupLevels = DaemonSetting(name: "rollup-levels", defaultValue: "auto",
                                        help: "Downsampling levels: auto (of 5m, 1h, 1d, the first two at least 10x the measurement's sample interval), a list such as 5m,1h (kept for every measurement), or none (see docs/rollups.md).")
    static let retention = DaemonSetting(name: "retention", defaultValue: "",
                                     help: "Maximum age per level, e.g. raw=30d,5m=400d,1h=10y; unlisted levels are kept forever.")
    static let compactionTiers = DaemonSetting(name: "compaction-tiers", defaultValue: "1d,7d",
                                           help: "Time tiers of raw segments: once a window of each duration is wholly past, its segments are merged into one (multiples of 2h; those over a tenth of the raw retention are skipped), or none (docs/format/tiers.md).")
    static let accountingInterval = DaemonSetting(name: "accounting-interval", defaultValue: "5m",
                                              help: "How often the accounting job updates accounting_vm: a duration (e.g. 5m) or off (docs/accounting.md).")
    static let accountingDB = DaemonSetting(name: "accounting-db", defaultValue: "collectd",
                                        help: "Database with the collectd virt data, where accounting_vm is written.")
    static let accountingSampleInterval = DaemonSetting(name: "accounting-sample-interval", defaultValue: "10s",
                                                    help: "The agents' reporting interval; sample pairs more than 3 intervals apart are not wall time.")
    static let accountingMapping = DaemonSetting(name: "accounting-mapping", defaultValue: "",
                                             help: "CSV with uuid,project,vcpus,hs06_per_core,site for VMs that send no vm_info.")
    static let authEnabled = DaemonSetting(name: "auth-enabled", defaultValue: "false",
                                       help: "Require credentials on the HTTP API (all but /ping and /health); needs --auth-file (docs/security.md).")
    static let authFile = DaemonSetting(name: "auth-file", defaultValue: nil,
                                    help: "Credentials: one 'NAME ROLES HASH' per line; roles read, write, admin; make a line with 'tsctl auth hash'.")
    static let tlsCert = DaemonSetting(name: "tls-cert", defaultValue: nil, help: "PEM certificate chain: serve HTTPS instead of HTTP (with --tls-key).")
    static let tlsKey = DaemonSetting(name: "tls-key", defaultValue: nil, help: "PEM private key of --tls-cert.")
    static let httpHeaderTimeout = DaemonSetting(name: "http-header-timeout", defaultValue: "10s",
                                             help: "Close an HTTP connection whose first request head has not arrived after this long (slow clients).")
    static let httpIdleTimeout = DaemonSetting(name: "http-idle-timeout", defaultValue: "2m", help: "Close a kept-alive HTTP connection idle for this long between requests.")
    static let logLevel = DaemonSetting(name: "log-level", defaultValue: "info", help: "trace | debug | info | notice | warning | error.")

    /// Every setting a flag, the environment or the file may give.
    static let all: [DaemonSetting] = [
        dataDir, httpAddr, fsync, maxBodySize, maxLineLength, maxTagsPerPoint, maxSeries, createDatabaseOnWrite,
        lpUDPAddr, lpTCPAddr, lpDB, collectdAddr, collectdDB, collectdSecurityLevel, collectdAuthFile, collectdTypesDB,
        graphiteAddr, graphiteDB, graphiteTemplate, graphiteSeparator, udpBufferSize, udpQueueSize, rollupLevels, retention,
        compactionTiers, accountingInterval, accountingDB, accountingSampleInterval, accountingMapping, authEnabled, authFile, tlsCert, tlsKey,
        httpHeaderTimeout, httpIdleTimeout, logLevel,
    ]

    /// Settings whose value is a list (repeatable flags, TOML arrays; `;` in the environment).
    static let lists: Set<String> = [graphiteTemplate.name]
}
