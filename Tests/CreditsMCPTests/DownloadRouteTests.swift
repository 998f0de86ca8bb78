import Foundation
import Hummingbird
import NIOCore
import StackHTTP
import Synchronization
import Testing
@testable import CreditsMCP

/// `GET /download/<token>` streams the file in chunks read off the cooperative pool, never whole.
@Suite struct DownloadRouteTests {
    /// Collects what a response body writes, chunk by chunk.
    struct CollectingWriter: ResponseBodyWriter {
        let chunks: Chunks
        final class Chunks: Sendable {
            let buffers = Mutex<[ByteBuffer]>([])
            let done = Mutex(false)
            var list: [ByteBuffer] { buffers.withLock { $0 } }
            var finished: Bool { done.withLock { $0 } }
        }

        mutating func write(_ buffer: ByteBuffer) async throws {
            chunks.buffers.withLock { $0.append(buffer) }
        }

        mutating func write(contentsOf buffers: some Sequence<ByteBuffer>) async throws {
            for buffer in buffers { try await write(buffer) }
        }

        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
            chunks.done.withLock { $0 = true }
        }
    }

    static func store() throws -> DownloadStore {
        try DownloadStore(directory: FileManager.default.temporaryDirectory.appendingPathComponent("credits-mcp-route-\(UUID().uuidString)"))
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    @Test func aLargeFileIsServedInChunksByteForByte() async throws {
        let store = try Self.store()
        defer { try? FileManager.default.removeItem(at: store.directory) }
        let bytes = Self.randomBytes(300_000)
        let download = try store.store(tenant: "tenant-01", fileName: "big.xlsx") { try Data(bytes).write(to: $0) }

        let response = try await DownloadRoute.serve(token: download.token, from: store, chunkSize: 64 * 1024)
        #expect(response.status == .ok)
        #expect(response.headers[.contentType] == DownloadRoute.contentType)
        #expect(response.headers[.contentDisposition] == "attachment; filename=\"big.xlsx\"")
        #expect(response.body.contentLength == 300_000)

        // Deleted after the response was made (as the sweeper might): the open file still serves.
        try FileManager.default.removeItem(at: download.fileURL)
        let chunks = CollectingWriter.Chunks()
        try await response.body.write(CollectingWriter(chunks: chunks))
        #expect(chunks.finished)
        #expect(chunks.list.count == 5, "300,000 bytes in 64 KiB chunks, got \(chunks.list.map(\.readableBytes))")
        #expect(chunks.list.allSatisfy { $0.readableBytes <= 64 * 1024 })
        #expect(chunks.list.flatMap { Array($0.readableBytesView) } == bytes)
    }

    @Test func anEmptyFileIsAnEmptyBody() async throws {
        let store = try Self.store()
        defer { try? FileManager.default.removeItem(at: store.directory) }
        let download = try store.store(tenant: "t", fileName: "e.xlsx") { try Data().write(to: $0) }
        let response = try await DownloadRoute.serve(token: download.token, from: store)
        #expect(response.body.contentLength == 0)
        let chunks = CollectingWriter.Chunks()
        try await response.body.write(CollectingWriter(chunks: chunks))
        #expect(chunks.list.isEmpty && chunks.finished)
    }

    @Test func unknownOrMissingIsNotFound() async throws {
        let store = try Self.store()
        defer { try? FileManager.default.removeItem(at: store.directory) }
        await #expect(throws: HTTPFailure.self) { _ = try await DownloadRoute.serve(token: DownloadStore.makeToken(), from: store) }
        let download = try store.store(tenant: "t", fileName: "x.xlsx") { try Data("x".utf8).write(to: $0) }
        try FileManager.default.removeItem(at: download.fileURL)
        await #expect(throws: HTTPFailure.self) { _ = try await DownloadRoute.serve(token: download.token, from: store) }
    }
}
