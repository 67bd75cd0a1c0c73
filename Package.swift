// swift-tools-version: 6.1
import PackageDescription

/// Our own targets build in Swift 6 mode with warnings as errors.
let strict: [SwiftSetting] = [.unsafeFlags(["-warnings-as-errors"])]

let package = Package(
    name: "ShareDetector",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "share-detector", targets: ["share-detector"]),
        .library(name: "MailParsing", targets: ["MailParsing"]),
        .library(name: "ShareDetection", targets: ["ShareDetection"]),
        .library(name: "MailFetching", targets: ["MailFetching"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // RS256 for Google's JWT-bearer grant and Microsoft's client assertions (already in the graph through
        // Hummingbird's test support, so it costs CI no extra build).
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CGMime",
            pkgConfig: "gmime-3.0",
            providers: [.apt(["libgmime-3.0-dev"])]
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "CPCRE2",
            pkgConfig: "libpcre2-8",
            providers: [.apt(["libpcre2-dev"])]
        ),
        // PostgreSQL's C client for the shared ledger (chosen over PostgresNIO: synchronous like the rest of the core,
        // and TLS verify-full, .pgpass, PG* variables and multi-host failover come with it; no NIO build in CI).
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // GMime tuning that needs C (GObject class structures): lazy header validation.
        .target(name: "GMimeSupport", dependencies: ["CGMime"]),
        .target(name: "MailParsing", dependencies: ["CGMime", "GMimeSupport"], swiftSettings: strict),
        // One libcurl layer: the easy handle and the meaning of its failures, for IMAP and for Gong.
        .target(name: "CurlSupport", dependencies: ["CCurl"], swiftSettings: strict),
        .target(name: "MailFetching", dependencies: ["MailParsing", "CurlSupport", "CCurl"], swiftSettings: strict),
        // OAuth 2 access tokens for mailboxes: grants, RS256 signing, the in-memory token cache.
        .target(
            name: "OAuth2Tokens",
            dependencies: [
                "CurlSupport", "CCurl", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "ShareDetection",
            dependencies: ["MailParsing", "CPCRE2", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        // Gong's vocabulary (events, validation, answers, the delivery state machine): pure, no I/O.
        .target(name: "GongEngagement", swiftSettings: strict),
        // The HTTPS client for Gong's event APIs, over the one libcurl layer.
        .target(name: "GongHTTP", dependencies: ["GongEngagement", "CurlSupport", "CCurl"], swiftSettings: strict),
        .target(
            name: "ShareLedger",
            dependencies: ["GongEngagement", "CLibPQ", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        .target(
            name: "GongSandbox",
            dependencies: ["GongEngagement", .product(name: "Hummingbird", package: "hummingbird")],
            swiftSettings: strict
        ),
        .target(
            name: "ShareDetectorKit",
            dependencies: [
                "MailParsing", "MailFetching", "ShareDetection", "GongEngagement", "GongHTTP", "ShareLedger",
                "OAuth2Tokens", .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "share-detector",
            dependencies: [
                "ShareDetectorKit", "GongSandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "share-detector-bench",
            dependencies: ["MailParsing", "MailFetching", "ShareDetection", "ShareDetectorKit", "CGMime"],
            path: "Benchmarks/share-detector-bench",
            swiftSettings: strict
        ),
        .testTarget(name: "MailParsingTests", dependencies: ["MailParsing"], swiftSettings: strict),
        .testTarget(name: "MailFetchingTests", dependencies: ["MailFetching"], swiftSettings: strict),
        .testTarget(
            name: "ShareDetectionTests", dependencies: ["ShareDetection", "MailParsing"], swiftSettings: strict
        ),
        .testTarget(
            name: "GongEngagementTests", dependencies: ["GongEngagement", "GongHTTP", "GongSandbox"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "OAuth2TokensTests",
            dependencies: ["OAuth2Tokens", .product(name: "CryptoExtras", package: "swift-crypto")],
            swiftSettings: strict
        ),
        .testTarget(name: "ShareLedgerTests", dependencies: ["ShareLedger"], swiftSettings: strict),
        .testTarget(
            name: "GongSandboxTests",
            dependencies: [
                "GongSandbox", "GongEngagement", "GongHTTP",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ShareDetectorKitTests",
            dependencies: [
                "ShareDetectorKit", "ShareLedger", "GongHTTP", "OAuth2Tokens", "MailFetching", "share-detector",
            ],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
