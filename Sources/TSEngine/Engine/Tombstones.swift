import TSSupport
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
        var w = ByteWriter(bytes: Tombstones.magic)
        w.u8(1)
        w.le(UInt32(all.count))
        for t in all {
            w.le(t.id)
            w.le(t.range.min)
            w.le(t.range.max)
            w.le(t.maxSeq)
            w.u8((t.drop ? 1 : 0) | (t.rollupsPending ? 2 : 0))
        }
        w.le(w.bytes.withUnsafeBytes { CRC32C.checksum($0) })
        return w.bytes
    }

    static func decode(_ b: [UInt8], path: String) throws -> Tombstones {
        func corrupt(_ why: String) -> CorruptFileError { CorruptFileError(path: path, detail: why) }
        guard b.count >= 13, Array(b[0..<4]) == magic else { throw corrupt("bad tombstones header") }
        guard b[4] == 1 else { throw corrupt("unsupported tombstones version \(b[4])") }
        return try b.withUnsafeBytes { raw in
            var r = ByteReader(raw, offset: 5)
            let n = Int(try r.le(UInt32.self))
            guard b.count == 9 + n * recordSize + 4 else { throw corrupt("tombstones file has the wrong size") }
            guard try ByteReader.le(UInt32.self, raw, at: b.count - 4) == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[..<(b.count - 4)])) else {
                throw corrupt("tombstones checksum mismatch")
            }
            var list: [Tombstone] = []
            for _ in 0..<n {
                let id = try r.le(UInt32.self)
                let range = TimeRange(min: try r.le(Int64.self), max: try r.le(Int64.self))
                let maxSeq = try r.le(UInt64.self)
                let flags = try r.u8()
                list.append(Tombstone(id: id, range: range, maxSeq: maxSeq, drop: flags & 1 != 0, rollupsPending: flags & 2 != 0))
            }
            return Tombstones(list)
        }
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
