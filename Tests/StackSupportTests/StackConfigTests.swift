import ArgumentParser
import Foundation
import StackConfig
import Testing

/// `.env` parsing and the settings order flag > env > `.env` > default.
@Suite struct DotEnvTests {
    @Test func linesCommentsExportAndKeys() {
        let text = """
            # a comment line
            KEY=value
            export EXPORTED = spaced value\u{20}\u{20}
              INDENTED=yes
            DOTTED.KEY_2=1
            EQUALS=a=b=c
            EMPTY=
            HASH=a#b
            INLINE=value # a comment
            BAD-KEY=x
            =novalue
            no equals sign

            #COMMENTED=1
            """
        #expect(DotEnv.parse(text) == [
            "KEY": "value",
            "EXPORTED": "spaced value",
            "INDENTED": "yes",
            "DOTTED.KEY_2": "1",
            "EQUALS": "a=b=c",
            "EMPTY": "",
            "HASH": "a#b",
            "INLINE": "value",
        ])
    }

    @Test func singleQuotesAreLiteral() {
        #expect(DotEnv.parse(#"A='x # not a comment'"#) == ["A": "x # not a comment"])
        #expect(DotEnv.parse(#"A='a\nb'"#) == ["A": #"a\nb"#])
        #expect(DotEnv.parse(#"A='say "hi"'"#) == ["A": #"say "hi""#])
        #expect(DotEnv.parse("A=''") == ["A": ""])
    }

    @Test func doubleQuotesUnderstandEscapes() {
        #expect(DotEnv.parse(#"A="line1\nline2""#) == ["A": "line1\nline2"])
        #expect(DotEnv.parse(#"A="say \"hi\"""#) == ["A": #"say "hi""#])
        #expect(DotEnv.parse(#"A="back\\slash""#) == ["A": #"back\slash"#])
        #expect(DotEnv.parse(#"A="tab\there""#) == ["A": "tab\there"])
        #expect(DotEnv.parse(#"A="x # kept""#) == ["A": "x # kept"])
        #expect(DotEnv.parse(#"A="""#) == ["A": ""])
    }

    @Test func aLoneQuoteIsKeptAsText() {
        #expect(DotEnv.parse(#"A=""#) == ["A": "\""])
        #expect(DotEnv.parse("A='") == ["A": "'"])
        #expect(DotEnv.parse(#"A="open"#) == ["A": #""open"#])
    }

    @Test func laterLinesWinAndLineEndingsDoNotLeak() {
        #expect(DotEnv.parse("A=1\nA=2") == ["A": "2"])
        #expect(DotEnv.parse("A=1\r\nB=2\r\n") == ["A": "1", "B": "2"])
        #expect(DotEnv.parse("A=1\rB=2") == ["A": "1", "B": "2"])
    }

    @Test func commentAfterAQuotedValue() {
        #expect(DotEnv.parse(#"A="quoted value" # note"#) == ["A": "quoted value"])
        #expect(DotEnv.parse(#"B='single' # note"#) == ["B": "single"])
    }

    @Test func loadReadsAFileAndAMissingFileIsEmpty() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dotenv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent(".env").path
        try "A=1\nB='two'\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try DotEnv.load(path: file) == ["A": "1", "B": "two"])
        #expect(try DotEnv.load(path: folder.appendingPathComponent("missing.env").path) == [:])
    }

    @Test func unreadableFileIsAStartupFailure() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dotenv-dir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // A folder exists at the path but cannot be read as text.
        do {
            _ = try DotEnv.load(path: folder.path)
            Issue.record("loading a folder as .env did not fail")
        } catch let failure as StartupFailure {
            #expect(failure.message.hasPrefix("cannot read \(folder.path): "), "\(failure.message)")
            #expect(failure.exitCode == 1)
        }
    }
}

@Suite struct SettingsTests {
    @Test func emptyValuesAreAbsent() {
        let settings = Settings(values: ["A": "", "B": "x"])
        #expect(settings.string("A") == nil)
        #expect(settings.string("B") == "x")
        #expect(settings.string("C") == nil)
    }

    @Test func integers() throws {
        let settings = Settings(values: ["N": " 42 ", "BAD": "4.2", "BIG": "70000", "EMPTY": ""])
        #expect(try settings.int("N") == 42)
        #expect(try settings.int("N", in: 0...42) == 42)
        #expect(try settings.int("MISSING") == nil)
        #expect(try settings.int("EMPTY", in: 1...2) == nil)
        do {
            _ = try settings.int("BAD")
            Issue.record("4.2 accepted as a whole number")
        } catch let failure as StartupFailure {
            #expect(failure.message == #"BAD must be a whole number, got "4.2""#)
        }
        do {
            _ = try settings.int("BIG", in: 0...65535)
            Issue.record("70000 accepted as a port")
        } catch let failure as StartupFailure {
            #expect(failure.message == "BIG must be between 0 and 65535, got 70000")
        }
    }

    @Test(arguments: [
        ("1", true), ("true", true), ("TRUE", true), ("yes", true), ("On", true),
        ("0", false), ("false", false), ("No", false), ("off", false),
    ])
    func booleans(raw: String, expected: Bool) throws {
        #expect(try Settings(values: ["B": raw]).bool("B") == expected, "\(raw)")
    }

    @Test func badBooleanNamesTheKeyAndValue() throws {
        #expect(try Settings(values: [:]).bool("B") == nil)
        do {
            _ = try Settings(values: ["B": "Maybe"]).bool("B")
            Issue.record("Maybe accepted as a boolean")
        } catch let failure as StartupFailure {
            #expect(failure.message == #"B must be true or false, got "maybe""#)
        }
    }

    @Test func environmentWinsOverDotEnv() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let suffix = UUID().uuidString.replacingOccurrences(of: "-", with: "_")
        let both = "STACK_TEST_BOTH_\(suffix)", fileOnly = "STACK_TEST_FILE_\(suffix)", envOnly = "STACK_TEST_ENV_\(suffix)"
        let file = folder.appendingPathComponent(".env").path
        try "\(both)=from-file\n\(fileOnly)=from-file\n".write(toFile: file, atomically: true, encoding: .utf8)
        setenv(both, "from-env", 1)
        setenv(envOnly, "from-env", 1)
        defer { unsetenv(both); unsetenv(envOnly) }

        let settings = try Settings.load(dotEnvPath: file)
        #expect(settings.string(both) == "from-env")
        #expect(settings.string(fileOnly) == "from-file")
        #expect(settings.string(envOnly) == "from-env")

        let withoutFile = try Settings.load(dotEnvPath: folder.appendingPathComponent("none.env").path)
        #expect(withoutFile.string(fileOnly) == nil)
        #expect(withoutFile.string(both) == "from-env")
    }

    @Test func flagBeatsEnvBeatsDotEnvBeatsDefault() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("settings-port-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let key = "STACK_TEST_PORT_" + UUID().uuidString.replacingOccurrences(of: "-", with: "_")
        let file = folder.appendingPathComponent(".env").path
        try "\(key)=9004\n".write(toFile: file, atomically: true, encoding: .utf8)

        let flagged = try ServerOptions.parse(["--port", "9001"])
        let unflagged = try ServerOptions.parse([])

        // .env only.
        let fromFile = try Settings.load(dotEnvPath: file)
        #expect(try unflagged.resolvedPort(settings: fromFile, envKey: key, defaultPort: 9003) == 9004)
        #expect(try flagged.resolvedPort(settings: fromFile, envKey: key, defaultPort: 9003) == 9001)

        // The environment over .env, the flag over both.
        setenv(key, "9002", 1)
        defer { unsetenv(key) }
        let fromEnv = try Settings.load(dotEnvPath: file)
        #expect(try unflagged.resolvedPort(settings: fromEnv, envKey: key, defaultPort: 9003) == 9002)
        #expect(try flagged.resolvedPort(settings: fromEnv, envKey: key, defaultPort: 9003) == 9001)

        // Nothing set: the default.
        #expect(try unflagged.resolvedPort(settings: Settings(values: [:]), envKey: key, defaultPort: 9003) == 9003)
    }

    @Test func serverOptionsDefaultsAndPortChecks() throws {
        let options = try ServerOptions.parse([])
        #expect(options.host == "127.0.0.1")
        #expect(options.port == nil)
        #expect(try ServerOptions.parse(["--host", "0.0.0.0", "--port", "0"]).resolvedPort(settings: Settings(values: [:]), envKey: "P", defaultPort: 1) == 0)
        do {
            _ = try ServerOptions.parse(["--port", "70000"]).resolvedPort(settings: Settings(values: [:]), envKey: "P", defaultPort: 1)
            Issue.record("--port 70000 accepted")
        } catch let failure as StartupFailure {
            #expect(failure.message == "--port must be between 0 and 65535, got 70000")
        }
        do {
            _ = try ServerOptions.parse([]).resolvedPort(settings: Settings(values: ["P": "-1"]), envKey: "P", defaultPort: 1)
            Issue.record("P=-1 accepted")
        } catch let failure as StartupFailure {
            #expect(failure.message == "P must be between 0 and 65535, got -1")
        }
        do {
            _ = try ServerOptions.parse([]).resolvedPort(settings: Settings(values: ["P": "http"]), envKey: "P", defaultPort: 1)
            Issue.record("P=http accepted")
        } catch let failure as StartupFailure {
            #expect(failure.message == #"P must be a whole number, got "http""#)
        }
    }

    @Test func startupFailureIsItsMessage() {
        let failure = StartupFailure("port 8888 is taken", exitCode: 3)
        #expect(failure.description == "port 8888 is taken")
        #expect(failure.exitCode == 3)
        #expect(StartupFailure("x").exitCode == 1)
    }
}
