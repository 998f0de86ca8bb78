import BlockingWork
import Hummingbird
import StackHTTP

/// Query strings of `/v1` GETs, read with the same form rules as bodies (`expand[]=a`, `types[0]=b`).
struct QueryParameters {
    let params: StripeParams

    init(_ request: Request, known: Set<String>) throws {
        let form: StripeForm
        do {
            form = try StripeForm.parse(request.uri.query ?? "")
        } catch {
            throw StripeError.invalidRequest(error.message, param: error.param)
        }
        params = StripeParams(form)
        try params.onlyKnown(known.union(["expand"]))
    }

    var expand: Set<String> {
        get throws { Set(try params.strings("expand") ?? []) }
    }

    /// `limit` (1–100, default 10) and the cursors, each cursor an id resolved to its `seq` by `seqOf`
    /// (an unknown id is Stripe's `resource_missing` on that parameter).
    func page(object: String, seqOf: @escaping @Sendable (String) throws -> Int64?) async throws -> ListPage {
        var limit = 10
        if let requested = try params.integer("limit") {
            guard requested >= 1 else {
                throw StripeError.invalidRequest("This value must be greater than or equal to 1.", param: "limit", code: "parameter_invalid_integer")
            }
            guard requested <= 100 else {
                throw StripeError.invalidRequest("This value must be less than or equal to 100.", param: "limit", code: "parameter_invalid_integer")
            }
            limit = requested
        }
        var page = ListPage(limit: limit)
        for name in ["starting_after", "ending_before"] {
            guard let id = try params.string(name), !id.isEmpty else { continue }
            guard let seq = try await offCooperativePool({ try seqOf(id) }) else {
                throw StripeError.invalidRequest("No such \(object): '\(id)'", param: name, code: "resource_missing")
            }
            if name == "starting_after" { page.startingAfter = seq } else { page.endingBefore = seq }
        }
        return page
    }
}
