import FakeStripe
import Testing

/// Stripe's form bodies in every shape clients send.
@Suite struct StripeFormTests {
    @Test(arguments: [
        "line_items[0][price_data][currency]=usd&line_items[0][quantity]=2&metadata[order]=a+b",
        "line_items%5B0%5D%5Bprice_data%5D%5Bcurrency%5D=usd&line_items%5B0%5D%5Bquantity%5D=2&metadata%5Border%5D=a%20b",
    ])
    func literalAndEncodedBracketsNest(body: String) throws {
        let form = try StripeForm.parse(body)
        #expect(form == .map([
            ("line_items", .list([.map([("price_data", .map([("currency", .string("usd"))])), ("quantity", .string("2"))])])),
            ("metadata", .map([("order", .string("a b"))])),
        ]))
    }

    @Test func emptyBracketsAppendAndIndicesSort() throws {
        #expect(try StripeForm.parse("expand[]=payment_intent&expand[]=customer")["expand"]
            == .list([.string("payment_intent"), .string("customer")]))
        #expect(try StripeForm.parse("a[1]=y&a[0]=x")["a"] == .list([.string("x"), .string("y")]))
        #expect(try StripeForm.parse("") == .map([]))
        #expect(try StripeForm.parse("success_url=https%3A%2F%2Fx.test%2Fok%3Fs%3D%7BCHECKOUT_SESSION_ID%7D")["success_url"]?.string
            == "https://x.test/ok?s={CHECKOUT_SESSION_ID}")
        #expect(try StripeForm.parse("flag")["flag"] == .string(""))
    }

    @Test(arguments: [
        ("a=1&a[b]=2", "a[b]"),
        ("a[b]=1&a=2", "a"),
        ("a[b=1", "a[b"),
        ("[x]=1", "[x]"),
    ])
    func conflictsAndBadNamesNameTheParameter(body: String, param: String) {
        #expect(throws: StripeForm.Failure.self) { try StripeForm.parse(body) }
        do { _ = try StripeForm.parse(body) } catch { #expect(error.param == param) }
    }

    @Test func aBrokenEscapeIsAnError() {
        #expect(throws: StripeForm.Failure.self) { try StripeForm.parse("a=%ZZ") }
    }
}
