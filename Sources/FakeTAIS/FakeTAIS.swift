/// fake-tais: identity, tool registry, sessions, chat agent and credit ledger.
public enum FakeTAIS {}
