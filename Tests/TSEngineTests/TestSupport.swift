import Foundation
@testable import TSEngine

/// A fresh temporary directory removed when the value is dropped.
final class TempDir {
    let path: String
    init(_ name: String = "tsengine") {
        var template = Array("/tmp/\(name)-XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = String(cString: p!)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

func testOptions(_ policy: SyncPolicy = .always) -> EngineOptions {
    var o = EngineOptions()
    o.syncPolicy = policy
    o.backgroundMaintenance = false
    o.log = { _, _ in }
    return o
}

/// Deterministic random numbers (SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}

extension Engine {
    /// All samples of the series with this key, as (timestamp, value) pairs.
    func points(_ db: String, _ key: SeriesKey, _ range: TimeRange = .all) throws -> [(Int64, Value)] {
        let refs = try select(db, SeriesSelector(key.measurement, field: key.field, key.tags.map { TagMatcher.eq($0.key, $0.value) }))
        guard let ref = refs.first(where: { $0.key == key }) else { return [] }
        let cols = try read(db, ref, range: range)
        return (0..<cols.count).map { (cols.timestamps[$0], cols.values[$0]) }
    }
}
