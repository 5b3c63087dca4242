"""What both HTTP clients share, with neither httpx nor asyncio loaded: the secret scrubber,
the HTTP status mapping, the size cap's error, the TLS context of the options."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote, quote_plus

from oncall_tui.config.model import TLSConfig
from oncall_tui.secret_registry import REDACTED, redact
from oncall_tui.sources.base import ErrorKind, FetchError


class TooLarge(Exception):
    """An answer past its `max_body`: reading stopped there."""


def is_plain_http(url: str) -> bool:
    return url.lower().startswith("http://")


def format_size(size: int) -> str:
    for unit, scale in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= scale:
            return f"{size / scale:g} {unit}"
    return f"{size} bytes"


def scrub(text: str, secrets: Sequence[str]) -> str:
    """`text` with every secret (also URL-encoded) and every URL's user:password replaced:
    the ones given and every one in the process's registry."""
    text = redact(text)
    # Longest first, so a secret that contains another is replaced whole.
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            text = text.replace(form, REDACTED)
    return text


def error_for_status(status: int, message: str, secrets: Sequence[str] = ()) -> FetchError:
    """A non-success HTTP answer: 401/403 are auth problems, the rest are HTTP errors."""
    kind = ErrorKind.AUTH if status in (401, 403) else ErrorKind.HTTP
    return FetchError(kind, scrub(message, secrets), http_status=status)


def ssl_context(tls: TLSConfig, *, default: Callable[[], Any]) -> Any:
    """The SSLContext of `tls`; `default()` when it sets nothing (the system's trust)."""
    if tls.ca_file is None and tls.cert_file is None and not tls.insecure_skip_verify:
        return default()
    import ssl

    if tls.insecure_skip_verify:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        context = ssl.create_default_context(
            cafile=str(tls.ca_file) if tls.ca_file is not None else None
        )
    if tls.cert_file is not None:
        context.load_cert_chain(
            str(tls.cert_file), str(tls.key_file) if tls.key_file is not None else None
        )
    return context
