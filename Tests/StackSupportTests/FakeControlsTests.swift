import Foundation
import Testing
@testable import FakeControls

/// Path globs: `*` within one segment, `**` across segments.
@Suite struct PathPatternTests {
    @Test(arguments: [
        ("/api/v1/events", "/api/v1/events"),
        ("/api/v1/meters/*/query", "/api/v1/meters/ai_credits/query"),
        ("/api/v1/meters/*", "/api/v1/meters/ai_credits"),
        ("/api/*/events", "/api/v2/events"),
        ("/api/**", "/api/v1/meters/ai_credits/query"),
        ("/api/**", "/api/"),
        ("/api/**/query", "/api/v1/meters/ai_credits/query"),
        ("**", "/anything/at/all"),
        ("**", ""),
        ("/files/*.json", "/files/a.json"),
        ("/*/v1/*", "/api/v1/events"),
        ("/a*c", "/abc"),
        ("/a*c", "/ac"),
        ("/api/v1/events?", "/api/v1/events?"),   // `?` is a literal
    ])
    func matches(pattern: String, path: String) {
        #expect(PathPattern.matches(pattern: pattern, path: path), "\(pattern) ~ \(path)")
    }

    @Test(arguments: [
        ("/api/v1/events", "/api/v1/events/"),
        ("/api/v1/events", "/api/v1/event"),
        ("/api/v1/events", "/API/v1/events"),                 // case-sensitive
        ("/api/v1/meters/*/query", "/api/v1/meters/a/b/query"), // `*` does not cross a slash
        ("/api/v1/meters/*", "/api/v1/meters/ai_credits/query"),
        ("/api/*", "/api/v1/events"),
        ("/api/**", "/apix/v1"),
        ("/api/**", "/api"),
        ("/files/*.json", "/files/a/b.json"),
        ("/files/*.json", "/files/a.jsonx"),
        ("/a*c", "/abd"),
        ("/api/v1/events?", "/api/v1/events"),
        ("", "/"),
        ("/x", ""),
    ])
    func doesNotMatch(pattern: String, path: String) {
        #expect(!PathPattern.matches(pattern: pattern, path: path), "\(pattern) !~ \(path)")
    }

    /// `decide` matches every request against every rule while holding the fault book's lock, and
    /// `/_fake/requests?path=` matches up to 10,000 journal entries, so matching must stay cheap. Eight
    /// stars over 2,000 characters: a backtracking matcher tries about 2000^8 splits and never returns;
    /// the linear one answers in milliseconds. The time limit only turns a hang into a failure.
    @Test(.timeLimit(.minutes(1))) func starsOverALongPathAnswerAtOnce() {
        let path = "/" + String(repeating: "a", count: 2_000)
        #expect(!PathPattern.matches(pattern: "/*a*a*a*a*a*a*a*b", path: path))
        #expect(PathPattern.matches(pattern: "/*a*a*a*a*a*a*a*", path: path))
    }
}

/// Fault rules: validation, matching, `count`, `probability` and `hits`.
@Suite struct FaultBookTests {
    static func request(_ json: String) throws -> FaultRequest {
        try JSONDecoder().decode(FaultRequest.self, from: Data(json.utf8))
    }

    static func add(_ book: FaultBook, _ json: String) throws -> FaultRule {
        switch book.add(try request(json)) {
        case .success(let rule): return rule
        case .failure(let error): throw error
        }
    }

    @Test(arguments: [
        (#"{"status":503}"#, #"path is required and must start with /, e.g. "/api/v1/meters/*/query""#),
        (#"{"path":"api/v1/events","status":503}"#, #"path is required and must start with /, e.g. "/api/v1/meters/*/query""#),
        (#"{"path":"/x","status":99}"#, "status must be an HTTP status code (100..599)"),
        (#"{"path":"/x","status":600}"#, "status must be an HTTP status code (100..599)"),
        (#"{"path":"/x","status":503,"latencyMs":-1}"#, "latencyMs must be between 0 and 120000"),
        (#"{"path":"/x","status":503,"latencyMs":120001}"#, "latencyMs must be between 0 and 120000"),
        (#"{"path":"/x","status":503,"probability":1.01}"#, "probability must be between 0 and 1"),
        (#"{"path":"/x","status":503,"probability":-0.1}"#, "probability must be between 0 and 1"),
        (#"{"path":"/x","status":503,"count":0}"#, "count must be at least 1"),
        (#"{"path":"/x"}"#, "a fault needs a status, a latencyMs, or both"),
        (#"{"path":"/x","latencyMs":0}"#, "a fault needs a status, a latencyMs, or both"),
    ])
    func invalidRulesSayWhichFieldIsWrong(json: String, message: String) throws {
        let book = FaultBook()
        switch book.add(try Self.request(json)) {
        case .success(let rule): Issue.record("accepted \(json) as \(rule)")
        case .failure(let error): #expect(error.message == message, "\(json)")
        }
        #expect(book.rules.isEmpty)
    }

    @Test func defaultsIdsAndRouteAlias() throws {
        let book = FaultBook()
        _ = book.add(try Self.request(#"{"path":"/x"}"#))  // refused: does not use up an id
        let first = try Self.add(book, #"{"route":"/api/v1/events","status":503}"#)
        #expect(first == FaultRule(id: "fault_1", path: "/api/v1/events", method: nil, status: 503, latencyMs: 0, probability: 1, count: nil))
        let second = try Self.add(book, #"{"path":"/a","route":"/b","latencyMs":250,"method":"GET","probability":0,"count":3}"#)
        #expect(second == FaultRule(id: "fault_2", path: "/a", method: "GET", status: nil, latencyMs: 250, probability: 0, count: 3))
        #expect(book.rules.map(\.id) == ["fault_1", "fault_2"])
        #expect(book.remove(id: "fault_1"))
        #expect(!book.remove(id: "fault_1"))
        #expect(book.rules.map(\.id) == ["fault_2"])
        // Ids keep counting after a removal.
        #expect(try Self.add(book, #"{"path":"/c","status":500}"#).id == "fault_3")
        book.removeAll()
        #expect(book.rules.isEmpty)
        #expect(book.decide(method: "GET", path: "/c") == nil)
    }

    @Test func countCapsTheHits() throws {
        let book = FaultBook()
        _ = try Self.add(book, #"{"path":"/api/v1/meters/*/query","status":429,"latencyMs":5,"count":2}"#)
        let first = book.decide(method: "GET", path: "/api/v1/meters/ai_credits/query")
        #expect(first?.latencyMs == 5 && first?.status == 429)
        let second = book.decide(method: "POST", path: "/api/v1/meters/other/query")
        #expect(second?.latencyMs == 5 && second?.status == 429)
        #expect(book.decide(method: "GET", path: "/api/v1/meters/ai_credits/query") == nil)
        #expect(book.rules.first?.hits == 2)
        #expect(book.rules.first?.exhausted == true)
    }

    @Test func nonMatchingRequestsAreNotCounted() throws {
        let book = FaultBook()
        _ = try Self.add(book, #"{"path":"/api/v1/events","method":"post","status":503,"count":1}"#)
        #expect(book.decide(method: "GET", path: "/api/v1/events") == nil)
        #expect(book.decide(method: "POST", path: "/api/v1/events/x") == nil)
        #expect(book.rules.first?.hits == 0)
        // Method match ignores case.
        #expect(book.decide(method: "POST", path: "/api/v1/events")?.status == 503)
        #expect(book.rules.first?.hits == 1)
    }

    @Test func firstLiveRuleWinsThenTheNext() throws {
        let book = FaultBook()
        _ = try Self.add(book, #"{"path":"/api/**","status":500,"count":1}"#)
        _ = try Self.add(book, #"{"path":"/api/v1/events","status":503}"#)
        #expect(book.decide(method: "GET", path: "/api/v1/events")?.status == 500)
        #expect(book.decide(method: "GET", path: "/api/v1/events")?.status == 503)
        #expect(book.decide(method: "GET", path: "/api/v1/events")?.status == 503)
        #expect(book.rules.map(\.hits) == [1, 2])
    }

    @Test func probabilityZeroAddsLatencyButNeverFails() throws {
        let book = FaultBook()
        _ = try Self.add(book, #"{"path":"/x","status":503,"latencyMs":40,"probability":0}"#)
        for _ in 0..<100 {
            let decision = book.decide(method: "GET", path: "/x")
            #expect(decision?.latencyMs == 40)
            #expect(decision?.status == nil)
        }
        #expect(book.rules.first?.hits == 100)
    }

    @Test func probabilityOneAlwaysFails() throws {
        let book = FaultBook()
        _ = try Self.add(book, #"{"path":"/x","status":502,"probability":1}"#)
        for _ in 0..<100 { #expect(book.decide(method: "GET", path: "/x")?.status == 502) }
    }

    @Test func probabilityHalfFailsAboutHalfTheTime() throws {
        let book = FaultBook()
        _ = try Self.add(book, #"{"path":"/x","status":503,"probability":0.5}"#)
        var failed = 0
        for _ in 0..<4000 where book.decide(method: "GET", path: "/x")?.status == 503 { failed += 1 }
        // Binomial(4000, 0.5): mean 2000, sd about 32; 1700...2300 is over 9 sd either way.
        #expect((1700...2300).contains(failed), "\(failed) of 4000")
        #expect(book.rules.first?.hits == 4000)
    }

    @Test func latencyOnlyRuleAnswersNormally() throws {
        let book = FaultBook()
        _ = try Self.add(book, #"{"path":"/x","latencyMs":120000}"#)
        let decision = book.decide(method: "DELETE", path: "/x")
        #expect(decision?.latencyMs == 120000)
        #expect(decision?.status == nil)
    }

    @Test func rulesEncodeAsJSON() throws {
        let book = FaultBook()
        _ = try Self.add(book, #"{"path":"/x","status":503,"count":2}"#)
        _ = book.decide(method: "GET", path: "/x")
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(book.rules)) as? [[String: Any]]
        let rule = try #require(json?.first)
        #expect(rule["id"] as? String == "fault_1")
        #expect(rule["hits"] as? Int == 1)
        #expect(rule["count"] as? Int == 2)
        #expect(rule["status"] as? Int == 503)
    }
}

@Suite struct RequestJournalTests {
    /// Recording into a full journal overwrites the oldest slot. The old journal shifted every entry
    /// down on each request once full: 400,000 requests into 200,000 slots were about 4·10^10 entry moves
    /// (never finishing); the ring does 400,000 writes. The time limit only turns a hang into a failure.
    @Test(.timeLimit(.minutes(1))) func recordingIntoAFullJournalIsConstantTime() {
        let capacity = 200_000
        let journal = RequestJournal(capacity: capacity)
        let time = Date(timeIntervalSince1970: 0)
        for index in 0..<(2 * capacity) {
            journal.record(.init(method: "GET", path: "/r/\(index)", query: "", status: 200, time: time))
        }
        let snapshot = journal.snapshot()
        #expect(snapshot.total == 2 * capacity)
        #expect(snapshot.entries.count == capacity)
        #expect(snapshot.entries.first?.path == "/r/\(capacity)")
        #expect(snapshot.entries.last?.path == "/r/\(2 * capacity - 1)")
    }

    @Test func wrapsInOrderAtEveryFillLevel() {
        for recorded in 0...7 {
            let journal = RequestJournal(capacity: 3)
            for index in 0..<recorded {
                journal.record(.init(method: "GET", path: "/\(index)", query: "", status: 200, time: Date(timeIntervalSince1970: 0)))
            }
            let expected = (max(0, recorded - 3)..<recorded).map { "/\($0)" }
            #expect(journal.snapshot().entries.map(\.path) == expected, "after \(recorded) requests")
        }
    }

    @Test func keepsTheLastEntriesAndCountsAll() {
        let journal = RequestJournal()
        let extra = 5
        for index in 0..<(RequestJournal.capacity + extra) {
            journal.record(.init(method: "GET", path: "/r/\(index)", query: "", status: 200, time: Date()))
        }
        let snapshot = journal.snapshot()
        #expect(snapshot.total == RequestJournal.capacity + extra)
        #expect(snapshot.entries.count == RequestJournal.capacity)
        #expect(snapshot.entries.first?.path == "/r/\(extra)")
        #expect(snapshot.entries.last?.path == "/r/\(RequestJournal.capacity + extra - 1)")
        journal.reset()
        #expect(journal.snapshot().total == 0)
        #expect(journal.snapshot().entries.isEmpty)
    }
}
