// swift-tools-version: 6.1
import PackageDescription

// Fleet: one Linux host supervising many QEMU VMs through the QEMU Guest Agent protocol.
// Module map and dependency direction: ../shared/DESIGN.md ("Modules"). Library modules are
// declared here as their issues bring their code; `QGA` depends on nothing.
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

/// libFuzzer targets build only when asked (scripts/fuzz sets FLEET_FUZZ=1): they need
/// `-sanitize=fuzzer` and their own entry point, which the normal build and tests must not see.
let fuzzing = Context.environment["FLEET_FUZZ"] == "1"

let package = Package(
    name: "Fleet",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "QGA", targets: ["QGA"]),
        .executable(name: "fleet-agent", targets: ["fleet-agent"]),
        .executable(name: "fleetd", targets: ["fleetd"]),
        .executable(name: "fleetctl", targets: ["fleetctl"]),
        .executable(name: "fleet-sim", targets: ["fleet-sim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras", exact: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-system", exact: "1.8.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(
            url: "https://github.com/apple/swift-configuration", exact: "1.4.0",
            traits: [.defaults, "YAML", "CommandLineArguments"]),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", exact: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird", exact: "2.1.0"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client", exact: "1.5.0"),
    ],
    targets: [
        // The wire protocol both sides share. No I/O, no dependencies: it is linked into the
        // static guest binary, so it stays small.
        .target(name: "QGA", swiftSettings: strictSettings),

        // C shims for Linux calls Swift cannot make directly (variadic ioctl, signalfd).
        .target(name: "CLinuxSupport"),
        // The guest agent: dispatcher, command handlers, Linux facts, transports, config.
        .target(name: "FleetAgent", dependencies: ["QGA", "CLinuxSupport"], swiftSettings: strictSettings),

        // fleetd's store: SQLite through GRDB, schema from migrations/ (embedded at build time).
        .target(
            name: "FleetStore",
            dependencies: [.product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings
        ),

        // fleetd's host side: agent links (sync, ids, timeouts, caps), sessions, discovery. No SQL:
        // everything it keeps goes through FleetStore's API.
        .target(
            name: "FleetSupervisor",
            dependencies: [
                "QGA",
                "FleetStore",
                "CLinuxSupport",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),

        // The control API's types, generated from docs/openapi.yaml (scripts/generate-openapi);
        // shared by the server and the client so neither links the other.
        .target(
            name: "FleetAPIModel",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
            swiftSettings: strictSettings
        ),
        // fleetd's control socket: Hummingbird on a unix socket, peer-credential tiers, audit.
        .target(
            name: "FleetAPI",
            dependencies: [
                "FleetAPIModel", "FleetSupervisor", "FleetStore", "QGA",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // The client fleetctl uses: AsyncHTTPClient over fleetd's unix socket, output formats.
        .target(
            name: "FleetClient",
            dependencies: [
                "FleetAPIModel", "QGA",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),

        .executableTarget(name: "fleet-agent", dependencies: ["FleetAgent"], swiftSettings: strictSettings),
        .executableTarget(
            name: "fleetd",
            dependencies: [
                "FleetSupervisor", "FleetStore", "FleetAPI", "QGA", "CLinuxSupport",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "fleetctl",
            dependencies: [
                "FleetClient", "FleetAPIModel", "QGA",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),

        // ping-floor: the least SwiftNIO can spend on fleetd's heartbeat traffic (a benchmark's
        // reference, BENCHMARKS.md).
        .executableTarget(
            name: "ping-floor",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Benchmarks/ping-floor",
            swiftSettings: strictSettings
        ),

        // fleet-sim: many simulated agents (healthy and hostile) from one process, for the scale
        // benchmark and the hostile-guest tests.
        .executableTarget(
            name: "fleet-sim",
            dependencies: [
                "QGA",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),

        // Real agent processes and a raw QGA client, shared by the test targets.
        .target(name: "FleetTestSupport", dependencies: ["QGA"], path: "Tests/FleetTestSupport", swiftSettings: strictSettings),
        .testTarget(
            name: "FleetAgentTests",
            dependencies: ["FleetAgent", "QGA", "CLinuxSupport", "FleetTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FleetSupervisorTests",
            dependencies: [
                "FleetSupervisor", "FleetStore", "QGA", "FleetTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "FleetTestSupport", "FleetAPIModel", "QGA",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FleetAPITests",
            dependencies: ["FleetAPI", "FleetAPIModel", "FleetStore", .product(name: "HTTPTypes", package: "swift-http-types")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FleetStoreTests",
            dependencies: ["FleetStore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "QGATests",
            dependencies: ["QGA"],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
    ]
)

if fuzzing {
    package.targets += [
        .target(name: "FuzzDriver", path: "Sources/FuzzDriver", swiftSettings: strictSettings),
        .executableTarget(name: "fuzz-decoder", dependencies: ["QGA", "FuzzDriver"], path: "Sources/fuzz-decoder", swiftSettings: strictSettings),
        .executableTarget(name: "fuzz-dispatcher", dependencies: ["QGA", "FleetAgent", "FuzzDriver"], path: "Sources/fuzz-dispatcher", swiftSettings: strictSettings),
        .executableTarget(
            name: "fuzz-replies",
            dependencies: ["QGA", "FleetSupervisor", "FuzzDriver", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio")],
            path: "Sources/fuzz-replies", swiftSettings: strictSettings),
    ]
}
