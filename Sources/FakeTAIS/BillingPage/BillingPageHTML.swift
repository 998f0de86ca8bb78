import Foundation

/// The Settings → Billing page as HTML. Every value that comes from a token, the ledger or the
/// request goes through `HTMLPage.escape`; the element ids are stable for browser tests.
enum BillingPageHTML {
    private typealias H = HTMLPage

    static func render(_ view: BillingPageView) -> String {
        var body = "<h1>Settings → Billing</h1>\n" + signedIn(view.identity)
        if let banner = view.banner { body += self.banner(banner) }
        if let figures = view.figures {
            body += self.figures(figures)
            body += buySection(view.buy, error: view.buyError)
            body += purchases(figures)
            body += usage(figures)
        } else {
            if let error = view.buyError { body += buyError(error) }
            body += #"<p class="note" id="no-billing-role">Your account has none of the billing roles (Owner, Admin or Developer), so no billing figures are shown. Ask an Owner of your organization for access.</p>"#
        }
        return H.document(title: "Billing", body: body)
    }

    private static func signedIn(_ identity: TAISIdentity) -> String {
        let who = identity.name.isEmpty ? identity.user : identity.name
        let email = identity.email.isEmpty ? "" : " (\(H.escape(identity.email)))"
        let roles = identity.roles.isEmpty ? "no billing role" : identity.roles.map(H.escape).joined(separator: ", ")
        return #"<p class="who">Signed in as \#(H.escape(who))\#(email) · organization <strong id="tenant">\#(H.escape(identity.tenant))</strong> · \#(roles)</p>"#
            + "\n"
    }

    private static func banner(_ banner: BillingPageView.Banner) -> String {
        let tone = switch banner.status {
        case .credited: "ok"
        case .pending: "info"
        case .expired, .cancelled: "warn"
        case .error: "error"
        }
        let role = banner.status == .error ? "alert" : "status"
        return #"<div id="checkout-banner" class="banner \#(tone)" data-status="\#(banner.status.rawValue)" role="\#(role)">\#(H.escape(banner.message))</div>"#
            + "\n"
    }

    private static func figures(_ figures: BillingPageView.Figures) -> String {
        let balance = figures.balance
        var cards = [
            figure("Balance (credits)", id: "balance-credits", H.credits(balance.balance)),
            figure("Purchased", id: "purchased-credits", H.credits(balance.purchased)),
            figure("Used", id: "used-credits", H.credits(balance.used)),
        ]
        // Dev grants are neither purchased nor used; shown so the balance adds up.
        if balance.granted != 0 { cards.append(figure("Granted", id: "granted-credits", H.credits(balance.granted))) }
        cards.append(figure("Plan", id: "plan", H.escape(figures.plan)))
        cards.append(
            #"<div class="figure"><div class="label">Hosted MCP servers</div><div class="value"><span id="hosted-servers" data-used="\#(figures.hostedUsed)" data-cap="\#(figures.hostedCap)">\#(figures.hostedUsed) / \#(figures.hostedCap)</span></div></div>"#
        )
        return "<section class=\"figures\">\n" + cards.joined(separator: "\n") + "\n</section>\n"
    }

    /// `value` is HTML already (escaped or digits).
    private static func figure(_ label: String, id: String, _ value: String) -> String {
        #"<div class="figure"><div class="label">\#(label)</div><div class="value"><span id="\#(id)">\#(value)</span></div></div>"#
    }

    private static func buySection(_ buy: BillingPageView.BuyForm?, error: String?) -> String {
        var html = "<h2>Buy credits</h2>\n"
        if let error { html += buyError(error) }
        guard let buy else {
            return html + #"<p class="note" id="buy-not-allowed">Only an Owner or Admin can buy credits.</p>"# + "\n"
        }
        html += """
            <form class="buy" method="post" action="/settings/billing/buy">
            <input type="hidden" name="csrf" value="\(H.escape(buy.csrf))">
            <label for="buy-amount">Amount (USD)</label>
            <input id="buy-amount" name="amountUsd" type="number" inputmode="numeric" step="1" min="\(buy.minUSD)" max="\(buy.maxUSD)" value="\(H.escape(buy.amount))" required>
            <button id="buy-button" type="submit">Buy credits</button>
            </form>
            <p class="note">$1 buys \(H.credits(buy.creditsPerUSD)) credits; from $\(buy.minUSD) to $\(buy.maxUSD) at a time. You pay on Stripe's checkout page and come back here.</p>

            """
        return html
    }

    private static func buyError(_ message: String) -> String {
        #"<div id="buy-error" class="banner error" role="alert">\#(H.escape(message))</div>"# + "\n"
    }

    private static func purchases(_ figures: BillingPageView.Figures) -> String {
        let rows = figures.purchases.map { entry in
            "<tr><td>\(time(entry.createdAt))</td><td>\(H.escape(entry.description))</td><td class=\"num\">\(H.credits(entry.credits))</td><td class=\"num\">\(H.credits(entry.balanceAfter))</td></tr>"
        }
        return "<h2>Purchases</h2>\n" + table(
            id: "purchases-table", headers: ["Date", "Description", "Credits", "Balance after"], numeric: [2, 3],
            rows: rows, empty: "No purchases yet.", shown: figures.purchases.count, total: figures.purchasesTotal
        )
    }

    private static func usage(_ figures: BillingPageView.Figures) -> String {
        let rows = figures.usage.map { entry in
            "<tr><td>\(time(entry.createdAt))</td><td>\(H.escape(entry.description))</td><td class=\"num\">\(H.credits(entry.credits))</td><td><code>\(H.escape(entry.sessionId ?? ""))</code></td></tr>"
        }
        return "<h2>Recent usage</h2>\n" + table(
            id: "usage-table", headers: ["Date", "Description", "Credits", "Session"], numeric: [2],
            rows: rows, empty: "No usage yet.", shown: figures.usage.count, total: figures.usageTotal
        )
    }

    /// Newest first; a note says when there are none, or more than shown.
    private static func table(
        id: String, headers: [String], numeric: Set<Int>, rows: [String], empty: String, shown: Int, total: Int
    ) -> String {
        let head = headers.enumerated().map { index, name in
            numeric.contains(index) ? "<th class=\"num\">\(name)</th>" : "<th>\(name)</th>"
        }.joined()
        // Only entries are rows (a test counts `tbody tr`); an empty table gets a note below instead.
        let body = rows.isEmpty ? "" : rows.joined(separator: "\n") + "\n"
        var html = "<table id=\"\(id)\" data-total=\"\(total)\">\n<thead><tr>\(head)</tr></thead>\n<tbody>\n\(body)</tbody>\n</table>\n"
        if rows.isEmpty { html += "<p class=\"note\">\(empty)</p>\n" }
        if total > shown { html += "<p class=\"note\">Showing the latest \(shown) of \(total).</p>\n" }
        return html
    }

    private static func time(_ date: Date) -> String {
        let text = IdentityTime.rfc3339(date)
        return "<time datetime=\"\(text)\">\(text.replacingOccurrences(of: "T", with: " "))</time>"
    }
}
