import Foundation
import Testing
@testable import CreditsMCP

@Suite struct DownloadStoreTests {
    func makeStore(ttl: TimeInterval = 600) throws -> DownloadStore {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("credits-mcp-downloads-\(UUID().uuidString)")
        return try DownloadStore(directory: url, ttl: ttl)
    }

    func issue(_ store: DownloadStore, now: Date) throws -> Download {
        try store.store(tenant: "tenant-01", fileName: "credit usage/../x.xlsx", now: now) { url in
            try Data("xlsx".utf8).write(to: url)
        }
    }

    @Test func tokensAreLongRandomAndURLSafe() {
        let tokens = (0..<100).map { _ in DownloadStore.makeToken() }
        #expect(Set(tokens).count == 100)
        for token in tokens {
            #expect(token.utf8.count == 43)
            #expect(DownloadStore.isWellFormedToken(token))
        }
        #expect(DownloadStore.base64URL([0xFB, 0xFF, 0xBF]) == "-_-_")
        #expect(DownloadStore.base64URL([0x66, 0x6F]) == "Zm8")
    }

    @Test func lookupUntilExpiry() throws {
        let store = try makeStore(ttl: 600)
        defer { try? FileManager.default.removeItem(at: store.directory) }
        let issued = Date(timeIntervalSince1970: 1_768_471_200)
        let download = try issue(store, now: issued)
        #expect(download.tenant == "tenant-01")
        #expect(download.fileName == "credit-usage-..-x.xlsx")
        #expect(download.expiresAt == issued.addingTimeInterval(600))

        #expect(store.lookup(token: download.token, now: issued)?.fileURL == download.fileURL)
        #expect(store.lookup(token: download.token, now: issued.addingTimeInterval(599))?.fileName == download.fileName)
        #expect(store.lookup(token: download.token, now: issued.addingTimeInterval(600)) == nil)
        #expect(store.lookup(token: download.token, now: issued.addingTimeInterval(3600)) == nil)
    }

    @Test func unknownAndMalformedTokens() throws {
        let store = try makeStore()
        defer { try? FileManager.default.removeItem(at: store.directory) }
        let now = Date()
        let download = try issue(store, now: now)
        #expect(store.lookup(token: DownloadStore.makeToken(), now: now) == nil)
        #expect(store.lookup(token: "", now: now) == nil)
        #expect(store.lookup(token: download.token + "A", now: now) == nil)
        #expect(store.lookup(token: String(download.token.dropLast()), now: now) == nil)
        #expect(store.lookup(token: "../" + download.token.dropFirst(3), now: now) == nil)
        #expect(store.lookup(token: download.token + ".xlsx", now: now) == nil)
        #expect(store.lookup(token: download.token, now: now) != nil)
    }

    @Test func sweepRemovesExpiredFiles() throws {
        let store = try makeStore(ttl: 600)
        defer { try? FileManager.default.removeItem(at: store.directory) }
        let issued = Date()
        let old = try issue(store, now: issued)
        let fresh = try issue(store, now: issued.addingTimeInterval(500))
        #expect(store.count == 2)

        #expect(store.sweep(now: issued.addingTimeInterval(599)) == 0)
        #expect(FileManager.default.fileExists(atPath: old.fileURL.path))

        #expect(store.sweep(now: issued.addingTimeInterval(600)) == 1)
        #expect(!FileManager.default.fileExists(atPath: old.fileURL.path))
        #expect(FileManager.default.fileExists(atPath: fresh.fileURL.path))
        #expect(store.count == 1)
        #expect(store.lookup(token: old.token, now: issued) == nil)
        #expect(store.lookup(token: fresh.token, now: issued.addingTimeInterval(600)) != nil)
    }

    @Test func sweepRemovesOldOrphansButNotForeignFiles() throws {
        let store = try makeStore(ttl: 600)
        defer { try? FileManager.default.removeItem(at: store.directory) }
        let orphan = store.directory.appendingPathComponent(DownloadStore.makeToken() + ".xlsx")
        let temp = store.directory.appendingPathComponent("." + DownloadStore.makeToken() + ".xlsx.123.tmp")
        let foreign = store.directory.appendingPathComponent("notes.txt")
        for url in [orphan, temp, foreign] { try Data("x".utf8).write(to: url) }

        store.sweep(now: Date())  // too young to be removed
        #expect(FileManager.default.fileExists(atPath: orphan.path))
        store.sweep(now: Date().addingTimeInterval(601))
        #expect(!FileManager.default.fileExists(atPath: orphan.path))
        #expect(!FileManager.default.fileExists(atPath: temp.path))
        #expect(FileManager.default.fileExists(atPath: foreign.path))
    }

    @Test func failedWriteRegistersNothing() throws {
        struct Boom: Error {}
        let store = try makeStore()
        defer { try? FileManager.default.removeItem(at: store.directory) }
        #expect(throws: Boom.self) {
            _ = try store.store(tenant: "t", fileName: "f.xlsx") { url in
                try Data("partial".utf8).write(to: url)
                throw Boom()
            }
        }
        #expect(store.count == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.directory.path).isEmpty)
    }

    @Test func storesARealWorkbook() throws {
        let store = try makeStore()
        defer { try? FileManager.default.removeItem(at: store.directory) }
        let table = ReportTable(title: "get_credit_usage_by_tenant",
                                columns: [ReportColumn(name: "tenant", kind: .text), ReportColumn(name: "credits", kind: .credits)],
                                rows: [[.text("tenant-01"), .number(12.5)]])
        let download = try store.store(tenant: "tenant-01", fileName: "x.xlsx") { try XLSXWriter.write(table, to: $0) }
        let found = try #require(store.lookup(token: download.token))
        let data = try Data(contentsOf: found.fileURL)
        #expect(data.prefix(2) == Data("PK".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.directory.path) == [download.token + ".xlsx"])
    }

    @Test func fileNames() {
        #expect(DownloadStore.fileName(report: "credit-usage-summary", tenant: "tenant-01", from: 1_767_830_400, to: 1_768_435_200)
            == "credit-usage-summary-tenant-01-2026-01-08-to-2026-01-15.xlsx")
        #expect(DownloadStore.sanitizeFileName("../../etc/passwd") == "etc-passwd.xlsx")
        #expect(DownloadStore.sanitizeFileName("a\"b\r\nc;d.xlsx") == "a-b-c-d.xlsx")
        #expect(DownloadStore.sanitizeFileName("ünïcode") == "n-code.xlsx")
        #expect(DownloadStore.sanitizeFileName("///") == "report.xlsx")
        #expect(DownloadStore.sanitizeFileName(String(repeating: "a", count: 300)).utf8.count == 150)
    }

    @Test func sweeperStopsWhenCancelled() async throws {
        let store = try makeStore(ttl: 600)
        defer { try? FileManager.default.removeItem(at: store.directory) }
        let sweeper = DownloadSweeper(store: store, interval: .seconds(3600))
        let task = Task { try await sweeper.run() }
        task.cancel()
        try await task.value
    }
}

extension DownloadStoreTests {
    @Test func reservedFilesResolveOnlyOnceCommitted() throws {
        let store = try makeStore()
        defer { try? FileManager.default.removeItem(at: store.directory) }
        let reservation = store.reserve()
        #expect(DownloadStore.isWellFormedToken(reservation.token))
        #expect(reservation.fileURL.lastPathComponent == reservation.token + ".xlsx")
        try Data("xlsx".utf8).write(to: reservation.fileURL)
        #expect(store.lookup(token: reservation.token) == nil)
        let download = store.commit(reservation, tenant: "tenant-01", fileName: "a b.xlsx")
        #expect(download.fileName == "a-b.xlsx")
        #expect(store.lookup(token: reservation.token)?.fileURL == reservation.fileURL)

        let dropped = store.reserve()
        try Data("partial".utf8).write(to: dropped.fileURL)
        store.discard(dropped)
        #expect(!FileManager.default.fileExists(atPath: dropped.fileURL.path))
        #expect(store.lookup(token: dropped.token) == nil)
    }

    /// A long report is written for longer than a short TTL: the sweeper must not take its file meanwhile.
    @Test func sweepLeavesFilesBeingWritten() throws {
        let store = try makeStore(ttl: 1)
        defer { try? FileManager.default.removeItem(at: store.directory) }
        let reservation = store.reserve()
        let temporary = store.directory.appendingPathComponent(".\(reservation.token).xlsx.42.tmp")
        try Data("rows so far".utf8).write(to: temporary)
        store.sweep(now: Date().addingTimeInterval(3600))
        #expect(FileManager.default.fileExists(atPath: temporary.path))
        store.discard(reservation)
        store.sweep(now: Date().addingTimeInterval(3600))
        #expect(!FileManager.default.fileExists(atPath: temporary.path))
    }
}
