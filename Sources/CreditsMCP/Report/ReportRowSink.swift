import BlockingWork
import Foundation

/// Where a streamed report's rows go, page by page: the Excel file in production (`WorkbookRowSink`).
/// A seam for tests, which wrap it to count the rows handed over.
protocol ReportRowSink: AnyObject {
    /// Takes the next rows, in order. May return before they are on disk.
    func append(_ rows: [[ReportCell]]) async throws
    /// Writes everything still pending and completes the file.
    func finish() async throws -> XLSXStreamWriter.Summary
    /// Gives up: nothing is left on disk.
    func abandon() async
}

/// Feeds an `XLSXStreamWriter` from async code. Each batch of rows is encoded, deflated and written on
/// `BlockingWorkPool` while the caller goes on to fetch the next page; at most one batch is being written at a
/// time (the next `append` waits for it), so memory holds two pages at most.
final class WorkbookRowSink: ReportRowSink {
    let writer: XLSXStreamWriter
    private var pending: Task<Void, any Error>?

    init(writer: XLSXStreamWriter) {
        self.writer = writer
    }

    func append(_ rows: [[ReportCell]]) async throws {
        try await waitForPending()
        let writer = self.writer
        pending = Task { try await offCooperativePool { try writer.append(rows) } }
    }

    func finish() async throws -> XLSXStreamWriter.Summary {
        try await waitForPending()
        let writer = self.writer
        return try await offCooperativePool { try writer.finish() }
    }

    func abandon() async {
        try? await waitForPending()
        let writer = self.writer
        _ = try? await offCooperativePool { writer.abandon() }
    }

    private func waitForPending() async throws {
        guard let pending else { return }
        self.pending = nil
        try await pending.value
    }
}
