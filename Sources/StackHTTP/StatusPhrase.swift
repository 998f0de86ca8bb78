public import Hummingbird

/// Reason phrases as Go's `http.StatusText` spells them (413 "Request Entity Too Large"), which is
/// what Go services such as OpenMeter put in titles; also fills statuses built from a bare code.
public enum StatusPhrase {
    public static func phrase(for status: HTTPResponse.Status) -> String {
        let go = phrase(code: status.code)
        return go.isEmpty ? status.reasonPhrase : go
    }

    /// A status with its standard phrase filled in.
    public static func status(code: Int) -> HTTPResponse.Status {
        HTTPResponse.Status(code: code, reasonPhrase: phrase(code: code))
    }

    public static func phrase(code: Int) -> String {
        switch code {
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 402: "Payment Required"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 406: "Not Acceptable"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 410: "Gone"
        case 412: "Precondition Failed"
        case 413: "Request Entity Too Large"
        case 415: "Unsupported Media Type"
        case 422: "Unprocessable Entity"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: ""
        }
    }
}
