import TSSupport
import TSEngine

/// The quasi-online accounting job (docs/accounting.md): keeps hourly `accounting_vm` records
/// up to date so reports over months read thousands of rows instead of millions of samples.
///
/// Each run: recomputes the complete hours from `watermark − lateHorizon` (late data is common
/// there) up to now; checks older hours (down to `checkHorizon`) for late samples by comparing
/// each VM-hour's stored sample count with the 1 h rollup's count, and recomputes those hours
/// and the next one; then moves the watermark. Recomputing writes every record of a VM-hour again
/// (same series and time: the newest write wins) and zeroes records a previous run wrote for
/// facts that no longer apply. Runs are idempotent: repeating or interrupting one changes no
/// figure. The watermark lives in `<data>/accounting/<db>.state`, written durably.
public final class AccountingJob: @unchecked Sendable {
    public let accountant: Accountant
    public let statePath: String
    public var lateHorizon: Int64 = 2 * 3_600_000_000_000
    public var checkHorizon: Int64 = 31 * 86_400_000_000_000
    private let clock: @Sendable () -> Int64
    private let lock = Lock()

    public init(engine: Engine, config: AccountingConfig, stateDir: String, clock: @escaping @Sendable () -> Int64 = { SystemClock.wallClockNanos() }) throws {
        accountant = Accountant(engine: engine, config: config)
        try engine.options.fileSystem.makeDirectories(stateDir)
        statePath = stateDir + "/" + config.database + ".state"
        self.clock = clock
    }

    var config: AccountingConfig { accountant.config }
    var engine: Engine { accountant.engine }

    /// Hours before this time are complete in `accounting_vm` (nil before the first run).
    public func watermark() -> Int64? {
        guard let b = try? engine.options.fileSystem.readFile(statePath) else { return nil }
        let s = String(decoding: b, as: UTF8.self)
        return Int64(s.split(separator: "\n").first ?? "")
    }

    public struct RunReport: Sendable {
        public var hoursRecomputed = 0
        public var lateHours = 0
        public var records = 0
        public var watermark: Int64?
    }

    /// One run; safe to call concurrently (runs are serialized).
    @discardableResult
    public func runOnce() throws -> RunReport {
        try lock.withLock { try run() }
    }

    private func run() throws -> RunReport {
        var report = RunReport()
        guard engine.databaseNames().contains(config.database) else { return report }
        let series = try accountant.cpuSeries()
        if series.isEmpty { return report }
        let h = config.bucket
        // An hour is complete once a sample of its end could no longer be in flight.
        let end = alignDown(clock() - config.maxGap, h)
        let old = watermark()
        let snaps = try engine.snapshot(config.database, series.values.flatMap { $0 }, range: .all)
        guard let first = snaps.compactMap(\.minTime).min(), let lastData = snaps.compactMap(\.maxTime).max() else { return report }
        var start: Int64
        if let w = old {
            start = w - lateHorizon
        } else {
            start = alignDown(first, h)
        }
        // Hours after the last sample hold nothing: no need to compute them.
        let computeEnd = min(end, alignDown(lastData, h) + h)
        // Late samples in older hours, found by their 1 h rollup counts.
        var late: Set<Int64> = []
        if let w = old {
            late = try lateHours(series, range: TimeRange(min: max(w - checkHorizon, Int64.min / 2), max: start - 1))
        }
        var ranges: [(Int64, Int64)] = late.sorted().map { ($0, $0 + 2 * h) }  // the hour and the next
        if start < computeEnd { ranges.append((start, computeEnd)) }
        // Day-sized pieces keep memory bounded on a first run over years of data.
        for (a, b) in ranges {
            var lo = a
            while lo < b {
                let hi = min(b, lo + 24 * h)
                report.records += try recompute(TimeRange(min: lo, max: hi - 1))
                report.hoursRecomputed += Int((hi - lo) / h)
                lo = hi
            }
        }
        report.lateHours = late.count
        let newMark = max(end, old ?? end)
        try engine.options.fileSystem.writeFileDurably(statePath, Array("\(newMark)\n".utf8))
        report.watermark = newMark
        return report
    }

    /// Recomputes and stores every VM's records for `range` (whole hours). Returns records written.
    func recompute(_ range: TimeRange) throws -> Int {
        let fresh = try accountant.usage(range: range)
        let stored = try storedRecords(range: range, includeZeros: false)
        var keep = Set(fresh.map { StoredKey(vm: $0.vm, bucket: $0.bucket, facts: $0.facts) })
        var batch = WriteBatch(database: config.database)
        for r in fresh { append(r, to: &batch) }
        // Records a previous run wrote for facts that no longer apply: zero them.
        for s in stored where !keep.contains(StoredKey(vm: s.vm, bucket: s.bucket, facts: s.facts)) {
            var z = UsageRecord(vm: s.vm, bucket: s.bucket, facts: s.facts)
            z.firstTime = s.bucket
            z.lastTime = s.bucket
            append(z, to: &batch)
            keep.insert(StoredKey(vm: s.vm, bucket: s.bucket, facts: s.facts))
        }
        if !batch.isEmpty { try engine.append(batch) }
        return fresh.count
    }

    /// A stored record's identity: its series tags and time.
    struct StoredKey: Hashable {
        var vm: String
        var bucket: Int64
        var project: String
        var hypervisor: String
        var site: String
        init(vm: String, bucket: Int64, facts: VMFacts) {
            self.vm = vm
            self.bucket = bucket
            project = facts.project
            hypervisor = facts.hypervisor
            site = facts.site
        }
    }

    private func append(_ r: UsageRecord, to b: inout WriteBatch) {
        var tags = ["vm": r.vm]
        if !r.facts.project.isEmpty { tags["project"] = r.facts.project }
        if !r.facts.hypervisor.isEmpty { tags["hypervisor"] = r.facts.hypervisor }
        if !r.facts.site.isEmpty { tags["site"] = r.facts.site }
        let m = config.outputMeasurement
        b.append(SeriesKey(m, tags, field: "cpu_seconds"), r.bucket, .float(r.cpuNs / 1e9))
        b.append(SeriesKey(m, tags, field: "wall_seconds"), r.bucket, .float(r.wallNs / 1e9))
        b.append(SeriesKey(m, tags, field: "vcpu_seconds"), r.bucket, .float(r.vcpuNs / 1e9))
        b.append(SeriesKey(m, tags, field: "hs06_seconds"), r.bucket, .float(r.hs06Ns / 1e9))
        b.append(SeriesKey(m, tags, field: "samples"), r.bucket, .integer(r.samples))
        b.append(SeriesKey(m, tags, field: "vcpus"), r.bucket, .integer(r.facts.vcpus))
        b.append(SeriesKey(m, tags, field: "hs06_per_core"), r.bucket, .float(r.facts.hs06PerCore))
        b.append(SeriesKey(m, tags, field: "first_time"), r.bucket, .integer(r.firstTime))
        b.append(SeriesKey(m, tags, field: "last_time"), r.bucket, .integer(r.lastTime))
    }

    /// The stored records of `range` (bucket starts within it). Zeroed records are skipped unless asked.
    /// Reads each record series' field columns side by side (they are written together).
    public func storedRecords(range: TimeRange, includeZeros: Bool = false) throws -> [UsageRecord] {
        guard (try? engine.measurements(config.database, matching: .exact(config.outputMeasurement)))?.isEmpty == false else { return [] }
        var sets: [[Tag]: [String: SeriesRef]] = [:]
        for ref in try engine.select(config.database, SeriesSelector(config.outputMeasurement)) where ref.key.tagValue("vm") != nil {
            sets[ref.key.tags, default: [:]][ref.key.field] = ref
        }
        let groups = Array(sets.values)
        let fields = ["cpu_seconds", "wall_seconds", "vcpu_seconds", "hs06_seconds", "samples", "vcpus", "hs06_per_core", "first_time", "last_time"]
        let perSet = try ParallelMap.map(groups, parallel: groups.count > 8) { byField -> [UsageRecord] in
            guard let any = byField.values.first else { return [] }
            let k = any.key
            let base = VMFacts(project: k.tagValue("project") ?? "", hypervisor: k.tagValue("hypervisor") ?? "", site: k.tagValue("site") ?? "")
            let vm = k.tagValue("vm")!
            let refs = fields.compactMap { byField[$0] }
            var cols: [String: SampleColumns] = [:]
            for (ref, snap) in zip(refs, try engine.snapshot(config.database, refs, range: range)) {
                var c = SampleColumns(type: ref.type)
                try engine.scan(snap, range: range) { piece in
                    if c.isEmpty { c = piece } else {
                        c.timestamps.append(contentsOf: piece.timestamps)
                        c.values.append(from: piece.values, range: 0..<piece.count)
                    }
                    return true
                }
                cols[ref.key.field] = c
            }
            guard let times = cols["cpu_seconds"]?.timestamps else { return [] }
            var out: [UsageRecord] = []
            out.reserveCapacity(times.count)
            // Index of each field's value at a time (equal when written together, searched otherwise).
            func value(_ f: String, _ i: Int, _ t: Int64) -> Double {
                guard let c = cols[f] else { return 0 }
                if i < c.count, c.timestamps[i] == t { return c.values[i].doubleValue ?? 0 }
                var lo = 0, hi = c.count
                while lo < hi { let m = (lo + hi) / 2; if c.timestamps[m] < t { lo = m + 1 } else { hi = m } }
                return lo < c.count && c.timestamps[lo] == t ? (c.values[lo].doubleValue ?? 0) : 0
            }
            for (i, t) in times.enumerated() {
                var r = UsageRecord(vm: vm, bucket: t, facts: base)
                r.cpuNs = value("cpu_seconds", i, t) * 1e9
                r.wallNs = value("wall_seconds", i, t) * 1e9
                r.vcpuNs = value("vcpu_seconds", i, t) * 1e9
                r.hs06Ns = value("hs06_seconds", i, t) * 1e9
                r.samples = Int64(value("samples", i, t))
                r.facts.vcpus = Int64(value("vcpus", i, t))
                r.facts.hs06PerCore = value("hs06_per_core", i, t)
                r.firstTime = Int64(value("first_time", i, t))
                r.lastTime = Int64(value("last_time", i, t))
                if includeZeros || r.samples > 0 { out.append(r) }
            }
            return out
        }
        // Series order (not sorted: reports group and sort their rows themselves).
        return perSet.flatMap { $0 }
    }

    /// Hours in `range` whose stored sample counts differ from the 1 h rollup counts of the raw
    /// CPU series (late samples arrived after they were computed).
    func lateHours(_ series: [String: [SeriesRef]], range: TimeRange) throws -> Set<Int64> {
        guard range.min <= range.max, let level = try engine.rollupLevels(config.database, measurement: config.cpuMeasurement).levels
            .first(where: { $0.width == config.bucket }) else { return [] }
        let vms = series.keys.sorted()
        let refs = vms.flatMap { series[$0]! }
        let owner = vms.flatMap { vm in series[vm]!.map { _ in vm } }
        var live: [String: [Int64: Int64]] = [:]
        for (k, snap) in try engine.rollupSnapshots(config.database, level: level, refs, range: range).enumerated() {
            try engine.scanRollups(snap, range: range) { c in
                for i in 0..<c.count { live[owner[k], default: [:]][c.starts[i], default: 0] += c.counts[i] }
                return true
            }
        }
        var stored: [String: [Int64: Int64]] = [:]
        for r in try storedRecords(range: range) { stored[r.vm, default: [:]][r.bucket, default: 0] += r.samples }
        var out: Set<Int64> = []
        for vm in Set(live.keys).union(stored.keys) {
            for hour in Set((live[vm] ?? [:]).keys).union((stored[vm] ?? [:]).keys) where live[vm]?[hour] != stored[vm]?[hour] {
                out.insert(hour)
            }
        }
        return out
    }

    /// Usage records for a report over `range`: stored hours where the job has computed them,
    /// live computation for the edges and the hours after the watermark.
    public func reportRecords(range: TimeRange) throws -> [UsageRecord] {
        let h = config.bucket
        guard let w = watermark() else { return try accountant.usage(range: range) }
        let a = range.min == .min ? Int64.min : (alignDown(range.min, h) == range.min ? range.min : alignDown(range.min, h) + h)
        let b = min(range.max == .max ? Int64.max : alignDown(range.max + 1, h), w)
        guard a != .min, a < b else { return try accountant.usage(range: range) }
        var out: [UsageRecord] = []
        if range.min < a { out += try accountant.usage(range: TimeRange(min: range.min, max: a - 1)) }
        out += try storedRecords(range: TimeRange(min: a, max: b - 1))
        if b <= range.max { out += try accountant.usage(range: TimeRange(min: b, max: range.max)) }
        return out
    }
}
