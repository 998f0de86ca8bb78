import Testing
@testable import CreditsMCP

@Suite struct CreditsFormatTests {
    @Test(arguments: [
        (1234.5, "1234.50"), (0, "0.00"), (-0.0, "0.00"), (-3.1, "-3.10"), (0.125, "0.13"), (-0.125, "-0.13"),
        (1.005, "1.01"), (2.675, "2.68"), (0.005, "0.01"), (0.0049, "0.00"), (-0.004, "0.00"), (9.995, "10.00"),
        (999.999, "1000.00"), (1e-5, "0.00"), (1234567.891, "1234567.89"), (1e20, "100000000000000000000.00"),
        (0.1 + 0.2, "0.30"), (12, "12.00"), (0.5, "0.50"),
    ])
    func credits(value: Double, expected: String) {
        #expect(CreditsFormat.credits(value) == expected, "\(value)")
    }

    @Test func nonFinite() {
        #expect(CreditsFormat.credits(.nan) == "nan")
        #expect(CreditsFormat.credits(.infinity) == "inf")
    }

    @Test func otherNumbersAndTimes() {
        #expect(CreditsFormat.number(42) == "42")
        #expect(CreditsFormat.number(0.1) == "0.1")
        #expect(CreditsFormat.dateTime(1_768_471_200) == "2026-01-15T10:00:00Z")
        #expect(CreditsFormat.dateTime(0) == "1970-01-01T00:00:00Z")
    }
}
