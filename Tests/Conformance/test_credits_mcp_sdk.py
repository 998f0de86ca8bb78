"""Conformance tests: the official MCP Python SDK (mcp==2.3.0, Streamable HTTP client) against credits-mcp.

Runs the real binaries: fake-openmeter (FAKE_OPENMETER_BIN, default <repo>/.build/debug/fake-openmeter) with a
throw-away SQLite file and an API key, and credits-mcp (CREDITS_MCP_BIN, default <repo>/.build/debug/credits-mcp)
pointed at it. Both listen on `--port 0`; the port is read from their `listening on http://HOST:PORT` log line.

A small set of known credit events (fractional credits, two tenants, spread over the last few days, one outside the
queried range) is ingested first. Every expected value below is computed from those events, never from the server.
The downloaded Excel files are opened with openpyxl.

Run: .venv/bin/python -m pytest Tests/Conformance/test_credits_mcp_sdk.py -q -p no:cacheprovider
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import defaultdict
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx2
import openpyxl
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from service_process import base_env as _base_env
from service_process import start_service, stop_service as _stop

REPO = Path(__file__).resolve().parents[2]


def _start(cmd: list[str], env: dict[str, str], log_path: Path, name: str):
    """Starts a service in the repository root (fake-openmeter reads compose/meters.yaml there)."""
    return start_service(cmd, env, log_path, name, cwd=REPO)
OPENMETER_BIN = Path(os.environ.get("FAKE_OPENMETER_BIN", REPO / ".build" / "debug" / "fake-openmeter"))
CREDITS_MCP_BIN = Path(os.environ.get("CREDITS_MCP_BIN", REPO / ".build" / "debug" / "credits-mcp"))
API_KEY = "conformance-key-" + uuid.uuid4().hex[:8]
CALL_TIMEOUT_S = 30.0
UTC = dt.timezone.utc

# A public base URL that is not the server's own address: the links must use it verbatim.
PUBLIC_BASE_URL = "https://credits.example.test:4443/mcp-files"

ADMIN = "Administrators"
TOOLS = {
    "get_credit_usage_by_tenant": ["tenant", "credits"],
    "get_credit_usage_summary": ["user", "module", "product", "tenant", "skill", "credits"],
    "get_credit_events": ["time", "user", "module", "product", "tenant", "credits"],
}
SUMMARY_KEYS = ["user", "module", "product", "tenant", "skill"]
EVENT_KEYS = ["user", "module", "product", "tenant"]

RUN = uuid.uuid4().hex[:6]
TENANT = f"acme-{RUN}"
OTHER_TENANT = f"globex-{RUN}"

NOW = dt.datetime.now(UTC).replace(microsecond=0)
# The queried range: from = a date (00:00 UTC six days ago), to = a date-time with an offset one hour ahead.
RANGE_FROM = (NOW - dt.timedelta(days=6)).replace(hour=0, minute=0, second=0)
RANGE_TO = NOW + dt.timedelta(hours=1)
FROM_ARG = RANGE_FROM.date().isoformat()  # e.g. "2026-01-09"
TO_ARG = RANGE_TO.astimezone(dt.timezone(dt.timedelta(hours=2))).isoformat()  # e.g. "2026-01-15T12:00:00+02:00"
ARGS = {"from": FROM_ARG, "to": TO_ARG}


def _ev(tenant: str, ago: dt.timedelta, credits: float, user: str, module: str, product: str, skill: str) -> dict:
    return {
        "id": "ev-" + uuid.uuid4().hex,
        "source": "credits-mcp-conformance",
        "specversion": "1.0",
        "type": "ai_credits",
        "subject": tenant,
        "time": NOW - ago,
        "data": {"credits": credits, "user": user, "module": module, "product": product, "tenant": tenant,
                 "skill": skill},
    }


D, H = dt.timedelta(days=1), dt.timedelta(hours=1)
EVENTS = [
    # The tenant under test: fractional credits over five days; alice/chat/writer twice (one summary row).
    _ev(TENANT, 5 * D + 2 * H, 1.25, "alice", "chat", "assistant", "writer"),
    _ev(TENANT, 4 * D + 7 * H, 0.3, "bob", "search", "assistant", "retrieval"),
    _ev(TENANT, 3 * D, 2.75, "alice", "chat", "assistant", "writer"),
    _ev(TENANT, 2 * D + 30 * dt.timedelta(minutes=1), 0.05, "carol", "chat|beta", "studio", "summarize"),
    _ev(TENANT, 1 * D + 3 * H, 4.2, "bob", "search", "studio", "retrieval"),
    _ev(TENANT, 2 * H, 0.6, "alice", "code", "studio", "review"),
    # Same tenant, before the queried range: must be left out.
    _ev(TENANT, 9 * D, 50.5, "alice", "chat", "assistant", "writer"),
    # Another tenant, inside the range, with values that appear nowhere else: must never show.
    _ev(OTHER_TENANT, 3 * D + 5 * H, 777.77, "mallory", "exfil", "globex-product", "spy"),
    _ev(OTHER_TENANT, 1 * D, 313.13, "mallory", "chat", "assistant", "writer"),
]


def in_range(ev: dict) -> bool:
    return RANGE_FROM <= ev["time"] < RANGE_TO


EXPECTED_EVENTS = sorted((e for e in EVENTS if e["subject"] == TENANT and in_range(e)),
                         key=lambda e: e["time"], reverse=True)  # newest first
EXPECTED_TOTAL = sum(e["data"]["credits"] for e in EXPECTED_EVENTS)
EXPECTED_SUMMARY: dict[tuple, float] = defaultdict(float)
for _e in EXPECTED_EVENTS:
    EXPECTED_SUMMARY[tuple(_e["data"][k] for k in SUMMARY_KEYS)] += _e["data"]["credits"]
EXPECTED_SUMMARY = dict(EXPECTED_SUMMARY)

# Text that would only show if another tenant's (or an out-of-range) event leaked.
FOREIGN_MARKERS = [OTHER_TENANT, "mallory", "exfil", "globex-product", "777.77", "313.13", "1090.9", "50.5"]


def approx(x: float):
    return pytest.approx(x, rel=1e-9, abs=1e-9)


# --------------------------------------------------------------------------- processes


def _http(method: str, url: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=CALL_TIMEOUT_S) as resp:
            return resp.status, dict(resp.headers.items()), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers.items()), e.read()


def _iso(t: dt.datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


@pytest.fixture(scope="module")
def openmeter(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fake-openmeter")
    log_path = tmp / "fake-openmeter.log"
    proc, base = _start(
        [str(OPENMETER_BIN), "--host", "127.0.0.1", "--port", "0", "--data", str(tmp / "om.sqlite"),
         "--api-key", API_KEY],
        _base_env(), log_path, "fake-openmeter")
    try:
        batch = [dict(e, time=_iso(e["time"])) for e in EVENTS]
        status, _, body = _http("POST", base + "/api/v1/events", json.dumps(batch).encode(), {
            "Content-Type": "application/cloudevents-batch+json", "Authorization": f"Bearer {API_KEY}"})
        assert status == 204, (status, body)
        yield base
    finally:
        _stop(proc, "fake-openmeter", log_path)


def _start_credits_mcp(tmp: Path, openmeter_url: str, **extra_env: str) -> tuple[subprocess.Popen, str, Path]:
    log_path = tmp / "credits-mcp.log"
    (tmp / "downloads").mkdir(exist_ok=True)
    env = _base_env() | {
        "OPENMETER_URL": openmeter_url,
        "OPENMETER_API_KEY": API_KEY,
        "DOWNLOAD_DIR": str(tmp / "downloads"),
    } | extra_env
    proc, base = _start([str(CREDITS_MCP_BIN), "--host", "127.0.0.1", "--port", "0"], env, log_path, "credits-mcp")
    return proc, base, log_path


@pytest.fixture(scope="module")
def mcp_base(openmeter, tmp_path_factory):
    proc, base, log_path = _start_credits_mcp(tmp_path_factory.mktemp("credits-mcp"), openmeter,
                                              PUBLIC_BASE_URL=PUBLIC_BASE_URL)
    try:
        status, _, body = _http("GET", base + "/health")
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        yield base
    finally:
        _stop(proc, "credits-mcp", log_path)


# --------------------------------------------------------------------------- MCP client helpers


def admin_headers(tenant: str = TENANT) -> dict[str, str]:
    return {"X-Tenant-Id": tenant, "X-User-Groups": f"Users, {ADMIN}"}


@asynccontextmanager
async def mcp_session(base: str, headers: dict[str, str]):
    """An initialized SDK session over Streamable HTTP; `headers` go on every HTTP request of the connection."""
    timeout = httpx2.Timeout(CALL_TIMEOUT_S)
    async with httpx2.AsyncClient(headers=headers, timeout=timeout) as http:
        async with streamable_http_client(base + "/mcp", http_client=http) as (read, write):
            async with ClientSession(read, write, read_timeout_seconds=CALL_TIMEOUT_S) as session:
                init = await session.initialize()
                assert init.server_info.name
                assert init.capabilities.tools is not None
                yield session


def call(base: str, headers: dict[str, str], tool: str, arguments: dict | None):
    async def go():
        with anyio.fail_after(CALL_TIMEOUT_S * 2):  # a hang fails the test instead of blocking the run
            async with mcp_session(base, headers) as s:
                return await s.call_tool(tool, arguments)
    return anyio.run(go)


def text_of(result) -> str:
    texts = [c.text for c in result.content if c.type == "text"]
    assert texts, f"no text content in {result!r}"
    return "\n".join(texts)


def openmeter_api_calls(openmeter: str) -> int:
    """How many /api/ requests fake-openmeter has served so far (its request journal)."""
    status, _, body = _http("GET", openmeter + "/_fake/requests")
    assert status == 200, body
    return sum(1 for r in json.loads(body)["requests"] if r["path"].startswith("/api/"))


# --------------------------------------------------------------------------- markdown helpers


def _split_row(line: str) -> list[str]:
    """Cells of one markdown table line; `\\|` inside a cell does not split it, backslash escapes are undone."""
    assert line.startswith("|") and line.endswith("|"), line
    cells, cur, i, body = [], "", 0, line[1:-1]
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            cur += body[i + 1]
            i += 2
            continue
        if ch == "|":
            cells.append(cur.strip())
            cur = ""
        else:
            cur += ch
        i += 1
    cells.append(cur.strip())
    return cells


def markdown_table(text: str) -> tuple[list[str], list[list[str]]]:
    """The (single) table of a tool answer: header names and data rows."""
    lines = [ln for ln in text.splitlines() if ln.startswith("|")]
    assert len(lines) >= 2, f"no markdown table in:\n{text}"
    # table lines are contiguous
    first = text.splitlines().index(lines[0])
    assert text.splitlines()[first:first + len(lines)] == lines, f"table broken into pieces:\n{text}"
    header = _split_row(lines[0])
    assert re.fullmatch(r"\|(\s*:?-{3,}:?\s*\|)+", lines[1].replace(" ", "")), lines[1]
    assert len(_split_row(lines[1])) == len(header)
    rows = [_split_row(ln) for ln in lines[2:]]
    for r in rows:
        assert len(r) == len(header), f"row with {len(r)} cells under {len(header)} columns: {r}"
    return header, rows


def credits_figures(text: str) -> list[float]:
    """Every number written as `<number> credits` in the prose (totals), e.g. `**Total: 9.15 credits**`."""
    return [float(x) for x in re.findall(r"(-?\d+(?:\.\d+)?)\s+credits\b", text)]


def download_link(text: str) -> str:
    links = re.findall(r"\[Download Excel\]\(([^)\s]+)\)", text)
    assert len(links) == 1, f"expected exactly one [Download Excel](...) link in:\n{text}"
    return links[0]


def download(mcp_base: str, link: str) -> tuple[bytes, dict]:
    """Fetches the file the link names from the server itself (the link's origin is PUBLIC_BASE_URL)."""
    assert link.startswith(PUBLIC_BASE_URL + "/download/"), link
    token = link[len(PUBLIC_BASE_URL + "/download/"):]
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token), token
    # at least 128 random bits: 22 base64url characters or 32 hex characters
    assert len(token) >= 22, f"token {token!r} too short for 128 bits"
    status, headers, body = _http("GET", f"{mcp_base}/download/{token}")
    assert status == 200, (status, body[:200])
    headers = {k.lower(): v for k, v in headers.items()}
    assert headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), headers
    assert re.search(r'filename="?[^"]+\.xlsx"?', headers.get("content-disposition", "")), headers
    assert body[:2] == b"PK"
    return body, headers


def open_sheet(body: bytes, tool: str):
    wb = openpyxl.load_workbook(io.BytesIO(body))
    assert wb.sheetnames == [tool]
    ws = wb[tool]
    header = [c for c in next(ws.iter_rows(min_row=1, max_row=1))]
    assert [c.value for c in header] == TOOLS[tool]
    for c in header:
        assert c.font is not None and c.font.b, f"header cell {c.coordinate} ({c.value}) is not bold"
    rows = [list(r) for r in ws.iter_rows(min_row=2) if any(c.value is not None for c in r)]
    return ws, rows


def assert_no_foreign_data(text: str) -> None:
    for marker in FOREIGN_MARKERS:
        assert marker not in text, f"{marker!r} leaked into:\n{text}"


def assert_credits_cell(cell, expected: float) -> None:
    assert cell.data_type == "n" and type(cell.value) in (int, float), (cell.coordinate, cell.value, cell.data_type)
    assert cell.value == approx(expected), cell.coordinate


# --------------------------------------------------------------------------- tests


def test_events_fixture_is_sane():
    # guards the hand-computed expectations themselves
    assert len(EXPECTED_EVENTS) == 6
    assert EXPECTED_TOTAL == approx(9.15)
    assert len(EXPECTED_SUMMARY) == 5
    assert all(RANGE_FROM <= e["time"] < RANGE_TO for e in EXPECTED_EVENTS)
    assert NOW - RANGE_FROM <= dt.timedelta(days=7)


def test_initialize_and_list_tools(mcp_base):
    async def go():
        async with mcp_session(mcp_base, admin_headers()) as s:
            return s.initialize_result, await s.list_tools()

    init, listed = anyio.run(go)
    assert init.protocol_version
    tools = {t.name: t for t in listed.tools}
    assert sorted(tools) == sorted(TOOLS)
    assert listed.next_cursor is None
    for name, tool in tools.items():
        schema = tool.input_schema
        assert schema["type"] == "object", name
        props = schema.get("properties", {})
        assert set(props) == {"from", "to"}, (name, props)
        for p in ("from", "to"):
            assert props[p]["type"] == "string"
            assert props[p].get("description"), (name, p)
        assert not set(schema.get("required", [])) - {"from", "to"}
        assert not any("tenant" in k.lower() for k in props), name
        assert tool.description and len(tool.description) > 40, name


def test_usage_by_tenant(mcp_base):
    tool = "get_credit_usage_by_tenant"
    res = call(mcp_base, admin_headers(), tool, ARGS)
    text = text_of(res)
    assert not res.is_error, text
    assert_no_foreign_data(text)

    header, rows = markdown_table(text)
    assert header == TOOLS[tool]
    assert len(rows) == 1
    assert rows[0][0] == TENANT
    assert float(rows[0][1]) == pytest.approx(EXPECTED_TOTAL, abs=0.005)
    figures = credits_figures(text)
    assert figures, f"no total in:\n{text}"
    assert all(f == pytest.approx(EXPECTED_TOTAL, abs=0.005) for f in figures), figures

    body, _ = download(mcp_base, download_link(text))
    ws, xrows = open_sheet(body, tool)
    assert len(xrows) == 1
    tenant_cell, credits_cell = xrows[0][:2]
    assert tenant_cell.value == TENANT and tenant_cell.data_type == "s"
    assert_credits_cell(credits_cell, EXPECTED_TOTAL)


def test_usage_summary(mcp_base):
    tool = "get_credit_usage_summary"
    res = call(mcp_base, admin_headers(), tool, ARGS)
    text = text_of(res)
    assert not res.is_error, text
    assert_no_foreign_data(text)

    header, rows = markdown_table(text)
    assert header == TOOLS[tool]
    assert len(rows) == len(EXPECTED_SUMMARY)
    got = {tuple(r[:5]): float(r[5]) for r in rows}
    assert set(got) == set(EXPECTED_SUMMARY)  # includes the module "chat|beta", unbroken by the escaping
    for key, value in EXPECTED_SUMMARY.items():
        assert got[key] == pytest.approx(value, abs=0.005), key
    assert [float(r[5]) for r in rows] == sorted((float(r[5]) for r in rows), reverse=True), "largest first"
    figures = credits_figures(text)
    assert figures and all(f == pytest.approx(EXPECTED_TOTAL, abs=0.005) for f in figures), (figures, text)

    body, _ = download(mcp_base, download_link(text))
    ws, xrows = open_sheet(body, tool)
    assert len(xrows) == len(EXPECTED_SUMMARY)
    seen = {}
    for r in xrows:
        for c in r[:5]:
            assert c.data_type == "s", (c.coordinate, c.value)
        key = tuple(c.value for c in r[:5])
        assert_credits_cell(r[5], EXPECTED_SUMMARY[key])
        seen[key] = r[5].value
    assert set(seen) == set(EXPECTED_SUMMARY)
    assert sum(seen.values()) == approx(EXPECTED_TOTAL)


def test_events(mcp_base):
    tool = "get_credit_events"
    res = call(mcp_base, admin_headers(), tool, ARGS)
    text = text_of(res)
    assert not res.is_error, text
    assert_no_foreign_data(text)

    header, rows = markdown_table(text)
    assert header == TOOLS[tool]
    assert len(rows) == len(EXPECTED_EVENTS)
    for row, ev in zip(rows, EXPECTED_EVENTS):  # newest first
        assert dt.datetime.fromisoformat(row[0].replace("Z", "+00:00")) == ev["time"], row
        assert row[1:5] == [ev["data"][k] for k in EVENT_KEYS]
        assert float(row[5]) == pytest.approx(ev["data"]["credits"], abs=0.005)
    figures = credits_figures(text)
    assert figures and all(f == pytest.approx(EXPECTED_TOTAL, abs=0.005) for f in figures), (figures, text)

    body, _ = download(mcp_base, download_link(text))
    ws, xrows = open_sheet(body, tool)
    assert len(xrows) == len(EXPECTED_EVENTS)
    for r, ev in zip(xrows, EXPECTED_EVENTS):
        time_cell = r[0]
        assert time_cell.is_date, (time_cell.coordinate, time_cell.value, time_cell.number_format)
        assert isinstance(time_cell.value, dt.datetime), time_cell.value
        # Excel date-times carry no zone: the cell holds the UTC wall time
        assert time_cell.value.replace(tzinfo=UTC) == ev["time"], time_cell.value
        assert [c.value for c in r[1:5]] == [ev["data"][k] for k in EVENT_KEYS]
        assert all(c.data_type == "s" for c in r[1:5])
        assert_credits_cell(r[5], ev["data"]["credits"])


def test_download_of_unknown_token_is_404(mcp_base):
    for token in ("A" * 43, "nope", "..%2F..%2Fetc%2Fpasswd"):
        status, _, _ = _http("GET", f"{mcp_base}/download/{token}")
        assert status == 404, token


DENIED = {
    "no tenant header": {"X-User-Groups": ADMIN},
    "empty tenant header": {"X-Tenant-Id": "", "X-User-Groups": ADMIN},
    "no groups header": {"X-Tenant-Id": TENANT},
    "non-admin groups": {"X-Tenant-Id": TENANT, "X-User-Groups": "Users, Developers"},
    "admin-like group": {"X-Tenant-Id": TENANT, "X-User-Groups": "administrators,Administrators-ReadOnly"},
}


@pytest.mark.parametrize("case", list(DENIED))
@pytest.mark.parametrize("tool", list(TOOLS))
def test_denied_callers_get_tool_errors_and_no_data(mcp_base, openmeter, case, tool):
    before = openmeter_api_calls(openmeter)
    res = call(mcp_base, DENIED[case], tool, ARGS)
    text = text_of(res)
    assert res.is_error, text
    assert "Download Excel" not in text and "/download/" not in text
    assert not text.lstrip().startswith("|") and "\n|" not in text, f"a table in an error:\n{text}"
    assert_no_foreign_data(text)
    for ev in EXPECTED_EVENTS:
        assert ev["data"]["user"] not in text
    assert not credits_figures(text)
    assert openmeter_api_calls(openmeter) == before, "OpenMeter was called for a denied caller"


def test_admin_group_among_others_with_spaces_is_allowed(mcp_base):
    res = call(mcp_base, {"X-Tenant-Id": TENANT, "X-User-Groups": f"Users ,  {ADMIN} ,Dev"},
               "get_credit_usage_by_tenant", ARGS)
    assert not res.is_error, text_of(res)


def test_other_tenant_sees_only_its_own_data(mcp_base):
    res = call(mcp_base, admin_headers(OTHER_TENANT), "get_credit_events", ARGS)
    text = text_of(res)
    assert not res.is_error, text
    _, rows = markdown_table(text)
    assert {r[4] for r in rows} == {OTHER_TENANT}
    assert len(rows) == sum(1 for e in EVENTS if e["subject"] == OTHER_TENANT and in_range(e))
    assert TENANT not in text and "alice" not in text


@pytest.mark.parametrize("arguments, parameter", [
    ({"from": "last tuesday", "to": TO_ARG}, "from"),
    ({"from": "2026-13-45", "to": TO_ARG}, "from"),
    ({"from": FROM_ARG, "to": "tomorrow-ish"}, "to"),
])
def test_bad_dates_are_tool_errors_naming_the_parameter(mcp_base, arguments, parameter):
    for tool in TOOLS:
        res = call(mcp_base, admin_headers(), tool, arguments)
        text = text_of(res)
        assert res.is_error, (tool, text)
        assert re.search(rf"\b{parameter}\b", text), (tool, parameter, text)
        # an accepted example: an ISO 8601 date that is not just an echo of the arguments
        examples = set(re.findall(r"\d{4}-\d{2}-\d{2}", text)) - {v[:10] for v in arguments.values()}
        assert examples, f"no accepted example in: {text}"
        assert "Download Excel" not in text
        assert_no_foreign_data(text)


def test_from_not_before_to_is_a_tool_error(mcp_base):
    for arguments in ({"from": TO_ARG, "to": FROM_ARG}, {"from": FROM_ARG, "to": FROM_ARG}):
        for tool in TOOLS:
            res = call(mcp_base, admin_headers(), tool, arguments)
            text = text_of(res)
            assert res.is_error, (tool, arguments, text)
            assert re.search(r"\bfrom\b", text), (tool, text)
            assert "Download Excel" not in text
            assert_no_foreign_data(text)


def test_tenant_argument_is_rejected(mcp_base):
    res = call(mcp_base, admin_headers(), "get_credit_usage_by_tenant", dict(ARGS, tenant=OTHER_TENANT))
    text = text_of(res)
    assert res.is_error, text
    assert_no_foreign_data(text)


def test_default_public_base_url_is_the_bound_address(openmeter, tmp_path):
    proc, base, log_path = _start_credits_mcp(tmp_path, openmeter)
    try:
        res = call(base, admin_headers(), "get_credit_usage_by_tenant", ARGS)
        text = text_of(res)
        assert not res.is_error, text
        link = download_link(text)
        port = urllib.parse.urlsplit(base).port
        parts = urllib.parse.urlsplit(link)
        assert parts.hostname in ("localhost", "127.0.0.1") and parts.port == port, (link, base)
    finally:
        _stop(proc, "credits-mcp", log_path)


def test_events_beyond_many_pages_open_in_openpyxl_with_every_row(openmeter, mcp_base):
    # 3,000 events of a tenant of their own: 30 OpenMeter pages streamed into the workbook.
    tenant = f"bulk-{RUN}"
    events = [_ev(tenant, dt.timedelta(seconds=3600 + 37 * i), round((i % 11) * 0.35 + 0.05, 2),
                  f"user-{i % 13}", ["chat", "search"][i % 2], "assistant", "drafting") for i in range(3000)]
    batch = [dict(e, time=_iso(e["time"])) for e in events]
    status, _, body = _http("POST", openmeter + "/api/v1/events", json.dumps(batch).encode(), {
        "Content-Type": "application/cloudevents-batch+json", "Authorization": f"Bearer {API_KEY}"})
    assert status == 204, (status, body)
    expected = sorted(events, key=lambda e: e["time"], reverse=True)
    total = sum(e["data"]["credits"] for e in events)

    res = call(mcp_base, admin_headers(tenant), "get_credit_events", ARGS)
    text = text_of(res)
    assert not res.is_error, text
    _, rows = markdown_table(text)
    assert len(rows) == 50
    assert "Showing the first 50 of 3000 rows" in text, text
    assert any(f == pytest.approx(total, abs=0.005) for f in credits_figures(text)), text

    body, _ = download(mcp_base, download_link(text))
    ws, xrows = open_sheet(body, "get_credit_events")
    assert len(xrows) == len(expected)
    for r, ev in zip(xrows, expected):
        assert r[0].value.replace(tzinfo=UTC) == ev["time"], (r[0].coordinate, r[0].value)
        assert r[5].value == approx(ev["data"]["credits"]), r[5].coordinate
    assert ws.auto_filter.ref == f"A1:F{len(expected) + 1}"
    assert ws.freeze_panes == "A2"

    # Read-only mode, as a large file would be opened: the same rows.
    ro = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    assert ro.sheetnames == ["get_credit_events"]
    values = list(ro["get_credit_events"].iter_rows(values_only=True))
    assert list(values[0]) == TOOLS["get_credit_events"]
    assert len(values) == len(expected) + 1
    assert sum(v[5] for v in values[1:]) == pytest.approx(total, abs=1e-6)


def test_unreachable_openmeter_error_names_no_address(tmp_path):
    # A port nothing listens on: the tool error says OpenMeter is unreachable, but not where it was looked for.
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc, base, log_path = _start_credits_mcp(tmp_path, f"http://127.0.0.1:{port}")
    try:
        for tool in TOOLS:
            res = call(base, admin_headers(), tool, ARGS)
            text = text_of(res)
            assert res.is_error, (tool, text)
            assert "unreachable" in text.lower(), (tool, text)
            for marker in ("127.0.0.1", str(port), "http://", "localhost"):
                assert marker not in text, (tool, marker, text)
            assert not re.search(r"[A-Z][A-Za-z]+Error\b|NIO", text), (tool, text)
    finally:
        _stop(proc, "credits-mcp", log_path)
    assert f"127.0.0.1:{port}" in log_path.read_text(), "the log does not keep where OpenMeter was looked for"
