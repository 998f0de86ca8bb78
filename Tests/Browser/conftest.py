"""Keeps each test's reports on its item, so the driver fixture knows whether the test failed (and then
saves failure.png and the page source)."""
import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
