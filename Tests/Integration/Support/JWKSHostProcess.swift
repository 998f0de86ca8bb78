import Foundation
import ProcessSupport

/// A JWKS endpoint for credits-mcp in JWT mode, served by a real child process: a few lines of Python
/// (`python3`, as the conformance tests need anyway) serving the files of a private temp folder, so
/// `/jwks.json` answers whatever `serve(jwks:)` last wrote. It logs `listening on http://…` like the stack's
/// services, so `ServiceProcess` starts and stops it the same way.
final class JWKSHostProcess: Sendable {
    let directory: URL
    let process: ServiceProcess

    /// The URL to give credits-mcp as `TAIS_JWKS_URL`.
    var jwksURL: String { process.baseURL + "/jwks.json" }

    private init(directory: URL, process: ServiceProcess) {
        self.directory = directory
        self.process = process
    }

    static let script = """
        import functools, http.server, os, signal, sys

        # A child of the test runner may inherit SIGTERM as ignored or blocked; stop on it like the stack's services do.
        signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})

        class Handler(http.server.SimpleHTTPRequestHandler):
            extensions_map = {".json": "application/json"}

            def log_message(self, format, *args):
                sys.stderr.write("%s\\n" % (format % args))

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=sys.argv[1]))
        print("listening on http://127.0.0.1:%d" % server.server_address[1], flush=True)
        server.serve_forever()
        """

    /// Starts the server with `jwks` as its document.
    static func start(jwks: String) async throws -> JWKSHostProcess {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jwks-host-\(UUID().uuidString)", isDirectory: true)
        let root = directory.appendingPathComponent("public", isDirectory: true)
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let scriptFile = directory.appendingPathComponent("serve.py")
        try Data(script.utf8).write(to: scriptFile)
        try Data(jwks.utf8).write(to: root.appendingPathComponent("jwks.json"), options: .atomic)
        do {
            let process = try await ServiceProcess(
                executable: URL(fileURLWithPath: "/usr/bin/env"), arguments: ["python3", "-u", scriptFile.path, root.path],
                workingDirectory: directory
            )
            return JWKSHostProcess(directory: directory, process: process)
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    /// Replaces the served document (atomically: a request sees the old or the new one).
    func serve(jwks: String) throws {
        try Data(jwks.utf8).write(to: directory.appendingPathComponent("public/jwks.json"), options: .atomic)
    }

    func stop() {
        process.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs `body` with a started host and stops it afterwards, also when `body` throws.
    static func with<T: Sendable>(jwks: String, _ body: (JWKSHostProcess) async throws -> T) async throws -> T {
        let host = try await start(jwks: jwks)
        do {
            let result = try await body(host)
            host.stop()
            return result
        } catch {
            host.stop()
            throw error
        }
    }
}
