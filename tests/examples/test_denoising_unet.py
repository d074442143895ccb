"""The denoising notebook: a plain CNN and a residual U-Net of the same depth and almost the same size
(the U-Net is the plain CNN plus three skips) clean up noisy force-sweep images. At 200 steps (run once
per session, shared with test_notebooks.py) the format of what it prints and the two dashboards it
shows, the U-Net's diagram with its skips; at its full default length (marked slow) the gain of the
U-Net over the plain CNN it claims, with its wall time."""

from __future__ import annotations

import re

import pytest

from .test_boltzmann_machine import shown, widget_state
from .test_lessons import errors, full_run, lines, matching
from .test_notebooks import EXAMPLES, executed, stdout
from .test_super_resolution import anywidget_kinds

NAME = "denoising_unet.ipynb"
DATA = r"noisy \(8, 1, 48, 48\) clean \(8, 1, 48, 48\)"
COUNT = r"parameters: plain CNN 26,801 · U-Net 29,681"
STEP = r"(plain CNN|U-Net), step (\d+): loss (\d\.\d\de-\d\d) \(mean of the last 50 steps\)"
PSNR = (r"PSNR on 256 validation images: noisy input (\d+\.\d) dB · plain CNN (\d+\.\d) dB · U-Net (\d+\.\d) dB · "
        r"U-Net - plain CNN ([+-]\d+\.\d) dB")
WINS = r"images where the U-Net beats the plain CNN: ([01]\.\d{3})"
NOISY = "30.5"        # the fixed validation set's mean PSNR of the noisy input (noise 0.03): the same in every run
NOISY_MSE = 0.03 ** 2  # the noisy input's expected squared error

PLAIN_HEADING = r"<b>plain CNN</b> · PSNR (\d+\.\d) dB"
U_NET_HEADING = r"<b>U-Net</b> · PSNR (\d+\.\d) dB · plain CNN (\d+\.\d) dB · ([+-]\d+\.\d) dB"
PLAIN_CAPTION = r"PSNR (\d+\.\d) dB"
U_NET_CAPTION = r"PSNR (\d+\.\d) dB<br>plain CNN (\d+\.\d) dB"
LAYERS = ["conv_0", "conv_1", "avg_pool", "conv_2", "conv_3", "avg_pool", "conv_4", "conv_5",
          "upsample", "conv_6", "conv_7", "upsample", "conv_8", "conv_9", "conv_10"]
# (from, to, how): layer 4 (conv_3, 16 x 24 x 24) and layer 1 (conv_1, 8 x 48 x 48) concatenated on the
# way up; the input (-1) added to the output (15 = len(LAYERS)): noisy + correction
U_NET_SKIPS = [[4, 9, "concat"], [1, 12, "concat"], [-1, 15, "add"]]


def psnr_values(match: re.Match) -> tuple[float, float, float, float]:
    """(noisy input, plain CNN, U-Net, U-Net - plain CNN) in dB."""
    noisy, plain, u_net, gain = (float(v) for v in match.groups())
    return noisy, plain, u_net, gain


def steps(nb) -> dict[str, tuple[int, float]]:
    """network -> (step, loss) from the two step lines."""
    found = [m for m in (re.fullmatch(STEP, line) for line in lines(nb)) if m]
    assert [m.group(1) for m in found] == ["plain CNN", "U-Net"], stdout(nb)
    return {m.group(1): (int(m.group(2)), float(m.group(3))) for m in found}


def image_grids(state: dict) -> dict[str, list[dict]]:
    """The models of each ImageGrid's cells, row by row, by the name of its second column
    ("output" for the plain CNN's grid, "plain CNN" for the U-Net's, whose baseline it is)."""
    grids = {}
    for grid in (m["state"] for m in state.values() if m["model_name"] == "GridBoxModel"):
        cells = [state[child.removeprefix("IPY_MODEL_")] for child in grid["children"]]
        grids[cells[1]["state"]["value"].removeprefix("<b>").removesuffix("</b>")] = cells
    return grids


def rows(cells: list[dict], columns: int) -> list[list[dict]]:
    """The cells after the header, ``columns`` per row."""
    return [cells[k:k + columns] for k in range(columns, len(cells), columns)]


def html_values(state: dict, pattern: str) -> list[re.Match]:
    return [m for m in (re.fullmatch(pattern, s["state"]["value"]) for s in state.values()
                        if s["model_name"] == "HTMLModel") if m]


@pytest.mark.examples
def test_denoising_unet_prints_both_networks_against_the_noisy_input_in_a_fixed_format():
    nb = executed(EXAMPLES / NAME)
    assert errors(nb) == []
    matching(nb, DATA)
    matching(nb, COUNT)
    trained = steps(nb)
    assert [step for step, _ in trained.values()] == [200, 200]
    assert trained["U-Net"][1] < trained["plain CNN"][1] < NOISY_MSE   # measured 5.9e-05 < 2.3e-04 < 9e-04
    psnr = matching(nb, PSNR)
    noisy, plain, u_net, gain = psnr_values(psnr)
    assert psnr.group(1) == NOISY
    assert noisy < plain < u_net                                   # measured 30.5 < 37.8 < 42.5
    assert gain == pytest.approx(u_net - plain, abs=0.11)          # each value rounded on its own
    assert float(matching(nb, WINS).group(1)) > 0.5                # measured 0.988
    assert len(lines(nb)) == 6, stdout(nb)


@pytest.mark.examples
def test_denoising_unet_shows_two_dashboards_whose_diagrams_differ_by_the_u_nets_skips():
    nb = executed(EXAMPLES / NAME)
    state = widget_state(nb)
    assert [state[m]["state"]["_dom_classes"] for m in shown(nb)] == [["jaxscope-dashboard"]] * 2
    assert anywidget_kinds(state) == ["ControlBar"] * 2 + ["FrameAck"] * 4 + ["LossChart"] * 2 + ["NetworkDiagram"] * 2
    bars = sorted((m["state"]["title"], m["state"]["status"], m["state"]["step"]) for m in state.values()
                  if m["state"].get("_anywidget_id", "").endswith("ControlBar"))
    assert bars == [("denoising: plain CNN", "done", 200), ("denoising: residual U-Net", "done", 200)]

    diagrams = sorted((m["state"]["architecture"] for m in state.values()
                       if m["state"].get("_anywidget_id", "").endswith("NetworkDiagram")),
                      key=lambda architecture: architecture["total_params"])
    assert [d["total_params"] for d in diagrams] == [26_801, 29_681]
    assert [[layer["name"] for layer in d["layers"]] for d in diagrams] == [LAYERS, LAYERS]
    assert [d["skips"] for d in diagrams] == [[], U_NET_SKIPS]


@pytest.mark.examples
def test_denoising_unet_grids_show_each_network_and_the_u_nets_puts_the_trained_plain_cnn_beside_it():
    nb = executed(EXAMPLES / NAME)
    state = widget_state(nb)
    grids = image_grids(state)
    assert sorted(grids) == ["output", "plain CNN"]
    plain, u_net = grids["output"], grids["plain CNN"]
    assert [c["state"]["value"] for c in plain[:5]] == ["<b>input</b>", "<b>output</b>", "<b>target</b>",
                                                        "<b>|error|</b>", "<b></b>"]
    assert [c["state"]["value"] for c in u_net[:6]] == ["<b>input</b>", "<b>plain CNN</b>", "<b>output</b>",
                                                        "<b>target</b>", "<b>|error|</b>", "<b></b>"]
    plain_rows, u_net_rows = rows(plain, 5), rows(u_net, 6)
    assert (len(plain_rows), len(u_net_rows)) == (4, 4)
    assert all([c["model_name"] for c in row] == ["ImageModel"] * 4 + ["HTMLModel"] for row in plain_rows)
    assert all([c["model_name"] for c in row] == ["ImageModel"] * 5 + ["HTMLModel"] for row in u_net_rows)

    plain_captions = [re.fullmatch(PLAIN_CAPTION, row[4]["state"]["value"]) for row in plain_rows]
    u_net_captions = [re.fullmatch(U_NET_CAPTION, row[5]["state"]["value"]) for row in u_net_rows]
    assert all(plain_captions) and all(u_net_captions), [row[-1]["state"]["value"] for row in plain_rows + u_net_rows]
    # the same four images: the U-Net grid's baseline column is the plain CNN as trained
    assert [c.group(2) for c in u_net_captions] == [c.group(1) for c in plain_captions]
    assert all(float(c.group(1)) > float(c.group(2)) for c in u_net_captions)   # measured +2.2 to +8.7 dB

    (plain_heading,), (u_net_heading,) = html_values(state, PLAIN_HEADING), html_values(state, U_NET_HEADING)
    mean = lambda values: sum(values) / len(values)
    assert float(plain_heading.group(1)) == pytest.approx(mean([float(c.group(1)) for c in plain_captions]), abs=0.11)
    u_net_psnr, baseline, gain = (float(v) for v in u_net_heading.groups())
    assert u_net_psnr == pytest.approx(mean([float(c.group(1)) for c in u_net_captions]), abs=0.11)
    assert baseline == pytest.approx(float(plain_heading.group(1)), abs=0.11)   # rounded from the same mean
    assert gain == pytest.approx(u_net_psnr - baseline, abs=0.11) and gain > 0


@pytest.mark.examples
@pytest.mark.slow
def test_denoising_unet_full_run_u_net_beats_the_plain_cnn_by_2_db_within_two_minutes():
    nb, seconds = full_run(NAME)
    psnr = matching(nb, PSNR)
    noisy, plain, u_net, gain = psnr_values(psnr)
    wins = float(matching(nb, WINS).group(1))
    print(f"denoising_unet: PSNR noisy input {noisy:.1f} dB, plain CNN {plain:.1f} dB, U-Net {u_net:.1f} dB, "
          f"gain {gain:+.1f} dB, U-Net better on {wins:.3f} of the images; {seconds:.1f} s")
    assert [step for step, _ in steps(nb).values()] == [250, 250]
    assert psnr.group(1) == NOISY
    assert noisy < plain                         # both networks clean up the noise
    assert gain >= 2                             # measured +4.4 (+4.4 to +7.1 over 3 seeds)
    assert wins >= 0.9                           # measured 0.996 (0.996 to 1.000 over 3 seeds)
