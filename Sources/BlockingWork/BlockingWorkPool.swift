import NIOPosix

/// The threads that run blocking work for the fakes. A fixed number: Dispatch's global queues add a
/// thread for every blocked one, so a burst of slow SQLite calls would grow the process without bound.
/// Jobs here never wait for other jobs here (the meter query's slices are awaited from Swift tasks),
/// so a bounded pool cannot deadlock on itself; more jobs than threads simply queue.
public enum BlockingWorkPool {
    /// Eight: as many as the database's readers, so parallel reads still overlap on any machine.
    public static let threadCount = 8

    static let shared: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: threadCount)
        pool.start()
        return pool
    }()
}

/// Runs blocking work (a synchronous database call) on `BlockingWorkPool` and awaits it, so it never
/// occupies one of Swift's few cooperative threads, which every request handler shares.
public func offCooperativePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await BlockingWorkPool.shared.runIfActive(work)
}
