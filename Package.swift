// swift-tools-version:6.2
import PackageDescription

// Every target compiles in Swift 6 language mode with strict concurrency.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "credits-stack",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "fake-openmeter", targets: ["fake-openmeter"]),
        .executable(name: "credits-mcp", targets: ["credits-mcp"]),
        .executable(name: "fake-tais", targets: ["fake-tais"]),
        .executable(name: "fake-stripe", targets: ["fake-stripe"]),
        .executable(name: "stackctl", targets: ["stackctl"]),
        .executable(name: "openmeter-bench", targets: ["openmeter-bench"]),
        .executable(name: "credits-mcp-bench", targets: ["credits-mcp-bench"]),
        .executable(name: "tais-bench", targets: ["tais-bench"]),
        .executable(name: "stackctl-bench", targets: ["stackctl-bench"]),
        .executable(name: "stripe-bench", targets: ["stripe-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", exact: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", exact: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", exact: "6.2.2"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", exact: "0.12.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", exact: "1.37.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", exact: "0.9.20"),
        .package(url: "https://github.com/vapor/jwt-kit.git", exact: "5.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        // HMAC-SHA256 of Stripe webhook signatures; already built for jwt-kit.
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
    ],
    targets: [
        // Shared concerns, one library each.
        .target(name: "StackConfig", dependencies: [
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        .target(name: "StackHTTP", dependencies: [
            "StackConfig",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),
        .target(name: "WireFormats", swiftSettings: strict),
        .target(name: "ProcessSupport", swiftSettings: strict),
        // One C call Swift cannot make (sqlite3_config is variadic); links the same system SQLite as GRDB.
        .target(name: "CSQLiteTuning", linkerSettings: [.linkedLibrary("sqlite3")]),
        // A fixed pool of threads for blocking calls (SQLite, file I/O), awaited from async code.
        .target(name: "BlockingWork", dependencies: [
            .product(name: "NIOPosix", package: "swift-nio"),
        ], swiftSettings: strict),
        .target(name: "StackStorage", dependencies: [
            "CSQLiteTuning", "BlockingWork",
            .product(name: "GRDB", package: "GRDB.swift"),
        ], swiftSettings: strict),
        .target(name: "FakeControls", dependencies: [
            "StackHTTP", "WireFormats",
            .product(name: "Hummingbird", package: "hummingbird"),
        ], swiftSettings: strict),

        // Services: a library each (testable in-process) plus a thin executable.
        .target(name: "FakeOpenMeter", dependencies: [
            "StackConfig", "StackHTTP", "StackStorage", "BlockingWork", "FakeControls", "WireFormats",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Yams", package: "Yams"),
        ], swiftSettings: strict),
        .executableTarget(name: "fake-openmeter", dependencies: [
            "FakeOpenMeter", "StackConfig", "WireFormats",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: strict),

        .target(name: "CreditsMCP", dependencies: [
            "StackConfig", "StackHTTP", "WireFormats", "BlockingWork", "StackClients",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "MCP", package: "swift-sdk"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),
        .executableTarget(name: "credits-mcp", dependencies: [
            "CreditsMCP", "StackConfig",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: strict),

        .target(name: "FakeTAIS", dependencies: [
            "StackConfig", "StackHTTP", "StackStorage", "BlockingWork", "FakeControls", "StackClients", "WireFormats",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),
        .executableTarget(name: "fake-tais", dependencies: [
            "FakeTAIS", "StackConfig",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: strict),
        .target(name: "FakeStripe", dependencies: [
            "StackConfig", "StackHTTP", "StackStorage", "BlockingWork", "FakeControls", "StackClients", "WireFormats",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),
        .executableTarget(name: "fake-stripe", dependencies: [
            "FakeStripe", "StackConfig",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: strict),
        // stackctl's engine: the stack file, the plan, keepers, supervision, registration, host facts from /proc.
        // The glibc process calls Swift's Glibc module leaves out (prctl, posix_spawn's closefrom/chdir, pipe2).
        .target(name: "CSpawn"),
        .target(name: "StackSupervisor", dependencies: [
            "CSpawn", "StackConfig", "StackClients", "BlockingWork", "WireFormats",
            .product(name: "Yams", package: "Yams"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        // Named scenarios: YAML steps against the running stack's public APIs and /_fake/ controls.
        .target(name: "StackScenarios", dependencies: [
            "StackClients", "WireFormats",
            .product(name: "Yams", package: "Yams"),
        ], swiftSettings: strict),
        // stackctl's port: the control API, the dashboard pages, live updates (SSE), chat and scenario runs.
        .target(name: "StackDashboard", dependencies: [
            "StackSupervisor", "StackScenarios", "StackClients", "StackHTTP", "WireFormats",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Yams", package: "Yams"),
        ], swiftSettings: strict),
        .executableTarget(name: "stackctl", dependencies: [
            "StackSupervisor", "StackDashboard", "StackScenarios", "StackConfig", "StackClients", "StackHTTP", "WireFormats",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),

        // Clients of the running stack (MCP over Streamable HTTP, fake-openmeter's API and controls),
        // shared by the integration tests and the benchmarks.
        .target(name: "StackClients", dependencies: [
            "WireFormats",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ], swiftSettings: strict),

        // Percentiles, errors and timing shared by the two benchmark tools.
        .target(name: "BenchmarkSupport", path: "Benchmarks/BenchmarkSupport", swiftSettings: strict),
        .executableTarget(name: "credits-mcp-bench", dependencies: [
            "BenchmarkSupport", "CreditsMCP", "StackClients", "ProcessSupport", "WireFormats",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Benchmarks/credits-mcp-bench", swiftSettings: strict),
        .executableTarget(name: "openmeter-bench", dependencies: [
            "BenchmarkSupport", "FakeOpenMeter", "StackConfig", "StackStorage", "ProcessSupport", "WireFormats",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "NIOCore", package: "swift-nio"),
        ], path: "Benchmarks/openmeter-bench", swiftSettings: strict),
        .executableTarget(name: "tais-bench", dependencies: [
            "BenchmarkSupport", "FakeTAIS", "StackClients", "ProcessSupport", "WireFormats",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Benchmarks/tais-bench", swiftSettings: strict),

        .executableTarget(name: "stripe-bench", dependencies: [
            "BenchmarkSupport", "StackClients", "ProcessSupport", "WireFormats",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Benchmarks/stripe-bench", swiftSettings: strict),

        .executableTarget(name: "stackctl-bench", dependencies: [
            "BenchmarkSupport", "StackClients", "StackSupervisor", "ProcessSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),  // the dashboard's pages and event stream
        ], path: "Benchmarks/stackctl-bench", swiftSettings: strict),

        .testTarget(name: "FakeOpenMeterTests", dependencies: [
            "FakeOpenMeter", "BlockingWork",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ], swiftSettings: strict),
        .testTarget(name: "FakeTAISTests", dependencies: [
            "FakeTAIS", "WireFormats",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "JWTKit", package: "jwt-kit"),
        ], swiftSettings: strict),
        .testTarget(name: "CreditsMCPTests", dependencies: [
            "CreditsMCP",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "JWTKit", package: "jwt-kit"),
        ], swiftSettings: strict),
        // Real processes only: fake-openmeter and credits-mcp as built executables (CREDITS_STACK_BIN).
        // FakeTAIS is linked only for its pure chat planner, the oracle of the phrasing table.
        .testTarget(name: "Integration", dependencies: [
            "StackClients", "ProcessSupport", "WireFormats", "FakeTAIS",
            // Reading the dashboard's event stream as it arrives.
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            .product(name: "JWTKit", package: "jwt-kit"),
            // The scenario guard tests' tampering proxy in front of a service.
            .product(name: "Hummingbird", package: "hummingbird"),
        ], swiftSettings: strict),
        .testTarget(name: "StackSupervisorTests", dependencies: [
            "StackSupervisor", "FakeTAIS", "StackClients",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ], swiftSettings: strict),
        .testTarget(name: "FakeStripeTests", dependencies: [
            "FakeStripe", "StackClients", "WireFormats",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ], swiftSettings: strict),
        .testTarget(name: "StackScenariosTests", dependencies: [
            "StackScenarios", "StackClients", "WireFormats",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ], swiftSettings: strict),
        .testTarget(name: "StackDashboardTests", dependencies: [
            "StackDashboard", "StackSupervisor", "StackScenarios", "StackClients", "WireFormats",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ], swiftSettings: strict),
        .testTarget(name: "StackSupportTests", dependencies: [
            "StackConfig", "StackHTTP", "FakeControls", "StackStorage", "BlockingWork", "WireFormats",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ], swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
