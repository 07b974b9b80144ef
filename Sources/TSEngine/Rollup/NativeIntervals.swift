import TSSupport
import TSEncoding

/// Adaptive rollup levels (docs/rollups.md): each measurement's native sample interval, learnt
/// from its first sealed data and kept in `rollups/intervals` (docs/format/rollup.md), decides
/// which candidate levels it keeps.
///
/// Safety rests on one order: a measurement's interval is recorded before any rollup is written
/// under it, and until it is known every candidate level is computed. So whatever the planner
/// reads for a measurement — all candidates without an interval, the kept ones with — was
/// computed for all of its sealed data.
enum NativeIntervals {
    static let magic: [UInt8] = Array("TSNI".utf8)
    static let version: UInt8 = 1

    static func encode(_ intervals: [String: Int64]) -> [UInt8] {
        var w = ByteWriter(bytes: magic)
        w.u8(version)
        w.uvarint(UInt64(intervals.count))
        for (m, iv) in intervals.sorted(by: { $0.key < $1.key }) {
            w.uvarintBytes(Array(m.utf8))
            w.uvarint(UInt64(iv))
        }
        let crc = w.bytes.withUnsafeBytes { CRC32C.checksum($0) }
        w.le(crc)
        return w.bytes
    }

    static func decode(_ bytes: [UInt8], path: String) throws -> [String: Int64] {
        func corrupt(_ why: String) -> CorruptFileError { CorruptFileError(path: path, detail: why) }
        guard bytes.count >= magic.count + 1 + 1 + 4, bytes.prefix(magic.count).elementsEqual(magic) else { throw corrupt("bad magic") }
        return try bytes.withUnsafeBytes { b in
            let body = UnsafeRawBufferPointer(rebasing: b[..<(b.count - 4)])
            guard CRC32C.checksum(body) == (try ByteReader.le(UInt32.self, b, at: b.count - 4)) else { throw corrupt("checksum mismatch") }
            do {
                var r = ByteReader(body, offset: magic.count)
                guard try r.u8() == version else { throw corrupt("unknown version") }
                let n = try r.uvarint(atMost: UInt64(body.count), "measurement count")
                var out: [String: Int64] = [:]
                for _ in 0..<n {
                    let m = try r.uvarintString()
                    let iv = try r.uvarint()
                    guard iv > 0, iv <= UInt64(Int64.max) else { throw corrupt("interval \(iv)") }
                    out[m] = Int64(iv)
                }
                guard r.isAtEnd else { throw corrupt("trailing bytes") }
                return out
            } catch let e as CorruptFileError {
                throw e
            } catch {
                throw corrupt("\(error)")
            }
        }
    }

    /// The median of the positive gaps between consecutive timestamps (nil without any).
    static func medianGap(_ ts: [Int64]) -> Int64? {
        var gaps: [Int64] = []
        gaps.reserveCapacity(ts.count)
        for i in ts.indices.dropFirst() where ts[i] > ts[i - 1] { gaps.append(ts[i] &- ts[i - 1]) }
        if gaps.isEmpty { return nil }
        gaps.sort()
        return gaps[gaps.count / 2]
    }
}

extension Engine {
    /// Series sampled per measurement to learn its native interval.
    static let intervalSampleSeries = 8
    /// Gaps a measurement's sampled series must show together before its interval is trusted.
    static let intervalMinimumGaps = 8

    /// The levels each measurement of `ids` keeps. Under an adaptive policy, measurements whose
    /// interval is not known yet have it learnt from the data being rolled up (the median over up
    /// to `intervalSampleSeries` series of each one's median gap) and recorded durably before
    /// any of their rollups is written; with too little data, all candidates are kept this time.
    func keptLevels(_ db: Database, ids: [UInt32], briefs: [SeriesBrief?], dirty: [UInt32: [Int64]],
                    policy: RollupPolicy) throws -> [String: [RollupLevel]] {
        var out: [String: [RollupLevel]] = [:]
        var samples: [String: [Int]] = [:]
        let known = lock.withLock { db.nativeIntervals }
        for (n, info) in briefs.enumerated() {
            guard let info, info.type == .float || info.type == .integer else { continue }
            let m = info.measurement
            if out[m] != nil {
                if samples[m] != nil && samples[m]!.count < Engine.intervalSampleSeries { samples[m]!.append(n) }
                continue
            }
            out[m] = policy.levels(for: m, interval: known[m])
            if known[m] == nil && policy.isAdaptive(m) && !policy.levels(for: m).isEmpty { samples[m] = [n] }
        }
        var learnt: [String: Int64] = [:]
        for (m, picks) in samples {
            var medians: [Int64] = []
            var gaps = 0
            for n in picks {
                let info = briefs[n]!
                let buckets = dirty[ids[n]]!
                guard let lo = buckets.min(), let hi = buckets.max(), let w = policy.levels(for: m).last?.width else { continue }
                let range = TimeRange(min: lo, max: hi > Int64.max - w ? .max : hi + w - 1)
                let ref = SeriesRef(id: info.id, key: SeriesKey(measurement: "", field: ""), type: info.type)
                var ts: [Int64] = []
                try scan(try snapshot(db.name, [ref], range: range)[0], range: range) { cols in
                    ts.append(contentsOf: cols.timestamps)
                    return ts.count < 4096
                }
                if let g = NativeIntervals.medianGap(ts) {
                    medians.append(g)
                    gaps += ts.count - 1
                }
            }
            guard gaps >= Engine.intervalMinimumGaps, !medians.isEmpty else { continue }
            medians.sort()
            learnt[m] = medians[medians.count / 2]
        }
        if learnt.isEmpty { return out }
        let all = lock.withLock { db.nativeIntervals.merging(learnt) { old, _ in old } }
        try fs.makeDirectories(db.rollupsDir)
        try fs.writeFileDurably(db.nativeIntervalsPath, NativeIntervals.encode(all))
        lock.withLock { db.nativeIntervals = all }
        for (m, iv) in learnt {
            out[m] = policy.levels(for: m, interval: iv)
            options.log(.info, "rollups of \(db.name): measurement \(m) samples every \(formatDuration(iv)); levels kept: \(out[m]!.map(\.name).joined(separator: ",").ifEmpty("none"))")
        }
        return out
    }

    /// Loads a database's native intervals at open.
    static func loadNativeIntervals(_ db: Database, _ fs: FileSystem) throws {
        guard fs.exists(db.nativeIntervalsPath) else { return }
        db.nativeIntervals = try NativeIntervals.decode(try fs.readFile(db.nativeIntervalsPath), path: db.nativeIntervalsPath)
    }
}

extension String {
    func ifEmpty(_ other: String) -> String { isEmpty ? other : self }
}
