#!/usr/bin/env bash
# Install nesscan and everything it needs on a fresh Debian-like machine (Python >= 3.10).
#   bash install.sh            # nesscan + test tools + Ray (screen --engine ray, tests/test_ray.py)
#   NESSCAN_EXTRAS=test,ray,unirep bash install.sh   # also the GPL-3.0 UniRep embedder
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"

# MMseqs2 clusters proteins by homology for the train/validation/test split.
if ! command -v mmseqs >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    $SUDO apt-get update -qq && APT_UPDATED=1 && $SUDO apt-get install -y -qq mmseqs2 >/dev/null
  else
    echo "install.sh: please install MMseqs2 (https://github.com/soedinglab/MMseqs2) and rerun" >&2; exit 1
  fi
fi

# Debian's Chromium runs the browser tests of `nesscan serve` (tests/test_browser.py, headless,
# driven by Playwright; Playwright's own browser download is never used).
if ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    [ -n "${APT_UPDATED:-}" ] || $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq chromium >/dev/null
  else
    echo "install.sh: Chromium not installed: tests/test_browser.py will fail (install chromium and rerun)" >&2
  fi
fi

# torch pinned to 2.13.0: on these machines pip takes a CPU build that lies on disk, while an
# unpinned torch pulls a multi-GB CUDA build. Elsewhere, for a CPU-only build, run
#   pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
# first, or set NESSCAN_TORCH to another requirement (e.g. "torch" on a GPU machine).
"$PY" -m pip install -q --disable-pip-version-check "${NESSCAN_TORCH:-torch==2.13.0}"
"$PY" -m pip install -q --disable-pip-version-check -e ".[${NESSCAN_EXTRAS:-test,ray}]"
echo "nesscan installed: $(command -v nesscan)"
