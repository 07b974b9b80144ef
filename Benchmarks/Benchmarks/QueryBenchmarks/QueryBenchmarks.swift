// Queries end to end (modules InfluxQL and TSQuery over TSEngine).
//
// - Query.parse.grafana: InfluxQLParser.parse of a typical Grafana panel statement.
// - Query.raw.one_series_2h, Query.mean_by_host_5m_2h, Query.increase_by_vm_2h: the e2e benchmark's
//   Q1–Q3 on a small W1-shaped dataset built in the setup hook (W1Dataset), forced to raw data.
// - Query.rollup.30d_1h_steps…: 30 days of 10 s data for 1,000 series (RollupDataset, built once
//   and cached), answered from the 1h rollup level (`.auto`) and from raw data (`.raw`). The setup
//   hook fails unless `.auto` is answered by level 1h and equals the raw answer.
//
// Each benchmark runs in its own process (package-benchmark), so every setup hook builds or opens
// its data; the measured region is the `QueryExecutor.execute` call (parse + plan + execution).
//
// Metrics besides package-benchmark's own (wall clock, throughput = queries/s, mallocCountTotal):
//   samples_per_s                   raw samples in the query's range and series per second (for a
//                                   rollup answer: the raw samples it stands for)
//   raw_bytes_per_sample_x1000      30-day dataset: raw segment bytes per raw sample × 1000
//   raw_segment_bytes, level_5m_segment_bytes, level_1h_segment_bytes
//                                   30-day dataset: bytes of the segments of each storage level
import Benchmark
import BenchSupport
import InfluxQL
import TSEngine
import TSQuery

enum QueryMetric {
    static let rawBytesPerSample = BenchmarkMetric.custom("raw_bytes_per_sample_x1000", polarity: .prefersSmaller, useScalingFactor: false)
    static let rawBytes = BenchmarkMetric.custom("raw_segment_bytes", polarity: .prefersSmaller, useScalingFactor: false)
    static let level5mBytes = BenchmarkMetric.custom("level_5m_segment_bytes", polarity: .prefersSmaller, useScalingFactor: false)
    static let level1hBytes = BenchmarkMetric.custom("level_1h_segment_bytes", polarity: .prefersSmaller, useScalingFactor: false)
}

/// Allocation thresholds (checked at p90 against Thresholds/*.json by `thresholds check`).
enum AllocationTolerance {
    /// The count is the same every iteration: any change is real.
    case exact
    /// The count is the same up to a little noise (hash-table growth, per-process hash seeds).
    case percent(Double)

    var thresholds: BenchmarkThresholds {
        switch self {
        case .exact: .init(relative: BenchmarkThresholds.Relative.strict, absolute: BenchmarkThresholds.Absolute.strict)
        case .percent(let p): .init(relative: [.p90: p])
        }
    }
}

func queryConfiguration(_ metrics: [BenchmarkMetric], allocations: AllocationTolerance, timeUnits: BenchmarkTimeUnits = .microseconds,
                        warmup: Int, maxIterations: Int, maxDuration: Duration) -> Benchmark.Configuration {
    .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal] + metrics,
        timeUnits: timeUnits,
        units: [.mallocCountTotal: .count, BenchMetric.samplesPerSecond: .kilo, QueryMetric.rawBytesPerSample: .count,
                QueryMetric.rawBytes: .count, QueryMetric.level5mBytes: .count, QueryMetric.level1hBytes: .count],
        warmupIterations: warmup,
        maxDuration: maxDuration,
        maxIterations: maxIterations,
        thresholds: [.mallocCountTotal: allocations.thresholds]
    )
}

/// `time >= a AND time < b` with millisecond literals, as Grafana writes `$timeFilter`.
func msRange(_ a: Int64, _ b: Int64, inclusiveEnd: Bool = false) -> String {
    "time >= \(a / nsPerMs)ms AND time \(inclusiveEnd ? "<=" : "<") \(b / nsPerMs)ms"
}

// MARK: - Parsing

/// A Grafana InfluxQL panel: regex template variable, tag filter, `$timeFilter` in ms, `$__interval`,
/// GROUP BY a tag, fill.
let grafanaStatement = #"SELECT mean("value") FROM "cpu_value" WHERE ("host" =~ /^hv00[0-9]\.cloud\.example$/ AND "type_instance" = 'user') AND time >= 1767225600000ms and time <= 1767232799999ms GROUP BY time(1m), "host" fill(null)"#

func registerParse() {
    Benchmark(
        "Query.parse.grafana",
        configuration: queryConfiguration([], allocations: .exact, warmup: 10, maxIterations: 20_000, maxDuration: .seconds(1))
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try InfluxQLParser.parse(grafanaStatement))
        }
    } setup: {
        let s = try InfluxQLParser.parse(grafanaStatement)
        guard s.count == 1, case .select(let sel) = s[0], sel.groupByTags == ["host"], sel.groupByTime != nil else {
            throw BenchmarkSetupError(description: "the Grafana statement parsed to \(s)")
        }
    }
}

// MARK: - W1-shaped queries (2 h)

/// One e2e-style query on the W1-shaped dataset with `level=raw`; `check` validates the answer
/// once in setup and cheaply (shape only) after every iteration.
func registerW1(_ name: String, query: String, samples: Int, series: Int, rows: Int,
                maxIterations: Int, check: @escaping (W1Dataset, StatementResult) throws -> Void = { _, _ in }) {
    let data = W1Dataset()
    let options = QueryOptions(now: W1Dataset.end, level: .raw)
    func shape(_ r: [StatementResult]) throws -> StatementResult {
        guard r.count == 1, r[0].error == nil, r[0].level == "raw", r[0].series.count == series,
              r[0].series.allSatisfy({ $0.values.count == rows })
        else {
            throw BenchmarkSetupError(description: "\(name): expected \(series) series × \(rows) rows from raw data, got "
                + "\(r.first?.series.count ?? 0) series, level \(r.first?.level ?? "nil"), error \(r.first?.error ?? "none")")
        }
        return r[0]
    }
    Benchmark(
        name,
        configuration: queryConfiguration([BenchMetric.samplesPerSecond], allocations: .percent(1), warmup: 3,
                                          maxIterations: maxIterations, maxDuration: .seconds(3))
    ) { benchmark in
        let executor = data.executor!
        let t0 = monotonicNanos()
        let r = try executor.execute(query, database: database, options: options)
        let t1 = monotonicNanos()
        benchmark.stopMeasurement()
        _ = try shape(r)
        benchmark.measurement(BenchMetric.samplesPerSecond, perSecond(samples, t1 - t0))
    } setup: {
        try data.build()
        let r = try shape(try data.executor!.execute(query, database: database, options: options))
        let n = r.series.reduce(0) { $0 + $1.values.count }
        guard n == series * rows else { throw BenchmarkSetupError(description: "\(name): \(n) rows") }
        try check(data, r)
    } teardown: {
        data.destroy()
    }
}

func registerW1Queries() {
    let range = msRange(W1Dataset.start, W1Dataset.end)
    // Q1: one series, raw, 2 h (720 points).
    registerW1(
        "Query.raw.one_series_2h",
        query: #"SELECT "value" FROM "cpu_value" WHERE "host" = 'hv000.cloud.example' AND "instance" = '0' AND "type_instance" = 'user' AND "#
            + range,
        samples: W1Dataset.steps, series: 1, rows: W1Dataset.steps, maxIterations: 5_000)
    // Q2: mean by host of every core's user jiffies counter, 5-minute buckets (20 hosts × 16 cores).
    registerW1(
        "Query.mean_by_host_5m_2h",
        query: #"SELECT mean("value") FROM "cpu_value" WHERE "type_instance" = 'user' AND "# + range + #" GROUP BY time(5m), "host""#,
        samples: W1Dataset.hosts * W1Dataset.cores * W1Dataset.steps, series: W1Dataset.hosts, rows: 24, maxIterations: 2_000)
    // Q3: CPU nanoseconds per VM over the whole window [A, B] (400 counters); checked exactly
    // against the generator (last − first value of every VM).
    registerW1(
        "Query.increase_by_vm_2h",
        query: #"SELECT increase("value") FROM "virt_value" WHERE "type" = 'virt_cpu_total' AND "#
            + msRange(W1Dataset.start, W1Dataset.end, inclusiveEnd: true) + #" GROUP BY "host""#,
        samples: W1Dataset.vms * W1Dataset.steps, series: W1Dataset.vms, rows: 1, maxIterations: 2_000
    ) { data, r in
        for s in r.series {
            guard let host = s.tags.first(where: { $0.key == "host" })?.value, let want = data.expectedIncrease[host],
                  let got = s.values[0][1].double, abs(got - want) <= 1e-9 * abs(want)
            else { throw BenchmarkSetupError(description: "increase_by_vm: \(s.tags) answered \(s.values[0]), expected \(data.expectedIncrease[s.tags.first?.value ?? ""] ?? .nan)") }
        }
    }
}

// MARK: - 30 days: rollup against raw

func registerRollup(_ rollupDataset: RollupDataset, _ name: String, query: String, level: LevelChoice, series: Int, rows: Int, samples: Int,
                    warmup: Int, maxIterations: Int, maxDuration: Duration) {
    let options = QueryOptions(now: RollupDataset.end, level: level)
    let expectedLevel = level == .raw ? "raw" : "1h"
    Benchmark(
        name,
        configuration: queryConfiguration(
            [BenchMetric.samplesPerSecond, QueryMetric.rawBytesPerSample, QueryMetric.rawBytes, QueryMetric.level5mBytes,
             QueryMetric.level1hBytes],
            allocations: .percent(1), timeUnits: .milliseconds, warmup: warmup, maxIterations: maxIterations, maxDuration: maxDuration)
    ) { benchmark in
        let executor = rollupDataset.executor!
        let t0 = monotonicNanos()
        let r = try executor.execute(query, database: database, options: options)
        let t1 = monotonicNanos()
        benchmark.stopMeasurement()
        guard r.count == 1, r[0].error == nil, r[0].level == expectedLevel, r[0].series.count == series,
              r[0].series.allSatisfy({ $0.values.count == rows })
        else {
            throw BenchmarkSetupError(description: "\(name): expected \(series) series × \(rows) rows from \(expectedLevel), got "
                + "\(r.first?.series.count ?? 0) series, level \(r.first?.level ?? "nil"), error \(r.first?.error ?? "none")")
        }
        benchmark.measurement(BenchMetric.samplesPerSecond, perSecond(samples, t1 - t0))
        let s = rollupDataset.sizes!
        benchmark.measurement(QueryMetric.rawBytesPerSample, bytesPerSampleX1000(s.raw, s.rawSamples))
        benchmark.measurement(QueryMetric.rawBytes, s.raw)
        benchmark.measurement(QueryMetric.level5mBytes, s.bytes("5m"))
        benchmark.measurement(QueryMetric.level1hBytes, s.bytes("1h"))
    } setup: {
        try rollupDataset.open()
        try rollupDataset.verifyRollupEqualsRaw(query)
    } teardown: {
        rollupDataset.close()
    }
}

func registerRollupQueries() {
    // One per process: each benchmark runs in a process of its own and opens the cached data.
    let data = RollupDataset()
    let range = msRange(RollupDataset.start, RollupDataset.end)
    let hours = RollupDataset.days * 24
    // mean and max of all 1,000 series (gauges and counters together) per hour: one group.
    let meanMax = #"SELECT mean("value"), max("value") FROM "m" WHERE "# + range + " GROUP BY time(1h)"
    // Reset-aware increase of the 500 counters per hour and host: 50 groups.
    let increase = #"SELECT increase("value") FROM "m" WHERE "kind" = 'counter' AND "# + range + #" GROUP BY time(1h), "host""#
    let counters = RollupDataset.hosts * RollupDataset.countersPerHost * RollupDataset.steps
    registerRollup(data, "Query.rollup.30d_1h_steps.auto", query: meanMax, level: .auto, series: 1, rows: hours,
                   samples: RollupDataset.samples, warmup: 2, maxIterations: 200, maxDuration: .seconds(5))
    registerRollup(data, "Query.rollup.30d_1h_steps.raw", query: meanMax, level: .raw, series: 1, rows: hours,
                   samples: RollupDataset.samples, warmup: 1, maxIterations: 5, maxDuration: .seconds(60))
    registerRollup(data, "Query.rollup.30d_1h_steps_increase_by_host.auto", query: increase, level: .auto, series: RollupDataset.hosts,
                   rows: hours, samples: counters, warmup: 2, maxIterations: 200, maxDuration: .seconds(5))
    registerRollup(data, "Query.rollup.30d_1h_steps_increase_by_host.raw", query: increase, level: .raw, series: RollupDataset.hosts,
                   rows: hours, samples: counters, warmup: 1, maxIterations: 5, maxDuration: .seconds(30))
}

let benchmarks: @Sendable () -> Void = {
    registerParse()
    registerW1Queries()
    registerRollupQueries()
}
