/// fake-tais: identity, tool registry, sessions, chat agent and credit ledger.
/// Built by a later issue; the target exists so the package layout is final.
public enum FakeTAIS {}
