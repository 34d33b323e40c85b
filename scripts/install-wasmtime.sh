#!/usr/bin/env bash
# Installs the optional Wasmtime host: the `wasmtime` Python package (which
# ships libwasmtime and ctypes bindings of its C API) in a virtual
# environment of the project's own, .venv-wasmtime/ in the repository root
# (or $WASIP3_WASMTIME_VENV), never into the system Python.
#
#   bash scripts/install-wasmtime.sh          install, or check the install (quick when done)
#
# .ci/run calls it before the tests, so the Wasmtime tests always run in CI.
# Idempotent: when the environment already has this version, it only says so.
# Needs python3 (3.9 or later). When `python3 -m venv` cannot work (Debian's
# python3 without python3-venv) it installs python3-venv with apt-get when
# running as root, and otherwise falls back to `pip install --target` with a
# small launcher at <venv>/bin/python, so host/wasmtime/run.ts finds the same
# path either way.
set -euo pipefail

VERSION=49.0.0
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${WASIP3_WASMTIME_VENV:-$root/.venv-wasmtime}
python=${PYTHON:-python3}
py=$venv/bin/python

installed() {
  [ -x "$py" ] && "$py" - "$VERSION" <<'PY' >/dev/null 2>&1
import sys
from importlib.metadata import version
from wasmtime import _bindings  # the C API declarations the adapter uses
sys.exit(0 if version("wasmtime") == sys.argv[1] else 1)
PY
}

if installed; then
  echo "install-wasmtime: wasmtime $VERSION is installed in $venv"
  exit 0
fi

if ! command -v "$python" >/dev/null 2>&1; then
  echo "install-wasmtime: $python not found; the Wasmtime host needs Python 3.9 or later" >&2
  exit 1
fi

can_venv() { "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; }

if ! can_venv && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  # Debian splits venv/ensurepip out of python3 into python3-venv.
  echo "install-wasmtime: installing python3-venv (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >/dev/null; } || true
fi

rm -rf "$venv"
if can_venv; then
  echo "install-wasmtime: creating $venv"
  "$python" -m venv "$venv"
  "$py" -m pip install -q --disable-pip-version-check --retries 1 "wasmtime==$VERSION"
elif "$python" -m pip --version >/dev/null 2>&1; then
  echo "install-wasmtime: no venv module; installing into $venv/site-packages with pip --target"
  mkdir -p "$venv/bin"
  "$python" -m pip install -q --disable-pip-version-check --retries 1 --target "$venv/site-packages" "wasmtime==$VERSION"
  real=$(command -v "$python")
  cat >"$py" <<SH
#!/bin/sh
PYTHONPATH="$venv/site-packages\${PYTHONPATH:+:\$PYTHONPATH}" exec "$real" "\$@"
SH
  chmod +x "$py"
else
  echo "install-wasmtime: $python has neither venv nor pip; install python3-venv (Debian: apt-get install python3-venv)" >&2
  exit 1
fi

if ! installed; then
  echo "install-wasmtime: wasmtime $VERSION did not install into $venv" >&2
  exit 1
fi
echo "install-wasmtime: wasmtime $VERSION installed in $venv"
