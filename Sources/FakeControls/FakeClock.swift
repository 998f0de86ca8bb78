import Foundation
import Synchronization

/// The time a fake runs on: real time, real time shifted by an offset, or frozen at an instant.
/// Everything time-dependent in a fake (expiry, budgets, date phrases, ledgers) reads `now()`, so a
/// test can advance an hour in a request instead of waiting one. `/_fake/clock` moves it.
public final class FakeClock: Sendable {
    public enum Mode: Sendable, Equatable {
        case real
        /// Real time plus this many seconds.
        case offset(TimeInterval)
        /// Stands still at this instant until moved.
        case frozen(Date)
    }

    private let mode: Mutex<Mode>
    private let realNow: @Sendable () -> Date

    /// - Parameter realNow: the underlying time source (tests inject one).
    public init(mode: Mode = .real, realNow: @escaping @Sendable () -> Date = { Date() }) {
        self.mode = Mutex(mode)
        self.realNow = realNow
    }

    public func now() -> Date {
        switch mode.withLock({ $0 }) {
        case .real: realNow()
        case .offset(let seconds): realNow().addingTimeInterval(seconds)
        case .frozen(let instant): instant
        }
    }

    public var currentMode: Mode { mode.withLock { $0 } }

    /// Moves the clock forward (or back, with a negative value); a real clock becomes an offset one.
    public func advance(by seconds: TimeInterval) {
        mode.withLock { mode in
            switch mode {
            case .real: mode = .offset(seconds)
            case .offset(let current): mode = .offset(current + seconds)
            case .frozen(let instant): mode = .frozen(instant.addingTimeInterval(seconds))
            }
        }
    }

    /// Jumps to `instant`; frozen there, or running on from it.
    public func set(_ instant: Date, frozen: Bool = true) {
        let real = realNow()
        mode.withLock { $0 = frozen ? .frozen(instant) : .offset(instant.timeIntervalSince(real)) }
    }

    /// Back to real time.
    public func reset() {
        mode.withLock { $0 = .real }
    }
}
