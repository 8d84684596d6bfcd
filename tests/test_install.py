"""install.sh and the README's first two commands: a project environment, never the system Python.

Debian and Ubuntu mark their Python "externally managed" (PEP 668): ``python3 -m pip install``
stops with ``externally-managed-environment``. install.sh therefore installs into ``.venv``
(or the active virtual/conda environment), and the README's test command uses ``.venv/bin/python``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    block = re.search(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
    return [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]


def test_readme_first_commands_and_ci_take_the_same_route():
    install, test = _readme_commands()[:2]
    assert install == "bash install.sh"
    assert test == ".venv/bin/python -m pytest -q"  # works without activating anything
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert ci[-2:] == [install, test]
    assert ".venv/" in (ROOT / ".gitignore").read_text().split()


def _stub_tools(tmp_path: Path) -> Path:
    """A bin folder with stand-ins for mmseqs, toppred and chromium (so no apt-get is attempted)."""
    bin_dir = tmp_path / "stubs"
    bin_dir.mkdir()
    for name in ("mmseqs", "toppred", "chromium"):
        (bin_dir / name).write_text("#!/bin/sh\nexit 0\n")
        (bin_dir / name).chmod(0o755)
    return bin_dir


def _dry_run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "install.sh", project / "install.sh")
    base = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX")}
    base.update({"PATH": f"{_stub_tools(tmp_path)}:{os.environ['PATH']}", "PYTHON": sys.executable,
                 "NESSCAN_INSTALL_DRY_RUN": "1", **env})
    return subprocess.run(["bash", str(project / "install.sh")], env=base, capture_output=True, text=True,
                          timeout=60)


def test_install_makes_and_uses_a_project_venv(tmp_path):
    r = _dry_run(tmp_path)
    assert r.returncode == 0, r.stderr
    steps = [line for line in r.stdout.splitlines() if line.startswith("+ ")]
    assert steps[0] == f"+ {sys.executable} -m venv .venv"
    pips = [s for s in steps if " -m pip install " in s]
    assert len(pips) == 2 and all(s.startswith("+ .venv/bin/python -m pip install") for s in pips)
    assert "torch==2.13.0" in pips[0] and pips[1].endswith("-e .[test,ray,docs]")
    assert "source .venv/bin/activate" in r.stderr


def test_install_honours_an_active_environment(tmp_path):
    env = tmp_path / "myenv"
    (env / "bin").mkdir(parents=True)
    (env / "bin" / "python").symlink_to(sys.executable)
    for var in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        work = tmp_path / var
        work.mkdir()
        r = _dry_run(work, **{var: str(env)})
        assert r.returncode == 0, r.stderr
        steps = [line for line in r.stdout.splitlines() if line.startswith("+ ")]
        assert not any("-m venv" in s for s in steps)
        assert f"+ ln -s {env} .venv" in steps  # so .venv/bin/python is that environment
        assert all(s.startswith(f"+ {env}/bin/python -m pip") for s in steps if " pip " in s)


def test_install_refuses_an_old_python(tmp_path):
    fake = tmp_path / "python3.8"
    fake.write_text("#!/bin/sh\nexit 1\n")  # fails the version check like Python 3.8 would
    fake.chmod(0o755)
    r = _dry_run(tmp_path, PYTHON=str(fake))
    assert r.returncode == 1 and "nesscan needs Python >= 3.10" in r.stderr


def _externally_managed_python() -> str | None:
    """A system Python carrying the PEP 668 marker (Debian's /usr/bin/python3), if any."""
    for candidate in ("/usr/bin/python3",):
        if not Path(candidate).is_file():
            continue
        stdlib = subprocess.run([candidate, "-c", "import sysconfig; print(sysconfig.get_path('stdlib'))"],
                                capture_output=True, text=True).stdout.strip()
        if stdlib and (Path(stdlib) / "EXTERNALLY-MANAGED").is_file():
            ok = subprocess.run([candidate, "-c", "import venv, ensurepip"], capture_output=True)
            return candidate if ok.returncode == 0 else None
    return None


@pytest.mark.slow
def test_install_works_with_an_externally_managed_python(tmp_path):
    """The real thing, on a tiny stand-in project: the system pip refuses, install.sh does not."""
    python = _externally_managed_python()
    if python is None:
        pytest.skip("no system Python with an EXTERNALLY-MANAGED marker (PEP 668) and venv here")
    refused = subprocess.run([python, "-m", "pip", "install", "--dry-run", "nothing"],
                             capture_output=True, text=True)
    assert refused.returncode != 0 and "externally-managed-environment" in refused.stdout + refused.stderr

    project = tmp_path / "project"
    (project / "src" / "tinypkg").mkdir(parents=True)
    (project / "src" / "tinypkg" / "__init__.py").write_text("VALUE = 42\n")
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "tinypkg"\nversion = "0"\n[project.optional-dependencies]\ntest = []\n'
        '[tool.setuptools.packages.find]\nwhere = ["src"]\n')
    shutil.copy(ROOT / "install.sh", project / "install.sh")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONPATH")}
    env.update(PATH=f"{_stub_tools(tmp_path)}:{os.environ['PATH']}", PYTHON=python,
               NESSCAN_TORCH="pip")  # an installed requirement stands in for torch: nothing to fetch
    r = subprocess.run(["bash", "install.sh"], cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "externally-managed" not in r.stderr
    out = subprocess.run([str(project / ".venv" / "bin" / "python"), "-c", "import tinypkg; print(tinypkg.VALUE)"],
                         capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "42"
    # a second run reuses .venv
    again = subprocess.run(["bash", "install.sh"], cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "making the project environment" not in again.stderr
