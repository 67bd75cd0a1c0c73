import Foundation
import GongEngagement

/// Why a recorded event could not be rebuilt.
public struct EventRebuildError: Error, Sendable, Equatable {
    /// One line, naming the fields when the rebuilt body is invalid.
    public var reason: String

    /// Creates an error.
    public init(_ reason: String) { self.reason = reason }
}

extension EventBuilder {
    /// The body of a recorded event for `api`, validated and encoded as the ledger stores it: rebuilt from its
    /// detection record (the rule verdict as recorded, or `content` when given), or, for an event recorded before the
    /// ledger kept records, from its stored body (a content-shared body maps to a digital interaction; either gets
    /// this config's `reportingSystem`, and a content-shared one its `workspaceId`).
    ///
    /// The `eventId` never changes: it comes from the message and the recorded content id. `messageKey` gives a
    /// digital interaction mapped from a stored body its session.
    public func rebuild(
        detection: Data?, body: Data, recordedAPI: GongAPI, messageKey: String? = nil, for api: GongAPI,
        content: DetectionRecord.Content? = nil
    ) -> Result<Data, EventRebuildError> {
        let event: GongEvent
        if let detection, let record = try? JSONDecoder().decode(DetectionRecord.self, from: detection) {
            event = gongEvent(from: record, content: content, api: api)
        } else {
            switch (recordedAPI, api) {
            case (.contentShared, _):
                guard var shared = try? JSONDecoder().decode(ContentSharedEvent.self, from: body) else {
                    return .failure(EventRebuildError("its stored body cannot be read"))
                }
                shared.reportingSystem = config.gong.reportingSystem
                shared.workspaceId = config.gong.workspaceId
                event =
                    api == .contentShared
                    ? .contentShared(shared)
                    : .digitalInteraction(digitalInteraction(from: shared, messageKey: messageKey))
            case (.digitalInteraction, .digitalInteraction):
                guard var interaction = try? JSONDecoder().decode(DigitalInteractionEvent.self, from: body) else {
                    return .failure(EventRebuildError("its stored body cannot be read"))
                }
                interaction.sourceSystemName = config.gong.reportingSystem
                event = .digitalInteraction(interaction)
            default:
                return .failure(
                    EventRebuildError("it has no detection record to rebuild a \(api.rawValue) body from"))
            }
        }
        let issues = event.validate()
        guard issues.isEmpty else {
            return .failure(EventRebuildError("invalid: " + issues.map(\.description).joined(separator: "; ")))
        }
        guard let encoded = try? ScanRunner.encoder.encode(event) else {
            return .failure(EventRebuildError("the body cannot be encoded"))
        }
        return .success(encoded)
    }
}
