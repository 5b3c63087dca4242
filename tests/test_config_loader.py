"""The config loader: YAML to the typed model, every problem with file, line and key path."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from servers.tls import self_signed_certificate

from oncall_tui.config.errors import ConfigError, ConfigErrors
from oncall_tui.config.loader import load_config
from oncall_tui.config.model import Config, ProbeKind, Secret
from oncall_tui.status import Status

MINIMAL = """
datasources:
  default: {url: http://localhost:9090}
services:
  cqar:
    vars: {job: cqar}
    kpis:
      request_rate: {query: 'sum(rate(cqar_grpc_calls_total{job="$job"}[5m]))', unit: req/s}
"""


def write(tmp_path: Path, text: str, name: str = "oncall.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def load(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> Config:
    return load_config(write(tmp_path, text), environ=env or {})


def problems(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> list[ConfigError]:
    with pytest.raises(ConfigErrors) as caught:
        load(tmp_path, text, env)
    return caught.value.errors


def test_minimal_config_fills_the_model_with_defaults(tmp_path: Path) -> None:
    config = load(tmp_path, MINIMAL)
    assert config.path == tmp_path / "oncall.yaml"
    assert config.refresh == 5.0
    svc = config.services["cqar"]
    assert svc.title == "cqar"
    assert svc.datasource == "default"  # implied: the only datasource
    assert svc.line == 5
    kpi = svc.kpis[0]
    assert kpi.query == 'sum(rate(cqar_grpc_calls_total{job="cqar"}[5m]))'
    assert kpi.interval == 5.0
    assert kpi.line == 8
    assert kpi.thresholds.levels == ()
    assert config.datasources["default"].http.timeout == 3.0


def test_error_names_file_line_and_key_path(tmp_path: Path) -> None:
    text = MINIMAL + "      error_rate: {query: x, warn: high, crit: 0.01}\n"
    [error] = problems(tmp_path, text)
    assert (error.line, error.path) == (9, "services.cqar.kpis.error_rate.warn")
    assert error.message == "expected a number, got 'high'"
    assert str(error) == (
        f"{error.file}:9: services.cqar.kpis.error_rate.warn: expected a number, got 'high'"
    )
    assert error.file.endswith("oncall.yaml")


def test_block_style_value_errors_point_at_the_value_line(tmp_path: Path) -> None:
    text = (
        MINIMAL + "      error_rate:\n        query: x\n        unit: ratio\n        crit: lots\n"
    )
    [error] = problems(tmp_path, text)
    assert (error.line, error.path) == (12, "services.cqar.kpis.error_rate.crit")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = """
    refresh: soon
    datasources:
      default: {url: localhost:9090, timout: 3s}
    services:
      cqar:
        kpis:
          error_rate: {query: x, warn: 1, crit: 2, nodata: maybe}
        health:
          - {name: live}
    """
    errors = problems(tmp_path, text)
    found = {(e.line, e.path) for e in errors}
    assert found == {
        (2, "refresh"),
        (4, "datasources.default.url"),
        (4, "datasources.default.timout"),
        (8, "services.cqar.kpis.error_rate.nodata"),
        (10, "services.cqar.health[0]"),
    }
    text_of_all = str(ConfigErrors(errors))
    assert len(text_of_all.splitlines()) == 5
    assert [e.line for e in errors] == sorted(e.line for e in errors)


def test_unknown_keys_suggest_the_nearest_valid_key(tmp_path: Path) -> None:
    text = MINIMAL.replace("datasources:", "refrsh: 5s\ndatasources:") + (
        "      latency_p99: {query: x, wran: 1}\n    helth: []\n"
    )
    messages = {e.path: e.message for e in problems(tmp_path, text)}
    assert messages["refrsh"] == "unknown key 'refrsh'; did you mean 'refresh'?"
    assert "did you mean 'health'?" in messages["services.cqar.helth"]
    assert "did you mean 'warn'?" in messages["services.cqar.kpis.latency_p99.wran"]


def test_unknown_kpi_key_suggests_a_standard_key_or_panels(tmp_path: Path) -> None:
    text = MINIMAL + "      error_ratio: {query: x}\n      replication_lag: {query: y}\n"
    messages = {e.path: e.message for e in problems(tmp_path, text)}
    assert "did you mean 'error_rate'?" in messages["services.cqar.kpis.error_ratio"]
    assert "use panels:" in messages["services.cqar.kpis.replication_lag"]
    assert "did you mean" not in messages["services.cqar.kpis.replication_lag"]


def test_yaml_syntax_error_is_reported_with_its_line(tmp_path: Path) -> None:
    [error] = problems(tmp_path, "services:\n  cqar:\n    title: [unclosed\n")
    assert error.line == 4  # the parser notices at the end of the stream
    assert "YAML syntax error" in error.message
    [error] = problems(tmp_path, "services:\n  cqar: {title: a\n  arq: b\n")
    assert error.line in (2, 3) and "YAML syntax error" in error.message


def test_duplicate_keys_are_errors(tmp_path: Path) -> None:
    text = MINIMAL + "      request_rate: {query: y}\n"
    [error] = problems(tmp_path, text)
    assert error.line == 9
    assert "duplicate key 'request_rate'" in error.message


def test_env_vars_expand_in_any_string(tmp_path: Path) -> None:
    text = """
    datasources:
      default:
        url: ${PROM_URL}
        headers: {X-Scope-OrgID: "${TENANT:-team-a}"}
        bearer_token: ${PROM_TOKEN}
    services:
      cqar:
        title: "CQAR $${not expanded}"
        kpis:
          error_rate: {query: x, warn: "${ERR_WARN}"}
    """
    env = {"PROM_URL": "http://prom:9090", "PROM_TOKEN": "s3cret", "ERR_WARN": "0.001"}
    config = load(tmp_path, text, env)
    ds = config.datasources["default"]
    assert ds.url == "http://prom:9090"
    assert ds.http.headers == {"X-Scope-OrgID": "team-a"}
    assert ds.http.bearer_token == Secret("s3cret")
    assert config.services["cqar"].title == "CQAR ${not expanded}"
    assert config.services["cqar"].kpis[0].thresholds.warn == 0.001


def test_missing_env_var_is_an_error_naming_the_variable_and_where(tmp_path: Path) -> None:
    text = MINIMAL.replace("http://localhost:9090", '"${PROM_URL}"')
    [error] = problems(tmp_path, text)
    assert (error.line, error.path) == (3, "datasources.default.url")
    assert "'PROM_URL' is not set" in error.message


def test_query_vars_are_replaced_after_env_expansion(tmp_path: Path) -> None:
    text = """
    datasources: {default: {url: http://localhost:9090}}
    services:
      cqar:
        vars: {job: cqar, cluster: "${CLUSTER}", le: 5}
        kpis:
          request_rate: {query: 'sum(rate(x{job="$job",cluster="$cluster"}[5m])) > $le'}
    """
    config = load(tmp_path, text, {"CLUSTER": "eu-1"})
    svc = config.services["cqar"]
    assert svc.vars == {"job": "cqar", "cluster": "eu-1", "le": "5"}
    assert svc.kpis[0].query == 'sum(rate(x{job="cqar",cluster="eu-1"}[5m])) > 5'


def test_unknown_query_var_is_an_error_naming_the_var_and_the_kpi(tmp_path: Path) -> None:
    text = MINIMAL + "      queue_depth: {query: 'sum(q{ns=\"$namespace\"})'}\n"
    [error] = problems(tmp_path, text)
    assert (error.line, error.path) == (9, "services.cqar.kpis.queue_depth.query")
    assert "$namespace" in error.message and "'queue_depth'" in error.message
    assert "job" in error.message  # the vars that do exist


def test_bearer_token_file_is_read_at_load_time(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "token").write_text("tok-123\n")
    text = MINIMAL.replace(
        "{url: http://localhost:9090}",
        "{url: http://localhost:9090, bearer_token_file: secrets/token}",
    )
    config = load(tmp_path, text)
    token = config.datasources["default"].http.bearer_token
    assert token is not None and token.reveal() == "tok-123"
    assert "tok-123" not in repr(config)


def test_missing_bearer_token_file_is_an_error(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "{url: http://localhost:9090}", "{url: http://localhost:9090, bearer_token_file: nope}"
    )
    [error] = problems(tmp_path, text)
    assert error.path == "datasources.default.bearer_token_file"
    assert str(tmp_path / "nope") in error.message


def test_secrets_never_appear_in_errors(tmp_path: Path) -> None:
    text = """
    datasources:
      default:
        url: http://localhost:9090
        basic_auth: {username: u, password: 12345678, pasword: x}
        bearer_token: hunter2
    services: {cqar: {}}
    """
    errors = problems(tmp_path, text)
    rendered = str(ConfigErrors(errors))
    assert "12345678" not in rendered and "hunter2" not in rendered
    assert "datasources.default.basic_auth.password: expected a string, got int" in rendered


def test_relative_paths_resolve_against_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf_dir = tmp_path / "etc" / "oncall"
    (conf_dir / "certs").mkdir(parents=True)
    (tmp_path / "tls").mkdir()
    cert, _key = self_signed_certificate(tmp_path / "tls")  # a CA file must load as one
    (conf_dir / "certs" / "ca.pem").write_bytes(cert.read_bytes())
    (conf_dir / "themes").mkdir()
    (conf_dir / "themes" / "mine.yaml").write_text("name: mine")
    text = (
        MINIMAL.replace(
            "{url: http://localhost:9090}",
            "{url: https://prom:9090, tls: {ca_file: certs/ca.pem}}",
        )
        + "runbooks: [./runbooks, /srv/runbooks]\nrules: rules/a.yml\ntheme: ./themes/mine.yaml\n"
    )
    path = write(conf_dir, text)
    monkeypatch.chdir(tmp_path)  # not the config folder
    config = load_config(path, environ={})
    assert config.runbooks == (conf_dir / "runbooks", Path("/srv/runbooks"))
    assert config.rules == (conf_dir / "rules" / "a.yml",)
    assert config.theme == str(conf_dir / "themes" / "mine.yaml")
    assert config.datasources["default"].http.tls.ca_file == conf_dir / "certs" / "ca.pem"
    assert config.base_dir == conf_dir


def test_missing_tls_file_is_an_error(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "{url: http://localhost:9090}", "{url: http://localhost:9090, tls: {ca_file: ca.pem}}"
    )
    [error] = problems(tmp_path, text)
    assert error.path == "datasources.default.tls.ca_file"
    assert "file not found" in error.message


def test_datasource_may_be_omitted_only_when_it_is_implied(tmp_path: Path) -> None:
    two = MINIMAL.replace(
        "default: {url: http://localhost:9090}",
        "a: {url: http://a:9090}\n  b: {url: http://b:9090}",
    )
    [error] = problems(tmp_path, two)
    assert (error.line, error.path) == (7, "services.cqar")
    assert "missing required key 'datasource'" in error.message
    with_default = two.replace("b: {url", "default: {url")
    assert load(tmp_path, with_default).services["cqar"].datasource == "default"
    named = two.replace("vars: {job: cqar}", "vars: {job: cqar}\n    datasource: c")
    [error] = problems(tmp_path, named)
    assert error.path == "services.cqar.datasource" and "unknown datasource 'c'" in error.message


def test_datasource_and_alertmanager_options(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "default: {url: http://localhost:9090}",
        """default:
    type: prometheus
    url: http://localhost:9090/
    timeout: 1500ms
    headers: {X-Scope-OrgID: team-a}
    basic_auth: {username: me, password: pw}
    max_in_flight: 2
    history: 1h
  sim: {type: demo}""",
    ) + (
        "    datasource: default\n"
        "alertmanager: {url: http://localhost:9093, allow_silence: true, interval: 30s}\n"
        "keymap: {quit: 'q,ctrl+c', runbook: [r, f1]}\nbell: true\nrunbooks: ./runbooks\n"
    )
    config = load(tmp_path, text)
    ds = config.datasources["default"]
    assert ds.url == "http://localhost:9090"
    assert (ds.http.timeout, ds.max_in_flight, ds.history) == (1.5, 2, 3600.0)
    assert ds.http.basic_auth is not None and ds.http.basic_auth.username == "me"
    assert ds.http.secrets() == ("pw",)
    assert config.datasources["sim"].type == "demo"
    am = config.alertmanager
    assert am is not None and (am.url, am.allow_silence, am.interval) == (
        "http://localhost:9093",
        True,
        30.0,
    )
    assert config.keymap == {"quit": "q,ctrl+c", "runbook": "r,f1"}
    assert config.bell is True
    assert config.runbooks == (tmp_path / "runbooks",)


def test_health_probes_of_all_kinds(tmp_path: Path) -> None:
    text = (
        MINIMAL
        + """\
    health:
      - name: ready
        url: http://localhost:8080/health/ready
        expect_status: [200, 204]
        latency_warn: 250ms
        for: 10s
        interval: 2s
        timeout: 1s
        headers: {Accept: application/json}
        status_map: {Ready: ok, not_ready: crit, Degraded: warn}
        runbook: "#service-not-ready"
      - {name: grpc, grpc: "localhost:9090", service: cqar.v1.Registry, tls: true}
      - {name: db, tcp: "db:5432"}
      - {name: bad, tcp: "db:5432", expect_status: 200}
"""
    )
    [error] = problems(tmp_path, text)
    assert error.path == "services.cqar.health[3].expect_status"
    assert "does not apply to a tcp probe" in error.message
    config = load(tmp_path, text.rsplit("      - {name: bad", 1)[0])
    ready, grpc, db = config.services["cqar"].health
    assert (ready.kind, ready.expect_status, ready.latency_warn) == (
        ProbeKind.HTTP,
        (200, 204),
        0.25,
    )
    assert (ready.hold, ready.interval, ready.http.timeout) == (10.0, 2.0, 1.0)
    assert ready.status_words == {
        "ready": Status.OK,
        "not_ready": Status.CRIT,
        "degraded": Status.WARN,
    }
    assert ready.runbook == "#service-not-ready" and ready.line == 10
    assert (grpc.kind, grpc.target, grpc.grpc_service, grpc.grpc_tls) == (
        ProbeKind.GRPC,
        "localhost:9090",
        "cqar.v1.Registry",
        True,
    )
    assert (db.kind, db.target, db.interval) == (ProbeKind.TCP, "db:5432", 5.0)


def test_panels_need_a_title_and_get_a_key(tmp_path: Path) -> None:
    text = (
        MINIMAL
        + """\
    panels:
      - {title: DB query p99, query: x, unit: s, crit: 0.05}
      - {title: Events, key: events, query: y}
      - {query: z}
"""
    )
    [error] = problems(tmp_path, text)
    assert (error.line, error.path) == (12, "services.cqar.panels[2]")
    config = load(tmp_path, text.rsplit("      - {query: z}", 1)[0])
    keys = [p.key for p in config.services["cqar"].panels]
    assert keys == ["db_query_p99", "events"]
    assert all(p.custom for p in config.services["cqar"].panels)


def test_kubernetes_and_alert_match(tmp_path: Path) -> None:
    text = MINIMAL + (
        "    kubernetes: {context: prod, namespace: cqar, selector: app=cqar, restart_warn: 3,"
        " interval: 30s, timeout: 2s}\n    alert_match: {service: cqar}\n"
    )
    svc = load(tmp_path, text).services["cqar"]
    assert svc.kubernetes is not None
    assert (svc.kubernetes.context, svc.kubernetes.namespace, svc.kubernetes.selector) == (
        "prod",
        "cqar",
        "app=cqar",
    )
    assert (svc.kubernetes.restart_warn, svc.kubernetes.interval, svc.kubernetes.timeout) == (
        3,
        30.0,
        2.0,
    )
    assert svc.alert_match == {"service": "cqar"}


def test_kpis_come_in_standard_order_and_default_to_refresh_interval(tmp_path: Path) -> None:
    text = "refresh: 15s\n" + MINIMAL.replace(
        "      request_rate:",
        "      queue_depth: {query: q, interval: 1m}\n      error_rate: {query: e}\n"
        "      request_rate:",
    )
    kpis = load(tmp_path, text).services["cqar"].kpis
    assert [k.key for k in kpis] == ["request_rate", "error_rate", "queue_depth"]
    assert [k.interval for k in kpis] == [15.0, 15.0, 60.0]


def test_empty_file_and_missing_services_are_errors(tmp_path: Path) -> None:
    [error] = problems(tmp_path, "")
    assert "empty" in error.message
    [error] = problems(tmp_path, "refresh: 5s\n")
    assert error.path == "services" and "at least one service" in error.message


def test_braces_around_a_service_var_in_a_query_get_a_hint(tmp_path: Path) -> None:
    text = MINIMAL + "      error_rate: {query: 'sum(x{job=\"${job}\"})'}\n"
    [error] = problems(tmp_path, text)
    assert error.path == "services.cqar.kpis.error_rate.query"
    assert "write $job for the service var 'job'" in error.message
    config = load(tmp_path, text, {"job": "from-env"})
    assert config.services["cqar"].kpis[1].query == 'sum(x{job="from-env"})'
