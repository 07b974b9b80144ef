import TSSupport
import InfluxQL
import TSEngine
import TSQuery

/// The dimensions a report groups by.
public enum ReportDimension: String, Sendable, CaseIterable {
    case vm, project, hypervisor, site

    func value(_ r: UsageRecord) -> String {
        switch self {
        case .vm: r.vm
        case .project: r.facts.project
        case .hypervisor: r.facts.hypervisor
        case .site: r.facts.site
        }
    }

    /// Parses `vm,project`.
    public static func parse(_ s: String) throws -> [ReportDimension] {
        let dims = try s.split(separator: ",").map { p -> ReportDimension in
            guard let d = ReportDimension(rawValue: String(p)) else {
                throw AccountingError("unknown --by dimension '\(p)': use vm, project, hypervisor or site")
            }
            return d
        }
        guard !dims.isEmpty else { throw AccountingError("--by needs at least one of vm, project, hypervisor, site") }
        return dims
    }
}

public struct AccountingError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}

/// One row of a report: the group's tag values and its sums.
public struct ReportRow: Sendable, Equatable {
    public var group: [(dimension: ReportDimension, value: String)]
    public var cpuHours = 0.0
    public var wallHours = 0.0
    public var vcpuHours = 0.0
    public var hs06Hours = 0.0
    public var vms: Set<String> = []
    /// Per VM, for APEL records: first/last sample time and the latest facts.
    public var firstTime: Int64 = .max
    public var lastTime: Int64 = .min
    public var latest: VMFacts?
    var latestTime: Int64 = .min

    /// CPU hours over wall × vCPU hours (nil when no vCPU time).
    public var efficiency: Double? { vcpuHours > 0 ? cpuHours / vcpuHours : nil }

    public static func == (a: ReportRow, b: ReportRow) -> Bool {
        a.group.map(\.value) == b.group.map(\.value) && a.cpuHours == b.cpuHours && a.wallHours == b.wallHours
            && a.vcpuHours == b.vcpuHours && a.hs06Hours == b.hs06Hours && a.vms == b.vms
    }
}

public enum AccountingReport {
    /// Sums usage records by the given dimensions; rows sorted by their group values.
    public static func rows(_ records: [UsageRecord], by dims: [ReportDimension]) -> [ReportRow] {
        // Up to four group values without allocating an array per record.
        struct Key: Hashable { var v0 = "", v1 = "", v2 = "", v3 = "" }
        func key(_ r: UsageRecord) -> Key {
            var k = Key()
            for (i, d) in dims.enumerated() {
                switch i {
                case 0: k.v0 = d.value(r)
                case 1: k.v1 = d.value(r)
                case 2: k.v2 = d.value(r)
                default: k.v3 = d.value(r)
                }
            }
            return k
        }
        var index: [Key: Int] = [:]
        var rows: [ReportRow] = []
        var lastVM: [String] = []
        for r in records {
            let k = key(r)
            let i: Int
            if let x = index[k] { i = x } else {
                i = rows.count
                index[k] = i
                rows.append(ReportRow(group: dims.map { ($0, $0.value(r)) }))
                lastVM.append("")
            }
            rows[i].cpuHours += r.cpuNs / 3.6e12
            rows[i].wallHours += r.wallNs / 3.6e12
            rows[i].vcpuHours += r.vcpuNs / 3.6e12
            rows[i].hs06Hours += r.hs06Ns / 3.6e12
            if lastVM[i] != r.vm { rows[i].vms.insert(r.vm); lastVM[i] = r.vm }
            rows[i].firstTime = min(rows[i].firstTime, r.firstTime)
            rows[i].lastTime = max(rows[i].lastTime, r.lastTime)
            if r.lastTime >= rows[i].latestTime { rows[i].latestTime = r.lastTime; rows[i].latest = r.facts }
        }
        return rows.sorted { $0.group.map(\.value).lexicographicallyPrecedes($1.group.map(\.value)) }
    }

    public static func json(_ rows: [ReportRow]) -> String {
        "[" + rows.map { r in
            var f: [(key: String, value: JSONValue)] = r.group.map { ($0.dimension.rawValue, .string($0.value)) }
            f.append(("cpu_hours", .number(num(r.cpuHours))))
            f.append(("wall_hours", .number(num(r.wallHours))))
            f.append(("vcpu_hours", .number(num(r.vcpuHours))))
            f.append(("hs06_hours", .number(num(r.hs06Hours))))
            f.append(("efficiency", r.efficiency.map { .number(num($0)) } ?? .null))
            f.append(("vms", .number(String(r.vms.count))))
            return JSONValue.object(f).compactText
        }.joined(separator: ",\n ") + "]\n"
    }

    public static func csv(_ rows: [ReportRow]) -> String {
        guard let first = rows.first else { return "cpu_hours,wall_hours,vcpu_hours,hs06_hours,efficiency,vms\n" }
        var o = (first.group.map(\.dimension.rawValue) + ["cpu_hours", "wall_hours", "vcpu_hours", "hs06_hours", "efficiency", "vms"]).joined(separator: ",") + "\n"
        for r in rows {
            let cells = r.group.map { ResultEncoding.csvField($0.value) } + [num(r.cpuHours), num(r.wallHours), num(r.vcpuHours), num(r.hs06Hours),
                                                            r.efficiency.map(num) ?? "", String(r.vms.count)]
            o += cells.joined(separator: ",") + "\n"
        }
        return o
    }

    public static func table(_ rows: [ReportRow]) -> String {
        guard let first = rows.first else { return "(no usage in this range)\n" }
        let header = first.group.map(\.dimension.rawValue) + ["cpu_hours", "wall_hours", "vcpu_hours", "hs06_hours", "efficiency", "vms"]
        var body = rows.map { r in
            r.group.map(\.value) + [fixed(r.cpuHours), fixed(r.wallHours), fixed(r.vcpuHours), fixed(r.hs06Hours),
                                    r.efficiency.map { fixed($0 * 100, 1) + "%" } ?? "-", String(r.vms.count)]
        }
        let total = rows.reduce(into: (0.0, 0.0, 0.0, 0.0, Set<String>())) { a, r in
            a.0 += r.cpuHours; a.1 += r.wallHours; a.2 += r.vcpuHours; a.3 += r.hs06Hours; a.4.formUnion(r.vms)
        }
        body.append(Array(repeating: "", count: first.group.count - 1) + ["TOTAL", fixed(total.0), fixed(total.1), fixed(total.2), fixed(total.3),
                    total.2 > 0 ? fixed(total.0 / total.2 * 100, 1) + "%" : "-", String(total.4.count)])
        var w = header.map(\.count)
        for r in body { for (i, c) in r.enumerated() { w[i] = max(w[i], c.count) } }
        func line(_ r: [String]) -> String {
            r.enumerated().map { i, c in i < first.group.count ? c + String(repeating: " ", count: w[i] - c.count)
                                                                : String(repeating: " ", count: w[i] - c.count) + c }.joined(separator: "  ")
        }
        return ([line(header), line(w.map { String(repeating: "-", count: $0) })] + body.map(line)).joined(separator: "\n") + "\n"
    }

    // MARK: APEL

    /// `APEL-cloud-message: v0.4`: one record per VM over the report range (rows must be by vm).
    public static func apelRecords(_ rows: [ReportRow], rangeEnd: Int64) -> String {
        var o = "APEL-cloud-message: v0.4\n"
        for r in rows {
            guard let vm = r.group.first(where: { $0.dimension == .vm })?.value else { continue }
            let f = r.latest ?? VMFacts()
            // Still reporting at the end of the range: started; otherwise completed.
            let running = r.lastTime > rangeEnd - 3 * 60_000_000_000
            let fields: [(String, String)] = [
                ("VMUUID", vm), ("SiteName", nz(f.site)), ("CloudComputeService", "NULL"), ("MachineName", vm),
                ("LocalUserId", "NULL"), ("LocalGroupId", nz(f.project)), ("GlobalUserName", "NULL"), ("FQAN", "NULL"),
                ("Status", running ? "started" : "completed"),
                ("StartTime", r.firstTime == .max ? "NULL" : String(r.firstTime / 1_000_000_000)),
                ("EndTime", running || r.lastTime == .min ? "NULL" : String(r.lastTime / 1_000_000_000)),
                ("SuspendDuration", "NULL"),
                ("WallDuration", String(Int64((r.wallHours * 3600).rounded()))),
                ("CpuDuration", String(Int64((r.cpuHours * 3600).rounded()))),
                ("CpuCount", f.vcpus > 0 ? String(f.vcpus) : "NULL"),
                ("NetworkType", "NULL"), ("NetworkInbound", "NULL"), ("NetworkOutbound", "NULL"), ("PublicIPCount", "NULL"),
                ("Memory", "NULL"), ("Disk", "NULL"),
                ("BenchmarkType", "HEPSPEC"), ("Benchmark", f.hs06PerCore > 0 ? num(f.hs06PerCore) : "NULL"),
                ("StorageRecordId", "NULL"), ("ImageId", "NULL"), ("CloudType", "NULL"),
            ]
            o += fields.map { "\($0.0): \($0.1)" }.joined(separator: "\n") + "\n%%\n"
        }
        return o
    }

    /// `APEL-cloud-summary-message: v0.4`: one summary per site, project and month of `records`.
    public static func apelSummaries(_ records: [UsageRecord]) -> String {
        struct Key: Hashable { var site: String; var project: String; var year: Int64; var month: Int64 }
        struct Sum { var wall = 0.0; var cpu = 0.0; var hs06 = 0.0; var vms: [String: (first: Int64, vcpus: Int64)] = [:] }
        var sums: [Key: Sum] = [:]
        for r in records {
            let (y, m, _) = civil(r.bucket)
            let k = Key(site: r.facts.site, project: r.facts.project, year: y, month: m)
            var s = sums[k] ?? Sum()
            s.wall += r.wallNs / 1e9
            s.cpu += r.cpuNs / 1e9
            s.hs06 += r.hs06Ns / 1e9
            let prev = s.vms[r.vm]
            s.vms[r.vm] = (min(prev?.first ?? .max, r.firstTime), max(prev?.vcpus ?? 0, r.facts.vcpus))
            sums[k] = s
        }
        var o = "APEL-cloud-summary-message: v0.4\n"
        for k in sums.keys.sorted(by: { ($0.site, $0.project, $0.year, $0.month) < ($1.site, $1.project, $1.year, $1.month) }) {
            let s = sums[k]!
            let starts = s.vms.values.map(\.first)
            let fields: [(String, String)] = [
                ("SiteName", nz(k.site)), ("CloudComputeService", "NULL"), ("Month", String(k.month)), ("Year", String(k.year)),
                ("GlobalUserName", "NULL"), ("VO", nz(k.project)), ("VOGroup", "NULL"), ("VORole", "NULL"), ("Status", "NULL"),
                ("CloudType", "NULL"), ("ImageId", "NULL"),
                ("EarliestStartTime", starts.min().map { String($0 / 1_000_000_000) } ?? "NULL"),
                ("LatestStartTime", starts.max().map { String($0 / 1_000_000_000) } ?? "NULL"),
                ("WallDuration", String(Int64(s.wall.rounded()))), ("CpuDuration", String(Int64(s.cpu.rounded()))),
                ("CpuCount", String(s.vms.values.reduce(0) { $0 + $1.vcpus })),
                ("NetworkInbound", "NULL"), ("NetworkOutbound", "NULL"), ("Memory", "NULL"), ("Disk", "NULL"),
                ("BenchmarkType", "HEPSPEC"), ("Benchmark", s.cpu > 0 ? num(s.hs06 / s.cpu) : "NULL"),
                ("NumberOfVMs", String(s.vms.count)),
            ]
            o += fields.map { "\($0.0): \($0.1)" }.joined(separator: "\n") + "\n%%\n"
        }
        return o
    }

    /// Parses APEL text back into records of `Key: Value` (for tests and verification).
    public static func parseAPEL(_ text: String) -> (header: String, records: [[String: String]]) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = lines.isEmpty ? "" : lines.removeFirst()
        var out: [[String: String]] = []
        var cur: [String: String] = [:]
        for l in lines {
            if l == "%%" { out.append(cur); cur = [:]; continue }
            guard let c = l.firstIndex(of: ":") else { continue }
            var v = l[l.index(after: c)...]
            if v.first == " " { v = v.dropFirst() }
            cur[String(l[..<c])] = String(v)
        }
        return (header, out)
    }

    private static func nz(_ s: String) -> String { s.isEmpty ? "NULL" : s }

    static func num(_ d: Double) -> String {
        if d == d.rounded() && abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }

    static func fixed(_ d: Double, _ places: Int = 3) -> String {
        var p = 1.0
        for _ in 0..<places { p *= 10 }
        let v = (d * p).rounded() / p
        var s = "\(v)"
        if let dot = s.firstIndex(of: "."), !s.contains("e") {
            let decimals = s.distance(from: dot, to: s.endIndex) - 1
            if decimals < places { s += String(repeating: "0", count: places - decimals) }
        } else if !s.contains("e") {
            s += "." + String(repeating: "0", count: places)
        }
        return s
    }

    /// (year, month, day) of a time in ns, UTC.
    static func civil(_ ns: Int64) -> (Int64, Int64, Int64) {
        let text = RFC3339.format(ns)
        let p = text.prefix(10).split(separator: "-").map { Int64($0)! }
        return (p[0], p[1], p[2])
    }
}

/// Month boundaries: `2026-01` → [2026-01-01T00:00:00Z, 2026-02-01T00:00:00Z).
public func monthRange(_ s: String) throws -> TimeRange {
    let p = s.split(separator: "-")
    guard p.count == 2, let y = Int(p[0]), let m = Int(p[1]), (1...12).contains(m),
          let a = RFC3339.parse(format4(y) + "-" + two(m) + "-01") else {
        throw AccountingError("--month must look like 2026-01")
    }
    let (ny, nm) = m == 12 ? (y + 1, 1) : (y, m + 1)
    guard let b = RFC3339.parse(format4(ny) + "-" + two(nm) + "-01") else { throw AccountingError("bad month \(s)") }
    return TimeRange(min: a, max: b - 1)
}

private func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
private func format4(_ v: Int) -> String { String(repeating: "0", count: max(0, 4 - String(v).count)) + String(v) }
