import Foundation
import StackClients
import Testing
import WireFormats

extension IntegrationTests {
    /// Each tool's rows and totals equal values computed from the ingested events; tenant B's
    /// events (one of which claims tenant A in its data) never appear in tenant A's answers.
    @Suite("Tool results")
    struct ToolResults {
        let fixture = CreditFixture()

        @Test("get_credit_usage_by_tenant: tenant A's total, range edges respected, B kept apart")
        func usageByTenant() async throws {
            let fixture = self.fixture
            try await StackUnderTest.with { stack in
                try await stack.control.ingest(fixture.events)
                let client = try await stack.adminClient(CreditFixture.tenantA)
                let answer = try await callOK(client, "get_credit_usage_by_tenant", fixture.rangeArguments)

                #expect(answer.header == ["tenant", "credits"])
                #expect(answer.rows == [[CreditFixture.tenantA, creditsText(fixture.expectedTotal)]], "\(answer.text)")
                let sheet = try await downloadSheet(stack, answer)
                #expect(sheet.rows.first == [.text("tenant"), .text("credits")])
                #expect(sheet.rows.count == 2)
                #expect(sheet.rows.dropFirst().first?.first == .text(CreditFixture.tenantA))
                #expect(sameCredits(sheet.rows.dropFirst().first?.last?.number, fixture.expectedTotal), "\(sheet.rows)")
                expectNoForeignData(answer.text, sheet: sheet, markers: fixture.foreignMarkers)

                // The same range seen by tenant B's administrator: B's events only.
                let clientB = try await stack.adminClient(CreditFixture.tenantB)
                let answerB = try await callOK(clientB, "get_credit_usage_by_tenant", fixture.rangeArguments)
                let totalB = CreditFixture.specsB.reduce(0) { $0 + $1.credits }
                #expect(answerB.rows == [[CreditFixture.tenantB, creditsText(totalB)]], "\(answerB.text)")
            }
        }

        @Test("get_credit_usage_summary: one row per user/module/product/tenant/skill, largest first, with the total")
        func usageSummary() async throws {
            let fixture = self.fixture
            try await StackUnderTest.with { stack in
                try await stack.control.ingest(fixture.events)
                let client = try await stack.adminClient(CreditFixture.tenantA)
                let answer = try await callOK(client, "get_credit_usage_summary", fixture.rangeArguments)

                let expected = fixture.expectedSummary
                #expect(answer.header == ["user", "module", "product", "tenant", "skill", "credits"])
                let expectedCells = expected.map { [$0.user, $0.module, $0.product, $0.tenant, $0.skill, creditsText($0.credits)] }
                #expect(answer.rows.sorted { $0.lexicographicallyPrecedes($1) } == expectedCells.sorted { $0.lexicographicallyPrecedes($1) }, "\(answer.text)")
                let shownCredits = answer.rows.compactMap { $0.last.flatMap(Double.init) }
                #expect(shownCredits == shownCredits.sorted(by: >), "rows are not largest first: \(shownCredits)")
                #expect(answer.proseMentions(number: creditsText(fixture.expectedTotal)), "no total \(creditsText(fixture.expectedTotal)) in:\n\(answer.text)")

                let sheet = try await downloadSheet(stack, answer)
                #expect(sheet.rows.first == ["user", "module", "product", "tenant", "skill", "credits"].map { .text($0) })
                let sheetRows = sheet.rows.dropFirst().map { row in
                    CreditFixture.SummaryRow(
                        user: row[0].text ?? "?", module: row[1].text ?? "?", product: row[2].text ?? "?",
                        tenant: row[3].text ?? "?", skill: row[4].text ?? "?", credits: row[5].number ?? .nan)
                }
                #expect(sheetRows.count == expected.count)
                for row in expected {
                    let match = sheetRows.first { $0.user == row.user && $0.module == row.module && $0.product == row.product && $0.tenant == row.tenant && $0.skill == row.skill }
                    #expect(sameCredits(match?.credits, row.credits), "workbook row for \(row) is \(String(describing: match))")
                }
                expectNoForeignData(answer.text, sheet: sheet, markers: fixture.foreignMarkers)
            }
        }

        @Test("get_credit_events: every event of tenant A in the range, newest first")
        func events() async throws {
            let fixture = self.fixture
            try await StackUnderTest.with { stack in
                try await stack.control.ingest(fixture.events)
                let client = try await stack.adminClient(CreditFixture.tenantA)
                let answer = try await callOK(client, "get_credit_events", fixture.rangeArguments)

                let expected = fixture.expectedEvents
                #expect(answer.header == ["time", "user", "module", "product", "tenant", "credits"])
                let expectedCells = expected.map { [RFC3339.format(seconds: $0.time), $0.user, $0.module, $0.product, $0.tenant, creditsText($0.credits)] }
                #expect(answer.rows == expectedCells, "\(answer.text)")
                #expect(answer.proseMentions(number: creditsText(fixture.expectedTotal)), "no total in:\n\(answer.text)")

                let sheet = try await downloadSheet(stack, answer)
                #expect(sheet.rows.first == ["time", "user", "module", "product", "tenant", "credits"].map { .text($0) })
                let body = Array(sheet.rows.dropFirst())
                #expect(body.count == expected.count)
                for (row, event) in zip(body, expected) {
                    #expect(row.count == 6)
                    guard row.count == 6 else { continue }
                    #expect(abs((row[0].number ?? 0) - excelSerial(event.time)) < 0.5 / 86400, "time cell \(row[0]) for \(RFC3339.format(seconds: event.time))")
                    #expect(Array(row[1...4]) == [.text(event.user), .text(event.module), .text(event.product), .text(event.tenant)])
                    #expect(sameCredits(row[5].number, event.credits), "credits cell \(row[5]) for \(event)")
                }
                expectNoForeignData(answer.text, sheet: sheet, markers: fixture.foreignMarkers)
            }
        }

        @Test("get_credit_events over 250 events older than 32 days is complete")
        func eventsBeyondOnePageAndThirtyTwoDays() async throws {
            let now = Int64(Date.now.timeIntervalSince1970) / 3600 * 3600
            let from = now - 61 * 86400, to = now - 34 * 86400
            var events: [IngestEvent] = []
            var expectedTotal = 0.0
            var expectedTimes: [Int64] = []
            for index in 0..<250 {
                // Spread over days 35..60 back, distinct times.
                let time = from + 86400 + Int64(index) * 8700
                let credits = Double(index % 9) * 0.25 + 0.5
                expectedTotal += credits
                expectedTimes.append(time)
                events.append(.credit(
                    id: "old-\(index)", subject: CreditFixture.tenantA, time: time, credits: credits,
                    user: "user-\(index % 5)", module: "chat", product: "assistant", skill: "summarize"))
            }
            for index in 0..<40 {
                events.append(.credit(
                    id: "old-b-\(index)", subject: CreditFixture.tenantB, time: from + 86400 + Int64(index) * 9000, credits: 13.25,
                    user: "zed-of-b", module: "chat", product: "assistant", skill: "summarize"))
            }
            #expect(expectedTimes.allSatisfy { $0 < now - 33 * 86400 && $0 < to })
            let events2 = events
            let arguments = ["from": RFC3339.format(seconds: from), "to": RFC3339.format(seconds: to)]
            try await StackUnderTest.with { stack in
                try await stack.control.ingest(events2)
                let client = try await stack.adminClient(CreditFixture.tenantA)
                let answer = try await callOK(client, "get_credit_events", arguments)

                #expect(answer.rows.count == 50, "the preview shows \(answer.rows.count) rows, PREVIEW_ROW_LIMIT is 50")
                #expect(answer.proseMentions(number: "250"), "the note does not say 250 rows:\n\(answer.prose.joined(separator: "\n"))")
                #expect(answer.text.contains("Excel"))
                #expect(answer.proseMentions(number: creditsText(expectedTotal)), "no total \(creditsText(expectedTotal))")
                let newest = expectedTimes.sorted(by: >).prefix(50).map { RFC3339.format(seconds: $0) }
                #expect(answer.rows.map { $0.first ?? "" } == Array(newest))

                let sheet = try await downloadSheet(stack, answer)
                let body = sheet.rows.dropFirst()
                #expect(body.count == 250, "the workbook has \(body.count) event rows")
                let sheetTotal = body.reduce(0.0) { $0 + ($1.last?.number ?? 0) }
                #expect(sameCredits(sheetTotal, expectedTotal))
                let sheetTimes = body.compactMap { $0.first?.number }.map { Int64((($0 - 25569) * 86400).rounded()) }
                #expect(sheetTimes == expectedTimes.sorted(by: >))
                expectNoForeignData(answer.text, sheet: sheet, markers: ["zed-of-b", "13.25"])
            }
        }

        @Test("A bad date is a tool error that names the parameter and shows an example")
        func badDate() async throws {
            try await StackUnderTest.with { stack in
                let client = try await stack.adminClient(CreditFixture.tenantA)
                for tool in ["get_credit_usage_by_tenant", "get_credit_usage_summary", "get_credit_events"] {
                    let bad = try await client.callTool(tool, stringArguments: ["from": "last tuesday"])
                    #expect(bad.isError, "\(tool): \(bad.text)")
                    #expect(bad.text.contains("from") && bad.text.contains("2026-"), "\(tool): \(bad.text)")
                    let reversed = try await client.callTool(tool, stringArguments: ["from": "2026-02-01", "to": "2026-01-01"])
                    #expect(reversed.isError, "\(tool): \(reversed.text)")
                }
            }
        }
    }
}
