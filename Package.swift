// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "tsengine",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TSEngine", targets: ["TSEngine"]),
        .executable(name: "tsdbd", targets: ["tsdbd"]),
        .executable(name: "tsctl", targets: ["tsctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // Pure codecs: bits, varints, CRC32C, timestamp/value column codecs, block compression.
        .target(name: "TSEncoding", dependencies: ["CLZ4", "CZstd"]),
        // Storage engine: model, platform, WAL, head, segments, index, engine.
        .target(name: "TSEngine", dependencies: ["TSEncoding"]),
        // Line protocol parser and writer: bytes → points; knows nothing of storage.
        .target(name: "LineProtocol"),
        .executableTarget(name: "tsdbd", dependencies: [
            "TSEngine", "LineProtocol",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "tsctl", dependencies: [
            "TSEngine",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Test helper process for the crash test: appends batches and reports acknowledgements.
        .executableTarget(name: "tscrashchild", dependencies: ["TSEngine"], path: "Tests/CrashChild"),
        .testTarget(name: "TSEncodingTests", dependencies: ["TSEncoding"]),
        .testTarget(name: "TSEngineTests", dependencies: ["TSEngine", "TSEncoding", "tscrashchild"]),
        .testTarget(name: "LineProtocolTests", dependencies: ["LineProtocol"]),
    ]
)
