import Testing
import TSSupport

struct StringColumnTests {
    @Test func holdsStringsBackToBack() {
        var c = StringColumn(["a", "", "héllo", "zz"])
        #expect(c.count == 4)
        #expect(c.strings == ["a", "", "héllo", "zz"])
        #expect(c.bytes == Array("ahéllozz".utf8))
        #expect(c[2] == "héllo" && c[1] == "")
        c.append("tail")
        #expect(c.strings.last == "tail")
        var seen: [String] = []
        c.forEach { seen.append(String(decoding: $0, as: UTF8.self)) }
        #expect(seen == c.strings)
    }

    @Test func slicesFiltersAndConcatenates() {
        let c = StringColumn(["a", "bb", "ccc", "dddd"])
        #expect(c.slice(1..<3).strings == ["bb", "ccc"])
        #expect(c.slice(1..<3).ends == [2, 5], "offsets are rebased on the slice")
        #expect(c.slice(2..<2).isEmpty)
        #expect(c.slice(0..<4) == c)
        #expect(c.filter { $0 % 2 == 1 }.strings == ["bb", "dddd"])
        var d = StringColumn.repeating("k", count: 3)
        #expect(d.strings == ["k", "k", "k"])
        d.append(contentsOf: c.slice(2..<4))
        #expect(d.strings == ["k", "k", "k", "ccc", "dddd"])
        #expect(StringColumn.repeating("x", count: 0).isEmpty)
    }
}
