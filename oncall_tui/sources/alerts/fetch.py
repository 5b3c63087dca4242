"""GET a JSON document, turning every failure into `FetchFailed` with a scrubbed message."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import httpx

from oncall_tui.sources.base import ErrorKind, FetchError, FetchFailed
from oncall_tui.sources.http_client import classify_exception, error_for_status, scrub
from oncall_tui.sources.json_answer import parse_json


async def request_json(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    secrets: Sequence[str],
    *,
    params: Mapping[str, str] | None = None,
    body: object | None = None,
) -> tuple[int, object]:
    """(status, parsed body) of a successful request; FetchFailed for anything else.

    An empty body (Alertmanager's DELETE) is returned as None.
    """
    try:
        response = await client.request(method, path, params=params, json=body)
    except httpx.HTTPError as exc:
        raise FetchFailed(classify_exception(exc, secrets)) from exc
    if response.status_code >= 400:
        text = response.text.strip()[:300]
        message = f"HTTP {response.status_code} from {path}" + (f": {text}" if text else "")
        raise FetchFailed(error_for_status(response.status_code, message, secrets))
    if not response.content:
        return response.status_code, None
    try:
        return response.status_code, parse_json(response.content)
    except ValueError as exc:  # not JSON, not UTF-8, or nested too deeply
        message = scrub(f"the answer from {path} is not JSON: {exc}", secrets)
        raise FetchFailed(FetchError(ErrorKind.MALFORMED, message)) from exc
