"""Names made from outside text: config keys from titles, widget ids from names.

Both are written here once. A key is a slug (`Error Rate (5xx)` -> `error_rate_5xx`). A
widget id keeps a name that is already a valid id as it is, so that `#panel-error_rate` is
the panel of `error_rate`; any other name becomes a valid id that no other name shares.
"""

from __future__ import annotations

import re

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
#: what Textual (and CSS) accept in an id after its first character: ASCII only
_NOT_ID = re.compile(r"[^A-Za-z0-9_-]")


def slug(text: str, separator: str, *, empty: str) -> str:
    """`text` in lower-case ASCII letters and digits, each run of anything else one
    `separator`, none at the ends; `empty` when nothing is left."""
    return _NOT_SLUG.sub(separator, text.lower()).strip(separator) or empty


def widget_id(prefix: str, name: str) -> str:
    """`prefix` + `name` as a widget id (`panel-error_rate`). Characters an id may not hold
    become `-`, and then a short hash of the name is added, so that `a.b`, `a/b` and `a-b`
    (three probes, say) never share an id: two widgets with one id would stop the screen."""
    safe = _NOT_ID.sub("-", name)
    if safe != name:
        import hashlib  # here: most names are ids already, and it loads OpenSSL's libcrypto

        safe += "-" + hashlib.blake2s(name.encode(), digest_size=3).hexdigest()
    return prefix + safe
