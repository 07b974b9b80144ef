import TSSupport
/// Codec ids for value columns. One id space is shared by all value column
/// types; the ids are part of the on-disk format and never change meaning.
///
/// | id | codec            | used by                         |
/// |----|------------------|---------------------------------|
/// |  0 | `raw`            | Int64, Double (8 bytes LE each)  |
/// |  1 | `constant`       | Int64, Double, Bool, String      |
/// |  2 | `gorillaXOR`     | Double                           |
/// |  3 | `integral`       | Double (whole numbers as Int64)  |
/// |  4 | `decimal`        | Double (scaled by 10^k as Int64) |
/// |  5 | `packedRaw`      | Int64                            |
/// |  6 | `packedDelta`    | Int64                            |
/// |  7 | `packedDoD`      | Int64                            |
/// |  8 | `runLength`      | Int64                            |
/// |  9 | `bitPacked`      | Bool                             |
/// | 10 | `lengthPrefixed` | String                           |
/// | 11 | `sparseDelta`    | Int64                            |
///
/// See docs/format/encoding.md for the byte layouts.
public enum ValueCodec: UInt8, Sendable, CaseIterable {
    case raw = 0
    case constant = 1
    case gorillaXOR = 2
    case integral = 3
    case decimal = 4
    case packedRaw = 5
    case packedDelta = 6
    case packedDoD = 7
    case runLength = 8
    case bitPacked = 9
    case lengthPrefixed = 10
    case sparseDelta = 11

    /// Parses a stored codec byte, throwing `.unknownCodec` for unknown ids.
    public init(validating byte: UInt8) throws {
        guard let c = ValueCodec(rawValue: byte) else { throw EncodingError.unknownCodec(byte) }
        self = c
    }

    /// Codecs valid for Int64 columns (and as the inner codec of `integral`
    /// and `decimal` float columns).
    public var isIntCodec: Bool {
        switch self {
        case .raw, .constant, .packedRaw, .packedDelta, .packedDoD, .runLength, .sparseDelta: return true
        default: return false
        }
    }

    /// Codecs valid for Double columns.
    public var isFloatCodec: Bool {
        switch self {
        case .raw, .constant, .gorillaXOR, .integral, .decimal: return true
        default: return false
        }
    }

    /// Codecs valid for Bool columns.
    public var isBoolCodec: Bool { self == .constant || self == .bitPacked }

    /// Codecs valid for String columns.
    public var isStringCodec: Bool { self == .constant || self == .lengthPrefixed }
}
