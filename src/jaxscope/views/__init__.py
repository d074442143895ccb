"""Live views of what the network computes, built on bqplot: use them in a dashboard with
``trainer.show(views=[...])`` or on their own (``display(FunctionPlot(trainer, truth=f))``).

Each follows a Trainer's current parameters, redrawn at most twice a second while it trains
(``interval=``) and once more when it pauses or ends; without a trainer, ``params=`` and
``apply=`` give the network and ``view.update(params)`` redraws.

- ``FunctionPlot``: a 1-D network against the true function, training range shaded;
- ``ParityPlot``: predicted vs true per output with R², validation or training samples;
- ``OutputMap2D``: the output over the input plane, data points on top, target thumbnail;
- ``ImageGrid``: image-to-image rows input / [baseline] / output / target / |error| with PSNR or MSE per row and the
  mean against the baseline in the heading; input / target / output; or true and predicted parameters as captions;
- ``ConfusionMatrix``: a classifier's true x predicted counts with the accuracy; click a cell to see its samples
  (by default the largest confusion) with their predicted probabilities;
- ``LatentScatter``: a layer's activations in 2-D (units or PCA); brush to see the samples;
- ``CustomView``: ``fn(params, step) -> (x, y)`` for anything else (the lesson-1 chain), or a 2-D array
  drawn as a heatmap (``mark="heatmap"``: weight matrices, Gibbs chains);
- ``SequencePlot``: input / target / prediction over time for a few fixed test sequences, MSE in the heading;
- ``ProbePanel``: a sequence model's response to presets or an input drawn with the mouse, live, with the
  superposition check (response to a + b against the sum of the responses);
- ``ActivationGrid``: the feature maps of a conv layer (or every conv layer) for one fixed input, a PNG tile per
  channel, shared or per-tile colour scale, live;
- ``LatentGrid``: a decoder's images over a grid of a 2-D latent space (autoencoders, VAEs), tiled, with the latent
  coordinates on the axes.
"""

from .activation_grid import ActivationGrid
from .base import View
from .confusion_matrix import ConfusionMatrix
from .custom_view import CustomView
from .function_plot import FunctionPlot
from .image_grid import ImageGrid
from .latent_grid import LatentGrid
from .latent_scatter import LatentScatter
from .output_map import OutputMap2D
from .parity_plot import ParityPlot
from .probe_panel import ProbePanel
from .sequence_plot import SequencePlot

__all__ = ["ActivationGrid", "ConfusionMatrix", "CustomView", "FunctionPlot", "ImageGrid", "LatentGrid", "LatentScatter", "OutputMap2D",
           "ParityPlot", "ProbePanel", "SequencePlot", "View"]
