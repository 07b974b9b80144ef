import Testing
import Foundation
import TSEncoding
@testable import TSEngine
import TestSupport
import TSSupport

@Suite struct SegmentTests {
    func writeSegment(_ dir: String) throws -> (String, [UInt32: SampleColumns]) {
        let w = try SegmentWriter(directory: dir, seq: 7)
        var data: [UInt32: SampleColumns] = [:]
        for id in UInt32(1)...3 {
            let ts = (0..<300).map { Int64($0) * 10_000_000_000 + Int64(id) }
            let vals: ColumnValues = id == 2 ? .integer(ts.map { $0 / 7 }) : .float(ts.map { Double($0) * 0.25 })
            let cols = SampleColumns(timestamps: ts, values: vals)
            data[id] = cols
            try w.add(id: id, type: vals.type, canonical: SeriesKey("m", ["i": "\(id)"], field: "v").canonicalBytes, columns: cols)
        }
        try w.finish()
        return (w.path, data)
    }

    @Test func roundTrip() throws {
        let dir = TempDir()
        let (path, data) = try writeSegment(dir.path)
        let s = try Segment(path: path)
        #expect(s.seq == 7 && s.seriesCount == 3 && s.sampleCount == 900)
        for (id, cols) in data {
            let e = s.entry(id)!
            var got = SampleColumns(type: e.type)
            for b in e.blocks {
                let c = try s.readBlock(b, type: e.type)
                got.timestamps += c.timestamps
                got.values.append(from: c.values, range: 0..<c.count)
            }
            #expect(got.timestamps == cols.timestamps && got.values == cols.values)
        }
        #expect(s.verify().isEmpty)
        #expect(!FileSystem.posix.exists(path + ".tmp"))
    }

    /// A sparse series table (ids with gaps, several blocks for one series) is found by binary
    /// search; ids in the gaps are absent; keys come back from the file, in id order.
    @Test func sparseIDsAndKeysFromTheFile() throws {
        let dir = TempDir()
        let w = try SegmentWriter(directory: dir.path, seq: 3)
        let ids: [UInt32] = [2, 5, 9, 1_000, 70_000]
        for id in ids {
            let n = id == 9 ? SegmentFormat.maxBlockSamples * 2 + 5 : Int(id % 7) + 1
            let ts = (0..<n).map { Int64($0) * 1_000 + Int64(id) }
            try w.add(id: id, type: .float, canonical: SeriesKey("m", ["id": "\(id)"], field: "v").canonicalBytes,
                      columns: SampleColumns(timestamps: ts, values: .float(ts.map { Double($0) })))
        }
        try w.finish()
        let s = try Segment(path: w.path)
        #expect(s.seriesIDs == ids && s.minSeriesID == 2 && s.maxSeriesID == 70_000)
        for id in UInt32(0)...1_001 where !ids.contains(id) { #expect(s.entry(id) == nil) }
        #expect(s.entry(70_001) == nil)
        #expect(s.entry(9)!.blocks.count == 3 && s.entry(9)!.blocks.map(\.count).reduce(0, +) == SegmentFormat.maxBlockSamples * 2 + 5)
        for id in ids where id != 9 {
            let e = s.entry(id)!
            #expect(e.blocks.count == 1 && e.blocks.first!.count == Int(id % 7) + 1 && e.blocks.first!.minT == Int64(id))
        }
        var keys: [(UInt32, SeriesKey?)] = []
        try s.forEachKey { id, type, key in
            #expect(type == .float)
            keys.append((id, SeriesKey(canonical: key)))
        }
        #expect(keys.map(\.0) == ids)
        #expect(keys.map { $0.1?.tagValue("id") } == ids.map { "\($0)" })
        #expect(s.verify().isEmpty)
    }

    /// A series table compressed as it grows (two zstd frames: the count's, then the entries')
    /// reads back exactly as one compressed whole, and both are well-formed zstd bodies.
    @Test func streamedSeriesTableReadsBackExactly() throws {
        let dir = TempDir()
        var paths: [String] = []
        for (seq, spill) in [(UInt64(1), 1 << 30), (2, 512)] {
            let w = try SegmentWriter(directory: dir.path, seq: seq, tableSpill: spill)
            w.replaces = [5, 6]
            for id in UInt32(1)...3_000 {
                let k = SeriesKey("virt_value", ["host": "hv-\(id % 37)", "instance": "vm-\(id)-0f3c2a9e-7d1b"], field: "value")
                try w.add(id: id, type: .integer, canonical: k.canonicalBytes,
                          columns: SampleColumns(timestamps: [Int64(id), Int64(id) + 10], values: .integer([Int64(id), -Int64(id)])))
            }
            try w.finish()
            paths.append(w.path)
        }
        let a = try Segment(path: paths[0]), b = try Segment(path: paths[1])
        #expect(a.seriesCount == 3_000 && b.seriesCount == 3_000 && b.replaces == [5, 6] && b.sampleCount == 6_000)
        var ka: [[UInt8]] = [], kb: [[UInt8]] = []
        try a.forEachKey { _, _, k in ka.append([UInt8](k)) }
        try b.forEachKey { id, type, k in
            #expect(type == .integer && SeriesKey(canonical: k)?.tagValue("instance") == "vm-\(id)-0f3c2a9e-7d1b")
            kb.append([UInt8](k))
        }
        #expect(ka == kb && kb.count == 3_000)
        #expect(readAll(paths[0])!.mapValues { $0.timestamps } == readAll(paths[1])!.mapValues { $0.timestamps })
        #expect(b.verify().isEmpty)
    }

    /// Reads everything; returns nil if any error was raised.
    func readAll(_ path: String) -> [UInt32: SampleColumns]? {
        guard let s = try? Segment(path: path) else { return nil }
        var out: [UInt32: SampleColumns] = [:]
        for id in s.seriesIDs {
            let e = s.entry(id)!
            var got = SampleColumns(type: e.type)
            for b in e.blocks {
                guard let c = try? s.readBlock(b, type: e.type) else { return nil }
                got.timestamps += c.timestamps
                got.values.append(from: c.values, range: 0..<c.count)
            }
            out[id] = got
        }
        return out
    }

    @Test func everyFlippedByteIsDetected() throws {
        let dir = TempDir()
        let (path, data) = try writeSegment(dir.path)
        let work = TempDir()
        let target = work.path + "/" + SegmentFormat.fileName(seq: 7)
        let (detected, length) = try flipEachByte(of: path, into: target) { off in
            guard let got = readAll(target) else { return nil }
            // Only acceptable if nothing read differs (a flip in a reserved, unchecked spot).
            let same = got.count == data.count && got.allSatisfy { data[$0.key]!.timestamps == $0.value.timestamps && data[$0.key]!.values == $0.value.values }
            #expect(same, "flip at \(off) returned wrong data")
            return true
        }
        #expect(detected == length, "every byte is covered by a checksum or a structural check")
    }

    /// A segment file around an uncompressed series table `raw`, with valid checksums; `indexOffset`
    /// replaces the footer's index offset when given.
    func segmentFile(table raw: [UInt8], series: UInt32, indexOffset: UInt64? = nil) -> [UInt8] {
        var file = SegmentFormat.magic(.samples)
        var index: [UInt8] = [BlockCompression.none.rawValue] + raw
        let crc = index.withUnsafeBytes { CRC32C.checksum($0) }
        withUnsafeBytes(of: crc.littleEndian) { index.append(contentsOf: $0) }
        let offset = UInt64(file.count)
        file += index
        var footer: [UInt8] = []
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { footer.append(contentsOf: $0) } }
        put(indexOffset ?? offset); put(UInt64(index.count)); put(UInt64(1)); put(Int64(0)); put(Int64(0))
        put(series); put(UInt32(0)); put(SegmentKind.samples.rawValue); put(UInt32(0))
        put(footer.withUnsafeBytes { CRC32C.checksum($0) })
        footer += SegmentFormat.footerMagic
        return file + footer
    }

    // Found by fuzz/ (target segment, fuzz/corpus/segment/regression-index-bounds-overflow): with
    // valid checksums, a footer whose index offset plus index length overflows UInt64 trapped in
    // Segment.init instead of being reported as corruption. The same held for a series-id delta
    // that overflows (fuzz/corpus/segment/regression-series-id-overflow).
    @Test func overflowingOffsetsAndIDsAreCorruptionNotATrap() throws {
        let work = TempDir()
        let target = work.path + "/" + SegmentFormat.fileName(seq: 1)
        func table(secondDelta: UInt64) -> [UInt8] {
            var t: [UInt8] = []
            Varint.put(2, into: &t)
            for (i, delta) in [UInt64(1), secondDelta].enumerated() {
                Varint.put(delta, into: &t)
                t.append(ValueType.float.rawValue)
                let key = SeriesKey("m", ["i": "\(i)"], field: "v").canonicalBytes
                Varint.put(UInt64(key.count), into: &t)
                t += key
                Varint.put(0, into: &t)  // no blocks
            }
            Varint.put(0, into: &t)  // replaces nothing
            return t
        }
        func load(_ bytes: [UInt8]) throws -> Segment {
            try Data(bytes).write(to: URL(fileURLWithPath: target))
            return try Segment(path: target)
        }
        #expect(try load(segmentFile(table: table(secondDelta: 1), series: 2)).seriesCount == 2)
        #expect(throws: CorruptFileError.self) { try load(segmentFile(table: table(secondDelta: .max), series: 2)) }
        #expect(throws: CorruptFileError.self) { try load(segmentFile(table: table(secondDelta: 1), series: 2, indexOffset: .max - 2)) }
        #expect(throws: CorruptFileError.self) { try load(segmentFile(table: table(secondDelta: 1), series: 2, indexOffset: .max)) }
    }

    @Test func truncatedFilesAreRejectedNotMapped() throws {
        let dir = TempDir()
        let (path, _) = try writeSegment(dir.path)
        let orig = try Data(contentsOf: URL(fileURLWithPath: path))
        let work = TempDir()
        let target = work.path + "/x.seg"
        for cut in stride(from: 0, to: orig.count, by: 13) {
            try orig.prefix(cut).write(to: URL(fileURLWithPath: target))
            #expect(throws: CorruptFileError.self) { _ = try Segment(path: target) }
        }
    }

    @Test func corruptSegmentIsQuarantinedAndStartupContinues() throws {
        let dir = TempDir()
        do {
            let e = try Engine(path: dir.path, options: testOptions())
            try e.append(database: "db", SeriesKey("a", field: "v"), 1, .float(1))
            try e.flush()
            try e.append(database: "db", SeriesKey("b", field: "v"), 1_000_000_000_000_000, .float(2))
            try e.flush()
            try e.close()
        }
        let segDir = dir.path + "/db/db/segments"
        let first = try FileSystem.posix.listDirectory(segDir).first { $0.hasSuffix(".seg") }!
        let p = segDir + "/" + first
        var b = try Data(contentsOf: URL(fileURLWithPath: p))
        b[b.count - 10] ^= 0xff  // footer
        try b.write(to: URL(fileURLWithPath: p))
        let e = try Engine(path: dir.path, options: testOptions())
        #expect(e.stats().segmentsQuarantined == 1)
        #expect(FileSystem.posix.exists(p + ".corrupt"))
        #expect(try e.points("db", SeriesKey("b", field: "v")).count == 1)
        try e.close()
    }

    @Test func blockReadErrorNamesFileAndBlock() throws {
        let dir = TempDir()
        let (path, _) = try writeSegment(dir.path)
        var b = try Data(contentsOf: URL(fileURLWithPath: path))
        b[SegmentFormat.headerSize + 3] ^= 1
        try b.write(to: URL(fileURLWithPath: path))
        let s = try Segment(path: path)
        let e = s.entry(1)!
        do {
            _ = try s.readBlock(e.blocks[0], type: e.type)
            Issue.record("no error")
        } catch let err as CorruptFileError {
            #expect(err.path == path && err.detail.contains("block at offset 8"))
        }
    }
}
