// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "roster",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "roster", targets: ["roster"]),
        .library(name: "RosterScript", targets: ["RosterScript"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.0.0"),
        // AsyncHTTPClient's HTTP/2, named for the guard on each stream (ResponseGuard).
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.46.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        // Hummingbird's own I/O, named for `roster serve`'s executor (NIOPosix).
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
    ],
    targets: [
        // The language: lexer, parser, interpreter, values. No I/O beyond ScriptHost.
        .target(
            name: "RosterScript",
            dependencies: ["CThreadLocal", .product(name: "OrderedCollections", package: "swift-collections")]
        ),
        // The calling thread's script strand, in C thread-local storage (Swift has none).
        .target(name: "CThreadLocal"),
        // The emulator of the three services: Hummingbird routes over a GRDB (SQLite) store.
        .target(
            name: "RosterSandbox",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                // The JWT app: RSA keys, their encrypted PKCS#8 form, assertion signatures.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Verbs bound to the services' HTTP APIs: operation specs, requests, pagination, retries,
        // profiles. Knows nothing of the prompt, nor of the sandbox (it meets it over HTTP).
        .target(
            name: "RosterCatalog",
            dependencies: [
                "RosterScript",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                // Box JWT apps: the encrypted private key, the RS256 assertion.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // libedit, behind a line-reader protocol.
        .systemLibrary(
            name: "CEditLine",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        .target(name: "LineEditor", dependencies: ["CEditLine"]),
        // REPL loop, batch runner, output formatting, the file-backed host.
        .target(
            name: "RosterSession",
            dependencies: [
                "RosterScript", "RosterCatalog", "LineEditor",
                .product(name: "CSV", package: "CSV.swift"),
            ]
        ),
        .executableTarget(
            name: "roster",
            dependencies: [
                "RosterSession", "RosterCatalog", "RosterSandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // mimalloc for malloc and free in release builds: scripts make and drop many small
            // records, lists and texts, and glibc's allocator cost a tenth of some programs.
            // (Debug builds keep glibc's, which ThreadSanitizer's own allocator replaces.)
            linkerSettings: [.linkedLibrary("mimalloc", .when(platforms: [.linux], configuration: .release))]
        ),
        // Test support: spawn a process on a pseudo-terminal (glibc hides forkpty from Swift).
        .target(name: "CPty", linkerSettings: [.linkedLibrary("util")]),
        // Test support shared by the test targets (a seeded generator for fuzz tests).
        .target(name: "TestSupport", path: "Tests/Support"),
        .testTarget(name: "RosterScriptTests", dependencies: ["RosterScript", "TestSupport"], exclude: ["Golden"]),
        .testTarget(name: "RosterSessionTests", dependencies: ["RosterSession", "RosterScript", "CPty", "TestSupport", .product(name: "CSV", package: "CSV.swift")]),
        .testTarget(name: "RosterCatalogTests", dependencies: ["RosterCatalog", "RosterScript", "RosterSandbox", "TestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                                                                     .product(name: "NIOEmbedded", package: "swift-nio"), .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                                                                     .product(name: "NIOHPACK", package: "swift-nio-http2")]),
        .testTarget(
            name: "RosterSandboxTests",
            dependencies: [
                "RosterSandbox", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ]
)
