/// Errors the engine reports. I/O errors carry the operation, path and errno.
public enum EngineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A system call failed.
    case io(op: String, path: String, errno: Int32)
    /// A write to a series of another type: `field type conflict: input field "f" on measurement "m" is type integer, already exists as type float`.
    case fieldTypeConflict(measurement: String, field: String, input: ValueType, existing: ValueType)
    /// A checksum or structure check failed while reading a file.
    case corrupt(path: String, detail: String)
    /// The WAL could not be made durable (fsync failed). The engine accepts no more writes:
    /// retrying an fsync after a failure can report success for data the kernel dropped.
    case walFailed(String)
    case invalidRegex(pattern: String, reason: String)
    case databaseNotFound(String)
    case invalidName(String)
    case closed
    case invalidConfig(String)
    case seriesLimitExceeded(database: String, limit: Int)

    public var description: String {
        switch self {
        case let .io(op, path, e): "\(op) \(path): \(Platform.errorString(e)) (errno \(e))"
        case let .fieldTypeConflict(m, f, i, e):
            "field type conflict: input field \"\(f)\" on measurement \"\(m)\" is type \(i), already exists as type \(e)"
        case let .corrupt(path, d): "corrupt \(path): \(d)"
        case let .walFailed(s): "write-ahead log failed, writes refused until restart: \(s)"
        case let .invalidRegex(p, r): "invalid regular expression /\(p)/: \(r)"
        case let .databaseNotFound(d): "database not found: \"\(d)\""
        case let .invalidName(n): "invalid name: \"\(n)\""
        case .closed: "engine is closed"
        case let .invalidConfig(s): "invalid configuration: \(s)"
        case let .seriesLimitExceeded(d, l): "max-series-per-database limit exceeded: db=\(d) (\(l))"
        }
    }
}
