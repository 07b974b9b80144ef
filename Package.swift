// swift-tools-version: 6.1
import PackageDescription

// Linux only: the engine's file, socket and memory-mapping layer (TSSupport) calls Glibc
// directly, and the daemon is tested on Debian. No Apple platform is declared because none is
// supported.

let package = Package(
    name: "tsengine",
    products: [
        .library(name: "TSSupport", targets: ["TSSupport"]),
        .library(name: "TSEngine", targets: ["TSEngine"]),
        .library(name: "TSIngest", targets: ["TSIngest"]),
        .library(name: "TSEncoding", targets: ["TSEncoding"]),
        .library(name: "GraphiteProtocol", targets: ["GraphiteProtocol"]),
        .library(name: "TSQuery", targets: ["TSQuery"]),
        .library(name: "InfluxQL", targets: ["InfluxQL"]),
        .library(name: "LineProtocol", targets: ["LineProtocol"]),
        .library(name: "CollectdProtocol", targets: ["CollectdProtocol"]),
        .executable(name: "tsdbd", targets: ["tsdbd"]),
        .executable(name: "tsctl", targets: ["tsctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
    ],
    targets: [
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // Hardware CRC-32C (SSE4.2 / ARMv8 CRC) behind a CPU check; the portable code stays in Swift.
        .target(name: "CCRC32C"),
        // Utilities every layer may use, knowing nothing of storage: locks, ParallelMap, durations,
        // clocks, ByteReader/ByteWriter and varints, the file-system layer, the JSON codec.
        .target(name: "TSSupport"),
        // Pure codecs: bits, CRC32C, timestamp/value column codecs, block compression.
        .target(name: "TSEncoding", dependencies: ["TSSupport", "CLZ4", "CZstd", "CCRC32C"]),
        // Storage engine: model, WAL, head, segments, index, rollups, engine.
        .target(name: "TSEngine", dependencies: ["TSSupport", "TSEncoding"]),
        // Line protocol parser and writer: bytes → points; knows nothing of storage.
        .target(name: "LineProtocol"),
        // collectd binary network protocol (plain, signed, encrypted) and the InfluxDB mapping.
        .target(name: "CollectdProtocol", dependencies: ["TSSupport", "COpenSSL"]),
        // Graphite plaintext protocol and InfluxDB-style templates (path → measurement, tags, field).
        .target(name: "GraphiteProtocol"),
        // InfluxQL: lexer, parser and syntax tree; knows nothing of storage.
        .target(name: "InfluxQL", dependencies: ["TSSupport"]),
        // Query execution over the engine: selection, aggregation, transformations, SHOW/DROP/DELETE.
        .target(name: "TSQuery", dependencies: ["TSSupport", "TSEngine", "InfluxQL"]),
        // Client side of tsctl (and the daemon tests): tsdbd's HTTP(S) client over async-http-client,
        // /query decoding into InfluxQL's result model, tables, CSV and terminal plots.
        .target(name: "TSClient", dependencies: [
            "TSSupport", "InfluxQL",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Accounting: CPU, wall, vCPU and HS06 time per VM from hypervisor counters; the hourly job; APEL.
        .target(name: "TSAccounting", dependencies: ["TSSupport", "TSEngine", "InfluxQL", "TSQuery"]),
        // Credentials for the HTTP API: the credentials file, PBKDF2 secrets, header parsing.
        .target(name: "TSAuth", dependencies: ["COpenSSL"]),
        // Protocols → write batches (line protocol, collectd, Graphite), stream framing, and the outcome
        // of a write that every protocol reports through; shared by the daemon and offline tools.
        .target(name: "TSIngest", dependencies: ["TSSupport", "TSEngine", "LineProtocol", "CollectdProtocol", "GraphiteProtocol"]),
        .executableTarget(name: "tsdbd", dependencies: [
            "TSSupport", "TSEngine", "TSEncoding", "LineProtocol", "TSIngest", "CZlib", "CollectdProtocol", "GraphiteProtocol", "TSQuery", "InfluxQL", "TSAccounting", "TSAuth",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Configuration", package: "swift-configuration"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ]),
        .executableTarget(name: "tsctl", dependencies: [
            "TSSupport", "TSEngine", "TSEncoding", "LineProtocol", "TSIngest", "TSClient", "InfluxQL", "TSAuth",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Test helper process for the crash test: appends batches and reports acknowledgements.
        .executableTarget(name: "tscrashchild", dependencies: ["TSEngine", "TSSupport"], path: "Tests/CrashChild"),
        // Helpers shared by the test targets (seeded random numbers, temporary directories, engine
        // options for tests, fault switches, JSON for assertions).
        .target(name: "TestSupport", dependencies: ["TSSupport", "TSEngine"], path: "Tests/TestSupport"),
        .testTarget(name: "TSSupportTests", dependencies: ["TSSupport", "TestSupport"]),
        .testTarget(name: "TSEncodingTests", dependencies: ["TSEncoding", "TSSupport", "TestSupport"]),
        .testTarget(name: "TSEngineTests", dependencies: ["TSEngine", "TSEncoding", "TSSupport", "TestSupport", "tscrashchild"]),
        .testTarget(name: "LineProtocolTests", dependencies: ["LineProtocol", "TSSupport", "TestSupport"]),
        .testTarget(name: "InfluxQLTests", dependencies: ["InfluxQL"]),
        .testTarget(name: "TSAccountingTests", dependencies: ["TSAccounting", "TSEngine", "TSIngest", "LineProtocol", "TSSupport", "TestSupport"]),
        .testTarget(name: "TSClientTests", dependencies: ["TSClient", "InfluxQL", "TSSupport", "TestSupport"]),
        .testTarget(name: "TSQueryTests", dependencies: ["TSQuery", "TSEngine", "InfluxQL", "TSSupport", "TestSupport"]),
        .testTarget(name: "CollectdProtocolTests", dependencies: ["CollectdProtocol", "TSSupport", "TestSupport"]),
        .testTarget(name: "GraphiteProtocolTests", dependencies: ["GraphiteProtocol"]),
        .testTarget(name: "TSAuthTests", dependencies: ["TSAuth"]),
        // Starts the real tsdbd binary (built as a dependency) and talks to it over loopback.
        .testTarget(name: "TSDBDTests", dependencies: ["TSEngine", "TSSupport", "TSClient", "TestSupport", "tsdbd", "tsctl"], exclude: ["Differential"]),
    ]
)
