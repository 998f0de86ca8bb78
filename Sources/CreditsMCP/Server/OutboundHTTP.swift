public import AsyncHTTPClient
import StackClients

/// credits-mcp's client for the services it calls (OpenMeter, the TAIS JWKS): fails fast on an outage.
public enum OutboundHTTP {
    public static let client: HTTPClient = FailFastHTTPClient.make(connectionsPerHost: 32)
}
