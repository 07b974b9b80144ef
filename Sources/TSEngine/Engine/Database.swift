import TSSupport
/// One database: a namespace with its own series IDs, head and segments.
/// All mutable state is guarded by the engine lock.
final class Database {
    let name: String
    let dir: String
    var catalog = SeriesCatalog()
    var head = Head()
    /// A head being written to segments by a seal (still visible to queries).
    var frozen: Head?
    /// Open segments, ascending seq (= ascending precedence).
    var segments: [Segment] = []
    /// Deletions not yet applied by compaction (docs/format/tombstones.md).
    var tombstones = Tombstones()
    /// Segment window: the engine's blockRange for user databases, the level's window for levels.
    let blockRange: Int64
    /// Set for a rollup level database (no head, no WAL: written by seals as whole segments of
    /// rollup blocks keyed by the user database's series ids; its `catalog` stays empty).
    let level: RollupLevel?
    /// A user database's level databases, by level name.
    var levels: [String: Database] = [:]
    /// A level database's user database, whose catalog names the level's series.
    private(set) weak var user: Database?
    /// While a seal has written raw segments but not yet their rollups: the earliest time they hold.
    var rollupPendingMinT: Int64?
    /// Levels that must be computed from the existing raw segments (see `planBackfill`).
    var backfillLevels: [RollupLevel] = []
    /// Buckets whose rollup failed in the last seal; the next seal retries them.
    var rollupRetry: [UInt32: [Int64]] = [:]
    /// Under an adaptive rollup policy: each measurement's native sample interval, which decides
    /// the levels it keeps (persisted in `nativeIntervalsPath`; docs/format/rollup.md).
    var nativeIntervals: [String: Int64] = [:]

    init(name: String, dir: String, blockRange: Int64, level: RollupLevel? = nil, user: Database? = nil) {
        self.name = name
        self.user = user
        self.dir = dir
        self.blockRange = blockRange
        self.level = level
    }

    /// The internal name of a level database: the user database's name, NUL, the level's name
    /// (NUL cannot appear in user names, so the namespaces never meet).
    static func levelName(_ user: String, _ level: String) -> String { user + "\u{0}" + level }

    /// Where the level databases live: `rollups/<level>/segments/*.seg`.
    var rollupsDir: String { dir + "/rollups" }
    /// The level databases of data directories written before the compact rollup format
    /// (one pseudo-series per statistic), converted at open.
    var legacyLevelsDir: String { dir + "/levels" }
    var nativeIntervalsPath: String { rollupsDir + "/intervals" }

    /// This database and its level databases.
    var withLevels: [Database] { [self] + levels.values.sorted { $0.name < $1.name } }

    /// The earliest time whose raw data may not be rolled up yet (unsealed or being rolled up).
    var rollupCompleteBefore: Int64 {
        Swift.min(head.isEmpty ? .max : head.minT, frozen.map { $0.isEmpty ? .max : $0.minT } ?? .max, rollupPendingMinT ?? .max)
    }

    var segmentsDir: String { dir + "/segments" }
    var tombstonesPath: String { dir + "/tombstones" }

    /// Valid names: non-empty, at most 255 bytes, no '/', no NUL, not "." or "..".
    static func validate(_ name: String) throws {
        if name.isEmpty || name.utf8.count > 255 || name.hasPrefix(".dropped-") || name == "." || name == ".." || name.contains("/") || name.utf8.contains(0) {
            throw EngineError.invalidName(name)
        }
    }
}

/// Per-database figures for /metrics and `tsctl stats`.
public struct DatabaseStats: Sendable {
    public var name: String
    public var series: Int
    public var headSamples: Int
    public var headBytes: Int
    public var segments: Int
    public var segmentBytes: Int
    public var segmentSamples: Int
    /// Raw segments per time tier (docs/format/tiers.md): the window width each fits in, ascending.
    public var tiers: [(width: Int64, segments: Int, bytes: Int)]
    /// Rollup levels: series, segments, bytes, covered range.
    public var levels: [LevelStats]
    /// Time range of the raw segments (nil when none).
    public var rawMinTime: Int64?
    public var rawMaxTime: Int64?
    /// Rollups are complete for buckets that end before this time (Int64.max: everything sealed).
    public var rollupCompleteBefore: Int64
}

public struct LevelStats: Sendable {
    public var name: String
    public var series: Int
    public var segments: Int
    public var segmentBytes: Int
    public var minTime: Int64?
    public var maxTime: Int64?
}

public struct EngineStats: Sendable {
    public var databases: [DatabaseStats]
    public var wal: WALStats
    public var walBytesOnDisk: Int
    public var seals: UInt64
    /// Bytes of raw segments written by seals, and by compactions (write amplification:
    /// (sealed + compacted) / sealed).
    public var sealedBytes: UInt64
    public var compactedBytes: UInt64
    public var compactions: UInt64
    public var segmentsQuarantined: UInt64
}
