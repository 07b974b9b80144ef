import TSSupport
/// The five value types a series can hold, as InfluxDB line protocol has them.
///
/// A series keeps the type of its first sample for its whole life; a later sample of
/// another type is rejected (for that point only) with a `fieldTypeConflict` error.
/// The raw values are stable: they are written into WAL records and segment series tables.
public enum ValueType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case float = 1
    case integer = 2
    case unsigned = 3
    case boolean = 4
    case string = 5

    /// The word InfluxDB uses in its error messages and `SHOW FIELD KEYS`.
    public var description: String {
        switch self {
        case .float: "float"
        case .integer: "integer"
        case .unsigned: "unsigned"
        case .boolean: "boolean"
        case .string: "string"
        }
    }
}

/// One value of any type. Numeric values travel as their 64-bit pattern so that floats
/// round-trip bit-exactly (NaN payloads, -0.0) through every layer.
public enum Value: Sendable, Equatable, CustomStringConvertible {
    case float(Double)
    case integer(Int64)
    case unsigned(UInt64)
    case boolean(Bool)
    case string(String)

    public var type: ValueType {
        switch self {
        case .float: .float
        case .integer: .integer
        case .unsigned: .unsigned
        case .boolean: .boolean
        case .string: .string
        }
    }

    /// Bit-exact equality: two NaNs with the same payload are equal, -0.0 != +0.0.
    public static func == (a: Value, b: Value) -> Bool {
        switch (a, b) {
        case let (.float(x), .float(y)): x.bitPattern == y.bitPattern
        case let (.integer(x), .integer(y)): x == y
        case let (.unsigned(x), .unsigned(y)): x == y
        case let (.boolean(x), .boolean(y)): x == y
        case let (.string(x), .string(y)): x == y
        default: false
        }
    }

    /// The value as a Double, for aggregation; nil for strings.
    public var doubleValue: Double? {
        switch self {
        case .float(let v): v
        case .integer(let v): Double(v)
        case .unsigned(let v): Double(v)
        case .boolean(let v): v ? 1 : 0
        case .string: nil
        }
    }

    public var description: String {
        switch self {
        case .float(let v): "\(v)"
        case .integer(let v): "\(v)i"
        case .unsigned(let v): "\(v)u"
        case .boolean(let v): v ? "true" : "false"
        case .string(let v): "\"\(v)\""
        }
    }
}
