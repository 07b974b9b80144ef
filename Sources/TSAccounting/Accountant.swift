import TSEngine

/// Where accounting inputs live and how they are interpreted (docs/accounting.md).
public struct AccountingConfig: Sendable {
    /// The database holding the collectd data (and where `accounting_vm` is written).
    public var database: String = "collectd"
    /// Cumulative guest CPU time in ns, one series per VM: measurement, field, selecting tags, VM tag.
    public var cpuMeasurement = "virt_value"
    public var cpuField = "value"
    public var cpuTags: [String: String] = ["type": "virt_cpu_total"]
    public var vmTag = "host"
    /// VM facts: measurement with tags project, hypervisor, site and fields vcpus, hs06_per_core.
    public var infoMeasurement = "vm_info"
    public var infoVMTag = "host"
    /// The collectd reporting interval; a pair of samples further apart than `maxGapFactor`
    /// intervals is not wall time (a reporting gap or the VM being off).
    public var interval: Int64 = 10_000_000_000
    public var maxGapFactor: Int64 = 3
    /// Facts for VMs whose agents send no `vm_info` (uuid → facts), from a mapping file.
    public var mapping: [String: VMFacts] = [:]
    /// Where the job stores hourly results.
    public var outputMeasurement = "accounting_vm"
    public var bucket: Int64 = 3_600_000_000_000

    public init() {}

    public var maxGap: Int64 { interval * maxGapFactor }
}

/// What is known about a VM at some time (from `vm_info` or the mapping file).
public struct VMFacts: Sendable, Equatable, Hashable {
    public var project: String
    public var hypervisor: String
    public var site: String
    public var vcpus: Int64
    public var hs06PerCore: Double

    public init(project: String = "", hypervisor: String = "", site: String = "", vcpus: Int64 = 0, hs06PerCore: Double = 0) {
        self.project = project
        self.hypervisor = hypervisor
        self.site = site
        self.vcpus = vcpus
        self.hs06PerCore = hs06PerCore
    }
}

/// One VM's usage in one bucket, attributed to the facts valid at each pair's later sample (so a
/// VM that migrates in the middle of an hour has two records for that hour, one per hypervisor).
public struct UsageRecord: Sendable, Equatable {
    public var vm: String
    /// Bucket start (ns).
    public var bucket: Int64
    public var facts: VMFacts
    /// CPU time (ns), reset-aware: Σ delta.
    public var cpuNs: Double = 0
    /// Wall time (ns) over pairs no further apart than the maximum gap.
    public var wallNs: Double = 0
    /// Σ wall × vCPUs (ns).
    public var vcpuNs: Double = 0
    /// Σ delta × HS06 per core (ns × HS06).
    public var hs06Ns: Double = 0
    /// Number of CPU samples with their time in the bucket (the job's fingerprint for late data).
    public var samples: Int64 = 0
    /// First and last sample time counted in this record.
    public var firstTime: Int64 = .max
    public var lastTime: Int64 = .min
}

/// Computes per-VM usage from the hypervisor's counters (docs/accounting.md):
/// for consecutive samples (t1, v1), (t2, v2) of a VM's `virt_cpu_total`,
/// delta = v2 − v1, or v2 after a reset (v2 < v1); the pair belongs to the bucket of t2 and is
/// attributed to the facts valid at t2 (the latest `vm_info` at or before t2).
public struct Accountant: Sendable {
    public let engine: Engine
    public let config: AccountingConfig

    public init(engine: Engine, config: AccountingConfig) {
        self.engine = engine
        self.config = config
    }

    /// The CPU series of every VM (several series of one VM are merged by time).
    public func cpuSeries(vm: String? = nil) throws -> [String: [SeriesRef]] {
        var matchers = config.cpuTags.sorted { $0.key < $1.key }.map { TagMatcher.eq($0.key, $0.value) }
        if let vm { matchers.append(.eq(config.vmTag, vm)) }
        var out: [String: [SeriesRef]] = [:]
        for ref in try engine.select(config.database, SeriesSelector(config.cpuMeasurement, field: config.cpuField, matchers)) {
            guard let vm = ref.key.tagValue(config.vmTag) else { continue }
            out[vm, default: []].append(ref)
        }
        return out
    }

    /// Usage records of every VM (or of `vms`) for pairs whose later sample lies in `range`.
    public func usage(range: TimeRange, vms: Set<String>? = nil) throws -> [UsageRecord] {
        let series = try cpuSeries().filter { vms?.contains($0.key) ?? true }
        let facts = try factHistories(range: range, vms: Set(series.keys))
        var out: [UsageRecord] = []
        for vm in series.keys.sorted() {
            out += try usage(vm: vm, refs: series[vm]!, history: facts[vm] ?? FactHistory(), range: range)
        }
        return out
    }

    func usage(vm: String, refs: [SeriesRef], history: FactHistory, range: TimeRange) throws -> [UsageRecord] {
        // The sample before the range starts the first pair.
        var prev: (t: Int64, v: Double)?
        for r in refs {
            if range.min > .min, let s = try engine.lastSample(config.database, r, before: range.min), let v = s.value.doubleValue {
                if prev == nil || s.time > prev!.t { prev = (s.time, v) }
            }
        }
        let points = try mergedPoints(refs, range: range)
        var records: [RecordKey: UsageRecord] = [:]
        let mapped = config.mapping[vm]
        for (t2, v2) in points {
            let b = alignDown(t2, config.bucket)
            let facts = history.facts(at: t2) ?? mapped ?? VMFacts()
            // Records are per (bucket, project, hypervisor, site): the stored series' tags. vCPUs
            // and HS06 weigh each pair; the record keeps the latest values for display.
            let key = RecordKey(bucket: b, project: facts.project, hypervisor: facts.hypervisor, site: facts.site)
            var rec = records[key] ?? UsageRecord(vm: vm, bucket: b, facts: facts)
            rec.facts = facts
            rec.samples += 1
            rec.firstTime = min(rec.firstTime, t2)
            rec.lastTime = max(rec.lastTime, t2)
            if let p = prev {
                let delta = v2 >= p.v ? v2 - p.v : v2
                let dt = t2 - p.t
                rec.cpuNs += delta
                rec.hs06Ns += delta * facts.hs06PerCore
                if dt <= config.maxGap {
                    rec.wallNs += Double(dt)
                    rec.vcpuNs += Double(dt) * Double(facts.vcpus)
                }
            }
            records[key] = rec
            prev = (t2, v2)
        }
        return records.values.sorted { ($0.bucket, $0.facts.hypervisor) < ($1.bucket, $1.facts.hypervisor) }
    }

    struct RecordKey: Hashable {
        var bucket: Int64
        var project: String
        var hypervisor: String
        var site: String
    }

    /// The VM's CPU samples in `range` in time order (several series merged; for a timestamp in
    /// several series the first series wins).
    func mergedPoints(_ refs: [SeriesRef], range: TimeRange) throws -> [(Int64, Double)] {
        var all: [(Int64, Double)] = []
        for snap in try engine.snapshot(config.database, refs, range: range) {
            try engine.scan(snap, range: range) { cols in
                switch cols.values {
                case .float(let vs): for i in 0..<cols.count { all.append((cols.timestamps[i], vs[i])) }
                case .integer(let vs): for i in 0..<cols.count { all.append((cols.timestamps[i], Double(vs[i]))) }
                case .unsigned(let vs): for i in 0..<cols.count { all.append((cols.timestamps[i], Double(vs[i]))) }
                default: break
                }
                return true
            }
        }
        if refs.count > 1 {
            all.sort { $0.0 < $1.0 }
            var dedup: [(Int64, Double)] = []
            for p in all where dedup.last?.0 != p.0 { dedup.append(p) }
            all = dedup
        }
        return all
    }

    /// `vm_info` histories: every point in `range` plus, per series, the last one before it.
    func factHistories(range: TimeRange, vms: Set<String>) throws -> [String: FactHistory] {
        guard (try? engine.measurements(config.database, matching: .exact(config.infoMeasurement)))?.isEmpty == false else { return [:] }
        var byVM: [String: [String: [SeriesRef]]] = [:]  // vm → series key without field → refs
        for ref in try engine.select(config.database, SeriesSelector(config.infoMeasurement)) {
            guard let vm = ref.key.tagValue(config.infoVMTag), vms.contains(vm) else { continue }
            byVM[vm, default: [:]][ref.key.tags.map { "\($0.key)=\($0.value)" }.joined(separator: ","), default: []].append(ref)
        }
        var out: [String: FactHistory] = [:]
        for (vm, groups) in byVM {
            var entries: [Int64: FactEntry] = [:]
            for refs in groups.values {
                let tags = refs[0].key
                for ref in refs where ref.key.field == "vcpus" || ref.key.field == "hs06_per_core" {
                    var pts: [(Int64, Value)] = []
                    if range.min > .min, let s = try engine.lastSample(config.database, ref, before: range.min) { pts.append(s) }
                    try engine.scan(try engine.snapshot(config.database, [ref], range: range)[0], range: range) { cols in
                        for i in 0..<cols.count { pts.append((cols.timestamps[i], cols.values[i])) }
                        return true
                    }
                    for (t, v) in pts {
                        var e = entries[t] ?? FactEntry(time: t, facts: VMFacts(project: tags.tagValue("project") ?? "",
                                                                                hypervisor: tags.tagValue("hypervisor") ?? "",
                                                                                site: tags.tagValue("site") ?? ""))
                        if ref.key.field == "vcpus" { e.facts.vcpus = Int64(v.doubleValue ?? 0); e.hasVCPUs = true }
                        else { e.facts.hs06PerCore = v.doubleValue ?? 0; e.hasHS06 = true }
                        entries[t] = e
                    }
                }
            }
            out[vm] = FactHistory(entries.values.sorted { $0.time < $1.time })
        }
        return out
    }
}

struct FactEntry {
    var time: Int64
    var facts: VMFacts
    var hasVCPUs = false
    var hasHS06 = false
}

/// A VM's facts over time; the facts valid at t are those of the latest entry at or before t.
struct FactHistory {
    var entries: [FactEntry] = []
    init(_ e: [FactEntry] = []) {
        // A line missing one field keeps the previous value of that field.
        var last = VMFacts()
        entries = e.map { x in
            var y = x
            if !x.hasVCPUs { y.facts.vcpus = last.vcpus }
            if !x.hasHS06 { y.facts.hs06PerCore = last.hs06PerCore }
            last = y.facts
            return y
        }
    }

    func facts(at t: Int64) -> VMFacts? {
        var lo = 0, hi = entries.count
        while lo < hi {
            let m = (lo + hi) / 2
            if entries[m].time <= t { lo = m + 1 } else { hi = m }
        }
        return lo == 0 ? nil : entries[lo - 1].facts
    }
}

