"""``ImageGrid``: rows of input / target / output images for a fixed set of samples, live.

For image-to-image networks (denoising, segmentation) the output is an image; for
image-to-parameters networks (lesson 3's force-sweep images -> ω0, γ, ε) each row's caption gives
the true and the predicted values.

>>> import jax.numpy as jnp, numpy as np
>>> x = np.arange(2 * 4 * 4, dtype=np.float32).reshape(2, 4, 4)
>>> grid = ImageGrid(params={}, apply=lambda p, x: x.mean(axis=(1, 2))[:, None], data=(x, np.array([7.5, 23.5])))
>>> grid.compute(grid.network.current())["outputs"].ravel().tolist()
[7.5, 23.5]
>>> grid.captions[0].value
'true 7.5 · predicted 7.5'
"""

from __future__ import annotations

from typing import Any, Sequence

import ipywidgets
import numpy as np

from .base import View
from .images import image_batch
from .png import to_png
from .samples import view_samples

CELL = "112px"


def _image(values: np.ndarray, lo: float | None = None, hi: float | None = None) -> ipywidgets.Image:
    image = ipywidgets.Image(value=to_png(values, lo, hi, min_size=112), format="png",
                             layout=ipywidgets.Layout(width=CELL, height=CELL))
    image.add_class("jaxscope-pixelated")
    return image


class ImageGrid(View):
    """``samples`` rows of the fixed validation (else training) samples.

    Args:
      data: (x, y) arrays or a generator instead of the trainer's samples.
      names: names of the predicted parameters (image-to-parameters), e.g. ``("ω0", "γ", "ε")``.
      channel: which input channel to show (e.g. 0 for |z| of the Duffing images).
    """

    def __init__(self, trainer: Any = None, *, data: Any = None, samples: int = 4, names: Sequence[str] | None = None,
                 channel: int = 0, title: str = "inputs, targets and outputs", **options: Any) -> None:
        if isinstance(samples, bool) or not isinstance(samples, int) or not 1 <= samples <= 16:
            raise ValueError(f"samples must be an integer from 1 to 16; got {samples!r}")
        self.count, self.channel, self.title = samples, channel, title
        self.names = None if names is None else [str(n) for n in names]
        self._data = data
        super().__init__(trainer, **options)

    def _setup(self) -> None:
        trainer = self.network.trainer
        self.x, self.y = view_samples(trainer, self._data, self.count, "ImageGrid")
        inputs = image_batch(self.x, self.channel)
        if inputs is None:
            raise ValueError(f"ImageGrid shows image inputs (N, H, W), (N, C, H, W) or (N, H, W, C); got {self.x.shape}")
        targets = image_batch(self.y, 0) if self.y.ndim >= 3 else None
        first = self.compute(self.network.current())["outputs"]
        self.image_output = first.ndim >= 3
        header = ["input", "target", "output"] if self.image_output else ["input", ""]
        cells: list = [ipywidgets.HTML(f"<b>{h}</b>") for h in header]
        self.output_images, self.captions = [], []
        lo, hi = (float(np.min(targets)), float(np.max(targets))) if targets is not None else (None, None)
        for k in range(len(self.x)):
            cells.append(_image(inputs[k]))
            if self.image_output:
                cells.append(_image(targets[k]) if targets is not None else ipywidgets.HTML(""))
                out = _image(image_batch(first, 0)[k], lo, hi)
                self.output_images.append(out)
                cells.append(out)
            else:
                caption = ipywidgets.HTML(layout=ipywidgets.Layout(width="max-content"))
                caption.add_class("jaxscope-caption")
                self.captions.append(caption)
                cells.append(caption)
        self._lohi = (lo, hi)
        columns = " ".join([CELL] * (3 if self.image_output else 1) + ([] if self.image_output else ["auto"]))
        self.grid = ipywidgets.GridBox(cells, layout=ipywidgets.Layout(grid_template_columns=columns,
                                                                       grid_gap="4px 8px", align_items="center"))
        self.children = [ipywidgets.HTML(f"<b>{self.title}</b>"), self.grid]
        self.draw({"outputs": first})

    def compute(self, model_or_params: Any) -> dict:
        out = self.network.predict(model_or_params, self.x)
        if out.ndim < 3:
            out = out.reshape(len(self.x), -1)
        return {"outputs": out}

    def _caption(self, true: np.ndarray, pred: np.ndarray) -> str:
        true, pred = np.ravel(true), np.ravel(pred)
        names = self.names or ([""] if len(true) == 1 else [f"y{k}" for k in range(len(true))])
        if len(names) != len(true):
            raise ValueError(f"names has {len(names)} entries for {len(true)} target value(s)")
        if len(pred) != len(true):
            raise ValueError(f"ImageGrid: {len(pred)} output(s) per sample for {len(true)} target value(s)")
        lines = [f"{n + ' ' if n else ''}true {t:.4g} · predicted {p:.4g}" for n, t, p in zip(names, true, pred)]
        return "<br>".join(lines)

    def draw(self, data: dict) -> None:
        out = data["outputs"]
        if self.image_output:
            images = image_batch(out, 0)
            for k, widget in enumerate(self.output_images):
                widget.value = to_png(images[k], *self._lohi, min_size=112)
        else:
            for k, caption in enumerate(self.captions):
                caption.value = self._caption(self.y[k], out[k])
