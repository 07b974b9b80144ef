import InfluxQL

/// InfluxQL's transformations, over raw points or over the buckets of an aggregate. Each output
/// point pairs a point with the one before it in the stream (a null bucket breaks the chain, as
/// in InfluxDB) and carries the later point's time.
enum Transform {
    static let names: Set<String> = ["derivative", "non_negative_derivative", "difference", "non_negative_difference"]

    /// The derivative unit: the second argument, else the GROUP BY interval, else one second.
    static func unit(_ name: String, _ args: [Expr], groupBy: Int64?) throws -> Int64 {
        let isDerivative = name.hasSuffix("derivative")
        switch args.count {
        case 1:
            return groupBy ?? 1_000_000_000
        case 2 where isDerivative:
            guard case .duration(let u) = args[1], u > 0 else {
                throw QueryError("second argument to \(name) must be a duration")
            }
            return u
        default:
            throw QueryError("invalid number of arguments for \(name), expected \(isDerivative ? "1 or 2" : "1"), got \(args.count)")
        }
    }

    /// Applies a transformation to a time-ordered stream. Null points are skipped (the next
    /// point pairs with the last non-null one); of several points at one time only the first
    /// counts. With `descending` the stream is walked newest first, as InfluxDB does under
    /// `ORDER BY time DESC`: each result pairs a point with the later one and carries the
    /// earlier point's time. The result is in ascending time either way.
    static func apply(_ name: String, _ points: [(Int64, QValue)], unit: Int64, descending: Bool = false) -> [(Int64, QValue)] {
        let derivative = name.hasSuffix("derivative")
        let nonNegative = name.hasPrefix("non_negative")
        var out: [(Int64, QValue)] = []
        var prev: (Int64, QValue)? = nil
        let stream: [(Int64, QValue)] = descending ? points.reversed() : points
        for p in stream where !p.1.isNull {
            guard let q = prev else { prev = p; continue }
            if q.0 == p.0 { continue }
            prev = p
            let v: QValue
            if derivative {
                guard let a = q.1.double, let b = p.1.double else { continue }
                v = .float((b - a) / (Double(abs(p.0 - q.0)) / Double(unit)))
            } else if case .integer(let a) = q.1, case .integer(let b) = p.1 {
                v = .integer(b &- a)
            } else {
                guard let a = q.1.double, let b = p.1.double else { continue }
                v = .float(b - a)
            }
            if nonNegative, let d = v.double, d < 0 { continue }
            out.append((p.0, v))
        }
        return descending ? out.reversed() : out
    }
}

/// `+ - * / %` between columns (joined on time; null if either side is null) and numbers.
enum Arithmetic {
    enum Operand {
        case scalar(QValue)
        case column([(Int64, QValue)])
    }

    static func apply(_ op: BinaryOp, _ a: Operand, _ b: Operand) throws -> [(Int64, QValue)] {
        switch (a, b) {
        case (.column(let x), .scalar(let s)): return x.map { ($0.0, try! compute(op, $0.1, s)) }
        case (.scalar(let s), .column(let y)): return y.map { ($0.0, try! compute(op, s, $0.1)) }
        case (.column(let x), .column(let y)):
            let rows = join([x, y])
            return (0..<rows.count).map { r in (rows.time(r), try! compute(op, rows[r, 1], rows[r, 2])) }
        case (.scalar, .scalar):
            throw QueryError("a field expression needs at least one field or function")
        }
    }

    static func compute(_ op: BinaryOp, _ a: QValue, _ b: QValue) throws -> QValue {
        if case .integer(let x) = a, case .integer(let y) = b {
            switch op {
            case .add: return .integer(x &+ y)
            case .sub: return .integer(x &- y)
            case .mul: return .integer(x &* y)
            case .mod: return y == 0 ? .null : .integer(x % y)
            case .div: return y == 0 ? .float(0) : .float(Double(x) / Double(y))
            default: break
            }
        }
        guard let x = a.double, let y = b.double else { return .null }
        switch op {
        case .add: return .float(x + y)
        case .sub: return .float(x - y)
        case .mul: return .float(x * y)
        case .div: return .float(y == 0 ? 0 : x / y)
        case .mod: return .float(x.truncatingRemainder(dividingBy: y))
        default: return .null
        }
    }
}

/// `fill(..)` over the dense buckets of one aggregate (InfluxDB fills each call before any
/// transformation or arithmetic). `fill(none)` drops empty buckets; `count` fills with 0 under
/// `fill(null)`, as InfluxDB does.
extension Fill {
    func apply(_ values: [(Int64, QValue)], isCount: Bool) -> [(Int64, QValue)] {
        switch self {
        case .null:
            return isCount ? values.map { ($0.0, $0.1.isNull ? .integer(0) : $0.1) } : values
        case .none:
            return values.filter { !$0.1.isNull }
        case .number(let x):
            let asInt = x == x.rounded() && abs(x) < 9e15 && values.contains { if case .integer = $0.1 { true } else { false } }
            let fill: QValue = asInt ? .integer(Int64(x)) : .float(x)
            return values.map { ($0.0, $0.1.isNull ? fill : $0.1) }
        case .previous:
            var last: QValue = .null
            return values.map { p in
                if p.1.isNull { return (p.0, last) }
                last = p.1
                return p
            }
        case .linear:
            var out = values
            var prev: Int? = nil
            for i in values.indices where !values[i].1.isNull {
                if let p = prev, i - p > 1 {
                    for k in (p + 1)..<i { out[k].1 = interpolate(values[p], values[i], at: values[k].0) }
                }
                prev = i
            }
            return out
        }
    }

    private func interpolate(_ a: (Int64, QValue), _ b: (Int64, QValue), at t: Int64) -> QValue {
        if case .integer(let x) = a.1, case .integer(let y) = b.1 {
            return .integer(x + (y - x) * (t - a.0) / (b.0 - a.0))
        }
        guard let x = a.1.double, let y = b.1.double else { return .null }
        return .float(x + (y - x) * Double(t - a.0) / Double(b.0 - a.0))
    }
}
