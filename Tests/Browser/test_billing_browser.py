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
it just built), otherwise `scripts/stackctl`, which builds what is missing first.
"""
from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
import warnings
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

# Selenium Manager must never try to download a driver or a browser.
os.environ["SE_OFFLINE"] = "true"

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import (  # noqa: E402
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR") or REPO / ".artifacts" / "screenshots")

CREDITS_PER_USD = 100  # fake-tais's default (CREDITS_PER_USD is scrubbed from the stack's environment)
AMOUNT_USD = 50
DECLINED_CARD = "4000 0000 0000 0002"
GOOD_CARD = "4242 4242 4242 4242"

UP_TIMEOUT_S = 300  # a first `scripts/stackctl up` may build
WAIT_S = 20  # any one page step
CREDIT_DEADLINE_S = 30  # a pending payment must be credited within this

# Settings a developer's shell could carry into the stack: a set TAIS_URL, say, would make `up` use that
# TAIS instead of starting fake-tais (docs/stackctl.md, hybrid use).
STACK_ENV_PREFIXES = ("OPENMETER_", "MCP_", "PUBLIC_BASE_URL", "DOWNLOAD_", "PREVIEW_ROW", "DEV_",
                      "CREDITS_MCP_", "TAIS_", "CHAT_CREDITS_", "CREDITS_PER_USD", "STRIPE_", "TOPUP_",
                      "STACKCTL_PORT")
SCREENSHOT_NAMES = ("01-billing-before.png", "02-pay-page.png", "03-declined.png", "04-paid.png",
                    "05-cancelled.png")


# --- the stack ---------------------------------------------------------------------------------------

def stackctl_command() -> list[str]:
    built = os.environ.get("CREDITS_STACK_BIN")
    if built:
        exe = Path(built) / "stackctl"
        if not exe.is_file():
            pytest.fail(f"CREDITS_STACK_BIN={built} has no stackctl (build first: swift build)")
        return [str(exe)]
    return [str(REPO / "scripts" / "stackctl")]


def stack_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(STACK_ENV_PREFIXES)}
    env["STACKCTL_COMMAND"] = "scripts/stackctl"
    return env


def run_stackctl(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(stackctl_command() + args, cwd=REPO, env=stack_env(), capture_output=True,
                          text=True, timeout=timeout)


class StackEnv(dict):
    """`stackctl env` of the running stack; its repr leaves the JWT out of test reports."""

    def __repr__(self) -> str:
        return f"StackEnv(TAIS_URL={self.get('TAIS_URL')!r}, …)"


def parse_env(text: str) -> dict[str, str]:
    """`KEY=VALUE` lines, values shell-quoted when they need it."""
    values = {}
    for line in text.splitlines():
        key, sep, raw = line.partition("=")
        if sep and key.strip():
            parts = shlex.split(raw)
            values[key.strip()] = parts[0] if parts else ""
    return values


def process_stamp(pid: int) -> int | None:
    """The process's start time (field 22 of /proc/PID/stat), so a reused pid is never mistaken for it;
    None when it is gone (a zombie has exited)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return None if fields[0] == "Z" else int(fields[19])


def stack_processes(state: Path) -> tuple[dict[int, int], list[str]]:
    """What the stack runs, from the state dir's own files (not the control API): the supervisor
    (stackctl.json), each service's keeper and the service (children.json), as pid → start time; and the
    names of the services."""
    processes: dict[int, int] = {}
    try:
        pid = int(json.loads((state / "stackctl.json").read_text())["pid"])
        if (stamp := process_stamp(pid)) is not None:
            processes[pid] = stamp
    except (OSError, ValueError, KeyError, TypeError):
        pass
    names = []
    try:
        children = json.loads((state / "children.json").read_text())
    except (OSError, ValueError):
        children = []
    for child in children:
        for role in ("keeper", "service"):
            if child.get(role):
                processes[int(child[role]["pid"])] = int(child[role]["startTime"])
        if child.get("service"):
            names.append(child["name"])
    return processes, sorted(names)


def still_running(processes: dict[int, int], within_s: float) -> list[int]:
    """Those of `processes` still running once `within_s` has passed (or none are left)."""
    deadline = time.monotonic() + within_s
    while True:
        alive = [pid for pid, stamp in processes.items() if process_stamp(pid) == stamp]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)  # poll interval


def signal_if_running(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="module")
def stack(request: pytest.FixtureRequest):
    """The running stack's `stackctl env`; always stopped with `stackctl down` afterwards, and checked to be
    gone: the supervisor and every service it started."""
    state = Path(tempfile.mkdtemp(prefix="credits-browser-"))
    failed_before = request.session.testsfailed
    processes: dict[int, int] = {}

    def finish() -> None:
        down = run_stackctl(["down", "--state-dir", str(state)], timeout=120)
        alive = still_running(processes, within_s=10)
        if alive:
            # Seen when other processes churn file locks: stackctl's /proc/locks check misses the
            # supervisor's lock, so `down` reaps the services as leftovers and leaves the supervisor running.
            warnings.warn(f"stackctl down left pids {alive} running ({down.stdout.strip()!r}); asking again")
            run_stackctl(["down", "--state-dir", str(state)], timeout=120)
            for pid in still_running(processes, within_s=10):
                signal_if_running(pid, signal.SIGTERM)  # the supervisor stops its stack on SIGTERM as on Ctrl-C
            for pid in still_running(processes, within_s=15):
                signal_if_running(pid, signal.SIGKILL)
        if request.session.testsfailed > failed_before:
            log = state / "logs" / "stack.log"
            if log.is_file():
                SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(log, SCREENSHOT_DIR / "stack.log")
        shutil.rmtree(state, ignore_errors=True)
        assert down.returncode == 0, f"stackctl down exited {down.returncode}:\n{down.stdout}\n{down.stderr}"

    request.addfinalizer(finish)
    up = run_stackctl(["up", "--detach", "--ephemeral-ports", "--state-dir", str(state)], timeout=UP_TIMEOUT_S)
    found, services = stack_processes(state)
    processes.update(found)
    if up.returncode != 0:
        pytest.fail(f"stackctl up exited {up.returncode}:\n{up.stdout}\n{up.stderr}")
    assert services == ["credits-mcp", "fake-openmeter", "fake-stripe", "fake-tais"], f"services started: {services}"
    env = run_stackctl(["env", "--state-dir", str(state)], timeout=30)
    if env.returncode == 2:
        # The same missed-lock race as in finish(): `env` finds "no stack running" on a running stack.
        warnings.warn(f"stackctl env found no stack on a running one ({env.stderr.strip()!r}); asking again")
        env = run_stackctl(["env", "--state-dir", str(state)], timeout=30)
    assert env.returncode == 0, f"stackctl env exited {env.returncode}: {env.stderr}"
    values = parse_env(env.stdout)
    for key in ("TAIS_URL", "TAIS_JWT"):
        assert values.get(key), f"stackctl env has no {key}:\n{env.stdout}"
    return StackEnv(values)


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
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(path, os.X_OK):
            pytest.fail(f"{path} is missing: install Debian's {package} (sudo apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(argument)
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    browser.set_page_load_timeout(WAIT_S * 2)
    yield browser
    try:
        report = getattr(request.node, "rep_call", None)  # set by conftest.py
        if report is not None and report.failed:
            stem = "failure" if not (SCREENSHOT_DIR / "failure.png").exists() else f"failure-{request.node.name}"
            browser.save_screenshot(str(SCREENSHOT_DIR / f"{stem}.png"))
            (SCREENSHOT_DIR / f"{stem}.html").write_text(
                f"<!-- {browser.current_url} -->\n{browser.page_source}", encoding="utf-8")
    except WebDriverException:
        pass
    finally:
        browser.quit()


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
