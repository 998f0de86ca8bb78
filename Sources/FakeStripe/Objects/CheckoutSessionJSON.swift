import WireFormats

/// A Checkout Session in Stripe's shape: every member of the fixture (`stripe-fixtures3.json`), with the
/// values a hosted, card-only, payment-mode session has. `paymentIntent` replaces the id when expanded,
/// `lineItems` adds the list when expanded.
enum CheckoutSessionJSON {
    static func render(_ s: CheckoutSessionRecord, payURL: String?, paymentIntent: JSONValue? = nil, lineItems: JSONValue? = nil) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("id", .string(s.id)),
            ("object", .string("checkout.session")),
            ("adaptive_pricing", .members(["enabled": .bool(false)])),
            ("after_expiration", .null),
            ("allow_promotion_codes", .null),
            ("amount_subtotal", .int(s.amountSubtotal)),
            ("amount_total", .int(s.amountTotal)),
            ("automatic_tax", .members(["enabled": .bool(false), "liability": .null, "provider": .null, "status": .null])),
            ("billing_address_collection", .null),
            ("cancel_url", .text(s.cancelURL)),
            ("client_reference_id", .text(s.clientReferenceId)),
            ("client_secret", .null),
            ("collected_information", .null),
            ("consent", .null),
            ("consent_collection", .null),
            ("created", .int(s.created)),
            ("currency", .string(s.currency)),
            ("currency_conversion", .null),
            ("custom_fields", .array([])),
            ("custom_text", .members(["after_submit": .null, "shipping_address": .null, "submit": .null, "terms_of_service_acceptance": .null])),
            ("customer", .null),
            ("customer_account", .null),
            ("customer_creation", .string("if_required")),
            ("customer_details", customerDetails(s)),
            ("customer_email", .text(s.customerEmail)),
            ("discounts", .array([])),
            ("expires_at", .int(s.expiresAt)),
            ("integration_identifier", .null),
            ("invoice", .null),
            ("invoice_creation", .members([
                "enabled": .bool(false),
                "invoice_data": .members([
                    "account_tax_ids": .null, "custom_fields": .null, "description": .null, "footer": .null, "issuer": .null,
                    "metadata": .object([]), "rendering_options": .null,
                ]),
            ])),
        ]
        if let lineItems { members.append(("line_items", lineItems)) }
        members += [
            ("livemode", .bool(false)),
            ("locale", .text(s.locale)),
            ("managed_payments", .members(["enabled": .bool(false)])),
            ("metadata", .metadata(s.metadata)),
            ("mode", .string("payment")),
            ("origin_context", .null),
            ("payment_intent", paymentIntent ?? .text(s.paymentIntentId)),
            ("payment_link", .null),
            ("payment_method_collection", .string("if_required")),
            ("payment_method_configuration_details", .null),
            ("payment_method_options", .members(["card": .members(["request_three_d_secure": .string("automatic")])])),
            ("payment_method_types", .strings(s.paymentMethodTypes)),
            ("payment_status", .string(s.paymentStatus)),
            ("permissions", .null),
            ("phone_number_collection", .members(["enabled": .bool(false)])),
            ("recovered_from", .null),
            ("saved_payment_method_options", .null),
            ("setup_intent", .null),
            ("shipping_address_collection", .null),
            ("shipping_cost", .null),
            ("shipping_options", .array([])),
            ("status", .string(s.status)),
            ("submit_type", .text(s.submitType)),
            ("subscription", .null),
            ("success_url", .text(s.successURL)),
            ("total_details", .members(["amount_discount": .int(0), "amount_shipping": .int(0), "amount_tax": .int(0)])),
            ("ui_mode", .string("hosted")),
            ("url", s.status == "open" ? .text(payURL) : .null),
            ("wallet_options", .null),
        ]
        return .object(members)
    }

    /// Filled in once the customer has paid (Stripe collects the e-mail on the page).
    static func customerDetails(_ s: CheckoutSessionRecord) -> JSONValue {
        guard s.status == "complete" else { return .null }
        return .members([
            "address": .null, "business_name": .null, "email": .text(s.customerEmail), "individual_name": .null,
            "name": .null, "phone": .null, "tax_exempt": .string("none"), "tax_ids": .array([]),
        ])
    }

    /// One line item (`object: "item"`) with its inline price.
    static func lineItem(_ item: LineItemRecord) -> JSONValue {
        .members([
            "id": .string(item.id),
            "object": .string("item"),
            "amount_discount": .int(0),
            "amount_subtotal": .int(item.amountTotal),
            "amount_tax": .int(0),
            "amount_total": .int(item.amountTotal),
            "currency": .string(item.currency),
            "description": .string(item.productName),
            "price": .members([
                "id": .string(item.priceId),
                "object": .string("price"),
                "active": .bool(false),
                "billing_scheme": .string("per_unit"),
                "created": .int(0),
                "currency": .string(item.currency),
                "custom_unit_amount": .null,
                "livemode": .bool(false),
                "lookup_key": .null,
                "metadata": .object([]),
                "nickname": .null,
                "product": .string(item.productId),
                "recurring": .null,
                "tax_behavior": .string("unspecified"),
                "tiers_mode": .null,
                "transform_quantity": .null,
                "type": .string("one_time"),
                "unit_amount": .int(item.unitAmount),
                "unit_amount_decimal": .string(String(item.unitAmount)),
            ]),
            "quantity": .int(item.quantity),
        ])
    }
}
