// swift-tools-version: 6.1
// IMAP fetch benchmark: a private Dovecot (the test harness, shared by symlink), 20,000 messages, our fetch vs mbsync,
// through a 20 ms round-trip proxy, and an incremental run. Run through scripts/bench-imap.sh.
import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its directory, so take the name of the checkout holding this package.
let mainPackage = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "IMAPBench",
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(
            name: "imap-bench",
            dependencies: [.product(name: "MailFetching", package: mainPackage)]
        ),
        // The whole `share-detector scan` (the release binary) against Dovecot: mailboxes in parallel, attachments.
        .executableTarget(name: "scan-bench"),
    ],
    swiftLanguageModes: [.v6]
)
