"""jaxscope as a user gets it: sdist and wheel built once, the wheel installed in a fresh venv.

Session fixtures (registered for every test layer by ``pytest_plugins`` in tests/conftest.py):

- ``jaxscope_dists``: ``python -m build`` of this checkout into a temp folder (sdist and wheel),
  with no node or npm on PATH: the build hook must find the prebuilt bundles and skip npm.
- ``wheel_venv``: a fresh venv (no system site-packages) with the wheel ``pip install``-ed in it,
  again with no node on PATH. Dependencies come from pip's cache where it has them.
- ``ipykernel6_venv``: the same venv with ``ipykernel==6.29.5`` added (a front end without comm
  subshells; tests/e2e/test_ipykernel6.py runs its kernels on it).

Example::

    def test_imports(wheel_venv):
        assert wheel_venv.run("import jaxscope").returncode == 0
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IPYKERNEL6 = "6.29.5"
NODE_PROGRAMS = ("node", "nodejs", "npm", "npx", "yarn")


def nodeless_path(*first: Path) -> str:
    """``PATH`` with ``first`` in front and every folder that holds node, npm or yarn left out."""
    kept = [str(folder) for folder in first]
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if folder and not any(os.path.exists(os.path.join(folder, name)) for name in NODE_PROGRAMS):
            kept.append(folder)
    return os.pathsep.join(kept)


def nodeless_env(*first: Path) -> dict[str, str]:
    """The test's environment with a node-free ``PATH`` and nothing that points at this checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = nodeless_path(*first)
    env["PIP_NO_INPUT"] = "1"
    return env


def run_checked(command: list[str], env: dict[str, str], cwd: Path, timeout: float) -> subprocess.CompletedProcess:
    """Run ``command``; on failure raise with its output (pip's and build's errors are the story)."""
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, command))} exited with {done.returncode}\n"
                             f"--- stdout ---\n{done.stdout[-4000:]}\n--- stderr ---\n{done.stderr[-4000:]}")
    return done


@dataclass
class Dists:
    """The sdist and wheel of this checkout, and how long ``python -m build`` took."""

    sdist: Path
    wheel: Path
    build_s: float


@dataclass
class Venv:
    """A fresh virtualenv: ``python`` to run, ``env`` (its bin first on a node-free PATH), timings."""

    root: Path
    env: dict[str, str]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def python(self) -> Path:
        return self.bin / "python"

    def run(self, code: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
        """``python -c code`` in this venv (cwd: the venv, so this checkout is not importable)."""
        return subprocess.run([str(self.python), "-c", code], env=self.env, cwd=cwd or self.root,
                              capture_output=True, text=True, timeout=timeout)

    def pip_install(self, *requirements: str, label: str) -> None:
        """``pip install`` into this venv; the seconds it took go in ``timings[label]``."""
        start = time.monotonic()
        run_checked([str(self.python), "-m", "pip", "install", "-q", *requirements],
                    env=self.env, cwd=self.root, timeout=600)
        self.timings[label] = time.monotonic() - start


def fresh_venv(root: Path) -> Venv:
    """``python -m venv root`` (no system site-packages) from the interpreter running the tests."""
    start = time.monotonic()
    run_checked([sys.executable, "-m", "venv", str(root)], env=nodeless_env(), cwd=root.parent, timeout=120)
    venv = Venv(root=root, env=nodeless_env(root / "bin"))
    venv.env["VIRTUAL_ENV"] = str(root)
    venv.timings["venv"] = time.monotonic() - start
    return venv


def build_dists(out_dir: Path) -> Dists:
    """``python -m build`` (sdist, then the wheel from the sdist) with no node on PATH."""
    start = time.monotonic()
    run_checked([sys.executable, "-m", "build", "--outdir", str(out_dir), str(ROOT)],
                env=nodeless_env(Path(sys.executable).parent), cwd=out_dir, timeout=600)
    (sdist,), (wheel,) = sorted(out_dir.glob("*.tar.gz")), sorted(out_dir.glob("*.whl"))
    return Dists(sdist=sdist, wheel=wheel, build_s=time.monotonic() - start)


@pytest.fixture(scope="session")
def jaxscope_dists(tmp_path_factory) -> Dists:
    return build_dists(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="session")
def wheel_venv(jaxscope_dists, tmp_path_factory) -> Venv:
    venv = fresh_venv(tmp_path_factory.mktemp("wheel-venv") / "venv")
    venv.pip_install(str(jaxscope_dists.wheel), label="install wheel")
    return venv


@pytest.fixture(scope="session")
def ipykernel6_venv(wheel_venv) -> Venv:
    """The wheel venv with ipykernel 6.29.5, checked to be 6.x without comm subshells."""
    wheel_venv.pip_install(f"ipykernel=={IPYKERNEL6}", label="install ipykernel 6")
    probe = wheel_venv.run("import importlib.util, ipykernel; print(ipykernel.__version__, "
                           "importlib.util.find_spec('ipykernel.subshell_manager') is not None)")
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split() == [IPYKERNEL6, "False"], probe.stdout  # 6.x, no subshell manager
    return wheel_venv
