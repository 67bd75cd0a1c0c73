import GongEngagement

/// Users for the sandbox's `GET /v2/users` tests.
enum UsersFixtures {
    /// Ids a 32-bit or `Double` parse would break, and one above `Int64.max` (Gong allows up to 20 digits).
    static let hardIds = [
        0: "2147483648",  // Int32.max + 1
        120: "9007199254740993",  // 2^53 + 1
        249: "99999999999999999999",  // 20 digits
    ]

    /// `count` valid users with distinct ids and addresses.
    static func users(_ count: Int) -> [GongUser] {
        (0..<count).map { index in
            GongUser(
                id: hardIds[index] ?? String(234_599_484_848_000 + index),
                emailAddress: "rep\(index)@northwind.example",
                active: index % 5 != 0, emailAliases: index % 2 == 0 ? ["r.\(index)@northwind.example"] : [],
                firstName: "Rep", lastName: "No. \(index)", title: index % 3 == 0 ? "AE" : nil)
        }
    }
}
