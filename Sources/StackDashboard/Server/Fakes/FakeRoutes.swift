import Foundation
import Hummingbird
import StackHTTP

/// `/api/fakes/…`: the fakes' clock, fake-openmeter's faults, reset and reseed.
enum FakeRoutes {
    static func add(to router: Router<BasicRequestContext>, fakes: FakesDesk, hub: SnapshotHub) {
        router.get("/api/fakes/clock") { _, _ in try JSONResponse.make(ClockAnswer(clocks: try await fakes.clocks())) }
        router.post("/api/fakes/clock/advance") { request, _ in
            let body: AdvanceBody = try await RequestBody.decode(request, example: #"{"seconds":3600}"#)
            guard body.seconds.isFinite, abs(body.seconds) <= 10 * 365 * 86400 else {
                throw HTTPFailure.badRequest("seconds must be a finite number of seconds within 10 years, e.g. 3600")
            }
            defer { hub.refresh() }
            return try JSONResponse.make(ClockAnswer(clocks: try await fakes.advanceClocks(by: body.seconds)))
        }
        router.post("/api/fakes/clock/real") { _, _ in
            defer { hub.refresh() }
            return try JSONResponse.make(ClockAnswer(clocks: try await fakes.realClocks()))
        }
        router.post("/api/fakes/openmeter/faults") { request, _ in
            let body: FaultBody = try await RequestBody.decode(request, example: #"{"kind":"outage"}"#)
            guard let kind = OpenMeterFaultKind(rawValue: body.kind) else {
                throw HTTPFailure.badRequest("kind must be one of outage, latency, rate_limit; got \(body.kind)")
            }
            defer { hub.refresh() }
            return try JSONResponse.make(FaultAnswer(faults: try await fakes.addOpenMeterFault(kind)), status: .created)
        }
        router.delete("/api/fakes/openmeter/faults") { request, _ in
            var kind: OpenMeterFaultKind?
            if let name = request.uri.queryParameters.get("kind") {
                guard let parsed = OpenMeterFaultKind(rawValue: String(name)) else {
                    throw HTTPFailure.badRequest("kind must be one of outage, latency, rate_limit; got \(name)")
                }
                kind = parsed
            }
            defer { hub.refresh() }
            return try JSONResponse.make(FaultAnswer(faults: try await fakes.removeOpenMeterFaults(kind)))
        }
        router.post("/api/fakes/reset") { _, _ in
            defer { hub.refresh() }
            return try JSONResponse.make(try await fakes.resetAndReseed())
        }
    }
}

private struct AdvanceBody: Decodable { var seconds: Double }
private struct FaultBody: Decodable { var kind: String }
private struct ClockAnswer: Encodable { var clocks: [ClockReading] }
private struct FaultAnswer: Encodable { var faults: [String] }
