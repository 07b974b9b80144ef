// Column codecs, CRC32C and block compression (module TSEncoding) on synthetic monitoring data.
//
// Every codec runs on every data pattern of its column type, for a 720-sample block (one series,
// one 2 h segment window at a 10 s interval: the block the engine writes most) and an 8192-sample
// block (SegmentFormat.maxBlockSamples, the largest block). Data is generated once, from fixed
// seeds, when the suite registers; the measured closure only encodes or decodes.
//
// Metrics besides package-benchmark's own (wall clock, throughput = blocks/s, mallocCountTotal):
//   samples_per_s           samples encoded/decoded per second, timed around the codec call only
//   bytes_per_sample_x1000  encoded size per sample × 1000 (encode benchmarks; deterministic)
//   codec_id                the codec the encoder chose (TimestampCodec / ValueCodec raw value)
//   bytes_per_s             input bytes per second (CRC32C, compression) or output (decompression)
//   ratio_x1000             uncompressed / compressed × 1000 (compression benchmarks)
import Benchmark
import BenchSupport
import TSEncoding

enum CodecMetric {
    static let bytesPerSample = BenchmarkMetric.custom("bytes_per_sample_x1000", polarity: .prefersSmaller, useScalingFactor: false)
    static let codecID = BenchmarkMetric.custom("codec_id", polarity: .prefersSmaller, useScalingFactor: false)
    static let bytesPerSecond = BenchmarkMetric.custom("bytes_per_s", polarity: .prefersLarger, useScalingFactor: false)
    static let ratio = BenchmarkMetric.custom("ratio_x1000", polarity: .prefersLarger, useScalingFactor: false)
}

/// Print these unscaled (the default would show 14000 as "14 K").
var exactUnits: [BenchmarkMetric: BenchmarkUnits] {
    [.mallocCountTotal: .count, CodecMetric.bytesPerSample: .count, CodecMetric.codecID: .count, CodecMetric.ratio: .count]
}

/// Block sizes: the common one and the largest one.
let blockSizes = [720, 8192]

/// Seeds: one per pattern so patterns do not share random streams; fixed forever.
func seed(_ name: String, _ n: Int) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in name.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    return h ^ UInt64(n)
}

func configuration(_ metrics: [BenchmarkMetric]) -> Benchmark.Configuration {
    // Codecs are deterministic: any change in allocation count or encoded size is real, so the
    // thresholds of both are strict (checked against the files in Thresholds/).
    let strict = BenchmarkThresholds(relative: BenchmarkThresholds.Relative.strict,
                                     absolute: BenchmarkThresholds.Absolute.strict)
    var thresholds: [BenchmarkMetric: BenchmarkThresholds] = [.mallocCountTotal: strict]
    if metrics.contains(CodecMetric.bytesPerSample) { thresholds[CodecMetric.bytesPerSample] = strict }
    return .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal] + metrics,
        units: exactUnits,
        warmupIterations: 5,
        maxDuration: .milliseconds(800),
        maxIterations: 20_000,
        thresholds: thresholds
    )
}

func encodeConfiguration() -> Benchmark.Configuration {
    configuration([BenchMetric.samplesPerSecond, CodecMetric.bytesPerSample, CodecMetric.codecID])
}

func decodeConfiguration() -> Benchmark.Configuration {
    configuration([BenchMetric.samplesPerSecond])
}

/// A codec under test, erased to byte buffers so that one registration function serves all three
/// column types.
struct ColumnCodec<Element>: Sendable {
    var name: String
    var encode: @Sendable (UnsafeBufferPointer<Element>, inout [UInt8]) -> UInt8
    var decode: @Sendable (UInt8, UnsafeRawBufferPointer, Int, inout [Element]) throws -> Void
}

let timestampCodec = ColumnCodec<Int64>(
    name: "TimestampColumn",
    encode: { v, out in TimestampColumn.encode(v, into: &out).rawValue },
    decode: { c, b, n, out in try TimestampColumn.decode(TimestampCodec(validating: c), b, count: n, into: &out) }
)

let floatCodec = ColumnCodec<Double>(
    name: "FloatColumn",
    encode: { v, out in FloatColumn.encode(v, into: &out).rawValue },
    decode: { c, b, n, out in try FloatColumn.decode(ValueCodec(validating: c), b, count: n, into: &out) }
)

let intCodec = ColumnCodec<Int64>(
    name: "IntColumn",
    encode: { v, out in IntColumn.encode(v, into: &out).rawValue },
    decode: { c, b, n, out in try IntColumn.decode(ValueCodec(validating: c), b, count: n, into: &out) }
)

/// Registers `<codec>.encode.<pattern>.<n>` and `<codec>.decode.<pattern>.<n>`.
func registerColumn<Element: Equatable>(_ codec: ColumnCodec<Element>, pattern: String, data: [Element],
                                        sameBits: (Element, Element) -> Bool) {
    let n = data.count
    // Encode once here: the decode benchmark's input, and a round-trip check so that a broken
    // codec fails the run instead of producing fast nonsense.
    var encoded: [UInt8] = []
    let codecByte = data.withUnsafeBufferPointer { codec.encode($0, &encoded) }
    var check: [Element] = []
    do {
        try encoded.withUnsafeBytes { try codec.decode(codecByte, $0, n, &check) }
    } catch {
        fatalError("\(codec.name) \(pattern) \(n): decode failed: \(error)")
    }
    guard check.count == n, zip(check, data).allSatisfy(sameBits) else {
        fatalError("\(codec.name) \(pattern) \(n): round trip mismatch")
    }

    var out: [UInt8] = []
    out.reserveCapacity(encoded.count * 2 + 64)
    Benchmark("\(codec.name).encode.\(pattern).\(n)", configuration: encodeConfiguration()) { benchmark in
        out.removeAll(keepingCapacity: true)
        let t0 = monotonicNanos()
        let c = data.withUnsafeBufferPointer { codec.encode($0, &out) }
        let t1 = monotonicNanos()
        benchmark.stopMeasurement()  // the metric bookkeeping below is not the codec's time
        blackHole(c)
        benchmark.measurement(BenchMetric.samplesPerSecond, perSecond(n, t1 - t0))
        benchmark.measurement(CodecMetric.bytesPerSample, bytesPerSampleX1000(out.count, n))
        benchmark.measurement(CodecMetric.codecID, Int(c))
    }

    var decoded: [Element] = []
    decoded.reserveCapacity(n)
    Benchmark("\(codec.name).decode.\(pattern).\(n)", configuration: decodeConfiguration()) { benchmark in
        decoded.removeAll(keepingCapacity: true)
        let t0 = monotonicNanos()
        try encoded.withUnsafeBytes { try codec.decode(codecByte, $0, n, &decoded) }
        let t1 = monotonicNanos()
        benchmark.stopMeasurement()  // the metric bookkeeping below is not the codec's time
        blackHole(decoded.count)
        benchmark.measurement(BenchMetric.samplesPerSecond, perSecond(n, t1 - t0))
    }
}

/// A raw block laid out as the engine's BlockCodec does before compression: count · timestamp
/// codec · timestamp length · timestamps · value codec · values. Jittered 10 s timestamps and a
/// two-decimal gauge: the typical collectd series.
func typicalRawBlock(samples n: Int) -> [UInt8] {
    let ts = makeTimestamps(.jittered, count: n, seed: seed("block.ts", n))
    let vs = makeFloats(.gauge, count: n, seed: seed("block.values", n))
    var tsBytes: [UInt8] = []
    let tc = ts.withUnsafeBufferPointer { TimestampColumn.encode($0, into: &tsBytes) }
    var raw: [UInt8] = []
    Varint.put(UInt64(n), into: &raw)
    raw.append(tc.rawValue)
    Varint.put(UInt64(tsBytes.count), into: &raw)
    raw.append(contentsOf: tsBytes)
    let at = raw.count
    raw.append(0)
    let vc = vs.withUnsafeBufferPointer { FloatColumn.encode($0, into: &raw) }
    raw[at] = vc.rawValue
    return raw
}

func registerCompression(_ method: BlockCompression, samples n: Int) {
    let raw = typicalRawBlock(samples: n)
    let level = 3  // EngineOptions.compressionLevel default
    var compressed: [UInt8] = []
    raw.withUnsafeBytes { BlockCompression.compress($0, method: method, level: level, into: &compressed) }
    var check: [UInt8] = []
    do {
        try compressed.withUnsafeBytes {
            try BlockCompression.decompress($0, method: method, decompressedSize: raw.count, into: &check)
        }
    } catch {
        fatalError("\(method) decompress failed: \(error)")
    }
    guard check == raw else { fatalError("\(method) round trip mismatch") }
    let ratio = Int((Double(raw.count) * 1000 / Double(compressed.count)).rounded())

    let config = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal, CodecMetric.bytesPerSecond, CodecMetric.ratio],
        units: exactUnits,
        warmupIterations: 5,
        maxDuration: .milliseconds(800),
        maxIterations: 20_000,
        thresholds: [.mallocCountTotal: .init(relative: BenchmarkThresholds.Relative.strict, absolute: BenchmarkThresholds.Absolute.strict)]
    )
    var out: [UInt8] = []
    out.reserveCapacity(raw.count * 2 + 1024)
    Benchmark("BlockCompression.compress.\(method).\(n)", configuration: config) { benchmark in
        out.removeAll(keepingCapacity: true)
        let t0 = monotonicNanos()
        raw.withUnsafeBytes { BlockCompression.compress($0, method: method, level: level, into: &out) }
        let t1 = monotonicNanos()
        benchmark.stopMeasurement()  // the metric bookkeeping below is not the codec's time
        blackHole(out.count)
        benchmark.measurement(CodecMetric.bytesPerSecond, perSecond(raw.count, t1 - t0))
        benchmark.measurement(CodecMetric.ratio, ratio)
    }
    Benchmark("BlockCompression.decompress.\(method).\(n)", configuration: config) { benchmark in
        out.removeAll(keepingCapacity: true)
        let t0 = monotonicNanos()
        try compressed.withUnsafeBytes {
            try BlockCompression.decompress($0, method: method, decompressedSize: raw.count, into: &out)
        }
        let t1 = monotonicNanos()
        benchmark.stopMeasurement()  // the metric bookkeeping below is not the codec's time
        blackHole(out.count)
        benchmark.measurement(CodecMetric.bytesPerSecond, perSecond(raw.count, t1 - t0))
        benchmark.measurement(CodecMetric.ratio, ratio)
    }
}

let benchmarks: @Sendable () -> Void = {
    for n in blockSizes {
        for p in TimestampPattern.allCases {
            registerColumn(timestampCodec, pattern: p.rawValue, data: makeTimestamps(p, count: n, seed: seed(p.rawValue, n)),
                           sameBits: ==)
        }
        for p in FloatPattern.allCases {
            registerColumn(floatCodec, pattern: p.rawValue, data: makeFloats(p, count: n, seed: seed(p.rawValue, n)),
                           sameBits: { $0.bitPattern == $1.bitPattern })
        }
        registerColumn(intCodec, pattern: "counter", data: makeIntCounters(count: n, seed: seed("intCounter", n)),
                       sameBits: ==)
    }

    // CRC32C over 1 MiB of random bytes (WAL records and every segment block are checksummed).
    let mib = 1 << 20
    var rng = SplitMix64(seed: 0xC0FFEE)
    var bytes = [UInt8](repeating: 0, count: mib)
    bytes.withUnsafeMutableBytes { p in
        for i in stride(from: 0, to: mib, by: 8) { p.storeBytes(of: rng.next(), toByteOffset: i, as: UInt64.self) }
    }
    let input = bytes
    Benchmark(
        "CRC32C.checksum.1MiB",
        configuration: .init(
            metrics: [.wallClock, .throughput, .mallocCountTotal, CodecMetric.bytesPerSecond],
            units: exactUnits,
            warmupIterations: 3,
            maxDuration: .milliseconds(800),
            maxIterations: 2_000,
            thresholds: [.mallocCountTotal: .init(relative: BenchmarkThresholds.Relative.strict, absolute: BenchmarkThresholds.Absolute.strict)]
        )
    ) { benchmark in
        let t0 = monotonicNanos()
        let crc = input.withUnsafeBytes { CRC32C.checksum($0) }
        let t1 = monotonicNanos()
        benchmark.stopMeasurement()  // the metric bookkeeping below is not the codec's time
        blackHole(crc)
        benchmark.measurement(CodecMetric.bytesPerSecond, perSecond(mib, t1 - t0))
    }

    for n in blockSizes {
        registerCompression(.zstd, samples: n)
        registerCompression(.lz4, samples: n)
    }
}
