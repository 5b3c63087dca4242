"""The shared HTTP client: options applied on the wire, failures named, secrets never shown."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from servers.canned import CannedHttpServer, SilentServer
from servers.process import refused_port
from servers.tls import self_signed_certificate

from oncall_tui.config.model import BasicAuth, HttpOptions, Secret, TLSConfig
from oncall_tui.sources.base import ErrorKind, FetchError, FetchFailed
from oncall_tui.sources.http_client import classify_exception, make_async_client, scrub

TOKEN = "s3cr3t/token+with=odd&chars"


async def _get_error(http: HttpOptions, url: str) -> FetchError:
    async with make_async_client(http) as client:
        try:
            await client.get(url)
        except httpx.HTTPError as exc:
            return classify_exception(exc, http.secrets())
    raise AssertionError(f"GET {url} did not fail")


@pytest.fixture
def echo() -> Iterator[CannedHttpServer]:
    with CannedHttpServer(200, b'{"ok": true}') as server:
        yield server


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    return self_signed_certificate(folder)


@pytest.mark.integration
async def test_headers_and_bearer_token_are_sent(echo: CannedHttpServer) -> None:
    http = HttpOptions(headers={"X-Scope-OrgID": "team-a"}, bearer_token=Secret(TOKEN))
    async with make_async_client(http, base_url=echo.url) as client:
        response = await client.get("/api/v1/query", params={"query": "up"})
    assert response.status_code == 200
    sent = echo.requests[-1]
    assert sent.path == "/api/v1/query"
    assert sent.headers["x-scope-orgid"] == "team-a"
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.integration
async def test_basic_auth_is_sent(echo: CannedHttpServer) -> None:
    http = HttpOptions(basic_auth=BasicAuth("ops", Secret("hunter2")))
    async with make_async_client(http) as client:
        await client.get(echo.url)
    assert (
        echo.requests[-1].headers["authorization"] == httpx.BasicAuth("ops", "hunter2")._auth_header
    )


@pytest.mark.integration
async def test_connections_are_kept_alive_between_requests(echo: CannedHttpServer) -> None:
    connects = 0

    async def count(event_name: str, info: dict[str, object]) -> None:
        nonlocal connects
        connects += event_name == "connection.connect_tcp.complete"

    async with make_async_client(HttpOptions()) as client:
        for _ in range(3):
            await client.get(echo.url, extensions={"trace": count})
    assert connects == 1


async def test_refused_connection_is_unreachable() -> None:
    error = await _get_error(HttpOptions(timeout=1.0), f"http://127.0.0.1:{refused_port()}/")
    assert error.kind is ErrorKind.UNREACHABLE
    assert "connection refused" in error.message


@pytest.mark.integration
async def test_server_that_never_answers_times_out_within_the_timeout() -> None:
    with SilentServer() as silent:
        started = time.monotonic()
        error = await _get_error(HttpOptions(timeout=0.5), silent.url)
        elapsed = time.monotonic() - started
    assert error.kind is ErrorKind.TIMEOUT
    assert "0.5 s" in error.message
    assert 0.4 < elapsed < 1.5


@pytest.mark.integration
async def test_untrusted_certificate_is_a_config_error(self_signed: tuple[Path, Path]) -> None:
    with CannedHttpServer(200, b"{}", tls=self_signed) as server:
        error = await _get_error(HttpOptions(timeout=2.0), server.url)
    assert error.kind is ErrorKind.CONFIG
    assert "not trusted" in error.message


@pytest.mark.parametrize(
    "tls",
    [pytest.param("ca", id="ca_file"), pytest.param("skip", id="insecure_skip_verify")],
)
@pytest.mark.integration
async def test_tls_options_let_a_self_signed_server_answer(
    self_signed: tuple[Path, Path], tls: str
) -> None:
    cert, _key = self_signed
    options = TLSConfig(ca_file=cert) if tls == "ca" else TLSConfig(insecure_skip_verify=True)
    with CannedHttpServer(200, b'{"ok": true}', tls=self_signed) as server:
        async with make_async_client(HttpOptions(tls=options, timeout=2.0)) as client:
            response = await client.get(server.url)
    assert response.json() == {"ok": True}


@pytest.mark.integration
async def test_client_certificate_is_loaded(self_signed: tuple[Path, Path]) -> None:
    cert, key = self_signed
    tls = TLSConfig(ca_file=cert, cert_file=cert, key_file=key)
    with CannedHttpServer(200, b"{}", tls=self_signed) as server:
        async with make_async_client(HttpOptions(tls=tls, timeout=2.0)) as client:
            assert (await client.get(server.url)).status_code == 200


def test_scrub_removes_plain_and_url_encoded_secrets_and_url_passwords() -> None:
    text = (
        f"GET http://ops:pa55@prom:9090/api?token={httpx.QueryParams({'t': TOKEN})['t']}"
        f" -> echo {TOKEN} / {httpx.URL('http://x/', params={'t': TOKEN}).query.decode()}"
    )
    cleaned = scrub(text, [TOKEN, "pa55"])
    assert TOKEN not in cleaned
    assert "pa55" not in cleaned
    assert "s3cr3t" not in cleaned
    assert "http://***@prom:9090" in cleaned


def test_fetch_failed_keeps_its_kind_and_is_scrubbed() -> None:
    failed = FetchFailed(FetchError(ErrorKind.AUTH, f"token {TOKEN} rejected", http_status=401))
    error = classify_exception(failed, [TOKEN])
    assert error.kind is ErrorKind.AUTH
    assert error.http_status == 401
    assert TOKEN not in error.message


@pytest.mark.integration
async def test_timeout_message_never_shows_the_token_in_the_url() -> None:
    with SilentServer() as silent:
        http = HttpOptions(timeout=0.3, bearer_token=Secret(TOKEN))
        error = await _get_error(http, f"{silent.url}/api/v1/query?token={TOKEN}")
    assert error.kind is ErrorKind.TIMEOUT
    assert "s3cr3t" not in error.message


async def test_a_plain_http_client_builds_no_tls_context_and_refuses_https() -> None:
    from oncall_tui.config.model import HttpOptions
    from oncall_tui.sources.http_client import make_async_client

    client = make_async_client(HttpOptions(), base_url="http://127.0.0.1:9")
    try:
        pool = client._transport._pool  # type: ignore[attr-defined]
        # httpx builds its context from `verify`: no CA bundle was loaded for this one
        assert pool._ssl_context.cert_store_stats()["x509_ca"] == 0
        with pytest.raises(httpx.UnsupportedProtocol, match="cannot send to https"):
            await client.get("https://127.0.0.1:9/")
    finally:
        await client.aclose()
    verified = make_async_client(HttpOptions(), base_url="https://127.0.0.1:9")
    try:
        context = verified._transport._pool._ssl_context  # type: ignore[attr-defined]
        assert context.verify_mode.name == "CERT_REQUIRED"
    finally:
        await verified.aclose()
