// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "reel-ingest",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "reel-ingest", targets: ["reel-ingest"]),
        .executable(name: "reel-ingest-media", targets: ["reel-ingest-media"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        // One trait, named: with Hummingbird's two default traits SwiftPM passes their -D flags in a varying order,
        // and every build recompiled HummingbirdCore and Hummingbird (about a minute). ConfigurationSupport (reading
        // its settings through swift-configuration) is not used.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0", traits: ["FullFoundation"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
    ],
    targets: [
        // C libraries: each is imported by exactly one Swift module.
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat",
            providers: [
                .apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev", "libswscale-dev", "libswresample-dev"])
            ]
        ),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CInotifyTools", providers: [.apt(["libinotifytools0-dev"])]),
        // glibc's malloc.h (allocator statistics for /metrics); part of libc6-dev.
        .systemLibrary(name: "CMallocInfo"),

        .target(
            name: "IngestCore",
            dependencies: [
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "IngestStore",
            dependencies: [
                "IngestCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "IngestWatcher",
            dependencies: [
                "IngestCore", "CInotifyTools",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "IngestMedia",
            dependencies: ["IngestCore", "CFFmpeg", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "IngestPublish",
            dependencies: ["IngestCore", "CCurl", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The status API, uploads, /metrics and the web page (Hummingbird); the daemon runs it as one of its services.
        .target(
            name: "IngestAPI",
            dependencies: [
                "IngestCore", "IngestStore", "CMallocInfo",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The web page, compiled into the binary: nothing to install beside it, nothing fetched at run time.
            // Every file in Web/ is embedded and served (WebAssetsPlugin writes the table the routes read).
            resources: [.embedInCode("Web")],
            plugins: ["WebAssetsPlugin"]
        ),
        .target(
            name: "IngestAgent",
            dependencies: [
                // No IngestMedia here: libavformat drags in ~135 shared libraries (25 ms per process start);
                // media work runs in the worker process instead.
                "IngestCore", "IngestStore", "IngestWatcher", "IngestPublish", "IngestAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // The version from VERSION and git, compiled in at build time (scripts/version.sh).
        .target(name: "BuildInfo", plugins: ["VersionPlugin"]),
        .plugin(name: "VersionPlugin", capability: .buildTool()),
        .plugin(name: "WebAssetsPlugin", capability: .buildTool()),
        .executableTarget(
            name: "reel-ingest",
            dependencies: [
                "IngestAgent", "IngestAPI", "IngestCore", "IngestStore", "IngestPublish", "IngestWatcher", "BuildInfo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The media worker: `reel-ingest probe|transcode` exec it, so only this process loads FFmpeg.
        .executableTarget(
            name: "reel-ingest-media",
            dependencies: [
                "IngestMedia", "IngestCore", "BuildInfo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Helpers shared by the test targets (temp directories); never linked into the product.
        .target(
            name: "TestSupport",
            dependencies: [
                "IngestCore", "IngestStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport"
        ),
        // The parsers the agent owns as fuzz targets; `make fuzz` builds reel-ingest-fuzz with libFuzzer, the
        // regression suite replays seeds and found crashes (@testable imports: see the end of this file).
        .target(
            name: "FuzzTargets",
            dependencies: ["IngestCore", "IngestWatcher", "IngestAPI", "IngestPublish", "IngestMedia"],
            path: "Tests/FuzzTargets"
        ),
        .target(name: "FuzzDriver", path: "Tests/FuzzDriver"),
        .executableTarget(name: "reel-ingest-fuzz", dependencies: ["FuzzTargets", "FuzzDriver"], path: "Tests/Fuzz"),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzTargets"], exclude: ["Crashes"]),
        .testTarget(name: "IngestCoreTests", dependencies: ["IngestCore", "TestSupport"]),
        .testTarget(name: "IngestStoreTests", dependencies: ["IngestStore", "IngestCore", "TestSupport"]),
        .testTarget(name: "IngestWatcherTests", dependencies: ["IngestWatcher", "IngestCore", "TestSupport"]),
        .testTarget(name: "IngestMediaTests", dependencies: ["IngestMedia", "IngestCore", "TestSupport"]),
        .testTarget(name: "IngestPublishTests", dependencies: ["IngestPublish"]),
        .testTarget(name: "CLITests", dependencies: ["IngestCore", "IngestStore", "TestSupport"]),
        .testTarget(
            name: "IngestAgentTests",
            dependencies: [
                "IngestAgent", "IngestCore", "IngestStore", "IngestWatcher", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The status API against the running daemon, with independent clients (Python: tuspy, websocket-client,
        // prometheus_client, Playwright driving Chromium) that `make deps` installs.
        .testTarget(
            name: "IngestAPITests",
            dependencies: [
                "IngestCore", "IngestStore", "TestSupport", .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["Python"]
        ),
        // The status API's hand-written JSON against Foundation's encoder, in process.
        .testTarget(name: "IngestAPIJSONTests", dependencies: ["IngestAPI", "IngestCore", "IngestStore"]),
        // The real daemon as a separate process against moto and Varnish (`make test` starts them).
        .testTarget(name: "EndToEndTests", dependencies: ["IngestCore", "IngestStore", "TestSupport"]),
        // Needs the S3 server `make test` starts (scripts/test-servers.sh).
        .testTarget(
            name: "S3IntegrationTests",
            dependencies: ["IngestPublish", "IngestCore", "IngestStore", "IngestAgent", "TestSupport"]
        ),
    ]
)

// `make test` runs its suites on the release build the .deb packages (packaging/release-flags.sh). In that
// configuration the modules the suites import with @testable are compiled for testing (only they: the dependencies
// compile as usual), and the test-only targets without optimisation (optimising the test code tripled the build's
// time while testing nothing the products do).
let testableModules: Set = [
    "IngestCore", "IngestStore", "IngestWatcher", "IngestMedia", "IngestPublish", "IngestAgent", "IngestAPI",
]
for target in package.targets {
    if testableModules.contains(target.name) {
        target.swiftSettings =
            (target.swiftSettings ?? []) + [.unsafeFlags(["-enable-testing"], .when(configuration: .release))]
    } else if target.type == .test || target.path?.hasPrefix("Tests/") == true {
        target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(["-Onone"], .when(configuration: .release))]
    }
}
