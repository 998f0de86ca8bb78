import AsyncHTTPClient
import Foundation
import JWTKit
import Logging

/// One fetched JWKS document and how long it may be cached (`Cache-Control: max-age`, if sent).
struct JWKSDocument: Sendable {
    var body: Data
    var maxAgeSeconds: Int?
}

/// Where the JWKS comes from: HTTP in production, a stub in tests.
protocol JWKSSource: Sendable {
    /// The URL, for messages.
    var location: String { get }
    /// Fetches the document; failures are reasons safe to show a caller.
    func fetch() async throws(AccessDenied) -> JWKSDocument
}

/// `GET <url>` with AsyncHTTPClient: 200 and at most 1 MiB, within 10 s.
struct HTTPJWKSSource: JWKSSource {
    let location: String
    let httpClient: HTTPClient

    func fetch() async throws(AccessDenied) -> JWKSDocument {
        var request = HTTPClientRequest(url: location)
        request.headers.add(name: "Accept", value: "application/json")
        do {
            let response = try await httpClient.execute(request, timeout: .seconds(10))
            guard response.status.code == 200 else {
                throw AccessDenied.keysUnavailable("the JWKS at \(location) answered HTTP \(response.status.code)")
            }
            let body = try await response.body.collect(upTo: 1024 * 1024)
            return JWKSDocument(
                body: Data(body.readableBytesView),
                maxAgeSeconds: Self.maxAge(cacheControl: response.headers[canonicalForm: "Cache-Control"].joined(separator: ","))
            )
        } catch let denied as AccessDenied {
            throw denied
        } catch {
            throw AccessDenied.keysUnavailable("the JWKS at \(location) is unreachable")
        }
    }

    /// The `max-age` of a `Cache-Control` value; `no-store` and `no-cache` count as 0. Nil when absent.
    static func maxAge(cacheControl: String) -> Int? {
        var maxAge: Int?
        for directive in cacheControl.split(separator: ",") {
            let parts = directive.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            switch parts.first {
            case "no-store", "no-cache":
                return 0
            case "max-age" where parts.count == 2:
                let value = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                if let seconds = Int(value), seconds >= 0 { maxAge = seconds }
            default:
                continue
            }
        }
        return maxAge
    }
}

/// The TAIS signing keys, fetched on first use and kept fresh:
///
/// - **Lifetime.** A fetched key set is used for the `max-age` of its `Cache-Control` answer header, or for
///   5 minutes without one (bounded to 10 s ... 24 h). After that the set is fetched again before a token
///   is verified, so a key TAIS removed from its JWKS stops being trusted.
/// - **Rate.** A fetch never starts within 10 s of the previous one: neither for a token that names an
///   unknown `kid` (a key rotation) nor after a failed fetch.
/// - **Single flight.** Callers that need a fetch while one is under way wait for that one.
/// - **Outage.** When a refresh fails, the keys already held stay in use for up to 1 hour past their
///   lifetime (with a warning in the log), so a short JWKS outage does not lock every caller out; after that
///   tokens are refused with the fetch error.
actor JWKSCache {
    static let defaultLifetime: Duration = .seconds(300)
    static let lifetimeBounds = 10...86_400
    static let minimumFetchInterval: Duration = .seconds(10)
    static let staleGrace: Duration = .seconds(3600)

    private struct Loaded: Sendable {
        var keys: JWKSKeySet
        var expiresAt: Duration
    }

    let source: any JWKSSource
    let clock: any VerifierClock
    let logger: Logger
    private var loaded: Loaded?
    private var lastAttempt: Duration?
    private var lastFailure: AccessDenied?
    private var inFlight: Task<Result<Loaded, AccessDenied>, Never>?

    init(source: any JWKSSource, clock: any VerifierClock, logger: Logger) {
        self.source = source
        self.clock = clock
        self.logger = logger
    }

    /// The key for a token's `kid`, or nil when the JWKS has no such key (also after a permitted refetch).
    /// Throws when the keys cannot be loaded.
    func key(for kid: String?) async throws(AccessDenied) -> JWTKeyCollection? {
        let keys = try await currentKeys()
        if let key = keys.key(for: kid) { return key }
        // Perhaps TAIS rotated to a new key: fetch again, unless the last fetch began under 10 s ago.
        switch await fetchUnlessTooSoon() {
        case .success(let fresh)?: return fresh.keys.key(for: kid)
        case .failure(let denied)?: throw denied
        case nil: return nil
        }
    }

    /// The key set to verify with now: the cached one while it is fresh, else a refreshed one.
    private func currentKeys() async throws(AccessDenied) -> JWKSKeySet {
        if let loaded, clock.uptime() < loaded.expiresAt { return loaded.keys }
        let failure: AccessDenied
        switch await fetchUnlessTooSoon() {
        case .success(let fresh)?:
            return fresh.keys
        case .failure(let denied)?:
            failure = denied
        case nil:
            failure = lastFailure ?? AccessDenied.keysUnavailable("the JWKS at \(source.location) is not loaded yet")
        }
        if let loaded, clock.uptime() < loaded.expiresAt + Self.staleGrace {
            return loaded.keys
        }
        throw failure
    }

    /// Joins the fetch under way, or starts one unless the previous one began under 10 s ago (nil).
    private func fetchUnlessTooSoon() async -> Result<Loaded, AccessDenied>? {
        if let inFlight { return await inFlight.value }
        let started = clock.uptime()
        if let lastAttempt, started - lastAttempt < Self.minimumFetchInterval { return nil }
        lastAttempt = started
        let task = Task { [source, clock] in await Self.load(from: source, clock: clock) }
        inFlight = task
        let result = await task.value
        inFlight = nil
        switch result {
        case .success(let fresh):
            let before = loaded?.keys.kids
            loaded = fresh
            lastFailure = nil
            if before != fresh.keys.kids {
                logger.info("loaded signing keys from \(source.location): \(fresh.keys.kids.isEmpty ? "none usable" : fresh.keys.kids.map(LogSafe.text).joined(separator: ", "))")
                for reason in fresh.keys.skipped { logger.warning("JWKS key skipped: \(reason)") }
            }
        case .failure(let denied):
            lastFailure = denied
            if loaded != nil {
                logger.warning("JWKS refresh failed, keeping the keys already loaded for up to 1 h: \(denied.detail ?? denied.message)")
            } else {
                logger.warning("cannot verify tokens: \(denied.detail ?? denied.message)")
            }
        }
        return result
    }

    private static func load(from source: any JWKSSource, clock: any VerifierClock) async -> Result<Loaded, AccessDenied> {
        let document: JWKSDocument
        do throws(AccessDenied) {
            document = try await source.fetch()
        } catch {
            return .failure(error)
        }
        let keys: JWKSKeySet
        do throws(JWKSKeySet.InvalidDocument) {
            keys = try await JWKSKeySet.parse(document.body)
        } catch {
            return .failure(AccessDenied.keysUnavailable("the JWKS at \(source.location) is invalid"))
        }
        let seconds = document.maxAgeSeconds.map { min(max($0, lifetimeBounds.lowerBound), lifetimeBounds.upperBound) }
        let lifetime = seconds.map { Duration.seconds($0) } ?? defaultLifetime
        return .success(Loaded(keys: keys, expiresAt: clock.uptime() + lifetime))
    }
}
