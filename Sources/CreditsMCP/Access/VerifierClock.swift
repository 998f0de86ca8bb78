import Foundation

/// Where `TAISTokenVerifier` and its JWKS cache read the time, so tests can move it without sleeping.
///
/// Two readings because they answer different questions: `exp` and `nbf` are wall-clock dates written
/// by TAIS, while how long the keys have been cached and how long ago the JWKS was last fetched are
/// intervals, which must not jump when the system clock is set.
public protocol VerifierClock: Sendable {
    /// Wall-clock time, compared with `exp` and `nbf`.
    func now() -> Date
    /// Monotonic time since an arbitrary origin, for the JWKS cache lifetime and the refetch limits.
    func uptime() -> Duration
}

/// The real clocks: `Date()` and `ContinuousClock`.
public struct SystemVerifierClock: VerifierClock {
    private let origin = ContinuousClock.now

    public init() {}

    public func now() -> Date { Date() }
    public func uptime() -> Duration { ContinuousClock.now - origin }
}
