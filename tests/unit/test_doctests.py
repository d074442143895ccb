"""The examples in module docstrings run and print what they say."""

import doctest
import importlib

import pytest

MODULES = [
    "jaxscope.datasets", "jaxscope.datasets.arguments", "jaxscope.datasets.chain", "jaxscope.datasets.duffing",
    "jaxscope.datasets.plane", "jaxscope.datasets.samples", "jaxscope.datasets.shapes", "jaxscope.datasets.traces",
    "jaxscope.inspect", "jaxscope.inspect.conv", "jaxscope.inspect.edit", "jaxscope.inspect.forward",
    "jaxscope.inspect.neuron_maps", "jaxscope.inspect.probe", "jaxscope.widgets.diagram_messages",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
