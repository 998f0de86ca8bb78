import Testing
@testable import CreditsMCP

/// The header rules of the contract ("credits-mcp"): the tenant only from `X-Tenant-Id`, admin only when one
/// trimmed entry of `X-User-Groups` is exactly `Administrators`, dev overrides only as the server passes them,
/// and in JWT mode only the internal headers the `/mcp` route sets after verifying the token.
@Suite struct CallerResolverTests {
    static let noTenant = "Access denied: the request names no tenant (the X-Tenant-Id header is missing or empty), so no data is shown."
    static let noHTTP = "Access denied: this call did not arrive over HTTP with tenant headers, so no data is shown."

    static func notAdmin(_ groups: String) -> String {
        "Access denied: AI-credit usage is for administrators only. Your groups (\(groups)) do not include Administrators."
    }

    /// A case-insensitive header lookup over `fields`, as the MCP transport offers it.
    static func lookup(_ fields: [String: String]) -> (String) -> String? {
        { name in fields.first { $0.key.lowercased() == name.lowercased() }?.value }
    }

    static func resolve(
        _ fields: [String: String], mode: AuthMode = .headers, devTenant: String? = nil, devGroups: String? = nil
    ) -> Result<Caller, AccessDenied> {
        let resolver = CallerResolver(mode: mode, devTenant: devTenant, devGroups: devGroups)
        do {
            return .success(try resolver.resolve(header: lookup(fields)))
        } catch {
            return .failure(error)
        }
    }

    static func denial(_ result: Result<Caller, AccessDenied>) -> String? {
        if case .failure(let denied) = result { return denied.message }
        return nil
    }

    static func caller(_ result: Result<Caller, AccessDenied>) -> Caller? {
        if case .success(let caller) = result { return caller }
        return nil
    }

    // MARK: tenant

    @Test func tenantAndAdminGroupResolve() {
        let result = Self.resolve(["X-Tenant-Id": "acme", "X-User-Groups": "Administrators"])
        #expect(Self.caller(result) == Caller(tenant: "acme", groups: ["Administrators"], user: nil))
    }

    @Test func headerNamesAreCaseInsensitive() {
        let result = Self.resolve(["x-tenant-id": "acme", "x-user-groups": "Administrators"])
        #expect(Self.caller(result)?.tenant == "acme")
    }

    @Test(arguments: [
        [:],                                                   // no tenant header at all
        ["X-User-Groups": "Administrators"],                   // groups but no tenant
        ["X-Tenant-Id": "", "X-User-Groups": "Administrators"],
        ["X-Tenant-Id": "   ", "X-User-Groups": "Administrators"],
        ["X-Tenant-Id": "\t\n ", "X-User-Groups": "Administrators"],
    ] as [[String: String]])
    func missingEmptyOrBlankTenantIsDenied(fields: [String: String]) {
        let result = Self.resolve(fields)
        #expect(Self.denial(result) == Self.noTenant, "\(fields)")
    }

    @Test func tenantIsTrimmedButOtherwiseKeptAsSent() {
        #expect(Self.caller(Self.resolve(["X-Tenant-Id": "  acme\t", "X-User-Groups": "Administrators"]))?.tenant == "acme")
        // Case and inner characters are the tenant's own: no folding.
        #expect(Self.caller(Self.resolve(["X-Tenant-Id": "Acme Corp", "X-User-Groups": "Administrators"]))?.tenant == "Acme Corp")
    }

    @Test func tenantIsCheckedBeforeGroups() {
        // Neither header: the tenant message, not the groups one.
        #expect(Self.denial(Self.resolve(["X-User-Groups": "Users"])) == Self.noTenant)
    }

    @Test func noHTTPContextIsDenied() {
        for mode in AuthMode.allCases {
            let resolver = CallerResolver(mode: mode, devTenant: "dev", devGroups: "Administrators")
            #expect(throws: AccessDenied(message: Self.noHTTP)) {
                try resolver.resolve(header: nil)
            }
        }
    }

    // MARK: groups

    @Test(arguments: [
        ("Administrators", ["Administrators"]),
        ("Users,Administrators", ["Users", "Administrators"]),
        ("Users, Administrators", ["Users", "Administrators"]),
        ("  Administrators  ", ["Administrators"]),
        ("Users ,\tAdministrators\t, Billing", ["Users", "Administrators", "Billing"]),
        (",,Administrators,,", ["Administrators"]),
        ("Administrators,Administrators", ["Administrators", "Administrators"]),
    ])
    func adminGroupAmongCommaSeparatedTrimmedEntries(groups: String, parsed: [String]) {
        let result = Self.resolve(["X-Tenant-Id": "acme", "X-User-Groups": groups])
        #expect(Self.caller(result) == Caller(tenant: "acme", groups: parsed, user: nil), "\(groups)")
    }

    @Test(arguments: [
        ("administrators", "administrators"),
        ("ADMINISTRATORS", "ADMINISTRATORS"),
        ("Administrator", "Administrator"),
        ("Administrators2", "Administrators2"),
        ("Admin", "Admin"),
        ("Admin istrators", "Admin istrators"),
        ("Administrators;Users", "Administrators;Users"),          // not comma separated: one entry
        ("Administrators Users", "Administrators Users"),
        ("\u{0410}dministrators", "\u{0410}dministrators"),        // Cyrillic capital A
        ("\u{FEFF}Administrators", "\u{FEFF}Administrators"),      // byte order mark
        ("\"Administrators\"", "\"Administrators\""),
        ("Users, Developers", "Users, Developers"),
    ])
    func lookAlikesAreRefused(groups: String, shown: String) {
        let result = Self.resolve(["X-Tenant-Id": "acme", "X-User-Groups": groups])
        #expect(Self.denial(result) == Self.notAdmin(shown), "\(groups)")
    }

    /// Trimming is for the spaces around comma-separated entries (HTTP's space and tab); characters that merely look
    /// like nothing or like a space make a different group name.
    @Test(arguments: ["Administrators\u{200B}", "\u{200B}Administrators", "Administrators\u{00A0}", "\u{3000}Administrators"])
    func invisibleOrNonASCIISpaceLookAlikesAreRefused(groups: String) {
        let result = Self.resolve(["X-Tenant-Id": "acme", "X-User-Groups": groups])
        #expect(Self.denial(result) != nil, "\(groups.unicodeScalars.map { String($0.value, radix: 16) })")
    }

    @Test(arguments: [
        [:],
        ["X-User-Groups": ""],
        ["X-User-Groups": " , ,"],
    ] as [[String: String]])
    func noGroupsIsDeniedAndSaysNone(groups: [String: String]) {
        var fields = groups
        fields["X-Tenant-Id"] = "acme"
        #expect(Self.denial(Self.resolve(fields)) == Self.notAdmin("none"), "\(groups)")
    }

    @Test func groupsParserSplitsTrimsAndDropsEmptyEntries() {
        #expect(CallerResolver.groups("") == [])
        #expect(CallerResolver.groups(" a ,b,, c\n") == ["a", "b", "c"])
        #expect(CallerResolver.groups("a;b") == ["a;b"])
    }

    // MARK: dev overrides

    @Test func devTenantReplacesTheHeader() {
        let result = Self.resolve(["X-Tenant-Id": "acme", "X-User-Groups": "Administrators"], devTenant: "dev-tenant")
        #expect(Self.caller(result)?.tenant == "dev-tenant")
    }

    @Test func devTenantStandsInForAMissingHeader() {
        let result = Self.resolve(["X-User-Groups": "Administrators"], devTenant: " dev-tenant ")
        #expect(Self.caller(result)?.tenant == "dev-tenant")
    }

    @Test func devGroupsReplaceTheHeaderBothWays() {
        // Dev groups grant admin although the header does not...
        let granted = Self.resolve(["X-Tenant-Id": "acme", "X-User-Groups": "Users"], devGroups: "Developers, Administrators")
        #expect(Self.caller(granted) == Caller(tenant: "acme", groups: ["Developers", "Administrators"], user: nil))
        // ...and refuse it although the header has it.
        let refused = Self.resolve(["X-Tenant-Id": "acme", "X-User-Groups": "Administrators"], devGroups: "Users")
        #expect(Self.denial(refused) == Self.notAdmin("Users"))
    }

    @Test func devOverridesAloneNeedNoHeaders() {
        let result = Self.resolve([:], devTenant: "dev-tenant", devGroups: "Administrators")
        #expect(Self.caller(result) == Caller(tenant: "dev-tenant", groups: ["Administrators"], user: nil))
    }

    @Test func onlyTheOverridesPassedApply() {
        // A dev tenant alone leaves the groups to the header.
        let tenantOnly = Self.resolve(["X-Tenant-Id": "acme", "X-User-Groups": "Users"], devTenant: "dev-tenant")
        #expect(Self.denial(tenantOnly) == Self.notAdmin("Users"))
        // Dev groups alone leave the tenant to the header.
        let groupsOnly = Self.resolve(["X-User-Groups": "Users"], devGroups: "Administrators")
        #expect(Self.denial(groupsOnly) == Self.noTenant)
    }

    @Test func configurationPassesOverridesOnlyInDevelopment() {
        var configuration = CreditsMCPConfiguration(openMeterAPIKey: "key")
        configuration.devTenantID = "dev-tenant"
        configuration.devUserGroups = "Administrators"
        configuration.development = false
        #expect(configuration.activeDevOverrides.tenant == nil)
        #expect(configuration.activeDevOverrides.groups == nil)
        configuration.development = true
        #expect(configuration.activeDevOverrides.tenant == "dev-tenant")
        #expect(configuration.activeDevOverrides.groups == "Administrators")
    }

    // MARK: JWT mode

    static func verifiedHeader(tenant: String = "tenant-from-token", user: String = "user-7", groups: [String]) -> [String: String] {
        [VerifiedIdentity.header: VerifiedIdentity(tenant: tenant, user: user, groups: groups).headerValue]
    }

    static let verified = verifiedHeader(groups: ["Users", "Administrators"])

    @Test func jwtModeReadsTheVerifiedIdentity() {
        let result = Self.resolve(Self.verified, mode: .jwt)
        #expect(Self.caller(result) == Caller(tenant: "tenant-from-token", groups: ["Users", "Administrators"], user: "user-7"))
    }

    /// One group whose name contains a comma is one group: splitting it would let
    /// `Readers,Administrators` pass the admin check.
    @Test func jwtModeKeepsGroupsAsTheTokenListsThem() {
        let smuggled = Self.resolve(Self.verifiedHeader(groups: ["Readers,Administrators"]), mode: .jwt)
        #expect(Self.denial(smuggled) == Self.notAdmin("Readers,Administrators"))
        let admin = Self.resolve(Self.verifiedHeader(groups: ["Administrators"]), mode: .jwt)
        #expect(Self.caller(admin)?.groups == ["Administrators"])
    }

    @Test func jwtModeIgnoresForwardedTenantAndGroups() {
        var fields = Self.verified
        fields["X-Tenant-Id"] = "other-tenant"
        fields["X-User-Groups"] = "Users"
        let result = Self.resolve(fields, mode: .jwt)
        #expect(Self.caller(result) == Caller(tenant: "tenant-from-token", groups: ["Users", "Administrators"], user: "user-7"))
    }

    @Test func jwtModeWithoutVerifiedIdentityIsDeniedWhateverIsForwarded() {
        let result = Self.resolve(["X-Tenant-Id": "acme", "X-User-Groups": "Administrators"], mode: .jwt)
        #expect(Self.denial(result)?.contains("no verified TAIS token") == true)
        let garbled = Self.resolve([VerifiedIdentity.header: "tenant=acme; groups=Administrators"], mode: .jwt)
        #expect(Self.denial(garbled)?.contains("no verified TAIS token") == true)
    }

    @Test func jwtModeTakesGroupsOnlyFromTheToken() {
        var fields = Self.verifiedHeader(groups: ["Users"])
        fields["X-User-Groups"] = "Administrators"
        #expect(Self.denial(Self.resolve(fields, mode: .jwt)) == Self.notAdmin("Users"))
        var noGroups = Self.verifiedHeader(groups: [])
        noGroups["X-User-Groups"] = "Administrators"
        #expect(Self.denial(Self.resolve(noGroups, mode: .jwt)) == Self.notAdmin("none"))
    }

    @Test func headersModeIgnoresTheVerifiedIdentityAndHasNoUser() {
        // A client cannot smuggle the internal header in headers mode (nor in JWT mode: the route strips it).
        let result = Self.resolve(Self.verified)
        #expect(Self.denial(result) == Self.noTenant)
        var fields = Self.verified
        fields["X-Tenant-Id"] = "acme"
        fields["X-User-Groups"] = "Administrators"
        #expect(Self.caller(Self.resolve(fields)) == Caller(tenant: "acme", groups: ["Administrators"], user: nil))
    }
}
