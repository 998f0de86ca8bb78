import Testing

/// Every integration suite runs real fake-openmeter and credits-mcp processes from the built
/// executables (`swift build --build-tests`; `CREDITS_STACK_BIN` points at them when set).
/// The suites run one test at a time: several check time bounds and expiry, which a machine busy
/// with a dozen parallel stacks would blur.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct IntegrationTests {}
