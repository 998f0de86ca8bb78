import Foundation

/// The ways a `ScenarioTamperingProxy` in front of fake-tais makes it look broken, one per behaviour a scenario
/// guards that no stack control can break for real.
enum ScenarioTampers {
    /// Every paid top-up credited twice: the billing summary shows the purchased credits twice (and the balance
    /// raised by as much), the purchases ledger lists each purchase twice.
    static func creditsEveryTopUpTwice(_ exchange: ScenarioTamperingProxy.Exchange) -> ScenarioTamperingProxy.Action {
        guard exchange.method == "GET" else { return .pass }
        if exchange.path.hasSuffix("/ai-credits/summary") {
            return .forward { status, body in
                editJSON(status, body) { summary in
                    let purchased = summary["purchasedCredits"] as? Double ?? 0
                    summary["purchasedCredits"] = purchased * 2
                    summary["balanceCredits"] = (summary["balanceCredits"] as? Double ?? 0) + purchased
                }
            }
        }
        if exchange.path.hasSuffix("/ai-credits/ledger"), exchange.query.contains("category=purchases") {
            return .forward { status, body in
                editJSON(status, body) { page in
                    let items = page["items"] as? [Any] ?? []
                    page["items"] = items.flatMap { [$0, $0] }
                    page["total"] = (page["total"] as? Double ?? 0) * 2
                }
            }
        }
        return .pass
    }

    /// An expired checkout credited: sync answers `credited` where fake-tais says `expired`.
    static func creditsExpiredCheckouts(_ exchange: ScenarioTamperingProxy.Exchange) -> ScenarioTamperingProxy.Action {
        guard exchange.method == "POST", exchange.path.hasSuffix("/sync") else { return .pass }
        return .forward { status, body in
            editJSON(status, body) { answer in
                if answer["status"] as? String == "expired" { answer["status"] = "credited" }
            }
        }
    }

    /// The operator's cap override ignored: `POST /_fake/tenants/{tenant}` with a `toolCap` is answered as if it
    /// applied, but never reaches fake-tais (a plan change without one still does).
    static func ignoresCapOverrides(_ exchange: ScenarioTamperingProxy.Exchange) -> ScenarioTamperingProxy.Action {
        guard exchange.method == "POST", exchange.path.hasPrefix("/_fake/tenants/"),
              let body = try? JSONSerialization.jsonObject(with: Data(exchange.body)) as? [String: Any],
              let cap = body["toolCap"] as? Int else { return .pass }
        let tenant = String(exchange.path.dropFirst("/_fake/tenants/".count))
        return .answer(status: 200, json: #"{"tenant":"\#(tenant)","plan":"free","toolCap":\#(cap)}"#)
    }

    /// `body` as a JSON object edited by `change`; nil (unchanged) for an error status or a body that is not one.
    private static func editJSON(_ status: Int, _ body: [UInt8], _ change: (inout [String: Any]) -> Void) -> [UInt8]? {
        guard (200..<300).contains(status),
              var object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return nil }
        change(&object)
        return (try? JSONSerialization.data(withJSONObject: object)).map { Array($0) }
    }
}
