import Synchronization

/// The base of download links. Fixed when `PUBLIC_BASE_URL` is set; otherwise
/// `http://localhost:<port>`, learned once the server is bound, since `--port 0` picks the port late.
public final class DownloadLinkBase: Sendable {
    private let value: Mutex<String>
    private let fixed: Bool

    public init(configuration: CreditsMCPConfiguration) {
        value = Mutex(configuration.resolvedPublicBaseURL)
        fixed = configuration.publicBaseURL != nil
    }

    public var url: String { value.withLock { $0 } }

    /// Called with the bound port; ignored when the base was configured.
    public func serverBound(port: Int) {
        guard !fixed else { return }
        value.withLock { $0 = "http://localhost:\(port)" }
    }
}
