"""GET a JSON document, turning every failure into `FetchFailed` with a scrubbed message."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from oncall_tui.config.model import DEFAULT_MAX_BODY
from oncall_tui.sources.base import ErrorKind, FetchError, FetchFailed
from oncall_tui.sources.http_client import client_timeout, error_for_status, scrub, send_capped
from oncall_tui.sources.json_answer import parse_json

if TYPE_CHECKING:
    from oncall_tui.sources.http_client import AnyClient


async def request_json(
    client: AnyClient,
    method: str,
    path: str,
    secrets: Sequence[str],
    *,
    params: Mapping[str, str] | None = None,
    body: object | None = None,
    max_body: int = DEFAULT_MAX_BODY,
    deadline: float | None = None,
) -> tuple[int, object]:
    """(status, parsed body) of a successful request; FetchFailed for anything else.

    An empty body (Alertmanager's DELETE) is returned as None.
    """
    timeout = client_timeout(client)
    response = await send_capped(
        client,
        method,
        path,
        params=params,
        json=body,
        max_body=max_body,
        deadline=deadline if deadline is not None else timeout,
        secrets=secrets,
    )
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
