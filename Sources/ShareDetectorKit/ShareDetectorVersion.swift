/// The tool's version: `share-detector --version`, and the `User-Agent` of its calls to Gong.
public enum ShareDetectorVersion {
    /// The release this source tree builds (semantic versioning).
    public static let current = "0.9.0"

    /// `share-detector/<version>`.
    public static var userAgent: String { "share-detector/\(current)" }
}
