import Testing
@testable import CollectdProtocol

@Suite struct TimeTests {
    @Test func highResolutionConversionIsExact() {
        #expect(collectdHighResToNanoseconds(0) == 0)
        #expect(collectdHighResToNanoseconds(1 << 30) == 1_000_000_000)
        #expect(collectdHighResToNanoseconds(10 << 30) == 10_000_000_000)
        #expect(collectdHighResToNanoseconds(1) == 0)  // 0.93 ns truncates
        #expect(collectdHighResToNanoseconds(2) == 1)
        // collectd network_parse_test.c vectors: it expects 1439980823.152453627 s etc. as doubles; the exact
        // truncated nanosecond values are one below the printed decimal digits.
        #expect(collectdHighResToNanoseconds(1_546_167_635_576_736_987) == 1_439_980_823_152_453_626)
        #expect(collectdHighResToNanoseconds(1_546_167_831_554_815_222) == 1_439_981_005_671_262_016)
        #expect(collectdHighResToNanoseconds(1_546_167_986_577_716_567) == 1_439_981_150_047_589_621)
        // No overflow for huge inputs: max fits as ((2^64-1)·10^9)>>30 > Int64.max → nil, not a trap.
        #expect(collectdHighResToNanoseconds(UInt64.max) == nil)
        #expect(collectdHighResToNanoseconds((UInt64(Int64.max) / 1_000_000_000) << 30) != nil)
    }

    @Test func roundTrip() {
        for ns: Int64 in [0, 1, 999_999_999, 1_700_000_000_123_456_789] {
            let hr = nanosecondsToCollectdHighRes(ns)
            let back = collectdHighResToNanoseconds(hr)!
            #expect(abs(back - ns) <= 1)
        }
    }

    @Test func timeHRAndIntervalHRParts() throws {
        var b = CollectdPacketWriter()
        b.number(CollectdPartType.timeHR, 1_546_167_635_576_736_987)
        b.number(CollectdPartType.intervalHR, 10 << 30)
        b.values([.gauge(1)])
        let vl = try #require(parseAll(b.bytes).lists.first)
        #expect(vl.time == 1_439_980_823_152_453_626)
        #expect(vl.interval == 10_000_000_000)
    }

    @Test func secondsOutOfRangeThrows() {
        var b = CollectdPacketWriter()
        b.number(CollectdPartType.time, UInt64.max)
        #expect(parseAll(b.bytes).error == .timeOutOfRange(type: 1, offset: 0))
        var c = CollectdPacketWriter()
        c.number(CollectdPartType.timeHR, UInt64.max)
        #expect(parseAll(c.bytes).error == .timeOutOfRange(type: 8, offset: 0))
    }
}
