import FakeOpenMeter
import Foundation
import Testing

/// `fake-openmeter seed --settings`: the YAML file behind compose/seed.yaml.
@Suite struct SeedSettingsTests {
    static func load(_ yaml: String) throws -> SeedSettings {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("seed-\(UUID().uuidString).yaml")
        try yaml.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        return try SeedSettings.load(path: url.path)
    }

    @Test func everyKeyIsOptional() throws {
        #expect(try Self.load("tenants: 4\nevents: 10\ndays: 2\nseed: 9\nend: 2026-01-01T00:00:00Z\n")
            == SeedSettings(tenants: 4, events: 10, days: 2, seed: 9, end: "2026-01-01T00:00:00Z"))
        #expect(try Self.load("days: 5 # comment\n") == SeedSettings(days: 5))
    }

    @Test func theComposeFileLoads() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("compose/seed.yaml").path
        let settings = try SeedSettings.load(path: path)
        #expect(settings.tenants == 3 && settings.events == 30_000 && settings.days == 60 && settings.seed == 42)
    }

    @Test func badFilesSayWhatIsWrong() throws {
        let typed = #expect(throws: SeedSettings.LoadError.self) { try Self.load("tenants: many\n") }
        #expect(typed?.description.contains("are invalid") == true)
        #expect(typed?.description.contains("tenants") == true)
        let missing = #expect(throws: SeedSettings.LoadError.self) { try SeedSettings.load(path: "/nonexistent/seed.yaml") }
        #expect(missing?.description.hasPrefix("cannot read seed settings /nonexistent/seed.yaml") == true)
    }
}
