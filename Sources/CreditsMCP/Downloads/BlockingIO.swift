import Dispatch

/// Runs blocking work (file reads and writes, deflate, directory sweeps) on Dispatch threads and
/// awaits it, so it never occupies one of Swift's cooperative threads, which every request handler
/// and MCP session shares (on a 2-core machine there are two).
///
/// The queue is a non-overcommitting concurrent queue: Dispatch runs about as many of its jobs at
/// once as there are cores and queues the rest, so a burst of downloads cannot grow the process's
/// thread count without bound. No job here waits for another job here, so queueing cannot deadlock.
enum BlockingIO {
    static let queue = DispatchQueue(label: "credits-mcp.blocking-io", qos: .userInitiated, attributes: .concurrent)

    static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }
}
