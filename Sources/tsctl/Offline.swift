import TSSupport
import ArgumentParser
import Foundation
import LineProtocol
import TSEngine
import TSIngest

/// Lists the segment files of a data directory, raw (`level` nil) and of rollup levels (read-only;
/// safe while tsdbd runs).
func segmentFiles(_ dataDir: String, database: String?) throws -> [(db: String, level: String?, path: String)] {
    let fs = FileSystem.posix
    let root = dataDir + "/db"
    guard fs.isDirectory(root) else { throw ValidationError("\(dataDir) is not a tsdbd data directory (no db/ folder)") }
    var out: [(String, String?, String)] = []
    func add(_ db: String, _ level: String?, _ dir: String) throws {
        guard fs.isDirectory(dir) else { return }
        for f in try fs.listDirectory(dir).sorted() where f.hasSuffix(".seg") { out.append((db, level, dir + "/" + f)) }
    }
    for db in try fs.listDirectory(root).sorted() where database == nil || database == db {
        try add(db, nil, root + "/" + db + "/segments")
        let rollups = root + "/" + db + "/rollups"
        guard fs.isDirectory(rollups) else { continue }
        for level in try fs.listDirectory(rollups).sorted() where fs.isDirectory(rollups + "/" + level) {
            try add(db, level, rollups + "/" + level + "/segments")
        }
    }
    return out
}

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show segments, series and bytes per sample, per measurement, of a data directory.")

    @Argument(help: "The data directory.") var dataDir: String = "./data"
    @Option(help: "Only this database.") var db: String?
    @Flag(help: "Print JSON instead of a table.") var json = false

    func run() throws {
        struct Row { var series = 0; var samples = 0; var bytes = 0 }
        struct Level { var segments = 0; var bytes = 0; var series = Set<String>(); var buckets = 0 }
        var rows: [String: Row] = [:]
        var levels: [String: Level] = [:]
        var segBytes = 0, overhead = 0, segments = 0
        // Raw segments per time tier (docs/format/tiers.md), by the narrowest default window holding each.
        let defaults = EngineOptions()
        let widths = [defaults.blockRange] + defaults.compactionTiers
        var tiers: [Int64: (segments: Int, bytes: Int)] = [:]
        for (database, level, path) in try segmentFiles(dataDir, database: db) {
            let s = try Segment(path: path)
            if let level {
                levels[level, default: Level()].segments += 1
                levels[level, default: Level()].bytes += s.sizeBytes
                for x in try s.seriesSummaries() {
                    levels[level, default: Level()].series.insert(database + "\u{0}" + (x.key.map { "\($0)" } ?? "?"))
                    levels[level, default: Level()].buckets += x.samples
                }
                continue
            }
            segments += 1
            segBytes += s.sizeBytes
            let w = widths.first { alignDown(s.minT, $0) == alignDown(s.maxT, $0) } ?? (s.maxT - s.minT)
            tiers[w, default: (0, 0)].segments += 1
            tiers[w, default: (0, 0)].bytes += s.sizeBytes
            overhead += s.overheadBytes
            for x in try s.seriesSummaries() {
                let m = x.key?.measurement ?? "?"
                rows[m, default: Row()].series += 1
                rows[m, default: Row()].samples += x.samples
                rows[m, default: Row()].bytes += x.blockBytes
            }
        }
        var walBytes = 0
        for f in (try? FileSystem.posix.listDirectory(dataDir + "/wal")) ?? [] { walBytes += FileSystem.posix.fileSize(path: dataDir + "/wal/" + f) ?? 0 }
        let totalSamples = rows.values.reduce(0) { $0 + $1.samples }
        let dirBytes = duBytes(dataDir)
        let levelList = levels.sorted { (parseDuration($0.key) ?? 0) < (parseDuration($1.key) ?? 0) }
        if json {
            func number(_ v: some CustomStringConvertible) -> JSONValue { .number(v.description) }
            let items: [JSONValue] = rows.sorted(by: { $0.key < $1.key }).map { m, r in
                .object([("measurement", .string(m)), ("series", number(r.series)), ("samples", number(r.samples)),
                         ("block_bytes", number(r.bytes)), ("bytes_per_sample", number(ratio(r.bytes, r.samples)))])
            }
            let lv: [JSONValue] = levelList.map { name, l in
                .object([("level", .string(name)), ("segments", number(l.segments)), ("bytes", number(l.bytes)), ("series", number(l.series.count)),
                         ("buckets", number(l.buckets)), ("bytes_per_raw_sample", number(ratio(l.bytes, totalSamples)))])
            }
            print(JSONValue.object([("segments", number(segments)), ("segment_bytes", number(segBytes)), ("index_and_footer_bytes", number(overhead)),
                                    ("wal_bytes", number(walBytes)), ("directory_bytes", number(dirBytes)), ("samples", number(totalSamples)),
                                    ("bytes_per_sample", number(ratio(dirBytes, totalSamples))), ("measurements", .array(items)),
                                    ("levels", .array(lv)),
                                    ("tiers", .array(tiers.sorted { $0.key < $1.key }.map { w, t in
                                        .object([("window", .string(formatDuration(w))), ("segments", number(t.segments)), ("bytes", number(t.bytes))])
                                    }))]).compactText)
            return
        }
        print(pad("measurement", 24) + lpad("series", 10) + lpad("samples", 14) + lpad("bytes", 14) + lpad("B/sample", 10))
        for (m, r) in rows.sorted(by: { $0.key < $1.key }) {
            print(pad(m, 24) + lpad("\(r.series)", 10) + lpad("\(r.samples)", 14) + lpad("\(r.bytes)", 14) + lpad(String(format: "%.3f", ratio(r.bytes, r.samples)), 10))
        }
        print("segments: \(segments), segment bytes: \(segBytes) (series tables, headers, footers: \(overhead)), WAL bytes: \(walBytes)")
        print("segments by window: " + tiers.sorted { $0.key < $1.key }.map { "\(formatDuration($0.key)): \($0.value.segments) (\($0.value.bytes) bytes)" }.joined(separator: ", "))
        for (name, l) in levelList {
            print("rollup level \(name): \(l.segments) segments, \(l.bytes) bytes (\(String(format: "%.1f", 100 * ratio(l.bytes, segBytes)))% of raw segments, "
                  + "\(String(format: "%.3f", ratio(l.bytes, totalSamples))) B per raw sample), \(l.series.count) series, \(l.buckets) buckets")
        }
        print("whole directory: \(dirBytes) bytes for \(totalSamples) samples = \(String(format: "%.3f", ratio(dirBytes, totalSamples))) B/sample")
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read every block of every segment and check its checksum; exit 1 on any problem.")

    @Argument(help: "The data directory.") var dataDir: String = "./data"

    func run() throws {
        var problems = 0, blocks = 0
        for (_, _, path) in try segmentFiles(dataDir, database: nil) {
            do {
                let s = try Segment(path: path)
                let p = s.verify()
                problems += p.count
                blocks += s.seriesCount
                for x in p { print(x) }
            } catch {
                problems += 1
                print("\(error)")
            }
        }
        print("\(problems == 0 ? "ok" : "FAILED"): \(problems) problems")
        if problems > 0 { throw ExitCode(1) }
    }
}

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load line-protocol files into a data directory directly (tsdbd must not be running on it).",
        discussion: "Files are read in the order given. With --flush the head is sealed and compacted at the end, so `tsctl inspect` shows the on-disk size.")

    @Option(name: .customLong("data-dir"), help: "The data directory.") var dataDir: String = "./data"
    @Option(help: "Database to write into.") var db: String
    @Option(help: "Timestamp precision of the files: n, u, ms, s, m, h.") var precision: String = "n"
    @Option(help: "WAL policy while importing: always | interval:D | none.") var fsync: String = "none"
    @Flag(help: "Seal and compact at the end.") var flush = false
    @Argument(help: "Line-protocol files.") var files: [String]

    func run() throws {
        guard let p = Precision(precision) else { throw ValidationError("bad --precision \(precision)") }
        guard let policy = SyncPolicy(parsing: fsync) else { throw ValidationError("bad --fsync \(fsync)") }
        var o = EngineOptions()
        o.syncPolicy = policy
        let engine = try Engine(path: dataDir, options: o)
        var written = 0, errors = 0
        let t0 = SystemClock.monotonicNanos()
        for f in files {
            let bytes = try FileSystem.posix.readFile(f)
            let ing = LineProtocolIngester(database: db, precision: p, now: SystemClock.wallClockNanos(), batchSize: 10_000)
            try bytes.withUnsafeBytes { raw in try ing.feed(raw) { written += try engine.append($0).written } }
            if let last = ing.finish() { written += try engine.append(last).written }
            errors += ing.parseErrors
            for r in ing.reasons { FileHandle.standardError.write("\(f): \(r)\n".data(using: .utf8)!) }
        }
        let secs = Double(SystemClock.monotonicNanos() - t0) / 1e9
        if flush { try engine.flushAndCompact() }
        try engine.close()
        print("imported \(written) samples in \(String(format: "%.2f", secs)) s (\(Int(Double(written) / secs)) samples/s), \(errors) lines rejected")
        if errors > 0 { throw ExitCode(1) }
    }
}

func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : (Double(a) / Double(b) * 1000).rounded() / 1000 }
func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? " " + s : String(repeating: " ", count: n - s.count) + s }

/// Total bytes of regular files under `path` (like `du -sb`, apparent sizes).
func duBytes(_ path: String) -> Int {
    guard let e = FileManager.default.enumerator(atPath: path) else { return 0 }
    var total = 0
    while let f = e.nextObject() as? String {
        if let a = try? FileManager.default.attributesOfItem(atPath: path + "/" + f), (a[.type] as? FileAttributeType) == .typeRegular {
            total += (a[.size] as? Int) ?? 0
        }
    }
    return total
}
