import TSSupport
/// Errors of the engine's own rules: what a write or a database operation may be refused for.
/// The layers below throw their own: `FileSystemError` (a failed system call, from the file-system
/// layer), `CorruptFileError` (a file failed a checksum or structure check), `EncodingError`
/// (bytes that do not decode), `InvalidRegexError`, `RollupPolicyError`.
public enum EngineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A write to a series of another type: `field type conflict: input field "f" on measurement "m" is type integer, already exists as type float`.
    case fieldTypeConflict(measurement: String, field: String, input: ValueType, existing: ValueType)
    /// The WAL could not be made durable (fsync failed). The engine accepts no more writes:
    /// retrying an fsync after a failure can report success for data the kernel dropped.
    case walFailed(String)
    case databaseNotFound(String)
    case invalidName(String)
    case closed
    case seriesLimitExceeded(database: String, limit: Int)

    public var description: String {
        switch self {
        case let .fieldTypeConflict(m, f, i, e):
            "field type conflict: input field \"\(f)\" on measurement \"\(m)\" is type \(i), already exists as type \(e)"
        case let .walFailed(s): "write-ahead log failed, writes refused until restart: \(s)"
        case let .databaseNotFound(d): "database not found: \"\(d)\""
        case let .invalidName(n): "invalid name: \"\(n)\""
        case .closed: "engine is closed"
        case let .seriesLimitExceeded(d, l): "max-series-per-database limit exceeded: db=\(d) (\(l))"
        }
    }
}

/// A file failed a checksum or structure check: the file and what was wrong (a segment names
/// the block's offset).
public struct CorruptFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var detail: String
    public var description: String { "corrupt \(path): \(detail)" }
}
