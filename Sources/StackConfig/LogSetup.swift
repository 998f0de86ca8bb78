import Foundation
import Logging
import Synchronization

/// One logging bootstrap per process: lines to stderr, level from `LOG_LEVEL` (default info).
public enum LogSetup {
    private static let done = Mutex(false)

    public static func bootstrap(settings: Settings) {
        let level = settings.string("LOG_LEVEL").flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
        let first = done.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
