/// Strings stored back to back in one byte array, with the end offset of each.
///
/// For long lists of strings that are read in order (a tag's sorted values, answers of SHOW TAG
/// VALUES): one allocation instead of one per string, no reference counting per element, and a
/// reader that walks memory sequentially instead of chasing a pointer per string.
public struct StringColumn: Sendable, Equatable {
    public private(set) var bytes: [UInt8] = []
    /// `ends[i]` is where string `i` ends in `bytes`; it starts where string `i - 1` ends.
    public private(set) var ends: [Int] = []

    public init() {}

    public init<S: Sequence>(_ strings: S) where S.Element == String {
        for s in strings { append(s) }
    }

    public var count: Int { ends.count }
    public var isEmpty: Bool { ends.isEmpty }

    public mutating func reserveCapacity(strings: Int, bytes n: Int) {
        ends.reserveCapacity(strings)
        bytes.reserveCapacity(n)
    }

    public mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { append(utf8: $0) }
    }

    public mutating func append(utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: utf8)
        ends.append(bytes.count)
    }

    /// Appends string `i` of `other`.
    public mutating func append(_ other: StringColumn, _ i: Int) {
        other.withUTF8(i) { append(utf8: $0) }
    }

    @inlinable public func start(_ i: Int) -> Int { i == 0 ? 0 : ends[i - 1] }

    public subscript(i: Int) -> String {
        withUTF8(i) { String(decoding: $0, as: UTF8.self) }
    }

    public func withUTF8<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let lo = start(i), hi = ends[i]
        return try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[lo..<hi])) }
    }

    /// Calls `body` with each string's bytes, in order.
    public func forEach(_ body: (UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        try bytes.withUnsafeBufferPointer { b in
            var lo = 0
            for hi in ends {
                try body(UnsafeBufferPointer(rebasing: b[lo..<hi]))
                lo = hi
            }
        }
    }

    /// The strings as Strings (one allocation each: for tests and small answers).
    public var strings: [String] { (0..<count).map { self[$0] } }

    /// Strings `range` as a column of their own.
    public func slice(_ range: Range<Int>) -> StringColumn {
        if range == 0..<count { return self }
        var out = StringColumn()
        guard !range.isEmpty else { return out }
        let base = start(range.lowerBound)
        out.bytes = Array(bytes[base..<ends[range.upperBound - 1]])
        out.ends = ends[range].map { $0 - base }
        return out
    }

    /// The strings whose index passes `keep`.
    public func filter(_ keep: (Int) throws -> Bool) rethrows -> StringColumn {
        var out = StringColumn()
        for i in 0..<count where try keep(i) { out.append(self, i) }
        return out
    }

    /// `s` repeated `n` times.
    public static func repeating(_ s: String, count n: Int) -> StringColumn {
        var out = StringColumn()
        var s = s
        s.withUTF8 { u in
            out.reserveCapacity(strings: n, bytes: n * u.count)
            for _ in 0..<n { out.append(utf8: u) }
        }
        return out
    }

    /// This column followed by `other`.
    public mutating func append(contentsOf other: StringColumn) {
        let base = bytes.count
        bytes.append(contentsOf: other.bytes)
        ends.append(contentsOf: other.ends.lazy.map { $0 + base })
    }
}
