import TSSupport
/// Segment file constants. Specified in docs/format/segment.md; keep both in step.
enum SegmentFormat {
    /// "TSSEG" 0 0 then the format version byte.
    static func magic(_ kind: SegmentKind) -> [UInt8] { [0x54, 0x53, 0x53, 0x45, 0x47, 0, 0, UInt8(kind.rawValue)] }
    static let headerSize = 8
    static let footerSize = 64
    /// Footer trailer magic "TSGF".
    static let footerMagic: [UInt8] = [0x54, 0x53, 0x47, 0x46]
    /// Samples per block at most.
    static let maxBlockSamples = 8192

    static func fileName(seq: UInt64) -> String {
        let hex = String(seq, radix: 16)
        return String(repeating: "0", count: max(0, 16 - hex.count)) + hex + ".seg"
    }

    static func seq(ofFileName name: String) -> UInt64? {
        guard name.hasSuffix(".seg"), name.count == 20 else { return nil }
        return UInt64(name.prefix(16), radix: 16)
    }
}

/// What a segment's blocks hold; also its format version (header byte and footer field).
enum SegmentKind: UInt32, Sendable {
    /// Samples of raw series (docs/format/segment.md).
    case samples = 1
    /// Rollup buckets of one level, all statistics of a series in one block (docs/format/rollup.md).
    case rollups = 2
}

/// Where a block sits in a segment and what it covers.
struct BlockRef: Sendable {
    var minT: Int64
    var maxT: Int64
    var count: Int
    var offset: Int
    var length: Int
}

/// One series' entry in a segment's series table.
struct SegmentSeries: Sendable {
    var id: UInt32
    var type: ValueType
    var canonical: [UInt8]
    var blocks: [BlockRef]
}
