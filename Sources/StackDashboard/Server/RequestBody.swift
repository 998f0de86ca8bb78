import Foundation
import Hummingbird
import StackHTTP

enum RequestBody {
    /// A JSON body of at most 64 KiB, or 400 with an example of a good one.
    static func decode<T: Decodable>(_ request: Request, example: String) async throws -> T {
        let buffer = try await request.collectBody(limit: 64 * 1024)
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: buffer))
        } catch {
            throw HTTPFailure.badRequest("body must be JSON like \(example)")
        }
    }
}
