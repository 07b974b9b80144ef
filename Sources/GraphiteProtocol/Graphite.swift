/// Graphite plaintext protocol (`path value [timestamp]`) and InfluxDB 1.x's template mapping
/// from a dotted path to measurement, tags and field (see docs/listeners.md).
///
/// Pure: no I/O, no Foundation.

/// One parsed Graphite line.
public struct GraphitePoint: Sendable, Equatable {
    public var measurement: String
    /// Tag key → value; tags whose value would be empty are left out.
    public var tags: [String: String]
    public var field: String
    public var value: Double
    /// Nanoseconds since the Unix epoch.
    public var timestamp: Int64

    public init(measurement: String, tags: [String: String], field: String, value: Double, timestamp: Int64) {
        self.measurement = measurement
        self.tags = tags
        self.field = field
        self.value = value
        self.timestamp = timestamp
    }
}

public enum GraphiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A line with other than 2 or 3 whitespace-separated fields.
    case fieldCount(String)
    case invalidValue(String)
    /// NaN or ±Inf: InfluxDB cannot store them; the line is dropped.
    case nonFiniteValue(String)
    case invalidTimestamp(String)
    /// A metric path with control characters or bytes that are not UTF-8.
    case invalidPath(String)
    /// A template specification that cannot be used (reported at configuration time).
    case invalidTemplate(String)

    public var description: String {
        switch self {
        case .fieldCount(let l): "received \"\(escaped(l))\" which doesn't have required fields"
        case .invalidValue(let v): "field value \"\(escaped(v))\" is not a number"
        case .nonFiniteValue(let v): "field value \"\(escaped(v))\" is not finite"
        case .invalidTimestamp(let t): "timestamp \"\(escaped(t))\" is invalid"
        case .invalidPath(let p): "metric path \"\(escaped(p))\" has control characters or is not UTF-8"
        case .invalidTemplate(let s): "invalid graphite template: \(s)"
        }
    }
}

/// `s` with control characters and replacement characters (from bytes that were not UTF-8)
/// written as escapes, so that error messages and logs never carry raw binary.
func escaped(_ s: String) -> String {
    var out = ""
    for u in s.unicodeScalars {
        switch u.value {
        case 0x20..<0x7f, 0xa0...: out.unicodeScalars.append(u == "\u{FFFD}" ? "?" : u)
        default: out += "\\x" + (u.value < 16 ? "0" : "") + String(u.value, radix: 16)
        }
    }
    return out
}

/// One template: the parts of a path it names, and the tags it adds.
public struct GraphiteTemplate: Sendable, Equatable {
    /// Part names: "" (skip), "measurement", "measurement*", "field", "field*", or a tag key.
    public var parts: [String]
    public var tags: [String: String]

    /// Parses a template such as `host.measurement.field` (no filter, no tags).
    public init(template: String, tags: [String: String] = [:]) throws(GraphiteError) {
        let parts = template.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !template.isEmpty else { throw .invalidTemplate("empty template") }
        guard parts.contains(where: { $0 == "measurement" || $0 == "measurement*" }) else {
            throw .invalidTemplate("no measurement in template \"\(template)\"")
        }
        let greedy = parts.filter { $0.hasSuffix("*") }
        for g in greedy where g != "measurement*" && g != "field*" {
            throw .invalidTemplate("only measurement* and field* may end with * (in \"\(template)\")")
        }
        if greedy.count > 1 {
            throw .invalidTemplate("either 'field*' or 'measurement*' can be used in each template (but not both together): \"\(template)\"")
        }
        if let g = parts.firstIndex(where: { $0.hasSuffix("*") }), g != parts.count - 1 {
            throw .invalidTemplate("\(parts[g]) must be the last part of \"\(template)\"")
        }
        self.parts = parts
        self.tags = tags
    }

    /// Applies the template to a path: measurement parts and field parts joined with `separator`,
    /// tag parts (several with the same name joined too), then the template's own tags where the
    /// path did not set them. Path parts beyond the template are ignored.
    public func apply(_ path: [Substring], separator: String) -> (measurement: String, tags: [String: String], field: String) {
        var measurement: [Substring] = []
        var field: [Substring] = []
        var tagParts: [String: [Substring]] = [:]
        var order: [String] = []
        for (i, name) in parts.enumerated() where i < path.count && !name.isEmpty {
            switch name {
            case "measurement": measurement.append(path[i])
            case "measurement*": measurement.append(contentsOf: path[i...])
            case "field": field.append(path[i])
            case "field*": field.append(contentsOf: path[i...])
            default:
                if tagParts[name] == nil { order.append(name) }
                tagParts[name, default: []].append(path[i])
            }
        }
        var tags: [String: String] = [:]
        for name in order {
            let v = tagParts[name]!.filter { !$0.isEmpty }.joined(separator: separator)
            if !v.isEmpty { tags[name] = v }
        }
        for (k, v) in self.tags where tags[k] == nil { tags[k] = v }
        return (measurement.filter { !$0.isEmpty }.joined(separator: separator),
                tags, field.filter { !$0.isEmpty }.joined(separator: separator))
    }
}

/// Maps paths to templates by filter, like InfluxDB's graphite service: filters are dotted
/// patterns whose parts are literal or `*`; a filter matches a path that starts with matching
/// parts. Among matching filters the most specific wins: at each part a literal match is
/// preferred over `*`. A path no filter matches uses the default template (the one given without
/// a filter, else `measurement*`).
public struct GraphiteTemplateMatcher: Sendable {
    final class Node: @unchecked Sendable {
        var children: [String: Node] = [:]
        var template: GraphiteTemplate?
    }
    private let root = Node()
    public private(set) var defaultTemplate: GraphiteTemplate

    /// The built-in presets a specification may name instead of spelling a template out.
    public static let presets: [String: String] = [
        // InfluxDB's default: the whole path is the measurement, the field is "value".
        "influxdb": "measurement*",
        // collectd write_graphite defaults: host.plugin[-plugin_instance].type[-type_instance][.ds]
        "collectd": "host.measurement.type.field",
        // collectd write_graphite with SeparateInstances true (both instances present).
        "collectd-separate": "host.measurement.instance.type.type_instance.field",
    ]

    /// The specifications used when none is configured: collectd's layout under the `collectd.`
    /// prefix (collectd's documented example `Prefix "collectd."`), and InfluxDB's default for the rest.
    public static let defaultSpecifications = ["collectd.* .host.measurement.type.field", "measurement*"]

    /// Specifications `[filter] template [tag=value,...]` (a preset name may stand for the template).
    public init(_ specifications: [String]) throws(GraphiteError) {
        defaultTemplate = try GraphiteTemplate(template: "measurement*")
        var seenDefault = false
        for spec in specifications {
            let words = spec.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard !words.isEmpty else { continue }
            guard words.count <= 3 else { throw .invalidTemplate("too many fields in \"\(spec)\"") }
            var filter: String? = nil
            var template = words[0]
            var tagText: String? = nil
            if words.count >= 2 {
                if words[1].contains("=") {
                    guard words.count == 2 else { throw .invalidTemplate("tags must come last in \"\(spec)\"") }
                    tagText = words[1]
                } else {
                    filter = words[0]
                    template = words[1]
                    if words.count == 3 { tagText = words[2] }
                }
            }
            if let p = Self.presets[template] { template = p }
            var tags: [String: String] = [:]
            if let t = tagText {
                for kv in t.split(separator: ",") {
                    let pair = kv.split(separator: "=", omittingEmptySubsequences: false)
                    guard pair.count == 2, !pair[0].isEmpty, !pair[1].isEmpty else { throw .invalidTemplate("invalid template tags: \"\(t)\"") }
                    tags[String(pair[0])] = String(pair[1])
                }
            }
            let tmpl = try GraphiteTemplate(template: template, tags: tags)
            if let f = filter {
                let fparts = f.split(separator: ".", omittingEmptySubsequences: false)
                guard !fparts.contains(where: { $0.isEmpty }) else { throw .invalidTemplate("filter contains blank section: \"\(f)\"") }
                var node = root
                for p in fparts {
                    if let c = node.children[String(p)] { node = c } else {
                        let c = Node()
                        node.children[String(p)] = c
                        node = c
                    }
                }
                guard node.template == nil else { throw .invalidTemplate("duplicate filter \"\(f)\"") }
                node.template = tmpl
            } else {
                guard !seenDefault else { throw .invalidTemplate("more than one template without a filter") }
                seenDefault = true
                defaultTemplate = tmpl
            }
        }
    }

    /// The template for a path (split into its parts).
    public func match(_ path: [Substring]) -> GraphiteTemplate {
        var node = root
        var best: GraphiteTemplate? = nil
        var i = 0
        // Greedy descent (literal before `*`); the deepest template on the way wins, so a filter
        // matches every path that starts with it.
        while i < path.count {
            if let c = node.children[String(path[i])] { node = c } else if let c = node.children["*"] { node = c } else { break }
            if let t = node.template { best = t }
            i += 1
        }
        return best ?? defaultTemplate
    }
}

/// Parses Graphite plaintext lines into points with templates.
public struct GraphiteParser: Sendable {
    public let matcher: GraphiteTemplateMatcher
    /// Joins several measurement, field or same-named tag parts. InfluxDB's default is ".".
    public let separator: String

    public init(templates: [String] = GraphiteTemplateMatcher.defaultSpecifications, separator: String = ".") throws(GraphiteError) {
        matcher = try GraphiteTemplateMatcher(templates)
        self.separator = separator
    }

    /// Parses one line (without its newline; a trailing `\r` is ignored). `now` (ns) is used when
    /// the timestamp is missing or `-1`. Timestamps are seconds, fractions allowed.
    public func parse(_ line: Substring, now: Int64) throws(GraphiteError) -> GraphitePoint {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
        guard fields.count == 2 || fields.count == 3 else { throw .fieldCount(String(line.prefix(200))) }
        guard let value = Double(fields[1]) else { throw .invalidValue(String(fields[1].prefix(100))) }
        guard value.isFinite else { throw .nonFiniteValue(String(fields[1])) }
        var timestamp = now
        if fields.count == 3 {
            guard let t = Double(fields[2]), t.isFinite else { throw .invalidTimestamp(String(fields[2].prefix(100))) }
            if t != -1 {
                let ns = t * 1e9
                // InfluxDB's representable range (1677-09-21 … 2262-04-11).
                guard ns > -9.2e18, ns < 9.2e18 else { throw .invalidTimestamp(String(fields[2])) }
                timestamp = Int64(ns.rounded(.towardZero))
            }
        }
        guard !fields[0].unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f || $0 == "\u{FFFD}" }) else {
            throw .invalidPath(String(fields[0].prefix(200)))
        }
        let path = fields[0].split(separator: ".", omittingEmptySubsequences: false)
        let tmpl = matcher.match(path)
        var (measurement, tags, field) = tmpl.apply(path, separator: separator)
        if measurement.isEmpty { measurement = String(fields[0]) }
        if field.isEmpty { field = "value" }
        return GraphitePoint(measurement: measurement, tags: tags, field: field, value: value, timestamp: timestamp)
    }

    public func parse(_ line: String, now: Int64) throws(GraphiteError) -> GraphitePoint {
        try parse(line[...], now: now)
    }
}
