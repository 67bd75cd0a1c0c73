import Foundation
import GongEngagement
import HTTPTypes
import Hummingbird
import NIOCore

/// The sandbox's HTTP routes over a shared `SandboxState`.
struct SandboxRoutes: Sendable {
    let state: SandboxState
    let configuration: GongSandboxConfiguration

    /// Builds the router with every route.
    func router() -> Router<SandboxRequestContext> {
        let router = Router(context: SandboxRequestContext.self)
        for api in GongAPI.allCases {
            let method = HTTPRequest.Method(rawValue: api.method)!
            router.on(RouterPath(api.path), method: method) { request, context in
                try await self.receive(request, api: api, context: context)
            }
            // Hummingbird answers 404 for a known path with another method; Gong's client deserves a 405.
            for other in Self.otherMethods where other != method {
                router.on(RouterPath(api.path), method: other) { request, _ in
                    Self.methodNotAllowed(request, api: api)
                }
            }
        }
        router.get(RouterPath(Self.usersPath)) { request, _ in
            try await self.listUsers(request)
        }
        for other in Self.otherMethods where other != .get {
            router.on(RouterPath(Self.usersPath), method: other) { request, _ in
                Self.methodNotAllowed(request, path: Self.usersPath, allowed: "GET")
            }
        }
        router.get("/") { request, _ in
            let query = request.uri.queryParameters
            let filter = TimelineFilter(
                sharer: query["sharer"].map(String.init) ?? "", recipientDomain: query["domain"].map(String.init) ?? "")
            let html = TimelinePage.render(events: await self.state.allEvents(), filter: filter)
            return Self.response(.ok, contentType: "text/html; charset=utf-8", body: Array(html.utf8))
        }
        router.get("/api/events") { _, _ in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let body = try encoder.encode(await self.state.allEvents())
            return Self.response(.ok, contentType: "application/json", body: Array(body))
        }
        router.get("/api/stats") { _, _ in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let body = try encoder.encode(await self.state.stats())
            return Self.response(.ok, contentType: "application/json", body: Array(body))
        }
        router.put("/api/outage") { request, _ in
            try await self.setOutage(request)
        }
        router.get("/healthz") { _, _ in
            Self.response(.ok, contentType: "text/plain; charset=utf-8", body: Array("ok\n".utf8))
        }
        return router
    }

    /// Methods that get a 405 on an API's path (HEAD follows GET).
    static let otherMethods: [HTTPRequest.Method] = [.get, .post, .put, .patch, .delete]

    /// Gong's users list.
    static let usersPath = "/v2/users"

    /// Why `gate` turned a call away, for the caller's counters.
    enum Refusal {
        /// 401: no accepted credential.
        case unauthorized
        /// 429: the shared rate limit, or an outage answering 429.
        case rateLimited
        /// An outage's other status.
        case serverError
    }

    /// The checks every API call (events and users) passes first, in this order: auth (401), an outage, the one
    /// rate limit of the account (429 with `Retry-After`); then the configured latency. Returns the answer of a
    /// refused call, or `nil` to go on.
    func gate(_ request: Request, requestId: String) async -> (response: Response, refusal: Refusal)? {
        guard SandboxAuth.isAuthorized(request.headers[.authorization], configuration.credentials) else {
            return (Self.gongError(.unauthorized, requestId: requestId, errors: ["Access denied"]), .unauthorized)
        }
        if let outage = await state.outage() {
            var response = Self.gongError(
                HTTPResponse.Status(code: outage.status), requestId: requestId,
                errors: ["Outage simulated by the sandbox (HTTP \(outage.status))"])
            if let retryAfter = outage.retryAfter {
                response.headers[HTTPField.Name("Retry-After")!] = String(retryAfter)
            }
            return (response, outage.status == 429 ? .rateLimited : .serverError)
        }
        if let retryAfter = await state.admit() {
            var response = Self.gongError(
                .tooManyRequests, requestId: requestId, errors: ["API request limit exceeded"])
            response.headers[HTTPField.Name("Retry-After")!] = String(retryAfter)
            return (response, .rateLimited)
        }
        if configuration.faults.latencyMilliseconds > 0 {
            try? await Task.sleep(for: .milliseconds(configuration.faults.latencyMilliseconds))
        }
        return nil
    }

    /// `GET /v2/users` (`?cursor=…`; `includeAvatars` is ignored): `gate`, then one page of the configured users as
    /// Gong's `{requestId, records, users}`, 400 `Invalid cursor` for a cursor this sandbox did not hand out, 404
    /// when it has no users. Never rolls the fault dice.
    func listUsers(_ request: Request) async throws -> Response {
        let requestId = Self.newRequestId()
        if let (response, refusal) = await gate(request, requestId: requestId) {
            switch refusal {
            case .unauthorized: await state.countUsers(\.unauthorized)
            case .rateLimited: await state.countUsers(\.rateLimited)
            case .serverError: await state.countUsers(\.serverError)
            }
            return response
        }
        let listing = state.usersListing
        switch listing.answer(cursor: request.uri.queryParameters["cursor"].map(String.init)) {
        case .invalidCursor:
            await state.countUsers(\.badRequest)
            return Self.gongError(.badRequest, requestId: requestId, errors: ["Invalid cursor"])
        case .noUsers:
            await state.countUsers(\.notFound)
            return Self.gongError(
                .notFound, requestId: requestId, errors: ["No users found corresponding to the provided filters"])
        case .page(let offset, let count, let pageNumber, let cursor):
            await state.countUsers(\.ok)
            var records: [String: Any] = [
                "totalRecords": listing.users.count, "currentPageSize": count, "currentPageNumber": pageNumber,
            ]
            if let cursor { records["cursor"] = cursor }
            let users = listing.users[offset..<offset + count].map(UsersListing.record)
            return Self.json(.ok, ["requestId": requestId, "records": records, "users": users])
        }
    }

    /// One call of either API (`PUT /v2/customer-engagement/content/shared`, `POST /v2/digital-interaction`), the
    /// same pipeline for both: `gate` (auth → outage → rate limit, one budget for both and the users list →
    /// latency) → decode → validate → faults → dedup (per API) → store.
    func receive(_ request: Request, api: GongAPI, context: SandboxRequestContext) async throws -> Response {
        let requestId = Self.newRequestId()
        if let (response, refusal) = await gate(request, requestId: requestId) {
            switch refusal {
            case .unauthorized: await state.count(\.unauthorized, api: api)
            case .rateLimited: await state.count(\.rateLimited, api: api)
            case .serverError: await state.count(\.serverError, api: api)
            }
            return response
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: configuration.maxBodyBytes)
        } catch {
            await state.count(\.badRequest, api: api)
            return Self.gongError(
                .badRequest, requestId: requestId,
                errors: ["Request body is larger than \(configuration.maxBodyBytes) bytes"])
        }
        let event: GongEvent
        do {
            event = try Self.decode(Data(body.readableBytesView), as: api)
        } catch {
            await state.count(\.badRequest, api: api)
            return Self.gongError(.badRequest, requestId: requestId, errors: [DecodingIssue.describe(error)])
        }
        let issues = event.validate()
        guard issues.isEmpty else {
            await state.count(\.badRequest, api: api)
            return Self.gongError(.badRequest, requestId: requestId, errors: issues.map(\.description))
        }
        let fault = await state.rollFault()
        if fault == .fail {
            await state.count(\.serverError, api: api)
            return Self.gongError(
                .internalServerError, requestId: requestId,
                errors: ["The operation failed because of an unexpected error (injected by the sandbox)"])
        }
        let outcome = try await state.accept(event, requestId: requestId)
        if fault == .drop {
            await state.count(\.dropped, api: api)
            await Self.reset(context.channel)
            return Self.response(.ok, contentType: "application/json", body: [])
        }
        switch outcome {
        case .stored:
            await state.count(\.ok, api: api)
            return Self.json(.ok, ["requestId": requestId])
        case .duplicate(let key):
            await state.count(\.conflict, api: api)
            return Self.gongError(.conflict, requestId: requestId, errors: [Self.conflictMessage(api, key: key)])
        }
    }

    /// The body of `api` from JSON: a `DecodingError` (turned into a `path: problem` line) when it does not fit.
    static func decode(_ data: Data, as api: GongAPI) throws -> GongEvent {
        let decoder = JSONDecoder()
        switch api {
        case .contentShared: return .contentShared(try decoder.decode(ContentSharedEvent.self, from: data))
        case .digitalInteraction:
            return .digitalInteraction(try decoder.decode(DigitalInteractionEvent.self, from: data))
        }
    }

    /// The 409 error line, in each API's wording, with the key that matched.
    static func conflictMessage(_ api: GongAPI, key: String) -> String {
        switch api {
        case .contentShared: "The event was already reported in the past (\(key))"
        case .digitalInteraction: "Conflict - Event was already reported in the past. (\(key))"
        }
    }

    /// A 405 with `Allow` for a call of an API's path with the wrong method.
    static func methodNotAllowed(_ request: Request, api: GongAPI) -> Response {
        methodNotAllowed(request, path: api.path, allowed: api.method)
    }

    /// A 405 with `Allow: allowed` for a call of `path` with another method.
    static func methodNotAllowed(_ request: Request, path: String, allowed: String) -> Response {
        var response = gongError(
            .methodNotAllowed, requestId: newRequestId(),
            errors: ["\(request.method.rawValue) is not allowed on \(path): use \(allowed)"])
        response.headers[.allow] = allowed
        return response
    }

    /// `PUT /api/outage` with `{"status": 503}` or `{"status": 429, "retryAfter": 120}` starts an outage;
    /// `{"status": null}` (or `{}`) ends it. Answers the outage now in force.
    func setOutage(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 4_096)
        let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
        guard let object else {
            return Self.json(.badRequest, ["errors": ["expected a JSON object like {\"status\": 503}"]])
        }
        let status = (object["status"] as? NSNumber)?.intValue
        if let status, !(400...599).contains(status) {
            return Self.json(.badRequest, ["errors": ["status must be 400...599"]])
        }
        let retryAfter = (object["retryAfter"] as? NSNumber)?.intValue
        await state.setOutage(status: status, retryAfter: retryAfter)
        return Self.json(.ok, ["status": status as Any, "retryAfter": retryAfter as Any])
    }

    /// Closes the connection with a TCP reset (`SO_LINGER` 0), so the client sees no response at all.
    static func reset(_ channel: any Channel) async {
        if let provider = channel as? any SocketOptionProvider {
            try? await provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
        }
        try? await channel.close().get()
    }

    /// A Gong-shaped error: `{"requestId": "...", "errors": [...]}`.
    static func gongError(_ status: HTTPResponse.Status, requestId: String, errors: [String]) -> Response {
        let object: [String: Any] = ["requestId": requestId, "errors": errors]
        return json(status, object)
    }

    /// A JSON response from a `JSONSerialization`-compatible object.
    static func json(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return response(status, contentType: "application/json", body: Array(data))
    }

    /// A response with a body and a content type.
    static func response(_ status: HTTPResponse.Status, contentType: String, body: [UInt8]) -> Response {
        Response(
            status: status, headers: [.contentType: contentType, .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// A Gong-like request id: 19 characters of `[0-9a-z]`.
    static func newRequestId() -> String {
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz")
        var generator = SystemRandomNumberGenerator()
        return String((0..<19).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }
}
