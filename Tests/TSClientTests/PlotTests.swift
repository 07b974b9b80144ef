import XCTest
import Foundation
import InfluxQL
import TSClient

final class PlotTests: XCTestCase {
    private let t0: Int64 = 1_767_225_600_000_000_000  // 2026-01-01T00:00:00Z
    private let second: Int64 = 1_000_000_000

    /// Removes ANSI escape sequences (ESC [ ... final letter).
    private func stripANSI(_ text: String) -> String {
        var out = ""
        var iterator = text.makeIterator()
        while let character = iterator.next() {
            if character == "\u{1B}" {
                while let next = iterator.next(), !next.isLetter {}
            } else {
                out.append(character)
            }
        }
        return out
    }

    private func lines(_ text: String) -> [String] {
        XCTAssertTrue(text.hasSuffix("\n"))
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    private func isBraille(_ character: Character) -> Bool {
        guard let scalar = character.unicodeScalars.first else { return false }
        return (0x2801...0x28FF).contains(scalar.value)
    }

    private func series(_ values: [QValue?], step: Int64 = 1_000_000_000, name: String = "cpu") -> ResultSeries {
        ResultSeries(name: name, tags: [("host", "a")], columns: ["time", "v"],
                     values: values.enumerated().map { [.integer(t0 + Int64($0.offset) * step), $0.element ?? .null] })
    }

    /// The plot area (after the y-axis character) of each plot row of the first chart.
    private func plotArea(_ output: String, height: Int) -> [[Character]] {
        let rows = lines(output)[1..<(height - 2)]
        return rows.map { line in
            let characters = Array(line)
            let axis = characters.firstIndex(where: { $0 == "┤" || $0 == "│" })!
            return Array(characters[(axis + 1)...])
        }
    }

    func testEveryLineHasExactlyTheRequestedWidth() {
        let mixed = ResultSeries(
            name: "a_rather_long_measurement_name_that_will_not_fit",
            tags: [("host", "server-01.example.com"), ("region", "eu")],
            columns: ["time", "usage", "idle", "label"],
            values: (0..<50).map { index -> [QValue] in
                let usage: QValue = index == 20 ? .null : .float(sin(Double(index) / 5) * 1234.5)
                return [.integer(t0 + Int64(index) * 10 * second), usage, .integer(Int64(index * index)), .string("x\(index)")]
            })
        let other = series([.integer(3), .integer(-2), nil, .float(0.125)])
        for width in [20, 37, 80, 141] {
            for height in [4, 7, 12] {
                for color in [false, true] {
                    let output = Plot.render([mixed, other], width: width, height: height, color: color)
                    let all = lines(output)
                    // Three charts (usage, idle, v; the string column is not numeric) and two separators.
                    XCTAssertEqual(all.count, 3 * height + 2, "width \(width) height \(height)")
                    for line in all {
                        XCTAssertEqual(stripANSI(line).count, width, "width \(width) height \(height): [\(line)]")
                    }
                    XCTAssertEqual(output.contains("\u{1B}["), color)
                }
            }
        }
    }

    func testTitleAndAxisLabels() {
        let data = series((0...10).map { QValue.integer(1000 + Int64($0) * 50) }, step: 10 * second)
        let output = Plot.render([data], width: 80, height: 12, color: false)
        let all = lines(output)
        XCTAssertEqual(all.count, 12)
        XCTAssertTrue(all[0].hasPrefix("cpu {host=a} v "), all[0])
        XCTAssertTrue(all[1].hasPrefix(" 1.5k ┤"), all[1])
        XCTAssertTrue(all[5].hasPrefix("1.25k ┤"), all[5])
        XCTAssertTrue(all[9].hasPrefix("   1k ┤"), all[9])
        XCTAssertTrue(all[2].hasPrefix("      │"), all[2])
        XCTAssertEqual(all[10], "      └" + String(repeating: "─", count: 73))
        let xLabels = all[11]
        XCTAssertTrue(xLabels.hasPrefix("       2026-01-01T00:00:00Z"), xLabels)
        XCTAssertTrue(xLabels.hasSuffix("2026-01-01T00:01:40Z"), xLabels)
        XCTAssertTrue(xLabels.contains(" 2026-01-01T00:00:50Z "), xLabels)
        // The line rises from the bottom-left corner to the top-right corner.
        XCTAssertTrue(isBraille(Array(all[9])[7]), all[9])
        XCTAssertTrue(isBraille(all[1].last!), all[1])
        XCTAssertFalse(isBraille(Array(all[1])[7]), all[1])
        XCTAssertFalse(isBraille(all[9].last!), all[9])
    }

    func testNullsLeaveGapsInsteadOfConnecting() {
        func occupiedColumns(_ values: [QValue?]) -> [Bool] {
            let area = plotArea(Plot.render([series(values)], width: 60, height: 10, color: false), height: 10)
            XCTAssertEqual(area.first?.count, 57)
            return (0..<57).map { column in area.contains { isBraille($0[column]) } }
        }
        // Labels are "5", "3", "1": one character, so the plot area is 60 - 3 = 57 columns and
        // the points fall into cells 0, 14, (28), 42 and 56.
        let gapped = occupiedColumns([.integer(1), .integer(2), nil, .integer(4), .integer(5)])
        XCTAssertTrue(gapped[0...14].allSatisfy { $0 }, "\(gapped)")
        XCTAssertTrue(gapped[15...41].allSatisfy { !$0 }, "\(gapped)")
        XCTAssertTrue(gapped[42...56].allSatisfy { $0 }, "\(gapped)")

        let connected = occupiedColumns([.integer(1), .integer(2), .integer(3), .integer(4), .integer(5)])
        XCTAssertTrue(connected.allSatisfy { $0 }, "\(connected)")
    }

    func testSinglePointIsOneDot() {
        let output = Plot.render([series([.float(42)])], width: 40, height: 6, color: false)
        let all = lines(output)
        XCTAssertEqual(all.count, 6)
        let area = plotArea(output, height: 6)
        let marks = area.flatMap { $0 }.filter { $0 != " " }
        XCTAssertEqual(marks.count, 1)
        let pattern = marks[0].unicodeScalars.first!.value - 0x2800
        XCTAssertEqual(pattern.nonzeroBitCount, 1)
        XCTAssertTrue(all[2].hasPrefix("42 ┤"), all[2])
        XCTAssertTrue(all[2].contains(marks[0]))
        XCTAssertTrue(all[5].contains("2026-01-01T00:00:00Z"))
        XCTAssertEqual(all[5].trimmingCharacters(in: .whitespaces), "2026-01-01T00:00:00Z")
    }

    func testConstantSeriesIsAFlatLineInTheMiddle() {
        let output = Plot.render([series(Array(repeating: QValue.float(7), count: 20))], width: 50, height: 9, color: false)
        let all = lines(output)
        XCTAssertTrue(all[1].hasPrefix("10.5 ┤"), all[1])
        XCTAssertTrue(all[4].hasPrefix("   7 ┤"), all[4])
        XCTAssertTrue(all[6].hasPrefix(" 3.5 ┤"), all[6])
        let area = plotArea(output, height: 9)
        for (index, row) in area.enumerated() {
            if index == 3 {
                XCTAssertTrue(row.allSatisfy(isBraille), String(row))
            } else {
                XCTAssertTrue(row.allSatisfy { $0 == " " }, String(row))
            }
        }
    }

    func testNonFiniteValuesAreSkipped() {
        let output = Plot.render([series([.integer(1), .float(.nan), .float(.infinity), .integer(3), .float(-.infinity), .integer(2)])],
                                 width: 50, height: 8, color: false)
        let all = lines(output)
        XCTAssertTrue(all[1].hasPrefix("3 ┤"), all[1])
        XCTAssertTrue(all[5].hasPrefix("1 ┤"), all[5])
        XCTAssertFalse(output.contains("inf"))
        XCTAssertFalse(output.contains("nan"))
        XCTAssertTrue(all.allSatisfy { $0.count == 50 })
    }

    func testRowsWithoutIntegerTimesAreSpacedEvenly() {
        let data = ResultSeries(name: "m", columns: ["time", "v"],
                                values: [[.string("first"), .integer(1)], [.string("mid"), .integer(5)], [.string("last"), .integer(2)]])
        let all = lines(Plot.render([data], width: 40, height: 6, color: false))
        XCTAssertEqual(all[0], "m v" + String(repeating: " ", count: 37))
        XCTAssertTrue(all[5].hasPrefix("   first "), all[5])
        XCTAssertTrue(all[5].hasSuffix("last"), all[5])
        XCTAssertTrue(all[5].contains(" mid "), all[5])
    }

    func testNothingToPlot() {
        let data = ResultSeries(name: "m", columns: ["time", "s"], values: [[.integer(1), .string("x")], [.integer(2), .null]])
        XCTAssertEqual(Plot.render([data], width: 30, height: 8, color: false),
                       "no numeric data to plot" + String(repeating: " ", count: 7) + "\n")
    }

    func testCompactNumbers() {
        let cases: [(Double, String)] = [
            (0, "0"), (12, "12"), (100, "100"), (999.4, "999"), (999.7, "1k"), (1234, "1.23k"), (-1500, "-1.5k"),
            (3_400_000, "3.4M"), (2.5e9, "2.5G"), (0.25, "0.25"), (0.001, "0.001"), (0.0001234, "1.23e-4"),
            (1e21, "1e21"), (12.345, "12.3"), (-0.5, "-0.5"), (.nan, "nan"), (-.infinity, "-inf"),
        ]
        for (value, expected) in cases {
            XCTAssertEqual(Plot.formatCompact(value), expected, "\(value)")
        }
    }

    func testTerminalWidthIsPositive() {
        XCTAssertGreaterThan(Plot.terminalWidth(), 0)
    }
}
