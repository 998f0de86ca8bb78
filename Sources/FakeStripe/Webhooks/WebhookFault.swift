import Foundation
import Synchronization

/// A webhook fault armed through `/_fake/webhook_faults`: applies to the next `count` deliveries
/// (0: until removed), optionally only of one event type.
struct WebhookFault: Codable, Sendable, Equatable {
    enum Kind: String, Codable, Sendable, CaseIterable {
        case duplicate
        case outOfOrder = "out_of_order"
        case delay
        case drop
        case staleTimestamp = "stale_timestamp"
        case badSignature = "bad_signature"
    }

    var id: String
    var kind: Kind
    var count: Int
    var delayMs: Int?
    var eventType: String?
    var applied: Int

    /// How long an `out_of_order` delivery waits for a later one to go first.
    static let outOfOrderHoldSeconds: Double = 5
    /// How far in the past a `stale_timestamp` attempt is signed (the SDKs' tolerance is 300 s).
    static let staleSeconds = 600
}

/// The armed webhook faults, in arming order.
final class WebhookFaultBook: Sendable {
    private let faults = Mutex<[WebhookFault]>([])

    var all: [WebhookFault] { faults.withLock { $0 } }

    func add(kind: WebhookFault.Kind, count: Int, delayMs: Int?, eventType: String?) -> WebhookFault {
        let fault = WebhookFault(id: "whf_\(UUID().uuidString.prefix(8).lowercased())", kind: kind, count: count, delayMs: delayMs, eventType: eventType, applied: 0)
        faults.withLock { $0.append(fault) }
        return fault
    }

    func removeAll() { faults.withLock { $0.removeAll() } }

    func remove(id: String) -> Bool {
        faults.withLock { list in
            let before = list.count
            list.removeAll { $0.id == id }
            return list.count != before
        }
    }

    /// The first armed fault for a delivery of `eventType`, counted as used (spent ones are removed).
    func take(eventType: String) -> WebhookFault? {
        faults.withLock { list in
            guard let index = list.firstIndex(where: { $0.eventType == nil || $0.eventType == eventType }) else { return nil }
            list[index].applied += 1
            let fault = list[index]
            if fault.count > 0, fault.applied >= fault.count { list.remove(at: index) }
            return fault
        }
    }
}
