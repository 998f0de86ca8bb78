import Foundation
import HTTPTypes
import Hummingbird
import WireFormats

/// HTML answers of the browser pages: escaping, the shared layout and the response headers.
enum HTMLPage {
    /// Escapes text for element content and quoted attribute values alike.
    static func escape(_ text: String) -> String { HTMLText.escape(text) }

    /// Credits as plain digits with optional decimals (`1050`, `0.5`): no thousands separator, so a
    /// browser test can parse the number; at most 4 decimals.
    static func credits(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        var text = String(format: "%.4f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }

    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!
    /// No scripts, no external assets, no framing. No `form-action`: browsers apply it to the
    /// buy form's redirect to Stripe, which lives on another origin.
    static let policy = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'"

    /// Headers every page carries: not cached (balances change, the CSRF token is in the form), no
    /// Referer (the login URL holds a token).
    static func headers(cookies: [String] = []) -> HTTPFields {
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
            referrerPolicy: "no-referrer", contentSecurityPolicy: policy,
        ]
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return headers
    }

    static func response(_ html: String, status: HTTPResponse.Status = .ok, cookies: [String] = []) -> Response {
        Response(status: status, headers: headers(cookies: cookies), body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// 303 See Other, so the browser follows with a GET.
    static func redirect(to location: String, cookies: [String] = []) -> Response {
        var headers = headers(cookies: cookies)
        headers[.location] = location
        return Response(status: .seeOther, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "")))
    }

    /// A page that only explains something (not signed in, refused form, …); `body` is HTML already.
    static func message(_ status: HTTPResponse.Status, title: String, body: String, cookies: [String] = []) -> Response {
        let html = document(title: title, body: "<h1>\(escape(title))</h1>\n\(body)")
        return response(html, status: status, cookies: cookies)
    }

    static func document(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title)) · fake-tais</title>
        <style>\(style)</style>
        </head>
        <body>
        <main>
        \(body)
        </main>
        </body>
        </html>
        """
    }

    static let style = """
        body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
        main{max-width:860px;margin:0 auto;padding:24px}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
        .who{color:#5b6475;margin:0 0 16px}.note{color:#5b6475}
        .figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px}
        .figure{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:12px}
        .figure .label{color:#5b6475;font-size:13px}.figure .value{font-size:22px;font-weight:600}
        .banner{border-radius:8px;padding:10px 14px;margin:12px 0;border:1px solid}
        .banner.ok{background:#e9f7ef;border-color:#9fd8b4}.banner.info{background:#eef3fd;border-color:#a9c1f0}
        .banner.warn{background:#fff6e5;border-color:#f0cf8a}.banner.error{background:#fdecec;border-color:#efa3a3}
        form.buy{display:flex;gap:8px;align-items:center;flex-wrap:wrap}
        input[type=number]{width:120px;padding:6px;font:inherit}
        button{padding:7px 14px;font:inherit;border:0;border-radius:6px;background:#2f5fd0;color:#fff;cursor:pointer}
        table{width:100%;border-collapse:collapse;background:#fff;border:1px solid #dde1e8}
        th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #eceff3;font-size:14px}
        td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
        code{background:#eceff3;padding:1px 4px;border-radius:4px}
        """
}
