import GongEngagement

extension GongAPI {
    /// The API a stored name stands for; a missing name (rows from before the ledger kept it) or one this binary does
    /// not know is `content-shared`, the API every ledger started with.
    init(stored name: String?) {
        self = name.flatMap(GongAPI.init(rawValue:)) ?? .contentShared
    }
}
