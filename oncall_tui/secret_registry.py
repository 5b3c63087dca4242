"""The one registry of secrets, and `redact`, which every string leaving the process goes through.

Registered as the config loads: every `Secret` (bearer tokens, token files, basic-auth
passwords), the values of headers that carry a credential (their name says so: Authorization,
X-Api-Key, Cookie, ...; or they are written `{secret: VALUE}`), and the password of any URL's
`user:password@`. For each, the forms a server may echo back are registered too: URL-encoded,
and for basic auth the base64 `user:password` of the `Authorization: Basic` header.

`redact(text)` replaces each with `***` and drops any URL's userinfo. It runs where text leaves:
error messages (`FetchError`), JSON answers (so an echoed header never reaches the state), the
screen's notices, the clipboard, screenshots, `oncall status`, `oncall validate`, config
errors and the recording.
"""

from __future__ import annotations

import re
import threading
from urllib.parse import quote, quote_plus, urlsplit

REDACTED = "***"
#: shorter values would blank out ordinary words; nobody's credential is this short
MIN_LENGTH = 4
#: header names whose value is a credential
SECRET_HEADER = re.compile(r"auth|token|key|secret|pass|cookie|session", re.IGNORECASE)
_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]+@")


class SecretRegistry:
    """Every secret value of this process and the forms a server may echo it in."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._forms: tuple[str, ...] = ()  # longest first, so a secret inside another goes whole
        self._lock = threading.Lock()

    def add(self, value: str) -> None:
        if len(value) < MIN_LENGTH or value in self._values:
            return
        with self._lock:
            self._values.add(value)
            forms = set(self._forms) | {value, quote(value, safe=""), quote_plus(value)}
            self._forms = tuple(sorted(forms, key=len, reverse=True))

    def add_basic_auth(self, username: str, password: str) -> None:
        """The password, and the `Authorization: Basic` credential an echo would show."""
        self.add(password)
        import base64  # only a config with basic auth needs it

        self.add(base64.b64encode(f"{username}:{password}".encode()).decode("ascii"))

    def add_header(self, name: str, value: str) -> None:
        """A header value that carries a credential: whole, and each long word of it
        (`Bearer abc123...`: the token alone may be echoed)."""
        self.add(value)
        for word in value.split():
            if len(word) >= 8:
                self.add(word)

    def add_url(self, url: str) -> None:
        """The `user:password@` of a URL, as httpx sends it (basic auth)."""
        try:
            parts = urlsplit(url)
            username, password = parts.username, parts.password
        except ValueError:
            return
        if password:
            from urllib.parse import unquote

            self.add_basic_auth(unquote(username or ""), unquote(password))
            self.add(password)

    def redact(self, text: str) -> str:
        if "@" in text:
            text = _USERINFO.sub(lambda m: f"{m.group('scheme')}{REDACTED}@", text)
        for form in self._forms:
            if form in text:
                text = text.replace(form, REDACTED)
        return text

    @property
    def values(self) -> tuple[str, ...]:
        return self._forms

    def clear(self) -> None:
        """Forget every secret (tests only: one process loads many configs)."""
        with self._lock:
            self._values.clear()
            self._forms = ()


REGISTRY = SecretRegistry()


def redact(text: str) -> str:
    """`text` with every registered secret, and every URL's user:password, replaced by ***."""
    return REGISTRY.redact(text)


def strip_userinfo(url: str) -> str:
    """The URL without its `user:password@` part (for display and for runbook commands)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _USERINFO.sub(lambda m: m.group("scheme"), url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return parts._replace(netloc=host).geturl()
