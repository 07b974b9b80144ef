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

    init(name: String, dir: String) {
        self.name = name
        self.dir = dir
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
}

public struct EngineStats: Sendable {
    public var databases: [DatabaseStats]
    public var wal: WALStats
    public var walBytesOnDisk: Int
    public var seals: UInt64
    public var compactions: UInt64
    public var segmentsQuarantined: UInt64
}
