/// Lists a range's credit events page by page, newest first (`OpenMeterClient`; tests substitute pages).
protocol CreditEventSource: Sendable {
    @discardableResult
    func forEachEventPage(
        type: String, subject: String, from: String, to: String, maximumEvents: Int,
        _ body: ([OpenMeterClient.CreditEvent]) async throws -> Void
    ) async throws -> Int
}

extension OpenMeterClient: CreditEventSource {}
