"""``ConfusionMatrix``: how a classifier's predictions on a fixed sample set fall into true x
predicted classes, live, with the accuracy in the heading; click a cell to see its samples below
(by default the largest off-diagonal cell: the most frequent confusion).

Outputs: class scores (N, K), K >= 2, as logits (softmax) or probabilities; or one column (N,) /
(N, 1) for two classes, a logit (sigmoid) or the probability of class 1, class 1 where that
probability is >= 0.5. Which of the two is read once from the first outputs (``output="auto"``):
probabilities when every value lies in [0, 1] (and, for K columns, each row sums to 1), else logits;
``output="logits"`` or ``"probabilities"`` says it. Labels: integers 0..K-1 (N,) or (N, 1) (floats
0.0 / 1.0 included), or one-hot (or probability) rows (N, K), from item ``target`` of the samples
(x, y, ...).

The cells are buttons (a click reaches the kernel as the button's ``click`` message); rows are the
true classes, columns the predicted ones; a cell's colour is its share of its row (blue on the
diagonal, orange off it).

>>> import numpy as np
>>> x = np.array([[2.0, 0.0], [0.0, 2.0], [1.0, 0.0], [0.0, 1.0]], np.float32)
>>> cm = ConfusionMatrix(params={}, apply=lambda p, x: x, data=(x, np.array([0, 1, 1, 1])), classes=("a", "b"))
>>> cm.compute(cm.network.current())["counts"].tolist()
[[1, 0], [1, 2]]
>>> cm.selection_label.value
'true b · predicted a: 1 sample'
>>> cm.shown
[2]
"""

from __future__ import annotations

import html
from typing import Any, Sequence

import ipywidgets
import numpy as np

from ..widgets.sync import SEND_LOCK
from .base import View
from .figures import BLUE, ORANGE
from .images import image_batch
from .png import to_png
from .samples import take_samples, trainer_samples

OUTPUTS = ("auto", "logits", "probabilities")
MAX_CLASSES = 30    # a button per cell: 900 at most
THUMB = 64          # pixels: a gallery thumbnail
HEAD_CHAR_PX = 8      # the width budgeted per character of a bold column heading
NO_CELL = "no misclassified samples · click a cell to see its samples"
UNSELECTED, SELECTED = "1px solid #dddddd", "3px solid #333333"     # cell outlines (inside the cell: border-box)


# ---- the numbers (pure) --------------------------------------------------------------------------
def output_kind(outputs: np.ndarray) -> str:
    """``"probabilities"`` when every value lies in [0, 1] (and rows of several columns sum to 1),
    else ``"logits"``.

    >>> output_kind(np.array([[0.2, 0.8]])), output_kind(np.array([[0.2, 0.7]])), output_kind(np.array([0.3, 1.0]))
    ('probabilities', 'logits', 'probabilities')
    """
    out = np.asarray(outputs, np.float64).reshape(len(outputs), -1)
    if not np.all(np.isfinite(out)) or out.min() < 0 or out.max() > 1:
        return "logits"
    if out.shape[1] > 1 and not np.allclose(out.sum(axis=1), 1.0, atol=1e-3):
        return "logits"
    return "probabilities"


def class_probabilities(outputs: np.ndarray, kind: str) -> np.ndarray:
    """(N, K) class probabilities from outputs (N, K) (softmax of logits) or (N,) / (N, 1) for two
    classes (sigmoid of a logit: [1 - p, p]).

    >>> class_probabilities(np.array([0.0, np.log(3.0)]), "logits").round(3).tolist()
    [[0.5, 0.5], [0.25, 0.75]]
    """
    out = np.asarray(outputs, np.float64).reshape(len(outputs), -1)
    if out.shape[1] == 1:
        p = out[:, 0] if kind == "probabilities" else 1.0 / (1.0 + np.exp(-out[:, 0]))
        return np.stack([1.0 - p, p], axis=1)
    if kind == "probabilities":
        return out
    shifted = np.exp(out - out.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def predicted_classes(probabilities: np.ndarray) -> np.ndarray:
    """The class of largest probability (the first of equals), (N,); for two classes, class 1
    where its probability is >= 0.5.

    >>> predicted_classes(np.array([[0.5, 0.5], [0.7, 0.3]])).tolist()
    [1, 0]
    """
    if probabilities.shape[1] == 2:
        return (probabilities[:, 1] >= 0.5).astype(np.int64)
    return np.argmax(probabilities, axis=1).astype(np.int64)


def class_labels(targets: np.ndarray, classes: int) -> np.ndarray:
    """Integer labels (N,) from labels (N,) / (N, 1) or one-hot (or probability) rows (N, K), or an
    error that says what was expected.

    >>> class_labels(np.array([[0.0], [1.0]]), 2).tolist(), class_labels(np.eye(3)[[2, 0]], 3).tolist()
    ([0, 1], [2, 0])
    """
    t = np.asarray(targets)
    if t.ndim == 2 and t.shape[1] == classes and classes > 1:
        values = t.astype(np.float64)
        if np.any(values < 0) or not np.allclose(values.sum(axis=1), 1.0, atol=1e-3):
            raise ValueError(f"ConfusionMatrix: targets of shape {t.shape} must be one-hot rows (or class probabilities "
                             "summing to 1)")
        return np.argmax(values, axis=1).astype(np.int64)
    if t.ndim == 1 or (t.ndim == 2 and t.shape[1] == 1):
        values = t.ravel().astype(np.float64)
        bad = values[~(np.isfinite(values) & (values == np.round(values)) & (values >= 0) & (values < classes))]
        if bad.size:
            raise ValueError(f"ConfusionMatrix: labels must be class indices from 0 to {classes - 1}; got "
                             f"{np.unique(bad)[:4].tolist()}")
        return values.astype(np.int64)
    raise ValueError(f"ConfusionMatrix: targets must be labels (N,) or (N, 1), or one-hot rows (N, {classes}); "
                     f"got shape {t.shape}")


def confusion_counts(true: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """counts[i, j]: how many samples of true class i were predicted as class j, (K, K) int.

    >>> confusion_counts(np.array([0, 1, 1]), np.array([0, 0, 1]), 2).tolist()
    [[1, 0], [1, 1]]
    """
    return np.bincount(true * classes + predicted, minlength=classes * classes).reshape(classes, classes)


def largest_confusion(counts: np.ndarray) -> tuple[int, int] | None:
    """(true, predicted) of the largest off-diagonal cell (the first in row order of equals); None
    when no sample is misclassified.

    >>> largest_confusion(np.array([[5, 1, 2], [2, 4, 0], [0, 0, 3]])), largest_confusion(np.eye(2))
    ((0, 2), None)
    """
    off = np.array(counts, dtype=np.int64)
    np.fill_diagonal(off, 0)
    if off.max(initial=0) <= 0:
        return None
    row, column = divmod(int(np.argmax(off)), off.shape[1])
    return row, column


def cell_samples(true: np.ndarray, predicted: np.ndarray, cell: tuple[int, int]) -> np.ndarray:
    """Indices of the samples in ``cell`` (true, predicted), in sample order.

    >>> cell_samples(np.array([1, 0, 1, 1]), np.array([0, 0, 0, 1]), (1, 0)).tolist()
    [0, 2]
    """
    return np.flatnonzero((true == cell[0]) & (predicted == cell[1]))


def cell_colour(count: int, row_total: int, diagonal: bool) -> str:
    """A cell's background: white mixed with blue (diagonal) or orange (off it) by its share of its row.

    >>> cell_colour(0, 10, True), cell_colour(10, 10, False), cell_colour(5, 10, True)
    ('#ffffff', '#ff9232', '#a0c5df')
    """
    share = count / row_total if row_total else 0.0
    base = np.array([int((BLUE if diagonal else ORANGE)[k:k + 2], 16) for k in (1, 3, 5)], np.float64)
    mixed = 255.0 + 0.85 * share * (base - 255.0)
    return "#" + "".join(f"{int(round(c)):02x}" for c in mixed)


def curve_svg(values: np.ndarray, lo: float, hi: float, width: int = THUMB, height: int = THUMB // 2) -> str:
    """A 1-D sample as a small inline SVG line on the range [lo, hi] (no plot library, crisp at any zoom).

    >>> curve_svg(np.array([0.0, 1.0]), 0.0, 1.0, 10, 6)
    '<svg width="10" height="6" viewBox="0 0 10 6"><polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="1.0,5.0 9.0,1.0"/></svg>'
    """
    values = np.nan_to_num(np.asarray(values, np.float64).ravel(), nan=lo)
    xs = np.linspace(1.0, width - 1.0, len(values))
    ys = (height - 1.0) - (values - lo) / (hi - lo if hi > lo else 1.0) * (height - 2.0)
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, np.clip(ys, 0.0, height)))
    return (f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}"><polyline fill="none" '
            f'stroke="{BLUE}" stroke-width="1.5" points="{points}"/></svg>')


# ---- the view --------------------------------------------------------------------------------------
class ConfusionMatrix(View):
    """True x predicted counts of a classifier on ``samples`` fixed samples, and a gallery of the
    samples of the selected cell (``select(true, predicted)``, or a click on the cell).

    Args:
      classes: the class names (K of them; default "0", "1", ...).
      samples: how many fixed samples are classified.
      which: ``"validation"`` or ``"training"``; None: the validation data when the trainer has some.
      data: (x, labels, ...) arrays or a generator instead of the trainer's samples.
      target: which item of the samples (x, y, ...) holds the labels: 1, or e.g. 2 for the Ising
        data's (spins, temperature, ordered).
      output: ``"auto"``, ``"logits"`` or ``"probabilities"`` (see the module).
      channel: which channel of image inputs the gallery shows.
      gallery: at most this many samples of the selected cell are shown.
    """

    def __init__(self, trainer: Any = None, *, classes: Sequence[str] | None = None, samples: int = 256,
                 which: str | None = None, data: Any = None, target: int = 1, output: str = "auto", channel: int = 0,
                 gallery: int = 12, title: str = "confusion matrix", **options: Any) -> None:
        if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
            raise ValueError(f"samples must be an integer >= 1; got {samples!r}")
        if which not in (None, "validation", "training"):
            raise ValueError(f"which must be 'validation' or 'training'; got {which!r}")
        if isinstance(target, bool) or not isinstance(target, int) or target < 1:
            raise ValueError(f"target must be the index >= 1 of the labels in the samples (x, y, ...); got {target!r}")
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}; got {output!r}")
        if isinstance(gallery, bool) or not isinstance(gallery, int) or gallery < 1:
            raise ValueError(f"gallery must be an integer >= 1 (samples shown); got {gallery!r}")
        if classes is not None and (isinstance(classes, str) or len(classes) < 2):
            raise ValueError(f"classes must be a sequence of at least 2 class names; got {classes!r}")
        self.class_names = None if classes is None else [str(c) for c in classes]
        self.samples, self.which, self.target, self.output = samples, which, target, output
        self.channel, self.gallery, self.title = channel, gallery, title
        self._given = data
        self.cell: tuple[int, int] | None = None     # the cell whose samples are shown
        self.pinned = False                            # chosen by a click / select (else: the largest confusion)
        self.shown: list[int] = []                     # the sample indices in the gallery, in order
        self._data: dict | None = None
        super().__init__(trainer, **options)

    # ---- set-up ---------------------------------------------------------------------------------
    def _setup(self) -> None:
        self.x, labels = self._samples()
        first = self.network.predict(self.network.current(), self.x)
        if first.ndim > 2 or first.ndim == 0 or len(first) != len(self.x):
            raise ValueError("ConfusionMatrix reads class scores: outputs (N, classes), or (N,) / (N, 1) for two "
                             f"classes; got outputs of shape {first.shape} for {len(self.x)} samples")
        columns = 1 if first.ndim == 1 else first.shape[1]
        self.classes = 2 if columns == 1 else columns
        if self.classes > MAX_CLASSES:
            raise ValueError(f"ConfusionMatrix draws up to {MAX_CLASSES} classes; the network's outputs {first.shape} "
                             f"give {self.classes}")
        if self.output == "auto":
            self.output = output_kind(first)
        if self.class_names is None:
            self.class_names = [str(k) for k in range(self.classes)]
        if len(self.class_names) != self.classes:
            raise ValueError(f"classes has {len(self.class_names)} names but the network's outputs {first.shape} "
                             f"give {self.classes} classes")
        self.true = class_labels(labels, self.classes)
        self._build_matrix()
        self._build_gallery()
        self.heading = ipywidgets.HTML()
        self.children = [self.heading, self.matrix, self.selection_label, self.gallery_box]
        self.draw(self.compute(self.network.current()))

    def _samples(self) -> tuple[np.ndarray, np.ndarray]:
        trainer = self.network.trainer
        if self._given is not None:
            found, self.sample_set = take_samples(self._given, self.samples), None
        else:
            if trainer is None:
                raise ValueError("ConfusionMatrix needs samples: a trainer, or data=(x, labels)")
            which = self.which or ("validation" if trainer.data.has_validation else "training")
            found = trainer_samples(trainer, which, self.samples)
            if found is None:
                raise ValueError(f"which={which!r} but the trainer has no {which} data")
            self.sample_set = which
        if self.target >= len(found):
            raise ValueError(f"target={self.target} names item {self.target} of the samples, but they have "
                             f"{len(found)} items")
        return found[0], found[self.target]

    def _build_matrix(self) -> None:
        k = self.classes
        size = max(32, min(64, 480 // k))
        corner = ipywidgets.HTML("<small>true ↓ predicted →</small>")
        heads = [self._head(name, size) for name in self.class_names]
        self.cells: list[list[ipywidgets.Button]] = []
        grid: list = [corner, *heads]
        for row in range(k):
            grid.append(self._label(self.class_names[row], "jaxscope-confusion-true"))
            buttons = []
            for column in range(k):
                button = ipywidgets.Button(description="", tooltip=f"true {self.class_names[row]} · predicted "
                                           f"{self.class_names[column]}",
                                           layout=ipywidgets.Layout(width=f"{size}px", height=f"{size}px", margin="0",
                                                                    padding="0", border=UNSELECTED))
                button.style.text_color = "black"
                button.add_class("jaxscope-confusion-cell")
                button.add_class(f"jaxscope-cell-{row}-{column}")
                button.on_click(lambda _, cell=(row, column): self._on_click(cell))
                buttons.append(button)
                grid.append(button)
            self.cells.append(buttons)
        self._drawn_cells: dict = {}
        self.matrix = ipywidgets.GridBox(grid, layout=ipywidgets.Layout(
            grid_template_columns=f"max-content repeat({k}, {size}px)", grid_gap="2px", align_items="center",
            justify_items="center", width="max-content"))
        self.matrix.add_class("jaxscope-confusion-matrix")

    def _head(self, name: str, size: int) -> ipywidgets.HTML:
        """A predicted class's column heading: across the column when every name fits its width,
        else every heading upright (read bottom to top) so that none runs into its neighbour."""
        fits = max(len(n) for n in self.class_names) * HEAD_CHAR_PX <= size
        style = "" if fits else "writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap;"
        label = ipywidgets.HTML(f'<b style="display: block; {style}" title="{html.escape(name)}">{html.escape(name)}</b>')
        label.add_class("jaxscope-confusion-predicted")
        return label

    @staticmethod
    def _label(text: str, css: str) -> ipywidgets.HTML:
        label = ipywidgets.HTML(f"<b>{html.escape(text)}</b>")
        label.add_class(css)
        return label

    def _build_gallery(self) -> None:
        self.selection_label = ipywidgets.HTML()
        self.selection_label.add_class("jaxscope-selection")
        images = image_batch(self.x, self.channel) if np.ndim(self.x) >= 3 else None
        flat = np.asarray(self.x, np.float64).reshape(len(self.x), -1)
        self._images = images
        self._curves = images is None and flat.shape[1] >= 4
        values = images if images is not None else flat
        finite = values[np.isfinite(values)]
        self._range = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        self._pictures: dict[int, Any] = {}          # sample -> PNG bytes or SVG text (the inputs are fixed)
        self.items, self.item_pictures, self.item_captions = [], [], []
        for _ in range(self.gallery):
            if images is not None:
                picture = ipywidgets.Image(format="png", layout=ipywidgets.Layout(width=f"{THUMB}px", height=f"{THUMB}px"))
                picture.add_class("jaxscope-pixelated")
            else:
                picture = ipywidgets.HTML()
            caption = ipywidgets.HTML(layout=ipywidgets.Layout(width="max-content"))
            caption.add_class("jaxscope-caption")
            item = ipywidgets.VBox([picture, caption], layout=ipywidgets.Layout(display="none", align_items="center"))
            item.add_class("jaxscope-gallery-item")
            self.items.append(item)
            self.item_pictures.append(picture)
            self.item_captions.append(caption)
        self.gallery_box = ipywidgets.GridBox(self.items, layout=ipywidgets.Layout(
            grid_template_columns="repeat(6, max-content)", grid_gap="6px 10px"))
        self.gallery_box.add_class("jaxscope-confusion-gallery")

    # ---- computing ------------------------------------------------------------------------------
    def compute(self, model_or_params: Any) -> dict:
        """``probabilities`` (N, K), ``predicted`` (N,), ``counts`` (K, K) (rows: true classes) and ``accuracy``."""
        probabilities = class_probabilities(self.network.predict(model_or_params, self.x), self.output)
        if probabilities.shape[1] != self.classes:
            raise ValueError(f"ConfusionMatrix: the network now gives {probabilities.shape[1]} classes, not {self.classes}")
        predicted = predicted_classes(probabilities)
        counts = confusion_counts(self.true, predicted, self.classes)
        return {"probabilities": probabilities, "predicted": predicted, "counts": counts,
                "accuracy": float(np.trace(counts)) / len(self.true)}

    # ---- drawing --------------------------------------------------------------------------------
    def heading_text(self, data: dict) -> str:
        n, correct = len(self.true), int(np.trace(data["counts"]))
        where = f"{self.sample_set} ({n} samples)" if self.sample_set else f"{n} samples"
        return (f"<b>{html.escape(self.title)}</b> · {where} · accuracy {100.0 * correct / n:.1f} % "
                f"({correct} / {n})")

    def draw(self, data: dict) -> None:
        self._data = data
        counts = data["counts"]
        totals = counts.sum(axis=1)
        for row, buttons in enumerate(self.cells):
            for column, button in enumerate(buttons):
                look = (str(int(counts[row, column])), cell_colour(counts[row, column], totals[row], row == column))
                if self._drawn_cells.get((row, column)) != look:
                    button.description, button.style.button_color = look
                    self._drawn_cells[(row, column)] = look
        self.heading.value = self.heading_text(data)
        if not self.pinned:
            self._mark(largest_confusion(counts))
        self._show_cell()

    def select(self, true: int | None, predicted: int | None = None) -> None:
        """Show the samples of the cell (true class, predicted class) below the matrix (what a click
        on it does); ``select(None)``: back to the largest off-diagonal cell."""
        with SEND_LOCK:
            if true is None:
                self.pinned = False
                cell = None if self._data is None else largest_confusion(self._data["counts"])
            else:
                k = self.classes
                if not all(isinstance(v, (int, np.integer)) and 0 <= v < k for v in (true, predicted)):
                    raise ValueError(f"select takes two class indices from 0 to {k - 1}; got {true!r}, {predicted!r}")
                self.pinned, cell = True, (int(true), int(predicted))
            self._mark(cell)
            self._show_cell()

    def _on_click(self, cell: tuple[int, int]) -> None:
        self.select(*cell)

    def _mark(self, cell: tuple[int, int] | None) -> None:
        """Outline the shown cell."""
        if cell == self.cell:
            return
        if self.cell is not None:
            old = self.cells[self.cell[0]][self.cell[1]]
            old.remove_class("jaxscope-selected")
            old.layout.border = UNSELECTED
        if cell is not None:
            new = self.cells[cell[0]][cell[1]]
            new.add_class("jaxscope-selected")
            new.layout.border = SELECTED
        self.cell = cell

    def _show_cell(self) -> None:
        if self._data is None:
            return
        if self.cell is None:
            members: list[int] = []
            self.selection_label.value = NO_CELL
        else:
            members = cell_samples(self.true, self._data["predicted"], self.cell).tolist()
            true, predicted = (self.class_names[c] for c in self.cell)
            n = len(members)
            self.selection_label.value = html.escape(
                f"true {true} · predicted {predicted}: {n} sample{'' if n == 1 else 's'}"
                + (f" · showing the first {self.gallery}" if n > self.gallery else ""))
        self.shown = members[:self.gallery]
        for k, item in enumerate(self.items):
            if k >= len(self.shown):
                item.layout.display = "none"
                continue
            index = self.shown[k]
            picture = self._picture(index)
            target = self.item_pictures[k]
            if target.value != picture:
                target.value = picture
            self.item_captions[k].value = self.caption(index)
            item.layout.display = None

    def caption(self, index: int) -> str:
        """A gallery caption: the sample's index and the probability of its predicted class (and of
        its true class when they differ)."""
        probabilities, predicted = self._data["probabilities"][index], int(self._data["predicted"][index])
        true = int(self.true[index])
        text = f"#{index}<br>p({html.escape(self.class_names[predicted])}) {probabilities[predicted]:.2f}"
        if true != predicted:
            text += f" · p({html.escape(self.class_names[true])}) {probabilities[true]:.2f}"
        return text

    def _picture(self, index: int) -> Any:
        if index not in self._pictures:
            if self._images is not None:
                self._pictures[index] = to_png(self._images[index], *self._range, min_size=THUMB)
            else:
                values = np.asarray(self.x[index], np.float64).ravel()
                self._pictures[index] = (curve_svg(values, *self._range) if self._curves else
                                         html.escape(np.array2string(values, precision=3)))
        return self._pictures[index]

    def _owned(self) -> list:
        made = [*getattr(self, "items", []), *getattr(self, "item_pictures", []), *getattr(self, "item_captions", [])]
        if hasattr(self, "matrix"):
            made += [*self.matrix.children, self.matrix, self.gallery_box, self.selection_label, self.heading]
        return made
