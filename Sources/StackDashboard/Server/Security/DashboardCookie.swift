import Hummingbird

/// The dashboard's session cookie: `stackctl_dashboard_<port>=<secret>`, the secret random per server run.
struct DashboardCookie: Sendable {
    let name: String
    let secret: String

    init(port: Int) {
        name = "stackctl_dashboard_\(port)"
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255, using: &generator) }
        secret = bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    var check: TokenCheck { TokenCheck(token: secret) }

    /// `Set-Cookie` for the browser that showed the control token.
    var setCookie: String { "\(name)=\(secret); Path=/; HttpOnly; SameSite=Strict" }

    func value(in request: Request) -> Substring? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let trimmed = pair.drop { $0 == " " }
                if trimmed.hasPrefix(name + "=") { return trimmed.dropFirst(name.count + 1) }
            }
        }
        return nil
    }
}
