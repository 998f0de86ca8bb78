import Foundation
import StackHTTP
import WireFormats

/// Decodes `POST /api/v1/events` bodies the way OpenMeter does: the content type picks single or
/// batch, every event is validated before any is stored, so a bad batch stores nothing.
enum EventDecoder {
    enum Shape { case single, batch, either }

    static func shape(forContentType contentType: String?) throws(HTTPFailure) -> Shape {
        switch contentType ?? "" {
        case "application/cloudevents+json": return .single
        case "application/cloudevents-batch+json": return .batch
        case "application/json": return .either
        default: throw .badRequest("invalid content type: \(contentType ?? "")")
        }
    }

    static func decode(_ body: [UInt8], shape: Shape, now: Int64) throws(HTTPFailure) -> [CloudEvent] {
        var parser = JSONParser(bytes: body)
        var events: [CloudEvent] = []
        do {
            guard let first = parser.peek() else { throw HTTPFailure.badRequest("invalid event: EOF") }
            switch (shape, first) {
            case (.single, UInt8(ascii: "{")), (.either, UInt8(ascii: "{")):
                events.append(try decodeEvent(&parser, now: now))
            case (.batch, UInt8(ascii: "[")), (.either, UInt8(ascii: "[")):
                var failure: HTTPFailure?
                try parser.parseArrayElements { (p) throws(JSONParser.Failure) in
                    guard failure == nil else { _ = try p.parseValue(); return }
                    guard p.peek() == UInt8(ascii: "{") else {
                        failure = .badRequest("invalid event: expected a JSON object for each event in the batch")
                        _ = try p.parseValue()
                        return
                    }
                    do {
                        events.append(try decodeEvent(&p, now: now))
                    } catch let error as HTTPFailure {
                        failure = error
                    } catch let error as JSONParser.Failure {
                        throw error
                    } catch {
                        failure = .badRequest("invalid event: \(error)")
                    }
                }
                if let failure { throw failure }
                if shape == .either, events.isEmpty { throw HTTPFailure.badRequest("invalid event: no events found") }
            case (.single, _):
                throw HTTPFailure.badRequest("invalid event: expected a JSON object (one CloudEvent)")
            case (.batch, _):
                throw HTTPFailure.badRequest("invalid event: expected a JSON array of CloudEvents")
            case (.either, _):
                throw HTTPFailure.badRequest("invalid event: no events found")
            }
            try parser.expectEnd()
        } catch let error as HTTPFailure {
            throw error
        } catch let error as JSONParser.Failure {
            throw .badRequest("invalid event: \(error.description)")
        } catch {
            throw .badRequest("invalid event: \(error)")
        }
        return events
    }

    private static func decodeEvent(_ parser: inout JSONParser, now: Int64) throws -> CloudEvent {
        var fields: [String: String] = [:]
        var nullFields: Set<String> = []
        var data: String?
        var failure: HTTPFailure?
        let bytes = parser.bytes
        try parser.parseObjectMembers { (key, p) throws(JSONParser.Failure) in
            switch key {
            case "data":
                guard let first = p.peek() else { _ = try p.parseValue(); return }
                let start = p.position
                let value = try p.parseValue()
                switch value {
                case .object: data = String(decoding: bytes[start..<p.position], as: UTF8.self)
                case .null: data = nil
                default:
                    if failure == nil {
                        failure = .badRequest("invalid event: data must be a JSON object, got \(first == UInt8(ascii: "\"") ? "a string" : "a non-object value")")
                    }
                }
            case "id", "source", "specversion", "type", "subject", "time", "datacontenttype", "dataschema":
                let value = try p.parseValue()
                switch value {
                case .string(let s): fields[key] = s
                case .null: nullFields.insert(key)
                default: if failure == nil { failure = .badRequest("invalid event: \(key) must be a string") }
                }
            default:
                // CloudEvents extension attributes are accepted and not stored.
                _ = try p.parseValue()
            }
        }
        if let failure { throw failure }
        for required in ["id", "source", "specversion", "type", "subject"] {
            guard let value = fields[required], !value.isEmpty else {
                throw HTTPFailure.badRequest("invalid event: \(required) is required")
            }
        }
        guard fields["specversion"] == "1.0" else {
            throw HTTPFailure.badRequest("invalid event: specversion must be 1.0, got \(fields["specversion"] ?? "")")
        }
        var time = now
        if let rawTime = fields["time"], !rawTime.isEmpty {
            guard let parsed = RFC3339.parse(rawTime) else {
                throw HTTPFailure.badRequest("invalid event: time must be an RFC 3339 date-time, got \(rawTime)")
            }
            time = parsed.seconds
        }
        if let contentType = fields["datacontenttype"], contentType != "application/json" {
            throw HTTPFailure.badRequest("invalid event: datacontenttype must be application/json, got \(contentType)")
        }
        return CloudEvent(
            id: fields["id"] ?? "", source: fields["source"] ?? "", specversion: fields["specversion"] ?? "1.0",
            type: fields["type"] ?? "", subject: fields["subject"] ?? "", time: time,
            datacontenttype: fields["datacontenttype"], dataschema: fields["dataschema"], data: data
        )
    }
}
