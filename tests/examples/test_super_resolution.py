"""The super-resolution notebook: a small U-Net turns 4x coarser, noisy force-sweep images back into
full-resolution ones, compared with bicubic interpolation. At 200 steps (run once per session,
shared with test_notebooks.py) the format of what it prints and the dashboard it shows; at its
full default length (marked slow) the gain over bicubic it claims, with its wall time."""

from __future__ import annotations

import re

import pytest

from .test_boltzmann_machine import shown, widget_state
from .test_lessons import errors, full_run, lines, matching
from .test_notebooks import EXAMPLES, executed, stdout

NAME = "super_resolution.ipynb"
DATA = r"low \(8, 1, 12, 12\) full \(8, 1, 48, 48\)"
COUNT = r"U-Net parameters: 29,681"
STEP = r"step (\d+): loss (\d\.\d\de-\d\d) \(mean of the last 50 steps\)"
PSNR = (r"PSNR on 256 validation images: network (\d+\.\d) dB · bicubic (\d+\.\d) dB · "
        r"gain ([+-]\d+\.\d) dB")
WINS = r"images where the network beats bicubic: ([01]\.\d{3})"
HEADING = r"<b>validation images</b> · PSNR (\d+\.\d) dB · bicubic (\d+\.\d) dB · ([+-]\d+\.\d) dB"
CAPTION = r"PSNR (\d+\.\d) dB<br>bicubic (\d+\.\d) dB"
BICUBIC = "26.2"   # the fixed validation set's mean PSNR of bicubic upsampling: the same in every run


def psnr_values(match: re.Match) -> tuple[float, float, float]:
    """(network, bicubic, gain) in dB."""
    network, bicubic, gain = (float(v) for v in match.groups())
    return network, bicubic, gain


def anywidget_kinds(state: dict) -> list[str]:
    """The class name of every anywidget (control bar, loss chart, network diagram) in the saved state."""
    return sorted(m["state"]["_anywidget_id"].rsplit(".", 1)[-1] for m in state.values()
                  if m["model_name"] == "AnyModel")


def image_grid_cells(state: dict) -> list[dict]:
    """The models of the ImageGrid's cells, row by row (its one GridBox)."""
    grids = [m["state"] for m in state.values() if m["model_name"] == "GridBoxModel"]
    assert len(grids) == 1
    return [state[child.removeprefix("IPY_MODEL_")] for child in grids[0]["children"]]


@pytest.mark.examples
def test_super_resolution_prints_the_psnr_against_bicubic_in_a_fixed_format():
    nb = executed(EXAMPLES / NAME)
    assert errors(nb) == []
    matching(nb, DATA)
    matching(nb, COUNT)
    step = matching(nb, STEP)
    assert step.group(1) == "200" and float(step.group(2)) < 2e-3    # bicubic alone: MSE ~2.5e-3
    network, bicubic, gain = psnr_values(matching(nb, PSNR))
    assert matching(nb, PSNR).group(2) == BICUBIC
    assert gain == pytest.approx(network - bicubic, abs=0.11)        # each value rounded on its own
    assert gain >= 3                             # measured +7.4 at 200 steps (+7.0 to +8.0 over 3 seeds)
    assert float(matching(nb, WINS).group(1)) >= 0.95    # measured 1.000 already at 200 steps
    assert len(lines(nb)) == 5, stdout(nb)


@pytest.mark.examples
def test_super_resolution_shows_a_dashboard_with_an_image_grid_and_a_bicubic_column():
    nb = executed(EXAMPLES / NAME)
    state = widget_state(nb)
    assert [state[m]["state"]["_dom_classes"] for m in shown(nb)] == [["jaxscope-dashboard"]]
    assert anywidget_kinds(state) == ["ControlBar", "FrameAck", "FrameAck", "LossChart", "NetworkDiagram"]  # view + rewind row
    bar = next(m["state"] for m in state.values() if m["state"].get("_anywidget_id", "").endswith("ControlBar"))
    assert (bar["status"], bar["step"]) == ("done", 200)
    views = [m["state"] for m in state.values() if m["state"].get("_dom_classes") == ["jaxscope-view"]]
    assert len(views) == 1                       # the ImageGrid, inside the dashboard

    cells = image_grid_cells(state)
    header = [c["state"]["value"] for c in cells[:6]]
    assert header == ["<b>input</b>", "<b>bicubic</b>", "<b>output</b>", "<b>target</b>", "<b>|error|</b>", "<b></b>"]
    rows = [cells[6 * k + 6:6 * k + 12] for k in range(4)]
    assert len(cells) == 6 + 4 * 6
    for row in rows:                             # input, bicubic, output, target, |error| as images, then the caption
        assert [c["model_name"] for c in row] == ["ImageModel"] * 5 + ["HTMLModel"]
        assert re.fullmatch(CAPTION, row[5]["state"]["value"]), row[5]["state"]["value"]

    headings = [m["state"]["value"] for m in state.values() if m["model_name"] == "HTMLModel"
                and re.fullmatch(HEADING, m["state"]["value"])]
    assert len(headings) == 1
    network, bicubic, gain = psnr_values(re.fullmatch(HEADING, headings[0]))
    assert gain > 0 and gain == pytest.approx(network - bicubic, abs=0.11)
    captions = [re.fullmatch(CAPTION, row[5]["state"]["value"]) for row in rows]
    assert bicubic == pytest.approx(sum(float(c.group(2)) for c in captions) / 4, abs=0.11)   # the four rows' mean


@pytest.mark.examples
@pytest.mark.slow
def test_super_resolution_full_run_beats_bicubic_by_3_db_within_two_minutes():
    nb, seconds = full_run(NAME)
    psnr = matching(nb, PSNR)
    network, bicubic, gain = psnr_values(psnr)
    print(f"super_resolution: PSNR network {network:.1f} dB, bicubic {bicubic:.1f} dB, gain {gain:+.1f} dB; "
          f"{seconds:.1f} s")
    assert matching(nb, STEP).group(1) == "300"
    assert psnr.group(2) == BICUBIC
    assert gain >= 3                             # measured +8.4 (+7.7 to +8.6 over 5 seeds)
    assert float(matching(nb, WINS).group(1)) >= 0.95    # measured 1.000: every image gains 4 dB or more
