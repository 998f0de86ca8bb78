import Foundation
import StackHTTP
import WireFormats
import Yams

/// Loads meter definitions from a YAML file (`compose/meters.yaml`) and seeds them:
/// a meter whose slug already exists is left as it is, so restarts keep ids stable.
public enum MeterCatalog {
    struct File: Decodable {
        var meters: [MeterCreate]
    }

    /// Used when no meters file is given and `compose/meters.yaml` is not in the working directory:
    /// the contract's `ai_credits` meter.
    public static let builtIn = """
        meters:
          - slug: ai_credits
            name: AI credits
            description: AI credits used, per tenant (subject), user, module, product and skill.
            aggregation: SUM
            eventType: ai_credits
            valueProperty: $.credits
            groupBy:
              user: $.user
              module: $.module
              product: $.product
              tenant: $.tenant
              skill: $.skill
        """

    public static func parse(yaml: String, origin: String) throws -> [MeterCreate] {
        do {
            return try YAMLDecoder().decode(File.self, from: yaml).meters
        } catch {
            throw MeterCatalogError(description: "meters file \(origin) is invalid: \(error)")
        }
    }

    public static func load(path: String?) throws -> (meters: [MeterCreate], origin: String) {
        let candidate = path ?? "compose/meters.yaml"
        if FileManager.default.fileExists(atPath: candidate) {
            let text: String
            do {
                text = try String(contentsOfFile: candidate, encoding: .utf8)
            } catch {
                throw MeterCatalogError(description: "cannot read meters file \(candidate): \(error.localizedDescription)")
            }
            return (try parse(yaml: text, origin: candidate), candidate)
        }
        if let path { throw MeterCatalogError(description: "meters file \(path) does not exist") }
        return (try parse(yaml: builtIn, origin: "built-in"), "built-in")
    }

    /// Creates each meter whose slug is not there yet. Returns the slugs created.
    @discardableResult
    public static func seed(_ creates: [MeterCreate], into store: EventStore) throws -> [String] {
        var created: [String] = []
        for create in creates {
            let now = RFC3339.format(seconds: Int64(Date().timeIntervalSince1970))
            let meter: Meter
            do {
                meter = try MeterValidation.meter(from: create, id: ULID.make(), now: now)
            } catch {
                throw MeterCatalogError(description: "meter \(create.slug ?? "?") is invalid: \(error.detail)")
            }
            if try store.insertMeter(meter) { created.append(meter.slug) }
        }
        return created
    }
}

public struct MeterCatalogError: Error, CustomStringConvertible {
    public let description: String
}
