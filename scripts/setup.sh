#!/usr/bin/env bash
# Installs what coopsim needs on a fresh Debian machine with the Swift toolchain, as root.
# Idempotent: installs only what is missing. Used by `make run` and `make test`.
set -euo pipefail
need=()
for pkg in libopenblas-dev liblapacke-dev libfast-float-dev pkg-config; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
# Python packages for the notebook check of `coopsim report` (ReportTests skips that check without them).
python3 -c "import nbformat, nbconvert, ipykernel, matplotlib, pandas" 2>/dev/null \
  || python3 -m pip install -q nbformat nbconvert ipykernel matplotlib pandas \
  || echo "setup: could not install nbformat nbconvert ipykernel matplotlib pandas; the notebook check will be skipped" >&2
