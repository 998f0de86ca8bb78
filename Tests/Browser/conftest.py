"""Shared by the browser tests.

Keeps each test's reports on its item, so a driver fixture knows whether the test failed (and then saves
failure.png and the page source). Also the helpers for tests that start their own stack (test_billing_browser.py
and test_dashboard_browser.py): `start_stack`, `new_chrome`, `browser_for` and the `chrome` fixture.
"""
import json
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# Selenium Manager must never try to download a driver or a browser (set before selenium is imported).
os.environ["SE_OFFLINE"] = "true"

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


# --- the stack and the browser, for tests that start their own stack ---------------------------------

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR") or REPO / ".artifacts" / "screenshots")
UP_TIMEOUT_S = 300  # a first `scripts/stackctl up` may build
STACK_SERVICES = ["credits-mcp", "fake-openmeter", "fake-stripe", "fake-tais"]
# Settings a developer's shell could carry into the stack: a set TAIS_URL, say, would make `up` use that
# TAIS instead of starting fake-tais (docs/stackctl.md, hybrid use).
STACK_ENV_PREFIXES = ("OPENMETER_", "MCP_", "PUBLIC_BASE_URL", "DOWNLOAD_", "PREVIEW_ROW", "DEV_",
                      "CREDITS_MCP_", "TAIS_", "CHAT_CREDITS_", "CREDITS_PER_USD", "STRIPE_", "TOPUP_",
                      "STACKCTL_PORT")


def stackctl_command() -> list[str]:
    """`$CREDITS_STACK_BIN/stackctl` when set (scripts/test.sh sets it), else `scripts/stackctl` (builds first)."""
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


@dataclass
class StackRun:
    """A stack started for a test module: its state dir, `stackctl env`, control URL and per-run token."""
    state: Path
    env: dict[str, str] = field(repr=False)
    control_url: str
    token: str = field(repr=False)
    up_output: str = field(repr=False)

    @property
    def dashboard_url(self) -> str:
        return f"{self.control_url}/dashboard?token={self.token}"


def start_stack(request: pytest.FixtureRequest) -> StackRun:
    """`stackctl up --detach --ephemeral-ports` on a fresh state dir; brought down with `stackctl down` when
    `request`'s scope ends and checked gone (the supervisor and every service it started). The merged log is
    copied to SCREENSHOT_DIR/stack.log when a test failed meanwhile."""
    state = Path(tempfile.mkdtemp(prefix="credits-browser-"))
    failed_before = request.session.testsfailed
    processes: dict[int, int] = {}

    def finish() -> None:
        down = run_stackctl(["down", "--state-dir", str(state)], timeout=120)
        alive = still_running(processes, within_s=10)
        if alive:
            # stackctl's /proc/locks check can miss the supervisor's lock while other processes churn file
            # locks; then `down` reaps the services as leftovers and leaves the supervisor running. Ask again,
            # then signal.
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
    assert services == STACK_SERVICES, f"services started: {services}"
    env = run_stackctl(["env", "--state-dir", str(state)], timeout=30)
    if env.returncode == 2:
        # The same missed-lock race as in finish(): `env` finds "no stack running" on a running stack.
        warnings.warn(f"stackctl env found no stack on a running one ({env.stderr.strip()!r}); asking again")
        env = run_stackctl(["env", "--state-dir", str(state)], timeout=30)
    assert env.returncode == 0, f"stackctl env exited {env.returncode}: {env.stderr}"
    runtime = json.loads((state / "stackctl.json").read_text())
    token = (state / "control-token").read_text().strip()
    return StackRun(state=state, env=parse_env(env.stdout), control_url=runtime["controlURL"].rstrip("/"),
                    token=token, up_output=up.stdout + up.stderr)


def new_chrome() -> WebDriver:
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(path, os.X_OK):
            pytest.fail(f"{path} is missing: install Debian's {package} (sudo apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    browser.set_page_load_timeout(40)
    return browser


def browser_for(request: pytest.FixtureRequest, failure_stem: Callable[[], str]) -> Iterator[WebDriver]:
    """The body of a browser fixture: a headless Chromium for one test; when the test failed, its screenshot
    and page source (with the browser's console log) are left in SCREENSHOT_DIR as `failure_stem()`.png and
    .html."""
    browser = new_chrome()
    yield browser
    try:
        report = getattr(request.node, "rep_call", None)  # set by pytest_runtest_makereport above
        if report is not None and report.failed:
            SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
            stem = failure_stem()
            browser.save_screenshot(str(SCREENSHOT_DIR / f"{stem}.png"))
            console = "\n".join(str(entry) for entry in browser.get_log("browser"))
            (SCREENSHOT_DIR / f"{stem}.html").write_text(
                f"<!-- {browser.current_url} -->\n<!-- console:\n{console.replace('--', '- -')}\n-->\n{browser.page_source}",
                encoding="utf-8")
    except WebDriverException:
        pass
    finally:
        browser.quit()


@pytest.fixture
def chrome(request: pytest.FixtureRequest):
    """A headless Chromium for one test; on failure, failure-<test>.png and .html (with the browser's console
    log) are left in SCREENSHOT_DIR."""
    yield from browser_for(request, lambda: f"failure-{request.node.name}")
