"""jaxscope installs like any package: ``python -m build`` makes an sdist and a wheel, and both
``pip install`` into a fresh venv with no node on PATH (the prebuilt bundles travel inside).

The wheel venv is shared with tests/e2e/test_ipykernel6.py (``wheel_venv`` in tests/wheel_venv.py).
"""

from __future__ import annotations

import json
import re
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest

from wheel_venv import ROOT, fresh_venv

pytestmark = pytest.mark.timeout(600)  # the first test builds and installs (~1-2 min on 2 cores)

HEADLESS = Path(__file__).resolve().parent / "headless_dashboard.py"
VERSION = re.search(r'^__version__ = "([^"]+)"', (ROOT / "src/jaxscope/__init__.py").read_text(), re.M)[1]


def bundles_built_by_npm() -> set[str]:
    """The files js/build.mjs writes into src/jaxscope/static/ (its entry points, plus the css)."""
    text = (ROOT / "js" / "build.mjs").read_text()
    scripts = re.search(r"entryPoints: \{(.*?)\}", text, re.S)[1]
    return {f"{name}.js" for name in re.findall(r"^\s*(\w+):", scripts, re.M)} | {"jaxscope.css"}


def ensured_targets() -> set[str]:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["hooks"]["jupyter-builder"]
    assert config["skip-if-exists"] == config["ensured-targets"]
    return {Path(target).name for target in config["ensured-targets"]}


def headless_result(venv) -> dict:
    done = venv.run(HEADLESS.read_text())
    assert done.returncode == 0, done.stderr[-3000:]
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    return json.loads(line.removeprefix("RESULT "))


def test_every_bundle_is_an_ensured_target():
    assert bundles_built_by_npm() == ensured_targets() == {
        "loss_chart.js", "control_bar.js", "network_diagram.js", "frame_ack.js", "grid_world.js", "jaxscope.css"}


def test_sdist_and_wheel_hold_what_an_install_needs(jaxscope_dists):
    assert jaxscope_dists.wheel.name == f"jaxscope-{VERSION}-py3-none-any.whl"
    assert jaxscope_dists.sdist.name == f"jaxscope-{VERSION}.tar.gz"
    bundles = ensured_targets()

    with zipfile.ZipFile(jaxscope_dists.wheel) as wheel:
        names = set(wheel.namelist())
        metadata = wheel.read(f"jaxscope-{VERSION}.dist-info/METADATA").decode()
    assert {f"jaxscope/static/{b}" for b in bundles} <= names
    assert {n for n in names if n.startswith("jaxscope/static/")} == {f"jaxscope/static/{b}" for b in bundles}
    assert {"jaxscope/py.typed", "jaxscope/__init__.py", f"jaxscope-{VERSION}.dist-info/licenses/LICENSE"} <= names
    assert {n.split("/")[0] for n in names} == {"jaxscope", f"jaxscope-{VERSION}.dist-info"}  # no tests, no js
    assert not [n for n in names if "__pycache__" in n or n.endswith(".ts")]
    for line in (f"Version: {VERSION}", "License-Expression: MIT", "License-File: LICENSE",
                 "Classifier: Framework :: Jupyter :: JupyterLab", "Classifier: Typing :: Typed",
                 "Project-URL: Homepage, https://github.com/jaxscope/jaxscope"):
        assert line in metadata.splitlines(), line

    with tarfile.open(jaxscope_dists.sdist) as sdist:
        names = {n.removeprefix(f"jaxscope-{VERSION}/") for n in sdist.getnames()}
    assert {f"src/jaxscope/static/{b}" for b in bundles} <= names   # pip needs no node
    assert {"package.json", "package-lock.json", "js/build.mjs", "js/loss_chart/widget.ts",  # node can rebuild
            "LICENSE", "README.md", "pyproject.toml", "src/jaxscope/py.typed"} <= names
    assert not [n for n in names if n.startswith(("tests/", "examples/", "node_modules/", ".venv/"))]


def test_wheel_installs_without_node_and_shows_a_dashboard(wheel_venv, jaxscope_dists):
    assert shutil.which("node", path=wheel_venv.env["PATH"]) is None
    assert shutil.which("npm", path=wheel_venv.env["PATH"]) is None
    version = wheel_venv.run("import jaxscope; print(jaxscope.__version__)")
    assert (version.returncode, version.stdout) == (0, f"{VERSION}\n"), version.stderr

    result = headless_result(wheel_venv)
    with zipfile.ZipFile(jaxscope_dists.wheel) as wheel:
        size = {b: wheel.getinfo(f"jaxscope/static/{b}").file_size for b in ensured_targets()}
    assert result == {
        "version": VERSION,
        "static": str(next((wheel_venv.root / "lib").glob("python3*/site-packages/jaxscope/static"))),
        "dashboard": "Dashboard",
        "esm": {"ControlBar": size["control_bar.js"], "LossChart": size["loss_chart.js"],
                "FrameAck": size["frame_ack.js"], "NetworkDiagram": size["network_diagram.js"]},   # FrameAck: the rewind row's
        "step": 50, "status": "done", "points": 50, "finite": True,
    }
    print(f"build {jaxscope_dists.build_s:.1f} s; sdist {jaxscope_dists.sdist.stat().st_size / 1024:.0f} KiB, "
          f"wheel {jaxscope_dists.wheel.stat().st_size / 1024:.0f} KiB; "
          + ", ".join(f"{k} {v:.1f} s" for k, v in wheel_venv.timings.items()))


def test_sdist_installs_without_node(jaxscope_dists, tmp_path_factory):
    """pip builds the wheel from the sdist in isolation (hatchling and hatch-jupyter-builder from the
    index): the bundles are in the sdist, so the build hook skips npm. ``--no-deps``: the dependencies
    are the wheel's (same metadata), installed and run by the test above; this saves a minute."""
    venv = fresh_venv(tmp_path_factory.mktemp("sdist-venv") / "venv")
    venv.pip_install("--no-deps", str(jaxscope_dists.sdist), label="install sdist")
    probe = venv.run("import importlib.metadata as m; print(m.version('jaxscope')); "
                     "print(*sorted(str(f) for f in m.files('jaxscope') if f.parent.name != '__pycache__'))")
    assert probe.returncode == 0, probe.stderr[-3000:]
    version, files = probe.stdout.splitlines()
    assert version == VERSION
    files = files.split()
    with zipfile.ZipFile(jaxscope_dists.wheel) as wheel:
        assert {f for f in files if not f.startswith(f"jaxscope-{VERSION}.dist-info/")} == {
            n for n in wheel.namelist() if not n.startswith(f"jaxscope-{VERSION}.dist-info/")}
        site = next((venv.root / "lib").glob("python3*/site-packages"))
        for name in ensured_targets():  # the very bundles the wheel ships
            assert (site / "jaxscope/static" / name).read_bytes() == wheel.read(f"jaxscope/static/{name}"), name
    print(", ".join(f"{k} {v:.1f} s" for k, v in venv.timings.items()))
