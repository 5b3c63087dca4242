# Sourced by scripts/test.sh and scripts/demo.sh: sets PYTHON to an interpreter that pip may
# install into. That is `python3` itself inside a virtual environment, or where pip works
# and the system does not refuse it; on a PEP 668 system (Debian 12, Ubuntu 24.04: pip says
# `externally-managed-environment`) or one without pip, it is a project venv in `.venv`,
# created on first use (with the Debian package python3-venv installed when it is missing).

pip_allowed() {
  python3 - <<'PY'
import os, subprocess, sys, sysconfig
in_venv = sys.prefix != sys.base_prefix
managed = os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED"))
has_pip = subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode == 0
sys.exit(0 if has_pip and (in_venv or not managed) else 1)
PY
}

if [ -x .venv/bin/python ]; then
  PYTHON=.venv/bin/python
elif pip_allowed; then
  PYTHON=python3
else
  if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "installing python3-venv (Debian package), to create .venv"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-venv
  fi
  echo "pip may not install into $(command -v python3) (PEP 668): using the venv .venv"
  python3 -m venv .venv
  PYTHON=.venv/bin/python
fi
export PYTHON
