"""Conformance tests: the official OpenMeter Python SDK (openmeter==1.0.0b236) against fake-openmeter.

Runs the real fake-openmeter binary (FAKE_OPENMETER_BIN, default <repo>/.build/debug/fake-openmeter) on a
free port with a throw-away SQLite file, and talks to it only through the SDK. Every test works on its own
random subject (= tenant), so tests neither reset nor see each other's data.

Run: /work/.venv/bin/python -m pytest Tests/Conformance/test_openmeter_sdk.py -x -q
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from corehttp.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
)
from openmeter import Client
from openmeter import models

REPO = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("FAKE_OPENMETER_BIN", REPO / ".build" / "debug" / "fake-openmeter"))
API_KEY = "test-key"
METER = "ai_credits"
EVENT_TYPE = "ai_credits"
SOURCE = "conformance-test"
GROUP_KEYS = ["user", "module", "product", "tenant", "skill"]
STARTUP_TIMEOUT_S = 30.0
UTC = dt.timezone.utc


# --------------------------------------------------------------------------- server / client fixtures


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _health_ok(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(base_url + "/health", timeout=1) as resp:
            return resp.status == 200
    except (urllib.error.URLError, ConnectionError, OSError):
        return False


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    if not BIN.exists():
        pytest.fail(f"fake-openmeter binary not found at {BIN} (build it, or set FAKE_OPENMETER_BIN)")
    tmp = tmp_path_factory.mktemp("fake-openmeter")
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = tmp / "server.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [str(BIN), "--host", "127.0.0.1", "--port", str(port), "--data", str(tmp / "om.sqlite"), "--api-key", API_KEY],
        cwd=str(REPO),  # the default meter seed is read from compose/meters.yaml
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not _health_ok(base_url):
        if proc.poll() is not None:
            log.close()
            pytest.fail(f"fake-openmeter exited with {proc.returncode} before serving:\n{log_path.read_text(errors='replace')}")
        if time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            log.close()
            pytest.fail(f"fake-openmeter not healthy within {STARTUP_TIMEOUT_S}s:\n{log_path.read_text(errors='replace')}")
        time.sleep(0.05)  # poll interval, not a wait for readiness
    try:
        yield base_url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            log.close()
            raise AssertionError("fake-openmeter did not stop within 10 s of SIGTERM")
        log.close()
        assert rc in (0, -signal.SIGTERM), f"fake-openmeter exited with {rc}:\n{log_path.read_text(errors='replace')}"


def _client(base_url: str, token: str | None) -> Client:
    # retry_total=0: a 5xx must fail fast instead of being retried ten times with back-off.
    return Client(endpoint=base_url, token=token, retry_total=0, connection_timeout=10, read_timeout=30)


@pytest.fixture(scope="session")
def client(server) -> Client:
    return _client(server, API_KEY)


@pytest.fixture
def subject() -> str:
    return "t-" + uuid.uuid4().hex[:12]


# --------------------------------------------------------------------------- helpers


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def now_s() -> dt.datetime:
    return dt.datetime.now(UTC).replace(microsecond=0)


def event(subject: str, eid: str, when: dt.datetime | None, *, credits=1.0, user="alice", module="chat",
          product="prod", skill="skill", data: dict | None = None, type_: str = EVENT_TYPE) -> dict:
    if data is None:
        data = {"user": user, "module": module, "product": product, "tenant": subject, "skill": skill}
        if credits is not _MISSING:
            data["credits"] = credits
    ev = {"id": eid, "source": SOURCE, "specversion": "1.0", "type": type_, "subject": subject, "data": data}
    if when is not None:
        ev["time"] = when
    return ev


_MISSING = object()


def rows_of(result) -> list[tuple]:
    """(windowStart, windowEnd, subject, groupBy items, value) per row, sorted; instants compare across offsets."""
    out = []
    for r in result.data:
        out.append((r.window_start, r.window_end, r.subject, tuple(sorted((r.group_by or {}).items())), r.value))
    return sorted(out, key=lambda t: (t[0], t[3]))


def gb(**kv) -> tuple:
    return tuple(sorted(kv.items()))


def list_v1(client: Client, subject: str, **kw):
    return client.events.list(subject=subject, **kw)


MAX_PAGES = 50


def v2_pages(client: Client, **kw) -> list[list[str]]:
    """Event ids of each page of GET /api/v2/events, as the SDK pages them (cursor = previous nextCursor).

    Bounded: a server that keeps sending nextCursor (e.g. on an empty page) would make the SDK loop for ever."""
    pages = []
    for page in client.events_v2.list(**kw).by_page():
        pages.append([e.event.id for e in page])
        assert len(pages) <= MAX_PAGES, f"still paging after {MAX_PAGES} pages: {[len(p) for p in pages[-5:]]}"
    return pages


def v2_ids(client: Client, **kw) -> list[str]:
    return [i for p in v2_pages(client, **kw) for i in p]


# --------------------------------------------------------------------------- meter (seed)


def test_seeded_meter(client):
    m = client.meters.get(METER)
    assert m.slug == METER
    assert m.aggregation == "SUM"
    assert m.event_type == EVENT_TYPE
    assert m.value_property == "$.credits"
    assert m.group_by == {k: f"$.{k}" for k in GROUP_KEYS}
    assert m.id
    assert isinstance(m.created_at, dt.datetime) and isinstance(m.updated_at, dt.datetime)
    assert m.deleted_at is None
    assert METER in [x.slug for x in client.meters.list()]


# --------------------------------------------------------------------------- ingest + list v1


def test_ingest_single_batch_and_json_then_list_v1(client, subject):
    base = now_s() - dt.timedelta(hours=1)
    t1, t2, t3, t4 = (base + dt.timedelta(minutes=m) for m in (0, 5, 10, 15))
    # application/cloudevents+json, one event
    assert client.events.ingest_event(event(subject, "ev-1", t1, credits=1.5)) is None
    # application/cloudevents-batch+json
    client.events.ingest_events([event(subject, "ev-2", t2, credits=2), event(subject, "ev-3", t3, credits=0.25)])
    # application/json with a list of models (the SDK sends an empty body for a plain dict, see notes)
    client.events.ingest_events_json([models.Event(event(subject, "ev-4", t4, credits=4))])

    got = list_v1(client, subject)
    assert [e.event.id for e in got] == ["ev-4", "ev-3", "ev-2", "ev-1"]  # newest first
    by_id = {e.event.id: e for e in got}
    first = by_id["ev-1"]
    assert first.event.source == SOURCE
    assert first.event.type == EVENT_TYPE
    assert first.event.subject == subject
    assert first.event.specversion == "1.0"
    assert first.event.time == t1
    assert first.event.data == {"credits": 1.5, "user": "alice", "module": "chat", "product": "prod",
                                "tenant": subject, "skill": "skill"}
    assert by_id["ev-3"].event.data["credits"] == 0.25
    for e in got:
        assert isinstance(e.ingested_at, dt.datetime)
        assert isinstance(e.stored_at, dt.datetime)
        assert e.validation_error is None


def test_ingest_time_truncated_to_second_and_defaulted(client, subject):
    t = now_s() - dt.timedelta(minutes=30)
    client.events.ingest_event(event(subject, "frac", t + dt.timedelta(microseconds=789000)))
    before = now_s()
    client.events.ingest_event(event(subject, "no-time", None))
    after = now_s() + dt.timedelta(seconds=1)
    by_id = {e.event.id: e for e in list_v1(client, subject)}
    assert by_id["frac"].event.time == t
    assert before <= by_id["no-time"].event.time <= after


def test_duplicate_source_and_id_is_dropped(client, subject):
    t = now_s() - dt.timedelta(minutes=20)
    client.events.ingest_event(event(subject, "dup", t, credits=1))
    client.events.ingest_event(event(subject, "dup", t, credits=99))  # same source + id: dropped, still 204
    got = list_v1(client, subject)
    assert [(e.event.id, e.event.data["credits"]) for e in got] == [("dup", 1)]


def test_list_v1_filters(client, subject):
    base = now_s() - dt.timedelta(hours=2)
    times = [base + dt.timedelta(minutes=10 * i) for i in range(5)]  # ev-a0 .. ev-a4
    client.events.ingest_events([event(subject, f"ev-a{i}", t) for i, t in enumerate(times)])
    other = subject + "x"
    client.events.ingest_event(event(other, "ev-other", times[2]))

    # subject is matched exactly
    assert [e.event.id for e in list_v1(client, subject)] == ["ev-a4", "ev-a3", "ev-a2", "ev-a1", "ev-a0"]
    assert list_v1(client, subject[:-1]) == []
    assert [e.event.id for e in list_v1(client, other)] == ["ev-other"]
    # from and to are both inclusive
    got = list_v1(client, subject, from_parameter=times[1], to=times[3])
    assert [e.event.id for e in got] == ["ev-a3", "ev-a2", "ev-a1"]
    # limit keeps the newest
    assert [e.event.id for e in list_v1(client, subject, limit=2)] == ["ev-a4", "ev-a3"]
    # id matches a part of the id
    assert [e.event.id for e in list_v1(client, subject, id="a2")] == ["ev-a2"]
    # ingestedAt window containing now returns everything; one in the future returns nothing
    n = now_s()
    assert len(list_v1(client, subject, ingested_at_from=n - dt.timedelta(minutes=5),
                       ingested_at_to=n + dt.timedelta(minutes=5))) == 5
    assert list_v1(client, subject, ingested_at_from=n + dt.timedelta(hours=1)) == []


def test_list_v1_rejects_bad_params(client, subject):
    with pytest.raises(HttpResponseError) as ei:
        client.events.list(subject=subject, limit=101)
    assert ei.value.status_code == 400
    with pytest.raises(HttpResponseError) as ei:
        client.events.list(subject=subject, from_parameter=now_s() - dt.timedelta(days=40))
    assert ei.value.status_code == 400
    assert ei.value.model is not None and ei.value.model.status == 400 and ei.value.model.title == "Bad Request"


def test_validation_error_on_listed_event(client, subject):
    t = now_s() - dt.timedelta(minutes=10)
    client.events.ingest_event(event(subject, "no-credits", t, credits=_MISSING))
    client.events.ingest_event(event(subject, "ok", t + dt.timedelta(seconds=1), credits=3))
    by_id = {e.event.id: e for e in list_v1(client, subject)}
    assert by_id["no-credits"].validation_error == 'invalid event: missing value property: "$.credits"'
    assert by_id["ok"].validation_error is None
    assert sorted(v2_ids(client, filter={"subject": {"$eq": subject}})) == ["no-credits", "ok"]
    v2 = {e.event.id: e for e in client.events_v2.list(filter={"subject": {"$eq": subject}})}
    assert v2["no-credits"].validation_error == 'invalid event: missing value property: "$.credits"'
    assert v2["ok"].validation_error is None


# --------------------------------------------------------------------------- list v2 (cursor)


def test_list_v2_cursor_paging(client, subject):
    base = now_s() - dt.timedelta(hours=3)
    evs = []
    for i in range(25):
        # three events share each second, so the id breaks ties
        evs.append(event(subject, f"p-{i:03d}", base - dt.timedelta(seconds=i // 3)))
    old_time = now_s() - dt.timedelta(days=40)  # v2 has no 32-day window
    evs.append(event(subject, "p-old", old_time))
    client.events.ingest_events(evs)

    expected = sorted(((e["time"], e["id"]) for e in evs), reverse=True)  # time DESC, id DESC
    expected_ids = [i for _, i in expected]

    pages = v2_pages(client, limit=10, filter={"subject": {"$eq": subject}})
    sizes = [len(p) for p in pages]
    # the real server sends a cursor after every non-empty page, so a final empty page is allowed
    assert sizes in ([10, 10, 6], [10, 10, 6, 0]), sizes
    flat = [i for p in pages for i in p]
    assert flat == expected_ids  # none twice, none missed, in order
    assert len(set(flat)) == 26

    # other page sizes, and the default limit (100)
    assert v2_ids(client, limit=7, filter={"subject": {"$eq": subject}}) == expected_ids
    assert v2_ids(client, limit=1, filter={"subject": {"$eq": subject}}) == expected_ids
    assert v2_ids(client, filter={"subject": {"$eq": subject}}) == expected_ids

    # a time range takes one operator per object, combined with $and
    lo_t, hi_t = base - dt.timedelta(seconds=4), base - dt.timedelta(seconds=1)
    flt = {"subject": {"$eq": subject},
           "time": {"$and": [{"$gte": lo_t.isoformat().replace("+00:00", "Z")},
                             {"$lt": hi_t.isoformat().replace("+00:00", "Z")}]}}
    got = v2_ids(client, limit=100, filter=flt)
    assert got == [i for t, i in expected if lo_t <= t < hi_t]
    assert len(got) == 9

    # other operators
    got = v2_ids(client, filter={"subject": {"$eq": subject}, "id": {"$in": ["p-001", "p-old"]}})
    assert got == ["p-001", "p-old"]
    got = v2_ids(client, filter={"subject": {"$eq": subject}, "id": {"$like": "p-02%"}})
    assert got == [i for i in expected_ids if i.startswith("p-02")]
    assert len(got) == 5
    assert v2_ids(client, filter={"subject": {"$eq": subject}, "type": {"$eq": "nope"}}) == []


def test_list_v2_rejects_two_operators_in_one_filter(client, subject):
    flt = {"subject": {"$eq": subject}, "time": {"$gte": "2024-01-01T00:00:00Z", "$lt": "2024-01-02T00:00:00Z"}}
    with pytest.raises(HttpResponseError) as ei:
        v2_ids(client, filter=flt)
    assert ei.value.status_code == 400
    with pytest.raises(HttpResponseError) as ei:
        v2_ids(client, limit=101, filter={"subject": {"$eq": subject}})
    assert ei.value.status_code == 400


# --------------------------------------------------------------------------- meter query


def test_query_day_windows_in_berlin_across_dst(client, subject):
    # Europe/Berlin switches to summer time on 2024-03-31 (a 23-hour day).
    # Local days: 03-30 = [03-29T23:00Z, 03-30T23:00Z), 03-31 = [03-30T23:00Z, 03-31T22:00Z),
    #             04-01 = [03-31T22:00Z, 04-01T22:00Z).
    evs = [
        event(subject, "b0", utc(2024, 3, 29, 22, 59, 59), credits=100, user="alice", module="chat"),  # before from
        event(subject, "b1", utc(2024, 3, 29, 23, 30, 0), credits=1.5, user="alice", module="chat"),
        event(subject, "b2", utc(2024, 3, 30, 22, 59, 59), credits=2.25, user="alice", module="chat"),
        event(subject, "b3", utc(2024, 3, 30, 12, 0, 0), credits=3, user="alice", module="search"),
        event(subject, "b4", utc(2024, 3, 30, 13, 0, 0), credits=None, user="alice", module="chat"),  # null: skipped
        event(subject, "b5", utc(2024, 3, 30, 23, 0, 0), credits=4, user="alice", module="chat"),
        event(subject, "b6", utc(2024, 3, 31, 21, 59, 59), credits=0.5, user="bob", module="chat"),
        event(subject, "b7", utc(2024, 3, 31, 10, 0, 0), credits=None, user="carol", module="chat"),  # no number: no row
        event(subject, "b8", utc(2024, 3, 31, 22, 0, 0), credits=10, user="alice", module="search"),
        event(subject, "b9", utc(2024, 4, 1, 22, 0, 0), credits=1000, user="alice", module="chat"),  # at `to`: excluded
    ]
    client.events.ingest_events(evs)
    frm, to = utc(2024, 3, 29, 23, 0, 0), utc(2024, 4, 1, 22, 0, 0)
    res = client.meters.query_json(METER, from_parameter=frm, to=to, window_size="DAY",
                                   window_time_zone="Europe/Berlin", subject=[subject], group_by=["user", "module"])
    assert res.from_property == frm
    assert res.to == to
    assert res.window_size == "DAY"
    d30, d31, d01, d02 = utc(2024, 3, 29, 23), utc(2024, 3, 30, 23), utc(2024, 3, 31, 22), utc(2024, 4, 1, 22)
    assert rows_of(res) == [
        (d30, d31, subject, gb(module="chat", user="alice"), 3.75),
        (d30, d31, subject, gb(module="search", user="alice"), 3.0),
        (d31, d01, subject, gb(module="chat", user="alice"), 4.0),
        (d31, d01, subject, gb(module="chat", user="bob"), 0.5),
        (d01, d02, subject, gb(module="search", user="alice"), 10.0),
    ]
    # rows come ordered by window start
    starts = [r.window_start for r in res.data]
    assert starts == sorted(starts)

    # advancedMeterGroupByFilters (JSON string in the query) narrows the groups
    res = client.meters.query_json(METER, from_parameter=frm, to=to, window_size="DAY",
                                   window_time_zone="Europe/Berlin", subject=[subject], group_by=["user", "module"],
                                   advanced_meter_group_by_filters={"module": {"$eq": "search"}})
    assert [(r[0], r[3], r[4]) for r in rows_of(res)] == [
        (d30, gb(module="search", user="alice"), 3.0),
        (d01, gb(module="search", user="alice"), 10.0),
    ]


def test_query_without_subject_grouping_has_null_subject(client, subject):
    # groupBy tenant narrows to this test's data without grouping by subject: subject is null in rows
    client.events.ingest_events([
        event(subject, "n1", utc(2024, 6, 1, 10, 0, 0), credits=2),
        event(subject, "n2", utc(2024, 6, 1, 11, 0, 0), credits=3),
    ])
    res = client.meters.query(METER, {"from": utc(2024, 6, 1), "to": utc(2024, 6, 2), "windowSize": "DAY",
                                      "groupBy": ["tenant"], "filterGroupBy": {"tenant": [subject]}})
    assert rows_of(res) == [(utc(2024, 6, 1), utc(2024, 6, 2), None, gb(tenant=subject), 5.0)]


def test_query_post_with_filter_group_by_new_york_fall_back(client, subject):
    # America/New_York leaves summer time on 2024-11-03 (a 25-hour day).
    # Local days: 11-02 = [11-02T04:00Z, 11-03T04:00Z), 11-03 = [11-03T04:00Z, 11-04T05:00Z),
    #             11-04 = [11-04T05:00Z, 11-05T05:00Z).
    client.events.ingest_events([
        event(subject, "y1", utc(2024, 11, 3, 3, 59, 59), credits=32, user="alice", module="chat"),
        event(subject, "y2", utc(2024, 11, 3, 4, 0, 0), credits=1, user="alice", module="chat"),
        event(subject, "y3", utc(2024, 11, 4, 4, 30, 0), credits=2, user="alice", module="chat"),
        event(subject, "y4", utc(2024, 11, 4, 5, 0, 0), credits=4, user="alice", module="chat"),
        event(subject, "y5", utc(2024, 11, 3, 10, 0, 0), credits=8, user="bob", module="chat"),
        event(subject, "y6", utc(2024, 11, 3, 11, 0, 0), credits=16, user="alice", module="search"),
    ])
    frm, to = utc(2024, 11, 2, 4), utc(2024, 11, 5, 5)
    body = {"from": frm, "to": to, "windowSize": "DAY", "windowTimeZone": "America/New_York",
            "subject": [subject], "groupBy": ["user"],
            "filterGroupBy": {"user": ["alice"], "module": ["chat"]}}
    res = client.meters.query(METER, body)
    assert res.from_property == frm and res.to == to and res.window_size == "DAY"
    assert rows_of(res) == [
        (utc(2024, 11, 2, 4), utc(2024, 11, 3, 4), subject, gb(user="alice"), 32.0),
        (utc(2024, 11, 3, 4), utc(2024, 11, 4, 5), subject, gb(user="alice"), 3.0),
        (utc(2024, 11, 4, 5), utc(2024, 11, 5, 5), subject, gb(user="alice"), 4.0),
    ]
    # a filter value list is an IN
    body["filterGroupBy"] = {"user": ["alice", "bob"], "module": ["chat"]}
    del body["windowSize"]
    res = client.meters.query(METER, body)
    assert sorted((dict(r[3])["user"], r[4]) for r in rows_of(res)) == [("alice", 39.0), ("bob", 8.0)]


def test_query_without_window_or_range(client, subject):
    client.events.ingest_events([
        event(subject, "w1", utc(2024, 7, 1, 10, 0, 30), credits=1.25),
        event(subject, "w2", utc(2024, 7, 1, 10, 5, 10), credits=2.5),
    ])
    res = client.meters.query_json(METER, subject=[subject])
    assert res.from_property is None and res.to is None and res.window_size is None
    assert rows_of(res) == [(utc(2024, 7, 1, 10, 0), utc(2024, 7, 1, 10, 6), subject, (), 3.75)]


def test_query_csv(client, subject):
    client.events.ingest_events([
        event(subject, "c1", utc(2024, 5, 1, 10, 0, 0), credits=1.25, user="alice"),
        event(subject, "c2", utc(2024, 5, 1, 11, 0, 0), credits=2.5, user="alice"),
        event(subject, "c3", utc(2024, 5, 1, 12, 0, 0), credits=5, user="bob"),
        event(subject, "c4", utc(2024, 5, 2, 0, 0, 0), credits=7, user="alice"),
    ])
    frm, to = utc(2024, 5, 1), utc(2024, 5, 3)
    text, headers = client.meters.query_csv(
        METER, from_parameter=frm, to=to, window_size="DAY", subject=[subject], group_by=["user", "module"],
        cls=lambda _resp, body, hdrs: (body, hdrs))
    assert headers["content-type"] == "text/csv"
    lines = [ln for ln in text.splitlines() if ln]
    assert lines[0] == "window_start,window_end,subject,user,module,value"
    assert sorted(lines[1:]) == [
        f"2024-05-01T00:00:00Z,2024-05-02T00:00:00Z,{subject},alice,chat,3.750000",
        f"2024-05-01T00:00:00Z,2024-05-02T00:00:00Z,{subject},bob,chat,5.000000",
        f"2024-05-02T00:00:00Z,2024-05-03T00:00:00Z,{subject},alice,chat,7.000000",
    ]
    assert lines[1].startswith("2024-05-01") and lines[-1].startswith("2024-05-02")

    # POST with Accept: text/csv answers CSV too (query_csv_post sends no body, so use query + stream)
    raw = b"".join(client.meters.query(
        METER, {"from": frm, "to": to, "windowSize": "DAY", "subject": [subject], "groupBy": ["user", "module"]},
        headers={"Accept": "text/csv"}, stream=True)).decode()
    assert [ln for ln in raw.splitlines() if ln] == lines


def test_subjects_and_group_by_values(client, subject):
    user = "u-" + uuid.uuid4().hex[:8]
    client.events.ingest_events([
        event(subject, "s1", now_s() - dt.timedelta(hours=1), user=user, module="mod-a"),
        event(subject, "s2", now_s() - dt.timedelta(minutes=30), user=user, module="mod-b"),
    ])
    assert subject in client.meters.list_subjects(METER)
    values = client.meters.list_group_by_values(METER, "user")
    assert user in values
    assert values.count(user) == 1
    assert {"mod-a", "mod-b"} <= set(client.meters.list_group_by_values(METER, "module"))


# --------------------------------------------------------------------------- meter CRUD


def test_meter_crud(client, subject):
    slug = "conf_" + uuid.uuid4().hex[:10]
    etype = "conf-" + uuid.uuid4().hex[:10]
    created = client.meters.create({"slug": slug, "aggregation": "COUNT", "eventType": etype,
                                    "description": "conformance", "groupBy": {"kind": "$.kind"}})
    assert created.slug == slug and created.aggregation == "COUNT" and created.event_type == etype
    assert created.name == slug  # name defaults to the slug
    assert created.id and isinstance(created.created_at, dt.datetime)
    assert client.meters.get(slug).id == created.id
    assert client.meters.get(created.id).slug == slug
    assert slug in [m.slug for m in client.meters.list()]

    with pytest.raises(ResourceExistsError) as ei:
        client.meters.create({"slug": slug, "aggregation": "COUNT", "eventType": etype})
    assert ei.value.status_code == 409
    with pytest.raises(HttpResponseError) as ei:  # SUM needs a valueProperty
        client.meters.create({"slug": slug + "_sum", "aggregation": "SUM", "eventType": etype})
    assert ei.value.status_code == 400

    updated = client.meters.update(slug, {"name": "Renamed", "groupBy": {"kind": "$.kind"}})
    assert updated.name == "Renamed" and updated.slug == slug

    client.events.ingest_events([
        event(subject, f"k{i}", utc(2024, 8, 1, 12, i), data={"kind": "x" if i < 2 else "y"}, type_=etype)
        for i in range(3)
    ])
    res = client.meters.query_json(slug, subject=[subject], group_by=["kind"],
                                   from_parameter=utc(2024, 8, 1), to=utc(2024, 8, 2))
    assert sorted((dict(r[3])["kind"], r[4]) for r in rows_of(res)) == [("x", 2.0), ("y", 1.0)]

    assert client.meters.delete(slug) is None
    with pytest.raises(ResourceNotFoundError):
        client.meters.get(slug)
    assert slug not in [m.slug for m in client.meters.list()]


# --------------------------------------------------------------------------- errors


def test_400_bad_group_by(client, subject):
    with pytest.raises(HttpResponseError) as ei:
        client.meters.query_json(METER, subject=[subject], group_by=["nope"])
    e = ei.value
    assert type(e) is HttpResponseError
    assert e.status_code == 400
    assert e.model.type == "about:blank"
    assert e.model.title == "Bad Request"
    assert e.model.status == 400
    assert e.model.detail == "invalid group by: nope"
    assert e.response.headers["content-type"].startswith("application/problem+json")

    with pytest.raises(HttpResponseError) as ei:  # same through POST
        client.meters.query(METER, {"groupBy": ["nope"]})
    assert ei.value.status_code == 400 and ei.value.model.detail == "invalid group by: nope"


def test_400_ingest_bad_content_type_and_bad_data(client, subject):
    body = event(subject, "ct", now_s())
    with pytest.raises(HttpResponseError) as ei:
        client.events.ingest_event(body, content_type="text/plain")
    assert ei.value.status_code == 400
    assert ei.value.model.detail == "invalid content type: text/plain"
    bad = dict(body, data="not an object")
    with pytest.raises(HttpResponseError) as ei:
        client.events.ingest_event(bad)
    assert ei.value.status_code == 400
    assert list_v1(client, subject) == []


def test_401_wrong_or_missing_token(server, subject):
    for token in ("wrong-key", None):
        c = _client(server, token)
        with pytest.raises(ClientAuthenticationError) as ei:
            c.meters.query_json(METER, subject=[subject])
        assert ei.value.status_code == 401
        assert ei.value.model is not None and ei.value.model.status == 401
        assert ei.value.model.title == "Unauthorized"
        with pytest.raises(ClientAuthenticationError):
            c.events.ingest_event(event(subject, "unauth", now_s()))
        with pytest.raises(ClientAuthenticationError):
            c.events.list(subject=subject)
        with pytest.raises(ClientAuthenticationError):
            v2_ids(c, filter={"subject": {"$eq": subject}})
        with pytest.raises(ClientAuthenticationError):
            c.meters.list()
    # nothing was ingested by the rejected calls
    assert [] == _client(server, API_KEY).events.list(subject=subject)


def test_404_unknown_meter(client, subject):
    with pytest.raises(ResourceNotFoundError) as ei:
        client.meters.query_json("no_such_meter", subject=[subject])
    e = ei.value
    assert e.status_code == 404
    assert e.model.type == "about:blank"
    assert e.model.title == "Not Found"
    assert e.model.status == 404
    assert e.model.detail == "meter not found: no_such_meter"

    with pytest.raises(ResourceNotFoundError) as ei:
        client.meters.get("no_such_meter")
    assert ei.value.model.detail == "meter not found: no_such_meter"
    with pytest.raises(ResourceNotFoundError) as ei:
        client.meters.query("no_such_meter", {"subject": [subject]})
    assert ei.value.model.detail == "meter not found: no_such_meter"
    with pytest.raises(ResourceNotFoundError):
        client.meters.query_csv("no_such_meter")
    with pytest.raises(ResourceNotFoundError):
        client.meters.list_subjects("no_such_meter")
    with pytest.raises(ResourceNotFoundError):
        client.meters.delete("no_such_meter")
