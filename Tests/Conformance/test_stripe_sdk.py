"""Conformance tests: the official Stripe Python SDK (stripe==16.1.0), unchanged, against fake-stripe.

Runs the real binary (FAKE_STRIPE_BIN, default <repo>/.build/debug/fake-stripe) on `--port 0` with a throw-away
`--data` file, its base URL read from its `listening on http://HOST:PORT` log line. A small HTTP server in this
process (127.0.0.1, port 0) is registered through `POST /_fake/webhook_endpoints` as a webhook receiver: it keeps the
raw body and the Stripe-Signature header of every delivery and answers 200. The SDK talks to fake-stripe through
`stripe.StripeClient(key, base_addresses={"api": base})`; the fake-only `/_fake/` routes are called with urllib.

Run: .venv/bin/python -m pytest Tests/Conformance/test_stripe_sdk.py -q -p no:cacheprovider
"""

from __future__ import annotations

import base64
import http.server
import json
import os
import re
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
import stripe
from service_process import base_env, start_service, stop_service

REPO = Path(__file__).resolve().parents[2]
# Absolute: the service runs in its temporary folder, and FAKE_STRIPE_BIN may be relative to where pytest started.
STRIPE_BIN = Path(os.environ.get("FAKE_STRIPE_BIN", REPO / ".build" / "debug" / "fake-stripe")).absolute()
RUN = uuid.uuid4().hex[:8]
API_KEY = f"sk_test_conformance_{RUN}"
WEBHOOK_SECRET = f"whsec_conformance_{uuid.uuid4().hex}"
CALL_TIMEOUT_S = 30.0
DELIVERY_TIMEOUT_S = 30.0
PRODUCT = f"500 AI credits ({RUN})"
EXPIRE_MESSAGE = ('Only Checkout Sessions with a status in ["open"] can be expired. '
                  "This Checkout Session has a status of `{status}`.")
REQUEST_ID = re.compile(r"req_[A-Za-z0-9]+")
SIGNATURE = re.compile(r"t=(\d+),v1=([0-9a-f]{64})")
CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000002"
CARD_NO_FUNDS = "4000 0000 0000 9995"


# --------------------------------------------------------------------------- plain HTTP (no SDK)


def _http(method: str, url: str, body: object | None = None, headers: dict | None = None) -> tuple[int, dict, bytes]:
    data = None
    headers = dict(headers or {})
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=CALL_TIMEOUT_S) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def _lower(headers) -> dict:
    return {k.lower(): v for k, v in dict(headers).items()}


def pay(base: str, session_id: str, card: str) -> tuple[int, dict]:
    status, _, body = _http("POST", f"{base}/_fake/checkout/sessions/{session_id}/pay", {"card": card})
    return status, (json.loads(body) if body else {})


def poll(what: str, probe, timeout: float = DELIVERY_TIMEOUT_S):
    """Calls probe() until it returns something truthy, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        got = probe()
        if got:
            return got
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)  # poll interval


# --------------------------------------------------------------------------- the webhook receiver


class Receiver:
    """Keeps every POST it gets: raw body bytes, Stripe-Signature, all headers. Always answers 200."""

    def __init__(self):
        self.lock = threading.Lock()
        self.deliveries: list[dict] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                with receiver.lock:
                    receiver.deliveries.append({"body": raw, "signature": self.headers.get("Stripe-Signature"),
                                                "headers": {k.lower(): v for k, v in self.headers.items()},
                                                "path": self.path})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):  # keep pytest's output clean
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/stripe/webhook"
        self.thread = threading.Thread(target=self.server.serve_forever, name="webhook-receiver", daemon=True)
        self.thread.start()

    def find(self, event_type: str, object_id: str) -> list[dict]:
        with self.lock:
            found = []
            for d in self.deliveries:
                try:
                    event = json.loads(d["body"])
                except ValueError:
                    continue
                if event.get("type") == event_type and event.get("data", {}).get("object", {}).get("id") == object_id:
                    found.append(d)
            return found

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()
    try:
        yield r
    finally:
        r.close()


@pytest.fixture(scope="module")
def base(tmp_path_factory, receiver):
    tmp = tmp_path_factory.mktemp("fake-stripe")
    log_path = tmp / "fake-stripe.log"
    proc, url = start_service(
        [str(STRIPE_BIN), "--host", "127.0.0.1", "--port", "0", "--data", str(tmp / "stripe.sqlite")],
        base_env(), log_path, "fake-stripe")
    try:
        status, headers, body = _http("POST", url + "/_fake/webhook_endpoints",
                                      {"url": receiver.url, "secret": WEBHOOK_SECRET})
        assert status == 201, (status, body)
        endpoint = json.loads(body)
        assert endpoint["url"] == receiver.url and endpoint["secret"] == WEBHOOK_SECRET, endpoint
        assert endpoint["id"] and endpoint["enabledEvents"] == ["*"], endpoint
        assert REQUEST_ID.fullmatch(headers.get("request-id", "")), headers
        yield url
    finally:
        stop_service(proc, "fake-stripe", log_path)


@pytest.fixture(scope="module")
def client(base):
    return stripe.StripeClient(API_KEY, base_addresses={"api": base}, max_network_retries=0)


def session_params(**overrides) -> dict:
    params = {
        "mode": "payment",
        "line_items": [{"price_data": {"currency": "usd", "unit_amount": 5000, "product_data": {"name": PRODUCT}},
                        "quantity": 1}],
        "success_url": "https://credits.example.test/success?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://credits.example.test/cancel",
    }
    params.update(overrides)
    return params


def new_session(client, **overrides):
    return client.v1.checkout.sessions.create(session_params(**overrides))


# --------------------------------------------------------------------------- Checkout Sessions


def test_create_checkout_session(client, base):
    expires_at = int(time.time()) + 3600
    metadata = {"tenant": f"acme-{RUN}", "credits": "500"}
    s = client.v1.checkout.sessions.create(session_params(
        client_reference_id=f"order-{RUN}", metadata=metadata, customer_email="ada@acme.test", expires_at=expires_at))

    assert isinstance(s, stripe.checkout.Session)
    assert s.object == "checkout.session"
    assert s.id.startswith("cs_test_"), s.id
    assert (s.status, s.payment_status, s.mode) == ("open", "unpaid", "payment")
    assert (s.amount_total, s.amount_subtotal, s.currency) == (5000, 5000, "usd")
    assert s.livemode is False
    assert s.client_reference_id == f"order-{RUN}"
    assert s.customer_email == "ada@acme.test"
    assert s.metadata.to_dict() == metadata
    assert s.expires_at == expires_at
    assert abs(s.created - time.time()) < 120, s.created
    assert s.payment_intent is None, "no card was tried yet"
    # Stripe keeps the template in the object; the id is put in at the redirect.
    assert s.success_url == "https://credits.example.test/success?session_id={CHECKOUT_SESSION_ID}"
    assert s.cancel_url == "https://credits.example.test/cancel"
    assert s.url == f"{base}/c/pay/{s.id}", s.url
    assert s.last_response.code == 200
    assert REQUEST_ID.fullmatch(s.last_response.request_id or ""), s.last_response.headers

    # The hosted page is there and shows what is bought.
    status, headers, page = _http("GET", s.url)
    assert status == 200, (status, page[:500])
    assert headers.get("content-type", "").startswith("text/html"), headers
    assert PRODUCT.encode() in page and b"50.00" in page, page[:2000]


def test_create_refuses_bad_parameters(client):
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.checkout.sessions.create({"mode": "payment", "success_url": "https://credits.example.test/ok"})
    assert missing.value.http_status == 400
    assert missing.value.code == "parameter_missing" and missing.value.param == "line_items", missing.value.json_body
    assert missing.value.user_message == "Missing required param: line_items."
    assert missing.value.error.type == "invalid_request_error"
    assert REQUEST_ID.fullmatch(missing.value.request_id or ""), missing.value.headers

    with pytest.raises(stripe.InvalidRequestError) as unknown:
        new_session(client, bogus_param="x")
    assert unknown.value.http_status == 400
    assert unknown.value.code == "parameter_unknown" and unknown.value.param == "bogus_param", unknown.value.json_body

    # expires_at must be 30 minutes to 24 hours ahead.
    for too in (int(time.time()) + 60, int(time.time()) + 25 * 3600):
        with pytest.raises(stripe.InvalidRequestError) as out_of_range:
            new_session(client, expires_at=too)
        assert out_of_range.value.http_status == 400 and out_of_range.value.param == "expires_at", \
            out_of_range.value.json_body


def test_retrieve_and_expand_after_paying(client, base):
    created = new_session(client, metadata={"order": RUN})
    s = client.v1.checkout.sessions.retrieve(created.id)
    assert s.id == created.id and s.status == "open" and s.payment_status == "unpaid"
    assert s.metadata.to_dict() == {"order": RUN}
    assert s.to_dict() == created.to_dict(), "retrieve differs from the created object"

    status, answer = pay(base, created.id, CARD_OK)
    assert status == 200, (status, answer)
    assert answer["outcome"] == "paid", answer

    paid = client.v1.checkout.sessions.retrieve(created.id, {"expand": ["payment_intent"]})
    assert (paid.status, paid.payment_status) == ("complete", "paid")
    assert paid.url is None, "url is null once the session is no longer open"
    pi = paid.payment_intent
    assert isinstance(pi, stripe.PaymentIntent), f"payment_intent not expanded: {pi!r}"
    assert pi.id.startswith("pi_"), pi.id
    assert (pi.status, pi.amount, pi.currency) == ("succeeded", 5000, "usd")
    assert pi.amount_received == 5000

    # Without expand, the id; and the PaymentIntent by itself.
    plain = client.v1.checkout.sessions.retrieve(created.id)
    assert plain.payment_intent == pi.id
    again = client.v1.payment_intents.retrieve(pi.id)
    assert isinstance(again, stripe.PaymentIntent)
    assert (again.id, again.status, again.amount) == (pi.id, "succeeded", 5000)

    # Line items, expanded and as their own list.
    with_items = client.v1.checkout.sessions.retrieve(created.id, {"expand": ["line_items"]})
    items = with_items.line_items
    assert items.object == "list" and len(items.data) == 1, items
    item = items.data[0]
    assert (item.quantity, item.amount_total, item.currency, item.description) == (1, 5000, "usd", PRODUCT)
    assert item.price.unit_amount == 5000
    listed = client.v1.checkout.sessions.line_items.list(created.id)
    assert [i.id for i in listed.data] == [item.id] and listed.has_more is False

    # A paid session cannot be paid again.
    status, answer = pay(base, created.id, CARD_OK)
    assert status == 409, (status, answer)


def test_list_auto_paging(client):
    ids = [new_session(client, client_reference_id=f"page-{RUN}-{i}").id for i in range(25)]
    assert len(set(ids)) == 25

    first = client.v1.checkout.sessions.list({"limit": 3})
    assert first.object == "list" and first.url == "/v1/checkout/sessions", (first.object, first.url)
    assert len(first.data) == 3 and first.has_more is True
    assert [s.id for s in first.data] == ids[::-1][:3], "the first page is not the three newest sessions"

    everything = [s for s in first.auto_paging_iter()]
    seen = [s.id for s in everything]
    assert len(seen) == len(set(seen)), "auto-paging returned a session twice"
    assert set(ids) <= set(seen), "auto-paging lost sessions"
    ours = [i for i in seen if i in set(ids)]
    assert ours == ids[::-1], "not newest first"
    created = [s.created for s in everything]
    assert created == sorted(created, reverse=True), "created is not non-increasing"

    # Paging by hand: has_more is true on every page but the last.
    page, pages = first, [first]
    while page.has_more:
        page = page.next_page()
        pages.append(page)
        assert 1 <= len(page.data) <= 3
    assert [s.id for p in pages for s in p.data] == seen
    assert pages[-1].has_more is False

    # ending_before gives the page just before the cursor, still newest first.
    before = client.v1.checkout.sessions.list({"limit": 3, "ending_before": ids[0]})
    assert [s.id for s in before.data] == [ids[3], ids[2], ids[1]]
    assert before.has_more is True

    # A limit bigger than what is left: no more.
    tail = client.v1.checkout.sessions.list({"limit": 100, "starting_after": ids[1]})
    assert ids[0] in [s.id for s in tail.data] and ids[1] not in [s.id for s in tail.data]

    assert len(client.v1.checkout.sessions.list().data) == 10, "the default limit is 10"

    with pytest.raises(stripe.InvalidRequestError) as too_many:
        client.v1.checkout.sessions.list({"limit": 101})
    assert too_many.value.http_status == 400 and too_many.value.param == "limit", too_many.value.json_body


def test_list_filters(client, base):
    paid = new_session(client)
    assert pay(base, paid.id, CARD_OK)[1]["outcome"] == "paid"
    expired = new_session(client)
    client.v1.checkout.sessions.expire(expired.id)
    still_open = new_session(client)

    for status, member in (("complete", paid.id), ("expired", expired.id), ("open", still_open.id)):
        listed = list(client.v1.checkout.sessions.list({"status": status, "limit": 5}).auto_paging_iter())
        assert {s.status for s in listed} == {status}, (status, [(s.id, s.status) for s in listed])
        assert member in [s.id for s in listed], (status, member)

    by_intent = client.v1.checkout.sessions.retrieve(paid.id).payment_intent
    only = client.v1.checkout.sessions.list({"payment_intent": by_intent})
    assert [s.id for s in only.data] == [paid.id] and only.has_more is False


def test_expire(client, base):
    s = new_session(client)
    expired = client.v1.checkout.sessions.expire(s.id)
    assert expired.id == s.id
    assert (expired.status, expired.payment_status) == ("expired", "unpaid")
    assert expired.url is None

    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.checkout.sessions.expire(s.id)
    assert again.value.http_status == 400
    assert again.value.user_message == EXPIRE_MESSAGE.format(status="expired")
    assert again.value.error.type == "invalid_request_error"

    # An expired session cannot be paid.
    status, answer = pay(base, s.id, CARD_OK)
    assert status == 409, (status, answer)
    assert client.v1.checkout.sessions.retrieve(s.id).status == "expired"

    # Nor can a completed one be expired.
    done = new_session(client)
    assert pay(base, done.id, CARD_OK)[1]["outcome"] == "paid"
    with pytest.raises(stripe.InvalidRequestError) as complete:
        client.v1.checkout.sessions.expire(done.id)
    assert complete.value.user_message == EXPIRE_MESSAGE.format(status="complete")


def test_idempotency(client):
    key = f"conformance-{uuid.uuid4()}"
    params = session_params(client_reference_id=f"idem-{RUN}")
    first = client.v1.checkout.sessions.create(params, {"idempotency_key": key})
    second = client.v1.checkout.sessions.create(params, {"idempotency_key": key})
    assert second.id == first.id
    first_headers, second_headers = _lower(first.last_response.headers), _lower(second.last_response.headers)
    assert first_headers.get("idempotent-replayed") != "true", first_headers
    assert second_headers.get("idempotent-replayed") == "true", second_headers
    assert json.loads(second.last_response.body) == json.loads(first.last_response.body), "the replay differs"

    # Same key, other parameters.
    with pytest.raises(stripe.IdempotencyError) as other_params:
        client.v1.checkout.sessions.create(session_params(client_reference_id=f"other-{RUN}"),
                                           {"idempotency_key": key})
    assert other_params.value.http_status == 400
    assert other_params.value.error.type == "idempotency_error", other_params.value.json_body

    # Same key, another endpoint.
    with pytest.raises(stripe.IdempotencyError) as other_endpoint:
        client.v1.checkout.sessions.expire(first.id, options={"idempotency_key": key})
    assert other_endpoint.value.http_status == 400
    assert client.v1.checkout.sessions.retrieve(first.id).status == "open", "the refused expire ran anyway"

    # A request refused by validation is not remembered: the key is still free.
    fresh = f"conformance-{uuid.uuid4()}"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.create({"mode": "payment"}, {"idempotency_key": fresh})
    ok = client.v1.checkout.sessions.create(params, {"idempotency_key": fresh})
    assert ok.id.startswith("cs_test_") and ok.id != first.id
    assert _lower(ok.last_response.headers).get("idempotent-replayed") != "true"


def test_post_responses_echo_the_idempotency_key(client):
    # Stripe answers every POST with the Idempotency-Key it ran under; the SDK reads it as last_response.idempotency_key.
    key = f"conformance-echo-{uuid.uuid4()}"
    first = client.v1.checkout.sessions.create(session_params(), {"idempotency_key": key})
    assert first.last_response.idempotency_key == key, dict(first.last_response.headers)
    replay = client.v1.checkout.sessions.create(session_params(), {"idempotency_key": key})
    assert replay.last_response.idempotency_key == key, dict(replay.last_response.headers)


def test_unknown_ids_are_404_resource_missing(client):
    with pytest.raises(stripe.InvalidRequestError) as session:
        client.v1.checkout.sessions.retrieve("cs_test_doesnotexist")
    assert session.value.http_status == 404 and session.value.code == "resource_missing", session.value.json_body
    assert session.value.user_message == "No such checkout.session: 'cs_test_doesnotexist'"
    assert session.value.error.type == "invalid_request_error"

    for call in (lambda: client.v1.payment_intents.retrieve("pi_doesnotexist"),
                 lambda: client.v1.events.retrieve("evt_doesnotexist"),
                 lambda: client.v1.checkout.sessions.expire("cs_test_doesnotexist")):
        with pytest.raises(stripe.InvalidRequestError) as missing:
            call()
        assert missing.value.http_status == 404 and missing.value.code == "resource_missing", missing.value.json_body


@pytest.mark.parametrize("key", ["sk_live_x", "bogus"])
def test_bad_keys_are_authentication_errors(base, key):
    bad = stripe.StripeClient(key, base_addresses={"api": base}, max_network_retries=0)
    with pytest.raises(stripe.AuthenticationError) as refused:
        bad.v1.checkout.sessions.list({"limit": 1})
    assert refused.value.http_status == 401
    assert refused.value.user_message, refused.value.json_body
    if key == "bogus":
        assert refused.value.user_message.startswith("Invalid API Key provided"), refused.value.user_message
    assert refused.value.error.type == "invalid_request_error", refused.value.json_body
    assert REQUEST_ID.fullmatch(refused.value.request_id or ""), refused.value.headers
    with pytest.raises(stripe.AuthenticationError):
        bad.v1.checkout.sessions.create(session_params())


def test_every_response_has_a_request_id(base):
    basic = base64.b64encode(f"{API_KEY}:".encode()).decode()
    probes = [
        ("GET", "/v1/checkout/sessions?limit=1", {"Authorization": f"Bearer {API_KEY}"}, 200),
        ("GET", "/v1/checkout/sessions?limit=1", {"Authorization": f"Basic {basic}"}, 200),
        ("GET", "/v1/checkout/sessions", {}, 401),
        ("GET", "/v1/checkout/sessions", {"Authorization": "Bearer sk_live_x"}, 401),
        ("GET", "/v1/checkout/sessions/cs_test_nope", {"Authorization": f"Bearer {API_KEY}"}, 404),
        ("GET", "/_fake/webhook_endpoints", {}, 200),
    ]
    seen = set()
    for method, path, headers, expected in probes:
        status, got_headers, body = _http(method, base + path, headers=headers)
        assert status == expected, (path, headers, status, body)
        rid = got_headers.get("request-id", "")
        assert REQUEST_ID.fullmatch(rid), (path, got_headers)
        seen.add(rid)
        if status >= 400 and path.startswith("/v1"):
            error = json.loads(body)["error"]
            assert error["type"] and error["message"], body
    assert len(seen) == len(probes), "request ids repeat"

    status, _, body = _http("GET", base + "/v1/checkout/sessions")
    assert json.loads(body)["error"]["message"].startswith("You did not provide an API key"), body


# --------------------------------------------------------------------------- events and webhooks


def test_webhooks_and_events(client, base, receiver):
    s = new_session(client, metadata={"order": f"hook-{RUN}"})
    status, answer = pay(base, s.id, CARD_OK)
    assert (status, answer["outcome"]) == (200, "paid"), answer

    delivery = poll(f"checkout.session.completed for {s.id}",
                    lambda: receiver.find("checkout.session.completed", s.id))[0]
    raw, header = delivery["body"], delivery["signature"]
    assert isinstance(raw, bytes) and header, delivery
    m = SIGNATURE.fullmatch(header)
    assert m, f"Stripe-Signature is not t=<unix>,v1=<hex>: {header!r}"
    assert abs(int(m.group(1)) - time.time()) < 300
    assert delivery["headers"].get("content-type", "").startswith("application/json"), delivery["headers"]

    event = stripe.Webhook.construct_event(raw, header, WEBHOOK_SECRET)
    assert isinstance(event, stripe.Event)
    assert event.type == "checkout.session.completed" and event.id.startswith("evt_"), event.id
    obj = event.data.object
    assert isinstance(obj, stripe.checkout.Session), type(obj)
    assert (obj.id, obj.status, obj.payment_status, obj.amount_total) == (s.id, "complete", "paid", 5000)
    assert obj.metadata.to_dict() == {"order": f"hook-{RUN}"}
    # The same through the client, and as a str body.
    assert client.construct_event(raw.decode(), header, WEBHOOK_SECRET).id == event.id

    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(raw, header, "whsec_not_the_secret")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(raw.replace(b"complete", b"c0mplete", 1), header, WEBHOOK_SECRET)

    # The PaymentIntent's event was delivered as well.
    pi_id = client.v1.checkout.sessions.retrieve(s.id).payment_intent
    pi_delivery = poll(f"payment_intent.succeeded for {pi_id}",
                       lambda: receiver.find("payment_intent.succeeded", pi_id))[0]
    pi_event = stripe.Webhook.construct_event(pi_delivery["body"], pi_delivery["signature"], WEBHOOK_SECRET)
    assert pi_event.data.object.status == "succeeded" and pi_event.data.object.amount == 5000

    # Events through the API.
    listed = client.v1.events.list({"type": "checkout.session.completed"})
    assert listed.object == "list" and listed.url == "/v1/events"
    assert {e.type for e in listed.data} == {"checkout.session.completed"}
    assert event.id in [e.id for e in listed.auto_paging_iter()]

    retrieved = client.v1.events.retrieve(event.id)
    assert isinstance(retrieved, stripe.Event)
    assert (retrieved.id, retrieved.type, retrieved.object, retrieved.livemode) == (
        event.id, "checkout.session.completed", "event", False)
    assert retrieved.data.object.id == s.id and retrieved.data.object.status == "complete"
    assert retrieved.to_dict()["data"] == json.loads(raw)["data"], "the delivered event differs from the stored one"

    both = client.v1.events.list({"types": ["checkout.session.completed", "payment_intent.succeeded"], "limit": 100})
    ids = [e.id for e in both.data]
    assert event.id in ids and pi_event.id in ids
    assert {e.type for e in both.data} <= {"checkout.session.completed", "payment_intent.succeeded"}
    newest_first = [e.created for e in both.data]
    assert newest_first == sorted(newest_first, reverse=True)


def test_expired_event_and_wildcard_type(client, receiver):
    s = new_session(client)
    client.v1.checkout.sessions.expire(s.id)
    delivery = poll(f"checkout.session.expired for {s.id}", lambda: receiver.find("checkout.session.expired", s.id))[0]
    event = stripe.Webhook.construct_event(delivery["body"], delivery["signature"], WEBHOOK_SECRET)
    assert event.data.object.status == "expired"

    wildcard = list(client.v1.events.list({"type": "checkout.session.*", "limit": 2}).auto_paging_iter())
    assert all(e.type.startswith("checkout.session.") for e in wildcard), [e.type for e in wildcard]
    assert event.id in [e.id for e in wildcard]
    assert len({e.id for e in wildcard}) == len(wildcard)


def test_declined_card_then_paid(client, base, receiver):
    s = new_session(client)

    status, declined = pay(base, s.id, CARD_DECLINED)
    assert status == 200, (status, declined)
    assert declined["outcome"] == "declined" and declined.get("declineCode") == "generic_decline", declined
    after = client.v1.checkout.sessions.retrieve(s.id, {"expand": ["payment_intent"]})
    assert (after.status, after.payment_status) == ("open", "unpaid")
    assert after.url is not None
    pi = after.payment_intent
    assert isinstance(pi, stripe.PaymentIntent), "a tried card leaves a PaymentIntent on the session"
    assert pi.status == "requires_payment_method", pi.status
    assert pi.last_payment_error.code == "card_declined"
    assert pi.last_payment_error.decline_code == "generic_decline"
    failed = poll(f"payment_intent.payment_failed for {pi.id}",
                  lambda: receiver.find("payment_intent.payment_failed", pi.id))[0]
    assert stripe.Webhook.construct_event(failed["body"], failed["signature"], WEBHOOK_SECRET).type == \
        "payment_intent.payment_failed"

    status, no_funds = pay(base, s.id, CARD_NO_FUNDS)
    assert status == 200 and no_funds["outcome"] == "declined", no_funds
    assert no_funds.get("declineCode") == "insufficient_funds", no_funds
    assert client.v1.checkout.sessions.retrieve(s.id).status == "open"

    status, paid = pay(base, s.id, CARD_OK)
    assert (status, paid["outcome"]) == (200, "paid"), paid
    done = client.v1.checkout.sessions.retrieve(s.id, {"expand": ["payment_intent"]})
    assert (done.status, done.payment_status) == ("complete", "paid")
    assert done.payment_intent.id == pi.id, "the session's PaymentIntent changed between attempts"
    assert done.payment_intent.status == "succeeded"
    assert done.payment_intent.last_payment_error is None
    poll(f"checkout.session.completed for {s.id}", lambda: receiver.find("checkout.session.completed", s.id))
