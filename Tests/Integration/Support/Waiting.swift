/// Polls `condition` every `interval` until it holds or `timeout` passes; returns whether it held.
/// For state that changes on its own (an expiring link, a sweeper) instead of sleeping a fixed time.
func waitUntil(
    timeout: Duration, interval: Duration = .milliseconds(100), _ condition: () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await condition() { return true }
        if ContinuousClock.now >= deadline { return false }
        try await Task.sleep(for: interval)
    }
}

/// Runs `body` and returns its result with the time it took.
func timed<T>(_ body: () async throws -> T) async rethrows -> (T, Duration) {
    let start = ContinuousClock.now
    let result = try await body()
    return (result, ContinuousClock.now - start)
}
