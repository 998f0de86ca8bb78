public import GRDB
import Dispatch

/// Runs blocking work (a synchronous database call) on a Dispatch thread and awaits it, so it never
/// occupies one of Swift's few cooperative threads, which every request handler shares.
public func offCooperativePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try work() })
        }
    }
}

extension DatabaseReader {
    /// A synchronous read run on a Dispatch thread and awaited.
    ///
    /// GRDB's async `read` releases its reader connection only after resuming on Swift's
    /// cooperative pool. If every cooperative thread is then blocked in a synchronous read waiting
    /// for a free reader (2 threads on 2 cores), nothing can release one: the process deadlocks.
    /// A synchronous read on a Dispatch thread releases its reader without needing that pool.
    public func readOffCooperativePool<T: Sendable>(_ block: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await offCooperativePool { try self.read(block) }
    }
}
