/// The VM mapping file for agents that send no `vm_info`: CSV with a header naming the columns
/// `uuid` (required) and any of `project`, `vcpus`, `hs06_per_core`, `site`, `hypervisor`.
/// Lines starting with `#` and blank lines are ignored. Fields are not quoted.
public enum MappingFile {
    public static func parse(_ text: String) throws -> [String: VMFacts] {
        var header: [String]?
        var out: [String: VMFacts] = [:]
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.trimmingCharacters(in: " \t").isEmpty || line.hasPrefix("#") { continue }
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: " \t") }
            guard let h = header else {
                guard cells.contains("uuid") else { throw AccountingError("mapping file: the header must name a 'uuid' column") }
                for c in cells where !["uuid", "project", "vcpus", "hs06_per_core", "site", "hypervisor"].contains(c) {
                    throw AccountingError("mapping file: unknown column '\(c)'")
                }
                header = cells
                continue
            }
            guard cells.count == h.count else { throw AccountingError("mapping file line \(n + 1): \(cells.count) fields, header has \(h.count)") }
            var f = VMFacts()
            var uuid = ""
            for (k, v) in zip(h, cells) {
                switch k {
                case "uuid": uuid = v
                case "project": f.project = v
                case "site": f.site = v
                case "hypervisor": f.hypervisor = v
                case "vcpus":
                    guard let x = Int64(v), x >= 0 else { throw AccountingError("mapping file line \(n + 1): vcpus '\(v)' is not a whole number") }
                    f.vcpus = x
                default:
                    guard let x = Double(v), x >= 0 else { throw AccountingError("mapping file line \(n + 1): hs06_per_core '\(v)' is not a number") }
                    f.hs06PerCore = x
                }
            }
            guard !uuid.isEmpty else { throw AccountingError("mapping file line \(n + 1): empty uuid") }
            out[uuid] = f
        }
        return out
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s.removeFirst() }
        while let c = s.last, set.contains(c) { s.removeLast() }
        return String(s)
    }
}
