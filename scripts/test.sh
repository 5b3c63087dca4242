#!/usr/bin/env bash
# Installs what the tests need (Prometheus, Alertmanager, VictoriaMetrics, the dev extra) and
# runs the suite.
# Extra arguments go to pytest: `bash scripts/test.sh tests/test_state.py -x`.
# pytest runs in parallel processes (pytest-xdist), two per core: server tests spend most of
# their time waiting on servers and clocks. PYTEST_WORKERS=0 runs it in one process.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
command -v victoria-metrics >/dev/null 2>&1 || missing+=(victoria-metrics)
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing ${missing[*]} (Debian packages)"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

. scripts/python.sh  # PYTHON: python3, or .venv where pip may not install (PEP 668)
"$PYTHON" -m pip install -q --disable-pip-version-check -e '.[dev]'
"$PYTHON" -m ruff check .
"$PYTHON" -m ruff format --check .
# the layer contracts in .importlinter
"$PYTHON" -c "import sys; from importlinter.cli import lint_imports_command as lint; sys.exit(lint())" --no-cache
"$PYTHON" -m mypy  # the whole package; the core strictly (pyproject's [tool.mypy])
workers="${PYTEST_WORKERS:-$(($(nproc) * 2))}"
# loadgroup: the tests sharing a module-scoped server stay in one process (tests/conftest.py)
"$PYTHON" -m pytest -n "$workers" --dist loadgroup "$@"
