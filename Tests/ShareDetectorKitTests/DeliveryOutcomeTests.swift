import GongEngagement
import ShareDetectorKit
import Testing

@Suite("Which answers bind an event to its Gong API")
struct DeliveryOutcomeTests {
    static let cases: [(GongCallResult, Bool)] = [
        (.response(status: 200, requestId: "r", errors: [], retryAfterSeconds: nil), true),
        (.response(status: 409, requestId: "r", errors: [], retryAfterSeconds: nil), true),
        (.response(status: 408, requestId: nil, errors: [], retryAfterSeconds: nil), true),
        (.response(status: 500, requestId: nil, errors: [], retryAfterSeconds: nil), true),
        (.response(status: 503, requestId: nil, errors: [], retryAfterSeconds: nil), true),
        (.transportError(kind: .timeout, message: "t"), true),
        (.transportError(kind: .connectionReset, message: "r"), true),
        (.transportError(kind: .other, message: "o"), true),
        (.response(status: 400, requestId: nil, errors: ["bad"], retryAfterSeconds: nil), false),
        (.response(status: 401, requestId: nil, errors: [], retryAfterSeconds: nil), false),
        (.response(status: 403, requestId: nil, errors: [], retryAfterSeconds: nil), false),
        (.response(status: 404, requestId: nil, errors: [], retryAfterSeconds: nil), false),
        (.response(status: 422, requestId: nil, errors: [], retryAfterSeconds: nil), false),
        (.response(status: 429, requestId: nil, errors: [], retryAfterSeconds: 3), false),
        (.transportError(kind: .connectionRefused, message: "c"), false),
        (.transportError(kind: .dnsFailure, message: "d"), false),
        (.transportError(kind: .tls, message: "t"), false),
    ]

    @Test("an answer that may mean Gong stored the event binds it; a refusal before storing does not", arguments: cases)
    func binding(_ result: GongCallResult, _ reached: Bool) {
        #expect(DeliveryOutcome.mayHaveReachedGong(result) == reached)
    }
}
