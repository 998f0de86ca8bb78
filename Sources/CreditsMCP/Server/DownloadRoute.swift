import BlockingWork
import Foundation
import Hummingbird
import StackHTTP

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `GET /download/<token>`: the Excel file while the token is valid; 404 for anything else,
/// with the same answer for unknown, malformed and expired tokens so none can be probed.
///
/// The file is opened once (off the cooperative pool) and streamed in chunks of `chunkSize` bytes,
/// each read with `pread` on a `BlockingWorkPool` thread, so a large workbook never sits in memory whole
/// and a slow disk never blocks a cooperative thread. The open descriptor keeps the file readable
/// even if the sweeper deletes it mid-transfer.
enum DownloadRoute {
    static let contentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    static let chunkSize = 64 * 1024

    static func serve(token: String, from store: DownloadStore, chunkSize: Int = chunkSize) async throws -> Response {
        let found = try await offCooperativePool { () -> (Download, OpenedFile)? in
            guard let download = store.lookup(token: token), let file = OpenedFile(path: download.fileURL.path) else { return nil }
            return (download, file)
        }
        guard let (download, file) = found else {
            throw HTTPFailure.notFound("download not found or expired")
        }
        var headers: HTTPFields = [.contentType: contentType]
        headers[.contentDisposition] = "attachment; filename=\"\(download.fileName)\""
        headers[.cacheControl] = "no-store"
        let size = file.size
        let chunk = max(1, chunkSize)
        let body = ResponseBody(contentLength: size) { writer in
            var offset = 0
            while offset < size {
                let count = min(chunk, size - offset), position = offset
                let bytes = try await offCooperativePool { try file.read(at: position, count: count) }
                try await writer.write(bytes)
                offset += bytes.readableBytes
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}

/// A file opened for reading, closed when the last reference goes (e.g. once the response body is done).
final class OpenedFile: Sendable {
    let descriptor: Int32
    let size: Int

    init?(path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            return nil
        }
        descriptor = fd
        size = Int(info.st_size)
    }

    deinit {
        close(descriptor)
    }

    /// Up to `count` bytes at `offset`; throws at end of file or on a read error (the file shrank).
    func read(at offset: Int, count: Int) throws -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        let fd = descriptor
        _ = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { raw -> Int in
            while true {
                let result = pread(fd, raw.baseAddress, count, off_t(offset))
                if result < 0, errno == EINTR { continue }
                guard result > 0 else {
                    throw XLSXWriterError(description: result == 0 ? "the download file ended early" : "cannot read the download file: \(String(cString: strerror(errno)))")
                }
                return result
            }
        }
        return buffer
    }
}
