import AsyncHTTPClient
import StackClients

/// The dashboard's client for the stack's services: a stopped service fails at once instead of being retried
/// until the deadline, so a page never waits on a process the user just stopped.
enum DashboardHTTP {
    static let client = FailFastHTTPClient.make(connectionsPerHost: 8)

    /// Control calls (clock, faults, reset): the seed of a reset takes a few seconds.
    static let control = HTTPRequester(client: client, timeout: .seconds(60))
    /// Reads made while building a snapshot: short, a snapshot must not lag.
    static let quick = HTTPRequester(client: client, timeout: .seconds(2))
    /// Chat: an answer may take a while (the agent calls the tool, which calls OpenMeter).
    static let chat = HTTPRequester(client: client, timeout: .seconds(120))
}
