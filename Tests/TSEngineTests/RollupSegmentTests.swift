import Testing
import Foundation
import TSEncoding
@testable import TSEngine
import TestSupport
import TSSupport

/// Rollup segments (docs/format/rollup.md): round trip of every statistic, checksums over every
/// byte, the version dispatch, and the bucket algebra (coarsening, precedence, deletion).
@Suite struct RollupSegmentTests {
    static let minute: Int64 = 60_000_000_000

    /// Buckets of one series built from samples: a float gauge with NaN, -0 and a counter reset,
    /// or an integer series spanning Int64's extremes.
    static func buckets(_ type: ValueType, width: Int64, samples: Int, seed: UInt64) -> RollupColumns {
        var rng = SplitMix64(seed: seed)
        var b = RollupBuilder(width: width, type: type)
        var previous: Double?
        var t: Int64 = 1_767_225_600_000_000_000
        for i in 0..<samples {
            t += 10_000_000_000 + Int64(rng.next() % 3) * 1_000_000  // 10 s with jitter
            if rng.next() % 50 == 0 { t += 40 * minute }  // gaps
            if type == .float {
                let v: Double = i == 7 ? .nan : i == 8 ? -0.0 : i == 100 ? 3 : Double(i) * 1.5 + Double(rng.next() % 100) / 10
                b.add(t, float: v, previous: previous)
                previous = v
            } else {
                let v: Int64 = i == 3 ? .max : i == 4 ? .min : Int64(bitPattern: rng.next() % 1_000_000) - 500_000
                b.add(t, integer: v, previous: previous)
                previous = Double(v)
            }
        }
        return b.columns
    }

    static func same(_ a: RollupColumns, _ b: RollupColumns) -> Bool {
        func bits(_ x: [Double]) -> [UInt64] { x.map(\.bitPattern) }
        return a.type == b.type && a.starts == b.starts && a.counts == b.counts && a.firstTimes == b.firstTimes && a.lastTimes == b.lastTimes
            && bits(a.sums) == bits(b.sums) && bits(a.mins) == bits(b.mins) && bits(a.maxs) == bits(b.maxs)
            && bits(a.firsts) == bits(b.firsts) && bits(a.lasts) == bits(b.lasts) && bits(a.increases) == bits(b.increases)
            && a.isums == b.isums && a.imins == b.imins && a.imaxs == b.imaxs && a.ifirsts == b.ifirsts && a.ilasts == b.ilasts
    }

    func write(_ dir: String, _ series: [UInt32: RollupColumns], compression: BlockCompression = .zstd) throws -> String {
        let w = try SegmentWriter(directory: dir, seq: 9, kind: .rollups, compression: compression)
        for id in series.keys.sorted() {
            let c = series[id]!
            try w.add(id: id, type: c.type, canonical: SeriesKey("m", ["i": "\(id)"], field: "v").canonicalBytes, rollups: c)
        }
        try w.finish()
        return w.path
    }

    func readAll(_ path: String) -> [UInt32: RollupColumns]? {
        guard let s = try? Segment(path: path), s.kind == .rollups else { return nil }
        var out: [UInt32: RollupColumns] = [:]
        for id in s.seriesIDs {
            let e = s.entry(id)!
            var got = RollupColumns(type: e.type)
            for b in e.blocks {
                guard let c = try? s.readRollupBlock(b, type: e.type) else { return nil }
                got.append(from: c, range: 0..<c.count)
            }
            out[id] = got
        }
        return out
    }

    @Test(arguments: [BlockCompression.none, .lz4, .zstd])
    func roundTripOfEveryStatistic(_ compression: BlockCompression) throws {
        let dir = TempDir()
        // 20,000 one-minute buckets: more than one block (8,192 buckets each).
        let data: [UInt32: RollupColumns] = [
            1: Self.buckets(.float, width: Self.minute, samples: 120_000, seed: 1),
            4: Self.buckets(.integer, width: 5 * Self.minute, samples: 3_000, seed: 2),
        ]
        #expect(data[1]!.count > 8_192)
        let path = try write(dir.path, data, compression: compression)
        let s = try Segment(path: path)
        #expect(s.kind == .rollups && s.seriesCount == 2 && s.verify().isEmpty)
        #expect(s.entry(1)!.blocks.count == (data[1]!.count + 8_191) / 8_192)
        let got = try #require(readAll(path))
        for (id, c) in data { #expect(Self.same(got[id]!, c), "series \(id)") }
        // The two kinds never read each other's blocks.
        #expect(throws: CorruptFileError.self) { try s.readBlock(s.entry(1)!.blocks[0], type: .float) }
    }

    /// Counters: min equals first, max equals last and the increase equals the difference of
    /// consecutive lasts in (almost) every bucket, so those columns are stored as references or
    /// exceptions (docs/format/rollup.md); they round-trip exactly, resets and all, and cost far
    /// less than the same columns stored plainly.
    @Test func counterColumnsAreStoredAgainstTheirReferences() throws {
        func counter(_ type: ValueType, resetAt: Int?) -> RollupColumns {
            var b = RollupBuilder(width: 5 * Self.minute, type: type)
            var previous: Double?
            var v: Int64 = 1_000_000
            for i in 0..<3_000 {
                v = i == resetAt ? 17 : v + Int64(i % 7) * 1_000 + 3
                if type == .float { b.add(Int64(i) * 10_000_000_000, float: Double(v), previous: previous) } else { b.add(Int64(i) * 10_000_000_000, integer: v, previous: previous) }
                previous = Double(v)
            }
            return b.columns
        }
        for type in [ValueType.float, .integer] {
            for reset in [nil, 1_234] as [Int?] {
                let c = counter(type, resetAt: reset)
                var out: [UInt8] = [], scratch: [UInt8] = []
                let n = RollupBlockCodec.encode(c, range: 0..<c.count, compression: .none, level: 0, scratch: &scratch, into: &out)
                let back = try out.withUnsafeBytes { try RollupBlockCodec.decode($0, type: type, expectedCount: c.count, start: c.starts[0], path: "t", blockOffset: 0) }
                #expect(Self.same(back, c), "\(type) reset \(String(describing: reset))")
                // The same buckets with min, max and increase off their references by one unit.
                var plain = c
                plain.increases = c.increases.map { $0 + 1 }
                if type == .float { plain.mins = c.mins.map { $0 - 1 }; plain.maxs = c.maxs.map { $0 + 1 } } else { plain.imins = c.imins.map { $0 - 1 }; plain.imaxs = c.imaxs.map { $0 + 1 } }
                var out2: [UInt8] = []
                let n2 = RollupBlockCodec.encode(plain, range: 0..<plain.count, compression: .none, level: 0, scratch: &scratch, into: &out2)
                let back2 = try out2.withUnsafeBytes { try RollupBlockCodec.decode($0, type: type, expectedCount: c.count, start: c.starts[0], path: "t", blockOffset: 0) }
                #expect(Self.same(back2, plain))
                #expect(n * 3 < n2 * 2, "\(type): \(n) bytes against references, \(n2) plain")
            }
        }
    }

    /// A block of one bucket (a short-lived series' only bucket in a level window) is stored
    /// without column framing; every bucket of a gauge with NaN, -0 and fractions, of a counter
    /// and of an integer series spanning Int64 round-trips alone, bit for bit.
    @Test(arguments: [ValueType.float, .integer])
    func singleBucketBlocksRoundTrip(_ type: ValueType) throws {
        let c = Self.buckets(type, width: Self.minute, samples: 3_000, seed: 7)
        var scratch: [UInt8] = []
        for i in 0..<c.count {
            var one = RollupColumns(type: type)
            one.append(from: c, at: i)
            var out: [UInt8] = []
            let n = RollupBlockCodec.encode(c, range: i..<(i + 1), compression: .none, level: 0, scratch: &scratch, into: &out)
            #expect(n == out.count)
            let back = try out.withUnsafeBytes { try RollupBlockCodec.decode($0, type: type, expectedCount: 1, start: c.starts[i], path: "t", blockOffset: 0) }
            #expect(Self.same(back, one), "bucket \(i)")
            #expect(throws: CorruptFileError.self) {
                try out.withUnsafeBytes { try RollupBlockCodec.decode($0, type: type, expectedCount: 2, start: c.starts[i], path: "t", blockOffset: 0) }
            }
        }
        // A collectd counter's bucket (integral floats, min = first, max = last): 16 samples at
        // 10 s cost about 32 bytes with framing and checksum, against ~70 as columns.
        var b = RollupBuilder(width: 60 * Self.minute, type: .float)
        var previous: Double? = 35_285_305
        for k in 0..<16 {
            let v = 35_285_305 + Double(k * 997)
            b.add(1_767_225_600_000_000_000 + Int64(k) * 10_000_000_000, float: v, previous: previous)
            previous = v
        }
        var out: [UInt8] = []
        let n = RollupBlockCodec.encode(b.columns, range: 0..<1, compression: .none, level: 0, scratch: &scratch, into: &out)
        #expect(n <= 34, "\(n) bytes")
        let back = try out.withUnsafeBytes { try RollupBlockCodec.decode($0, type: .float, expectedCount: 1, start: b.columns.starts[0], path: "t", blockOffset: 0) }
        #expect(Self.same(back, b.columns))
    }

    @Test func everyFlippedByteIsDetected() throws {
        let dir = TempDir()
        let data: [UInt32: RollupColumns] = [2: Self.buckets(.float, width: Self.minute, samples: 600, seed: 3),
                                             3: Self.buckets(.integer, width: Self.minute, samples: 600, seed: 4)]
        let work = TempDir()
        let target = work.path + "/" + SegmentFormat.fileName(seq: 9)
        let (detected, length) = try flipEachByte(of: try write(dir.path, data), into: target) { off in
            guard let got = readAll(target) else { return nil }
            #expect(got.count == data.count && got.allSatisfy { Self.same($0.value, data[$0.key]!) }, "flip at \(off) returned wrong data")
            return true
        }
        #expect(detected == length)
    }

    /// Coarser levels built from finer buckets equal those built from the samples (float sums
    /// and increases within 1e-9: only the order of additions differs).
    @Test(arguments: [ValueType.float, .integer])
    func coarseningEqualsBuildingFromSamples(_ type: ValueType) {
        let fine = Self.buckets(type, width: 5 * Self.minute, samples: 50_000, seed: 5)
        let direct = Self.buckets(type, width: 60 * Self.minute, samples: 50_000, seed: 5)
        let derived = fine.coarsened(width: 60 * Self.minute)
        #expect(derived.starts == direct.starts && derived.counts == direct.counts)
        #expect(derived.firstTimes == direct.firstTimes && derived.lastTimes == direct.lastTimes)
        func close(_ a: [Double], _ b: [Double]) -> Bool {
            a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern || abs($0 - $1) <= 1e-9 * max(abs($0), abs($1)) || ($0.isNaN && $1.isNaN) }
        }
        #expect(close(derived.increases, direct.increases))
        if type == .float {
            #expect(close(derived.sums, direct.sums))
            #expect(derived.mins.map(\.bitPattern) == direct.mins.map(\.bitPattern) && derived.maxs.map(\.bitPattern) == direct.maxs.map(\.bitPattern))
            #expect(derived.firsts.map(\.bitPattern) == direct.firsts.map(\.bitPattern) && derived.lasts.map(\.bitPattern) == direct.lasts.map(\.bitPattern))
        } else {
            #expect(derived.isums == direct.isums && derived.imins == direct.imins && derived.imaxs == direct.imaxs)
            #expect(derived.ifirsts == direct.ifirsts && derived.ilasts == direct.ilasts)
        }
    }

    /// A recomputed bucket replaces the whole older bucket; deleted ranges drop whole buckets.
    @Test func precedenceAndDeletion() {
        let a = Self.buckets(.float, width: Self.minute, samples: 200, seed: 6)
        var b = RollupColumns(type: .float)
        b.append(from: Self.buckets(.float, width: Self.minute, samples: 200, seed: 7), range: 3..<9)
        let merged = RollupColumns.merge([(1, a), (2, b)], type: .float)
        #expect(Set(merged.starts) == Set(a.starts + b.starts) && merged.starts == merged.starts.sorted())
        for (i, t) in merged.starts.enumerated() {
            let src = b.starts.contains(t) ? b : a
            let k = src.starts.firstIndex(of: t)!
            #expect(merged.counts[i] == src.counts[k] && merged.sums[i].bitPattern == src.sums[k].bitPattern)
        }
        let cut = TimeRange(min: a.starts[10], max: a.starts[20])
        let kept = a.removing([cut])
        #expect(kept.count == a.count - 11 && !kept.starts.contains { cut.contains($0) })
        #expect(a.clipped(cut).starts == Array(a.starts[10...20]))
    }
}
