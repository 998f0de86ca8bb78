"""Conformance tests: fake-tais's tokens against PyJWT (2.15.1, with cryptography), and the official MCP Python SDK
(mcp==2.3.0) calling credits-mcp in JWT mode with a fake-tais token.

Runs the real binaries, each on `--port 0` (the port read from its `listening on http://HOST:PORT` log line):
fake-openmeter (FAKE_OPENMETER_BIN) with an API key, fake-tais (FAKE_TAIS_BIN) with a throw-away `--data` file and
its outbox pointed at fake-openmeter, and credits-mcp (CREDITS_MCP_BIN) with MCP_AUTH=jwt and TAIS_JWKS_URL set to
fake-tais's JWKS. Each defaults to <repo>/.build/debug/<name>.

Run: .venv/bin/python -m pytest Tests/Conformance/test_fake_tais.py -q -p no:cacheprovider
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import anyio
import httpx2
import jwt
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from service_process import base_env as _base_env
from service_process import start_service, stop_service as _stop

REPO = Path(__file__).resolve().parents[2]


_start = start_service
OPENMETER_BIN = Path(os.environ.get("FAKE_OPENMETER_BIN", REPO / ".build" / "debug" / "fake-openmeter"))
TAIS_BIN = Path(os.environ.get("FAKE_TAIS_BIN", REPO / ".build" / "debug" / "fake-tais"))
CREDITS_MCP_BIN = Path(os.environ.get("CREDITS_MCP_BIN", REPO / ".build" / "debug" / "credits-mcp"))
API_KEY = "tais-conformance-" + uuid.uuid4().hex[:8]
CALL_TIMEOUT_S = 30.0
UTC = dt.timezone.utc

RUN = uuid.uuid4().hex[:6]
TENANT = f"acme-{RUN}"
OTHER_TENANT = f"globex-{RUN}"
NOW = dt.datetime.now(UTC).replace(microsecond=0)
# One known credit event per tenant, an hour ago: the tenant's total must be exactly its own.
TENANT_CREDITS = 12.75
OTHER_CREDITS = 777.77


# --------------------------------------------------------------------------- processes


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


def _iso(t: dt.datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _event(tenant: str, credits: float) -> dict:
    return {
        "specversion": "1.0", "id": "ev-" + uuid.uuid4().hex, "source": "fake-tais-conformance", "type": "ai_credits",
        "subject": tenant, "time": _iso(NOW - dt.timedelta(hours=1)),
        "data": {"credits": credits, "user": "ada", "module": "chat", "product": "assistant", "tenant": tenant,
                 "skill": "writer"},
    }


@pytest.fixture(scope="module")
def openmeter(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fake-openmeter")
    log_path = tmp / "fake-openmeter.log"
    proc, base = _start(
        [str(OPENMETER_BIN), "--host", "127.0.0.1", "--port", "0", "--data", str(tmp / "om.sqlite"), "--api-key", API_KEY],
        _base_env(), log_path, "fake-openmeter")
    try:
        status, _, body = _http("POST", base + "/api/v1/events",
                                json.dumps([_event(TENANT, TENANT_CREDITS), _event(OTHER_TENANT, OTHER_CREDITS)]).encode(),
                                {"Content-Type": "application/cloudevents-batch+json", "Authorization": f"Bearer {API_KEY}"})
        assert status == 204, (status, body)
        yield base
    finally:
        _stop(proc, "fake-openmeter", log_path)


@pytest.fixture(scope="module")
def tais(openmeter, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fake-tais")
    log_path = tmp / "fake-tais.log"
    proc, base = _start(
        [str(TAIS_BIN), "--host", "127.0.0.1", "--port", "0", "--data", str(tmp / "tais.sqlite"),
         "--openmeter-url", openmeter, "--openmeter-api-key", API_KEY],
        _base_env(), log_path, "fake-tais")
    try:
        status, _, body = _http("GET", base + "/health")
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        yield base
    finally:
        _stop(proc, "fake-tais", log_path)


@pytest.fixture(scope="module")
def mcp_base(openmeter, tais, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("credits-mcp")
    (tmp / "downloads").mkdir()
    log_path = tmp / "credits-mcp.log"
    env = _base_env() | {
        "MCP_AUTH": "jwt",
        "TAIS_JWKS_URL": tais + "/.well-known/jwks.json",
        "OPENMETER_URL": openmeter,
        "OPENMETER_API_KEY": API_KEY,
        "DOWNLOAD_DIR": str(tmp / "downloads"),
    }
    proc, base = _start([str(CREDITS_MCP_BIN), "--host", "127.0.0.1", "--port", "0"], env, log_path, "credits-mcp")
    try:
        yield base
    finally:
        _stop(proc, "credits-mcp", log_path)


def mint(tais: str, **fields) -> dict:
    status, _, body = _http("POST", tais + "/_fake/tokens", fields)
    assert status in (200, 201), (status, body)
    answer = json.loads(body)
    assert isinstance(answer.get("token"), str), answer
    return answer


def b64url_json(segment: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


# --------------------------------------------------------------------------- tokens and JWKS with PyJWT


def test_jwks_is_a_p256_es256_key_set(tais):
    status, headers, body = _http("GET", tais + "/.well-known/jwks.json")
    assert status == 200, body
    assert "max-age=300" in headers.get("cache-control", ""), headers
    keys = json.loads(body)["keys"]
    assert len(keys) == 1, keys
    key = keys[0]
    assert {k: key.get(k) for k in ("kty", "crv", "use", "alg")} == {"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256"}
    assert key["kid"] and key["x"] and key["y"]
    assert "d" not in key, "the JWKS leaks the private key"
    # PyJWT reads it as an EC public key.
    assert jwt.PyJWK(key).algorithm_name == "ES256"


def test_minted_token_verifies_with_pyjwt_and_carries_the_contract_claims(tais):
    minted = mint(tais, tenant=TENANT, user="ada", email="ada@acme.test", name="Ada Lovelace",
                  groups=["Users", "Administrators"], roles=["Admin"], ttlSeconds=600)
    token = minted["token"]

    # PyJWKClient fetches the JWKS and picks the key by the token's kid.
    signing_key = jwt.PyJWKClient(tais + "/.well-known/jwks.json").get_signing_key_from_jwt(token)
    claims = jwt.decode(token, signing_key.key, algorithms=["ES256"], audience="tais", issuer="fake-tais",
                        options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub"]})
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "ES256" and header["kid"] == signing_key.key_id

    assert claims["sub"] == "ada" and claims["email"] == "ada@acme.test" and claims["name"] == "Ada Lovelace"
    assert claims["tenant_id"] == TENANT
    assert claims["groups"] == ["Users", "Administrators"] and claims["roles"] == ["Admin"]
    assert claims["exp"] - claims["iat"] == 600 and claims["nbf"] <= claims["iat"] + 1
    assert abs(claims["iat"] - time.time()) < 120, "iat is not now (the fake clock runs real time here)"
    if "expiresAt" in minted:
        expires = dt.datetime.fromisoformat(minted["expiresAt"].replace("Z", "+00:00"))
        assert int(expires.timestamp()) == claims["exp"], minted

    # The same with the key built from the JWKS JSON by hand.
    _, _, body = _http("GET", tais + "/.well-known/jwks.json")
    public_key = jwt.algorithms.ECAlgorithm.from_jwk(json.dumps(json.loads(body)["keys"][0]))
    assert jwt.decode(token, public_key, algorithms=["ES256"], audience="tais", issuer="fake-tais") == claims


def test_minted_token_defaults(tais):
    token = mint(tais, tenant=TENANT, user="bob")["token"]
    key = jwt.PyJWKClient(tais + "/.well-known/jwks.json").get_signing_key_from_jwt(token)
    claims = jwt.decode(token, key.key, algorithms=["ES256"], audience="tais", issuer="fake-tais")
    assert claims["groups"] == ["Administrators"] and claims["roles"] == ["Owner"]
    assert claims["exp"] - claims["iat"] == 3600


def test_pyjwt_refuses_altered_tokens(tais):
    token = mint(tais, tenant=TENANT, user="ada")["token"]
    key = jwt.PyJWKClient(tais + "/.well-known/jwks.json").get_signing_key_from_jwt(token).key
    header, payload, signature = token.split(".")
    claims = b64url_json(payload)
    claims["tenant_id"] = OTHER_TENANT
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(f"{header}.{forged_payload}.{signature}", key, algorithms=["ES256"], audience="tais", issuer="fake-tais")
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(token, key, algorithms=["ES256"], audience="not-tais", issuer="fake-tais")
    with pytest.raises(jwt.InvalidIssuerError):
        jwt.decode(token, key, algorithms=["ES256"], audience="tais", issuer="someone-else")


def test_fake_tais_api_accepts_its_token_and_refuses_forgeries(tais):
    token = mint(tais, tenant=TENANT, user="ada")["token"]
    status, _, body = _http("GET", tais + "/api/v2/tools-service/tools", headers={"Authorization": f"Bearer {token}"})
    assert status == 200 and json.loads(body) == {"items": []}, (status, body)

    header, payload, _ = token.split(".")
    none_header = base64.urlsafe_b64encode(json.dumps({**b64url_json(header), "alg": "none"}).encode()).rstrip(b"=").decode()
    for what, bearer in [("missing", None), ("alg none", f"{none_header}.{payload}."), ("garbage", "a.b.c")]:
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        status, _, body = _http("GET", tais + "/api/v2/tools-service/tools", headers=headers)
        assert status == 401, (what, status, body)
        assert json.loads(body)["error"] == "unauthorized", (what, body)


# --------------------------------------------------------------------------- the MCP SDK with a fake-tais token


async def _call(mcp_base: str, token: str, tool: str, arguments: dict):
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(CALL_TIMEOUT_S)) as http:
        async with streamable_http_client(mcp_base + "/mcp", http_client=http) as (read, write):
            async with ClientSession(read, write, read_timeout_seconds=CALL_TIMEOUT_S) as session:
                await session.initialize()
                tools = {t.name for t in (await session.list_tools()).tools}
                return tools, await session.call_tool(tool, arguments)


def call(mcp_base: str, token: str, tool: str, arguments: dict):
    async def go():
        with anyio.fail_after(CALL_TIMEOUT_S * 2):  # a hang fails the test instead of blocking the run
            return await _call(mcp_base, token, tool, arguments)
    return anyio.run(go)


def text_of(result) -> str:
    texts = [c.text for c in result.content if c.type == "text"]
    assert texts, f"no text content in {result!r}"
    return "\n".join(texts)


def test_mcp_sdk_calls_credits_mcp_with_a_fake_tais_token(mcp_base, tais):
    token = mint(tais, tenant=TENANT, user="ada")["token"]
    args = {"from": _iso(NOW - dt.timedelta(days=1)), "to": _iso(NOW + dt.timedelta(minutes=5))}
    tools, result = call(mcp_base, token, "get_credit_usage_by_tenant", args)
    assert tools == {"get_credit_usage_by_tenant", "get_credit_usage_summary", "get_credit_events"}
    text = text_of(result)
    assert not result.is_error, text
    # The tenant is the token's: its own total, never the other tenant's.
    table = [[cell.strip() for cell in ln.strip().strip("|").split("|")] for ln in text.splitlines() if ln.startswith("|")]
    assert table[0] == ["tenant", "credits"], text
    assert table[2:] == [[TENANT, f"{TENANT_CREDITS:.2f}"]], text
    assert OTHER_TENANT not in text and "777" not in text, text


def test_mcp_sdk_non_admin_token_gets_a_tool_error(mcp_base, tais):
    token = mint(tais, tenant=TENANT, user="bob", groups=["Users"])["token"]
    _, result = call(mcp_base, token, "get_credit_usage_by_tenant", {})
    assert result.is_error and "administrators only" in text_of(result), text_of(result)


def test_credits_mcp_refuses_a_forged_fake_tais_token(mcp_base, tais):
    token = mint(tais, tenant=TENANT, user="ada")["token"]
    header, payload, signature = token.split(".")
    claims = b64url_json(payload)
    claims["tenant_id"] = OTHER_TENANT
    forged = f"{header}.{base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b'=').decode()}.{signature}"
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                  "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                             "clientInfo": {"name": "conformance", "version": "1"}}}
    status, headers, body = _http("POST", mcp_base + "/mcp", initialize, {
        "Accept": "application/json, text/event-stream", "Authorization": f"Bearer {forged}"})
    assert status == 401, (status, body)
    assert headers.get("www-authenticate", "").startswith("Bearer"), headers
