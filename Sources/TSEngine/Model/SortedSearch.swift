// Binary searches over sorted timestamps (head series, segment blocks, decoded columns).

/// The first index in `0..<count` for which `isAfter` holds, given that it holds for a suffix
/// (a partition point). Shared by every sorted-timestamp search in the engine.
@inline(__always)
func partitionPoint(_ count: Int, _ isAfter: (Int) -> Bool) -> Int {
    var lo = 0, hi = count
    while lo < hi {
        let m = (lo + hi) / 2
        if isAfter(m) { hi = m } else { lo = m + 1 }
    }
    return lo
}

/// First index whose element is ≥ `v`.
func lowerBound(_ a: [Int64], _ v: Int64) -> Int { partitionPoint(a.count) { a[$0] >= v } }

/// First index whose element is > `v`.
func upperBound(_ a: [Int64], _ v: Int64) -> Int { partitionPoint(a.count) { a[$0] > v } }
