import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import StackClients
import Testing
@testable import FakeTAIS

/// The Settings → Billing page: login link, cookie session, CSRF, figures, banners and escaping.
@Suite struct BillingPageTests {
    /// The two cookies `/login` set, as a browser would send them back.
    struct Browser {
        var session: String
        var csrf: String
        var cookie: String { "tais_session=\(session); tais_csrf=\(csrf)" }
    }

    // MARK: Helpers

    func get(_ t: TAISTestClient, _ uri: String, cookie: String? = nil) async throws -> TAISReply {
        var headers: HTTPFields = [:]
        if let cookie { headers[.cookie] = cookie }
        return try await t.send(.get, uri, headers: headers)
    }

    func postForm(_ t: TAISTestClient, _ uri: String, form: String, cookie: String?) async throws -> TAISReply {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let cookie { headers[.cookie] = cookie }
        let response = try await t.client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: form))
        return TAISReply(status: response.status, headers: response.headers, text: String(buffer: response.body))
    }

    func setCookies(_ reply: TAISReply) -> [String] {
        reply.headers[values: .setCookie]
    }

    /// Logs in with `token` and returns the cookies the login set.
    func login(_ t: TAISTestClient, _ token: String) async throws -> Browser {
        let reply = try await get(t, "/login?token=\(token)&next=/settings/billing")
        #expect(reply.status == .seeOther, "\(reply.text)")
        let cookies = setCookies(reply)
        func value(_ name: String) -> String {
            let line = cookies.first { $0.hasPrefix(name + "=") } ?? ""
            return String(line.dropFirst(name.count + 1).prefix { $0 != ";" })
        }
        return Browser(session: value("tais_session"), csrf: value("tais_csrf"))
    }

    func browser(_ t: TAISTestClient, tenant: String = "acme", roles: [String]? = nil) async throws -> Browser {
        try await login(t, try t.token(tenant: tenant, roles: roles))
    }

    /// The text inside the element with `id` (up to its first child tag or end tag).
    func element(_ html: String, _ id: String) -> String? {
        guard let start = html.range(of: "id=\"\(id)\"") else { return nil }
        guard let close = html[start.upperBound...].firstIndex(of: ">") else { return nil }
        let rest = html[html.index(after: close)...]
        return String(rest.prefix { $0 != "<" })
    }

    /// The opening tag of the element with `id`.
    func tag(_ html: String, _ id: String) -> String? {
        guard let idRange = html.range(of: "id=\"\(id)\""),
              let open = html[..<idRange.lowerBound].lastIndex(of: "<"),
              let close = html[idRange.upperBound...].firstIndex(of: ">")
        else { return nil }
        return String(html[open...close])
    }

    func expectHTML(_ reply: TAISReply, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(reply.headers[.contentType] == "text/html; charset=utf-8", sourceLocation: sourceLocation)
        #expect(reply.headers[.cacheControl] == "no-store", sourceLocation: sourceLocation)
    }

    // MARK: Login

    @Test func loginSetsBothCookiesAndRedirects() async throws {
        try await withTAIS { t in
            let minted = try await t.send(.post, "/_fake/tokens", body: #"{"tenant":"acme","user":"ada","ttlSeconds":1800}"#)
            let token = try #require(minted.json["token"] as? String)
            let reply = try await get(t, "/login?token=\(token)&next=/settings/billing")
            #expect(reply.status == .seeOther)
            #expect(reply.headers[.location] == "/settings/billing")
            #expect(reply.headers[.cacheControl] == "no-store")
            let cookies = setCookies(reply)
            #expect(cookies.count == 2)
            #expect(cookies.contains("tais_session=\(token); Path=/; Max-Age=1800; HttpOnly; SameSite=Lax"))
            let csrf = try #require(cookies.first { $0.hasPrefix("tais_csrf=") })
            let value = String(csrf.dropFirst("tais_csrf=".count).prefix { $0 != ";" })
            #expect(value.count == 64 && value.allSatisfy(\.isHexDigit))
            #expect(csrf.contains("; Path=/") && csrf.contains("; SameSite=Strict"))
            // A second login mints another CSRF token.
            #expect(try await login(t, token).csrf != value)
            // The request journal keeps the login but not its token.
            let journal = try await t.send(.get, "/_fake/requests?path=/login")
            #expect(journal.text.contains("/login") && journal.text.contains("(withheld)") && !journal.text.contains(token))
        }
    }

    @Test func loginKeepsALocalNextAndRefusesOpenRedirects() async throws {
        try await withTAIS { t in
            let token = try t.token()
            let local = try await get(t, "/login?token=\(token)&next=%2Fsettings%2Fbilling%3Fcheckout%3Dcancelled")
            #expect(local.headers[.location] == "/settings/billing?checkout=cancelled")
            for next in [
                "https://evil.example/", "//evil.example/x", "%2F%2Fevil.example", "/%5Cevil.example", "%5C%5Cevil.example",
                "javascript:alert(1)", "evil.example", "", "/a%0D%0ASet-Cookie:x=1", "%20/settings",
            ] {
                let reply = try await get(t, "/login?token=\(token)&next=\(next)")
                #expect(reply.status == .seeOther, "\(next)")
                #expect(reply.headers[.location] == "/settings/billing", "\(next)")
            }
            let none = try await get(t, "/login?token=\(token)")
            #expect(none.headers[.location] == "/settings/billing")
        }
    }

    @Test func loginWithABadTokenIs401SayingWhy() async throws {
        try await withTAIS { t in
            let missing = try await get(t, "/login?next=/settings/billing")
            #expect(missing.status == .unauthorized)
            expectHTML(missing)
            #expect(missing.text.contains("no token"))
            #expect(setCookies(missing).isEmpty)

            let semicolon = try await get(t, "/login?token=\(try t.token())%3B%20Path%3D%2Fx")
            #expect(semicolon.status == .unauthorized)
            #expect(setCookies(semicolon).isEmpty)

            let garbage = try await get(t, "/login?token=not.a.jwt")
            #expect(garbage.status == .unauthorized)
            #expect(garbage.text.contains("malformed token"))

            let short = try t.token(ttl: 60)
            t.clock.advance(by: 3600)
            let expired = try await get(t, "/login?token=\(short)")
            #expect(expired.status == .unauthorized)
            #expect(expired.text.contains("token expired"))
            #expect(setCookies(expired).isEmpty)
        }
    }

    // MARK: The page

    @Test func pageShowsTheFiguresAfterAGrant() async throws {
        try await withTAIS { t in
            try await t.grant("acme", 1050)
            let browser = try await browser(t)
            let reply = try await get(t, "/settings/billing", cookie: browser.cookie)
            #expect(reply.status == .ok)
            expectHTML(reply)
            let html = reply.text
            #expect(element(html, "balance-credits") == "1050")
            #expect(element(html, "purchased-credits") == "0")
            #expect(element(html, "used-credits") == "0")
            #expect(element(html, "granted-credits") == "1050")
            #expect(element(html, "hosted-servers") == "0 / 10")
            #expect(element(html, "plan") == "team")
            let amount = try #require(tag(html, "buy-amount"))
            #expect(amount.contains(#"name="amountUsd""#) && amount.contains(#"value="50""#))
            #expect(amount.contains(#"min="5""#) && amount.contains(#"max="10000""#))
            #expect(tag(html, "buy-button") != nil)
            #expect(html.contains(#"<input type="hidden" name="csrf" value="\#(browser.csrf)">"#))
            #expect(html.contains(#"action="/settings/billing/buy""#))
            #expect(tag(html, "purchases-table") != nil && tag(html, "usage-table") != nil)
            // No placeholder rows: a browser test counts `tbody tr` as entries.
            #expect(!html.contains("<tbody>\n<tr"))
            #expect(tag(html, "checkout-banner") == nil)
            // The browser already has a CSRF cookie: none is set again.
            #expect(setCookies(reply).isEmpty)
        }
    }

    @Test func buyBoundsComeFromTheConfiguration() async throws {
        try await withTAIS(configure: { $0.topUpMinUSD = 100; $0.topUpMaxUSD = 500 }) { t in
            let reply = try await get(t, "/settings/billing", cookie: try await browser(t).cookie)
            let amount = try #require(tag(reply.text, "buy-amount"))
            #expect(amount.contains(#"min="100""#) && amount.contains(#"max="500""#) && amount.contains(#"value="100""#))
        }
    }

    @Test func withoutAValidSessionCookieThePageIs401() async throws {
        try await withTAIS { t in
            let none = try await get(t, "/settings/billing")
            #expect(none.status == .unauthorized)
            expectHTML(none)
            #expect(none.text.contains("stackctl") && none.text.contains("/login?token="))
            #expect(element(none.text, "balance-credits") == nil)

            let forged = try await get(t, "/settings/billing", cookie: "tais_session=abc.def.ghi")
            #expect(forged.status == .unauthorized)
            #expect(forged.text.contains("malformed token"))
            #expect(setCookies(forged).contains { $0.hasPrefix("tais_session=;") && $0.contains("Max-Age=0") })

            let browser = try await login(t, try t.token(ttl: 60))
            t.clock.advance(by: 3600)
            let expired = try await get(t, "/settings/billing", cookie: browser.cookie)
            #expect(expired.status == .unauthorized)
            #expect(expired.text.contains("token expired"))
        }
    }

    @Test func aMissingCSRFCookieIsMintedByThePage() async throws {
        try await withTAIS { t in
            let browser = try await browser(t)
            let reply = try await get(t, "/settings/billing", cookie: "tais_session=\(browser.session)")
            #expect(reply.status == .ok)
            let csrf = try #require(setCookies(reply).first { $0.hasPrefix("tais_csrf=") })
            let value = String(csrf.dropFirst("tais_csrf=".count).prefix { $0 != ";" })
            #expect(reply.text.contains(#"name="csrf" value="\#(value)""#))
        }
    }

    @Test func developerSeesFiguresButNoBuyForm() async throws {
        try await withTopUps { t, stripe in
            try await t.grant("acme", 20)
            let browser = try await browser(t, roles: ["Developer"])
            let reply = try await get(t, "/settings/billing", cookie: browser.cookie)
            #expect(reply.status == .ok)
            #expect(element(reply.text, "balance-credits") == "20")
            #expect(tag(reply.text, "buy-button") == nil && tag(reply.text, "buy-amount") == nil)
            #expect(reply.text.contains("Only an Owner or Admin can buy credits."))

            // Posting the form anyway is refused by the top-up service, shown on the page.
            let buy = try await postForm(t, "/settings/billing/buy", form: "amountUsd=50&csrf=\(browser.csrf)", cookie: browser.cookie)
            #expect(buy.status == .forbidden)
            expectHTML(buy)
            #expect(element(buy.text, "buy-error") == "only an Owner or Admin may buy AI credits")
            #expect(tag(buy.text, "buy-button") == nil)
            #expect(stripe.forms.isEmpty)
        }
    }

    @Test func callerWithoutABillingRoleSeesANoteAndNoFigures() async throws {
        try await withTopUps { t, stripe in
            try await t.grant("acme", 20)
            let browser = try await browser(t, roles: [])
            let buy = try await postForm(t, "/settings/billing/buy", form: "amountUsd=50&csrf=\(browser.csrf)", cookie: browser.cookie)
            #expect(buy.status == .forbidden)
            #expect(element(buy.text, "buy-error") == "only an Owner or Admin may buy AI credits")
            #expect(stripe.forms.isEmpty)
            let reply = try await get(t, "/settings/billing", cookie: browser.cookie)
            #expect(reply.status == .ok)
            #expect(tag(reply.text, "no-billing-role") != nil)
            for id in ["balance-credits", "purchased-credits", "used-credits", "hosted-servers", "buy-button", "purchases-table", "usage-table"] {
                #expect(tag(reply.text, id) == nil, "\(id)")
            }
        }
    }

    // MARK: Buying

    @Test func buyWithoutOrWithAWrongCSRFTokenIs403() async throws {
        try await withTopUps { t, stripe in
            let browser = try await browser(t)
            for (form, cookie) in [
                ("amountUsd=50", browser.cookie),
                ("amountUsd=50&csrf=", browser.cookie),
                ("amountUsd=50&csrf=\(String(repeating: "0", count: 64))", browser.cookie),
                ("amountUsd=50&csrf=\(browser.csrf)", "tais_session=\(browser.session)"),
            ] {
                let reply = try await postForm(t, "/settings/billing/buy", form: form, cookie: cookie)
                #expect(reply.status == .forbidden, "\(form) \(cookie)")
                expectHTML(reply)
            }
            #expect(stripe.forms.isEmpty)
            let unauthenticated = try await postForm(t, "/settings/billing/buy", form: "amountUsd=50&csrf=\(browser.csrf)", cookie: "tais_csrf=\(browser.csrf)")
            #expect(unauthenticated.status == .unauthorized)
        }
    }

    @Test func buyRedirectsToStripesPayPage() async throws {
        try await withTopUps { t, stripe in
            let browser = try await browser(t)
            let reply = try await postForm(t, "/settings/billing/buy", form: "amountUsd=25&csrf=\(browser.csrf)", cookie: browser.cookie)
            #expect(reply.status == .seeOther, "\(reply.text)")
            let location = try #require(reply.headers[.location])
            #expect(location.hasPrefix("http://stripe.test/c/pay/cs_test_"))
            let form = try #require(stripe.forms.first)
            #expect(form["line_items[0][price_data][unit_amount]"] == "2500")
            #expect(form["success_url"] == "http://127.0.0.1:5001/settings/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}")
        }
    }

    @Test func invalidAmountsAndStripeFailuresShowThePageAgain() async throws {
        try await withTopUps { t, stripe in
            let browser = try await browser(t)
            for (amount, message) in [("abc", "Enter a whole number"), ("12.5", "Enter a whole number"), ("", "Enter a whole number"), ("4", "between 5 and 10000")] {
                let reply = try await postForm(t, "/settings/billing/buy", form: "amountUsd=\(amount)&csrf=\(browser.csrf)", cookie: browser.cookie)
                #expect(reply.status == .badRequest, "\(amount)")
                expectHTML(reply)
                #expect(element(reply.text, "buy-error")?.contains(message) == true, "\(amount): \(reply.text)")
                #expect(tag(reply.text, "buy-amount")?.contains(#"value="\#(amount)""#) == true)
                #expect(element(reply.text, "balance-credits") == "0")
            }
            #expect(stripe.forms.isEmpty)

            stripe.fail(with: StripeAPIError(status: 0, type: "api_connection_error", message: "connection refused"))
            let down = try await postForm(t, "/settings/billing/buy", form: "amountUsd=50&csrf=\(browser.csrf)", cookie: browser.cookie)
            #expect(down.status == .badGateway)
            #expect(element(down.text, "buy-error")?.contains("connection refused") == true, "\(down.text)")
            #expect(tag(down.text, "buy-button") != nil)
        }
    }

    // MARK: Returning from Stripe

    func startCheckout(_ t: TAISTestClient, _ browser: Browser, usd: Int = 50) async throws -> String {
        let reply = try await postForm(t, "/settings/billing/buy", form: "amountUsd=\(usd)&csrf=\(browser.csrf)", cookie: browser.cookie)
        let location = try #require(reply.headers[.location])
        return String(location.split(separator: "/").last ?? "")
    }

    @Test func successSyncsFirstSoTheBalanceIncludesThePurchase() async throws {
        try await withTopUps { t, stripe in
            let browser = try await browser(t)
            let id = try await startCheckout(t, browser)
            stripe.pay(id)
            let reply = try await get(t, "/settings/billing?checkout=success&session_id=\(id)", cookie: browser.cookie)
            #expect(reply.status == .ok)
            #expect(tag(reply.text, "checkout-banner")?.contains(#"data-status="credited""#) == true)
            #expect(element(reply.text, "checkout-banner") == "Payment received: 5000 credits added")
            #expect(element(reply.text, "balance-credits") == "5000")
            #expect(element(reply.text, "purchased-credits") == "5000")
            #expect(reply.text.contains("Stripe top-up: $50 (\(id))"))
            // Reloading the page credits nothing twice.
            let again = try await get(t, "/settings/billing?checkout=success&session_id=\(id)", cookie: browser.cookie)
            #expect(element(again.text, "balance-credits") == "5000")
        }
    }

    @Test func pendingExpiredCancelledAndUnknownCheckoutsHaveTheirBanners() async throws {
        try await withTopUps { t, stripe in
            let browser = try await browser(t)
            func banner(_ query: String) async throws -> (status: String?, text: String?) {
                let reply = try await get(t, "/settings/billing?\(query)", cookie: browser.cookie)
                #expect(reply.status == .ok, "\(query)")
                let open = tag(reply.text, "checkout-banner") ?? ""
                let status = open.range(of: #"data-status=""#).map { String(open[$0.upperBound...].prefix { $0 != "\"" }) }
                return (status, element(reply.text, "checkout-banner"))
            }
            let id = try await startCheckout(t, browser)
            let pending = try await banner("checkout=success&session_id=\(id)")
            #expect(pending.status == "pending" && pending.text?.hasPrefix("Payment processing") == true)
            stripe.expire(id)
            let expired = try await banner("checkout=success&session_id=\(id)")
            #expect(expired.status == "expired" && expired.text?.hasPrefix("Checkout expired") == true)
            let cancelled = try await banner("checkout=cancelled")
            #expect(cancelled.status == "cancelled" && cancelled.text == "Checkout cancelled; nothing was charged")
            let unknown = try await banner("checkout=success&session_id=cs_test_nope")
            #expect(unknown.status == "error" && unknown.text?.contains("cs_test_nope") == true)
            let noId = try await banner("checkout=success")
            #expect(noId.status == "error")

            // Another tenant's session is an error too, and Stripe is not asked.
            let other = try await self.browser(t, tenant: "globex")
            let foreign = try await get(t, "/settings/billing?checkout=success&session_id=\(id)", cookie: other.cookie)
            #expect(foreign.status == .ok)
            #expect(tag(foreign.text, "checkout-banner")?.contains(#"data-status="error""#) == true)
        }
    }

    // MARK: Escaping

    @Test func hostileTenantDescriptionsAndSessionIdsAreEscaped() async throws {
        try await withTAIS { t in
            let tenant = #"<script>alert("t")</script>"#
            let hostileID = #"cs_"><img src=x onerror=alert(1)>"#
            let store = t.app.store
            try store.recordPendingCheckout(TAISStore.TopUpCheckout(
                sessionId: hostileID, tenant: tenant, userId: "ada", creditAmountUsd: 5, credits: 500, amountCents: 500,
                status: .pending, url: nil, expiresAt: testEpoch.addingTimeInterval(3600), createdAt: testEpoch
            ))
            #expect(try store.creditCheckoutOnce(sessionId: hostileID, by: "sync", now: testEpoch))
            try await store.db.write { db in
                try TAISStore.insert(db, LedgerEntry(
                    id: "led_hostile", category: .usage, credits: 0.5, balanceAfter: 499.5,
                    description: #"Chat message in "</td><script>alert(2)</script>""#, sessionId: "ses_<b>", messageId: nil, createdAt: testEpoch
                ), tenant: tenant, status: "settled")
            }
            let browser = try await login(t, try t.token(tenant: tenant))
            let reply = try await get(t, "/settings/billing?checkout=success&session_id=%3Cscript%3Ealert(3)%3C/script%3E", cookie: browser.cookie)
            #expect(reply.status == .ok)
            let html = reply.text
            #expect(!html.contains("<script"))
            #expect(!html.contains("<img"))
            #expect(!html.contains("<b>"))
            #expect(html.contains("&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;"))
            #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
            #expect(html.contains("&lt;/td&gt;&lt;script&gt;alert(2)&lt;/script&gt;"))
            #expect(element(html, "purchased-credits") == "500")
            #expect(tag(html, "checkout-banner")?.contains(#"data-status="error""#) == true)
        }
    }

    @Test func htmlEscapingAndCreditFormatting() {
        #expect(HTMLPage.escape(#"<a href="x" title='y'>&</a>"#) == "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;")
        #expect(HTMLPage.credits(1050) == "1050")
        #expect(HTMLPage.credits(0.5) == "0.5")
        #expect(HTMLPage.credits(12.34567) == "12.3457")
        #expect(HTMLPage.credits(-2) == "-2")
        #expect(HTMLPage.credits(1e-9) == "0")
        #expect(HTMLPage.credits(.nan) == "0")
    }
}
