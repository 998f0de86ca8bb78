/// Seconds after a registration to renew it: `lifetimeSeconds × fraction`, spread by
/// ±`jitter × lifetimeSeconds × fraction` using `random` in [0, 1) (0 → the earliest, 0.5 → the middle,
/// towards 1 → the latest). Never negative, never past the lifetime; 0 for a lifetime that is not a
/// positive finite number.
public func renewalDelay(lifetimeSeconds: Double, fraction: Double, jitter: Double, random: Double) -> Double {
    guard lifetimeSeconds.isFinite, lifetimeSeconds > 0 else { return 0 }
    let share = fraction.isFinite ? min(max(fraction, 0), 1) : 1
    let spreadShare = jitter.isFinite ? max(jitter, 0) : 0
    let unit = random.isFinite ? min(max(random, 0), 1) : 0.5
    let base = lifetimeSeconds * share
    let value = base + (unit * 2 - 1) * spreadShare * base
    return min(max(value, 0), lifetimeSeconds)
}
