import InfluxQL

/// Result rows of one series, row-major in one array: `width` cells a row, the first the time.
/// A raw select over a month answers 44,640 rows; one array instead of one per row saves an
/// allocation and a free per row and is what `ResultSeries(cells:)` stores.
struct Rows {
    let width: Int
    private(set) var cells: [QValue] = []

    init(width: Int) {
        precondition(width > 0)
        self.width = width
    }

    var count: Int { cells.count / width }
    var isEmpty: Bool { cells.isEmpty }

    func time(_ r: Int) -> Int64 { cells[r * width].timeValue }

    subscript(r: Int, c: Int) -> QValue {
        get { cells[r * width + c] }
        set { cells[r * width + c] = newValue }
    }

    mutating func reserveCapacity(_ rows: Int) { cells.reserveCapacity(rows * width) }

    /// Appends one row; `row` holds `width` cells.
    mutating func append(_ row: [QValue]) {
        precondition(row.count == width)
        cells.append(contentsOf: row)
    }

    /// Appends one cell; rows are whole again after `width` of them.
    mutating func appendCell(_ v: QValue) { cells.append(v) }

    mutating func append(time: Int64, _ value: QValue) {
        precondition(width == 2)
        cells.append(.integer(time))
        cells.append(value)
    }

    mutating func append(contentsOf other: Rows) {
        precondition(other.width == width)
        cells.append(contentsOf: other.cells)
    }

    /// Rows `range` only.
    func rows(_ range: Range<Int>) -> Rows {
        var out = Rows(width: width)
        out.cells = Array(cells[range.lowerBound * width..<range.upperBound * width])
        return out
    }

    /// The rows in the order `order` gives (row indices).
    func gather(_ order: [Int]) -> Rows {
        var out = Rows(width: width)
        out.cells.reserveCapacity(order.count * width)
        for r in order { out.cells.append(contentsOf: cells[r * width..<(r + 1) * width]) }
        return out
    }

    mutating func reverse() {
        self = gather(Array((0..<count).reversed()))
    }

    mutating func removeAll(where drop: (Int) -> Bool) {
        self = gather((0..<count).filter { !drop($0) })
    }

    /// True when every row's cells after the time are null.
    var valuesAllNull: Bool {
        (0..<count).allSatisfy { r in (1..<width).allSatisfy { self[r, $0].isNull } }
    }
}
