/// fake-stripe: Checkout, the hosted pay page and signed webhooks.
/// Built by a later issue; the target exists so the package layout is final.
public enum FakeStripe {}
