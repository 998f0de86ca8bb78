import StackConfig

/// How one fake-openmeter process is set up; resolved from flags, env and `.env` by the executable.
public struct OpenMeterConfiguration: Sendable {
    public static let defaultPort = 8888
    public static let defaultDataPath = "fake-openmeter.sqlite"
    /// The largest request body accepted (a 1,000-event batch is about 250 KB).
    public static let maximumBodyBytes = 32 * 1024 * 1024

    public var host: String
    public var port: Int
    /// SQLite file, or `:memory:`.
    public var dataPath: String
    /// Bearer token required on the API when set.
    public var apiKey: String?
    /// Meter definitions file; nil: `compose/meters.yaml` if present, else the built-in `ai_credits` meter.
    public var metersFile: String?

    public init(host: String = "127.0.0.1", port: Int = defaultPort, dataPath: String = defaultDataPath, apiKey: String? = nil, metersFile: String? = nil) {
        self.host = host
        self.port = port
        self.dataPath = dataPath
        self.apiKey = apiKey
        self.metersFile = metersFile
    }
}
