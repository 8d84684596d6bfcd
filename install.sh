#!/usr/bin/env bash
# Install nesscan and everything it needs on a fresh Debian-like machine (Python >= 3.10).
#   bash install.sh            # MMseqs2, TopPred, nesscan + test tools + Ray (screen --engine ray)
#                              # + the docs site's tools (mkdocs build --strict), into .venv
#   NESSCAN_EXTRAS=test,ray,docs,unirep bash install.sh   # also the GPL-3.0 UniRep embedder
#   PYTHON=python3.12 bash install.sh            # build .venv from another interpreter
#
# Python packages never go into the system Python (Debian and Ubuntu refuse that, PEP 668:
# "externally-managed-environment"): they go into .venv, made here, or into the virtual or
# conda environment that is active when this script runs (VIRTUAL_ENV / CONDA_PREFIX).
# Either way .venv/bin/python is afterwards the Python that has nesscan (for an active
# environment, .venv is a link to it), so the README's commands work as written.
#   NESSCAN_INSTALL_DRY_RUN=1 bash install.sh    # print the steps, change nothing
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
DRY=${NESSCAN_INSTALL_DRY_RUN:-}
APT_UPDATED=""

say() { echo "install.sh: $*" >&2; }
# Run a command, or only print it on a dry run.
do_() { if [ -n "$DRY" ]; then echo "+ $*"; else "$@"; fi; }
apt_install() {  # apt_install PACKAGE...: Debian packages, apt-get update once
  [ -n "$APT_UPDATED" ] || { do_ $SUDO apt-get update -qq; APT_UPDATED=1; }
  if [ -n "$DRY" ]; then do_ $SUDO apt-get install -y -qq "$@"; else $SUDO apt-get install -y -qq "$@" >/dev/null; fi
}

# MMseqs2 clusters proteins by homology for the train/validation/test split.
if ! command -v mmseqs >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    apt_install mmseqs2
  else
    say "please install MMseqs2 (https://github.com/soedinglab/MMseqs2) and rerun"; exit 1
  fi
fi

# TopPred (Debian's toppred, GPL-2+) predicts the transmembrane segments of the compartment gate
# (nesscan.localisation): every screen and the protein-level call need it.
if ! command -v toppred >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    apt_install toppred
  else
    say "please install TopPred (https://github.com/bioinfo-center-pasteur-fr/toppred) and rerun"; exit 1
  fi
fi

# Debian's Chromium runs the browser tests of `nesscan serve` (tests/test_browser.py, headless,
# driven by Playwright; Playwright's own browser download is never used).
if ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    apt_install chromium
  else
    say "Chromium not installed: tests/test_browser.py will fail (install chromium and rerun)"
  fi
fi

# The Python environment: an active virtual/conda environment, else the project's .venv.
if [ -n "${VIRTUAL_ENV:-}" ] || [ -n "${CONDA_PREFIX:-}" ]; then
  ENV_DIR=${VIRTUAL_ENV:-$CONDA_PREFIX}
  ENV_PY="$ENV_DIR/bin/python"
  [ -x "$ENV_PY" ] || ENV_PY=$(command -v python)
  say "installing into the active environment $ENV_DIR"
  if [ ! -e .venv ] && [ ! -L .venv ]; then
    do_ ln -s "$ENV_DIR" .venv   # so that .venv/bin/python (the README's route) is this environment
  fi
else
  if ! command -v "$PY" >/dev/null 2>&1; then
    say "no '$PY' found: install Python >= 3.10 (Debian: apt-get install python3 python3-venv) or set PYTHON"
    exit 1
  fi
  if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
    say "$("$PY" -V 2>&1) is too old: nesscan needs Python >= 3.10 (set PYTHON=python3.x)"; exit 1
  fi
  if [ ! -x .venv/bin/python ]; then
    say "making the project environment .venv with $("$PY" -V 2>&1)"
    # Debian and Ubuntu ship venv's pip bootstrap (ensurepip) in a separate package.
    if ! do_ "$PY" -m venv .venv; then
      if command -v apt-get >/dev/null 2>&1; then
        rm -rf .venv
        apt_install python3-venv
        do_ "$PY" -m venv .venv
      else
        say "'$PY -m venv .venv' failed: install your distribution's venv package and rerun"; exit 1
      fi
    fi
  fi
  ENV_PY=.venv/bin/python
fi

# torch pinned to 2.13.0: on these machines pip takes a CPU build that lies on disk, while an
# unpinned torch pulls a multi-GB CUDA build. Elsewhere, for a CPU-only build, run
#   .venv/bin/python -m pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
# first, or set NESSCAN_TORCH to another requirement (e.g. "torch" on a GPU machine).
do_ "$ENV_PY" -m pip install -q --disable-pip-version-check "${NESSCAN_TORCH:-torch==2.13.0}"
do_ "$ENV_PY" -m pip install -q --disable-pip-version-check -e ".[${NESSCAN_EXTRAS:-test,ray,docs}]"
BIN=$(dirname "$ENV_PY")
say "nesscan installed: $BIN/nesscan"
say "run the tests:     .venv/bin/python -m pytest -q"
if [ -z "${VIRTUAL_ENV:-}${CONDA_PREFIX:-}" ]; then
  say "use nesscan:       source .venv/bin/activate   (once per shell; then: nesscan --help)"
fi
