import Foundation
import Testing
@testable import StackSupervisor

@Suite struct ProcessUsageTests {
    // A /proc/PID/stat line whose comm holds spaces and a parenthesis; utime 150, stime 50, rss 1000 pages.
    static let line = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 50 0 0 20 0 4 0 12345 987654 1000 18446744073709551615"

    @Test func readsCPUTicksAndRSSPastAnOddCommandName() throws {
        let usage = try #require(ProcessUsage.parse(Self.line, pid: 4242, at: .now))
        #expect(usage.cpuTicks == 200)
        #expect(usage.rssBytes % 1000 == 0 && usage.rssBytes >= 4_096_000)
    }

    @Test func cpuPercentIsTicksOverElapsedTime() throws {
        let start = ContinuousClock.now
        let earlier = try #require(ProcessUsage.parse(Self.line, pid: 1, at: start))
        var later = earlier
        later.cpuTicks += 50
        later.takenAt = start + .seconds(1)
        let percent = try #require(later.cpuPercent(since: earlier))
        // 50 ticks in one second at the usual 100 ticks per second.
        #expect(percent > 0 && percent <= 50 * 100)
        var other = later
        other.pid = 2
        #expect(other.cpuPercent(since: earlier) == nil)
        #expect(ProcessUsage.read(pid: getpidForTest()) != nil)
    }

    func getpidForTest() -> Int32 {
        Int32(ProcessInfo.processInfo.processIdentifier)
    }
}
