import GraphiteProtocol
import TSEngine

/// Graphite plaintext lines → one float sample each, through the configured templates
/// (docs/listeners.md).
public struct GraphiteIngester: Sendable {
    public let database: String
    public let parser: GraphiteParser
    public let maxLineLength: Int

    public init(database: String, parser: GraphiteParser, maxLineLength: Int) {
        self.database = database
        self.parser = parser
        self.maxLineLength = maxLineLength
    }

    /// The batch of whole lines, the number refused and the first refusal.
    public func batch(_ bytes: [UInt8], now: Int64) -> (WriteBatch, errors: Int, first: GraphiteError?) {
        var batch = WriteBatch(database: database)
        var errors = 0
        var firstError: GraphiteError? = nil
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            let text = String(decoding: line, as: UTF8.self)
            if text.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { continue }
            do {
                guard line.count <= maxLineLength else { throw GraphiteError.fieldCount(String(text.prefix(200))) }
                let p = try parser.parse(text, now: now)
                batch.append(SeriesKey(p.measurement, p.tags, field: p.field), p.timestamp, .float(p.value))
            } catch let e as GraphiteError {
                errors += 1
                if firstError == nil { firstError = e }
            } catch {
                errors += 1
            }
        }
        return (batch, errors, firstError)
    }
}
