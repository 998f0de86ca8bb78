import Foundation
import StackClients
import Testing
import WireFormats

extension IntegrationTests {
    /// `GET /download/<token>`: the report as .xlsx while the token lives, 404 after, 404 for anything else.
    @Suite("Downloads")
    struct Downloads {
        @Test("The download link serves an .xlsx attachment")
        func servesWorkbook() async throws {
            let fixture = CreditFixture()
            try await StackUnderTest.with { stack in
                try await stack.control.ingest(fixture.events)
                let client = try await stack.adminClient(CreditFixture.tenantA)
                let answer = try await callOK(client, "get_credit_usage_summary", fixture.rangeArguments)
                let link = try #require(answer.downloadLink, "no link in \(answer.text)")
                #expect(answer.text.contains("[Download Excel]("), "\(answer.text)")

                let reply = try await stack.fetch(downloadLink: link)
                #expect(reply.status == 200)
                #expect(Array(reply.body.prefix(4)) == [0x50, 0x4B, 0x03, 0x04], "not a zip (PK\\3\\4): \(reply.body.prefix(8))")
                #expect(reply.header("Content-Type") == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                let disposition = try #require(reply.header("Content-Disposition"), "no Content-Disposition")
                #expect(disposition.lowercased().hasPrefix("attachment"), "\(disposition)")
                let fileName = try #require(Self.fileName(disposition), "no filename in \(disposition)")
                #expect(fileName.hasSuffix(".xlsx") && fileName.count > 5, "\(fileName)")
                #expect(!fileName.contains("/") && !fileName.contains("\\"), "\(fileName)")

                let sheet = try XLSXSheet.read(reply.body)
                #expect(sheet.rows.count == fixture.expectedSummary.count + 1)

                // Still valid on a second fetch within its lifetime.
                #expect(try await stack.fetch(downloadLink: link).status == 200)
            }
        }

        @Test("A download larger than one 64 KiB chunk comes back byte for byte as written, with every event")
        func largeDownloadIsByteIdentical() async throws {
            let now = Int64(Date.now.timeIntervalSince1970) / 3600 * 3600
            let from = now - 3 * 86400, to = now - 86400
            let count = 12_000
            var events: [IngestEvent] = []
            var total = 0.0
            for index in 0..<count {
                let credits = Double(index % 23) * 0.25 + 0.05
                total += credits
                events.append(.credit(
                    id: "big-\(index)", subject: CreditFixture.tenantA, time: from + 1 + Int64(index) * 14, credits: credits,
                    user: "user-\(index % 31)@tenant-a.example", module: ["chat", "search", "image"][index % 3],
                    product: "assistant", skill: "drafting"))
            }
            let batches = stride(from: 0, to: events.count, by: 4_000).map { Array(events[$0..<min($0 + 4_000, events.count)]) }
            let expectedTotal = total
            try await StackUnderTest.with { stack in
                for batch in batches { try await stack.control.ingest(batch) }
                let client = try await stack.adminClient(CreditFixture.tenantA)
                let answer = try await callOK(client, "get_credit_events", ["from": RFC3339.format(seconds: from), "to": RFC3339.format(seconds: to)])
                #expect(answer.rows.count == 50)
                #expect(answer.proseMentions(number: "\(count)"), "\(answer.prose)")
                #expect(answer.proseMentions(number: creditsText(expectedTotal)), "no total \(creditsText(expectedTotal)) in \(answer.prose)")

                let link = try #require(answer.downloadLink)
                let token = String(link[link.index(after: try #require(link.lastIndex(of: "/")))...])
                let onDisk = try Data(contentsOf: stack.downloadDirectory.appendingPathComponent(token + ".xlsx"))
                #expect(onDisk.count > 64 * 1024, "the workbook is only \(onDisk.count) bytes: not larger than one chunk")
                let reply = try await stack.fetch(downloadLink: link)
                #expect(reply.status == 200)
                #expect(reply.header("Content-Length") == "\(onDisk.count)")
                #expect(reply.body == Array(onDisk), "served \(reply.body.count) bytes, the file has \(onDisk.count)")

                let sheet = try XLSXSheet.read(reply.body)
                #expect(sheet.rows.count == count + 1)
                let times = sheet.rows.dropFirst().compactMap { $0.first?.number }.map { Int64((($0 - 25569) * 86400).rounded()) }
                #expect(times == events.map(\.time).sorted(by: >), "the workbook is not every event newest first")
                #expect(sameCredits(sheet.rows.dropFirst().reduce(0.0) { $0 + ($1.last?.number ?? 0) }, expectedTotal))
            }
        }

        @Test("A link expires after DOWNLOAD_TTL_SECONDS and its file is swept from disk")
        func expires() async throws {
            let fixture = CreditFixture()
            var options = StackUnderTest.Options()
            // 3 s: long enough that a busy machine still fetches the fresh link before it expires.
            options.mcpEnvironment["DOWNLOAD_TTL_SECONDS"] = "3"
            try await StackUnderTest.with(options) { stack in
                try await stack.control.ingest(fixture.events)
                let client = try await stack.adminClient(CreditFixture.tenantA)
                let issued = ContinuousClock.now
                let answer = try await callOK(client, "get_credit_usage_by_tenant", fixture.rangeArguments)
                let link = try #require(answer.downloadLink)
                let first = try await stack.fetch(downloadLink: link)
                #expect(first.status == 200, "a fresh link answered \(first.status)")
                #expect(try Self.workbookFiles(in: stack.downloadDirectory).count == 1)

                var goneAt: ContinuousClock.Instant?
                let expired = try await waitUntil(timeout: .seconds(10)) {
                    let status = try await stack.fetch(downloadLink: link).status
                    if status == 404 { goneAt = .now }
                    return status == 404
                }
                #expect(expired, "the link still serves 10 s after a 3 s TTL")
                if let goneAt {
                    #expect(goneAt - issued >= .milliseconds(2900), "expired after \(goneAt - issued), before its 3 s TTL")
                }
                let swept = try await waitUntil(timeout: .seconds(10)) {
                    try Self.workbookFiles(in: stack.downloadDirectory).isEmpty
                }
                let remaining = try Self.workbookFiles(in: stack.downloadDirectory)
                #expect(swept, "expired files remain: \(remaining)")
            }
        }

        @Test("Anything but a live token is 404")
        func bogusTokens() async throws {
            let fixture = CreditFixture()
            try await StackUnderTest.with { stack in
                try await stack.control.ingest(fixture.events)
                let client = try await stack.adminClient(CreditFixture.tenantA)
                let answer = try await callOK(client, "get_credit_usage_by_tenant", fixture.rangeArguments)
                let link = try #require(answer.downloadLink)
                let token = String(link[link.index(after: try #require(link.lastIndex(of: "/")))...])
                #expect(token.count >= 22, "token \(token) is too short for 128 random bits")

                var altered = Array(token)
                altered[altered.count - 1] = altered[altered.count - 1] == "A" ? "B" : "A"
                let candidates = [
                    String(altered),
                    String(repeating: "A", count: token.count),
                    String(token.dropLast()),
                    token + "A",
                    "abc",
                    "..%2F..%2F..%2Fetc%2Fpasswd",
                    token.uppercased() == token ? token.lowercased() : token.uppercased(),
                ]
                for candidate in candidates where candidate != token {
                    let reply = try await stack.http.get(stack.mcp.baseURL + "/download/" + candidate)
                    #expect(reply.status == 404, "/download/\(candidate) answered \(reply.status)")
                    #expect(Array(reply.body.prefix(2)) != [0x50, 0x4B], "/download/\(candidate) served a file")
                }
                #expect(try await stack.fetch(downloadLink: link).status == 200, "the real token stopped working")
            }
        }

        @Test("Without PUBLIC_BASE_URL the link points at the port credits-mcp listens on")
        func linkUsesBoundPort() async throws {
            try await StackUnderTest.with { stack in
                let client = try await stack.adminClient(CreditFixture.tenantA)
                let answer = try await callOK(client, "get_credit_usage_by_tenant", [:])
                let link = try #require(answer.downloadLink)
                let accepted = ["http://localhost:\(stack.mcp.port)/download/", "http://127.0.0.1:\(stack.mcp.port)/download/"]
                #expect(accepted.contains { link.hasPrefix($0) }, "started with --port 0, listening on \(stack.mcp.port), the link is \(link)")
            }
        }

        @Test("With PUBLIC_BASE_URL the link starts with it")
        func linkUsesPublicBaseURL() async throws {
            var options = StackUnderTest.Options()
            options.mcpEnvironment["PUBLIC_BASE_URL"] = "https://credits.example.test/base"
            try await StackUnderTest.with(options) { stack in
                let client = try await stack.adminClient(CreditFixture.tenantA)
                let answer = try await callOK(client, "get_credit_usage_by_tenant", [:])
                let link = try #require(answer.downloadLink)
                #expect(link.hasPrefix("https://credits.example.test/base/download/"), "\(link)")
                #expect(try await stack.fetch(downloadLink: link).status == 200)
            }
        }

        /// `filename="x.xlsx"` or `filename=x.xlsx` of a Content-Disposition value.
        static func fileName(_ disposition: String) -> String? {
            guard let range = disposition.range(of: "filename=") else { return nil }
            var value = disposition[range.upperBound...]
            if let end = value.firstIndex(of: ";") { value = value[..<end] }
            return value.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        }

        static func workbookFiles(in directory: URL) throws -> [String] {
            guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
            return try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".xlsx") }
        }
    }
}
