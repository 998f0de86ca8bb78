public import Hummingbird

/// Turns an `HTTPFailure` into a response in a service's native error format.
public protocol ErrorRenderer: Sendable {
    func render(_ failure: HTTPFailure, for request: Request) -> Response
}
