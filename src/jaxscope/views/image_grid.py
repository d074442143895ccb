"""``ImageGrid``: rows of images for a fixed set of samples, live.

Three layouts (``mode=``, chosen from the outputs when not given):

- ``"image-to-image"`` (outputs and targets are images with as many values per sample, e.g.
  denoising, super-resolution): input / [baseline] / output / target / |error| per row, each row
  captioned with its PSNR (or MSE), the heading giving the mean of the network against the baseline;
- ``"triplet"`` (image outputs without image targets to compare with): input / target / output;
- ``"parameters"`` (image-to-parameters networks, lesson 3's force-sweep images -> ω0, γ, ε): each
  row's caption gives the true and the predicted values.

>>> import jax.numpy as jnp, numpy as np
>>> x = np.arange(2 * 4 * 4, dtype=np.float32).reshape(2, 4, 4)
>>> grid = ImageGrid(params={}, apply=lambda p, x: x.mean(axis=(1, 2))[:, None], data=(x, np.array([7.5, 23.5])))
>>> grid.compute(grid.network.current())["outputs"].ravel().tolist()
[7.5, 23.5]
>>> grid.captions[0].value
'true 7.5 · predicted 7.5'
>>> clean = np.ones((2, 6, 6), np.float32)
>>> denoise = ImageGrid(params={}, apply=lambda p, x: 0.9 * x, data=(clean, clean), samples=2)
>>> denoise.mode, denoise.captions[0].value, denoise.heading.value
('image-to-image', 'PSNR 20.0 dB', '<b>inputs, targets and outputs</b> · PSNR 20.0 dB')
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import ipywidgets
import numpy as np

from .base import View
from .images import image_batch
from .png import to_png
from .samples import view_samples

CELL = "112px"
MODES = ("image-to-image", "triplet", "parameters")
METRICS = ("psnr", "mse")


def _image(values: np.ndarray, lo: float | None = None, hi: float | None = None) -> ipywidgets.Image:
    image = ipywidgets.Image(value=to_png(values, lo, hi, min_size=112), format="png",
                             layout=ipywidgets.Layout(width=CELL, height=CELL))
    image.add_class("jaxscope-pixelated")
    return image


# ---- image metrics (pure) ------------------------------------------------------------------------
def image_mse(outputs: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Mean squared error of each sample over all its pixels (and channels), shape (N,).

    >>> image_mse(np.zeros((2, 2, 2)), np.array([[[0.0, 0.0], [0.0, 2.0]], [[1.0, 1.0], [1.0, 1.0]]])).tolist()
    [1.0, 1.0]
    """
    difference = np.asarray(outputs, np.float64) - np.asarray(targets, np.float64)
    return np.mean(difference.reshape(len(difference), -1) ** 2, axis=1)


def image_psnr(outputs: np.ndarray, targets: np.ndarray, peak: float) -> np.ndarray:
    """Peak signal-to-noise ratio of each sample in dB, 10 log10(peak² / MSE), shape (N,) (inf for a
    perfect image). ``peak``: the largest value a clean image can take (1 for images scaled to a
    maximum of 1, 255 for 8-bit images); +3 dB halves the squared error.

    >>> image_psnr(np.full((1, 2, 2), 0.1), np.zeros((1, 2, 2)), 1.0).round(6).tolist()
    [20.0]
    """
    mse = image_mse(outputs, targets)
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(float(peak) ** 2 / mse)


def default_peak(targets: np.ndarray) -> float:
    """PSNR's peak from the targets' range: their maximum when none is negative (the range from 0:
    1 for images scaled to a maximum of 1, 255 for 8-bit ones), else maximum - minimum (1 when that
    range is empty).

    >>> default_peak(np.array([0.2, 1.0])), default_peak(np.array([-1.0, 0.5]))
    (1.0, 1.5)
    """
    values = np.asarray(targets, np.float64)
    values = values[np.isfinite(values)]
    if not values.size:
        return 1.0
    lo, hi = float(values.min()), float(values.max())
    peak = hi if lo >= 0 else hi - lo
    return peak if peak > 0 else 1.0


def metric_text(metric: str, value: float) -> str:
    """One value of the metric as shown: ``"PSNR 27.3 dB"`` or ``"MSE 0.00123"``.

    >>> metric_text("psnr", 27.34), metric_text("psnr", float("inf")), metric_text("mse", 0.0012345)
    ('PSNR 27.3 dB', 'PSNR ∞ dB', 'MSE 0.00123')
    """
    return f"{metric.upper()} {value_text(metric, value)}"


def value_text(metric: str, value: float) -> str:
    """A value of the metric without its name.

    >>> value_text("psnr", 27.34), value_text("mse", 0.0012345)
    ('27.3 dB', '0.00123')
    """
    return f"{_db(value)} dB" if metric == "psnr" else f"{value:.3g}"


def _db(value: float) -> str:
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return f"{value:.1f}"


def summary_text(metric: str, model: float, baseline: float | None = None, name: str = "baseline") -> str:
    """The heading's comparison of the mean metric of the network with the baseline's.

    >>> summary_text("psnr", 27.34, 23.93, "bicubic")
    'PSNR 27.3 dB · bicubic 23.9 dB · +3.4 dB'
    >>> summary_text("mse", 0.001, 0.004, "bicubic")
    'MSE 0.001 · bicubic 0.004 · 0.25×'
    """
    text = metric_text(metric, model)
    if baseline is None:
        return text
    if metric == "psnr":
        gain = model - baseline
        return f"{text} · {name} {value_text(metric, baseline)}" + (f" · {gain:+.1f} dB" if math.isfinite(gain) else "")
    return f"{text} · {name} {value_text(metric, baseline)}" + (f" · {model / baseline:.2f}×" if baseline > 0 else "")


def _same_images(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two batches are images with as many values per sample and the same displayed size."""
    if a.ndim < 3 or b.ndim < 3 or len(a) != len(b) or a[0].size != b[0].size:
        return False
    shown_a, shown_b = image_batch(a, 0), image_batch(b, 0)
    return shown_a is not None and shown_b is not None and shown_a.shape == shown_b.shape


class ImageGrid(View):
    """``samples`` rows of the fixed validation (else training) samples.

    Args:
      data: (x, y) arrays or a generator instead of the trainer's samples.
      names: names of the predicted parameters (image-to-parameters), e.g. ``("ω0", "γ", "ε")``.
      channel: which input channel to show (e.g. 0 for |z| of the Duffing images).
      mode: ``"image-to-image"``, ``"triplet"`` or ``"parameters"`` (see the module); None: image-to-image
        when outputs and targets are images of the same shape, triplet for other image outputs,
        parameters otherwise.
      metric: the per-image score of image-to-image rows: ``"psnr"`` (dB, higher is better) or ``"mse"``.
      peak: PSNR's peak value; default from the fixed targets (:func:`default_peak`).
      baseline: ``baseline(x) -> images``, called once on the batch of fixed inputs (e.g. bicubic
        upsampling of low-resolution inputs); drawn as a column with its own metric, compared in the heading.
      baseline_name: the baseline's name in the header and the heading.

    Inputs of another size than the targets (super-resolution's low-resolution images) are shown
    with their own pixels, scaled up to the cell.
    """

    def __init__(self, trainer: Any = None, *, data: Any = None, samples: int = 4, names: Sequence[str] | None = None,
                 channel: int = 0, title: str = "inputs, targets and outputs", mode: str | None = None,
                 metric: str = "psnr", peak: float | None = None, baseline: Callable | None = None,
                 baseline_name: str = "bicubic", **options: Any) -> None:
        if isinstance(samples, bool) or not isinstance(samples, int) or not 1 <= samples <= 16:
            raise ValueError(f"samples must be an integer from 1 to 16; got {samples!r}")
        if mode is not None and mode not in MODES:
            raise ValueError(f"mode must be one of {MODES} or None (chosen from the outputs); got {mode!r}")
        if metric not in METRICS:
            raise ValueError(f"metric must be one of {METRICS}; got {metric!r}")
        if peak is not None and (isinstance(peak, bool) or not isinstance(peak, (int, float))
                                 or not (math.isfinite(peak) and peak > 0)):
            raise ValueError(f"peak must be a finite number > 0 (the largest value of a clean image); got {peak!r}")
        if baseline is not None and not callable(baseline):
            raise ValueError(f"baseline must be a function baseline(x) -> images; got {type(baseline).__name__}")
        self.count, self.channel, self.title = samples, channel, title
        self.names = None if names is None else [str(n) for n in names]
        self.metric, self.baseline, self.baseline_name = metric, baseline, str(baseline_name)
        self._mode, self._peak = mode, peak
        self._data = data
        super().__init__(trainer, **options)

    # ---- set-up ---------------------------------------------------------------------------------
    def _setup(self) -> None:
        trainer = self.network.trainer
        self.x, self.y = view_samples(trainer, self._data, self.count, "ImageGrid")
        inputs = image_batch(self.x, self.channel)
        if inputs is None:
            raise ValueError(f"ImageGrid shows image inputs (N, H, W), (N, C, H, W) or (N, H, W, C); got {self.x.shape}")
        outputs = self._outputs(self.network.current())
        self.mode = self._choose_mode(outputs)
        self.image_output = self.mode != "parameters"
        self.output_images, self.captions = [], []
        if self.mode == "image-to-image":
            self._setup_compared(inputs)
        else:
            self._setup_plain(inputs, outputs)

    def _choose_mode(self, outputs: np.ndarray) -> str:
        compared = _same_images(outputs, self.y)
        mode = self._mode or ("image-to-image" if compared else "triplet" if outputs.ndim >= 3 else "parameters")
        if mode == "image-to-image" and not compared:
            raise ValueError("ImageGrid(mode='image-to-image') compares output images with target images of the same "
                             f"shape; got outputs of shape {outputs.shape} and targets of shape {self.y.shape}")
        if mode == "triplet" and outputs.ndim < 3:
            raise ValueError(f"ImageGrid(mode='triplet') shows image outputs; got outputs of shape {outputs.shape}")
        if mode != "image-to-image" and (self.baseline is not None or self._peak is not None):
            given = "baseline=" if self.baseline is not None else "peak="
            raise ValueError(f"ImageGrid: {given} is for image-to-image grids (outputs and targets images of the same "
                             f"shape); got outputs of shape {outputs.shape} and targets of shape {self.y.shape}")
        return mode

    def _setup_plain(self, inputs: np.ndarray, first: np.ndarray) -> None:
        """The triplet (input / target / output) and the parameters (input / caption) layouts."""
        targets = image_batch(self.y, 0) if self.y.ndim >= 3 else None
        header = ["input", "target", "output"] if self.image_output else ["input", ""]
        cells: list = [ipywidgets.HTML(f"<b>{h}</b>") for h in header]
        lo, hi = (float(np.min(targets)), float(np.max(targets))) if targets is not None else (None, None)
        for k in range(len(self.x)):
            cells.append(_image(inputs[k]))
            if self.image_output:
                cells.append(_image(targets[k]) if targets is not None else ipywidgets.HTML(""))
                out = _image(image_batch(first, 0)[k], lo, hi)
                self.output_images.append(out)
                cells.append(out)
            else:
                cells.append(self._new_caption())
        self._lohi = (lo, hi)
        columns = " ".join([CELL] * (3 if self.image_output else 1) + ([] if self.image_output else ["auto"]))
        self.grid = self._grid(cells, columns)
        self.heading = ipywidgets.HTML(f"<b>{self.title}</b>")
        self.children = [self.heading, self.grid]
        self.draw({"outputs": first})

    def _setup_compared(self, inputs: np.ndarray) -> None:
        """input / [baseline] / output / target / |error| / metric caption per row."""
        targets = image_batch(self.y, 0)
        self.peak = float(self._peak) if self._peak is not None else default_peak(self.y)
        lo, hi = float(np.min(targets)), float(np.max(targets))
        self._lohi = (lo, hi)
        self.baseline_images = self.baseline_metric = None
        if self.baseline is not None:
            made = np.asarray(self.baseline(self.x), dtype=np.float64)
            if not _same_images(made, self.y):
                raise ValueError(f"ImageGrid: baseline(x) gives images of shape {made.shape} for targets of shape "
                                 f"{self.y.shape}; it must give one image like the target per sample")
            made = made.reshape(self.y.shape)
            self.baseline_metric = self._metric(made)
            self.baseline_images = image_batch(made, 0)
        first = self.compute(self.network.current())
        header = ["input", *([self.baseline_name] if self.baseline is not None else []), "output", "target", "|error|", ""]
        cells: list = [ipywidgets.HTML(f"<b>{h}</b>") for h in header]
        self.error_images = []
        for k in range(len(self.x)):
            cells.append(_image(inputs[k]))
            if self.baseline_images is not None:
                cells.append(_image(self.baseline_images[k], lo, hi))
            out = _image(image_batch(first["outputs"], 0)[k], lo, hi)
            self.output_images.append(out)
            error = _image(first["error"][k], 0.0, first["error_max"])
            self.error_images.append(error)
            cells += [out, _image(targets[k], lo, hi), error, self._new_caption()]
        self.grid = self._grid(cells, " ".join([CELL] * (len(header) - 1) + ["auto"]))
        self.heading = ipywidgets.HTML()
        bar = ipywidgets.Image(value=to_png(np.tile(np.linspace(0.0, 1.0, 128), (8, 1))), format="png",
                               layout=ipywidgets.Layout(width="128px", height="8px"))
        self.error_scale = ipywidgets.HTML()
        scale = ipywidgets.HBox([ipywidgets.HTML("|error| 0"), bar, self.error_scale],
                                layout=ipywidgets.Layout(align_items="center", grid_gap="6px"))
        scale.add_class("jaxscope-error-scale")
        self.children = [self.heading, self.grid, scale]
        self.draw(first)

    def _new_caption(self) -> ipywidgets.HTML:
        caption = ipywidgets.HTML(layout=ipywidgets.Layout(width="max-content"))
        caption.add_class("jaxscope-caption")
        self.captions.append(caption)
        return caption

    @staticmethod
    def _grid(cells: list, columns: str) -> ipywidgets.GridBox:
        return ipywidgets.GridBox(cells, layout=ipywidgets.Layout(grid_template_columns=columns,
                                                                  grid_gap="4px 8px", align_items="center"))

    # ---- computing ------------------------------------------------------------------------------
    def _outputs(self, model_or_params: Any) -> np.ndarray:
        out = self.network.predict(model_or_params, self.x)
        return out if out.ndim >= 3 else out.reshape(len(self.x), -1)

    def _metric(self, images: np.ndarray) -> np.ndarray:
        if self.metric == "psnr":
            return image_psnr(images, self.y, self.peak)
        return image_mse(images, self.y)

    def compute(self, model_or_params: Any) -> dict:
        """``outputs``; for image-to-image also ``metric`` (per sample), ``mean``, ``error`` (|output -
        target| of the shown channel, (N, H, W)) and ``error_max``."""
        out = self._outputs(model_or_params)
        if getattr(self, "mode", None) != "image-to-image":
            return {"outputs": out}
        out = out.reshape(self.y.shape)
        metric = self._metric(out)
        error = np.abs(image_batch(out, 0) - image_batch(np.asarray(self.y, np.float64), 0))
        finite = error[np.isfinite(error)]
        return {"outputs": out, "metric": metric, "mean": float(np.mean(metric)), "error": error,
                "error_max": float(finite.max()) if finite.size and finite.max() > 0 else 1.0}

    # ---- drawing --------------------------------------------------------------------------------
    def _caption(self, true: np.ndarray, pred: np.ndarray) -> str:
        true, pred = np.ravel(true), np.ravel(pred)
        names = self.names or ([""] if len(true) == 1 else [f"y{k}" for k in range(len(true))])
        if len(names) != len(true):
            raise ValueError(f"names has {len(names)} entries for {len(true)} target value(s)")
        if len(pred) != len(true):
            raise ValueError(f"ImageGrid: {len(pred)} output(s) per sample for {len(true)} target value(s)")
        lines = [f"{n + ' ' if n else ''}true {t:.4g} · predicted {p:.4g}" for n, t, p in zip(names, true, pred)]
        return "<br>".join(lines)

    def heading_text(self, data: dict) -> str:
        """The heading of an image-to-image grid: the title and the mean metric against the baseline's."""
        baseline = None if self.baseline_metric is None else float(np.mean(self.baseline_metric))
        return f"<b>{self.title}</b> · {summary_text(self.metric, data['mean'], baseline, self.baseline_name)}"

    def draw(self, data: dict) -> None:
        out = data["outputs"]
        if self.mode == "image-to-image":
            self._draw_compared(data)
        elif self.image_output:
            images = image_batch(out, 0)
            for k, widget in enumerate(self.output_images):
                widget.value = to_png(images[k], *self._lohi, min_size=112)
        else:
            for k, caption in enumerate(self.captions):
                caption.value = self._caption(self.y[k], out[k])

    def _draw_compared(self, data: dict) -> None:
        images = image_batch(data["outputs"], 0)
        for k, (output, error, caption) in enumerate(zip(self.output_images, self.error_images, self.captions)):
            output.value = to_png(images[k], *self._lohi, min_size=112)
            error.value = to_png(data["error"][k], 0.0, data["error_max"], min_size=112)
            text = metric_text(self.metric, data["metric"][k])
            if self.baseline_metric is not None:
                text += f"<br>{self.baseline_name} {value_text(self.metric, self.baseline_metric[k])}"
            caption.value = text
        self.heading.value = self.heading_text(data)
        self.error_scale.value = f"{data['error_max']:.3g}"
