import BlockingWork
import FakeControls
import Foundation
import Hummingbird
import Logging
import StackHTTP
import StackStorage
import Synchronization

/// What every route group of fake-stripe shares.
struct StripeContext: Sendable {
    let store: StripeStore
    let clock: FakeClock
    let auth: StripeAuthenticator
    let publicURL: PublicURL
    /// Wakes the webhook deliverer after a commit that owes deliveries.
    let deliveries: WakeSignal
    let logger: Logger

    var now: Int { Int(clock.now().timeIntervalSince1970.rounded(.down)) }

    /// The hosted pay page of a session.
    func payURL(_ id: String) -> String { publicURL.base + "/c/pay/" + id }

    /// Expires what is due before a read, so a moved clock shows at once.
    func expireDue() async throws {
        let store = self.store, now = self.now
        if try await offCooperativePool({ try store.expireDue(now: now) }) > 0 { deliveries.wake() }
    }
}

/// The base URL pay pages are served under: configured, or `http://HOST:PORT` once the port is bound.
final class PublicURL: Sendable {
    private let value: Mutex<String>

    init(_ initial: String) { value = Mutex(initial) }

    var base: String { value.withLock { $0 } }

    func set(_ url: String) { value.withLock { $0 = url.hasSuffix("/") ? String(url.dropLast()) : url } }
}
