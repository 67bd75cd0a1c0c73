import Foundation
import GongEngagement
import Testing

/// Where Gong's 2024-11 OpenAPI export lives, relative to this file: `<repo>/../shared/gong-api/…`.
private let schemaURL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // GongEngagementTests
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()  // package root
    .deletingLastPathComponent()  // its parent
    .appendingPathComponent("shared/gong-api/gong-engagement-openapi-2024-11.json")

private let schemaPresent = FileManager.default.fileExists(atPath: schemaURL.path)

/// Walks an encoded JSON value against an OpenAPI schema and collects every mismatch.
private struct SchemaWalker {
    let schemas: [String: Any]
    var problems: [String] = []
    var visited: Set<String> = []

    init(schemas: [String: Any]) {
        self.schemas = schemas
    }

    /// Reads Gong's enums as lists: its exporter collapses some into one comma-joined string.
    static func enumValues(_ raw: [Any]) -> Set<String> {
        var values: Set<String> = []
        for case let item as String in raw {
            for part in item.split(separator: ",") {
                values.insert(part.trimmingCharacters(in: .whitespaces))
            }
        }
        return values
    }

    func resolve(_ schema: [String: Any]) -> (name: String?, schema: [String: Any]) {
        if let ref = schema["$ref"] as? String, let name = ref.split(separator: "/").last.map(String.init),
            let target = schemas[name] as? [String: Any]
        {
            return (name, target)
        }
        return (nil, schema)
    }

    mutating func check(_ value: Any, against rawSchema: [String: Any], path: String) {
        let (name, schema) = resolve(rawSchema)
        if let name { visited.insert(name) }
        let type = schema["type"] as? String
        switch value {
        case let object as [String: Any]:
            guard type == "object" || type == nil, let properties = schema["properties"] as? [String: Any] else {
                problems.append("\(path): an object where the schema has \(type ?? "no type")")
                return
            }
            for required in schema["required"] as? [String] ?? [] where object[required] == nil {
                problems.append("\(path).\(required): required by \(name ?? "the schema") but missing")
            }
            for (key, child) in object.sorted(by: { $0.key < $1.key }) {
                guard let childSchema = properties[key] as? [String: Any] else {
                    problems.append("\(path).\(key): not declared by \(name ?? "the schema")")
                    continue
                }
                check(child, against: childSchema, path: "\(path).\(key)")
            }
        case let array as [Any]:
            guard type == "array", let items = schema["items"] as? [String: Any] else {
                problems.append("\(path): an array where the schema has \(type ?? "no type")")
                return
            }
            for (index, item) in array.enumerated() {
                check(item, against: items, path: "\(path)[\(index)]")
            }
        case let string as String:
            guard type == "string" else {
                problems.append("\(path): a string where the schema has \(type ?? "no type")")
                return
            }
            if let raw = schema["enum"] as? [Any], !Self.enumValues(raw).contains(string) {
                problems.append("\(path): \"\(string)\" is not in the enum \(Self.enumValues(raw).sorted())")
            }
        default:
            problems.append("\(path): unexpected JSON value \(value)")
        }
    }
}

@Suite("Gong OpenAPI schema", .enabled(if: schemaPresent, "Gong's OpenAPI export is not at \(schemaURL.path)"))
struct SchemaTests {
    private func loadSchemas() throws -> [String: Any] {
        let data = try Data(contentsOf: schemaURL)
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let components = try #require(root["components"] as? [String: Any])
        return try #require(components["schemas"] as? [String: Any])
    }

    @Test("the fully populated event uses only declared names, every required field and the schema's enums")
    func fullEventMatchesSchema() throws {
        let schemas = try loadSchemas()
        let eventSchema = try #require(schemas["ContentSharedEvent"] as? [String: Any])
        let data = try JSONEncoder().encode(SampleEvents.full())
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])

        var walker = SchemaWalker(schemas: schemas)
        walker.check(json, against: eventSchema, path: "ContentSharedEvent")
        #expect(walker.problems == [])

        // The sample really exercises every nested type our model has.
        let nested: Set = [
            "Sharer", "Actor", "PartyUploadContext", "CallUploadContext", "ExternalCrmCallObject",
            "ExternalCrmPartyObject", "Generic Property",
        ]
        #expect(nested.isSubset(of: walker.visited), "visited only \(walker.visited.sorted())")
        // Every required field is encoded.
        let required = try #require(eventSchema["required"] as? [String])
        #expect(Set(required).isSubset(of: Set(json.keys)))
    }

    @Test("the validator's enums are exactly the schema's (comma-joined artifacts read as lists)")
    func validatorEnumsMatchSchema() throws {
        let schemas = try loadSchemas()
        func enumOf(_ schema: String, _ property: String) throws -> Set<String> {
            let object = try #require(schemas[schema] as? [String: Any])
            let properties = try #require(object["properties"] as? [String: Any])
            let field = try #require(properties[property] as? [String: Any])
            return SchemaWalker.enumValues(try #require(field["enum"] as? [Any]))
        }
        #expect(try enumOf("Generic Property", "dataType") == Set(EventValidator.allowedDataTypes))
        #expect(try enumOf("CallUploadContext", "system") == Set(EventValidator.allowedSystems))
        #expect(try enumOf("PartyUploadContext", "system") == Set(EventValidator.allowedSystems))
        #expect(try enumOf("ExternalCrmCallObject", "objectType") == Set(EventValidator.allowedObjectTypes))
        #expect(try enumOf("ExternalCrmPartyObject", "objectType") == Set(EventValidator.allowedObjectTypes))
    }

    @Test("the validator's required fields are the schema's")
    func requiredFieldsMatchSchema() throws {
        let schemas = try loadSchemas()
        let eventSchema = try #require(schemas["ContentSharedEvent"] as? [String: Any])
        let required = try #require(eventSchema["required"] as? [String])
        let empty = ContentSharedEvent(
            reportingSystem: "", eventTimestamp: "", contentId: "", contentUrl: "", contentTitle: "")
        #expect(Set(EventValidator.validate(empty).map(\.path)) == Set(required))
    }

    @Test("an event the walker must reject is rejected (the walker is not vacuous)")
    func walkerCatchesProblems() throws {
        let schemas = try loadSchemas()
        let eventSchema = try #require(schemas["ContentSharedEvent"] as? [String: Any])
        let json: [String: Any] = [
            "reportingSystem": "r", "eventTimestamp": "t", "contentId": "c", "contentUrl": "u",
            "senderEmailAddress": "x@y.com",
            "crmContext": [["system": "Pipedrive"]],
        ]
        var walker = SchemaWalker(schemas: schemas)
        walker.check(json, against: eventSchema, path: "e")
        #expect(walker.problems.count == 3, "\(walker.problems)")
    }
}
