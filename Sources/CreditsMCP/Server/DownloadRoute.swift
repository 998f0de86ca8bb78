import Foundation
import Hummingbird
import StackHTTP

/// `GET /download/<token>`: the Excel file while the token is valid; 404 for anything else,
/// with the same answer for unknown, malformed and expired tokens so none can be probed.
enum DownloadRoute {
    static let contentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    static func serve(token: String, from store: DownloadStore) throws -> Response {
        guard let download = store.lookup(token: token), let data = FileManager.default.contents(atPath: download.fileURL.path) else {
            throw HTTPFailure.notFound("download not found or expired")
        }
        var headers: HTTPFields = [.contentType: contentType]
        headers[.contentDisposition] = "attachment; filename=\"\(download.fileName)\""
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
