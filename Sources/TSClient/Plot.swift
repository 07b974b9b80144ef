import InfluxQL
// Terminal line charts drawn with Unicode braille characters.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Terminal line charts of query results.
///
/// One chart is drawn for every numeric column (any column other than `time` holding at
/// least one finite int or float) of every series; charts are stacked vertically, separated by
/// a blank line. Each chart is exactly `height` lines (minimum 4) of exactly `width` display
/// columns (minimum 20):
///
/// ```
/// cpu {host=a} usage                      <- title: name {tags} column
///  1.5k ┤⠀⠀⠀⠀⢀⡠⠔⠊⠉⠉⠒⠤⣀       ...       <- height - 3 plot rows; the top, middle and bottom
/// 1.25k ┤⣀⠤⠒⠉                               rows are labelled with the value they show
///    1k ┤                                 <- (max, middle of the range, min)
///       └──────────────────────────────
///        2026-01-01T00:00:00Z   ...   2026-01-01T00:01:30Z   <- first, middle, last time
/// ```
///
/// Every braille cell holds 2×4 dots, so the plot area has twice as many dot columns as
/// character columns and four times as many dot rows as plot rows. Points are placed by
/// their time (int nanoseconds in the `time` column; rows are sorted by time first) and
/// consecutive points are joined with straight lines. A null (or non-numeric) value breaks
/// the line, so gaps stay visible; NaN and infinite values are dropped as if absent from the
/// data. A lone point is a single dot. A constant series is drawn as a flat line in the
/// middle row with the range widened around it. If the series has no integer `time` column,
/// rows are spaced evenly and the x-axis labels show the `time` cells as text (or row numbers).
///
/// With `color`, the plot of each chart gets its own ANSI colour (cycling through cyan,
/// yellow, magenta, green, blue, red) and titles are bold; escape sequences do not count
/// towards the width.
public enum Plot {
    public static let minimumWidth = 20
    public static let minimumHeight = 4

    private static let palette = ["36", "33", "35", "32", "34", "31"]

    public static func render(_ series: [ResultSeries], width: Int, height: Int, color: Bool) -> String {
        let width = max(width, minimumWidth)
        let height = max(height, minimumHeight)
        var charts: [[String]] = []
        for item in series {
            for (column, columnName) in item.columns.enumerated() where columnName != "time" {
                guard let data = ChartData(series: item, column: column) else { continue }
                let chartColor = color ? palette[charts.count % palette.count] : nil
                charts.append(renderChart(data, title: title(of: item, column: columnName),
                                          width: width, height: height, color: chartColor))
            }
        }
        guard !charts.isEmpty else {
            return fitted("no numeric data to plot", width: width) + "\n"
        }
        let separator = [String(repeating: " ", count: width)]
        return charts.joined(separator: separator).joined(separator: "\n") + "\n"
    }

    /// The width of the terminal attached to standard output (`ioctl(TIOCGWINSZ)`), else the
    /// `COLUMNS` environment variable, else 80.
    public static func terminalWidth() -> Int {
        var size = winsize()
        let status = withUnsafeMutablePointer(to: &size) { ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), $0) }
        if status == 0 && size.ws_col > 0 {
            return Int(size.ws_col)
        }
        if let raw = getenv("COLUMNS"), let columns = Int(String(cString: raw).trimmingSpaces), columns > 0 {
            return columns
        }
        return 80
    }

    /// Formats `value` compactly with at most three significant digits: `0`, `12`, `0.25`,
    /// `1.23k`, `3.4M`, `-1.5G`; SI suffixes k, M, G, T, P, E for large magnitudes and
    /// scientific notation (`1.23e-4`, `1.2e21`) for very small or very large ones.
    public static func formatCompact(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        if value == 0 { return "0" }
        let sign = value < 0 ? "-" : ""
        var magnitude = Swift.abs(value)
        if magnitude < 0.001 || magnitude >= 999.5e18 {
            return sign + scientific(magnitude)
        }
        let suffixes = ["", "k", "M", "G", "T", "P", "E"]
        var suffix = 0
        while magnitude >= 999.5 && suffix < suffixes.count - 1 {
            magnitude /= 1000
            suffix += 1
        }
        return sign + significant(magnitude) + suffixes[suffix]
    }

    // MARK: - Number formatting

    /// `value` (positive, finite) rounded to three significant digits, without trailing zeros.
    private static func significant(_ value: Double) -> String {
        let exponent = Int(log10(value).rounded(.down))
        let decimals = max(0, 2 - exponent)
        let scaled = (value * pow(10, Double(decimals))).rounded()
        var text = String(Int64(scaled))
        guard decimals > 0 else { return text }
        if text.count <= decimals {
            text = String(repeating: "0", count: decimals - text.count + 1) + text
        }
        text.insert(".", at: text.index(text.endIndex, offsetBy: -decimals))
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    private static func scientific(_ value: Double) -> String {
        var exponent = Int(log10(value).rounded(.down))
        var mantissa = value / pow(10, Double(exponent))
        if mantissa < 1 {
            mantissa *= 10
            exponent -= 1
        }
        if mantissa >= 9.995 {
            mantissa /= 10
            exponent += 1
        }
        return significant(mantissa) + "e" + String(exponent)
    }

    // MARK: - Layout

    private static func title(of series: ResultSeries, column: String) -> String {
        var parts: [String] = []
        if let name = series.name, !name.isEmpty { parts.append(name) }
        if !series.tags.isEmpty {
            parts.append("{" + series.tags.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + "}")
        }
        parts.append(column)
        return parts.joined(separator: " ")
    }

    /// `text` truncated (with an ellipsis) or space-padded to exactly `width` characters.
    private static func fitted(_ text: String, width: Int) -> String {
        let flat = String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 })
        if flat.count > width {
            return String(flat.prefix(width - 1)) + "…"
        }
        return flat + String(repeating: " ", count: width - flat.count)
    }

    private static func renderChart(_ data: ChartData, title: String, width: Int, height: Int,
                                    color: String?) -> [String] {
        let plotRows = height - 3
        var low = data.minValue
        var high = data.maxValue
        if low == high {
            let pad = low == 0 ? 1 : Swift.abs(low) * 0.5
            low -= pad
            high += pad
        }
        // Labelled rows: top = max, bottom = min, middle = midpoint of the range. The midpoint
        // maps to dot row round((4R-1)/2) = 2R, which lies in plot row R/2.
        var rowLabels: [Int: String] = [0: formatCompact(high)]
        if plotRows >= 2 { rowLabels[plotRows - 1] = formatCompact(low) }
        if plotRows >= 3 { rowLabels[plotRows / 2] = formatCompact(low / 2 + high / 2) }
        let labelWidth = rowLabels.values.map(\.count).max() ?? 1
        let plotColumns = width - labelWidth - 2

        var canvas = BrailleCanvas(columns: plotColumns, rows: plotRows)
        let dotColumns = plotColumns * 2
        let dotRows = plotRows * 4
        let xSpan = data.maxX - data.minX
        var previous: (x: Int, y: Int)?
        for point in data.points {
            guard let value = point.value else {
                previous = nil
                continue
            }
            let xFraction = xSpan > 0 ? (point.x - data.minX) / xSpan : 0.5
            // Halves keep the arithmetic finite even for ranges near ±Double.greatestFiniteMagnitude.
            let yFraction = (value / 2 - low / 2) / (high / 2 - low / 2)
            let x = clamp(Int((xFraction * Double(dotColumns - 1)).rounded()), 0, dotColumns - 1)
            let y = clamp(Int(((1 - yFraction) * Double(dotRows - 1)).rounded()), 0, dotRows - 1)
            if let previous {
                canvas.line(from: previous, to: (x, y))
            } else {
                canvas.set(x: x, y: y)
            }
            previous = (x, y)
        }

        var lines: [String] = []
        let titleLine = fitted(title, width: width)
        lines.append(color == nil ? titleLine : "\u{1B}[1m" + titleLine + "\u{1B}[0m")
        for row in 0..<plotRows {
            let label = rowLabels[row] ?? ""
            let axis = rowLabels[row] == nil ? "│" : "┤"
            let cells = canvas.text(row: row)
            let plot = color.map { "\u{1B}[\($0)m" + cells + "\u{1B}[0m" } ?? cells
            lines.append(String(repeating: " ", count: labelWidth - label.count) + label + " " + axis + plot)
        }
        lines.append(String(repeating: " ", count: labelWidth + 1) + "└" + String(repeating: "─", count: plotColumns))
        lines.append(String(repeating: " ", count: labelWidth + 2) + xAxisLabels(data, columns: plotColumns))
        return lines
    }

    /// A `columns`-wide line with the first x label at the left edge, the last one at the right
    /// edge and the middle one centred under its position, each only when it fits.
    private static func xAxisLabels(_ data: ChartData, columns: Int) -> String {
        var field = [Character](repeating: " ", count: columns)
        func place(_ text: String, at start: Int) {
            for (offset, character) in text.enumerated() where start + offset >= 0 && start + offset < columns {
                field[start + offset] = character
            }
        }
        func shortened(_ text: String) -> String {
            text.count <= columns ? text : String(text.prefix(columns - 1)) + "…"
        }
        guard data.maxX > data.minX else {
            let label = shortened(data.firstLabel)
            place(label, at: (columns - label.count) / 2)
            return String(field)
        }
        let first = shortened(data.firstLabel)
        place(first, at: 0)
        var rightEdge = columns
        if first.count + 1 + data.lastLabel.count <= columns {
            rightEdge = columns - data.lastLabel.count
            place(data.lastLabel, at: rightEdge)
        }
        if let middle = data.middleLabel {
            let center = Int((middle.fraction * Double(columns - 1)).rounded())
            let start = center - middle.text.count / 2
            if start >= first.count + 2 && start + middle.text.count + 2 <= rightEdge {
                place(middle.text, at: start)
            }
        }
        return String(field)
    }

    private static func clamp(_ value: Int, _ low: Int, _ high: Int) -> Int {
        Swift.min(Swift.max(value, low), high)
    }
}

/// The points of one column of one series, ready to draw.
private struct ChartData {
    /// Points in drawing order; a nil value is a gap that breaks the line.
    var points: [(x: Double, value: Double?)]
    var minX: Double
    var maxX: Double
    var minValue: Double
    var maxValue: Double
    var firstLabel: String
    var lastLabel: String
    /// The middle x label and its position as a fraction of the x range.
    var middleLabel: (text: String, fraction: Double)?

    /// Extracts column `column` of `series`; nil when it has no finite numeric value.
    init?(series: ResultSeries, column: Int) {
        let timeIndex = series.columns.firstIndex(of: "time")
        var usesTime = false
        if let timeIndex {
            var sawInteger = false
            var allIntegerOrNull = true
            for row in series.values where timeIndex < row.count {
                switch row[timeIndex] {
                case .integer: sawInteger = true
                case .null: break
                default: allIntegerOrNull = false
                }
            }
            usesTime = sawInteger && allIntegerOrNull
        }

        /// nil: drop the row; .some(nil): a gap; .some(v): a value.
        func sample(_ row: [QValue]) -> Double?? {
            switch column < row.count ? row[column] : .null {
            case .integer(let value): return .some(Double(value))
            case .unsigned(let value): return .some(Double(value))
            case .float(let value): return value.isFinite ? .some(value) : nil
            default: return .some(nil)
            }
        }

        var points: [(x: Double, value: Double?)] = []
        if usesTime, let timeIndex {
            var timed: [(time: Int64, order: Int, value: Double?)] = []
            for (order, row) in series.values.enumerated() {
                guard timeIndex < row.count, case .integer(let time) = row[timeIndex],
                      let value = sample(row) else { continue }
                timed.append((time, order, value))
            }
            timed.sort { ($0.time, $0.order) < ($1.time, $1.order) }
            guard let firstTime = timed.first?.time, let lastTime = timed.last?.time else { return nil }
            points = timed.map { item in
                let (offset, overflow) = item.time.subtractingReportingOverflow(firstTime)
                return (overflow ? Double(item.time) - Double(firstTime) : Double(offset), item.value)
            }
            firstLabel = RFC3339.format(firstTime)
            lastLabel = RFC3339.format(lastTime)
            let middleTime = (firstTime >> 1) + (lastTime >> 1) + (firstTime & lastTime & 1)
            middleLabel = (RFC3339.format(middleTime), 0.5)
        } else {
            let rows = series.values
            for (order, row) in rows.enumerated() {
                guard let value = sample(row) else { continue }
                points.append((Double(order), value))
            }
            func label(_ order: Int) -> String {
                guard let timeIndex, timeIndex < rows[order].count, rows[order][timeIndex] != .null else {
                    return "#\(order)"
                }
                return rows[order][timeIndex].text(isTime: true, timeFormat: .rfc3339)
            }
            guard let firstOrder = points.first.map({ Int($0.x) }), let lastOrder = points.last.map({ Int($0.x) }) else {
                return nil
            }
            firstLabel = label(firstOrder)
            lastLabel = label(lastOrder)
            let middleOrder = (firstOrder + lastOrder) / 2
            middleLabel = lastOrder > firstOrder
                ? (label(middleOrder), Double(middleOrder - firstOrder) / Double(lastOrder - firstOrder))
                : nil
        }

        let finite = points.compactMap(\.value)
        guard let minValue = finite.min(), let maxValue = finite.max() else { return nil }
        self.points = points
        self.minValue = minValue
        self.maxValue = maxValue
        self.minX = points.first?.x ?? 0
        self.maxX = points.last?.x ?? 0
    }
}

/// A grid of braille cells, each holding 2×4 dots.
private struct BrailleCanvas {
    let columns: Int
    let rows: Int
    private var cells: [UInt8]

    init(columns: Int, rows: Int) {
        self.columns = columns
        self.rows = rows
        self.cells = [UInt8](repeating: 0, count: columns * rows)
    }

    /// Dot bit for (column within cell, row within cell), per the Unicode braille layout:
    /// dots 1-2-3-7 down the left column and 4-5-6-8 down the right one.
    private static let bits: [[UInt8]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]

    mutating func set(x: Int, y: Int) {
        guard x >= 0, y >= 0, x < columns * 2, y < rows * 4 else { return }
        cells[(y / 4) * columns + x / 2] |= Self.bits[x % 2][y % 4]
    }

    /// Draws a straight line between two dots (Bresenham), endpoints included.
    mutating func line(from start: (x: Int, y: Int), to end: (x: Int, y: Int)) {
        var x = start.x
        var y = start.y
        let dx = Swift.abs(end.x - x)
        let dy = -Swift.abs(end.y - y)
        let stepX = x < end.x ? 1 : -1
        let stepY = y < end.y ? 1 : -1
        var error = dx + dy
        while true {
            set(x: x, y: y)
            if x == end.x && y == end.y { return }
            let doubled = 2 * error
            if doubled >= dy {
                error += dy
                x += stepX
            }
            if doubled <= dx {
                error += dx
                y += stepY
            }
        }
    }

    /// Row `row` as text: empty cells are spaces, others braille characters.
    func text(row: Int) -> String {
        var text = ""
        text.reserveCapacity(columns * 3)
        for column in 0..<columns {
            let pattern = cells[row * columns + column]
            if pattern == 0 {
                text.append(" ")
            } else {
                text.unicodeScalars.append(Unicode.Scalar(0x2800 + UInt32(pattern))!)
            }
        }
        return text
    }
}
