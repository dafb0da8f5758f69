"""scripts/venv.sh, which both README commands run first: how it finds a Python."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "venv.sh"


def _fake_python(bin_dir: Path, name: str, version: tuple[int, int]) -> None:
    """A stand-in interpreter reporting ``version`` to the script's probe."""
    path = bin_dir / name
    path.write_text(f"#!/bin/sh\nexit {0 if version >= (3, 12) else 1}\n")
    path.chmod(0o755)


def _run(tmp_path: Path, env_path: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": env_path,
        "HOME": str(tmp_path / "home"),
        "PYENV_ROOT": str(tmp_path / "no-pyenv"),
        "POWERCRUD_SIGNALS_VENV": str(tmp_path / "venv"),
    }
    return subprocess.run(
        ["/bin/bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60
    )


def test_without_a_new_enough_python_it_fails_with_one_line(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _fake_python(bin_dir, "python3", (3, 11))
    # Only the tools the script needs, so that no real interpreter of the machine is on PATH.
    tools = tmp_path / "tools"
    tools.mkdir()
    for tool in ("dirname", "ls", "sort"):
        found = shutil.which(tool)
        assert found is not None
        (tools / tool).symlink_to(found)
    result = _run(tmp_path, f"{bin_dir}:{tools}")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "powercrud-signals needs Python >= 3.12 (PowerCRUD requires it); none was found on PATH or under pyenv."
    ]
    assert not (tmp_path / "venv").exists()


def test_an_interpreter_installed_under_pyenv_is_found(tmp_path: Path) -> None:
    """The machine's own interpreter, placed where pyenv keeps versions, is picked up."""
    versions = tmp_path / "no-pyenv" / "versions" / "3.99.0" / "bin"
    versions.mkdir(parents=True)
    (versions / "python3").symlink_to(Path(sys.base_prefix) / "bin" / "python3")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _fake_python(bin_dir, "python3", (3, 11))
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "PYENV_ROOT": str(tmp_path / "no-pyenv"),
        "POWERCRUD_SIGNALS_VENV": str(tmp_path / "venv"),
    }
    # Only the interpreter search is exercised (sourced from the script), not the pip install.
    probe = subprocess.run(
        [
            "/bin/bash",
            "-c",
            f"source <(sed -n '/^is_new_enough/,/^}}/p;/^find_python/,/^}}/p' {SCRIPT}); find_python",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == str(versions / "python3")
