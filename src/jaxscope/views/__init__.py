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
  coordinates on the axes;
- ``GraphView``: a graph network's per-node / per-edge / per-graph predictions and vectors (forces) on a few fixed
  graphs, drawn as nodes and edges against the truth;
- ``EmbeddingScatter``: a 2-D embedding of samples (t-SNE, or any ``update=`` that moves points) coloured by label,
  live; brush to see the samples;
- ``AttentionView``: a transformer's attention weights, every head of every layer as a heatmap for a chosen test
  sequence, live; click a head to enlarge it with the tokens on its axes;
- ``DensityView``: a 2-D generative model live: the data, its samples, its log-density as a picture and, for
  diffusion models, the paths of a few samples through the reverse process (fixed key: samples move with the model);
- ``GridWorldView``: a grid world (walls, chests, start) with the policy as arrows and a few episodes sampled with
  the current policy replayed in the browser (play / pause, step, speed), each with its return, live.
"""

from .activation_grid import ActivationGrid
from .attention_view import AttentionView
from .base import View
from .confusion_matrix import ConfusionMatrix
from .custom_view import CustomView
from .density_view import DensityView
from .embedding_scatter import EmbeddingScatter
from .function_plot import FunctionPlot
from .graph_view import GraphView
from .grid_world import GridWorldView
from .image_grid import ImageGrid
from .latent_grid import LatentGrid
from .latent_scatter import LatentScatter
from .output_map import OutputMap2D
from .parity_plot import ParityPlot
from .probe_panel import ProbePanel
from .sequence_plot import SequencePlot

__all__ = ["ActivationGrid", "AttentionView", "ConfusionMatrix", "CustomView", "DensityView", "EmbeddingScatter",
           "FunctionPlot", "GraphView", "GridWorldView", "ImageGrid", "LatentGrid", "LatentScatter", "OutputMap2D",
           "ParityPlot", "ProbePanel", "SequencePlot", "View"]
