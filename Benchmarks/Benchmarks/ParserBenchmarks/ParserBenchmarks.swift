// The line-protocol parser and ingester (modules LineProtocol and TSIngest) on collectd-style
// lines, as tsdbd receives them on /write with precision=ms:
//   cpu_value,host=hv134.cloud.example,instance=18,type=cpu,type_instance=idle value=3769503 1767225600000
// 200,000 lines (~20 MB) from a fixed seed: 300 hosts × 8 cores × 8 CPU states, integer-valued
// and two-decimal values.
//
//   LineProtocol.parse.whole.200k_lines     one-shot parse of the whole buffer
//   LineProtocol.parse.chunks64k.200k_lines the streaming parser fed 64 KiB chunks (as /write gets them)
//   LineProtocolIngester.batches.200k_lines parse + series keys + WriteBatch of 10,000 samples (no engine)
//
// Metrics besides package-benchmark's own: lines_per_s and ns_per_line (over the call under test).
import Benchmark
import BenchSupport
import LineProtocol
import TSIngest

enum ParserMetric {
    static let linesPerSecond = BenchmarkMetric.custom("lines_per_s", polarity: .prefersLarger, useScalingFactor: false)
    static let nanosPerLine = BenchmarkMetric.custom("ns_per_line", polarity: .prefersSmaller, useScalingFactor: false)
}

let lineCount = 200_000

/// The workload: deterministic collectd cpu lines.
let lines: [UInt8] = {
    var rng = SplitMix64(seed: 42)
    var out: [UInt8] = []
    out.reserveCapacity(lineCount * 110)
    let states = ["idle", "user", "system", "wait", "nice", "interrupt", "softirq", "steal"]
    for i in 0..<lineCount {
        let host = (i / 64) % 300
        let core = (i / 8) % 8
        let value = i % 2 == 0 ? String(rng.next() % 10_000_000) : String(format2(Double(rng.next() % 100_000) / 100))
        let line = "cpu_value,host=hv\(host).cloud.example,instance=\(core),type=cpu,type_instance=\(states[i % 8]) value=\(value) \(1_767_225_600_000 + Int64(i / 19_200) * 10_000)\n"
        out.append(contentsOf: line.utf8)
    }
    return out
}()

func format2(_ d: Double) -> String {
    let cents = Int((d * 100).rounded())
    return "\(cents / 100).\(cents % 100 < 10 ? "0" : "")\(cents % 100)"
}

func parserConfiguration() -> Benchmark.Configuration {
    .init(metrics: [.wallClock, .throughput, .mallocCountTotal, ParserMetric.linesPerSecond, ParserMetric.nanosPerLine],
          timeUnits: .milliseconds,
          units: [.mallocCountTotal: .count, ParserMetric.linesPerSecond: .kilo, ParserMetric.nanosPerLine: .count],
          warmupIterations: 2, maxDuration: .seconds(10), maxIterations: 40)
}

func record(_ benchmark: Benchmark, _ nanos: UInt64) {
    benchmark.measurement(ParserMetric.linesPerSecond, perSecond(lineCount, nanos))
    benchmark.measurement(ParserMetric.nanosPerLine, Int(nanos / UInt64(lineCount)))
}

let benchmarks: @Sendable () -> Void = {
    precondition(lines.filter { $0 == 0x0A }.count == lineCount)

    /// A parse of all lines; `body` returns the points it saw.
    func parseBenchmark(_ name: String, _ body: @escaping @Sendable () -> Int) {
        Benchmark(name, configuration: parserConfiguration()) { benchmark in
            let t0 = monotonicNanos()
            let points = body()
            let t1 = monotonicNanos()
            precondition(points == lineCount)
            record(benchmark, t1 - t0)
        }
    }

    parseBenchmark("LineProtocol.parse.whole.200k_lines") {
        var points = 0
        lines.withUnsafeBytes { buf in
            LineProtocolParser.parse(buf, precision: .milliseconds, defaultTime: 0,
                                     onPoint: { p in points &+= p.fieldCount }, onError: { _ in })
        }
        return points
    }

    parseBenchmark("LineProtocol.parse.chunks64k.200k_lines") {
        var points = 0
        var parser = LineProtocolParser(precision: .milliseconds, defaultTime: 0)
        lines.withUnsafeBytes { buf in
            var off = 0
            while off < buf.count {
                let n = min(65_536, buf.count - off)
                parser.feed(UnsafeRawBufferPointer(rebasing: buf[off..<(off + n)]), onPoint: { p in points &+= p.fieldCount }, onError: { _ in })
                off += n
            }
        }
        parser.finish(onPoint: { p in points &+= p.fieldCount }, onError: { _ in })
        return points
    }

    Benchmark("LineProtocolIngester.batches.200k_lines", configuration: parserConfiguration()) { benchmark in
        var samples = 0
        let t0 = monotonicNanos()
        let ingester = LineProtocolIngester(database: "bench", precision: .milliseconds, now: 0, batchSize: 10_000)
        lines.withUnsafeBytes { buf in ingester.feed(buf) { samples += $0.count } }
        if let last = ingester.finish() { samples += last.count }
        let t1 = monotonicNanos()
        precondition(samples == lineCount && ingester.parseErrors == 0)
        record(benchmark, t1 - t0)
    }
}
