import Logging
import MCP
import Testing
@testable import CreditsMCP

/// Sessions belong to their opener, and the caps hold however many `initialize`s race.
@Suite struct MCPSessionStoreTests {
    static func store(maximumSessions: Int = 1000, perTenant: Int = 100) -> MCPSessionStore {
        var logger = Logger(label: "session-store-tests")
        logger.logLevel = .critical
        return MCPSessionStore(maximumSessions: maximumSessions, maximumSessionsPerTenant: perTenant, logger: logger) {
            Server(name: "test", version: "1")
        }
    }

    /// Opens `attempts` sessions for `owner` at once; returns how many were admitted and the refusals.
    static func race(_ store: MCPSessionStore, _ owners: [SessionOwner]) async -> (opened: Int, refusals: [SessionRefusal]) {
        await withTaskGroup(of: SessionRefusal?.self) { group in
            for owner in owners {
                group.addTask {
                    do throws(SessionRefusal) {
                        _ = try await store.create(owner: owner)
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            var opened = 0
            var refusals: [SessionRefusal] = []
            for await refusal in group {
                if let refusal { refusals.append(refusal) } else { opened += 1 }
            }
            return (opened, refusals)
        }
    }

    @Test func theTenantCapHoldsUnderConcurrentInitialize() async {
        let store = Self.store(perTenant: 3)
        let acme = SessionOwner(tenant: "acme", user: nil)
        let (opened, refusals) = await Self.race(store, Array(repeating: acme, count: 40))
        #expect(opened == 3)
        #expect(await store.count(tenant: "acme") == 3)
        #expect(refusals.count == 37)
        #expect(refusals.allSatisfy { $0.kind == .tenantFull && $0.statusCode == 429 })
        #expect(refusals.first?.message.contains("at most 3") == true)
        // Another tenant is not locked out by acme's sessions.
        _ = try? await store.create(owner: SessionOwner(tenant: "globex", user: nil))
        #expect(await store.count(tenant: "globex") == 1)
        await store.removeAll()
    }

    @Test func theServerCapHoldsUnderConcurrentInitialize() async {
        let store = Self.store(maximumSessions: 5, perTenant: 100)
        let owners = (0..<30).map { SessionOwner(tenant: "tenant-\($0)", user: nil) }
        let (opened, refusals) = await Self.race(store, owners)
        #expect(opened == 5)
        #expect(await store.count == 5)
        #expect(refusals.allSatisfy { $0.kind == .serverFull && $0.statusCode == 503 })
        await store.removeAll()
    }

    @Test func aClosedSessionFreesItsSlot() async throws {
        let store = Self.store(perTenant: 1)
        let acme = SessionOwner(tenant: "acme", user: nil)
        _ = try await store.create(owner: acme)
        await #expect(throws: SessionRefusal.self) { _ = try await store.create(owner: acme) }
        await store.removeAll()
        _ = try await store.create(owner: acme)
        #expect(await store.count(tenant: "acme") == 1)
        await store.removeAll()
    }

    @Test func onlyTheOpenerFindsItsSession() async throws {
        let store = Self.store()
        let alice = SessionOwner(tenant: "acme", user: "alice")
        _ = try await store.create(owner: alice)
        let id = try #require(await store.sessionIDs.first)
        #expect(await store.lookup(id, owner: alice) != nil)
        #expect(await store.lookup(id, owner: SessionOwner(tenant: "globex", user: "alice")) == nil)
        #expect(await store.lookup(id, owner: SessionOwner(tenant: "acme", user: "bob")) == nil)
        #expect(await store.lookup(id, owner: SessionOwner(tenant: "acme", user: nil)) == nil)
        #expect(await store.lookup("0123456789abcdef0123456789abcdef", owner: alice) == nil)
        await store.removeAll()
    }
}

