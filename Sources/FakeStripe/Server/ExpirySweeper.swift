import ServiceLifecycle

/// Expires open sessions whose `expires_at` has come on the fake clock, once a second, so
/// `checkout.session.expired` goes out without anyone reading the session (reads also expire lazily).
struct ExpirySweeper: Service {
    let context: StripeContext
    var interval: Duration = .seconds(1)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await context.expireDue()
                } catch {
                    context.logger.error("expiry sweep failed", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
