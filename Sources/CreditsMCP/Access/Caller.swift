/// Who is asking: the tenant whose data a call may see, and that the caller is an admin.
public struct Caller: Sendable, Equatable {
    public var tenant: String
    public var groups: [String]
    public var user: String?
}

/// A call refused before any OpenMeter request: no tenant, or not an administrator.
public struct AccessDenied: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public var description: String { message }
}
