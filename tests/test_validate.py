"""`oncall validate`: the config, its runbook links and anchors, and with --online the queries."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from oncall_tui.cli import main
from oncall_tui.commands.validate import _check_anchor
from oncall_tui.runbooks.parse import parse_runbook

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.yaml"

RUNBOOK = """\
# CQAR runbook

## High Error Rate

```bash
# Not a heading: a comment inside a fenced block
kubectl logs -l app=cqar
```

## High Error Rate

## Connection Pool: Exhausted (DB)!

~~~
## also not a heading
~~~

### `redis-cli` and [links](http://example.com)
"""


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # problems name the config file relative to the current folder
    monkeypatch.chdir(tmp_path)


def write_config(tmp_path: Path, services: str, runbooks: str = "[./runbooks]") -> Path:
    (tmp_path / "runbooks").mkdir(exist_ok=True)
    (tmp_path / "runbooks" / "cqar.md").write_text(RUNBOOK)
    path = tmp_path / "oncall.yaml"
    path.write_text(
        "datasources: {default: {url: http://127.0.0.1:9}}\n"
        f"runbooks: {runbooks}\n"
        "services:\n" + textwrap.indent(textwrap.dedent(services), "  ")
    )
    return path


def test_example_config_validates_fully(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate", "--config", str(EXAMPLE)])
    out, err = capsys.readouterr()
    assert err == ""
    assert code == 0
    assert out.strip() == "config ok: 3 services, 28 KPIs, 8 probes, 4 SLOs"


def test_anchors_follow_github_rules() -> None:
    anchors = [h.anchor for h in parse_runbook(RUNBOOK, Path("cqar.md")).headings]
    assert anchors == [
        "cqar-runbook",
        "high-error-rate",
        "high-error-rate-1",
        "connection-pool-exhausted-db",
        "redis-cli-and-links",
    ]


def test_check_anchor_suggests_the_nearest_heading(tmp_path: Path) -> None:
    file = tmp_path / "cqar.md"
    file.write_text(RUNBOOK)
    assert _check_anchor(file, "high-error-rate-1") is None
    message = _check_anchor(file, "high-eror-rate")
    assert message is not None and "did you mean #high-error-rate?" in message
    assert "cannot read" in (_check_anchor(tmp_path / "none.md", "x") or "")


def test_broken_runbook_links_are_reported_with_line_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(
        tmp_path,
        """\
        cqar:
          runbook: cqar.md
          kpis:
            error_rate: {query: x, runbook: "cqar.md#high-error-rate"}
            latency_p99: {query: x, runbook: "#high-latency"}
            pool_usage: {query: x, runbook: "missing.md#x"}
          health:
            - name: ready
              url: "http://localhost:1/ready"
              runbook: "#connection-pool-exhausted-db"
        arq:
          datasource: default
          panels:
            - {title: Lag, query: x, runbook: "#queue-backlog"}
        """,
    )
    code = main(["validate", "--config", str(path)])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert lines[-1] == "3 problems"
    assert lines[:-1] == [
        "oncall.yaml:8: services.cqar.kpis.latency_p99.runbook: no heading with anchor "
        "#high-latency in cqar.md",
        "oncall.yaml:9: services.cqar.kpis.pool_usage.runbook: runbook file 'missing.md' not "
        f"found (looked in {tmp_path / 'runbooks'} and {tmp_path})",
        "oncall.yaml:17: services.arq.panels[0].runbook: '#queue-backlog' names no file and "
        "service 'arq' has no runbook: to take it from",
    ]


def test_runbook_file_may_be_relative_to_the_config_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(
        tmp_path,
        """\
        cqar:
          runbook: runbooks/cqar.md#high-error-rate
          kpis:
            error_rate: {query: x, runbook: "#high-error-rate-1"}
        """,
        runbooks="[]",
    )
    monkeypatch.chdir(tmp_path.parent)
    assert main(["validate", "--config", str(path)]) == 0
    assert capsys.readouterr().out.strip() == "config ok: 1 service, 1 KPIs, 0 probes"


def test_missing_runbooks_and_rules_paths_are_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path, "cqar: {}\n", runbooks="[./runbooks, ./gone]\nrules: r.yml")
    assert main(["validate", "--config", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"oncall.yaml:2: runbooks[1]: not found: {tmp_path / 'gone'}" in err
    assert f"oncall.yaml:3: rules: not found: {tmp_path / 'r.yml'}" in err


def test_invalid_config_exits_1_with_every_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path, "cqar: {kpis: {error_rate: {query: x, warn: high}}, tittle: a}\n")
    assert main(["validate", "--config", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "oncall.yaml:4: services.cqar.kpis.error_rate.warn: expected a number, got 'high'",
        "oncall.yaml:4: services.cqar.tittle: unknown key 'tittle'; did you mean 'title'?",
        "2 problems",
    ]


def test_invalid_promql_is_reported_offline_with_its_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(
        tmp_path,
        """\
        cqar:
          vars: {job: cqar}
          kpis:
            error_rate:
              query: sum(rate(x{job="$job", code=~"5.."}[5m])) /* sum(rate(x{job="$job"}[5m]))
              crit: 0.05
            request_rate:
              query: |-
                sum(rate(x{job="$job"}[5m]))
                  by (job
            queue_depth: {query: 'holt_winters(q{job="$job"}[10m], 0.5, 0.5)'}
        """,
    )
    assert main(["validate", "--config", str(path)]) == 1  # no datasource is asked
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "oncall.yaml:11: services.cqar.kpis.request_rate.query: not valid PromQL at 2:6"
        " (near '('): unclosed left parenthesis (this '(') in `by (job`",
        "oncall.yaml:8: services.cqar.kpis.error_rate.query: not valid PromQL at 1:44"
        " (near '*'): invalid promql query in"
        ' `sum(rate(x{job="cqar", code=~"5.."}[5m])) /* sum(rate(x{job="cqar"}[5m]))`',
        "2 problems",
    ]


def test_metricsql_datasources_are_not_checked_as_promql(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "oncall.yaml"
    path.write_text(
        "datasources: {vm: {url: 'http://127.0.0.1:9', language: metricsql}}\n"
        "services:\n"
        "  cqar:\n"
        "    datasource: vm\n"
        "    kpis: {request_rate: {query: 'sum(rate(cqar_grpc_calls_total)) default 0'}}\n"
    )
    assert main(["validate", "--config", str(path)]) == 0
    path.write_text(path.read_text().replace("metricsql", "sql"))
    assert main(["validate", "--config", str(path)]) == 1
    assert "unknown query language 'sql'; supported: promql, metricsql" in capsys.readouterr().err


def test_slo_queries_are_checked_offline_with_window_filled_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(
        tmp_path,
        """\
        cqar:
          kpis: {request_rate: {query: 'sum(rate(x[5m]))'}}
          slos:
            - name: availability
              objective: 0.999
              error_ratio: sum(rate(x{code=~"5.."}[$window])) / sum(rate(x[$window])
            - name: fine
              objective: 0.99
              good: sum(rate(ok_total[$window]))
              total: sum(rate(all_total[$window]))
        """,
    )
    assert main(["validate", "--config", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "oncall.yaml:9: services.cqar.slos[0].error_ratio: not valid PromQL at 1:36 (near '('):"
        " unclosed left parenthesis (this '(') in"
        ' `sum(rate(x{code=~"5.."}[5m])) / sum(rate(x[5m])`',
        "1 problem",
    ]


def test_no_config_found_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--config", str(tmp_path / "none.yaml")]) == 3
    assert "none.yaml" in capsys.readouterr().err


@pytest.mark.integration
def test_online_reports_failing_and_empty_queries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], prometheus_factory
) -> None:
    server = prometheus_factory()
    path = tmp_path / "oncall.yaml"
    path.write_text(
        f"datasources: {{default: {{url: '{server.url}'}}}}\n"
        "services:\n"
        "  cqar:\n"
        "    kpis:\n"
        "      request_rate: {query: 'vector(1)'}\n"
        "      error_rate: {query: 'sum(rate(cqar_grpc_calls_total[5m]'}\n"
        "      queue_depth: {query: 'no_such_metric_anywhere'}\n"
        "      pool_usage: {query: 'no_such_metric_anywhere', nodata: ok}\n"
    )
    assert main(["validate", "--config", str(path)]) == 1  # the syntax is checked offline
    offline = capsys.readouterr().err.splitlines()
    assert offline[0].startswith("oncall.yaml:6: services.cqar.kpis.error_rate.query: not valid")
    assert main(["validate", "--online", "--config", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 4 and err[-1] == "3 problems"
    assert err[0] == offline[0]
    assert err[1].startswith("oncall.yaml:6: services.cqar.kpis.error_rate.query: query failed: ")
    assert "parse error" in err[1]
    assert "HTTP Status Code" not in err[1]  # Prometheus's own words, not the client's wrapper
    assert err[2].startswith("oncall.yaml:7: services.cqar.kpis.queue_depth.query: the query ")


@pytest.mark.integration
def test_online_reports_an_unreachable_datasource_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(
        tmp_path, "cqar: {kpis: {request_rate: {query: a}, queue_depth: {query: b}}}"
    )
    assert main(["validate", "--online", "--config", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == "1 problem"
    assert err[0].startswith(
        "oncall.yaml:1: datasources.default.url: cannot query http://127.0.0.1:9"
    )


def test_a_broken_slo_runbook_link_is_reported_on_its_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runbooks = tmp_path / "runbooks"
    runbooks.mkdir()
    (runbooks / "api.md").write_text("# API\n\n## High error rate\n")
    path = tmp_path / "oncall.yaml"
    path.write_text(
        textwrap.dedent(
            """
            datasources: {default: {url: "http://127.0.0.1:9"}}
            runbooks: [./runbooks]
            services:
              api:
                slos:
                  - name: availability
                    objective: 99.9%
                    error_ratio: 'sum(rate(e[$window])) / sum(rate(t[$window]))'
                    runbook: api.md#no-such-section
            """
        )
    )
    code = main(["validate", "--config", str(path)])
    err = capsys.readouterr().err
    assert code == 1
    assert "services.api.slos[0].runbook" in err and "no-such-section" in err


def test_every_phase_reports_even_when_the_config_itself_has_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bad warn: must not hide a bad anchor; a missing ${VAR} must not stop everything."""
    monkeypatch.delenv("NOPE_TOKEN", raising=False)
    (tmp_path / "runbooks").mkdir()
    (tmp_path / "runbooks" / "cqar.md").write_text(RUNBOOK)
    config = tmp_path / "oncall.yaml"
    config.write_text(
        textwrap.dedent(
            """\
            datasources:
              default: {url: http://localhost:9090, bearer_token: "${NOPE_TOKEN}"}
            runbooks: [./runbooks]
            services:
              cqar:
                vars: {job: cqar}
                kpis:
                  request_rate: {query: 'sum(rate(x{job="$job"}[5m]))', runbook: "cqar.md#nope"}
                  error_rate: {query: 'sum(rate(y[5m])', warn: lots, crit: 0.01}
            """
        )
    )
    assert main(["validate", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "environment variable 'NOPE_TOKEN' is not set" in err
    assert "error_rate.warn: expected a number, got 'lots'" in err
    assert "request_rate.runbook: no heading with anchor #nope in cqar.md" in err
    assert "error_rate.query: not valid PromQL" in err
    assert err.strip().endswith("4 problems")


@pytest.mark.integration
def test_online_says_when_a_service_has_no_up_series_for_its_job(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], prometheus_factory
) -> None:
    server = prometheus_factory()  # scrapes no job named cqar
    path = tmp_path / "oncall.yaml"
    path.write_text(
        f"datasources: {{default: {{url: '{server.url}'}}}}\n"
        "services:\n"
        "  cqar:\n"
        "    vars: {job: cqar}\n"
        "    kpis:\n"
        "      request_rate: {query: 'vector(1)'}\n"
    )
    assert main(["validate", "--online", "--config", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == "1 problem"
    assert err[0].startswith("oncall.yaml:4: services.cqar.up: no up series")
    assert "up: false" in err[0]


#: bcrypt of "right-Pa55" (cost 12), the form Prometheus's --web.config.file wants
RIGHT_PASSWORD_BCRYPT = "$2b$12$JC7ZFRpu84dPRRdtrgqs8ewLVA31b2VbqY/M.KoHdyU1XFFnXx3we"


@pytest.mark.integration
def test_online_auth_refusal_is_said_once_on_the_datasource_without_the_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], prometheus_factory
) -> None:
    import httpx
    from servers.prometheus import PrometheusServer

    web = tmp_path / "web.yml"
    hashed = RIGHT_PASSWORD_BCRYPT
    web.write_text(f"basic_auth_users:\n  ops: '{hashed}'\n")

    class GuardedPrometheus(PrometheusServer):
        def _ready(self) -> bool:
            answer = httpx.get(f"{self.url}/-/ready", auth=("ops", "right-Pa55"), timeout=1.0)
            return answer.status_code == 200

    server = GuardedPrometheus(extra_args=[f"--web.config.file={web}"], workdir=tmp_path / "p")
    try:
        config = (
            f"datasources:\n  default:\n    url: '{server.url}'\n"
            "    basic_auth: {username: ops, password: wrong-Pa55}\n"
            "services:\n  cqar:\n    kpis:\n"
            "      request_rate: {query: 'vector(1)'}\n      queue_depth: {query: 'vector(2)'}\n"
        )
        path = tmp_path / "oncall.yaml"
        path.write_text(config)
        assert main(["validate", "--online", "--config", str(path)]) == 1
        err = capsys.readouterr().err
        lines = err.splitlines()
        assert lines[-1] == "1 problem"  # once for the datasource, not once per query
        assert lines[0].startswith(
            f"oncall.yaml:3: datasources.default.url: cannot query {server.url}: auth: HTTP 401"
        )
        assert "wrong-Pa55" not in err and "right-Pa55" not in err
        path.write_text(config.replace("wrong-Pa55", "right-Pa55"))
        assert main(["validate", "--online", "--config", str(path)]) == 0
    finally:
        server.stop()
