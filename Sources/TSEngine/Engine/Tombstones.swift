import TSEncoding

/// One deletion: the samples of `id` in `range` in segments with `seq ≤ maxSeq` are gone.
struct Tombstone: Equatable {
    var id: UInt32
    var range: TimeRange
    var maxSeq: UInt64
    /// DROP SERIES: the series is also hidden from selection until written again.
    var drop: Bool
    /// The rollups of the range have not been recomputed yet (redone at startup after a crash).
    var rollupsPending = false
}

/// The tombstones of one database (docs/format/tombstones.md).
struct Tombstones {
    private(set) var all: [Tombstone] = []
    private(set) var bySeries: [UInt32: [Tombstone]] = [:]
    /// Series hidden by DROP SERIES and not written since.
    var dropped: Set<UInt32> = []

    static let magic: [UInt8] = Array("TSTB".utf8)
    static let recordSize = 29

    var isEmpty: Bool { all.isEmpty }

    var hasPendingRollups: Bool { all.contains { $0.rollupsPending } }

    /// The same tombstones with every rollup fix marked done.
    func rollupsDone() -> Tombstones {
        var t = Tombstones(all.map { var x = $0; x.rollupsPending = false; return x })
        t.dropped = dropped
        return t
    }

    init(_ list: [Tombstone] = []) {
        for t in list { add(t) }
    }

    mutating func add(_ t: Tombstone) {
        all.append(t)
        bySeries[t.id, default: []].append(t)
        if t.drop { dropped.insert(t.id) }
    }

    /// Deleted ranges of `id` that apply to a segment with sequence number `seq`.
    func ranges(_ id: UInt32, seq: UInt64, overlapping min: Int64, _ max: Int64) -> [TimeRange] {
        guard let ts = bySeries[id] else { return [] }
        return ts.filter { seq <= $0.maxSeq && $0.range.overlaps(min: min, max: max) }.map(\.range)
    }

    func encode() -> [UInt8] {
        var out = Tombstones.magic
        out.append(1)
        append32(UInt32(all.count), &out)
        for t in all {
            append32(t.id, &out)
            append64(UInt64(bitPattern: t.range.min), &out)
            append64(UInt64(bitPattern: t.range.max), &out)
            append64(t.maxSeq, &out)
            out.append((t.drop ? 1 : 0) | (t.rollupsPending ? 2 : 0))
        }
        append32(CRC32C.checksum(out), &out)
        return out
    }

    static func decode(_ b: [UInt8], path: String) throws -> Tombstones {
        func corrupt(_ why: String) -> EngineError { .corrupt(path: path, detail: why) }
        guard b.count >= 13, Array(b[0..<4]) == magic else { throw corrupt("bad tombstones header") }
        guard b[4] == 1 else { throw corrupt("unsupported tombstones version \(b[4])") }
        let n = Int(read32(b, 5))
        guard b.count == 9 + n * recordSize + 4 else { throw corrupt("tombstones file has the wrong size") }
        guard read32(b, b.count - 4) == CRC32C.checksum(b[0..<(b.count - 4)]) else { throw corrupt("tombstones checksum mismatch") }
        var list: [Tombstone] = []
        var o = 9
        for _ in 0..<n {
            list.append(Tombstone(id: read32(b, o),
                                  range: TimeRange(min: Int64(bitPattern: read64(b, o + 4)), max: Int64(bitPattern: read64(b, o + 12))),
                                  maxSeq: read64(b, o + 20), drop: b[o + 28] & 1 != 0, rollupsPending: b[o + 28] & 2 != 0))
            o += recordSize
        }
        return Tombstones(list)
    }

    /// Drops tombstones that no live segment can be hidden by any more.
    mutating func prune(minLiveSeq: UInt64?) -> Bool {
        // Keep a tombstone while a live segment may hold data it hides, and a drop while the
        // series is still hidden (so that a restart keeps hiding it).
        let keep = all.filter { t in (minLiveSeq.map { $0 <= t.maxSeq } ?? false) || (t.drop && dropped.contains(t.id)) }
        if keep.count == all.count { return false }
        let d = dropped
        self = Tombstones(keep)
        // A series stays hidden after its tombstone is pruned if it was not written since.
        dropped = d
        return true
    }
}

private func append32(_ v: UInt32, _ out: inout [UInt8]) {
    for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) }
}

private func append64(_ v: UInt64, _ out: inout [UInt8]) {
    for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
}

private func read32(_ b: [UInt8], _ o: Int) -> UInt32 {
    var v: UInt32 = 0
    for i in 0..<4 { v |= UInt32(b[o + i]) << (8 * UInt32(i)) }
    return v
}

private func read64(_ b: [UInt8], _ o: Int) -> UInt64 {
    var v: UInt64 = 0
    for i in 0..<8 { v |= UInt64(b[o + i]) << (8 * UInt64(i)) }
    return v
}
