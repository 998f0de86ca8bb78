public import GRDB
import BlockingWork

extension DatabaseReader {
    /// A synchronous read run on `BlockingWorkPool` and awaited.
    ///
    /// GRDB's async `read` releases its reader connection only after resuming on Swift's
    /// cooperative pool. If every cooperative thread is then blocked in a synchronous read waiting
    /// for a free reader (2 threads on 2 cores), nothing can release one: the process deadlocks.
    /// A synchronous read on a pool thread releases its reader without needing that pool.
    public func readOffCooperativePool<T: Sendable>(_ block: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await offCooperativePool { try self.read(block) }
    }
}
