"""ConfusionMatrix: a classifier's true x predicted counts on fixed samples (logits, probabilities or
one binary column; integer, (N, 1) or one-hot labels), the accuracy in the heading, and a gallery of
the samples of the selected cell: the largest confusion by default, or the cell a click chose (a
button's ``click`` message, delivered here as the front end sends it)."""

import html
import re

import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxscope as scope
from jaxscope.views.confusion_matrix import (NO_CELL, ConfusionMatrix, cell_colour, cell_samples, class_labels,
                                             class_probabilities, confusion_counts, curve_svg, largest_confusion,
                                             output_kind, predicted_classes)
from recording import from_front_end, settle
from view_checks import colours, pixels

NAMES = ("cat", "dog", "fox")


def numpy_counts(true, predicted, k):
    counts = np.zeros((k, k), int)
    for t, p in zip(true, predicted):
        counts[t, p] += 1
    return counts


def numpy_softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def linear(p, x):
    return x @ p["w"] + p["b"]


@pytest.fixture(scope="module")
def points():
    """2-D points labelled by their angle's third of the circle, and a linear classifier that gets some wrong."""
    rng = np.random.default_rng(0)
    x = np.asarray(rng.normal(size=(60, 2)), np.float32)
    labels = np.round(np.mod(np.arctan2(x[:, 1], x[:, 0]), 2 * np.pi) / (2 * np.pi / 3)).astype(int) % 3
    angles = 2 * np.pi / 3 * np.arange(3) + 0.4                       # the sectors' directions turned by 23°
    params = {"w": jnp.asarray(np.stack([np.cos(angles), np.sin(angles)]), jnp.float32),
              "b": jnp.asarray([0.1, 0.0, -0.1], jnp.float32)}
    return x, labels, params


def expected(x, params):
    logits = x.astype(np.float64) @ np.asarray(params["w"], np.float64) + np.asarray(params["b"], np.float64)
    probabilities = numpy_softmax(logits)
    return probabilities, probabilities.argmax(axis=1)


# ---- the numbers ----------------------------------------------------------------------------------------
def test_probabilities_from_logits_probabilities_and_one_binary_column():
    logits = np.random.default_rng(1).normal(size=(5, 4))
    np.testing.assert_allclose(class_probabilities(logits, "logits"), numpy_softmax(logits), rtol=1e-12)
    soft = numpy_softmax(logits)
    np.testing.assert_array_equal(class_probabilities(soft, "probabilities"), soft)
    z = np.array([-2.0, 0.0, 3.0])
    p = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(class_probabilities(z[:, None], "logits"), np.stack([1 - p, p], axis=1), rtol=1e-12)
    np.testing.assert_allclose(class_probabilities(np.array([0.2, 0.9]), "probabilities"), [[0.8, 0.2], [0.1, 0.9]])
    assert predicted_classes(class_probabilities(z, "logits")).tolist() == [0, 1, 1]   # p >= 0.5: class 1
    assert predicted_classes(np.array([[0.2, 0.4, 0.4], [0.1, 0.2, 0.7]])).tolist() == [1, 2]  # the first of equals


def test_the_output_kind_rule():
    assert output_kind(np.array([[0.1, 0.9], [0.5, 0.5]])) == "probabilities"
    assert output_kind(np.array([[0.1, 0.8], [0.5, 0.5]])) == "logits"       # a row not summing to 1
    assert output_kind(np.array([[-0.1, 1.1]])) == "logits"
    assert output_kind(np.array([[0.0], [1.0], [0.4]])) == "probabilities"    # one column: within [0, 1]
    assert output_kind(np.array([[0.2], [1.3]])) == "logits"
    assert output_kind(np.array([[np.nan], [0.5]])) == "logits"


def test_labels_from_integers_a_column_of_floats_and_one_hot_rows():
    assert class_labels(np.array([2, 0, 1]), 3).tolist() == [2, 0, 1]
    assert class_labels(np.array([[1.0], [0.0]], np.float32), 2).tolist() == [1, 0]
    assert class_labels(np.array([True, False]), 2).tolist() == [1, 0]
    assert class_labels(np.eye(4)[[3, 1, 0]], 4).tolist() == [3, 1, 0]
    assert class_labels(np.array([[0.9, 0.1], [0.2, 0.8]]), 2).tolist() == [0, 1]       # smoothed labels
    with pytest.raises(ValueError, match=r"ConfusionMatrix: labels must be class indices from 0 to 2; got \[-1.0, 3.0\]"):
        class_labels(np.array([0, 3, -1, 3]), 3)
    with pytest.raises(ValueError, match=r"labels must be class indices from 0 to 1; got \[0.5\]"):
        class_labels(np.array([0.5, 1.0]), 2)
    with pytest.raises(ValueError, match=r"ConfusionMatrix: targets of shape \(2, 3\) must be one-hot rows"):
        class_labels(np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]), 3)
    with pytest.raises(ValueError, match=r"ConfusionMatrix: targets must be labels \(N,\) or \(N, 1\), or one-hot rows "
                                         r"\(N, 3\); got shape \(2, 4\)"):
        class_labels(np.zeros((2, 4)), 3)


def test_counts_cells_and_the_largest_confusion_match_numpy():
    rng = np.random.default_rng(2)
    true, predicted = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    counts = confusion_counts(true, predicted, 4)
    np.testing.assert_array_equal(counts, numpy_counts(true, predicted, 4))
    off = counts - np.diag(np.diag(counts))
    assert largest_confusion(counts) == tuple(int(v) for v in np.unravel_index(np.argmax(off), off.shape))
    assert largest_confusion(np.diag([3, 4])) is None
    assert largest_confusion(np.array([[0, 2], [2, 0]])) == (0, 1)         # the first in row order of equals
    cell = (2, 1)
    assert cell_samples(true, predicted, cell).tolist() == [i for i in range(200) if true[i] == 2 and predicted[i] == 1]


def test_cell_colours_and_curve_svg():
    assert cell_colour(3, 0, True) == "#ffffff"                          # an empty row
    assert cell_colour(4, 4, True) == "#" + "".join(f"{round(255 + 0.85 * (c - 255)):02x}" for c in (0x1F, 0x77, 0xB4))
    svg = curve_svg(np.array([1.0, 3.0, 2.0]), 1.0, 3.0, width=21, height=11)
    assert svg == ('<svg width="21" height="11" viewBox="0 0 21 11"><polyline fill="none" stroke="#1f77b4" '
                   'stroke-width="1.5" points="1.0,10.0 10.5,1.0 20.0,5.5"/></svg>')


# ---- the view -----------------------------------------------------------------------------------------------
def test_counts_accuracy_and_the_heading_for_a_fixed_linear_classifier(points):
    x, labels, params = points
    cm = ConfusionMatrix(params=params, apply=linear, data=(x, labels), classes=NAMES)
    probabilities, predicted = expected(x, params)
    counts = numpy_counts(labels, predicted, 3)
    assert counts.trace() < 60 and counts.trace() > 20                 # some right, some wrong
    data = cm.compute(cm.network.current())
    assert cm.output == "logits" and cm.classes == 3
    np.testing.assert_array_equal(data["counts"], counts)
    np.testing.assert_allclose(data["probabilities"], probabilities, rtol=1e-5)
    assert data["accuracy"] == counts.trace() / 60
    assert cm.heading.value == (f"<b>confusion matrix</b> · 60 samples · accuracy {100 * counts.trace() / 60:.1f} % "
                                f"({counts.trace()} / 60)")
    totals = counts.sum(axis=1)
    for row in range(3):
        for column in range(3):
            button = cm.cells[row][column]
            assert button.description == str(counts[row, column])
            assert button.style.button_color == cell_colour(counts[row, column], totals[row], row == column)
            assert button.tooltip == f"true {NAMES[row]} · predicted {NAMES[column]}"
            assert set(button._dom_classes) >= {"jaxscope-confusion-cell", f"jaxscope-cell-{row}-{column}"}
    # the grid: a corner, the predicted names, then per row its true name and its K cells
    grid = cm.matrix.children
    assert len(grid) == 4 * 4 and [re.sub("<[^>]+>", "", c.value) for c in grid[1:4]] == list(NAMES)
    assert all("writing-mode" not in c.value for c in grid[1:4])          # short names: across the columns
    assert grid[4].value == "<b>cat</b>" and grid[5] is cm.cells[0][0] and grid[15] is cm.cells[2][2]
    assert cm.children[:4] == (cm.heading, cm.matrix, cm.selection_label, cm.gallery_box)


def test_column_headings_turn_upright_together_when_one_name_is_wider_than_its_column():
    x = np.zeros((4, 2), np.float32)
    labels = np.array([0, 1, 0, 1])
    params = {"w": jnp.zeros((2, 2)), "b": jnp.zeros(2)}
    cm = ConfusionMatrix(params=params, apply=linear, data=(x, labels), classes=["disordered", "ordered"])
    heads = cm.matrix.children[1:3]                                     # 64 px columns; "disordered" needs 80
    assert [re.sub("<[^>]+>", "", h.value) for h in heads] == ["disordered", "ordered"]
    assert all("writing-mode: vertical-rl" in h.value and 'title="' in h.value for h in heads)


def test_the_gallery_starts_on_the_largest_confusion_and_a_click_shows_that_cells_samples(points):
    x, labels, params = points
    cm = ConfusionMatrix(params=params, apply=linear, data=(x, labels), classes=NAMES, gallery=4)
    probabilities, predicted = expected(x, params)
    counts = numpy_counts(labels, predicted, 3)
    off = counts - np.diag(np.diag(counts))
    largest = tuple(int(v) for v in np.unravel_index(np.argmax(off), off.shape))
    members = [i for i in range(60) if (labels[i], predicted[i]) == largest]
    assert cm.cell == largest and not cm.pinned and cm.shown == members[:4]
    more = " · showing the first 4" if len(members) > 4 else ""
    assert html.unescape(cm.selection_label.value) == (f"true {NAMES[largest[0]]} · predicted {NAMES[largest[1]]}: "
                                                       f"{len(members)} samples{more}")
    assert "jaxscope-selected" in cm.cells[largest[0]][largest[1]]._dom_classes
    t, p = members[0], predicted[members[0]]
    assert cm.item_captions[0].value == (f"#{t}<br>p({NAMES[p]}) {probabilities[t, p]:.2f} · "
                                         f"p({NAMES[labels[t]]}) {probabilities[t, labels[t]]:.2f}")
    # the front end clicks the diagonal cell (dog, dog): its samples in sample order, the outline moves there
    from_front_end(cm.cells[1][1], {"event": "click"})
    dogs = [i for i in range(60) if labels[i] == 1 and predicted[i] == 1]
    assert cm.cell == (1, 1) and cm.pinned and cm.shown == dogs[:4]
    assert "jaxscope-selected" not in cm.cells[largest[0]][largest[1]]._dom_classes
    assert cm.cells[largest[0]][largest[1]].layout.border == "1px solid #dddddd"
    assert "jaxscope-selected" in cm.cells[1][1]._dom_classes and cm.cells[1][1].layout.border == "3px solid #333333"
    assert len(dogs) > 4 and [c.value for c in cm.item_captions] == [f"#{i}<br>p(dog) {probabilities[i, 1]:.2f}"
                                                                     for i in dogs[:4]]
    assert all(item.layout.display is None for item in cm.items)
    # a cell of fewer samples than the gallery holds: the other items are hidden
    assert counts[0, 2] == 2
    from_front_end(cm.cells[0][2], {"event": "click"})
    assert html.unescape(cm.selection_label.value) == "true cat · predicted fox: 2 samples" and len(cm.shown) == 2
    assert [item.layout.display for item in cm.items] == [None, None, "none", "none"]


def test_a_chosen_cell_stays_while_the_network_changes_and_select_none_returns_to_the_largest(points):
    x, labels, params = points
    cm = ConfusionMatrix(params=params, apply=linear, data=(x, labels))
    cm.select(2, 0)
    flipped = {"w": -params["w"], "b": params["b"]}
    cm.update(flipped)
    _, predicted = expected(x, flipped)
    assert cm.cell == (2, 0) and cm.shown == [i for i in range(60) if labels[i] == 2 and predicted[i] == 0][:12]
    counts = numpy_counts(labels, predicted, 3)
    assert [[b.description for b in row] for row in cm.cells] == counts.astype(str).tolist()
    cm.select(None)
    assert not cm.pinned and cm.cell == largest_confusion(counts)
    constant = {"w": jnp.zeros((2, 3)), "b": jnp.zeros(3)}               # every sample predicted "0"
    cm.update(constant)
    assert cm.cell == largest_confusion(numpy_counts(labels, np.zeros(60, int), 3))
    with pytest.raises(ValueError, match=r"select takes two class indices from 0 to 2; got 3, 0"):
        cm.select(3, 0)


def test_no_misclassified_sample_leaves_the_gallery_empty_until_a_click():
    x = np.eye(3, dtype=np.float32)
    cm = ConfusionMatrix(params={}, apply=lambda p, x: 5 * x, data=(x, np.arange(3)))
    assert cm.cell is None and cm.shown == [] and cm.selection_label.value == NO_CELL
    assert all(item.layout.display == "none" for item in cm.items)
    assert cm.heading.value == "<b>confusion matrix</b> · 3 samples · accuracy 100.0 % (3 / 3)"
    from_front_end(cm.cells[2][2], {"event": "click"})
    assert cm.selection_label.value == "true 2 · predicted 2: 1 sample"
    assert cm.shown == [2] and cm.item_captions[0].value == f"#2<br>p(2) {numpy_softmax(5 * np.eye(3))[2, 2]:.2f}"


def test_binary_with_one_logit_a_probability_column_and_labels_in_a_third_item():
    rng = np.random.default_rng(3)
    x = np.asarray(rng.normal(size=(40, 3)), np.float32)
    temperature = rng.uniform(1, 4, 40).astype(np.float32)
    ordered = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(np.float32)[:, None]     # (N, 1) floats, as the Ising data
    params = {"w": jnp.asarray([[1.0], [0.0], [0.3]], jnp.float32)}
    logit = lambda p, x: x @ p["w"]
    z = x.astype(np.float64) @ np.asarray(params["w"], np.float64)[:, 0]
    predicted = (z >= 0).astype(int)
    counts = numpy_counts(ordered[:, 0].astype(int), predicted, 2)
    cm = ConfusionMatrix(params=params, apply=logit, data=(x, temperature, ordered), target=2,
                         classes=("disordered", "ordered"))
    assert cm.output == "logits" and cm.classes == 2
    np.testing.assert_array_equal(cm.compute(cm.network.current())["counts"], counts)
    sigmoid = ConfusionMatrix(params=params, apply=lambda p, x: 1 / (1 + jnp.exp(-logit(p, x))),
                              data=(x, temperature, ordered), target=2)
    assert sigmoid.output == "probabilities"
    np.testing.assert_array_equal(sigmoid.compute(sigmoid.network.current())["counts"], counts)
    p = 1 / (1 + np.exp(-z))
    i = cm.shown[0]
    assert cm.item_captions[0].value == (f"#{i}<br>p({('disordered', 'ordered')[predicted[i]]}) "
                                         f"{max(p[i], 1 - p[i]):.2f} · p({('disordered', 'ordered')[1 - predicted[i]]}) "
                                         f"{min(p[i], 1 - p[i]):.2f}")
    flat = ConfusionMatrix(params=params, apply=lambda p, x: logit(p, x)[:, 0], data=(x, ordered[:, 0].astype(int)))
    np.testing.assert_array_equal(flat.compute(flat.network.current())["counts"], counts)     # outputs (N,)


def test_one_hot_targets_and_probability_outputs_count_as_labels_and_logits_do(points):
    x, labels, params = points
    by_label = ConfusionMatrix(params=params, apply=linear, data=(x, labels))
    one_hot = ConfusionMatrix(params=params, apply=lambda p, x: jnp.exp(linear(p, x)) / jnp.exp(linear(p, x)).sum(1, keepdims=True),
                              data=(x, np.eye(3, dtype=np.float32)[labels]))
    assert one_hot.output == "probabilities"
    np.testing.assert_array_equal(one_hot.compute(one_hot.network.current())["counts"],
                                  by_label.compute(by_label.network.current())["counts"])
    forced = ConfusionMatrix(params=params, apply=lambda p, x: jnp.abs(jnp.tanh(linear(p, x))), data=(x, labels),
                             output="logits")    # values in [0, 1] read as logits because it was asked
    assert forced.output == "logits"


def test_image_inputs_show_thumbnails_on_the_range_of_all_samples():
    rng = np.random.default_rng(4)
    x = np.asarray(rng.choice([-1.0, 1.0], size=(20, 1, 6, 6)), np.float32)   # Ising-like spins, channels first
    x[:3] = 1.0                                                               # all up: one colour, the top one
    labels = (x.mean(axis=(1, 2, 3)) > 0).astype(int)
    cm = ConfusionMatrix(params={}, apply=lambda p, x: jnp.full((len(x), 1), 0.5), data=(x, labels))   # all class 1
    assert cm.cell == (0, 1)
    zeros = [i for i in range(20) if labels[i] == 0]
    assert cm.shown == zeros[:12]
    for k, i in enumerate(cm.shown):
        np.testing.assert_array_equal(pixels(cm.item_pictures[k].value, 6, 6), colours(x[i, 0], -1.0, 1.0))
    cm.select(1, 1)
    np.testing.assert_array_equal(pixels(cm.item_pictures[0].value, 6, 6), colours(np.ones((6, 6)), -1.0, 1.0))


def test_curve_inputs_show_small_lines_and_few_numbers_show_the_numbers():
    x = np.asarray(np.random.default_rng(5).normal(size=(6, 10)), np.float32)
    cm = ConfusionMatrix(params={}, apply=lambda p, x: x[:, :2], data=(x, np.zeros(6, int)))
    lo, hi = float(x.min()), float(x.max())
    assert cm.shown == [i for i in range(6) if x[i, 1] > x[i, 0]]
    assert cm.item_pictures[0].value == curve_svg(x[cm.shown[0]], lo, hi)
    few = ConfusionMatrix(params={}, apply=lambda p, x: x, data=(x[:, :2], np.zeros(6, int)))
    assert few.item_pictures[0].value == html.escape(np.array2string(x[few.shown[0], :2].astype(np.float64), precision=3))


@pytest.mark.parametrize("options, message", [
    (dict(samples=0), r"samples must be an integer >= 1; got 0"),
    (dict(which="test"), r"which must be 'validation' or 'training'; got 'test'"),
    (dict(target=0), r"target must be the index >= 1 of the labels in the samples \(x, y, \.\.\.\); got 0"),
    (dict(target=2), r"target=2 names item 2 of the samples, but they have 2 items"),
    (dict(output="scores"), r"output must be one of \('auto', 'logits', 'probabilities'\); got 'scores'"),
    (dict(gallery=0), r"gallery must be an integer >= 1 \(samples shown\); got 0"),
    (dict(classes="ab"), r"classes must be a sequence of at least 2 class names; got 'ab'"),
    (dict(classes=("a", "b")), r"classes has 2 names but the network's outputs \(8, 3\) give 3 classes"),
    (dict(apply=lambda p, x: x[:, :, None]), r"ConfusionMatrix reads class scores: outputs \(N, classes\), or \(N,\) / "
                                             r"\(N, 1\) for two classes; got outputs of shape \(8, 3, 1\) for 8 samples"),
    (dict(apply=lambda p, x: jnp.zeros((len(x), 31))), r"ConfusionMatrix draws up to 30 classes; the network's "
                                                       r"outputs \(8, 31\) give 31"),
    (dict(data=None), r"ConfusionMatrix needs samples: a trainer, or data=\(x, labels\)"),
    (dict(data=(np.zeros((8, 3), np.float32), np.full(8, 3))), r"labels must be class indices from 0 to 2; got \[3.0\]"),
    (dict(apply=None), r"ConfusionMatrix runs the network: pass apply="),
])
def test_bad_arguments_are_named(options, message):
    x = np.asarray(np.random.default_rng(6).normal(size=(8, 3)), np.float32)
    options = {"params": {}, "apply": lambda p, x: x, "data": (x, np.arange(8) % 3), **options}
    with pytest.raises(ValueError, match=message):
        ConfusionMatrix(**options)


def test_validation_data_is_required_when_asked_for():
    x = np.asarray(np.random.default_rng(7).normal(size=(8, 2)), np.float32)
    trainer = scope.Trainer(params={"w": jnp.zeros((2, 2))}, loss=lambda p, b: jnp.mean((b[0] @ p["w"]) ** 2),
                            data=(x, np.arange(8) % 2), apply=lambda p, x: x @ p["w"])
    with pytest.raises(ValueError, match=r"which='validation' but the trainer has no validation data"):
        ConfusionMatrix(trainer, which="validation")
    cm = ConfusionMatrix(trainer, samples=6)            # none: the training samples
    assert cm.sample_set == "training" and cm.heading.value.startswith("<b>confusion matrix</b> · training (6 samples) · ")


def test_in_a_dashboard_it_follows_a_training_classifier_and_a_click_shows_that_cell():
    rng = np.random.default_rng(8)
    centres = np.array([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]])
    labels = rng.integers(0, 3, 96)
    x = np.asarray(centres[labels] + 1.2 * rng.normal(size=(96, 2)), np.float32)
    loss = lambda p, b: optax.softmax_cross_entropy_with_integer_labels(linear(p, b[0]), b[1]).mean()
    trainer = scope.Trainer(params={"w": jnp.zeros((2, 3)), "b": jnp.zeros(3)}, loss=loss, data=(x[:64], labels[:64]),
                            validation=(x[64:], labels[64:]), batch_size=16, optimizer=0.1, apply=linear)
    cm = ConfusionMatrix(classes=NAMES, interval=60)
    board = trainer.show(views=[cm], diagram=False)
    assert cm.sample_set == "validation" and len(cm.true) == 32
    # untrained: every logit 0, every sample predicted "cat" (the first of equals)
    assert [[int(b.description) for b in row] for row in cm.cells] == numpy_counts(labels[64:], np.zeros(32, int), 3).tolist()
    trainer.run(60)
    trainer.wait()
    settle(board)
    assert cm.drawn_step == 60
    probabilities, predicted = expected(x[64:], trainer.params)
    counts = numpy_counts(labels[64:], predicted, 3)
    assert counts.trace() >= 24                        # it learned
    assert [[int(b.description) for b in row] for row in cm.cells] == counts.tolist()
    assert re.fullmatch(rf"<b>confusion matrix</b> · validation \(32 samples\) · accuracy "
                        rf"{100 * counts.trace() / 32:.1f} % \({counts.trace()} / 32\)", cm.heading.value)
    from_front_end(cm.cells[0][0], {"event": "click"})     # a click while idle: the gallery follows at once
    cats = [i for i in range(32) if labels[64 + i] == 0 and predicted[i] == 0]
    assert cm.shown == cats[:12]
    assert cm.item_captions[0].value == f"#{cats[0]}<br>p(cat) {probabilities[cats[0], 0]:.2f}"
    board.close()
    cm.close()                                          # it closes the widgets it made
    assert cm.cells[0][0].comm is None and cm.items[0].comm is None and cm.matrix.comm is None
