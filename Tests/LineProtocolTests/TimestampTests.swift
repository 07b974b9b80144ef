import Testing
import LineProtocol

@Suite struct TimestampTests {
    @Test func precisionNames() {
        #expect(Precision("n") == .nanoseconds)
        #expect(Precision("ns") == .nanoseconds)
        #expect(Precision("u") == .microseconds)
        #expect(Precision("us") == .microseconds)
        #expect(Precision("µs") == .microseconds)
        #expect(Precision("ms") == .milliseconds)
        #expect(Precision("s") == .seconds)
        #expect(Precision("m") == .minutes)
        #expect(Precision("h") == .hours)
        #expect(Precision("") == nil)
        #expect(Precision("sec") == nil)
        #expect(Precision("NS") == nil)
        for p in Precision.allCases { #expect(Precision(p.shortName) == p) }
    }

    @Test(arguments: [
        (Precision.nanoseconds, Int64(1)), (.microseconds, 1_000), (.milliseconds, 1_000_000),
        (.seconds, 1_000_000_000), (.minutes, 60_000_000_000), (.hours, 3_600_000_000_000),
    ])
    func timestampsAreScaledToNanoseconds(_ precision: Precision, _ unit: Int64) {
        #expect(onePoint("m v=1 7", precision: precision)?.timestamp == 7 * unit)
        #expect(onePoint("m v=1 -3", precision: precision)?.timestamp == -3 * unit)
        #expect(onePoint("m v=1 0", precision: precision)?.timestamp == 0)
    }

    @Test func explicitTimestampBoundaries() {
        #expect(onePoint("m v=1 9223372036854775807")?.timestamp == Int64.max)
        #expect(onePoint("m v=1 -9223372036854775808")?.timestamp == Int64.min)
        #expect(onePoint("m v=1 9223372036854775806")?.timestamp == 9_223_372_036_854_775_806)
        #expect(onePoint("m v=1 0001")?.timestamp == 1)
        #expect(onePoint("m v=1 9223372036854", precision: .milliseconds)?.timestamp == 9_223_372_036_854_000_000)
    }

    @Test(arguments: [
        ("9223372036854775808", Precision.nanoseconds), ("-9223372036854775809", .nanoseconds),
        ("-92233720368547758078", .nanoseconds), ("9223372036854776", .microseconds),
        ("9223372036855", .milliseconds), ("9223372037", .seconds), ("153722868", .minutes),
        ("2562048", .hours), ("-2562048", .hours),
    ])
    func timestampOverflowIsAnError(_ ts: String, _ precision: Precision) {
        #expect(rejects("m v=1 \(ts)", precision: precision), "\(ts) with \(precision)")
    }

    @Test func largestTimestampsPerPrecisionAreAccepted() {
        #expect(onePoint("m v=1 9223372036854775", precision: .microseconds) != nil)
        #expect(onePoint("m v=1 9223372036", precision: .seconds) != nil)
        #expect(onePoint("m v=1 153722867", precision: .minutes) != nil)
        #expect(onePoint("m v=1 2562047", precision: .hours) != nil)
    }

    @Test(arguments: ["-", "--1", "1-", "1-2", "-1?", "-/", "0\\", "12a", "1.5", "1e9", "+5", "1i", "0x10"])
    func badTimestamps(_ ts: String) {
        #expect(rejects("m v=1 \(ts)"), "\(ts)")
    }

    @Test func missingTimestampUsesTheDefaultTime() {
        #expect(onePoint("m v=1", defaultTime: 1_767_225_600_123_456_789)?.timestamp == 1_767_225_600_123_456_789)
        #expect(onePoint("m v=1  ", defaultTime: 42)?.timestamp == 42)
        #expect(onePoint("m,t=a v=1\n", defaultTime: 42)?.timestamp == 42)
    }

    /// 2026-01-01T00:37:41.123456789Z
    static let serverTime: Int64 = 1_767_227_861_123_456_789

    @Test(arguments: [
        (Precision.nanoseconds, Int64(1_767_227_861_123_456_789)),
        (.microseconds, 1_767_227_861_123_456_000),
        (.milliseconds, 1_767_227_861_123_000_000),
        (.seconds, 1_767_227_861_000_000_000),
        (.minutes, 1_767_227_820_000_000_000),
        (.hours, 1_767_225_600_000_000_000),
    ])
    func defaultTimeIsTruncatedToThePrecision(_ precision: Precision, _ expected: Int64) {
        #expect(onePoint("m v=1", precision: precision, defaultTime: Self.serverTime)?.timestamp == expected)
    }

    @Test func defaultTimeTruncationRoundsDownBeforeTheEpoch() {
        // Go's time.Truncate rounds towards the past, also for times before 1970
        #expect(onePoint("m v=1", precision: .seconds, defaultTime: -1)?.timestamp == -1_000_000_000)
        #expect(onePoint("m v=1", precision: .milliseconds, defaultTime: -1_500_000)?.timestamp == -2_000_000)
        #expect(onePoint("m v=1", precision: .seconds, defaultTime: -2_000_000_000)?.timestamp == -2_000_000_000)
        #expect(Precision.hours.truncate(-1) == -3_600_000_000_000)
        #expect(Precision.minutes.truncate(119_999_999_999) == 60_000_000_000)
    }

    @Test func explicitTimestampsAreNotTruncated() {
        #expect(onePoint("m v=1 1234567", precision: .nanoseconds, defaultTime: 999)?.timestamp == 1_234_567)
    }

    @Test func parserDefaultTimeCanChangeBetweenBodies() {
        var parser = LineProtocolParser(precision: .seconds, defaultTime: 5_500_000_000)
        var got: [Int64] = []
        parser.feed(Array("m v=1\n".utf8), onPoint: { got.append($0.timestamp) }, onError: { _ in })
        parser.finish(onPoint: { _ in }, onError: { _ in })
        parser.defaultTime = 7_900_000_000
        parser.feed(Array("m v=1\n".utf8), onPoint: { got.append($0.timestamp) }, onError: { _ in })
        parser.finish(onPoint: { _ in }, onError: { _ in })
        #expect(got == [5_000_000_000, 7_000_000_000])
    }
}

@Suite struct ParserSettingsTests {
    @Test func changingPrecisionRetruncatesTheDefaultTime() {
        var parser = LineProtocolParser(precision: .nanoseconds, defaultTime: 1_500_000_123)
        #expect(parser.defaultTime == 1_500_000_123)
        parser.precision = .seconds
        var got: [Int64] = []
        parser.feed(Array("m v=1\nm v=1 3\n".utf8), onPoint: { got.append($0.timestamp) }, onError: { _ in })
        #expect(got == [1_000_000_000, 3_000_000_000])
        parser.precision = .milliseconds
        parser.feed(Array("m v=1\n".utf8), onPoint: { got.append($0.timestamp) }, onError: { _ in })
        #expect(got.last == 1_500_000_000)
    }
}
