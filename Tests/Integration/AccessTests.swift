import Foundation
import StackClients
import Testing

extension IntegrationTests {
    /// Scoping by the forwarded headers: without a tenant, or without the Administrators group,
    /// every tool answers a tool error with no data and credits-mcp never calls OpenMeter.
    @Suite("Access rules")
    struct Access {
        enum Denied: String, CaseIterable, Sendable, CustomTestStringConvertible {
            case noTenantHeader, emptyTenantHeader, blankTenantHeader, nonAdminGroups, adminLookalikeGroup, noGroupsHeader

            var tenant: String? {
                switch self {
                case .noTenantHeader: nil
                case .emptyTenantHeader: ""
                case .blankTenantHeader: "   "
                default: CreditFixture.tenantA
                }
            }

            var groups: String? {
                switch self {
                case .nonAdminGroups: "Users, Developers"
                case .adminLookalikeGroup: "Administrators-Readonly,NotAdministrators"
                case .noGroupsHeader: nil
                default: "Administrators"
                }
            }

            var testDescription: String {
                "X-Tenant-Id \(tenant.map { "\"\($0)\"" } ?? "absent"), X-User-Groups \(groups.map { "\"\($0)\"" } ?? "absent")"
            }
        }

        static let tools = ["get_credit_usage_by_tenant", "get_credit_usage_summary", "get_credit_events"]

        @Test("Refused callers get a tool error and OpenMeter is not called", arguments: Denied.allCases)
        func refused(_ caller: Denied) async throws {
            let fixture = CreditFixture()
            try await StackUnderTest.with { stack in
                try await stack.control.ingest(fixture.events)
                let client = try await stack.client(tenant: caller.tenant, groups: caller.groups)
                try await stack.control.clearRequests()

                for tool in Self.tools {
                    let result = try await client.callTool(tool, stringArguments: fixture.rangeArguments)
                    #expect(result.isError, "\(tool) answered without error: \(result.text)")
                    #expect(!result.text.isEmpty, "\(tool): an error must say why")
                    #expect(!result.text.contains("/download/"), "\(tool) offered a download: \(result.text)")
                    for marker in ["alice", "bob", creditsText(fixture.expectedTotal)] {
                        #expect(!result.text.contains(marker), "\(tool) shows \(marker): \(result.text)")
                    }
                }
                let journal = try await stack.control.requests()
                #expect(journal.total == 0, "credits-mcp called OpenMeter for a refused caller: \(journal.entries.map { "\($0.method) \($0.path)?\($0.query)" })")

                // Control: an administrator of tenant A (its own session: sessions belong to the tenant
                // that opened them) does reach OpenMeter, scoped to tenant A, so the empty journal above
                // means something.
                let admin = try await stack.client(tenant: CreditFixture.tenantA, groups: "Users")
                let allowed = try await admin.callTool(
                    "get_credit_usage_by_tenant", stringArguments: fixture.rangeArguments,
                    headers: [StackUnderTest.tenantHeader: CreditFixture.tenantA, StackUnderTest.groupsHeader: " Users , Administrators "])
                #expect(!allowed.isError, "\(allowed.text)")
                let after = try await stack.control.requests()
                #expect(after.total >= 1)
                for entry in after.entries {
                    let query = entry.query.removingPercentEncoding ?? entry.query
                    #expect(query.contains(CreditFixture.tenantA) && !query.contains(CreditFixture.tenantB), "\(entry.path)?\(query)")
                }
            }
        }
    }
}
