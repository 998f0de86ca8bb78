/// The wait before restart number `attempt` (1-based): `base` doubling each time, capped at `cap`.
public func restartBackoff(attempt: Int, baseSeconds: Int, capSeconds: Int) -> Duration {
    guard baseSeconds > 0, attempt > 0 else { return .zero }
    let exponent = min(attempt - 1, 30)
    let seconds = min(baseSeconds * (1 << exponent), max(capSeconds, baseSeconds))
    return .seconds(seconds)
}

/// Whether a process that ended with `status` is started again under `policy`.
public func shouldRestart(_ policy: RestartPolicy, status: ExitStatus) -> Bool {
    switch policy {
    case .always: true
    case .onFailure: !status.isSuccess
    case .exitOnFailure, .no: false
    }
}
