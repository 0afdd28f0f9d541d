#!/usr/bin/env bash
# Installs what coopsim needs on a fresh Debian machine with the Swift toolchain, as root.
# Idempotent: installs only what is missing. Used by `make run` and `make test`.
set -euo pipefail
need=()
for pkg in libopenblas-dev liblapacke-dev libfast-float-dev libxlsxwriter-dev pkg-config; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
# The browser test of `coopsim serve` (Tests/EndToEndTests/ExplorerTests.swift): Debian's chromium and its
# driver, driven by Selenium (told the driver's path, so it downloads nothing). Skipped with a message when
# they cannot be installed.
browser=()
for pkg in chromium chromium-driver; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || browser+=("$pkg")
done
if [ ${#browser[@]} -gt 0 ]; then
  echo "setup: installing ${browser[*]} (browser test of coopsim serve)" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${browser[@]}" >/dev/null; } \
    || echo "setup: could not install ${browser[*]}; the browser test will be skipped" >&2
fi
python3 -c "import selenium" 2>/dev/null || python3 -m pip install -q selenium \
  || echo "setup: could not install selenium; the browser test will be skipped" >&2
# Python packages for the notebook check of `coopsim report` (ReportTests skips that check without them)
# and openpyxl, which reads the --xlsx workbooks back in the tests (WorkbookTests).
python3 -c "import nbformat, nbconvert, ipykernel, matplotlib, pandas, openpyxl" 2>/dev/null \
  || python3 -m pip install -q nbformat nbconvert ipykernel matplotlib pandas openpyxl \
  || echo "setup: could not install nbformat nbconvert ipykernel matplotlib pandas openpyxl; the notebook and workbook checks will be skipped" >&2
# Slurm and munge for the batch test (Tests/EndToEndTests/SlurmBatchTests.swift starts its own
# private cluster; it is skipped, saying why, only where they cannot be installed). No daemon is
# started here, and none is left running by the test.
slurm_need=()
for pkg in slurm-wlm munge; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || slurm_need+=("$pkg")
done
if [ ${#slurm_need[@]} -gt 0 ]; then
  echo "setup: installing ${slurm_need[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${slurm_need[@]}" </dev/null >/dev/null; } \
    || echo "setup: could not install ${slurm_need[*]}; the Slurm batch test will be skipped" >&2
fi
# LibreOffice's headless Calc for the workbook check (WorkbookTests.testLibreOfficeConvertsTheWorkbook
# converts a run's results.xlsx to CSV with soffice; scripts/check_workbook_soffice.py). About 90 MB to download;
# installed in about a minute from the Debian mirror. The test is skipped, saying so, without it.
if ! dpkg-query -W -f='${Status}' libreoffice-calc-nogui 2>/dev/null | grep -q "install ok installed" \
   && ! command -v soffice >/dev/null 2>&1; then
  echo "setup: installing libreoffice-calc-nogui (workbook check with LibreOffice)" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui </dev/null >/dev/null; } \
    || echo "setup: could not install libreoffice-calc-nogui; the LibreOffice workbook check will be skipped" >&2
fi
