import InfluxQL
import TSEngine

/// A WHERE clause split into its time bounds and a predicate over series tags.
struct WhereClause {
    var range: TimeRange
    /// True when the WHERE clause bounded time from above (GROUP BY time defaults the upper bound to now()).
    var hasUpperBound: Bool
    var hasLowerBound: Bool
    var tags: TagPredicate

    /// Splits `expr`. Time comparisons must be joined to the rest with AND (as InfluxDB requires);
    /// everything else must compare a tag with a string or a regex. `isField` tells fields from
    /// tags: conditions on field values are refused with a clear error.
    init(_ expr: Expr?, now: Int64, isField: (String) -> Bool) throws {
        range = .all
        hasUpperBound = false
        hasLowerBound = false
        tags = .always
        guard let expr else { return }
        tags = try split(expr, now: now, isField: isField)
    }

    private mutating func split(_ e: Expr, now: Int64, isField: (String) -> Bool) throws -> TagPredicate {
        switch e {
        case .binary(.and, let a, let b):
            let l = try split(a, now: now, isField: isField)
            let r = try split(b, now: now, isField: isField)
            return TagPredicate.both(l, r)
        case .binary(let op, .varRef("time", _), let rhs):
            try bound(op, try TimeExpr.evaluate(rhs, now: now))
            return .always
        case .binary(let op, let lhs, .varRef("time", _)):
            try bound(op.mirrored, try TimeExpr.evaluate(lhs, now: now))
            return .always
        default:
            if e.mentionsTime { throw QueryError("invalid time condition: time bounds must be combined with AND") }
            return try TagPredicate(e, isField: isField)
        }
    }

    private mutating func bound(_ op: BinaryOp, _ t: Int64) throws {
        switch op {
        case .gt: range.min = max(range.min, t == .max ? t : t + 1); hasLowerBound = true
        case .gte: range.min = max(range.min, t); hasLowerBound = true
        case .lt: range.max = min(range.max, t == .min ? t : t - 1); hasUpperBound = true
        case .lte: range.max = min(range.max, t); hasUpperBound = true
        case .eq:
            range.min = max(range.min, t)
            range.max = min(range.max, t)
            hasLowerBound = true
            hasUpperBound = true
        default: throw QueryError("invalid time comparison operator: \(op.rawValue)")
        }
    }
}

extension BinaryOp {
    /// The operator with its operands swapped (`a < b` ⇔ `b > a`).
    var mirrored: BinaryOp {
        switch self {
        case .lt: .gt
        case .lte: .gte
        case .gt: .lt
        case .gte: .lte
        default: self
        }
    }
}

extension Expr {
    var mentionsTime: Bool {
        switch self {
        case .varRef(let n, _): n == "time"
        case .binary(_, let a, let b): a.mentionsTime || b.mentionsTime
        case .call(_, let args): args.contains { $0.mentionsTime }
        default: false
        }
    }
}

/// Time values in predicates: `now()`, durations and integers (nanoseconds since the epoch, or
/// with a unit such as `1767225600000ms`), RFC 3339 strings, and sums/differences of these.
enum TimeExpr {
    static func evaluate(_ e: Expr, now: Int64) throws -> Int64 {
        switch e {
        case .now: return now
        case .duration(let ns): return ns
        case .integer(let v): return v
        case .number(let v):
            guard v.isFinite, abs(v) < 9.2e18 else { throw QueryError("invalid time value: \(v)") }
            return Int64(v)
        case .string(let s):
            guard let t = RFC3339.parse(s) else { throw QueryError("invalid time literal: '\(s)' is not an RFC3339 time") }
            return t
        case .binary(.add, let a, let b):
            let (r, o) = try evaluate(a, now: now).addingReportingOverflow(try evaluate(b, now: now))
            if o { throw QueryError("time overflow") }
            return r
        case .binary(.sub, let a, let b):
            let (r, o) = try evaluate(a, now: now).subtractingReportingOverflow(try evaluate(b, now: now))
            if o { throw QueryError("time overflow") }
            return r
        default:
            throw QueryError("invalid time expression")
        }
    }
}

/// A predicate over a series' tags, compiled once per statement. As in InfluxDB, an absent tag
/// compares as the empty string.
indirect enum TagPredicate {
    case always
    case match(TagMatcher)
    case and(TagPredicate, TagPredicate)
    case or(TagPredicate, TagPredicate)

    static func both(_ a: TagPredicate, _ b: TagPredicate) -> TagPredicate {
        if case .always = a { return b }
        if case .always = b { return a }
        return .and(a, b)
    }

    init(_ e: Expr, isField: (String) -> Bool) throws {
        switch e {
        case .binary(.and, let a, let b):
            self = TagPredicate.both(try TagPredicate(a, isField: isField), try TagPredicate(b, isField: isField))
        case .binary(.or, let a, let b):
            self = .or(try TagPredicate(a, isField: isField), try TagPredicate(b, isField: isField))
        case .boolean(true):
            self = .always
        case .binary(let op, let l, let r):
            var key: String, value: Expr
            switch (l, r) {
            case (.varRef(let k, let hint), _):
                key = k
                value = r
                if hint != .tag && (hint == .field || isField(k)) { throw Self.fieldCondition(k) }
            case (_, .varRef(let k, let hint)) where op == .eq || op == .neq:
                key = k
                value = l
                if hint != .tag && (hint == .field || isField(k)) { throw Self.fieldCondition(k) }
            default:
                throw QueryError("unsupported condition: expected a tag compared with a string or a regex")
            }
            switch (op, value) {
            case (.eq, .string(let s)): self = .match(try TagMatcher(key, .equal, s))
            case (.neq, .string(let s)): self = .match(try TagMatcher(key, .notEqual, s))
            case (.regexMatch, .regex(let re)): self = .match(try Self.matcher(key, .regex, re))
            case (.regexNotMatch, .regex(let re)): self = .match(try Self.matcher(key, .notRegex, re))
            default:
                throw QueryError("unsupported condition on tag \(key): compare tags with = or != and a string, or =~ and !~ with a regex")
            }
        default:
            throw QueryError("unsupported condition: expected a tag compared with a string or a regex")
        }
    }

    private static func matcher(_ key: String, _ op: TagMatcher.Op, _ re: String) throws -> TagMatcher {
        do { return try TagMatcher(key, op, re) } catch { throw QueryError("invalid regex /\(re)/") }
    }

    private static func fieldCondition(_ k: String) -> QueryError {
        QueryError("conditions on field values are not supported (field \"\(k)\"); filter on tags and time")
    }

    func matches(_ key: SeriesKey) -> Bool {
        switch self {
        case .always: true
        case .match(let m): m.matches(key.tagValue(m.key) ?? "")
        case .and(let a, let b): a.matches(key) && b.matches(key)
        case .or(let a, let b): a.matches(key) || b.matches(key)
        }
    }

    /// Matchers that every selected series must satisfy (the top-level AND terms), for the tag index.
    var requiredMatchers: [TagMatcher] {
        switch self {
        case .always, .or: []
        case .match(let m): [m]
        case .and(let a, let b): a.requiredMatchers + b.requiredMatchers
        }
    }
}
