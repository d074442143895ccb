"""examples/your_own_data.ipynb prints what it promises: which path each kind of data takes, a fit per
kind, one speed line per path against device arrays, and the on-policy comparison. At 200 steps (the
run shared with test_notebooks.py) the format of every line; at its full default length (marked slow)
the fit and the returns it claims, within two minutes. Speed ratios are printed, never asserted: on a
shared 2-core machine they move by tens of percent from run to run."""

from __future__ import annotations

import re

import pytest

from .test_lessons import errors, full_run, lines, matching, widget_views
from .test_notebooks import EXAMPLES, SHORT, executed, run, stdout

NOTEBOOK = EXAMPLES / "your_own_data.ipynb"

LOSS = r"\d\.\d\de[+-]\d\d"                 # 1.04e-02
E = r"\d\.\de[+-]\d\d"                      # 3.6e-04
RATE = r"\d{1,3}(?:,\d{3})*"                # 12,345
RETURN = r"-\d+\.\d\d"                      # -7.00

FITS = ("simulator", "generator", "list of batches", "npz file", "npy memmap", "hdf5 file")
SPEEDS = ("device arrays", "simulator", "generator", "list of batches", "npz file", "npy memmap", "hdf5 file")
ON_DISK = "host: a re-iterable of batches, prefetched by a thread; a new epoch each time it ends (arrays on disk, " \
          "read 32 samples per batch in shuffled epochs)"
# what `print(trainer.data.kind, "·", trainer.data.path)` shows for each trainer, in the notebook's order
PATHS = [("host", "host: data() called for every batch by a prefetch thread"),                  # simulate
         ("host", "host: a one-shot iterator of batches"),                                       # generator
         ("host", "host: a re-iterable of batches, prefetched by a thread; a new epoch each time it ends"),  # list
         ("arrays", "device: fixed arrays on the device"),                                       # npz, in memory
         ("host", ON_DISK),                                                                      # npy memmap
         ("host", ON_DISK),                                                                      # hdf5
         ("host", "host, on-policy: data(params) called step by step"),                          # python rollout
         ("none", "none: the loss receives None")]                                               # jax rollout

KIND_PATH = r"(host|arrays|generator|none) · ((?:host|device|none)\S* .+)"
FIT = rf"({'|'.join(FITS)}): step (\d+) · loss ({LOSS}) · error against F ({E})"
RAN_OUT = (r"status done: the data ran out after (\d+) batches \(a one-shot iterator or generator\); "
           r"pass a list or a re-iterable loader to train for more epochs")
SPEED = rf"speed: ({'|'.join(SPEEDS)}) ({RATE}) steps/s · (\d+\.\d\d)x device arrays"
ON_POLICY = rf"on-policy: python rollout ({RATE}) steps/s · jax rollout ({RATE}) steps/s · (\d+\.\d)x"
RETURNS = (rf"mean return, first → last 10 steps: python rollout ({RETURN}) → ({RETURN}) · "
           rf"jax rollout ({RETURN}) → ({RETURN}) \(best possible -7\.00\)")
NO_H5PY = "h5py is not installed: skipping the HDF5 file (pip install h5py to read HDF5 files)"


def rows(nb, pattern: str) -> list[re.Match]:
    """Every printed line that fully matches ``pattern``, in order."""
    return [m for m in (re.fullmatch(pattern, line) for line in lines(nb)) if m]


def number(text: str) -> float:
    return float(text.replace(",", ""))


def fits(nb) -> dict[str, tuple[int, float, float]]:
    """name -> (step, loss, error against F), checking the names come in the notebook's order."""
    found = rows(nb, FIT)
    assert [m.group(1) for m in found] == list(FITS), stdout(nb)
    return {m.group(1): (int(m.group(2)), float(m.group(3)), float(m.group(4))) for m in found}


def speeds(nb, names=SPEEDS) -> dict[str, tuple[float, float]]:
    """name -> (steps/s, printed ratio), checking one line per path in order and the ratios' arithmetic."""
    found = rows(nb, SPEED)
    assert [m.group(1) for m in found] == list(names), stdout(nb)
    table = {m.group(1): (number(m.group(2)), float(m.group(3))) for m in found}
    device = table["device arrays"][0]
    assert table["device arrays"][1] == 1.00
    for name, (value, ratio) in table.items():
        assert value > 0
        assert ratio == pytest.approx(value / device, abs=0.006), (name, value, device, ratio)
    return table


def on_policy(nb) -> tuple[float, float, float, list[float]]:
    """(python steps/s, jax steps/s, printed speed-up, [python first, last, jax first, last returns])."""
    speed = matching(nb, ON_POLICY)
    python, jax_, factor = number(speed.group(1)), number(speed.group(2)), float(speed.group(3))
    assert factor == pytest.approx(jax_ / python, abs=0.06 + 0.002 * factor), speed.group(0)
    returns = [float(v) for v in matching(nb, RETURNS).groups()]
    assert all(-24 <= r <= -7 for r in returns), returns      # 24 steps at most, 7 at best
    return python, jax_, factor, returns


# ---- at 200 steps: the format of every line -------------------------------------------------
@pytest.mark.examples
def test_your_own_data_runs_with_one_dashboard_and_says_which_path_each_kind_of_data_takes():
    nb = executed(NOTEBOOK)
    assert errors(nb) == []
    assert widget_views(nb) == 1                    # the simulator's dashboard, with its function plot
    found = rows(nb, KIND_PATH)
    assert len(found) == len(PATHS), stdout(nb)
    for m, (kind, path) in zip(found, PATHS):
        assert (m.group(1), m.group(2)[:len(path)]) == (kind, path), m.group(0)


@pytest.mark.examples
def test_your_own_data_fits_with_every_kind_and_the_generator_ends_training_when_it_runs_out():
    nb = executed(NOTEBOOK)
    found = fits(nb)
    # 200 steps each; the one-shot generator holds one epoch of 4096 / 32 = 128 batches
    assert {name: step for name, (step, _, _) in found.items()} == {**dict.fromkeys(FITS, 200), "generator": 128}
    assert all(0 < loss < 1 and 0 < error < 1 for _, loss, error in found.values())
    assert matching(nb, RAN_OUT).group(1) == "128"


@pytest.mark.examples
def test_your_own_data_prints_one_speed_line_per_path_against_device_arrays():
    speeds(executed(NOTEBOOK))


@pytest.mark.examples
def test_your_own_data_compares_the_python_and_the_jax_rollout():
    nb = executed(NOTEBOOK)
    _, _, _, (python_first, python_last, jax_first, jax_last) = on_policy(nb)
    assert python_first < -15 and jax_first < -15  # a random walker needs about 19 steps (24 at most)


# ---- full length ----------------------------------------------------------------------------
@pytest.mark.examples
@pytest.mark.slow
def test_your_own_data_full_run_under_two_minutes_every_kind_fits_F_and_both_policies_walk_straight():
    nb, seconds = full_run("your_own_data.ipynb")
    found, table = fits(nb), speeds(nb)
    python, jax_, factor, returns = on_policy(nb)
    print(f"your_own_data: {seconds:.1f} s")
    for name, (value, ratio) in table.items():
        print(f"  speed: {name} {value:,.0f} steps/s · {ratio:.2f}x device arrays")
    print(f"  on-policy: python rollout {python:,.0f} steps/s · jax rollout {jax_:,.0f} steps/s · {factor:.1f}x; "
          f"returns {returns}")
    print("  " + ", ".join(f"{name}: loss {loss:.2e} error {error:.1e}" for name, (_, loss, error) in found.items()))
    assert {name: step for name, (step, _, _) in found.items()} == {**dict.fromkeys(FITS, 5000), "generator": 4992}
    # measured: loss 1.02-1.08e-02 (the noise alone gives 1.0e-02), error against F 2.5-6.9e-04
    for name, (_, loss, error) in found.items():
        assert loss < 1.2e-2 and error < 2e-3, (name, loss, error)
    assert matching(nb, RAN_OUT).group(1) == "4992"
    assert returns[1] > -7.5 and returns[3] > -7.5     # measured -7.00: straight to the goal


@pytest.mark.examples
@pytest.mark.slow
def test_your_own_data_without_h5py_says_so_and_skips_the_hdf5_file():
    nb = run(NOTEBOOK, SHORT, hide=("h5py",)).nb   # in the shared pool, prefetched (tests/examples/conftest.py)
    assert errors(nb) == []
    assert NO_H5PY in lines(nb)
    assert [m.group(1) for m in rows(nb, FIT)] == list(FITS[:-1])
    assert len(rows(nb, KIND_PATH)) == len(PATHS) - 1
    speeds(nb, names=SPEEDS[:-1])
