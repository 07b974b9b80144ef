// Fixtures for the engine benchmarks: a collectd-like series set that fills write batches through
// the ingest hot path, and scratch data directories.
import BenchSupport
import Foundation
import TSEngine

/// The database every engine benchmark writes to.
let database = "bench"

/// Where data directories go: `$TSENGINE_BENCH_DIR` or the system temporary directory. Put it on
/// the disk you want to measure: the fsync cost of `.always` is the disk's.
func scratchDirectory(_ name: String) -> String {
    let base = ProcessInfo.processInfo.environment["TSENGINE_BENCH_DIR"] ?? NSTemporaryDirectory()
    let path = (base as NSString).appendingPathComponent("tsengine-bench-\(getpid())-\(name)")
    try? FileManager.default.removeItem(atPath: path)
    return path
}

func removeDirectory(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

/// Options for benchmarking: no background maintenance (seals and compactions happen only when a
/// benchmark asks for them), quiet log.
func engineOptions(_ sync: SyncPolicy) -> EngineOptions {
    var o = EngineOptions()
    o.syncPolicy = sync
    o.backgroundMaintenance = false
    o.log = { level, message in
        if level >= .error { FileHandle.standardError.write(Data("tsengine \(level): \(message)\n".utf8)) }
    }
    return o
}

/// `count` collectd-like float series on 100-series hypervisors:
/// `cpu_value,host=hvNNN.zrh1.example,instance=<core>,type=cpu,type_instance=<state> value=…`.
/// Values by series: 40 % counters (whole-number floats), 40 % two-decimal gauges, 10 % constant,
/// 10 % random doubles. Timestamps: step × 10 s plus 0–5 ms agent jitter, ms precision.
final class SeriesSet {
    let count: Int
    /// Canonical key prefixes (measurement, tag count, tags) back to back; `ends[i]` is where
    /// series i's prefix ends.
    private let arena: [UInt8]
    private let ends: [Int]
    private let field: [UInt8] = Array("value".utf8)
    private var values: [Double]
    private var rng: SplitMix64
    /// The next step to write; step s is at epochStart + s × 10 s.
    var step = 0

    init(count: Int, seed: UInt64 = 42) {
        self.count = count
        let states = ["user", "system", "idle", "wait", "nice", "interrupt", "softirq", "steal"]
        var arena: [UInt8] = []
        var ends: [Int] = []
        for i in 0..<count {
            let host = String(format: "hv%03d.zrh1.example", i / 100)
            let k = i % 100
            let tags = [Tag("host", host), Tag("instance", String(k / 8)), Tag("type", "cpu"),
                        Tag("type_instance", states[k % 8])].sorted()
            SeriesKeyCoder.appendComponent("cpu_value".utf8, to: &arena)
            SeriesKeyCoder.appendVarint(UInt64(tags.count), to: &arena)
            for t in tags {
                SeriesKeyCoder.appendComponent(t.key.utf8, to: &arena)
                SeriesKeyCoder.appendComponent(t.value.utf8, to: &arena)
            }
            ends.append(arena.count)
        }
        self.arena = arena
        self.ends = ends
        rng = SplitMix64(seed: seed)
        values = (0..<count).map { Double($0 % 10 < 4 ? 1_000_000 * $0 : $0 % 100) }
    }

    /// Series i's key as a `SeriesKey` (for selectors and checks).
    func key(_ i: Int) -> SeriesKey {
        let b = Array(arena[(i == 0 ? 0 : ends[i - 1])..<ends[i]]) + [5] + field
        return SeriesKey(canonical: b)!
    }

    @inline(__always)
    private func nextValue(_ i: Int) -> Double {
        switch i % 10 {
        case 0, 1, 2, 3:
            values[i] += max(0, rng.gaussian(mean: 1000, sd: 300).rounded())
        case 4, 5, 6, 7:
            values[i] = (max(0, values[i] + rng.gaussian(sd: 0.05)) * 100).rounded() / 100
        case 8:
            break
        default:
            values[i] = rng.unit()
        }
        return values[i]
    }

    /// Appends one sample per series for the current step to `batch` through the hot path
    /// (`append(canonicalPrefix:field:timestamp:type:bits:)`), then advances the step.
    func appendStep(to batch: inout WriteBatch) {
        let base = epochStart + Int64(step) * 10 * nsPerSecond
        arena.withUnsafeBytes { a in
            field.withUnsafeBytes { f in
                var start = 0
                for i in 0..<count {
                    let prefix = UnsafeRawBufferPointer(rebasing: a[start..<ends[i]])
                    start = ends[i]
                    let t = base + Int64(rng.next() % 6) * nsPerMs
                    batch.append(canonicalPrefix: prefix, field: f, timestamp: t, type: .float, bits: nextValue(i).bitPattern)
                }
            }
        }
        step += 1
    }

    /// Writes `steps` steps, `stepsPerBatch` per append.
    func write(to engine: Engine, steps: Int, stepsPerBatch: Int = 1) throws {
        var batch = WriteBatch(database: database, reservingCapacity: count * stepsPerBatch)
        var pending = 0
        for _ in 0..<steps {
            appendStep(to: &batch)
            pending += 1
            if pending == stepsPerBatch {
                try appendChecked(engine, batch)
                batch.removeAll()
                pending = 0
            }
        }
        if pending > 0 { try appendChecked(engine, batch) }
    }
}

struct BenchmarkSetupError: Error, CustomStringConvertible {
    var description: String
}

/// Appends and fails loudly if any sample was refused: a benchmark that silently drops samples
/// measures nothing.
func appendChecked(_ engine: Engine, _ batch: WriteBatch) throws {
    let r = try engine.append(batch)
    guard r.written == batch.count, r.rejected.isEmpty else {
        throw BenchmarkSetupError(description: "append wrote \(r.written) of \(batch.count): \(r.rejected.prefix(3).map { "\($0.error)" })")
    }
}

/// State shared between a benchmark's setup, iterations and teardown.
final class EngineState {
    let path: String
    var engine: Engine?
    var series: SeriesSet
    var batch: WriteBatch
    var ref: SeriesRef?

    init(name: String, seriesCount: Int) {
        path = scratchDirectory(name)
        series = SeriesSet(count: seriesCount)
        batch = WriteBatch(database: database, reservingCapacity: seriesCount)
    }

    func open(_ sync: SyncPolicy) throws {
        engine = try Engine(path: path, options: engineOptions(sync))
    }

    func close() {
        try? engine?.close()
        engine = nil
    }

    func destroy() {
        close()
        removeDirectory(path)
    }
}
