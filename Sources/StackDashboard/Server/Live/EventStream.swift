import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import StackScenarios
import StackSupervisor
import Synchronization

/// One open page's `GET /dashboard/events`: snapshots, log lines (when asked for) and scenario progress, merged
/// into one stream. Log lines that arrive together go out in one write, so a flood costs few writes and the
/// page batches them too.
struct EventStream: Sendable {
    let hub: SnapshotHub
    let sink: LogSink
    let scenarios: ScenarioDesk
    /// nil: no logs; "all": the merged log; else one process.
    let logs: String?
    let tail: Int
    let pingPeriod: Duration

    private enum Item: Sendable {
        case frame(String)
        case logsReady
    }

    func response() -> Response {
        var headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-store"]
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await stream(into: &writer)
            try await writer.finish(nil)
        })
    }

    private func stream(into writer: inout some ResponseBodyWriter) async throws {
        let (items, yield) = AsyncStream<Item>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        let pending = LogBatch()
        // Subscribed before the tail is read, so no line falls between the two (one may show twice).
        let lines = logs.map { _ in sink.subscribe() }
        let snapshots = await hub.subscribe()
        let runs = scenarios.subscribe()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await snapshot in snapshots { yield.yield(.frame(EventFrames.event("snapshot", snapshot))) }
            }
            group.addTask {
                for await run in runs { yield.yield(.frame(EventFrames.event("scenario", ScenarioEvent(run)))) }
            }
            if let lines, let logs {
                let initial = sink.tail(logs == "all" ? nil : logs, count: tail)
                let frames = initial.map { text in
                    EventFrames.log(logs == "all" ? Self.mergedLine(text) : LogLine(process: logs, line: text))
                }
                if !frames.isEmpty { yield.yield(.frame(frames.joined())) }
                group.addTask {
                    for await line in lines where logs == "all" || line.process == logs {
                        // One wake-up per batch: a flood never crowds snapshots out of `items`.
                        if pending.append(line) { yield.yield(.logsReady) }
                    }
                }
            }
            group.addTask { [pingPeriod] in
                while !Task.isCancelled {
                    try await Task.sleep(for: pingPeriod)
                    yield.yield(.frame(EventFrames.ping))
                }
            }
            // Ends when the page goes (a write fails) or the server stops (cancellation ends the iteration).
            for await item in items {
                switch item {
                case .frame(let text):
                    try await writer.write(ByteBuffer(string: text))
                case .logsReady:
                    let (batch, dropped) = pending.take()
                    var text = batch.map(EventFrames.log).joined()
                    if dropped > 0 {
                        let note = LogLine(process: "stackctl", line: "… \(dropped) log lines skipped: this page fell behind (reload for the tail)")
                        text = EventFrames.log(note) + text
                    }
                    if !text.isEmpty { try await writer.write(ByteBuffer(string: text)) }
                }
            }
            group.cancelAll()
        }
    }

    /// A line of `stack.log` is `[name] text`.
    static func mergedLine(_ text: String) -> LogLine {
        guard text.hasPrefix("["), let close = text.firstIndex(of: "]") else { return LogLine(process: "stackctl", line: text) }
        let name = String(text[text.index(after: text.startIndex)..<close])
        let rest = text[text.index(after: close)...]
        return LogLine(process: name, line: String(rest.hasPrefix(" ") ? rest.dropFirst() : rest))
    }
}

/// `event: scenario`'s data: the report plus its run id.
struct ScenarioEvent: Encodable {
    var runId: String
    var status: String
    var name: String
    var steps: [StackScenarios.ScenarioStepReport]
    var durationMs: Double

    init(_ run: ScenarioDesk.Run) {
        runId = run.runId
        status = run.report.status
        name = run.report.name
        steps = run.report.steps
        durationMs = run.report.durationMs
    }
}

/// Lines waiting for the writer, shared by the forwarding task and the writer loop. At most `limit` wait; a reader
/// that falls further behind loses the oldest (counted, and said in the stream), so a stalled page cannot make
/// stackctl's memory grow.
final class LogBatch: Sendable {
    private let state = Mutex<(lines: [LogLine], dropped: Int)>(([], 0))
    let limit: Int

    init(limit: Int = 5_000) {
        self.limit = limit
    }

    /// True when the batch was empty (the writer needs a wake-up).
    func append(_ line: LogLine) -> Bool {
        state.withLock { state in
            let wasEmpty = state.lines.isEmpty
            if state.lines.count >= limit {
                state.lines.removeFirst(state.lines.count - limit + 1)
                state.dropped += 1
            }
            state.lines.append(line)
            return wasEmpty
        }
    }

    func take() -> (lines: [LogLine], dropped: Int) {
        state.withLock { state in
            defer { state = ([], 0) }
            return state
        }
    }
}
