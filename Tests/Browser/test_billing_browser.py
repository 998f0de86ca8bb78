"""The top-up flow in a real headless Chromium, against the real stack.

`stackctl up --detach --ephemeral-ports` on a temporary state folder starts fake-openmeter, fake-stripe,
fake-tais and credits-mcp; `stackctl env` gives TAIS_URL and the dev admin's TAIS_JWT (tenant-01, Owner).
The browser signs in through `/login?token=…&next=/settings/billing`, buys $50 of credits on the billing
page, is declined once on fake-stripe's hosted pay page, pays with the good test card and comes back to
the billing page, credited. A second test buys again and cancels on the pay page.

Driver: Debian's `chromium` and `chromium-driver` (/usr/bin/chromium, /usr/bin/chromedriver), passed
explicitly, with SE_OFFLINE=true so Selenium Manager never downloads anything. Screenshots of each step go to
SCREENSHOT_DIR (default <repo>/.artifacts/screenshots); a failing test also leaves failure.png, failure.html
and the stack's merged log there.

stackctl: `$CREDITS_STACK_BIN/stackctl` when CREDITS_STACK_BIN is set (scripts/test.sh sets it to the binaries
it just built), otherwise `scripts/stackctl`, which builds what is missing first. Starting and stopping the
stack and the browser are conftest.py's (`start_stack`, `browser_for`), shared with test_dashboard_browser.py.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from urllib.parse import quote, urlsplit

import pytest
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

# conftest.py sets SE_OFFLINE=true before it imports selenium, and is imported by pytest before this module.
from conftest import SCREENSHOT_DIR, browser_for, start_stack

CREDITS_PER_USD = 100  # fake-tais's default (CREDITS_PER_USD is scrubbed from the stack's environment)
AMOUNT_USD = 50
DECLINED_CARD = "4000 0000 0000 0002"
GOOD_CARD = "4242 4242 4242 4242"

WAIT_S = 20  # any one page step
CREDIT_DEADLINE_S = 30  # a pending payment must be credited within this

SCREENSHOT_NAMES = ("01-billing-before.png", "02-pay-page.png", "03-declined.png", "04-paid.png",
                    "05-cancelled.png")


# --- the stack ---------------------------------------------------------------------------------------

class StackEnv(dict):
    """`stackctl env` of the running stack; its repr leaves the JWT out of test reports."""

    def __repr__(self) -> str:
        return f"StackEnv(TAIS_URL={self.get('TAIS_URL')!r}, …)"


@pytest.fixture(scope="module")
def stack(request: pytest.FixtureRequest) -> StackEnv:
    """The running stack's `stackctl env` (conftest.py's `start_stack`: always stopped with `stackctl down`
    afterwards, and checked to be gone: the supervisor and every service it started)."""
    run = start_stack(request)
    for key in ("TAIS_URL", "TAIS_JWT"):
        assert run.env.get(key), f"stackctl env has no {key}; it has {sorted(run.env)}"
    return StackEnv(run.env)


# --- the browser -------------------------------------------------------------------------------------

@pytest.fixture(scope="session", autouse=True)
def screenshot_dir():
    """The screenshot folder, without the files an earlier run left there."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    for name in SCREENSHOT_NAMES + ("failure.png", "failure.html", "stack.log"):
        (SCREENSHOT_DIR / name).unlink(missing_ok=True)
    for old in SCREENSHOT_DIR.glob("failure-*"):
        old.unlink()
    return SCREENSHOT_DIR


@pytest.fixture
def driver(request: pytest.FixtureRequest):
    """conftest.py's headless Chromium; the first failing test leaves failure.png and failure.html, any later
    one failure-<test>.png and .html."""
    yield from browser_for(request, lambda: "failure" if not (SCREENSHOT_DIR / "failure.png").exists()
                           else f"failure-{request.node.name}")


def shot(browser: WebDriver, name: str) -> None:
    assert browser.save_screenshot(str(SCREENSHOT_DIR / name)), f"could not save {name}"


def where(browser: WebDriver) -> str:
    return f"(at {browser.current_url})"


def wait_for(browser: WebDriver, element_id: str, what: str, timeout: float = WAIT_S) -> WebElement:
    try:
        return WebDriverWait(browser, timeout).until(EC.presence_of_element_located((By.ID, element_id)))
    except TimeoutException:
        body = browser.find_element(By.TAG_NAME, "body").text[:600] if browser.find_elements(By.TAG_NAME, "body") else ""
        pytest.fail(f"{what}: no #{element_id} within {timeout}s {where(browser)}; the page says:\n{body}")


def credits(browser: WebDriver, element_id: str) -> Decimal:
    text = browser.find_element(By.ID, element_id).text.strip()
    try:
        return Decimal(text)
    except InvalidOperation:
        pytest.fail(f"#{element_id} is not a number: {text!r} {where(browser)}")


def purchases_total(browser: WebDriver) -> int:
    return int(browser.find_element(By.ID, "purchases-table").get_attribute("data-total"))


def banner_status(browser: WebDriver) -> str | None:
    banners = browser.find_elements(By.ID, "checkout-banner")
    return banners[0].get_attribute("data-status") if banners else None


def sign_in(browser: WebDriver, stack: dict[str, str]) -> None:
    base = stack["TAIS_URL"].rstrip("/")
    browser.get(f"{base}/login?token={quote(stack['TAIS_JWT'], safe='')}&next=/settings/billing")
    wait_for(browser, "balance-credits", "the billing page after /login")
    assert urlsplit(browser.current_url).path == "/settings/billing", f"login landed elsewhere {where(browser)}"
    assert banner_status(browser) is None, f"a fresh billing page shows a checkout banner {where(browser)}"


def buy(browser: WebDriver, usd: int) -> None:
    """Types the amount, clicks Buy and waits for fake-stripe's hosted pay page."""
    amount = browser.find_element(By.ID, "buy-amount")
    amount.clear()
    amount.send_keys(str(usd))
    browser.find_element(By.ID, "buy-button").click()
    wait_for(browser, "card-number", "the pay page after buy-button")
    assert "/c/pay/" in browser.current_url, f"expected fake-stripe's /c/pay/ page {where(browser)}"
    expected = f"${usd:.2f}"
    shown = browser.find_element(By.ID, "amount").text
    assert shown == expected, f"#amount on the pay page: expected {expected!r}, got {shown!r} {where(browser)}"
    assert expected in browser.find_element(By.ID, "pay-button").text, f"the Pay button does not say {expected}"
    assert browser.find_element(By.ID, "session-state").get_attribute("data-status") == "open"


def submit(browser: WebDriver, button_id: str) -> None:
    """Clicks a submit button and waits until the next page replaced this one."""
    button = browser.find_element(By.ID, button_id)
    button.click()

    def replaced(_: WebDriver) -> bool:
        try:
            button.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            # chromedriver's answer while the old document is being detached by the navigation, instead of
            # a stale element reference: the page is being replaced all the same.
            if "does not belong to the document" in str(error):
                return True
            raise

    WebDriverWait(browser, WAIT_S).until(replaced, f"the page was not replaced after clicking #{button_id}")


def wait_until_credited(browser: WebDriver) -> None:
    """The banner of the return from Stripe: credited, or pending and reloaded until credited."""

    def credited(b: WebDriver) -> bool:
        status = banner_status(b)
        if status == "credited":
            return True
        if status in ("expired", "cancelled", "error"):
            text = b.find_element(By.ID, "checkout-banner").text
            raise AssertionError(f"#checkout-banner data-status={status} ({text!r}), expected credited {where(b)}")
        if status == "pending":
            b.refresh()
        return False

    try:
        WebDriverWait(browser, CREDIT_DEADLINE_S, poll_frequency=0.5).until(credited)
    except TimeoutException:
        pytest.fail(f"#checkout-banner still data-status={banner_status(browser)} after {CREDIT_DEADLINE_S}s, "
                    f"expected credited {where(browser)}")


# --- the tests ---------------------------------------------------------------------------------------

def test_top_up_declined_then_paid(stack: dict[str, str], driver: WebDriver) -> None:
    sign_in(driver, stack)
    balance_before = credits(driver, "balance-credits")
    purchased_before = credits(driver, "purchased-credits")
    purchases_before = purchases_total(driver)
    shot(driver, "01-billing-before.png")

    buy(driver, AMOUNT_USD)
    shot(driver, "02-pay-page.png")

    card = driver.find_element(By.ID, "card-number")
    card.send_keys(DECLINED_CARD)
    submit(driver, "pay-button")
    error = wait_for(driver, "payment-error", "the pay page after a declined card").text
    assert "declined" in error.lower(), f"#payment-error: expected a declined card, got {error!r} {where(driver)}"
    state = driver.find_element(By.ID, "session-state").get_attribute("data-status")
    assert state == "open", f"#session-state data-status after a decline: expected open, got {state!r}"
    assert "/c/pay/" in driver.current_url, f"a declined card left the pay page {where(driver)}"
    shot(driver, "03-declined.png")

    card = driver.find_element(By.ID, "card-number")
    card.clear()
    card.send_keys(GOOD_CARD)
    submit(driver, "pay-button")
    wait_for(driver, "checkout-banner", "the billing page after paying")
    back = urlsplit(driver.current_url)
    assert back.path == "/settings/billing" and "checkout=success" in back.query, \
        f"expected the success return to /settings/billing?checkout=success {where(driver)}"
    wait_until_credited(driver)

    added = Decimal(AMOUNT_USD * CREDITS_PER_USD)
    balance_after = credits(driver, "balance-credits")
    assert balance_after - balance_before == added, \
        f"#balance-credits: expected {balance_before} + {added}, got {balance_after}"
    assert credits(driver, "purchased-credits") - purchased_before == added
    assert purchases_total(driver) == purchases_before + 1, "#purchases-table data-total did not grow by one"
    newest = driver.find_elements(By.CSS_SELECTOR, "#purchases-table tbody tr:not(.empty)")
    assert newest, f"#purchases-table has no rows {where(driver)}"
    cells = [cell.text for cell in newest[0].find_elements(By.TAG_NAME, "td")]
    assert Decimal(cells[2]) == added and Decimal(cells[3]) == balance_after, \
        f"the newest purchase row: expected credits {added}, balance after {balance_after}; got {cells}"
    assert str(added) in driver.find_element(By.ID, "checkout-banner").text
    shot(driver, "04-paid.png")

    # Reloading the return URL credits nothing twice.
    driver.refresh()
    wait_for(driver, "balance-credits", "the billing page reloaded")
    assert banner_status(driver) == "credited"
    assert credits(driver, "balance-credits") == balance_after, "reloading the return page changed the balance"


def test_top_up_cancelled(stack: dict[str, str], driver: WebDriver) -> None:
    sign_in(driver, stack)
    balance_before = credits(driver, "balance-credits")
    purchases_before = purchases_total(driver)

    buy(driver, AMOUNT_USD)
    submit(driver, "cancel-button")
    wait_for(driver, "checkout-banner", "the billing page after cancel-button")
    back = urlsplit(driver.current_url)
    assert back.path == "/settings/billing" and "checkout=cancelled" in back.query, \
        f"expected the cancel return to /settings/billing?checkout=cancelled {where(driver)}"
    status = banner_status(driver)
    assert status == "cancelled", f"#checkout-banner data-status: expected cancelled, got {status!r}"
    balance_after = credits(driver, "balance-credits")
    assert balance_after == balance_before, f"#balance-credits changed on cancel: {balance_before} -> {balance_after}"
    assert purchases_total(driver) == purchases_before, "#purchases-table grew on cancel"
    shot(driver, "05-cancelled.png")
