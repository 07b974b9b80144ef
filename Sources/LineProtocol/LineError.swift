/// A rejected line. `reason` follows the wording of the InfluxDB 1.x server:
/// `unable to parse '<line>': <what is wrong>`.
public struct LineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One-based line number where the rejected entry starts.
    public var line: Int
    public var reason: String

    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }

    public var description: String { "line \(line): \(reason)" }
}

/// Why an entry was rejected (internal; rendered into `LineError.reason`).
enum Failure {
    case missingMeasurement
    case invalidMeasurementStart(UInt8)
    case invalidComment
    case missingTagKey
    case missingTagKeyAfterComma
    case missingTagEquals
    case missingTagValue
    case unexpectedAfterTag(UInt8)
    case duplicateTag
    case missingFields
    case invalidFieldKeyStart(UInt8)
    case missingFieldEquals
    case missingFieldValue
    case invalidFieldFormat
    case invalidNumber
    case integerOutOfRange
    case unsignedOutOfRange
    case floatOutOfRange
    case invalidBoolean
    case unbalancedQuotes
    case unexpectedAfterField(UInt8)
    case badTimestamp
    case timestampOutOfRange
    case invalidUTF8(String)
    case timeTagKey
    case timeFieldKey
    case keyTooLong(Int, Int)
    case lineTooLong(Int)
}

extension Failure {
    /// `key` is the raw (still escaped) key the failure refers to, if any; `measurement` likewise.
    func describe(key: String?, measurement: String?) -> String {
        let k = key.map { " \"\($0)\"" } ?? ""
        switch self {
        case .missingMeasurement: return "missing measurement"
        case .invalidMeasurementStart(let c): return "invalid character \(show(c)) at start of measurement"
        case .invalidComment: return "invalid character in comment line"
        case .missingTagKey: return "missing tag key"
        case .missingTagKeyAfterComma: return "missing tag key after comma"
        case .missingTagEquals: return "missing '=' after tag key\(k)"
        case .missingTagValue: return "missing tag value for tag key\(k)"
        case .unexpectedAfterTag(let c): return "invalid character \(show(c)) after tag set; expected ',' or ' '"
        case .duplicateTag: return "duplicate tags: tag key\(k) appears more than once"
        case .missingFields: return "missing fields"
        case .invalidFieldKeyStart(let c): return "missing field key: found \(show(c))"
        case .missingFieldEquals: return "missing '=' after field key\(k)"
        case .missingFieldValue: return "missing field value"
        case .invalidFieldFormat: return "invalid field format for field\(k)"
        case .invalidNumber: return "invalid number for field\(k)"
        case .integerOutOfRange: return "integer value for field\(k) out of range"
        case .unsignedOutOfRange: return "unsigned integer value for field\(k) out of range"
        case .floatOutOfRange: return "float value for field\(k) out of range"
        case .invalidBoolean: return "invalid boolean for field\(k)"
        case .unbalancedQuotes: return "unbalanced quotes"
        case .unexpectedAfterField(let c): return "invalid field format: unexpected \(show(c)) after field\(k)"
        case .badTimestamp: return "bad timestamp"
        case .timestampOutOfRange: return "time outside range"
        case .invalidUTF8(let what): return "invalid UTF-8 in \(what)"
        case .timeTagKey:
            return "invalid tag key: input tag \"time\" on measurement \"\(measurement ?? "")\" is invalid"
        case .timeFieldKey:
            return "invalid field name: input field \"time\" on measurement \"\(measurement ?? "")\" is invalid"
        case .keyTooLong(let n, let max): return "max key length exceeded: \(n) > \(max)"
        case .lineTooLong(let max): return "line too long: exceeds the maximum of \(max) bytes"
        }
    }
}

private func show(_ c: UInt8) -> String {
    switch c {
    case 0x0A: return "'\\n'"
    case 0x0D: return "'\\r'"
    case 0x09: return "'\\t'"
    case 0x20..<0x7F: return "'\(Character(Unicode.Scalar(c)))'"
    default:
        let hex = String(c, radix: 16, uppercase: false)
        return "'\\x\(hex.count == 1 ? "0" + hex : hex)'"
    }
}
