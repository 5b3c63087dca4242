"""The official `kubernetes` client, imported on first use and only ever asked to list.

Everything here blocks: the source calls it through `asyncio.to_thread`. Every request
carries `_request_timeout`, and retries are off so that a slow API server costs one timeout,
not four. Failures leave as `FetchFailed` with a kind and a message an engineer can act on.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from oncall_tui.config.model import DEFAULT_MAX_BODY
from oncall_tui.sources.base import ErrorKind, FetchError, FetchFailed
from oncall_tui.sources.json_answer import parse_json

#: kind -> (API class, method, extra arguments); the events list is filtered by the server
KINDS: Mapping[str, tuple[str, str, Mapping[str, str]]] = {
    "pods": ("CoreV1Api", "list_namespaced_pod", {}),
    "deployments": ("AppsV1Api", "list_namespaced_deployment", {}),
    "replicasets": ("AppsV1Api", "list_namespaced_replica_set", {}),
    "statefulsets": ("AppsV1Api", "list_namespaced_stateful_set", {}),
    "events": ("CoreV1Api", "list_namespaced_event", {"field_selector": "type=Warning"}),
}


def _read_capped(response: Any, max_body: int, deadline: float, kind: str, namespace: str) -> bytes:
    """The body of a streamed answer, refused past `max_body` bytes or past `deadline`."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.stream(64 * 1024, decode_content=True):
        size += len(chunk)
        if size > max_body:
            raise FetchFailed(
                FetchError(
                    ErrorKind.MALFORMED,
                    f"list {kind} in {namespace}: answer too large, more than "
                    f"{max_body // 1024} KiB (max_body)",
                )
            )
        if time.monotonic() > deadline:
            raise FetchFailed(
                FetchError(ErrorKind.TIMEOUT, f"list {kind} in {namespace}: answer not in time")
            )
        chunks.append(chunk)
    return b"".join(chunks)


def kubeconfig_path() -> str | None:
    """`$KUBECONFIG` (a list joined by os.pathsep, missing entries skipped) or ~/.kube/config.

    Read on every call: the client's own default is fixed when it is first imported.
    """
    env = os.environ.get("KUBECONFIG")
    if env:
        found = [p for p in env.split(os.pathsep) if p and Path(p).expanduser().is_file()]
        return os.pathsep.join(found) if found else None
    default = Path("~/.kube/config").expanduser()
    return str(default) if default.is_file() else None


def _config_error(message: str) -> FetchFailed:
    return FetchFailed(FetchError(ErrorKind.CONFIG, message))


class KubeClient:
    """One API client for one kubeconfig context (or the in-cluster service account)."""

    def __init__(self, api_client: Any, context: str | None, server: str) -> None:
        self._api = api_client
        self.context = context
        self.server = server
        from kubernetes import client  # already imported by connect()

        self._apis = {
            "CoreV1Api": client.CoreV1Api(api_client),
            "AppsV1Api": client.AppsV1Api(api_client),
        }

    def list(
        self, kind: str, namespace: str, timeout: float, max_body: int = DEFAULT_MAX_BODY
    ) -> list[dict[str, Any]]:
        """The `items` of one namespaced list call, as the API's JSON. Blocks; reads at most
        `max_body` bytes and stops reading `timeout` seconds after the call began."""
        api_name, method, extra = KINDS[kind]
        call: Callable[..., Any] = getattr(self._apis[api_name], method)
        started = time.monotonic()
        try:
            response = call(namespace, _preload_content=False, _request_timeout=timeout, **extra)
            try:
                body = _read_capped(response, max_body, started + timeout, kind, namespace)
            finally:
                response.release_conn()
        except FetchFailed:
            raise
        except Exception as exc:  # every failure becomes a FetchError value
            raise FetchFailed(self.error_for(exc, kind, namespace)) from exc
        try:
            items = parse_json(body).get("items")
        except (ValueError, AttributeError) as exc:
            raise FetchFailed(
                FetchError(ErrorKind.MALFORMED, f"list {kind} in {namespace}: not JSON ({exc})")
            ) from exc
        if not isinstance(items, list):
            raise FetchFailed(
                FetchError(ErrorKind.MALFORMED, f"list {kind} in {namespace}: no items")
            )
        return items

    def error_for(self, exc: BaseException, kind: str, namespace: str) -> FetchError:
        return error_for(
            exc,
            verb="list",
            resource=kind,
            namespace=namespace,
            server=self.server,
            context=self.context,
        )

    def close(self) -> None:
        self._api.close()


def connect(context: str | None) -> KubeClient:
    """Load the kubeconfig (or the in-cluster config) for `context`. Blocks; may run an exec
    credential plugin. Raises FetchFailed(CONFIG) naming what is missing."""
    try:
        import kubernetes  # noqa: F401 - heavy; only when a service has `kubernetes:`
        from kubernetes import client, config
        from kubernetes.config.config_exception import ConfigException
    except ImportError as exc:
        raise _config_error(f"the kubernetes client is not installed ({exc})") from exc

    path = kubeconfig_path()
    configuration = client.Configuration()
    if path is None:
        if not os.environ.get("KUBERNETES_SERVICE_HOST"):
            where = os.environ.get("KUBECONFIG") or "~/.kube/config"
            raise _config_error(f"no kubeconfig: {where} not found, and not running in a cluster")
        if context:
            # a context names a kubeconfig entry; reading whatever cluster we run in instead
            # would show another cluster's pods under this service's name
            raise _config_error(
                f"context {context!r} is set but there is no kubeconfig (in-cluster)"
            )
        try:
            config.load_incluster_config(client_configuration=configuration)
        except ConfigException as exc:
            raise _config_error(f"in-cluster config: {exc}") from exc
    else:
        names, current = _contexts(path)
        if context is not None and context not in names:
            raise _config_error(
                f"context {context!r} is not in kubeconfig {path}; available: "
                + (", ".join(names) or "none")
            )
        if context is None and not current:
            raise _config_error(
                f"kubeconfig {path} has no current-context; set `context:` (available: "
                + (", ".join(names) or "none")
                + ")"
            )
        try:
            config.load_kube_config(
                config_file=path,
                context=context,
                client_configuration=configuration,
                persist_config=False,  # read only, the kubeconfig included
            )
        except (ConfigException, OSError, ValueError) as exc:
            raise _config_error(
                f"kubeconfig {path}, context {context or current!r}: {exc}"
            ) from exc
    configuration.retries = False  # one attempt per tick; the next tick is the retry
    return KubeClient(client.ApiClient(configuration), context, configuration.host)


def _contexts(path: str) -> tuple[list[str], str | None]:
    """Context names and the current context of the merged kubeconfig files, as kubectl merges
    them (the first file that sets current-context wins). The client's own listing refuses a
    kubeconfig without a current-context, which is fine here when the service names one."""
    import yaml

    names: list[str] = []
    current: str | None = None
    for file in path.split(os.pathsep):
        try:
            doc = yaml.safe_load(Path(file).expanduser().read_text()) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise _config_error(f"kubeconfig {file}: {exc}") from exc
        if not isinstance(doc, dict):
            raise _config_error(f"kubeconfig {file}: not a kubeconfig")
        names += [str(c.get("name")) for c in doc.get("contexts") or [] if isinstance(c, dict)]
        current = current or doc.get("current-context") or None
    return list(dict.fromkeys(names)), current


def error_for(
    exc: BaseException,
    *,
    verb: str,
    resource: str,
    namespace: str,
    server: str,
    context: str | None,
) -> FetchError:
    """An API or transport failure as a FetchError in words an engineer can act on."""
    import urllib3  # a dependency of the kubernetes client
    from kubernetes.client.exceptions import ApiException

    where = f"context {context!r}" if context else server
    if isinstance(exc, ApiException):
        status = int(exc.status or 0)
        message = _status_message(exc.body) or str(exc.reason or "")
        if status == 401:
            return FetchError(
                ErrorKind.AUTH,
                f"401 Unauthorized: credentials of {where} rejected ({message})",
                401,
            )
        if status == 403:
            return FetchError(
                ErrorKind.AUTH,
                f"RBAC: cannot {verb} {resource} in namespace {namespace!r}: {message}",
                403,
            )
        if status == 0:  # the REST layer wraps TLS failures as status 0
            return FetchError(ErrorKind.UNREACHABLE, f"{server}: {message.splitlines()[-1]}")
        return FetchError(
            ErrorKind.HTTP, f"{verb} {resource} in {namespace!r}: {status} {message}", status
        )
    if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None:
        exc = exc.reason
    # NewConnectionError subclasses ConnectTimeoutError in urllib3: a refusal is not a timeout
    if isinstance(exc, (urllib3.exceptions.NewConnectionError, ConnectionError)):
        return FetchError(ErrorKind.UNREACHABLE, f"cannot reach {server}: {_short(exc)}")
    if isinstance(exc, (urllib3.exceptions.TimeoutError, TimeoutError)):
        return FetchError(ErrorKind.TIMEOUT, f"{server} did not answer {verb} {resource} in time")
    if isinstance(exc, (urllib3.exceptions.HTTPError, OSError)):
        return FetchError(ErrorKind.UNREACHABLE, f"cannot reach {server}: {_short(exc)}")
    return FetchError(ErrorKind.MALFORMED, f"{verb} {resource}: {type(exc).__name__}: {exc}")


def _status_message(body: object) -> str:
    """The `message` of a `kind: Status` body: the API server's own words."""
    if not isinstance(body, (str, bytes)) or not body:
        return ""
    try:
        data = parse_json(body)
    except ValueError:
        return str(body)[:200]
    return str(data.get("message", "")) if isinstance(data, dict) else ""


def _short(exc: BaseException) -> str:
    text = str(exc)
    # urllib3 prefixes the connection object's repr; the errno text after the last colon reads best
    if "Failed to establish a new connection" in text or "Errno" in text:
        return text.rsplit(":", 1)[-1].strip() or text
    return text
