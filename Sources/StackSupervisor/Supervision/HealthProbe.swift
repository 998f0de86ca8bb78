import AsyncHTTPClient
import Foundation
import NIOCore

/// A readiness probe resolved to a URL: healthy when a GET answers 2xx within the timeout.
public struct HealthProbe: Sendable {
    public let url: String
    public let timeout: Duration
    public let period: Duration
    public let failureThreshold: Int
    public let initialDelay: Duration
    /// How often start-up polls: fast, so a dependent starts the moment its dependency serves. Every 10 ms in
    /// the first second (our services answer within ~30 ms of spawn), then every 50 ms up to the deadline.
    public static func startupInterval(after elapsed: Duration) -> Duration {
        elapsed < .seconds(1) ? .milliseconds(10) : .milliseconds(50)
    }

    public init(url: String, timeout: Duration, period: Duration, failureThreshold: Int, initialDelay: Duration) {
        self.url = url
        self.timeout = timeout
        self.period = period
        self.failureThreshold = failureThreshold
        self.initialDelay = initialDelay
    }

    public func check() async -> Bool {
        if let components = URLComponents(string: url), components.scheme == "http", let host = components.host {
            let status = await PlainHTTPCheck.status(
                host: host, port: components.port ?? 80, path: components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath,
                timeout: timeout)
            return status.map { (200..<300).contains($0) } ?? false
        }
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        do {
            let milliseconds = Int64(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
            let response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(milliseconds))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return (200..<300).contains(Int(response.status.code))
        } catch {
            return false
        }
    }
}
