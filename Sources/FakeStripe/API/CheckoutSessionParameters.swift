import Foundation
import StackHTTP

/// `POST /v1/checkout/sessions` parameters into a new open session, checked the way Stripe checks them.
enum CheckoutSessionParameters {
    static let known: Set<String> = [
        "mode", "line_items", "success_url", "cancel_url", "client_reference_id", "metadata", "customer_email", "expires_at",
        "currency", "payment_method_types", "locale", "submit_type", "expand", "ui_mode",
    ]
    static let minimumLifetime = 30 * 60
    static let maximumLifetime = 24 * 3600

    static func session(from form: StripeForm, now: Int) throws -> CheckoutSessionRecord {
        let p = StripeParams(form)
        try p.onlyKnown(known)
        guard let mode = try p.string("mode") else { throw StripeError.missing("mode") }
        guard ["payment", "setup", "subscription"].contains(mode) else {
            throw StripeError.invalidRequest("Invalid mode: must be one of payment, setup, or subscription", param: "mode", code: "parameter_invalid_string")
        }
        guard mode == "payment" else {
            throw StripeError.invalidRequest("fake-stripe supports Checkout in mode=payment only, got mode=\(mode).", param: "mode")
        }
        if let ui = try p.string("ui_mode"), ui != "hosted" {
            throw StripeError.invalidRequest("fake-stripe serves hosted Checkout only (ui_mode=hosted), got ui_mode=\(ui).", param: "ui_mode")
        }
        guard let items = try p.list("line_items"), !items.isEmpty else { throw StripeError.missing("line_items") }
        guard items.count <= 100 else {
            throw StripeError.invalidRequest("You may only specify up to 100 line items.", param: "line_items")
        }
        let lineItems = try items.map(lineItem)
        let currency = try p.string("currency").map { try checkedCurrency($0, param: "currency") } ?? lineItems[0].currency
        if let other = lineItems.first(where: { $0.currency != currency }) {
            throw StripeError.invalidRequest(
                "All line items must use the same currency: \(currency) and \(other.currency) were given.", param: "line_items"
            )
        }
        let total = lineItems.reduce(0) { $0 + $1.amountTotal }
        if currency == "usd", total < 50 {
            throw StripeError.invalidRequest("The Checkout Session's total amount due must add up to at least $0.50 usd", param: "line_items", code: "amount_too_small")
        }
        guard total <= 99_999_999 else {
            throw StripeError.invalidRequest("The Checkout Session's total amount due must be no more than 99999999.", param: "line_items", code: "amount_too_large")
        }
        let successURL = try p.string("success_url", maxLength: 5000).map { try checkedURL($0, param: "success_url") }
        let cancelURL = try p.string("cancel_url", maxLength: 5000).map { try checkedURL($0, param: "cancel_url") }
        let email = try p.string("customer_email", maxLength: 800)
        if let email, !isEmail(email) {
            throw StripeError.invalidRequest("Invalid email address: \(email)", param: "customer_email", code: "email_invalid")
        }
        var expiresAt = now + maximumLifetime
        if let requested = try p.integer("expires_at") {
            guard requested >= now + minimumLifetime else {
                throw StripeError.invalidRequest("The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.", param: "expires_at")
            }
            guard requested <= now + maximumLifetime else {
                throw StripeError.invalidRequest("The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.", param: "expires_at")
            }
            expiresAt = requested
        }
        let methods = try p.strings("payment_method_types") ?? ["card"]
        if let other = methods.first(where: { $0 != "card" }) {
            throw StripeError.invalidRequest("fake-stripe takes cards only; the payment method type \(other) is not supported.", param: "payment_method_types")
        }
        if let submit = try p.string("submit_type"), !["auto", "book", "donate", "pay", "subscribe"].contains(submit) {
            throw StripeError.invalidRequest("Invalid submit_type: must be one of auto, book, donate, pay, or subscribe", param: "submit_type")
        }
        _ = try p.strings("expand")
        return CheckoutSessionRecord(
            id: StripeIDs.checkoutSession(), created: now, expiresAt: expiresAt, status: "open", paymentStatus: "unpaid",
            currency: currency, amountSubtotal: total, amountTotal: total, successURL: successURL, cancelURL: cancelURL,
            clientReferenceId: try p.string("client_reference_id", maxLength: 200), customerEmail: email,
            metadata: try p.metadata(), lineItems: lineItems, paymentIntentId: nil, locale: try p.string("locale"),
            submitType: try p.string("submit_type"), paymentMethodTypes: methods, completedAt: nil
        )
    }

    static func lineItem(_ item: StripeParams) throws -> LineItemRecord {
        try item.onlyKnown(["price_data", "quantity", "price", "adjustable_quantity", "tax_rates"])
        if try item.string("price") != nil, item.form["price_data"] == nil {
            let id = try item.string("price") ?? ""
            throw StripeError.invalidRequest("No such price: '\(id)'", param: item.name("price"), code: "resource_missing")
        }
        guard let priceData = try item.map("price_data") else { throw StripeError.missing(item.name("price_data")) }
        try priceData.onlyKnown(["currency", "unit_amount", "unit_amount_decimal", "product_data", "product", "tax_behavior"])
        let currency = try checkedCurrency(try priceData.requiredString("currency"), param: priceData.name("currency"))
        let unitAmount: Int
        if let amount = try priceData.integer("unit_amount") {
            unitAmount = amount
        } else if let decimal = try priceData.string("unit_amount_decimal") {
            guard let value = Double(decimal), value >= 0, value == value.rounded(), value <= 99_999_999 else {
                throw StripeError.invalidRequest("fake-stripe takes whole amounts in unit_amount_decimal, got \(decimal).", param: priceData.name("unit_amount_decimal"))
            }
            unitAmount = Int(value)
        } else {
            throw StripeError.missing(priceData.name("unit_amount"))
        }
        guard unitAmount >= 0 else {
            throw StripeError.invalidRequest("This value must be greater than or equal to 0.", param: priceData.name("unit_amount"), code: "parameter_invalid_integer")
        }
        guard let productData = try priceData.map("product_data") else {
            if try priceData.string("product") != nil {
                throw StripeError.invalidRequest("fake-stripe knows no products: give price_data[product_data] instead.", param: priceData.name("product"))
            }
            throw StripeError.missing(priceData.name("product_data"))
        }
        try productData.onlyKnown(["name", "description", "images", "metadata", "tax_code", "unit_label"])
        let name = try productData.requiredString("name")
        guard let quantity = try item.integer("quantity") else { throw StripeError.missing(item.name("quantity")) }
        guard (1...999_999).contains(quantity) else {
            throw StripeError.invalidRequest("This value must be greater than or equal to 1.", param: item.name("quantity"), code: "parameter_invalid_integer")
        }
        let (product, overflow) = unitAmount.multipliedReportingOverflow(by: quantity)
        guard !overflow, product <= 99_999_999 else {
            throw StripeError.invalidRequest("The line item's amount is too large.", param: item.name("quantity"), code: "amount_too_large")
        }
        return LineItemRecord(
            id: StripeIDs.lineItem(), priceId: StripeIDs.price(), productId: StripeIDs.product(), productName: name,
            productDescription: try productData.string("description"), currency: currency, unitAmount: unitAmount, quantity: quantity
        )
    }

    static func checkedCurrency(_ raw: String, param: String) throws -> String {
        let code = raw.lowercased()
        guard code.count == 3, code.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw StripeError.invalidRequest("Invalid currency: \(raw). Stripe currently supports these currencies: usd, eur, gbp, …", param: param, code: "parameter_invalid_string")
        }
        return code
    }

    static func checkedURL(_ raw: String, param: String) throws -> String {
        guard let url = URL(string: raw.replacingOccurrences(of: "{CHECKOUT_SESSION_ID}", with: "x")),
              let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host?.isEmpty == false
        else {
            throw StripeError.invalidRequest("Not a valid URL", param: param, code: "url_invalid")
        }
        return raw
    }

    static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !text.contains(" ")
    }
}
