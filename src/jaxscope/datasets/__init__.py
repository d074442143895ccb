"""Procedural, jitted, key-driven data for the course's lessons (nothing to download).

Every generator is a factory returning ``data(key) -> batch``, usable directly as a Trainer's
``data=`` or ``validation=`` (it runs inside the compiled training loop):

>>> import jax
>>> import jaxscope as scope
>>> x, y = scope.datasets.duffing_curves(batch_size=8)(jax.random.key(0))   # lesson 3
>>> x.shape, y.shape
((8, 50), (8, 3))

- ``duffing_curves`` / ``duffing_images`` / ``solve_duffing``: the driven Duffing oscillator (lesson 3);
- ``chain_energy`` / ``chain_loss`` / ``relaxed_chain``: the hanging chain (lesson 1);
- ``peak_traces`` / ``multi_peak_traces``: noisy 1-D traces, Lorentzian vs Gaussian, number of peaks;
- ``circles_and_squares`` / ``random_circles``: small images to classify or to denoise;
- ``plane_points`` / ``plane_target``: the 2-D playground sets (and, xor, disk, ring, spiral, two_gaussians);
- ``fixed_sample``: a fixed set of n samples from any generator (the "64 measured samples" lesson);
- ``coupled_oscillators`` / ``solve_oscillators`` / ``oscillator_energy`` / ``oscillator_parameters``: watch the
  heavy particle, predict a light one (the recurrent-network lecture);
- ``ising_configurations`` / ``metropolis`` / ``ising_energy`` / ``magnetisation`` / ``T_CRITICAL``: 2-D Ising
  configurations from a checkerboard Metropolis sampler, labelled ordered (T < T_c) or not;
- ``downsampled_images`` / ``noisy_images`` / ``downsample`` / ``bicubic_upsample`` / ``psnr``: super-resolution
  and denoising pairs (force-sweep images by default), the bicubic baseline and its score;
- ``spring_networks`` / ``spring_energy`` / ``spring_forces`` / ``spring_tension``: random 2-D spring networks of
  5-20 nodes, padded with masks, with their elastic energy and the force on each node (graph networks);
- ``recall_sequences``: random tokens with a marker; recall the value that followed it many tokens earlier
  (transformers and long dependencies);
- ``two_moons`` / ``ring_of_gaussians`` / ``checkerboard`` and their ``*_log_density``: 2-D densities to generate
  (normalizing flows, diffusion), with their exact log-densities;
- ``maze``: the reinforcement-learning lecture's maze (walls, chests +10, -1 per bump), pure-jax ``reset`` / ``step``
  to vmap and scan, and the exact best possible return.
"""

from .chain import chain_energy, chain_loss, relaxed_chain
from .densities import (checkerboard, checkerboard_log_density, ring_of_gaussians, ring_of_gaussians_log_density,
                        two_moons, two_moons_log_density)
from .downsampled import bicubic_upsample, downsample, downsampled_images, noisy_images, psnr
from .duffing import duffing_curves, duffing_images, solve_duffing
from .ising import T_CRITICAL, ising_configurations, ising_energy, magnetisation, metropolis
from .maze import maze
from .oscillators import coupled_oscillators, oscillator_energy, oscillator_parameters, solve_oscillators
from .plane import TARGETS, plane_points, plane_target
from .recall import recall_sequences
from .samples import fixed_sample
from .shapes import circles_and_squares, disk_image, random_circles, square_image
from .springs import spring_energy, spring_forces, spring_networks, spring_tension
from .traces import gaussian, lorentzian, multi_peak_traces, peak_traces

__all__ = [
    "TARGETS", "T_CRITICAL", "bicubic_upsample", "chain_energy", "chain_loss", "checkerboard",
    "checkerboard_log_density", "circles_and_squares", "coupled_oscillators", "disk_image", "downsample",
    "downsampled_images", "duffing_curves", "duffing_images", "fixed_sample", "gaussian", "ising_configurations",
    "ising_energy", "lorentzian", "magnetisation", "maze", "metropolis", "multi_peak_traces", "noisy_images",
    "oscillator_energy", "oscillator_parameters", "peak_traces", "plane_points", "plane_target", "psnr",
    "random_circles", "recall_sequences", "relaxed_chain", "ring_of_gaussians", "ring_of_gaussians_log_density",
    "solve_duffing", "solve_oscillators", "spring_energy", "spring_forces", "spring_networks", "spring_tension",
    "square_image", "two_moons", "two_moons_log_density",
]
