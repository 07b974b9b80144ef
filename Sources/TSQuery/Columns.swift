import InfluxQL
import TSEngine

/// The output columns of a SELECT after wildcard expansion, named as InfluxDB names them:
/// a call by its function (`mean`), a field by itself, an expression by its first call or
/// field, `agg(*)` as `agg_field`; repeated names get `_1`, `_2`; `AS` overrides.
struct Columns {
    struct Item {
        var name: String
        var expr: Expr

        /// A bare tag reference (printed from the selected point's series in aggregate mode).
        func isTag(_ tags: Set<String>, _ fields: [String: ValueType]) -> Bool {
            guard case .varRef(let n, let hint) = expr else { return false }
            return hint == .tag || (tags.contains(n) && fields[n] == nil)
        }
    }
    var items: [Item] = []

    init(_ fields: [Field], fields types: [String: ValueType], tags: [String]) throws {
        let fieldNames = types.keys.sorted()
        var raw: [(String, Expr)] = []
        for f in fields {
            switch f.expr {
            case .wildcard(let hint):
                var names: [(String, TypeHint?)] = []
                if hint == nil || hint == .field { names += fieldNames.map { ($0, nil) } }
                if hint == nil || hint == .tag { names += tags.filter { types[$0] == nil }.map { ($0, .tag) } }
                for (n, h) in names.sorted(by: { $0.0 < $1.0 }) { raw.append((n, .varRef(n, h))) }
            case .regexRef(let re):
                let rx = try compile(re)
                for n in fieldNames where rx.matches(n) { raw.append((n, .varRef(n, nil))) }
            case .call(let name, let args) where args.first.map(Self.isMulti) == true:
                // agg(*) and agg(/re/): one column per matching field of a usable type.
                var matching = fieldNames
                if case .regexRef(let re) = args[0] {
                    let rx = try compile(re)
                    matching = matching.filter { rx.matches($0) }
                }
                for n in matching where Self.accepts(name, types[n]!) {
                    raw.append((f.alias.map { "\($0)_\(n)" } ?? "\(name)_\(n)", .call(name, [.varRef(n, nil)] + args.dropFirst())))
                }
            case .call(let name, let args) where (name == "top" || name == "bottom") && args.count == 3:
                // top(f, tag, N) also prints the tag.
                raw.append((f.alias ?? name, f.expr))
                if case .varRef(let tag, _) = args[1] { raw.append((tag, .varRef(tag, .tag))) }
            default:
                raw.append((f.alias ?? f.expr.columnName, f.expr))
            }
        }
        var seen: [String: Int] = [:]
        for (name, expr) in raw {
            var n = name
            if let k = seen[name] {
                n = "\(name)_\(k)"
                seen[name] = k + 1
            } else {
                seen[name] = 1
            }
            items.append(Item(name: n, expr: expr))
        }
    }

    private static func isMulti(_ e: Expr) -> Bool {
        switch e {
        case .wildcard, .regexRef: true
        default: false
        }
    }

    /// Whether `agg(*)` includes a field of type `t` (strings and booleans only for count/first/last).
    private static func accepts(_ fn: String, _ t: ValueType) -> Bool {
        switch t {
        case .float, .integer, .unsigned: true
        case .string, .boolean: ["count", "first", "last"].contains(fn)
        }
    }

    /// Fields (not tags) the columns read.
    func fieldRefs(_ types: [String: ValueType], tags: Set<String>) -> [String] {
        var out: Set<String> = []
        func visit(_ e: Expr) {
            switch e {
            case .varRef(let n, let hint):
                if hint != .tag && types[n] != nil { out.insert(n) }
            case .call(_, let args): args.forEach(visit)
            case .binary(_, let a, let b): visit(a); visit(b)
            default: break
            }
        }
        items.forEach { visit($0.expr) }
        return out.sorted()
    }
}

func compile(_ re: String) throws -> CompiledRegex {
    do { return try CompiledRegex(re) } catch { throw QueryError("invalid regex /\(re)/") }
}

extension Expr {
    /// InfluxDB's column name for an expression.
    var columnName: String {
        switch self {
        case .call(let n, _): return n
        case .varRef(let n, _): return n
        case .binary:
            // InfluxDB joins the names of the fields and calls (not their arguments) with '_'.
            var names: [String] = []
            func walk(_ e: Expr) {
                switch e {
                case .call(let n, _), .varRef(let n, _): names.append(n)
                case .binary(_, let a, let b): walk(a); walk(b)
                default: break
                }
            }
            walk(self)
            return names.joined(separator: "_")
        default: return ""
        }
    }

    var containsAggregate: Bool {
        switch self {
        case .call(let n, let args): AggKind.names.contains(n) || args.contains { $0.containsAggregate }
        case .binary(_, let a, let b): a.containsAggregate || b.containsAggregate
        default: false
        }
    }

    /// In aggregate mode every field reference must sit inside an aggregate call.
    func checkAggregateOnly() throws {
        switch self {
        case .call(let n, _) where AggKind.names.contains(n): return
        case .call(let n, let args):
            guard Transform.names.contains(n) else { throw QueryError("undefined function \(n)()") }
            guard let first = args.first else { throw QueryError("invalid number of arguments for \(n)") }
            try first.checkAggregateOnly()
        case .binary(_, let a, let b):
            try a.checkAggregateOnly()
            try b.checkAggregateOnly()
        case .varRef(let n, _):
            throw QueryError("mixing aggregate and non-aggregate queries is not supported (field \"\(n)\")")
        case .integer, .number: return
        default:
            throw QueryError("unsupported expression in field list: \(text)")
        }
    }

    var containsTransformation: Bool {
        switch self {
        case .call(let n, let args): Transform.names.contains(n) || args.contains { $0.containsTransformation }
        case .binary(_, let a, let b): a.containsTransformation || b.containsTransformation
        default: false
        }
    }

    var isSelectorCall: Bool {
        guard case .call(let n, _) = self else { return false }
        return ["min", "max", "first", "last", "percentile", "top", "bottom"].contains(n)
    }

    /// A short rendering for error messages.
    var text: String {
        switch self {
        case .varRef(let n, _): "\"\(n)\""
        case .wildcard: "*"
        case .regexRef(let r), .regex(let r): "/\(r)/"
        case .call(let n, let args): "\(n)(\(args.map(\.text).joined(separator: ", ")))"
        case .number(let v): "\(v)"
        case .integer(let v): "\(v)"
        case .string(let s): "'\(s)'"
        case .boolean(let b): "\(b)"
        case .duration(let d): "\(d)ns"
        case .now: "now()"
        case .binary(let op, let a, let b): "\(a.text) \(op.rawValue) \(b.text)"
        }
    }
}
