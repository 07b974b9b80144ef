import TSSupport
import Configuration
import Foundation
import TSEngine

/// `--config FILE`: a TOML file whose top-level keys are tsdbd's flag names (without `--`), plus
/// `[database.NAME]` tables for per-database rollups (docs/configuration.md):
///
/// ```toml
/// data-dir = "/var/lib/tsdbd"
/// http-addr = "0.0.0.0:8086"
/// fsync = "always"
/// rollup-levels = "auto"
/// retention = "raw=30d,5m=400d"
///
/// [database.collectd]
/// rollup-levels = "5m,1h"
/// retention = "raw=90d"
/// measurement-levels = ["^df_=1h", "^ping_=none"]
/// ```
///
/// Precedence: flags, then `TSDBD_*` environment variables, then the file, then defaults
/// (`DaemonConfig.load`).
enum ConfigFile {
    /// A parsed file: top-level keys and per-database tables.
    struct Contents {
        var top: [String: TOMLValue] = [:]
        var databases: [String: [String: TOMLValue]] = [:]
    }

    enum TOMLValue: Equatable {
        case string(String)
        case integer(Int64)
        case boolean(Bool)
        case strings([String])

        /// The value as a flag's text.
        var flagText: String {
            switch self {
            case .string(let s): s
            case .integer(let i): String(i)
            case .boolean(let b): b ? "true" : "false"
            case .strings(let a): a.joined(separator: ";")
            }
        }

        /// The value as a setting (lists stay lists; everything else is its flag text).
        var content: ConfigContent {
            if case .strings(let a) = self { return .stringArray(a) }
            return .string(flagText)
        }
    }

    struct ParseError: Error, CustomStringConvertible {
        let line: Int
        let message: String
        var description: String { "config line \(line): \(message)" }
    }

    /// A TOML subset: comments, `key = value` with basic or literal strings, integers, booleans
    /// and one-line arrays of strings; `[table]` headers (only `database.NAME` tables are used).
    static func parse(_ text: String) throws -> Contents {
        var out = Contents()
        var table: String? = nil
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNo = n + 1
            var line = Substring(stripComment(String(raw)))
            while line.first == " " || line.first == "\t" { line.removeFirst() }
            while line.last == " " || line.last == "\t" || line.last == "\r" { line.removeLast() }
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), !line.hasPrefix("[[") else { throw ParseError(line: lineNo, message: "bad table header") }
                let name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                let parts = try splitKey(String(name), line: lineNo)
                guard parts.count == 2, parts[0] == "database" else {
                    throw ParseError(line: lineNo, message: "unknown table [\(name)]: use [database.NAME]")
                }
                table = parts[1]
                if out.databases[parts[1]] == nil { out.databases[parts[1]] = [:] }
                continue
            }
            guard let eq = line.firstIndex(of: "=") else { throw ParseError(line: lineNo, message: "expected key = value") }
            let keyParts = try splitKey(line[..<eq].trimmingCharacters(in: .whitespaces), line: lineNo)
            guard keyParts.count == 1 else { throw ParseError(line: lineNo, message: "dotted keys are not supported") }
            let value = try parseValue(line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces), line: lineNo)
            if let t = table { out.databases[t]![keyParts[0]] = value } else { out.top[keyParts[0]] = value }
        }
        return out
    }

    private static func stripComment(_ s: String) -> String {
        var inBasic = false, inLiteral = false, escape = false
        var out = ""
        for c in s {
            if escape { escape = false; out.append(c); continue }
            if inBasic && c == "\\" { escape = true; out.append(c); continue }
            if c == "\"" && !inLiteral { inBasic.toggle() }
            if c == "'" && !inBasic { inLiteral.toggle() }
            if c == "#" && !inBasic && !inLiteral { break }
            out.append(c)
        }
        return out
    }

    private static func splitKey(_ s: String, line: Int) throws -> [String] {
        var parts: [String] = []
        var rest = Substring(s)
        while !rest.isEmpty {
            rest = Substring(rest.trimmingCharacters(in: .whitespaces))
            if rest.first == "\"" {
                guard let end = rest.dropFirst().firstIndex(of: "\"") else { throw ParseError(line: line, message: "unterminated quoted key") }
                parts.append(String(rest[rest.index(after: rest.startIndex)..<end]))
                rest = rest[rest.index(after: end)...]
            } else {
                let end = rest.firstIndex(of: ".") ?? rest.endIndex
                let k = rest[..<end].trimmingCharacters(in: .whitespaces)
                guard !k.isEmpty, k.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                    throw ParseError(line: line, message: "bad key '\(k)'")
                }
                parts.append(k)
                rest = rest[end...]
            }
            rest = Substring(rest.trimmingCharacters(in: .whitespaces))
            if rest.first == "." { rest = rest.dropFirst() } else if !rest.isEmpty { throw ParseError(line: line, message: "bad key") }
        }
        return parts
    }

    private static func parseValue(_ s: String, line: Int) throws -> TOMLValue {
        if s == "true" { return .boolean(true) }
        if s == "false" { return .boolean(false) }
        if let i = Int64(s.replacingOccurrences(of: "_", with: "")) { return .integer(i) }
        if s.hasPrefix("[") {
            guard s.hasSuffix("]") else { throw ParseError(line: line, message: "arrays must be on one line") }
            var items: [String] = []
            var rest = Substring(s.dropFirst().dropLast())
            while true {
                rest = Substring(rest.trimmingCharacters(in: .whitespaces))
                if rest.isEmpty { break }
                let (str, after) = try parseString(rest, line: line)
                items.append(str)
                rest = Substring(after.trimmingCharacters(in: .whitespaces))
                if rest.first == "," { rest = rest.dropFirst() } else if !rest.isEmpty { throw ParseError(line: line, message: "expected , in array") }
            }
            return .strings(items)
        }
        let (str, after) = try parseString(Substring(s), line: line)
        guard after.trimmingCharacters(in: .whitespaces).isEmpty else { throw ParseError(line: line, message: "unexpected text after value") }
        return .string(str)
    }

    private static func parseString(_ s: Substring, line: Int) throws -> (String, Substring) {
        guard let q = s.first, q == "\"" || q == "'" else { throw ParseError(line: line, message: "expected a string, integer, boolean or array of strings") }
        var out = ""
        var i = s.index(after: s.startIndex)
        while i < s.endIndex {
            let c = s[i]
            if c == q { return (out, s[s.index(after: i)...]) }
            if q == "\"" && c == "\\" {
                i = s.index(after: i)
                guard i < s.endIndex else { break }
                switch s[i] {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "\\": out.append("\\")
                case "\"": out.append("\"")
                default: throw ParseError(line: line, message: "unsupported escape \\\(s[i])")
                }
            } else {
                out.append(c)
            }
            i = s.index(after: i)
        }
        throw ParseError(line: line, message: "unterminated string")
    }

    /// Per-database rollup policies from `[database.NAME]` tables.
    static func databasePolicies(_ c: Contents, defaults: RollupPolicy) throws -> [String: RollupPolicy] {
        var out: [String: RollupPolicy] = [:]
        for (db, keys) in c.databases {
            for k in keys.keys where !["rollup-levels", "retention", "measurement-levels"].contains(k) {
                throw ParseError(line: 0, message: "[database.\(db)]: unknown key '\(k)' (rollup-levels, retention, measurement-levels)")
            }
            let (levels, adaptive) = try keys["rollup-levels"].map { try RollupPolicy.parseLevels($0.flagText) } ?? (defaults.levels, defaults.adaptive)
            let retention = try keys["retention"].map { try RollupPolicy.parseRetention($0.flagText) } ?? defaults.retention
            var p = try RollupPolicy(levels: levels, retention: retention, adaptive: adaptive)
            if case .strings(let overrides)? = keys["measurement-levels"] {
                var list: [(pattern: CompiledRegex, levels: [String])] = []
                for o in overrides {
                    guard let eq = o.lastIndex(of: "=") else { throw ParseError(line: 0, message: "measurement-levels entry '\(o)' must be REGEX=LEVELS") }
                    let levels = String(o[o.index(after: eq)...])
                    list.append((try CompiledRegex(String(o[..<eq])), levels == "none" ? [] : levels.split(separator: ",").map(String.init)))
                }
                p = try RollupPolicy(levels: p.levels, retention: p.retention, measurementLevels: list, adaptive: p.adaptive)
            }
            out[db] = p
        }
        return out
    }
}
