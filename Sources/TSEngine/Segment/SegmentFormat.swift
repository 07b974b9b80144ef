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

/// Where a block sits in a segment and what it covers. 32 bytes: a segment holds one per block
/// of every series, and a database at 10⁶ series holds millions of them.
struct BlockRef: Sendable {
    var minT: Int64
    var maxT: Int64
    var offset: Int
    private var count32: UInt32
    private var length32: UInt32
    /// Samples (or buckets) in the block: 1…8192.
    var count: Int { Int(count32) }
    /// Bytes of the block, framing and checksum included (< 4 GiB: a block holds ≤ 8192 rows).
    var length: Int { Int(length32) }

    init(minT: Int64, maxT: Int64, count: Int, offset: Int, length: Int) {
        self.minT = minT
        self.maxT = maxT
        self.offset = offset
        count32 = UInt32(count)
        length32 = UInt32(length)
    }
}

/// One series' entry in a segment's series table, as the reader hands it out: the blocks are
/// a slice of the segment's one block array (no allocation per series).
struct SegmentSeries: Sendable {
    var id: UInt32
    var type: ValueType
    var blocks: ArraySlice<BlockRef>
}
