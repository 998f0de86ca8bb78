import Foundation

/// Group commit for ingestion: concurrent requests' batches are written in one transaction.
///
/// A request that finds no writer becomes the writer: it takes everything waiting (up to
/// `maximumEvents`), writes it in one transaction, hands each request its result, and goes on until its
/// own batch is written; then a waiting request takes over. A request returns only after the
/// transaction holding its batch committed, so an acknowledged event survives `kill -9`. Larger
/// transactions write each touched index page once for many events instead of once per request.
///
/// Runs on blocking-pool threads (callers wait synchronously); the writer never waits for another
/// pool job, so a bounded pool cannot deadlock on it.
// @unchecked: callers block on `condition` (an NSCondition, which Mutex cannot replace: it has no wait), and
// every stored var below is read and written only while holding it.
final class GroupCommit: @unchecked Sendable {
    struct Entry {
        var ticket: Int
        var events: [CloudEvent]
        var ingestedAt: Int64
    }

    typealias Write = @Sendable ([[CloudEvent]], [Int64]) throws -> [Int]

    static let maximumEvents = 20_000

    private let condition = NSCondition()
    private var pending: [Entry] = []
    private var results: [Int: Result<Int, any Error>] = [:]
    private var writing = false
    private var nextTicket = 0

    /// Batches waiting for a write (for tests).
    var waitingCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return pending.count
    }

    /// Stores one request's events with whatever else is waiting; returns how many of them were new.
    func submit(_ events: [CloudEvent], ingestedAt: Int64, write: Write) throws -> Int {
        condition.lock()
        defer { condition.unlock() }
        let ticket = nextTicket
        nextTicket += 1
        pending.append(Entry(ticket: ticket, events: events, ingestedAt: ingestedAt))
        while writing {
            if let result = results.removeValue(forKey: ticket) { return try result.get() }
            condition.wait()
        }
        if let result = results.removeValue(forKey: ticket) { return try result.get() }
        writing = true
        while results[ticket] == nil {
            let round = takeRound()
            condition.unlock()
            let outcomes = Self.run(round, write: write)
            condition.lock()
            for (entry, outcome) in zip(round, outcomes) { results[entry.ticket] = outcome }
            condition.broadcast()
        }
        writing = false
        condition.broadcast()
        return try results.removeValue(forKey: ticket)!.get()
    }

    /// The oldest waiting batches, up to `maximumEvents` (always at least one).
    private func takeRound() -> [Entry] {
        var total = 0
        var count = 0
        for entry in pending {
            if count > 0, total + entry.events.count > Self.maximumEvents { break }
            total += entry.events.count
            count += 1
        }
        let round = Array(pending.prefix(count))
        pending.removeFirst(count)
        return round
    }

    /// Writes a round in one transaction. If that fails, each batch is tried alone, so one batch's
    /// failure is never another's.
    private static func run(_ round: [Entry], write: Write) -> [Result<Int, any Error>] {
        do {
            return try write(round.map(\.events), round.map(\.ingestedAt)).map { .success($0) }
        } catch {
            guard round.count > 1 else { return [.failure(error)] }
            return round.map { entry in Result { try write([entry.events], [entry.ingestedAt])[0] } }
        }
    }
}
