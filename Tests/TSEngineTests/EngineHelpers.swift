import Foundation
@testable import TSEngine

extension Engine {
    /// All samples of the series with this key, as (timestamp, value) pairs.
    func points(_ db: String, _ key: SeriesKey, _ range: TimeRange = .all) throws -> [(Int64, Value)] {
        let refs = try select(db, SeriesSelector(key.measurement, field: key.field, key.tags.map { TagMatcher.eq($0.key, $0.value) }))
        guard let ref = refs.first(where: { $0.key == key }) else { return [] }
        let cols = try read(db, ref, range: range)
        return (0..<cols.count).map { (cols.timestamps[$0], cols.values[$0]) }
    }
}

/// Writes `path`'s bytes to `target` once per byte with that byte's bit 4 flipped, and calls
/// `read` on each copy: nil means the reader refused it (detected), otherwise `read` has checked
/// what came back. Returns how many copies were refused, and the file's length.
func flipEachByte(of path: String, into target: String, _ read: (Int) -> Bool?) throws -> (detected: Int, length: Int) {
    let orig = try Data(contentsOf: URL(fileURLWithPath: path))
    var detected = 0
    for off in 0..<orig.count {
        var b = orig
        b[off] ^= 0x10
        try b.write(to: URL(fileURLWithPath: target))
        if read(off) == nil { detected += 1 }
    }
    return (detected, orig.count)
}
