// Placeholder until the benchmark lands.
print("stackctl-bench: not written yet")
