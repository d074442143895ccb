"""``Picture``: a PNG drawn by a bqplot ``Image`` mark and replaced live (LatentGrid, DensityView,
AttentionView). The mark re-reads its picture only when handed another ``ipywidgets.Image`` (a new
value of the same widget never reaches the page), so each new picture is a new widget; the one before
is closed a draw later, once the page has let go of it.

>>> import bqplot
>>> picture = Picture(scales={"x": bqplot.LinearScale(), "y": bqplot.LinearScale()})
>>> picture.show(b"first"); first = picture.image
>>> picture.show(b"second"); (picture.image is first, picture.mark.image is picture.image, picture.retired is first)
(False, True, True)
"""

from __future__ import annotations

from typing import Any

import bqplot
import ipywidgets


class Picture:
    """``image``: the picture shown now (an ``ipywidgets.Image``, drawn by the mark as an SVG
    ``<image>``, not a DOM widget); ``mark``: the bqplot ``Image`` mark made with ``mark_options``."""

    def __init__(self, **mark_options: Any) -> None:
        self.image = ipywidgets.Image(format="png")
        self.retired: ipywidgets.Image | None = None
        self.mark = bqplot.Image(image=self.image, **mark_options)

    def show(self, png: bytes) -> None:
        """Draw ``png`` (nothing is sent when it is the picture shown already)."""
        if self.image.value == png:
            return
        if not self.image.value:        # the first picture: the mark shows this widget already
            self.image.value = png
            return
        if self.retired is not None:
            self.retired.close()
        self.retired, self.image = self.image, ipywidgets.Image(value=png, format="png")
        self.mark.image = self.image

    def widgets(self) -> list:
        """The widgets it made (closed with its view)."""
        return [w for w in (self.mark, self.image, self.retired) if w is not None]
