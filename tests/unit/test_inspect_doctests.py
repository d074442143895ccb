"""The examples in the docstrings of the inspect modules and the optimizer run and print what they say
(test_doctests.py covers the rest of the package)."""

import doctest
import importlib

import pytest

MODULES = [
    "jaxscope.inspect.jaxpr_graph", "jaxscope.inspect.activations", "jaxscope.inspect.traced",
    "jaxscope.inspect.structure", "jaxscope.inspect.from_apply", "jaxscope.inspect.from_nnx",
    "jaxscope.inspect.from_linen", "jaxscope.inspect.from_pytree", "jaxscope.inspect.nnx_input",
    "jaxscope.inspect.spec", "jaxscope.inspect.tree", "jaxscope.inspect.chain", "jaxscope.inspect.dense",
    "jaxscope.training.optimizer",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
