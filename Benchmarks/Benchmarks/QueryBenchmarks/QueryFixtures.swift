// Fixtures for the query benchmarks: series tables that fill write batches through the ingest hot
// path, the small W1-shaped dataset (built per benchmark process, deleted afterwards), the cached
// 30-day dataset of the rollup benchmarks, and the check that a rollup answer equals the raw one.
import BenchSupport
import Foundation
import InfluxQL
import TSEngine
import TSQuery

/// The database every query benchmark reads.
let database = "bench"

let nsPerHour: Int64 = 3_600 * nsPerSecond
let nsPerDay: Int64 = 24 * nsPerHour

/// `$TSENGINE_BENCH_DIR` or the system temporary directory.
func benchBaseDirectory() -> String {
    ProcessInfo.processInfo.environment["TSENGINE_BENCH_DIR"] ?? NSTemporaryDirectory()
}

/// A per-process scratch directory (deleted by the benchmark's teardown).
func scratchDirectory(_ name: String) -> String {
    let path = (benchBaseDirectory() as NSString).appendingPathComponent("tsengine-bench-\(getpid())-\(name)")
    try? FileManager.default.removeItem(atPath: path)
    return path
}

func removeDirectory(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

func stderrLine(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}

/// No background maintenance (seals and compactions happen only when asked for), no fsync, the
/// standard rollup levels (5m and 1h), quiet log.
func engineOptions() -> EngineOptions {
    var o = EngineOptions()
    o.syncPolicy = .none
    o.backgroundMaintenance = false
    o.rollups = RollupPolicy.standard
    o.log = { level, message in
        if level >= .error { stderrLine("tsengine \(level): \(message)") }
    }
    return o
}

/// Sizes of a database's segments per storage level, from `Engine.stats()`.
struct LevelBytes {
    var raw = 0
    var rawSamples = 0
    var levels: [(name: String, bytes: Int, series: Int, segments: Int)] = []

    init(_ engine: Engine) {
        guard let db = engine.stats().databases.first(where: { $0.name == database }) else { return }
        raw = db.segmentBytes
        rawSamples = db.segmentSamples
        levels = db.levels.map { ($0.name, $0.segmentBytes, $0.series, $0.segments) }
    }

    func bytes(_ level: String) -> Int { levels.first { $0.name == level }?.bytes ?? 0 }
}

/// Bytes of every regular file under `path`.
func directoryBytes(_ path: String) -> Int {
    guard let e = FileManager.default.enumerator(atPath: path) else { return 0 }
    var total = 0
    while let rel = e.nextObject() as? String {
        let attrs = try? FileManager.default.attributesOfItem(atPath: (path as NSString).appendingPathComponent(rel))
        if attrs?[.type] as? FileAttributeType == .typeRegular { total += (attrs?[.size] as? Int) ?? 0 }
    }
    return total
}

// MARK: - W1-shaped dataset (2 h)

/// A small W1-shaped dataset: 20 hypervisors × 16 cores × 8 CPU states of `cpu_value` jiffies
/// counters (2,560 series) and 400 VMs' `virt_value,type=virt_cpu_total` nanosecond counters, all
/// whole-number floats, 2 h at 10 s (720 steps, 0–5 ms jitter) from `epochStart`: 2,131,200 samples,
/// written, flushed into one segment per the 2 h window (rollups computed at the seal) and queried
/// with `level=raw`, as the e2e query benchmark's Q1–Q3 (docs/benchmarks.md).
final class W1Dataset {
    static let hosts = 20, cores = 16, vms = 400, steps = 720
    static let states = ["user", "system", "idle", "wait", "nice", "interrupt", "softirq", "steal"]
    static var cpuSeries: Int { hosts * cores * states.count }
    static var samples: Int { (cpuSeries + vms) * steps }
    /// [A, B2) of the e2e benchmark: the 2 h window.
    static let start = epochStart
    static let end = epochStart + 2 * nsPerHour

    let path: String
    var engine: Engine?
    var executor: QueryExecutor?
    /// Per VM (host tag → last − first value): the exact `increase` over the window.
    private(set) var expectedIncrease: [String: Double] = [:]

    init() { path = scratchDirectory("query-w1") }

    static func vmName(_ v: Int) -> String { String(format: "vm%03d.cloud.example", v) }

    func build() throws {
        removeDirectory(path)
        let engine = try Engine(path: path, options: engineOptions())
        self.engine = engine
        var keys: [(measurement: String, tags: [Tag])] = []
        for h in 0..<Self.hosts {
            let host = String(format: "hv%03d.cloud.example", h)
            for c in 0..<Self.cores {
                for s in Self.states {
                    keys.append(("cpu_value", [Tag("host", host), Tag("instance", String(c)), Tag("type", "cpu"), Tag("type_instance", s)]))
                }
            }
        }
        for v in 0..<Self.vms {
            keys.append(("virt_value", [Tag("host", Self.vmName(v)), Tag("type", "virt_cpu_total")]))
        }
        let table = SeriesTable(keys)
        var rng = SplitMix64(seed: 20_261_123)
        // Jiffies counters grow by ~0–1000 per 10 s; VM CPU ns counters by N(5·10⁸, 10⁸).
        var values = (0..<table.count).map { i in i < Self.cpuSeries ? Double(rng.next() % 10_000_000) : Double(rng.next() % 1_000_000_000_000) }
        let first = values
        var timestamps = [Int64](repeating: 0, count: table.count)
        let stepsPerBatch = 60
        var batch = WriteBatch(database: database, reservingCapacity: table.count * stepsPerBatch)
        for step in 0..<Self.steps {
            let base = Self.start + Int64(step) * 10 * nsPerSecond
            for i in 0..<table.count {
                timestamps[i] = base + Int64(rng.next() % 6) * nsPerMs
                if step > 0 {
                    if i < Self.cpuSeries {
                        values[i] += Double(rng.next() % 1_001)
                    } else {
                        values[i] += max(0, rng.gaussian(mean: 5e8, sd: 1e8).rounded())
                    }
                }
            }
            table.appendStep(timestamps, bits: values.map(\.bitPattern), to: &batch)
            if (step + 1) % stepsPerBatch == 0 {
                try appendChecked(engine, batch)
                batch.removeAll()
            }
        }
        try engine.flush()
        for v in 0..<Self.vms {
            let i = Self.cpuSeries + v
            expectedIncrease[Self.vmName(v)] = values[i] - first[i]
        }
        let sizes = LevelBytes(engine)
        guard sizes.rawSamples == Self.samples else {
            throw BenchmarkSetupError(description: "W1 dataset: \(sizes.rawSamples) samples in segments, wrote \(Self.samples)")
        }
        executor = QueryExecutor(engine: engine)
    }

    func destroy() {
        try? engine?.close()
        engine = nil
        executor = nil
        removeDirectory(path)
    }
}

// MARK: - 30-day dataset (cached)

/// 30 days of 10-second data for 1,000 float series: 259,200,000 raw samples.
///
/// `m,host=hNNN,kind=gauge|counter,idx=0…9 value=…`: 50 hosts × (10 gauges + 10 counters).
/// Gauges are random walks in steps of 0.01 (load-average-like two-decimal values); counters are
/// whole-number floats growing by 500–1500 per 10 s, and counter c is reset to zero c % 4 times
/// (0–3 resets, 750 in all) at seeded random steps. Timestamps: step × 10 s + 0–5 ms jitter from
/// `epochStart` (2026-01-01T00:00:00Z), which is aligned to 2 h, 1 h and 5 m.
///
/// Built as production builds it: 60-step batches (60,000 samples) are appended, and `flush()`
/// seals every 2 h window of data as it completes (360 seals; each computes that window's 5m and 1h
/// rollups from raw data), then `flushAndCompact()` merges the level segments. Generated one day at
/// a time, so memory stays at one 2 h head (~12 MB) plus the series table.
///
/// The directory `$TSENGINE_BENCH_DIR/tsengine-bench-query-30d-<version>` (or the temp dir) is
/// kept between runs: a later run reopens it when its `dataset.json` names the same version and
/// the engine reports all samples; otherwise it is deleted and rebuilt. Bump `version` whenever the
/// generator or the on-disk format changes; delete the directory to reclaim its space.
final class RollupDataset {
    static let version = "v1"
    static let hosts = 50, gaugesPerHost = 10, countersPerHost = 10
    static var series: Int { hosts * (gaugesPerHost + countersPerHost) }
    static let days = 30
    static let stepsPerDay = 8_640
    static var steps: Int { days * stepsPerDay }
    static var samples: Int { series * steps }
    static let start = epochStart
    static let end = epochStart + Int64(days) * nsPerDay

    static var path: String {
        (benchBaseDirectory() as NSString).appendingPathComponent("tsengine-bench-query-30d-\(version)")
    }
    private static var markerPath: String { (path as NSString).appendingPathComponent("dataset.json") }

    var engine: Engine?
    var executor: QueryExecutor?
    private(set) var sizes: LevelBytes?
    private(set) var buildSeconds: Double?
    private var verified: Set<String> = []

    /// Opens the cached dataset, building it first when it is missing, partial or stale.
    func open() throws {
        if engine != nil { return }
        let marker = (try? String(contentsOfFile: Self.markerPath, encoding: .utf8)) ?? ""
        if marker.contains("\"version\": \"\(Self.version)\""), let e = try? Engine(path: Self.path, options: engineOptions()) {
            let s = LevelBytes(e)
            if s.rawSamples == Self.samples && s.bytes("5m") > 0 && s.bytes("1h") > 0 {
                engine = e
            } else {
                stderrLine("QueryBenchmarks: cached dataset \(Self.path) holds \(s.rawSamples) samples, expected \(Self.samples): rebuilding")
                try? e.close()
            }
        }
        if engine == nil {
            try build()
            engine = try Engine(path: Self.path, options: engineOptions())
        }
        let s = LevelBytes(engine!)
        guard s.rawSamples == Self.samples else {
            throw BenchmarkSetupError(description: "30-day dataset: \(s.rawSamples) raw samples, expected \(Self.samples)")
        }
        sizes = s
        executor = QueryExecutor(engine: engine!)
        reportSizes(s)
    }

    func close() {
        try? engine?.close()
        engine = nil
        executor = nil
    }

    private func reportSizes(_ s: LevelBytes) {
        var line = "QueryBenchmarks: 30-day dataset \(Self.path): \(Self.series) series, \(s.rawSamples) raw samples; segment bytes: raw \(s.raw)"
            + String(format: " (%.4f B/sample)", Double(s.raw) / Double(max(s.rawSamples, 1)))
        for l in s.levels {
            line += ", \(l.name) \(l.bytes) (\(l.series) pseudo-series, \(l.segments) segments)"
        }
        line += "; data directory \(directoryBytes(Self.path)) bytes"
        if let b = buildSeconds { line += String(format: "; built in %.0f s", b) }
        stderrLine(line)
    }

    private func build() throws {
        let path = Self.path
        removeDirectory(path)
        stderrLine("QueryBenchmarks: building the 30-day dataset in \(path) (\(Self.samples) samples; a few minutes, once)")
        let t0 = monotonicNanos()
        let engine = try Engine(path: path, options: engineOptions())
        var keys: [(measurement: String, tags: [Tag])] = []
        for h in 0..<Self.hosts {
            let host = String(format: "h%03d", h)
            for g in 0..<Self.gaugesPerHost { keys.append(("m", [Tag("host", host), Tag("kind", "gauge"), Tag("idx", String(g))])) }
            for c in 0..<Self.countersPerHost { keys.append(("m", [Tag("host", host), Tag("kind", "counter"), Tag("idx", String(c))])) }
        }
        let table = SeriesTable(keys)
        let n = table.count
        var rng = SplitMix64(seed: 30)
        let isCounter = keys.map { $0.tags.contains(Tag("kind", "counter")) }
        // Gauges in hundredths (exact two-decimal values), counters as whole numbers.
        var gauge = (0..<n).map { _ in Int64(rng.next() % 10_000) }
        var counter = (0..<n).map { _ in Double(rng.next() % 1_000_000_000) }
        // Resets: counter number c is reset c % 4 times, at seeded steps; resets[i] holds series
        // i's remaining reset steps, latest first.
        var resets = [[Int]](repeating: [], count: n)
        var counterNumber = 0
        for i in 0..<n where isCounter[i] {
            resets[i] = (0..<(counterNumber % 4)).map { _ in Int(1 + rng.next() % UInt64(Self.steps - 1)) }.sorted(by: >)
            counterNumber += 1
        }
        var nextReset = resets.map { $0.last ?? Int.max }
        var timestamps = [Int64](repeating: 0, count: n)
        var values = [Double](repeating: 0, count: n)
        let stepsPerBatch = 60
        let stepsPerSeal = 720  // one 2 h window
        var batch = WriteBatch(database: database, reservingCapacity: n * stepsPerBatch)
        for day in 0..<Self.days {
            for s in 0..<Self.stepsPerDay {
                let step = day * Self.stepsPerDay + s
                let base = Self.start + Int64(step) * 10 * nsPerSecond
                for i in 0..<n {
                    let r = rng.next()
                    timestamps[i] = base + Int64(r % 6) * nsPerMs
                    if isCounter[i] {
                        if step > 0 {
                            let inc = Double(500 + (r >> 8) % 1_001)
                            if step == nextReset[i] {
                                counter[i] = inc  // restarted from zero
                                while resets[i].last == step { resets[i].removeLast() }
                                nextReset[i] = resets[i].last ?? Int.max
                            } else {
                                counter[i] += inc
                            }
                        }
                        values[i] = counter[i]
                    } else {
                        if step > 0 { gauge[i] = max(0, gauge[i] + Int64((r >> 8) % 11) - 5) }
                        values[i] = Double(gauge[i]) / 100
                    }
                }
                table.appendStep(timestamps, bits: values.map(\.bitPattern), to: &batch)
                if (step + 1) % stepsPerBatch == 0 {
                    try appendChecked(engine, batch)
                    batch.removeAll()
                }
                if (step + 1) % stepsPerSeal == 0 { try engine.flush() }
            }
            stderrLine(String(format: "QueryBenchmarks: day %d/%d written and sealed (%.0f s)", day + 1, Self.days,
                              Double(monotonicNanos() - t0) / 1e9))
        }
        try engine.flushAndCompact()
        let s = LevelBytes(engine)
        try engine.close()
        guard s.rawSamples == Self.samples else {
            throw BenchmarkSetupError(description: "30-day dataset: \(s.rawSamples) raw samples after the build, wrote \(Self.samples)")
        }
        let seconds = Double(monotonicNanos() - t0) / 1e9
        buildSeconds = seconds
        let marker = """
            {"version": "\(Self.version)", "series": \(Self.series), "samples": \(Self.samples), "build_seconds": \(Int(seconds))}

            """
        try marker.write(toFile: Self.markerPath, atomically: true, encoding: .utf8)
        stderrLine(String(format: "QueryBenchmarks: 30-day dataset built in %.0f s", seconds))
    }

    /// Runs `query` with `.auto` and with `.raw`, and throws unless `.auto` was answered by level
    /// `1h`, `.raw` by raw data, and both answers are equal (times exactly, floats within 1e-9
    /// relative). Once per query per process.
    func verifyRollupEqualsRaw(_ query: String) throws {
        if verified.contains(query) { return }
        let auto = try run(query, .auto)
        let raw = try run(query, .raw)
        guard auto.level == "1h" else {
            throw BenchmarkSetupError(description: "level=auto answered with level \(auto.level ?? "nil"), expected 1h: \(query)")
        }
        guard raw.level == "raw" else {
            throw BenchmarkSetupError(description: "level=raw answered with level \(raw.level ?? "nil"): \(query)")
        }
        let (cells, maxRel) = try compareResults(auto, raw, relativeTolerance: 1e-9)
        stderrLine(String(format: "QueryBenchmarks: auto (1h) = raw for %d cells, max relative difference %.3g: %@", cells, maxRel, query))
        verified.insert(query)
    }

    func run(_ query: String, _ level: LevelChoice) throws -> StatementResult {
        let results = try executor!.execute(query, database: database, options: QueryOptions(now: Self.end, level: level))
        guard results.count == 1 else { throw BenchmarkSetupError(description: "\(results.count) statement results") }
        if let e = results[0].error { throw BenchmarkSetupError(description: "query failed: \(e): \(query)") }
        return results[0]
    }
}

/// Compares two answers cell by cell: same series (names, tags, columns, row count), equal times,
/// numbers within `relativeTolerance`, nulls in the same places. Returns the number of cells
/// compared and the largest relative difference.
func compareResults(_ a: StatementResult, _ b: StatementResult, relativeTolerance: Double) throws -> (Int, Double) {
    func fail(_ what: String) -> BenchmarkSetupError {
        let e = BenchmarkSetupError(description: "rollup answer differs from raw: \(what)")
        stderrLine("QueryBenchmarks: FAILED: \(e.description)")
        return e
    }
    guard a.series.count == b.series.count else { throw fail("\(a.series.count) series against \(b.series.count)") }
    var cells = 0
    var maxRel = 0.0
    for (sa, sb) in zip(a.series, b.series) {
        guard sa.name == sb.name, sa.tags.map(\.key) == sb.tags.map(\.key), sa.tags.map(\.value) == sb.tags.map(\.value),
              sa.columns == sb.columns
        else { throw fail("series \(sa.name ?? "") \(sa.tags) \(sa.columns) against \(sb.name ?? "") \(sb.tags) \(sb.columns)") }
        guard sa.values.count == sb.values.count else {
            throw fail("\(sa.tags): \(sa.values.count) rows against \(sb.values.count)")
        }
        for (ra, rb) in zip(sa.values, sb.values) {
            guard ra.count == rb.count, ra.first == rb.first else { throw fail("\(sa.tags): row \(ra) against \(rb)") }
            for (k, (x, y)) in zip(ra, rb).enumerated().dropFirst() {
                cells += 1
                if x.isNull && y.isNull { continue }
                guard let dx = x.double, let dy = y.double else {
                    throw fail("\(sa.tags) time \(ra[0]) column \(sa.columns[k]): \(x) against \(y)")
                }
                let scale = max(abs(dx), abs(dy))
                let rel = scale == 0 ? 0 : abs(dx - dy) / scale
                maxRel = max(maxRel, rel)
                guard rel <= relativeTolerance else {
                    throw fail("\(sa.tags) time \(ra[0]) column \(sa.columns[k]): auto \(dx) against raw \(dy) (relative \(rel))")
                }
            }
        }
    }
    guard cells > 0 else { throw fail("empty answers") }
    return (cells, maxRel)
}
