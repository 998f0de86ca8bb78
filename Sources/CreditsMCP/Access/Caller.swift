/// Who is asking: the tenant whose data a call may see, and that the caller is an admin.
public struct Caller: Sendable, Equatable {
    public var tenant: String
    public var groups: [String]
    public var user: String?
}

/// A call refused before any OpenMeter request: no tenant, or not an administrator.
public struct AccessDenied: Error, CustomStringConvertible, Sendable, Equatable {
    /// Safe to show the caller.
    public let message: String
    /// For the log only (it may name internal hosts, such as the JWKS URL).
    public var detail: String? = nil
    /// The server cannot check credentials right now (its JWKS is unavailable): not the caller's fault.
    public var unavailable = false
    public var description: String { message }

    /// What the caller sees when the TAIS signing keys cannot be loaded.
    public static let keysUnavailableMessage = "cannot verify tokens right now: the TAIS signing keys are unavailable; try again shortly"

    static func keysUnavailable(_ detail: String) -> AccessDenied {
        AccessDenied(message: keysUnavailableMessage, detail: detail, unavailable: true)
    }
}
