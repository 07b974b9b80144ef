// swift-tools-version: 6.1
// Micro-benchmarks for tsengine (package-benchmark). A package of its own so that the root
// package does not depend on the benchmark plugin; it uses the engine through a path dependency.
//
//   cd Benchmarks && swift package benchmark                 # run everything (a few minutes)
//   swift package benchmark list                             # list the benchmarks
//   swift package benchmark --target CodecBenchmarks         # one suite
//   swift package benchmark --target QueryBenchmarks         # queries (first run builds a cached 30-day dataset)
//   swift package benchmark thresholds check --metric mallocCountTotal --metric bytes_per_sample_x1000
//
// Benchmark names use '.' and '_' only: package-benchmark 1.38.1 writes threshold files with '/'
// and ' ' replaced by '_' but looks them up with the raw name, so a name with '/' can never be
// checked. See docs/benchmarks.md for what each benchmark measures and the figures measured so far.
import PackageDescription

/// One benchmark suite: an executable using package-benchmark, BenchSupport and `products` of
/// the root package, in Benchmarks/<name>.
func suite(_ name: String, _ products: [String]) -> Target {
    .executableTarget(
        name: name,
        dependencies: [.product(name: "Benchmark", package: "benchmark"), "BenchSupport"]
            + products.map { .product(name: $0, package: "tsengine") },
        path: "Benchmarks/\(name)",
        plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    )
}

let package = Package(
    name: "tsengine-benchmarks",
    dependencies: [
        // The explicit trait list matters: the default traits also pull in a runtime interposer
        // package that the local package mirror does not carry, and resolution fails without it.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(name: "tsengine", path: ".."),
    ],
    targets: [
        // Seeded data generators and helpers shared by the suites.
        .target(name: "BenchSupport", dependencies: [.product(name: "Benchmark", package: "benchmark"), .product(name: "TSSupport", package: "tsengine"),
                                                      .product(name: "TSEngine", package: "tsengine")],
                path: "Sources/BenchSupport"),
        // Column codecs, CRC32C and block compression on synthetic monitoring data.
        suite("CodecBenchmarks", ["TSEncoding"]),
        // The storage engine end to end: head + WAL appends, seal, reads, WAL replay, compaction.
        suite("EngineBenchmarks", ["TSEngine"]),
        // The line-protocol parser and ingester on collectd-style lines.
        suite("ParserBenchmarks", ["LineProtocol", "TSIngest"]),
        // Queries end to end (module TSQuery): InfluxQL parsing, W1-shaped queries on a small
        // dataset, and the 30-day rollup query against raw data on a cached 259 M-sample dataset.
        suite("QueryBenchmarks", ["TSEngine", "TSQuery", "InfluxQL"]),
    ]
)
