#!/usr/bin/env bash
# Installs oncall (editable, from this checkout) and starts the demo: no Prometheus needed.
# Where pip may not install into the system python (PEP 668) it installs into `.venv`.
# Extra arguments go to `oncall demo`: `bash scripts/demo.sh --service cqar`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/python.sh
"$PYTHON" -m pip install -q --disable-pip-version-check -e .
exec "$PYTHON" -m oncall_tui demo "$@"
