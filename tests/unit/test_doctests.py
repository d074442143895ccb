"""The examples in module docstrings run and print what they say."""

import doctest
import importlib

import pytest

MODULES = [
    "jaxscope.datasets", "jaxscope.datasets.arguments", "jaxscope.datasets.chain", "jaxscope.datasets.duffing",
    "jaxscope.datasets.plane", "jaxscope.datasets.samples", "jaxscope.datasets.shapes", "jaxscope.datasets.traces",
    "jaxscope.inspect", "jaxscope.inspect.conv", "jaxscope.inspect.edit", "jaxscope.inspect.forward",
    "jaxscope.inspect.neuron_maps", "jaxscope.inspect.probe", "jaxscope.widgets.protocol",
    "jaxscope.views.network", "jaxscope.views.samples", "jaxscope.views.function_plot", "jaxscope.views.parity_plot",
    "jaxscope.views.output_map", "jaxscope.views.custom_view", "jaxscope.views.images", "jaxscope.views.png",
    "jaxscope.views.image_grid", "jaxscope.views.projection", "jaxscope.views.latent_scatter", "jaxscope.views.figures",
    "jaxscope.widgets.monitor", "jaxscope.training.checkpoint_dirs", "jaxscope.training.progress",
    "jaxscope.widgets.chart_png", "jaxscope.widgets.saved_output", "jaxscope.widgets.control_bar",
    "jaxscope.widgets.saved_state", "jaxscope.training.events", "jaxscope.training.commands", "jaxscope.training.samples",
    "jaxscope.training.data_info", "jaxscope.training.optimizer", "jaxscope.nnx_modules", "jaxscope.training.arguments",
    "jaxscope.inspect.jaxpr_graph", "jaxscope.inspect.activations", "jaxscope.inspect.traced",
    "jaxscope.inspect.structure", "jaxscope.inspect.from_apply", "jaxscope.inspect.from_nnx",
    "jaxscope.inspect.from_linen", "jaxscope.inspect.from_pytree", "jaxscope.inspect.nnx_input",
    "jaxscope.inspect.spec", "jaxscope.inspect.recurrent", "jaxscope.inspect.conv_taps", "jaxscope.inspect.tree", "jaxscope.inspect.chain", "jaxscope.inspect.dense",
    "jaxscope.training.data_kind", "jaxscope.training.host_batches", "jaxscope.training.disk_arrays",
    "jaxscope.training.linen_adapter", "jaxscope.training.train_state", "jaxscope.training.update_rule",
    "jaxscope.views.sequence_plot", "jaxscope.views.probe_panel", "jaxscope.views.activation_grid",
    "jaxscope.views.latent_grid", "jaxscope.views.confusion_matrix",
    "jaxscope.datasets.oscillators", "jaxscope.datasets.ising", "jaxscope.datasets.downsampled",
    "jaxscope.inspect.blocks", "jaxscope.inspect.block_stats",
    "jaxscope.datasets.maze", "jaxscope.views.grid_world", "jaxscope.views.grid_world_layout",
    "jaxscope.views.brushed_samples", "jaxscope.views.embedding_scatter",
    "jaxscope.datasets.springs", "jaxscope.views.graph_view", "jaxscope.views.graph_data",
    "jaxscope.views.graph_colours", "jaxscope.views.graph_layout",
    "jaxscope.datasets.recall", "jaxscope.views.attention_view", "jaxscope.views.attention_tiles",
    "jaxscope.datasets.densities", "jaxscope.views.density_view", "jaxscope.views.picture",
    "jaxscope.training.rewind", "jaxscope.widgets.scrubber", "jaxscope.training.history", "jaxscope.training.ensemble",
    "jaxscope.widgets.member_picker", "jaxscope.widgets.compare_legend", "jaxscope.training.sharding",
    "jaxscope.widgets.loss_chart", "jaxscope.training.turns",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
