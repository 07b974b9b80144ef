// swift-tools-version: 6.1
// libFuzzer harnesses for the parsers and decoders of the root package (see README.md).
// Build and run through ./run; a plain `swift build` here gives the replay binaries.
import PackageDescription

// SwiftPM names a path dependency after its directory, which differs between checkouts.
let root = Context.packageDirectory.split(separator: "/").dropLast().last.map { String($0).lowercased() } ?? "tsengine"

func harness(_ product: String, _ target: String, _ libraries: [String]) -> [Target] {
    [.executableTarget(name: target,
                       dependencies: ["FuzzSupport"] + libraries.map { .product(name: $0, package: root) })]
}

let package = Package(
    name: "tsengine-fuzz",
    products: [
        .executable(name: "lineprotocol", targets: ["FuzzLineProtocol"]),
        .executable(name: "collectd", targets: ["FuzzCollectd"]),
        .executable(name: "writehttp", targets: ["FuzzWriteHTTP"]),
        .executable(name: "graphite", targets: ["FuzzGraphite"]),
        .executable(name: "wal", targets: ["FuzzWAL"]),
        .executable(name: "segment", targets: ["FuzzSegment"]),
        .executable(name: "influxql", targets: ["FuzzInfluxQL"]),
        .executable(name: "make-seeds", targets: ["MakeSeeds"]),
    ],
    dependencies: [.package(path: "..")],
    targets: [
        // Replay driver and small helpers shared by the harnesses.
        .target(name: "FuzzSupport"),
    ]
        + harness("lineprotocol", "FuzzLineProtocol", ["LineProtocol"])
        + harness("collectd", "FuzzCollectd", ["CollectdProtocol"])
        + harness("writehttp", "FuzzWriteHTTP", ["CollectdProtocol"])
        + harness("graphite", "FuzzGraphite", ["GraphiteProtocol"])
        + harness("wal", "FuzzWAL", ["TSEngine", "TSEncoding", "TSSupport"])
        + harness("segment", "FuzzSegment", ["TSEngine", "TSEncoding", "TSSupport"])
        + harness("influxql", "FuzzInfluxQL", ["InfluxQL"])
        + [.executableTarget(name: "MakeSeeds", dependencies: [
            "FuzzSupport",
            .product(name: "LineProtocol", package: root),
            .product(name: "CollectdProtocol", package: root),
            .product(name: "TSEngine", package: root),
            .product(name: "TSEncoding", package: root),
            .product(name: "TSSupport", package: root),
        ])]
)
