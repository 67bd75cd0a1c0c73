// swift-tools-version: 6.1
// libFuzzer targets for the mail-reading and link-detection code. A separate package so the main build never sees
// -sanitize=fuzzer.
// Build and run through scripts/fuzz.sh (see docs/fuzzing.md).
import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its directory, so take the name of the checkout holding this package.
let mainPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .lastPathComponent.lowercased()

let package = Package(
    name: "ShareDetectorFuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "CFuzz"),
        .executableTarget(
            name: "fuzz-mbox",
            dependencies: ["CFuzz", .product(name: "MailParsing", package: mainPackage)]
        ),
        .executableTarget(
            name: "fuzz-mime",
            dependencies: ["CFuzz", .product(name: "MailParsing", package: mainPackage)]
        ),
        .executableTarget(
            name: "fuzz-imap",
            dependencies: ["CFuzz", .product(name: "MailFetching", package: mainPackage)]
        ),
        .executableTarget(
            name: "fuzz-links",
            dependencies: [
                "CFuzz", .product(name: "MailParsing", package: mainPackage),
                .product(name: "ShareDetection", package: mainPackage),
            ]
        ),
        .executableTarget(
            name: "fuzz-unwrap",
            dependencies: ["CFuzz", .product(name: "ShareDetection", package: mainPackage)]
        ),
    ],
    swiftLanguageModes: [.v6]
)
