// The storage engine end to end (module TSEngine), each benchmark on its own data directory.
//
// Setup work (creating series, writing the data a seal or compaction needs) happens outside the
// measured region: either in the benchmark's setup hook or before `benchmark.startMeasurement()`.
// Background maintenance is off, so seals and compactions run only when a benchmark calls them.
//
// Metrics besides package-benchmark's own (wall clock, throughput = operations/s, mallocCountTotal):
//   samples_per_s                   samples appended / sealed / read / replayed / compacted per second
//   wal_bytes_per_sample_x1000      WAL bytes written per sample (append benchmarks)
//   fsyncs_per_batch                WAL fsyncs during the append (1 with .always, 0 with .none)
//   segment_bytes_per_sample_x1000  segment bytes written per sample (seal, compaction)
//   wal_bytes_per_s                 WAL bytes replayed per second of the whole Engine.init (WAL replay)
//   replay_loop_bytes_per_s         the same over the engine's own replay timer (stats().wal.replayNanos:
//                                   the record loop only, without opening files and the new WAL file)
import Benchmark
import BenchSupport
import TSEngine

enum EngineMetric {
    static let walBytesPerSample = BenchmarkMetric.custom("wal_bytes_per_sample_x1000", polarity: .prefersSmaller, useScalingFactor: false)
    static let fsyncsPerBatch = BenchmarkMetric.custom("fsyncs_per_batch", polarity: .prefersSmaller, useScalingFactor: false)
    static let segmentBytesPerSample = BenchmarkMetric.custom("segment_bytes_per_sample_x1000", polarity: .prefersSmaller, useScalingFactor: false)
    static let walBytesPerSecond = BenchmarkMetric.custom("wal_bytes_per_s", polarity: .prefersLarger, useScalingFactor: false)
    static let replayLoopBytesPerSecond = BenchmarkMetric.custom("replay_loop_bytes_per_s", polarity: .prefersLarger, useScalingFactor: false)
}

/// 10 000 distinct series: the batch size and series count of the ingest benchmarks.
let ingestSeries = 10_000

/// Allocation thresholds (checked at p90 against Thresholds/*.json by `thresholds check`).
enum AllocationTolerance {
    /// The count is the same every iteration: any change is real.
    case exact
    /// The count is the same every iteration up to a little noise (e.g. one more array growth).
    case percent(Double)
    /// The count depends on where amortized array growth falls (the head's per-series arrays
    /// double every so often, all 10k at once): allow this many allocations either way, far
    /// below the 10k that one allocation per sample would add.
    case absolute(Int)

    var thresholds: BenchmarkThresholds {
        switch self {
        case .exact: .init(relative: BenchmarkThresholds.Relative.strict, absolute: BenchmarkThresholds.Absolute.strict)
        case .percent(let p): .init(relative: [.p90: p])
        case .absolute(let n): .init(absolute: [.p90: n])
        }
    }
}

func engineConfiguration(_ metrics: [BenchmarkMetric], allocations: AllocationTolerance, warmup: Int,
                         maxIterations: Int, maxDuration: Duration) -> Benchmark.Configuration {
    .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal] + metrics,
        timeUnits: .microseconds,
        // Unscaled counts and ×1000 ratios; rates in thousands.
        units: [.mallocCountTotal: .count, EngineMetric.walBytesPerSample: .count, EngineMetric.fsyncsPerBatch: .count,
                EngineMetric.segmentBytesPerSample: .count, BenchMetric.samplesPerSecond: .kilo],
        warmupIterations: warmup,
        maxDuration: maxDuration,
        maxIterations: maxIterations,
        thresholds: [.mallocCountTotal: allocations.thresholds]
    )
}

func walStats(_ e: Engine) -> (bytes: UInt64, fsyncs: UInt64) {
    let s = e.stats().wal
    return (s.bytesWritten, s.fsyncCount)
}

func segmentBytes(_ e: Engine) -> Int {
    e.stats().databases.first { $0.name == database }?.segmentBytes ?? 0
}

func segmentSamples(_ e: Engine) -> Int {
    e.stats().databases.first { $0.name == database }?.segmentSamples ?? 0
}

// MARK: - Ingest

/// Building a 10k-sample batch through the hot path alone (what the line-protocol ingester does
/// per line), so that the append figures below can be read without it.
func registerBatchBuild() {
    let series = SeriesSet(count: ingestSeries)
    var batch = WriteBatch(database: database, reservingCapacity: ingestSeries)
    Benchmark(
        "WriteBatch.append.hot_path.10k_series",
        configuration: engineConfiguration([BenchMetric.samplesPerSecond], allocations: .exact, warmup: 3,
                                           maxIterations: 2_000, maxDuration: .seconds(1))
    ) { benchmark in
        batch.removeAll()
        series.prepareStep()  // not measured: generating the values
        benchmark.startMeasurement()
        let t0 = monotonicNanos()
        series.appendPreparedStep(to: &batch)
        let t1 = monotonicNanos()
        benchmark.stopMeasurement()
        blackHole(batch.count)
        benchmark.measurement(BenchMetric.samplesPerSecond, perSecond(ingestSeries, t1 - t0))
    }
}

/// `Engine.append` of one 10k-sample batch (one sample for each of 10k existing series) into the
/// head and the WAL. With `.always` the append returns after the batch's fdatasync: one fsync per
/// batch, since a single appender never shares a group commit.
func registerAppend(_ policy: SyncPolicy, name: String) {
    let state = EngineState(name: "append-\(name)", seriesCount: ingestSeries)
    Benchmark(
        "Engine.append.\(name).10k_series_batch",
        configuration: engineConfiguration(
            [BenchMetric.samplesPerSecond, EngineMetric.walBytesPerSample, EngineMetric.fsyncsPerBatch],
            allocations: .absolute(1_000), warmup: 5, maxIterations: 400, maxDuration: .seconds(4))
    ) { benchmark in
        // Not measured: the next step's batch.
        state.batch.removeAll()
        state.series.appendStep(to: &state.batch)
        let engine = state.engine!
        let before = walStats(engine)
        benchmark.startMeasurement()
        let t0 = monotonicNanos()
        let r = try engine.append(state.batch)
        let t1 = monotonicNanos()
        benchmark.stopMeasurement()
        precondition(r.written == ingestSeries)
        let after = walStats(engine)
        benchmark.measurement(BenchMetric.samplesPerSecond, perSecond(ingestSeries, t1 - t0))
        benchmark.measurement(EngineMetric.walBytesPerSample, bytesPerSampleX1000(Int(after.bytes - before.bytes), ingestSeries))
        benchmark.measurement(EngineMetric.fsyncsPerBatch, Int(after.fsyncs - before.fsyncs))
    } setup: {
        try state.open(policy)
        // Pre-create the 10k series (their definitions go into this first WAL record only).
        try state.series.write(to: state.engine!, steps: 1)
    } teardown: {
        state.destroy()
    }
}

// MARK: - Seal

/// `Engine.flush()` of a head holding 1 M samples: 10k series × 100 samples (1000 s at 10 s),
/// written before the measurement. Each iteration seals a fresh head into one new segment; each
/// iteration writes into the next 2 h window, so every seal writes exactly one segment (a seal
/// whose head straddles a window boundary writes two, and allocates more).
func registerSeal() {
    let samplesPerSeal = 1_000_000
    let state = EngineState(name: "seal", seriesCount: ingestSeries)
    var window = 0
    Benchmark(
        "Engine.flush.1M_samples_10k_series",
        configuration: engineConfiguration(
            [BenchMetric.samplesPerSecond, EngineMetric.segmentBytesPerSample],
            allocations: .percent(2), warmup: 1, maxIterations: 8, maxDuration: .seconds(25))
    ) { benchmark in
        let engine = state.engine!
        window += 1
        state.series.step = window * 720  // 720 steps of 10 s = 2 h; epochStart is window-aligned
        try state.series.write(to: engine, steps: samplesPerSeal / ingestSeries)
        let before = segmentBytes(engine)
        benchmark.startMeasurement()
        let t0 = monotonicNanos()
        try engine.flush()
        let t1 = monotonicNanos()
        benchmark.stopMeasurement()
        benchmark.measurement(BenchMetric.samplesPerSecond, perSecond(samplesPerSeal, t1 - t0))
        benchmark.measurement(EngineMetric.segmentBytesPerSample,
                              bytesPerSampleX1000(segmentBytes(engine) - before, samplesPerSeal))
    } setup: {
        try state.open(.none)
    } teardown: {
        state.destroy()
    }
}

// MARK: - Read

/// `Engine.read` of one series over its whole life: 24 h at 10 s (8640 samples) sealed into 12
/// segments (one per 2 h window, one 720-sample block each, zstd). The segments hold 100 series;
/// the head is empty, so every sample is decoded from a block (CRC check, zstd, column decode).
func registerRead() {
    let state = EngineState(name: "read", seriesCount: 100)
    let steps = 24 * 360
    Benchmark(
        "Engine.read.1_series_12_segments",
        configuration: engineConfiguration([BenchMetric.samplesPerSecond], allocations: .exact, warmup: 5,
                                           maxIterations: 5_000, maxDuration: .seconds(1))
    ) { benchmark in
        let engine = state.engine!
        let ref = state.ref!
        let t0 = monotonicNanos()
        let cols = try engine.read(database, ref, range: .all)
        let t1 = monotonicNanos()
        benchmark.stopMeasurement()
        precondition(cols.count == steps)
        benchmark.measurement(BenchMetric.samplesPerSecond, perSecond(cols.count, t1 - t0))
    } setup: {
        try state.open(.none)
        try state.series.write(to: state.engine!, steps: steps, stepsPerBatch: 100)
        try state.engine!.flush()
        // Series 4 is a two-decimal gauge.
        let key = state.series.key(4)
        let refs = try state.engine!.select(database, SeriesSelector(
            key.measurement, field: key.field, key.tags.map { TagMatcher.eq($0.key, $0.value) }))
        guard refs.count == 1 else { throw BenchmarkSetupError(description: "selected \(refs.count) series") }
        state.ref = refs[0]
        let segments = state.engine!.stats().databases.first { $0.name == database }?.segments ?? 0
        guard segments == 12 else { throw BenchmarkSetupError(description: "expected 12 segments, have \(segments)") }
    } teardown: {
        state.destroy()
    }
}

// MARK: - WAL replay

/// Reopening a data directory whose WAL holds 2 M samples (10k series × 200 steps, written with
/// `.none` and closed without a flush): `Engine.init` replays every record into the heads. The
/// WAL files are in the page cache after the first iteration, so this measures decode + apply,
/// not the disk. Goal: ≥ 1 GB of WAL per minute (≈ 17 MB/s).
func registerReplay() {
    let steps = 200
    let samples = ingestSeries * steps
    let state = EngineState(name: "replay", seriesCount: ingestSeries)
    Benchmark(
        "Engine.init.WAL_replay_2M_samples",
        configuration: engineConfiguration(
            [BenchMetric.samplesPerSecond, EngineMetric.walBytesPerSecond, EngineMetric.replayLoopBytesPerSecond],
            allocations: .percent(2), warmup: 1, maxIterations: 10, maxDuration: .seconds(15))
    ) { benchmark in
        let t0 = monotonicNanos()
        let engine = try Engine(path: state.path, options: engineOptions(.none))
        let t1 = monotonicNanos()
        benchmark.stopMeasurement()
        let report = engine.replayReport
        guard engine.stats().databases.first?.headSamples == samples else {
            throw BenchmarkSetupError(description: "replayed \(engine.stats().databases.first?.headSamples ?? 0) samples, wrote \(samples)")
        }
        benchmark.measurement(BenchMetric.samplesPerSecond, perSecond(samples, t1 - t0))
        benchmark.measurement(EngineMetric.walBytesPerSecond, perSecond(report.bytes, t1 - t0))
        let wal = engine.stats().wal
        benchmark.measurement(EngineMetric.replayLoopBytesPerSecond, perSecond(Int(wal.replayedBytes), wal.replayNanos))
        try engine.close()
    } setup: {
        try state.open(.none)
        try state.series.write(to: state.engine!, steps: steps)
        state.close()  // no flush: everything stays in the WAL
    } teardown: {
        state.destroy()
    }
}

// MARK: - Compaction

/// `Engine.flushAndCompact()` merging two overlapping segments of one 2 h window: set A holds
/// steps 0–99 and set B steps 50–149 of the window for 10k series (1 M samples each; 50 steps
/// overlap, so every series goes through the merge path). Both are written and sealed before the
/// measurement; each iteration uses a fresh window. samples_per_s counts input samples.
func registerCompaction() {
    let perSet = 100
    let overlap = 50
    let inputSamples = 2 * perSet * ingestSeries
    let state = EngineState(name: "compact", seriesCount: ingestSeries)
    var window = 0
    Benchmark(
        "Engine.flushAndCompact.2_overlapping_segments_2M_samples",
        configuration: engineConfiguration(
            [BenchMetric.samplesPerSecond, EngineMetric.segmentBytesPerSample],
            allocations: .percent(2), warmup: 1, maxIterations: 6, maxDuration: .seconds(40))
    ) { benchmark in
        let engine = state.engine!
        window += 1
        let first = window * 720  // 720 steps of 10 s = one 2 h window; epochStart is aligned
        let older = segmentBytes(engine)
        let olderSamples = segmentSamples(engine)
        state.series.step = first
        try state.series.write(to: engine, steps: perSet)
        try engine.flush()
        state.series.step = first + perSet - overlap
        try state.series.write(to: engine, steps: perSet)
        try engine.flush()
        let compactions = engine.stats().compactions
        benchmark.startMeasurement()
        let t0 = monotonicNanos()
        try engine.flushAndCompact()
        let t1 = monotonicNanos()
        benchmark.stopMeasurement()
        guard engine.stats().compactions == compactions + 1 else {
            throw BenchmarkSetupError(description: "expected exactly one compaction")
        }
        // Overlapping steps carry independent 0-5 ms jitter, so about 1 in 6 of them repeat a
        // timestamp of the other set and collapse (newest wins); the rest interleave.
        let outputSamples = segmentSamples(engine) - olderSamples
        benchmark.measurement(BenchMetric.samplesPerSecond, perSecond(inputSamples, t1 - t0))
        // The output segment replaced both inputs: its size is the new total minus the older ones.
        benchmark.measurement(EngineMetric.segmentBytesPerSample,
                              bytesPerSampleX1000(segmentBytes(engine) - older, outputSamples))
    } setup: {
        try state.open(.none)
    } teardown: {
        state.destroy()
    }
}

let benchmarks: @Sendable () -> Void = {
    registerBatchBuild()
    registerAppend(.always, name: "always")
    registerAppend(.none, name: "none")
    registerSeal()
    registerRead()
    registerReplay()
    registerCompaction()
}
