import FakeControls
import Foundation
import Hummingbird
import Logging
import StackHTTP

/// The browser side of billing: `GET /login` turns a TAIS JWT into a session cookie, `GET /settings/billing`
/// shows the page, `POST /settings/billing/buy` starts a Stripe Checkout. Every answer is HTML, errors
/// included, so a browser never lands on JSON or a blank page.
struct BillingPageRoutes: Sendable {
    let tokens: TokenService
    let store: TAISStore
    let topUps: TopUpService
    let clock: FakeClock
    let configuration: TAISConfiguration
    let logger: Logger

    init(app: FakeTAISApp) {
        tokens = app.tokens
        store = app.store
        topUps = app.topUps
        clock = app.clock
        configuration = app.configuration
        logger = app.logger
    }

    static let defaultAmountUSD = 50
    static let tokenBytes = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.".utf8)
    /// A buy form is a few dozen bytes.
    static let formLimit = 16 * 1024

    func register(in routes: inout RouteTable<BasicRequestContext>) {
        let page = self
        routes.get("/login") { request, _ in try await page.guarded { page.login(request) } }
        routes.get("/settings/billing") { request, _ in try await page.guarded { try await page.show(request) } }
        routes.post("/settings/billing/buy") { request, _ in try await page.guarded { try await page.buy(request) } }
    }

    // MARK: Routes

    /// Verifies the token of the link, stores it in the session cookie and sends the browser on.
    func login(_ request: Request) -> Response {
        let query = request.uri.queryParameters
        guard let token = query.get("token"), !token.isEmpty else {
            return Self.loginRefused("The login link has no token.")
        }
        // A JWT is base64url and dots; anything else could break the Set-Cookie header.
        guard token.utf8.allSatisfy({ Self.tokenBytes.contains($0) }) else {
            return Self.loginRefused("The token of the login link was refused: malformed token.")
        }
        let identity: TAISIdentity
        do {
            identity = try tokens.verify(token)
        } catch {
            return Self.loginRefused("The token of the login link was refused: \(error.reason).")
        }
        let maxAge = SessionCookie.maxAge(until: identity.expiresAt, now: clock.now())
        logger.info("billing page login", metadata: ["tenant": "\(identity.tenant)", "user": "\(identity.user)"])
        return HTMLPage.redirect(to: SafeRedirect.target(query.get("next")), cookies: [
            SessionCookie.sessionHeader(token: token, maxAge: maxAge),
            SessionCookie.csrfHeader(SessionCookie.newCSRFToken(), maxAge: maxAge),
        ])
    }

    func show(_ request: Request) async throws -> Response {
        let identity: TAISIdentity
        switch signedIn(request) {
        case .success(let found): identity = found
        case .failure(let refusal): return refusal.response
        }
        let query = request.uri.queryParameters
        let banner = await BillingPageView.banner(
            checkout: query.get("checkout"), sessionId: query.get("session_id"), identity: identity, topUps: topUps
        )
        return try await page(identity, request: request, banner: banner)
    }

    /// Cookie auth, then the CSRF double-submit check, then Stripe; an error shows the page again with why.
    func buy(_ request: Request) async throws -> Response {
        let identity: TAISIdentity
        switch signedIn(request) {
        case .success(let found): identity = found
        case .failure(let refusal): return refusal.response
        }
        let form = FormBody.parse(try await request.collectBody(limit: Self.formLimit).readableBytesView)
        guard SessionCookie.csrfMatches(form: form["csrf"], cookie: SessionCookie.value(SessionCookie.csrf, in: request)) else {
            return HTMLPage.message(.forbidden, title: "Form expired", body: """
                <p>The buy form's security token does not match this browser's, so nothing was bought.</p>
                <p><a href="/settings/billing">Open the billing page again</a> and retry.</p>
                """)
        }
        let typed = (form["amountUsd"] ?? "").trimmingCharacters(in: .whitespaces)
        let range = configuration.topUpMinUSD...configuration.topUpMaxUSD
        guard let usd = Int(typed) else {
            let message = "Enter a whole number of US dollars between \(range.lowerBound) and \(range.upperBound)."
            return try await page(identity, request: request, status: .badRequest, amount: typed, error: message)
        }
        do {
            let start = try await topUps.startCheckout(identity: identity, creditAmountUsd: usd)
            return HTMLPage.redirect(to: start.url)
        } catch let failure as HTTPFailure {
            return try await page(identity, request: request, status: failure.status, amount: typed, error: failure.detail)
        }
    }

    // MARK: Pieces

    /// Renders the page for `identity`; mints a CSRF cookie when the browser has none (it was cleared,
    /// or a Strict cookie was withheld on a cross-site return from Stripe).
    private func page(
        _ identity: TAISIdentity, request: Request, status: HTTPResponse.Status = .ok,
        banner: BillingPageView.Banner? = nil, amount: String? = nil, error: String? = nil
    ) async throws -> Response {
        var cookies: [String] = []
        var csrf = SessionCookie.value(SessionCookie.csrf, in: request) ?? ""
        if !SessionCookie.isCSRFToken(csrf) {
            csrf = SessionCookie.newCSRFToken()
            cookies.append(SessionCookie.csrfHeader(csrf, maxAge: SessionCookie.maxAge(until: identity.expiresAt, now: clock.now())))
        }
        let figures = try await BillingPageView.figures(store: store, identity: identity, now: clock.now())
        let buy = TopUpService.mayBuy(identity) ? BillingPageView.BuyForm(
            csrf: csrf, amount: amount ?? String(defaultAmount), minUSD: configuration.topUpMinUSD,
            maxUSD: configuration.topUpMaxUSD, creditsPerUSD: configuration.creditsPerUSD
        ) : nil
        let view = BillingPageView(identity: identity, figures: figures, banner: banner, buy: buy, buyError: error)
        return HTMLPage.response(BillingPageHTML.render(view), status: status, cookies: cookies)
    }

    /// 50, or the nearest allowed amount when the bounds exclude it.
    private var defaultAmount: Int {
        min(max(Self.defaultAmountUSD, configuration.topUpMinUSD), configuration.topUpMaxUSD)
    }

    struct Refusal: Error {
        var response: Response
    }

    /// The identity of the session cookie, or the 401 page that says how to sign in.
    private func signedIn(_ request: Request) -> Result<TAISIdentity, Refusal> {
        guard let token = SessionCookie.value(SessionCookie.session, in: request) else {
            return .failure(Refusal(response: Self.notSignedIn("You are not signed in.", clear: false)))
        }
        do {
            return .success(try tokens.verify(token))
        } catch {
            return .failure(Refusal(response: Self.notSignedIn("Your session ended: \(error.reason).", clear: true)))
        }
    }

    private static func notSignedIn(_ why: String, clear: Bool) -> Response {
        HTMLPage.message(.unauthorized, title: "Sign in to see billing", body: """
            <p id="auth-error">\(HTMLPage.escape(why))</p>
            <p>Open the login link that <code>stackctl</code> prints, of the form
            <code>/login?token=&lt;JWT&gt;&amp;next=/settings/billing</code>, or make one from a token of
            <code>stackctl token</code>.</p>
            """, cookies: clear ? [SessionCookie.clearSessionHeader] : [])
    }

    private static func loginRefused(_ why: String) -> Response {
        HTMLPage.message(.unauthorized, title: "Login link refused", body: """
            <p id="auth-error">\(HTMLPage.escape(why))</p>
            <p>Get a fresh link from <code>stackctl</code> (or a token from <code>stackctl token</code>) and open it again.</p>
            """)
    }

    /// Any failure becomes an HTML page with its status; the JSON error middleware never sees one.
    private func guarded(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch is CancellationError {
            throw CancellationError()
        } catch let failure as HTTPFailure {
            return HTMLPage.message(failure.status, title: "Request failed", body: "<p>\(HTMLPage.escape(failure.detail))</p>")
        } catch let error as any HTTPResponseError {
            // The body limit's error, for one.
            return HTMLPage.message(error.status, title: "Request refused", body: "<p>\(HTMLPage.escape(error.status.reasonPhrase))</p>")
        } catch {
            logger.error("billing page failed", metadata: ["error": "\(error)"])
            return HTMLPage.message(.internalServerError, title: "Something went wrong", body: "<p>The billing page could not be shown; the log says why.</p>")
        }
    }
}
