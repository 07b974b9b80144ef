import TSEngine

/// What became of one write (an HTTP body, a datagram, a stretch of a TCP stream), whatever
/// the protocol: samples written, entries refused by the parser, samples refused by the
/// engine, and the first reasons in InfluxDB's words. Every protocol reports through it, so a
/// partial write is answered the same way on `/write` and on `/collectd`.
public struct WriteOutcome: Sendable {
    public static let maxReasons = 10
    public private(set) var written = 0
    /// Lines, value lists or packets the parser refused.
    public private(set) var parseErrors = 0
    /// Samples the engine refused (type conflicts, the series limit).
    public private(set) var rejected = 0
    private var parseReasons: [String] = []
    private var engineReasons: [String] = []

    public init() {}

    public mutating func add(_ r: AppendResult) {
        written += r.written
        rejected += r.rejected.count
        for x in r.rejected.prefix(max(0, Self.maxReasons - engineReasons.count)) { engineReasons.append("\(x.error)") }
    }

    /// Parse errors and the first of their reasons (as the parser words them).
    public mutating func addParseErrors(_ n: Int, reasons: [String] = []) {
        parseErrors += n
        for r in reasons.prefix(max(0, Self.maxReasons - parseReasons.count)) { parseReasons.append(r) }
    }

    /// Entries that were not written.
    public var dropped: Int { parseErrors + rejected }

    /// InfluxDB's answer to a partial write, `partial write: unable to parse: …; … dropped=N`,
    /// or nil when nothing was dropped.
    public var partialWriteMessage: String? {
        guard dropped > 0 else { return nil }
        let reasons = (parseReasons.map { "unable to parse: \($0)" } + engineReasons).prefix(Self.maxReasons)
        return "partial write: \(reasons.joined(separator: "; ")) dropped=\(dropped)"
    }
}
