import ArgumentParser

@main
struct StripeBench: AsyncParsableCommand {
    func run() async throws {}
}
