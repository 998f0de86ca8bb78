import Foundation
import ProcessSupport
import Testing

extension IntegrationTests {
    @Suite("Start-up")
    struct Startup {
        enum MissingKey: String, CaseIterable, Sendable {
            case unset, empty
        }

        @Test("Without OPENMETER_API_KEY credits-mcp exits non-zero with one clear line on stderr", arguments: MissingKey.allCases)
        func missingAPIKey(_ variant: MissingKey) async throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("credits-it-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }

            let process = Process()
            process.executableURL = try BuiltProducts.executable("credits-mcp")
            process.arguments = ["--port", "0"]
            var environment = ProcessInfo.processInfo.environment
            for key in environment.keys where key.hasPrefix("OPENMETER_") || key.hasPrefix("DEV_") || key == "CREDITS_MCP_ENV" {
                environment[key] = nil
            }
            environment["OPENMETER_URL"] = "http://127.0.0.1:9"
            if variant == .empty { environment["OPENMETER_API_KEY"] = "" }
            process.environment = environment
            process.currentDirectoryURL = directory  // no .env here
            let standardError = Pipe(), standardOutput = Pipe()
            process.standardError = standardError
            process.standardOutput = standardOutput
            try process.run()

            let exited = try await waitUntil(timeout: .seconds(15), interval: .milliseconds(50)) { !process.isRunning }
            if !exited {
                process.terminate()
            }
            process.waitUntilExit()
            let errorText = String(decoding: standardError.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(exited, "credits-mcp kept running without an API key:\n\(errorText)")
            #expect(process.terminationReason == .exit && process.terminationStatus != 0, "exit status \(process.terminationStatus)")
            let lines = errorText.split(whereSeparator: \.isNewline).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            #expect(lines.count == 1, "stderr has \(lines.count) lines:\n\(errorText)")
            #expect(lines.first?.contains("OPENMETER_API_KEY") == true, "stderr does not name OPENMETER_API_KEY:\n\(errorText)")
        }
    }
}
