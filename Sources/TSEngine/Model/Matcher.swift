import TSSupport
/// A tag matcher as InfluxQL and PromQL have them: `=`, `!=`, `=~ /re/`, `!~ /re/`.
///
/// As in InfluxDB, a missing tag matches as the empty string: `host != 'a'` selects series
/// without a host tag, and `host = ''` selects exactly those.
public struct TagMatcher: Sendable, CustomStringConvertible {
    public enum Op: Sendable { case equal, notEqual, regex, notRegex }
    public var key: String
    public var op: Op
    public var value: String
    let regex: CompiledRegex?

    public init(_ key: String, _ op: Op, _ value: String) throws {
        self.key = key
        self.op = op
        self.value = value
        switch op {
        case .equal, .notEqual: regex = nil
        case .regex, .notRegex: regex = try CompiledRegex(value)
        }
    }

    public static func eq(_ k: String, _ v: String) -> TagMatcher { try! TagMatcher(k, .equal, v) }
    public static func ne(_ k: String, _ v: String) -> TagMatcher { try! TagMatcher(k, .notEqual, v) }

    /// Whether a tag value (empty when the tag is absent) satisfies the matcher.
    public func matches(_ v: String) -> Bool {
        switch op {
        case .equal: v == value
        case .notEqual: v != value
        case .regex: regex!.matches(v)
        case .notRegex: !regex!.matches(v)
        }
    }

    /// True when the empty string (an absent tag) satisfies the matcher.
    var matchesEmpty: Bool { matches("") }

    public var description: String {
        switch op {
        case .equal: "\(key)=\"\(value)\""
        case .notEqual: "\(key)!=\"\(value)\""
        case .regex: "\(key)=~/\(value)/"
        case .notRegex: "\(key)!~/\(value)/"
        }
    }
}

/// A pattern that does not compile.
public struct InvalidRegexError: Error, Sendable, Equatable, CustomStringConvertible {
    public var pattern: String
    public var reason: String
    public var description: String { "invalid regular expression /\(pattern)/: \(reason)" }
}

/// A regular expression compiled once; unanchored search, as in Go's RE2 `MatchString`.
public struct CompiledRegex: @unchecked Sendable {
    // Regex<AnyRegexOutput> is immutable after compilation and safe to share.
    let regex: Regex<AnyRegexOutput>
    public let pattern: String

    public init(_ pattern: String) throws {
        self.pattern = pattern
        do {
            regex = try Regex(pattern)
        } catch {
            throw InvalidRegexError(pattern: pattern, reason: "\(error)")
        }
    }

    public func matches(_ s: String) -> Bool {
        (try? regex.firstMatch(in: s)) != nil
    }
}

/// Selects series by measurement (exact or regex), field (optional) and tag matchers.
public struct SeriesSelector: Sendable {
    public enum Name: Sendable {
        case exact(String)
        case regex(CompiledRegex)
        case any
    }
    public var measurement: Name
    /// nil selects every field.
    public var field: String?
    public var matchers: [TagMatcher]

    public init(measurement: Name, field: String? = nil, matchers: [TagMatcher] = []) {
        self.measurement = measurement
        self.field = field
        self.matchers = matchers
    }

    public init(_ measurement: String, field: String? = nil, _ matchers: [TagMatcher] = []) {
        self.init(measurement: .exact(measurement), field: field, matchers: matchers)
    }
}
