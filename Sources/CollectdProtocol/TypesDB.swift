#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Data-source kind as declared in types.db.
public enum DataSourceKind: String, Sendable, Equatable {
    case counter = "COUNTER", gauge = "GAUGE", derive = "DERIVE", absolute = "ABSOLUTE"
}

/// collectd's types.db: each type's data sources (`if_octets rx:DERIVE:0:U, tx:DERIVE:0:U`).
public struct TypesDB: Sendable {
    public struct DataSource: Sendable, Equatable {
        public var name: String
        public var kind: DataSourceKind
        public var min: Double?
        public var max: Double?
    }

    public private(set) var types: [String: [DataSource]] = [:]

    /// Parses types.db text. `#` starts a comment; malformed lines are skipped (their numbers in `skippedLines`).
    public init(parsing text: String) {
        var lineNo = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNo += 1
            var line = Substring(raw)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            line = trim(line)
            if line.isEmpty { continue }
            guard let ws = line.firstIndex(where: { $0 == " " || $0 == "\t" }) else { skippedLines.append(lineNo); continue }
            let name = String(line[..<ws])
            var sources: [DataSource] = []
            var ok = true
            for spec in line[ws...].split(separator: ",") {
                let fields = trim(spec).split(separator: ":", omittingEmptySubsequences: false)
                guard fields.count == 4, !fields[0].isEmpty,
                      let kind = DataSourceKind(rawValue: String(fields[1]).uppercased()) else { ok = false; break }
                sources.append(DataSource(name: String(fields[0]), kind: kind,
                                          min: Double(String(fields[2])), max: Double(String(fields[3]))))
            }
            if ok && !sources.isEmpty { types[name] = sources } else { skippedLines.append(lineNo) }
        }
    }

    /// Line numbers (1-based) that could not be parsed.
    public private(set) var skippedLines: [Int] = []

    /// Reads and parses a types.db file (e.g. /usr/share/collectd/types.db). Returns nil if unreadable.
    public init?(contentsOfFile path: String) {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count { break }
        }
        if ferror(f) != 0 { return nil }
        self.init(parsing: String(decoding: bytes, as: UTF8.self))
    }

    public func dataSources(for type: String) -> [(name: String, kind: DataSourceKind)]? {
        types[type].map { $0.map { (name: $0.name, kind: $0.kind) } }
    }

    /// Types merged: entries of `other` replace entries of `self`.
    public func merging(_ other: TypesDB) -> TypesDB {
        var copy = self
        copy.types.merge(other.types) { _, new in new }
        return copy
    }

    /// A built-in table of common collectd types, used when no types.db file is available.
    public static let builtin = TypesDB(parsing: builtinTypesDB)
}

/// Subset of collectd 5.x types.db.
let builtinTypesDB = """
absolute            value:ABSOLUTE:0:U
bitrate             value:GAUGE:0:4294967295
bytes               value:GAUGE:0:U
cache_ratio         value:GAUGE:0:100
charge              value:GAUGE:0:U
connections         value:DERIVE:0:U
conntrack           value:GAUGE:0:4294967295
contextswitch       value:DERIVE:0:U
count               value:GAUGE:0:U
counter             value:COUNTER:U:U
cpu                 value:DERIVE:0:U
cpufreq             value:GAUGE:0:U
current             value:GAUGE:U:U
current_connections value:GAUGE:0:U
delay               value:GAUGE:-1000000:1000000
derive              value:DERIVE:0:U
df                  used:GAUGE:0:1125899906842623, free:GAUGE:0:1125899906842623
df_complex          value:GAUGE:0:U
df_inodes           value:GAUGE:0:U
disk_io_time        io_time:DERIVE:0:U, weighted_io_time:DERIVE:0:U
disk_latency        read:GAUGE:0:U, write:GAUGE:0:U
disk_merged         read:DERIVE:0:U, write:DERIVE:0:U
disk_octets         read:DERIVE:0:U, write:DERIVE:0:U
disk_ops            read:DERIVE:0:U, write:DERIVE:0:U
disk_ops_complex    value:DERIVE:0:U
disk_time           read:DERIVE:0:U, write:DERIVE:0:U
duration            seconds:GAUGE:0:U
entropy             value:GAUGE:0:4294967295
fanspeed            value:GAUGE:0:U
file_size           value:GAUGE:0:U
files               value:GAUGE:0:U
fork_rate           value:DERIVE:0:U
frequency           value:GAUGE:0:U
gauge               value:GAUGE:U:U
humidity            value:GAUGE:0:100
if_collisions       value:DERIVE:0:U
if_dropped          rx:DERIVE:0:U, tx:DERIVE:0:U
if_errors           rx:DERIVE:0:U, tx:DERIVE:0:U
if_multicast        value:DERIVE:0:U
if_octets           rx:DERIVE:0:U, tx:DERIVE:0:U
if_packets          rx:DERIVE:0:U, tx:DERIVE:0:U
if_rx_dropped       value:DERIVE:0:U
if_rx_errors        value:DERIVE:0:U
if_rx_octets        value:DERIVE:0:U
if_rx_packets       value:DERIVE:0:U
if_tx_dropped       value:DERIVE:0:U
if_tx_errors        value:DERIVE:0:U
if_tx_octets        value:DERIVE:0:U
if_tx_packets       value:DERIVE:0:U
io_octets           rx:DERIVE:0:U, tx:DERIVE:0:U
io_packets          rx:DERIVE:0:U, tx:DERIVE:0:U
irq                 value:DERIVE:0:U
latency             value:GAUGE:0:U
load                shortterm:GAUGE:0:5000, midterm:GAUGE:0:5000, longterm:GAUGE:0:5000
memory              value:GAUGE:0:281474976710656
operations          value:DERIVE:0:U
percent             value:GAUGE:0:100.1
percent_bytes       value:GAUGE:0:100.1
percent_inodes      value:GAUGE:0:100.1
ping                value:GAUGE:0:65535
ping_droprate       value:GAUGE:0:100
ping_stddev         value:GAUGE:0:65535
power               value:GAUGE:0:U
processes           value:GAUGE:0:U
ps_count            processes:GAUGE:0:1000000, threads:GAUGE:0:1000000
ps_cputime          user:DERIVE:0:U, syst:DERIVE:0:U
ps_disk_octets      read:DERIVE:0:U, write:DERIVE:0:U
ps_disk_ops         read:DERIVE:0:U, write:DERIVE:0:U
ps_pagefaults       minflt:DERIVE:0:U, majflt:DERIVE:0:U
ps_rss              value:GAUGE:0:9223372036854775807
ps_state            value:GAUGE:0:65535
ps_vm               value:GAUGE:0:9223372036854775807
queue_length        value:GAUGE:0:U
response_time       value:GAUGE:0:U
swap                value:GAUGE:0:1099511627776
swap_io             value:DERIVE:0:U
tcp_connections     value:GAUGE:0:4294967295
temperature         value:GAUGE:U:U
threads             value:GAUGE:0:U
total_bytes         value:DERIVE:0:U
total_requests      value:DERIVE:0:U
uptime              value:GAUGE:0:U
users               value:GAUGE:0:65535
virt_cpu_total      value:DERIVE:0:U
virt_vcpu           value:DERIVE:0:U
vmpage_action       value:DERIVE:0:U
vmpage_faults       minflt:DERIVE:0:U, majflt:DERIVE:0:U
vmpage_io           in:DERIVE:0:U, out:DERIVE:0:U
vmpage_number       value:GAUGE:0:4294967295
voltage             value:GAUGE:U:U
"""
