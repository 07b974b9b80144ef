import TSSupport
import TSEncoding

public enum LogLevel: Int, Sendable, Comparable {
    case debug, info, warning, error
    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
}

/// Engine configuration. Defaults suit a single node holding monitoring and accounting data.
public struct EngineOptions: Sendable {
    /// When an append is acknowledged; see `SyncPolicy` and docs/durability.md.
    public var syncPolicy: SyncPolicy = .always
    /// Segments hold one aligned time window each (UTC epoch multiples); default 2 h.
    public var blockRange: Int64 = 2 * 3_600_000_000_000
    /// The head is sealed once it spans more than 1.5 × blockRange of time...
    public var sealSpanFactor: Double = 1.5
    /// ... or holds more than this many bytes of samples.
    public var headMemoryLimit: Int = 512 << 20
    /// WAL files are rotated at this size.
    public var walSegmentSize: Int = 64 << 20
    /// Compression of sealed blocks, and its level (zstd 1–19).
    public var blockCompression: BlockCompression = .zstd
    public var compressionLevel: Int = 3
    /// A write to a database that does not exist creates it (InfluxDB 1.x answers 404 instead).
    public var createDatabaseOnWrite = true
    /// New series beyond this many per database are refused (0 = unlimited).
    public var maxSeriesPerDatabase = 0
    /// Run sealing and compaction on a background thread (tests may turn it off and call `flush`).
    public var backgroundMaintenance = true
    /// How often the background thread looks for work.
    public var maintenanceInterval: UInt64 = 1_000_000_000
    /// Compact a window once it has this many segments.
    public var compactionThreshold = 2
    /// Time tiers of raw segments (docs/format/tiers.md): once a tier window lies wholly in the
    /// past (before both the clock and the newest sealed data's window), its segments are merged
    /// into one. Ascending multiples of `blockRange`; tiers longer than a tenth of the raw
    /// retention are not used. Empty: segments keep `blockRange` windows.
    public var compactionTiers: [Int64] = [86_400_000_000_000, 7 * 86_400_000_000_000]
    /// Downsampling levels and retention of every database (docs/rollups.md)...
    public var rollups: RollupPolicy = .standard
    /// ... unless a database has its own policy here.
    public var databaseRollups: [String: RollupPolicy] = [:]
    /// The clock retention measures ages against (nanoseconds since the epoch); tests inject one.
    public var clock: @Sendable () -> Int64 = { SystemClock.wallClockNanos() }
    /// Every file operation goes through this (tests inject faults with `FileSystem(faults:)`).
    public var fileSystem: FileSystem = .posix
    /// Called after each WAL group commit (records in the group) and each WAL fsync (its
    /// latency); the daemon records them in Prometheus histograms. Must be cheap: it runs with
    /// the WAL's lock held.
    public var walObserver: WALObserver? = nil
    /// Where log lines go; the daemon forwards them to swift-log.
    public var log: @Sendable (LogLevel, String) -> Void = { level, msg in
        if level >= .warning { print("tsengine \(level): \(msg)") }
    }

    public init() {}

    public func rollupPolicy(for database: String) -> RollupPolicy {
        databaseRollups[database] ?? rollups
    }
}
