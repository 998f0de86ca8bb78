"""Starting and stopping the stack's built executables for the conformance suites: each on --port 0, its
base URL read from its `listening on` log line, stopped with SIGTERM and expected to exit cleanly."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

STARTUP_TIMEOUT_S = 30.0
LISTENING = re.compile(r"listening on (http://[^\s:/]+:(\d+))")
# Settings of the stack a developer's shell could carry into a test.
STACK_ENV_PREFIXES = ("OPENMETER_", "MCP_", "PUBLIC_BASE_URL", "DOWNLOAD_", "PREVIEW_ROW", "DEV_",
                      "CREDITS_MCP_", "TAIS_", "CHAT_CREDITS_", "CREDITS_PER_USD", "STRIPE_")


def start_service(cmd: list[str], env: dict[str, str], log_path: Path, name: str,
                  cwd: Path | None = None) -> tuple[subprocess.Popen, str]:
    """Starts a service on --port 0 (in `cwd`, default the log's folder) and returns it with its base URL."""
    if not Path(cmd[0]).exists():
        pytest.fail(f"{name} binary not found at {cmd[0]} (build it, or set its *_BIN env variable)")
    log = open(log_path, "wb")
    proc = subprocess.Popen(cmd, cwd=str(cwd or log_path.parent), env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        m = LISTENING.search(log_path.read_text(errors="replace"))
        if m:
            return proc, m.group(1)
        if proc.poll() is not None:
            pytest.fail(f"{name} exited with {proc.returncode} before serving:\n{log_path.read_text(errors='replace')}")
        if time.monotonic() > deadline:
            stop_service(proc, name, log_path)
            pytest.fail(f"{name} did not log 'listening on' within {STARTUP_TIMEOUT_S}s:\n"
                        f"{log_path.read_text(errors='replace')}")
        time.sleep(0.05)  # poll interval for the log line


def stop_service(proc: subprocess.Popen, name: str, log_path: Path) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError(f"{name} did not stop within 10 s of SIGTERM")
    assert rc in (0, -signal.SIGTERM), f"{name} exited with {rc}:\n{log_path.read_text(errors='replace')}"


def base_env() -> dict[str, str]:
    """The environment without any stack setting, logging at info."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(STACK_ENV_PREFIXES)}
    env["LOG_LEVEL"] = "info"
    return env
