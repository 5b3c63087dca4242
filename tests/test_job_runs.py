"""Every job of every source runs one way: a `JobRun`, whose call takes nothing and returns
the observations (a failed fetch among them, never raised). mypy holds the signature; this
holds that no source hands the poller a bare function or a partial instead."""

from __future__ import annotations

import time
from pathlib import Path

from oncall_tui.config.loader import load_config
from oncall_tui.sources.base import JobRun
from oncall_tui.sources.demo import DemoSource, demo_config
from oncall_tui.sources.registry import build_sources

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.yaml"


def test_every_source_of_the_example_and_the_demo_runs_its_jobs_as_a_job_run() -> None:
    sources = build_sources(load_config(EXAMPLE, environ={}))
    sources.append(DemoSource(demo_config(), time.time, 7))
    kinds = {type(source).__name__ for source in sources}
    assert kinds >= {
        "PrometheusSource",
        "HealthSource",
        "KubernetesSource",
        "AlertSource",
        "DemoSource",
    }
    for source in sources:
        for job in source.jobs():
            assert isinstance(job.run, JobRun), (source.name, job.key, job.run)
