import WireFormats

/// A PaymentIntent in Stripe's shape (the fixture's members).
enum PaymentIntentJSON {
    static func render(_ p: PaymentIntentRecord) -> JSONValue {
        let succeeded = p.status == "succeeded"
        return .object([
            ("id", .string(p.id)),
            ("object", .string("payment_intent")),
            ("amount", .int(p.amount)),
            ("amount_capturable", .int(0)),
            ("amount_details", .members(["tip": .object([])])),
            ("amount_received", .int(succeeded ? p.amount : 0)),
            ("application", .null),
            ("application_fee_amount", .null),
            ("automatic_payment_methods", .null),
            ("canceled_at", .null),
            ("cancellation_reason", .null),
            ("capture_method", .string("automatic_async")),
            ("client_secret", .string(p.clientSecret)),
            ("confirmation_method", .string("automatic")),
            ("created", .int(p.created)),
            ("currency", .string(p.currency)),
            ("customer", .null),
            ("customer_account", .null),
            ("description", .null),
            ("excluded_payment_method_types", .null),
            ("last_payment_error", p.lastPaymentError.map(lastPaymentError) ?? .null),
            ("latest_charge", .text(p.latestCharge)),
            ("livemode", .bool(false)),
            ("managed_payments", .members(["enabled": .bool(false)])),
            ("metadata", .metadata(p.metadata)),
            ("next_action", .null),
            ("on_behalf_of", .null),
            ("payment_method", .text(p.paymentMethod)),
            ("payment_method_configuration_details", .null),
            ("payment_method_options", .members(["card": .members([
                "installments": .null, "mandate_options": .null, "network": .null, "request_three_d_secure": .string("automatic"),
            ])])),
            ("payment_method_types", .strings(["card"])),
            ("processing", .null),
            ("receipt_email", .text(p.receiptEmail)),
            ("review", .null),
            ("setup_future_usage", .null),
            ("shipping", .null),
            ("source", .null),
            ("statement_descriptor", .null),
            ("statement_descriptor_suffix", .null),
            ("status", .string(p.status)),
            ("transfer_data", .null),
            ("transfer_group", .null),
        ])
    }

    static func lastPaymentError(_ decline: CardDecline) -> JSONValue {
        .members([
            "code": .string(decline.code),
            "decline_code": .string(decline.declineCode),
            "doc_url": .string("https://stripe.com/docs/error-codes/" + decline.code.replacingOccurrences(of: "_", with: "-")),
            "message": .string(decline.message),
            "payment_method": .members(["id": .string(decline.paymentMethod), "object": .string("payment_method"), "type": .string("card")]),
            "type": .string("card_error"),
        ])
    }
}
