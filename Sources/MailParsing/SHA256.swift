import CGMime

/// SHA-256 through GLib (already linked for GMime), for deterministic ids and fingerprints.
public enum SHA256 {
    /// The lowercase hex digest of `bytes`.
    public static func hex(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { raw in
            guard let digest = cgm_sha256_hex(raw.baseAddress, raw.count) else { return "" }
            defer { g_free(digest) }
            return String(cString: digest)
        }
    }

    /// The lowercase hex digest of the UTF-8 bytes of `text`.
    public static func hex(_ text: String) -> String { hex(Array(text.utf8)) }
}
