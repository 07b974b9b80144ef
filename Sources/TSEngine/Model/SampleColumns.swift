// Samples as columns: what the head, segments, queries and rollups pass between them.

/// Decoded samples of one series over some time: timestamps ascending, unique.
public struct SampleColumns: Sendable {
    public var timestamps: [Int64] = []
    public var values: ColumnValues

    public init(type: ValueType) {
        values = ColumnValues(type: type)
    }

    public init(timestamps: [Int64], values: ColumnValues) {
        self.timestamps = timestamps
        self.values = values
    }

    public var count: Int { timestamps.count }
    public var isEmpty: Bool { timestamps.isEmpty }
}

/// A column of values of one type.
public enum ColumnValues: Sendable, Equatable {
    case float([Double])
    case integer([Int64])
    case unsigned([UInt64])
    case boolean([Bool])
    case string([String])

    public init(type: ValueType) {
        switch type {
        case .float: self = .float([])
        case .integer: self = .integer([])
        case .unsigned: self = .unsigned([])
        case .boolean: self = .boolean([])
        case .string: self = .string([])
        }
    }

    public var type: ValueType {
        switch self {
        case .float: .float
        case .integer: .integer
        case .unsigned: .unsigned
        case .boolean: .boolean
        case .string: .string
        }
    }

    public var count: Int {
        switch self {
        case .float(let v): v.count
        case .integer(let v): v.count
        case .unsigned(let v): v.count
        case .boolean(let v): v.count
        case .string(let v): v.count
        }
    }

    public subscript(i: Int) -> Value {
        switch self {
        case .float(let v): .float(v[i])
        case .integer(let v): .integer(v[i])
        case .unsigned(let v): .unsigned(v[i])
        case .boolean(let v): .boolean(v[i])
        case .string(let v): .string(v[i])
        }
    }

    /// Bit-exact equality (NaN payloads and -0.0 compared by bit pattern).
    public static func == (a: ColumnValues, b: ColumnValues) -> Bool {
        switch (a, b) {
        case let (.float(x), .float(y)): x.count == y.count && zip(x, y).allSatisfy { $0.bitPattern == $1.bitPattern }
        case let (.integer(x), .integer(y)): x == y
        case let (.unsigned(x), .unsigned(y)): x == y
        case let (.boolean(x), .boolean(y)): x == y
        case let (.string(x), .string(y)): x == y
        default: false
        }
    }

    /// Appends one element of `other` (same type) at index `i`.
    ///
    /// The payload is moved out of `self` before appending (`self` is parked on an empty
    /// array), so the array stays uniquely referenced and grows in place. Switching on a tuple
    /// `(self, other)` instead keeps a second reference alive, and every append then copies the
    /// whole array: quadratic merges.
    public mutating func append(from other: ColumnValues, at i: Int) {
        switch self {
        case .float(var a):
            guard case .float(let b) = other else { preconditionFailure("column type mismatch") }
            self = .boolean([]); a.append(b[i]); self = .float(a)
        case .integer(var a):
            guard case .integer(let b) = other else { preconditionFailure("column type mismatch") }
            self = .boolean([]); a.append(b[i]); self = .integer(a)
        case .unsigned(var a):
            guard case .unsigned(let b) = other else { preconditionFailure("column type mismatch") }
            self = .boolean([]); a.append(b[i]); self = .unsigned(a)
        case .boolean(var a):
            guard case .boolean(let b) = other else { preconditionFailure("column type mismatch") }
            self = .float([]); a.append(b[i]); self = .boolean(a)
        case .string(var a):
            guard case .string(let b) = other else { preconditionFailure("column type mismatch") }
            self = .float([]); a.append(b[i]); self = .string(a)
        }
    }

    /// Appends a whole range of `other` (same type), in place as above.
    public mutating func append(from other: ColumnValues, range r: Range<Int>) {
        switch self {
        case .float(var a):
            guard case .float(let b) = other else { preconditionFailure("column type mismatch") }
            self = .boolean([]); a.append(contentsOf: b[r]); self = .float(a)
        case .integer(var a):
            guard case .integer(let b) = other else { preconditionFailure("column type mismatch") }
            self = .boolean([]); a.append(contentsOf: b[r]); self = .integer(a)
        case .unsigned(var a):
            guard case .unsigned(let b) = other else { preconditionFailure("column type mismatch") }
            self = .boolean([]); a.append(contentsOf: b[r]); self = .unsigned(a)
        case .boolean(var a):
            guard case .boolean(let b) = other else { preconditionFailure("column type mismatch") }
            self = .float([]); a.append(contentsOf: b[r]); self = .boolean(a)
        case .string(var a):
            guard case .string(let b) = other else { preconditionFailure("column type mismatch") }
            self = .float([]); a.append(contentsOf: b[r]); self = .string(a)
        }
    }

    /// Builds a column from head storage (bit patterns, or string indexes into `strings`).
    static func from(type: ValueType, bits: ArraySlice<UInt64>, strings: [String]) -> ColumnValues {
        switch type {
        case .float: .float(bits.map { Double(bitPattern: $0) })
        case .integer: .integer(bits.map { Int64(bitPattern: $0) })
        case .unsigned: .unsigned(Array(bits))
        case .boolean: .boolean(bits.map { $0 != 0 })
        case .string: .string(bits.map { strings[Int($0)] })
        }
    }
}
