import Foundation
import WireFormats

/// The hosted pay page, server-rendered with no scripts and no external assets. Element ids are stable
/// for browser tests: `card-number`, `pay-button`, `cancel-button`, `payment-error`, `session-state`.
enum PayPageHTML {
    static func open(_ s: CheckoutSessionRecord, error: String? = nil, card: String = "") -> String {
        let items = s.lineItems.map { item in
            "<li><span class=\"product\">\(escape(item.productName))</span>" + (item.quantity > 1 ? " × \(item.quantity)" : "")
                + (item.productDescription.map { "<br><small>\(escape($0))</small>" } ?? "")
                + "<span class=\"price\">\(money(item.amountTotal, s.currency))</span></li>"
        }.joined()
        let errorBlock = error.map { "<p id=\"payment-error\" class=\"error\" role=\"alert\">\(escape($0))</p>" } ?? ""
        let email = s.customerEmail.map { "<p class=\"muted\">Paying as \(escape($0))</p>" } ?? ""
        return page(title: "Pay \(money(s.amountTotal, s.currency))", body: """
            <p id="session-state" data-status="open" class="muted">fake-stripe test mode</p>
            <h1 id="amount">\(money(s.amountTotal, s.currency))</h1>
            <ul class="items">\(items)</ul>
            \(email)
            \(errorBlock)
            <form method="post" action="/c/pay/\(escape(s.id))">
              <label for="card-number">Card number</label>
              <input id="card-number" name="card" inputmode="numeric" autocomplete="off" placeholder="4242 4242 4242 4242" value="\(escape(card))" required>
              <p class="muted">Test cards: 4242 4242 4242 4242 pays · 4000 0000 0000 0002 is declined · 4000 0000 0000 9995 has insufficient funds</p>
              <button id="pay-button" name="action" value="pay" type="submit">Pay \(money(s.amountTotal, s.currency))</button>
              <button id="cancel-button" name="action" value="cancel" type="submit" formnovalidate class="secondary">Cancel</button>
            </form>
            """)
    }

    static func closed(_ s: CheckoutSessionRecord) -> String {
        switch s.status {
        case "complete":
            let back = PaymentDesk.successRedirect(s).map { "<p><a id=\"return-link\" href=\"\(escape($0))\">Return to the merchant</a></p>" } ?? ""
            return page(title: "Payment complete", body: """
                <p id="session-state" data-status="complete" class="muted">fake-stripe test mode</p>
                <h1>This payment is complete</h1>
                <p>\(money(s.amountTotal, s.currency)) was paid. Nothing more is needed.</p>
                \(back)
                """)
        default:
            let back = s.cancelURL.map { "<p><a id=\"return-link\" href=\"\(escape($0))\">Return to the merchant</a></p>" } ?? ""
            return page(title: "Session expired", body: """
                <p id="session-state" data-status="\(escape(s.status))" class="muted">fake-stripe test mode</p>
                <h1>This checkout session has expired</h1>
                <p>It can no longer be paid. Start a new purchase from the merchant's site.</p>
                \(back)
                """)
        }
    }

    static func message(title: String, _ text: String, state: String) -> String {
        page(title: title, body: "<p id=\"session-state\" data-status=\"\(escape(state))\" class=\"muted\">fake-stripe test mode</p><h1>\(escape(title))</h1><p>\(escape(text))</p>")
    }

    static func page(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title)) · fake-stripe Checkout</title>
        <style>
        body{font-family:system-ui,sans-serif;background:#f6f8fa;margin:0;padding:2rem;color:#1a1f36}
        main{max-width:28rem;margin:auto;background:#fff;border-radius:8px;padding:2rem;box-shadow:0 2px 8px #0002}
        h1{font-size:2rem;margin:.2rem 0 1rem} .muted{color:#697386;font-size:.85rem}
        ul.items{list-style:none;padding:0} ul.items li{display:flex;justify-content:space-between;gap:1rem;padding:.4rem 0;border-bottom:1px solid #e3e8ee}
        label{display:block;margin-top:1rem;font-weight:600} input{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;margin:.3rem 0}
        button{padding:.7rem 1.2rem;font-size:1rem;border:0;border-radius:6px;background:#635bff;color:#fff;cursor:pointer;margin-top:.5rem}
        button.secondary{background:#e3e8ee;color:#1a1f36} .error{background:#fde8e8;color:#a41c1c;padding:.6rem;border-radius:6px}
        </style></head>
        <body><main>
        \(body)
        </main></body></html>
        """
    }

    /// `$50.00` for usd, `50.00 EUR` otherwise (zero-decimal currencies aside, as test data uses cents).
    static func money(_ amount: Int, _ currency: String) -> String {
        let value = String(format: "%.2f", Double(amount) / 100)
        return currency == "usd" ? "$" + value : value + " " + currency.uppercased()
    }

    static func escape(_ text: String) -> String { HTMLText.escape(text) }
}
