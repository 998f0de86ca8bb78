import Foundation
import Hummingbird
public import StackHTTP
import WireFormats

/// `/_fake/clock`: read and move a fake's `FakeClock`.
/// - `GET /_fake/clock` → `{"now","mode":"real|offset|frozen","offsetSeconds"}`
/// - `POST /_fake/clock/advance {"seconds":3600}` (negative goes back)
/// - `POST /_fake/clock/set {"now":"2026-01-15T10:00:00Z","frozen":true}` (`frozen` defaults to true)
/// - `POST /_fake/clock/real` → back to real time
/// Each answers the clock's state after the change.
extension RouteTable {
    public mutating func addFakeClockRoutes(_ clock: FakeClock) {
        get("/_fake/clock") { _, _ in try ClockState(clock).response() }
        post("/_fake/clock/advance") { request, _ in
            let body: AdvanceBody = try await Self.decodeControlBody(request, example: #"{"seconds":3600}"#)
            guard body.seconds.isFinite, abs(body.seconds) <= 100 * 365 * 86400 else {
                throw HTTPFailure.badRequest("seconds must be a finite number of seconds within 100 years")
            }
            clock.advance(by: body.seconds)
            return try ClockState(clock).response()
        }
        post("/_fake/clock/set") { request, _ in
            let body: SetBody = try await Self.decodeControlBody(request, example: #"{"now":"2026-01-15T10:00:00Z","frozen":true}"#)
            guard let instant = RFC3339.parse(body.now) else {
                throw HTTPFailure.badRequest("now must be an RFC 3339 date-time such as 2026-01-15T10:00:00Z, got \(body.now)")
            }
            clock.set(Date(timeIntervalSince1970: TimeInterval(instant.seconds) + TimeInterval(instant.nanos) / 1e9), frozen: body.frozen ?? true)
            return try ClockState(clock).response()
        }
        post("/_fake/clock/real") { _, _ in
            clock.reset()
            return try ClockState(clock).response()
        }
    }

    /// A control route's JSON body, or 400 with an example of a good one.
    public static func decodeControlBody<T: Decodable>(_ request: Request, example: String) async throws -> T {
        let buffer = try await request.collectBody(limit: 64 * 1024)
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: buffer))
        } catch {
            throw HTTPFailure.badRequest("body must be JSON like \(example)")
        }
    }
}

private struct AdvanceBody: Decodable { var seconds: Double }
private struct SetBody: Decodable {
    var now: String
    var frozen: Bool?
}

struct ClockState: Encodable {
    var now: String
    var mode: String
    var offsetSeconds: Double

    init(_ clock: FakeClock) {
        let now = clock.now()
        self.now = RFC3339.format(seconds: Int64(now.timeIntervalSince1970.rounded(.down)))
        switch clock.currentMode {
        case .real: (mode, offsetSeconds) = ("real", 0)
        case .offset(let seconds): (mode, offsetSeconds) = ("offset", seconds)
        case .frozen(let instant): (mode, offsetSeconds) = ("frozen", instant.timeIntervalSinceNow)
        }
    }

    func response() throws -> Response { try JSONResponse.make(self) }
}
