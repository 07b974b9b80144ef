import Testing
import LineProtocol
import TestSupport

@Suite struct TagAndKeyRuleTests {
    @Test func tagsAreSortedByKeyBytes() throws {
        let p = try #require(onePoint("m,zone=z,Host=H,host=h,a=1,_x=u,é=e,b\\ c=2 v=1 0"))
        #expect(p.tags.map(\.key) == ["Host", "_x", "a", "b c", "host", "zone", "é"])
        #expect(p.tags.first { $0.key == "host" }?.value == "h")
    }

    @Test func sortingUsesUnescapedKeys() throws {
        // "a,b" sorts after "a" and before "a=" only by its unescaped bytes
        let p = try #require(onePoint("m,a\\==3,a\\,b=2,a=1 v=1 0"))
        #expect(p.tags.map(\.key) == ["a", "a,b", "a="])
    }

    @Test func manyUnsortedTags() throws {
        var rng = SplitMix64(seed: 9)
        var keys = (0..<300).map { "k\($0)" }
        keys.shuffle(using: &rng)
        let line = "m," + keys.map { "\($0)=v" }.joined(separator: ",") + " v=1 0"
        let p = try #require(onePoint(line))
        #expect(p.tags.map(\.key) == keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }

    @Test(arguments: [
        "m,b=2,c=3,b=1 v=1i 0", "m,b=2,b=1,c=3 v=1i 0", "m,host=a,host=b v=1 0", "m,a=1,a=1 v=1 0",
        "m,a\\ b=1,a\\ b=2 v=1 0",
    ])
    func duplicateTagKeysAreAnError(_ line: String) {
        #expect(rejects(line))
    }

    @Test func duplicateTagKeysAmongManyTags() {
        let line = "m," + (0..<100).map { "k\($0)=v" }.joined(separator: ",") + ",k57=again v=1 0"
        #expect(rejects(line))
    }

    @Test func duplicateFieldKeysAreKept() {
        #expect(onePoint("m v=1,v=2 0")?.fields == fields(("v", .float(1)), ("v", .float(2))))
    }

    // MARK: keys named time

    @Test func timeTagKeyFollowsInfluxDB1ByDefault() throws {
        let r = parseWhole("cpu,tag0=v0,time=v0 value=1")
        #expect(r.points.isEmpty)
        let e = try #require(r.errors.first)
        #expect(e.reason.hasSuffix("invalid tag key: input tag \"time\" on measurement \"cpu\" is invalid"))
        #expect(rejects("cpu,time=v0 value=1", timeKeyPolicy: .reject))
        #expect(onePoint("cpu,tag0=v0,time=v0 value=1", timeKeyPolicy: .allow)?.tags == tags(("tag0", "v0"), ("time", "v0")))
    }

    @Test func timeFieldIsDroppedByDefault() throws {
        let p = try #require(onePoint("cpu time=5i,value=1 0"))
        #expect(p.fields == fields(("value", .float(1))))
        let r = parseWhole("mymeas time=1")
        #expect(r.points.isEmpty)
        let e = try #require(r.errors.first)
        #expect(e.reason.hasSuffix("invalid field name: input field \"time\" on measurement \"mymeas\" is invalid"))
        #expect(rejects("cpu time=5i,value=1 0", timeKeyPolicy: .reject))
        #expect(onePoint("cpu time=5i,value=1 0", timeKeyPolicy: .allow)?.fields.count == 2)
    }

    @Test func onlyTimeFieldErrorDoesNotSwallowTheNextLine() {
        let r = parseWhole("m time=1 5\nm v=2 6\n")
        #expect(r.errors.map(\.line) == [1])
        #expect(r.points.map(\.timestamp) == [6])
        #expect(r.pointLines == [2])
    }

    @Test func timeAsMeasurementOrValueIsFine() {
        #expect(onePoint("time value=1 0")?.measurement == "time")
        #expect(onePoint("m,k=time v=\"time\" 0")?.tags == tags(("k", "time")))
        #expect(onePoint("m,times=1 Time=1 0")?.fields.first?.key == "Time")
        #expect(onePoint("m,Time=1 v=1 0") != nil)
    }

    // MARK: key length

    @Test func seriesKeyLengthLimit() {
        let long = String(repeating: "a", count: 65_535 - 4)
        #expect(onePoint("m,k=\(long) v=1 0") != nil)        // "m,k=" + value = 65,535 bytes
        #expect(rejects("m,k=\(long)x v=1 0"))
        let r = parseWhole("m,k=\(long)xy v=1 0")
        #expect(r.errors.first?.reason.contains("max key length exceeded: 65537 > 65535") == true)
        #expect(parseWhole("m,k=abcdef v=1 0", maxKeyLength: 8).errors.count == 1)
        #expect(parseWhole("m,k=abcd v=1 0", maxKeyLength: 8).points.count == 1)
    }
}
