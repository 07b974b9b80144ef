import ArgumentParser
import Configuration
import Foundation

/// tsdbd: the time-series daemon. Reads its settings once (`DaemonConfig`: flags, then
/// `TSDBD_*` environment variables, then the `--config` file, then defaults), opens (or creates)
/// the data directory, replays the WAL, and serves the InfluxDB-1.x-compatible HTTP API and the
/// configured listeners until SIGTERM/SIGINT (`Daemon`).
@main
struct TSDBD: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsdbd",
        abstract: "Time-series database daemon with an InfluxDB-1.x-compatible HTTP API.",
        discussion: """
            Every option can also be set with an environment variable TSDBD_<OPTION> (e.g. TSDBD_DATA_DIR, TSDBD_HTTP_ADDR) \
            or as a key of the --config file (data-dir = "/var/lib/tsdbd"). Flags win over the environment, the environment \
            over the file, the file over the defaults (docs/configuration.md).
            """)

    typealias S = DaemonSettings

    /// glibc hands allocations of 128 KiB and more to mmap and trims freed heap tops, so every
    /// large query answer, decoded column and seal buffer came back as fresh zero-filled pages
    /// (a quarter of a long raw query's time was page faults). Buffers below 64 MiB are reused
    /// from the heap instead; memory freed stays with the process up to the same amount.
    static func tuneMalloc() {
        #if os(Linux)
        // <malloc.h>: M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3 (not in Swift's Glibc module).
        _ = glibcMallopt(-3, 64 << 20)
        _ = glibcMallopt(-1, 64 << 20)
        #endif
    }

    /// Returns the heap freed by opening the data directory (decoded series tables, WAL replay
    /// buffers) to the system: with the trim threshold above, glibc would otherwise keep up to
    /// 64 MiB of it, and free pages below the top of the heap, resident.
    static func releaseFreeHeap() {
        #if os(Linux)
        _ = glibcMallocTrim(0)
        #endif
    }

    @Option(name: .customLong("config"), help: "TOML file with these settings and per-database rollups (docs/configuration.md); also TSDBD_CONFIG.")
    var config: String?
    @Option(name: .customLong(S.dataDir.name), help: .init(S.dataDir.helpText)) var dataDir: String?
    @Option(name: .customLong(S.httpAddr.name), help: .init(S.httpAddr.helpText)) var httpAddr: String?
    @Option(name: .customLong(S.fsync.name), help: .init(S.fsync.helpText)) var fsync: String?
    @Option(name: .customLong(S.maxBodySize.name), help: .init(S.maxBodySize.helpText)) var maxBodySize: String?
    @Option(name: .customLong(S.maxLineLength.name), help: .init(S.maxLineLength.helpText)) var maxLineLength: String?
    @Option(name: .customLong(S.maxTagsPerPoint.name), help: .init(S.maxTagsPerPoint.helpText)) var maxTagsPerPoint: String?
    @Option(name: .customLong(S.maxSeries.name), help: .init(S.maxSeries.helpText)) var maxSeries: String?
    @Option(name: .customLong(S.createDatabaseOnWrite.name), help: .init(S.createDatabaseOnWrite.helpText)) var createDatabaseOnWrite: String?
    @Option(name: .customLong(S.lpUDPAddr.name), help: .init(S.lpUDPAddr.helpText)) var lpUDPAddr: String?
    @Option(name: .customLong(S.lpTCPAddr.name), help: .init(S.lpTCPAddr.helpText)) var lpTCPAddr: String?
    @Option(name: .customLong(S.lpDB.name), help: .init(S.lpDB.helpText)) var lpDB: String?
    @Option(name: .customLong(S.collectdAddr.name), help: .init(S.collectdAddr.helpText)) var collectdAddr: String?
    @Option(name: .customLong(S.collectdDB.name), help: .init(S.collectdDB.helpText)) var collectdDB: String?
    @Option(name: .customLong(S.collectdSecurityLevel.name), help: .init(S.collectdSecurityLevel.helpText)) var collectdSecurityLevel: String?
    @Option(name: .customLong(S.collectdAuthFile.name), help: .init(S.collectdAuthFile.helpText)) var collectdAuthFile: String?
    @Option(name: .customLong(S.collectdTypesDB.name), help: .init(S.collectdTypesDB.helpText)) var collectdTypesDB: String?
    @Option(name: .customLong(S.graphiteAddr.name), help: .init(S.graphiteAddr.helpText)) var graphiteAddr: String?
    @Option(name: .customLong(S.graphiteDB.name), help: .init(S.graphiteDB.helpText)) var graphiteDB: String?
    @Option(name: .customLong(S.graphiteTemplate.name), help: .init(S.graphiteTemplate.helpText)) var graphiteTemplates: [String] = []
    @Option(name: .customLong(S.graphiteSeparator.name), help: .init(S.graphiteSeparator.helpText)) var graphiteSeparator: String?
    @Option(name: .customLong(S.udpBufferSize.name), help: .init(S.udpBufferSize.helpText)) var udpBufferSize: String?
    @Option(name: .customLong(S.udpQueueSize.name), help: .init(S.udpQueueSize.helpText)) var udpQueueSize: String?
    @Option(name: .customLong(S.rollupLevels.name), help: .init(S.rollupLevels.helpText)) var rollupLevels: String?
    @Option(name: .customLong(S.retention.name), help: .init(S.retention.helpText)) var retention: String?
    @Option(name: .customLong(S.compactionTiers.name), help: .init(S.compactionTiers.helpText)) var compactionTiers: String?
    @Option(name: .customLong(S.accountingInterval.name), help: .init(S.accountingInterval.helpText)) var accountingInterval: String?
    @Option(name: .customLong(S.accountingDB.name), help: .init(S.accountingDB.helpText)) var accountingDB: String?
    @Option(name: .customLong(S.accountingSampleInterval.name), help: .init(S.accountingSampleInterval.helpText)) var accountingSampleInterval: String?
    @Option(name: .customLong(S.accountingMapping.name), help: .init(S.accountingMapping.helpText)) var accountingMapping: String?
    @Option(name: .customLong(S.authEnabled.name), help: .init(S.authEnabled.helpText)) var authEnabled: String?
    @Option(name: .customLong(S.authFile.name), help: .init(S.authFile.helpText)) var authFile: String?
    @Option(name: .customLong(S.tlsCert.name), help: .init(S.tlsCert.helpText)) var tlsCert: String?
    @Option(name: .customLong(S.tlsKey.name), help: .init(S.tlsKey.helpText)) var tlsKey: String?
    @Option(name: .customLong(S.httpHeaderTimeout.name), help: .init(S.httpHeaderTimeout.helpText)) var httpHeaderTimeout: String?
    @Option(name: .customLong(S.httpIdleTimeout.name), help: .init(S.httpIdleTimeout.helpText)) var httpIdleTimeout: String?
    @Option(name: .customLong(S.logLevel.name), help: .init(S.logLevel.helpText)) var logLevel: String?

    /// The settings given as flags, by name.
    var flags: [String: ConfigContent] {
        var out: [String: ConfigContent] = [:]
        let given: [(DaemonSetting, String?)] = [
            (S.dataDir, dataDir), (S.httpAddr, httpAddr), (S.fsync, fsync), (S.maxBodySize, maxBodySize),
            (S.maxLineLength, maxLineLength), (S.maxTagsPerPoint, maxTagsPerPoint), (S.maxSeries, maxSeries),
            (S.createDatabaseOnWrite, createDatabaseOnWrite), (S.lpUDPAddr, lpUDPAddr), (S.lpTCPAddr, lpTCPAddr), (S.lpDB, lpDB),
            (S.collectdAddr, collectdAddr), (S.collectdDB, collectdDB), (S.collectdSecurityLevel, collectdSecurityLevel),
            (S.collectdAuthFile, collectdAuthFile), (S.collectdTypesDB, collectdTypesDB), (S.graphiteAddr, graphiteAddr),
            (S.graphiteDB, graphiteDB), (S.graphiteSeparator, graphiteSeparator), (S.udpBufferSize, udpBufferSize),
            (S.udpQueueSize, udpQueueSize), (S.rollupLevels, rollupLevels), (S.retention, retention),
            (S.compactionTiers, compactionTiers), (S.accountingInterval, accountingInterval), (S.accountingDB, accountingDB),
            (S.accountingSampleInterval, accountingSampleInterval), (S.accountingMapping, accountingMapping),
            (S.authEnabled, authEnabled), (S.authFile, authFile), (S.tlsCert, tlsCert), (S.tlsKey, tlsKey),
            (S.httpHeaderTimeout, httpHeaderTimeout), (S.httpIdleTimeout, httpIdleTimeout), (S.logLevel, logLevel),
        ]
        for (setting, value) in given { if let value { out[setting.name] = .string(value) } }
        if !graphiteTemplates.isEmpty { out[S.graphiteTemplate.name] = .stringArray(graphiteTemplates) }
        return out
    }

    func run() async throws {
        Self.tuneMalloc()
        let settings: DaemonConfig
        let daemon: Daemon
        do {
            settings = try DaemonConfig.load(flags: flags, environment: ProcessInfo.processInfo.environment, configFile: config)
            daemon = try Daemon(settings)
        } catch let e as DaemonConfig.Invalid {
            throw ValidationError(e.message)
        }
        try await daemon.run()
    }
}

#if os(Linux)
@_silgen_name("mallopt")
private func glibcMallopt(_ param: Int32, _ value: Int32) -> Int32
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
#endif
