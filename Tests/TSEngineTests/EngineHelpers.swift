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
