"""The HTTP options shared by datasources, Alertmanager and health probes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from oncall_tui.config.model import (
    DEFAULT_MAX_BODY,
    MAX_MAX_BODY,
    MIN_MAX_BODY,
    HttpOptions,
    Secret,
    TLSConfig,
)
from oncall_tui.config.reader import Field, Section
from oncall_tui.config.record import size_in_bytes
from oncall_tui.local_files import SECRET_LIMIT, TLS_LIMIT, read_bounded
from oncall_tui.secret_registry import REGISTRY, SECRET_HEADER, strip_userinfo

if TYPE_CHECKING:
    from oncall_tui.config.optional_model import BasicAuth

# RFC 9110 field names are tokens; values are visible ASCII, spaces and tabs (httpx sends
# header values as ASCII, and a CR or LF would split the request)
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")
MAX_HEADERS = 64
MAX_HEADER_BYTES = 8192
MAX_URL_LENGTH = 2048

HTTP_KEYS: tuple[str, ...] = (
    "timeout",
    "max_body",
    "headers",
    "bearer_token",
    "bearer_token_file",
    "basic_auth",
    "tls",
)
TLS_KEYS: tuple[str, ...] = ("ca_file", "cert_file", "key_file", "insecure_skip_verify")


def _secret(found: Field) -> Secret | None:
    # never echo the value: a wrong secret is described by its type only
    if not isinstance(found.value, str):
        found.fail(f"expected a string, got {type(found.value).__name__}")
        return None
    text = found.as_str()
    if text is None:
        return None
    if not text:
        found.fail("is empty")
        return None
    return Secret(text)


def _token_file(found: Field) -> Secret | None:
    path = found.as_path()
    if path is None:
        return None
    try:
        token = read_bounded(path, SECRET_LIMIT).decode("utf-8").strip()
    except UnicodeDecodeError:
        found.fail(f"{path} is not UTF-8 text")
        return None
    except OSError as exc:
        found.fail(f"cannot read {path}: {exc.strerror or exc}")
        return None
    if not token:
        found.fail(f"{path} is empty")
        return None
    return Secret(token)


def read_tls(found: Field) -> TLSConfig | None:
    """A `tls:` mapping (its files must exist), or `true`/`false` for the defaults / none."""
    if isinstance(found.value, bool):
        return TLSConfig() if found.value else None
    section = found.as_section()
    if section is None:
        return None
    section.check_keys(TLS_KEYS)
    files: dict[str, Path | None] = {}
    fields: dict[str, Field] = {}
    for key in ("ca_file", "cert_file", "key_file"):
        field_ = section.get(key)
        if field_ is None:
            continue
        path = field_.as_path()
        if path is not None and not path.is_file():
            field_.fail(f"file not found: {path}")
            path = None
        elif path is not None:
            try:
                read_bounded(path, TLS_LIMIT)
            except OSError as exc:
                field_.fail(f"cannot read {path}: {exc.strerror or exc}")
                path = None
        files[key] = path
        fields[key] = field_
    if (files.get("cert_file") is None) != (files.get("key_file") is None):
        section.fail("cert_file and key_file go together")
    else:
        _check_loads(files, fields)
    return TLSConfig(
        ca_file=files.get("ca_file"),
        cert_file=files.get("cert_file"),
        key_file=files.get("key_file"),
        insecure_skip_verify=section.boolean("insecure_skip_verify", False),
    )


def _check_loads(files: dict[str, Path | None], fields: dict[str, Field]) -> None:
    """Load the CA and the client certificate as the clients will, so that a file that is
    not PEM (or a key that does not match its certificate) fails here, with its line."""
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ca = files.get("ca_file")
    if ca is not None:
        try:
            context.load_verify_locations(cafile=str(ca))
        except (ssl.SSLError, OSError, ValueError) as exc:
            fields["ca_file"].fail(f"not a PEM CA certificate: {ca} ({_ssl_reason(exc)})")
    cert, key = files.get("cert_file"), files.get("key_file")
    if cert is not None and key is not None:
        try:
            context.load_cert_chain(str(cert), str(key))
        except (ssl.SSLError, OSError, ValueError) as exc:
            fields["cert_file"].fail(
                f"cannot load the certificate {cert} with the key {key} ({_ssl_reason(exc)})"
            )


def _ssl_reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or str(exc)
    return str(reason).replace("_", " ").lower()


def read_basic_auth(found: Field) -> BasicAuth | None:
    section = found.as_section()
    if section is None:
        return None
    section.check_keys(("username", "password"))
    user = section.require("username")
    password = section.require("password")
    username = user.as_str(allow_number=True) if user else None
    secret = _secret(password) if password else None
    if username is None or secret is None:
        return None
    from oncall_tui.config.optional_model import BasicAuth

    return BasicAuth(username=username, password=secret)


def _check_host(host: str) -> None:
    """UnicodeError where the IDNA codec would raise one; an ASCII name is checked as that
    codec checks it (each label 1 to 63 characters) without loading the codec."""
    if not host.isascii():
        host.encode("idna")
        return
    labels = host.split(".")
    if labels[-1] == "":  # a trailing dot
        labels.pop()
    if any(not 0 < len(label) < 64 for label in labels):
        raise UnicodeError(
            "encoding with 'idna' codec failed (UnicodeError: label empty or too long)"
        )


def check_url(found: Field, url: str) -> str | None:
    """`url` when it is an http(s) URL a client can use, else None after an error naming why.

    Its `user:password@`, if any, is registered as a secret; messages show the URL without it.
    """
    shown = strip_userinfo(url)
    if not url.startswith(("http://", "https://")):
        found.fail(f"expected an http:// or https:// URL, got {shown!r}")
        return None
    if len(url) > MAX_URL_LENGTH:
        found.fail(f"the URL is longer than {MAX_URL_LENGTH} characters")
        return None
    if not url.isprintable() or " " in url:
        found.fail(f"the URL holds spaces or control characters: {shown!r}")
        return None
    try:
        parts = urlsplit(url)
        port = parts.port  # raises for a port that is not a number in 0..65535
        host = parts.hostname
        if host:
            _check_host(host)
    except (ValueError, UnicodeError) as exc:
        found.fail(f"not a valid URL ({exc}): {shown!r}")
        return None
    if not host:
        found.fail(f"the URL has no host: {shown!r}")
        return None
    if port == 0:
        found.fail(f"port 0 is not a port to connect to: {shown!r}")
        return None
    REGISTRY.add_url(url)
    return url


def read_headers(found: Field | None) -> dict[str, str]:
    """`headers:` as name -> value. A value written `{secret: VALUE}`, or under a name that
    says it carries a credential (Authorization, X-Api-Key, ...), is registered as a secret."""
    if found is None or found.value is None:
        return {}
    section = found.as_section()
    if section is None:
        return {}
    if len(section.keys()) > MAX_HEADERS:
        found.fail(f"more than {MAX_HEADERS} headers")
        return {}
    headers: dict[str, str] = {}
    for key in section.keys():
        item = section.get(key)
        assert item is not None
        name = str(key)
        secret = False
        if isinstance(item.value, dict):
            inner = item.as_section()
            if inner is None:
                continue
            inner.check_keys(("secret",))
            value_field = inner.require("secret")
            if value_field is None:
                continue
            item, secret = value_field, True
        value = item.as_str(allow_number=True) if not secret else _secret_text(item)
        if value is None:
            continue
        if not _HEADER_NAME.fullmatch(name):
            section.reader.error(
                section.key_line(key), item.path, f"{name!r} cannot be an HTTP header name"
            )
            continue
        if not _HEADER_VALUE.fullmatch(value) or len(value) > MAX_HEADER_BYTES:
            what = "a secret value" if secret or SECRET_HEADER.search(name) else repr(value)
            item.fail(
                f"an HTTP header value holds visible ASCII, spaces and tabs only (at most "
                f"{MAX_HEADER_BYTES} bytes), got {what}"
            )
            continue
        if secret or SECRET_HEADER.search(name):
            REGISTRY.add_header(name, value)
        headers[name] = value
    return headers


def _secret_text(found: Field) -> str | None:
    secret = _secret(found)
    return secret.reveal() if secret is not None else None


def read_max_body(found: Field | None) -> int:
    """`max_body:` (`4MiB`, `500kB`, bytes), between 1 KiB and 1 GiB; the default when absent."""
    if found is None:
        return DEFAULT_MAX_BODY
    try:
        size = size_in_bytes(found.value)
    except ValueError as exc:
        found.fail(str(exc))
        return DEFAULT_MAX_BODY
    if not MIN_MAX_BODY <= size <= MAX_MAX_BODY:
        found.fail(f"must be between 1KiB and 1GiB, got {found.value!r}")
        return DEFAULT_MAX_BODY
    return size


def read_http_options(section: Section, default_timeout: float = 3.0) -> HttpOptions:
    """The HTTP_KEYS of `section` (the caller checks unknown keys)."""
    token = None
    found = section.get("bearer_token")
    from_file = section.get("bearer_token_file")
    if found is not None and from_file is not None:
        section.reader.error(
            from_file.line, section.path, "give bearer_token or bearer_token_file, not both"
        )
    elif found is not None:
        token = _secret(found)
    elif from_file is not None:
        token = _token_file(from_file)
    basic = section.get("basic_auth")
    basic_auth = read_basic_auth(basic) if basic is not None else None
    if basic_auth is not None and token is not None:
        section.fail("give a bearer token or basic_auth, not both")
    tls_field = section.get("tls")
    tls = read_tls(tls_field) if tls_field is not None else None
    timeout = section.duration("timeout", default_timeout, positive=True)
    if timeout is not None and timeout <= 0:
        section.get("timeout").fail("must be more than 0")  # type: ignore[union-attr]
        timeout = default_timeout
    return HttpOptions(
        timeout=timeout if timeout is not None else default_timeout,
        max_body=read_max_body(section.get("max_body")),
        headers=read_headers(section.get("headers")),
        bearer_token=token,
        basic_auth=basic_auth,
        tls=tls or TLSConfig(),
    )
