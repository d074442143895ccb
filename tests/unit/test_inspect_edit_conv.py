"""Edits by hand (one weight or bias, whatever the storage) and conv kernels as (O, I, KH, KW)."""

import flax.linen as linen
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from course_models import init_mlp
from jaxscope.inspect import architecture
from jaxscope.inspect.conv import conv_kernels
from jaxscope.inspect.edit import edited


def test_course_dict_weight_i_to_j_is_stored_at_row_j_column_i():
    params = init_mlp(jax.random.key(0), [2, 3, 1])
    new = edited(params, architecture(params), layer=0, param="weight", i=1, j=2, value=0.5)
    changed = np.asarray(new["weights"][0]) != np.asarray(params["weights"][0])
    assert float(new["weights"][0][2, 1]) == 0.5
    assert changed.sum() == 1 and changed[2, 1]
    assert isinstance(new["weights"][0], jax.Array) and new["weights"][0].dtype == jnp.float32
    new = edited(params, architecture(params), layer=1, param="bias", i=0, value=-2)
    assert float(new["biases"][1][0]) == -2.0
    assert float(params["biases"][1][0]) == 0.0  # the original is untouched


def test_list_of_pairs_and_linen_store_input_by_output():
    pairs = [[np.zeros((2, 4), np.float32), np.zeros(4, np.float32)], [np.zeros((4, 1), np.float32), np.zeros(1, np.float32)]]
    new = edited(pairs, architecture(pairs), layer=1, param="weight", i=3, j=0, value=1.5)
    assert new[1][0][3, 0] == 1.5 and new[1][0].dtype == np.float32

    class Linen(linen.Module):
        @linen.compact
        def __call__(self, x):
            return linen.Dense(1)(linen.Dense(3)(x))

    variables = Linen().init(jax.random.key(0), jnp.zeros((1, 2)))
    arch = architecture(variables, module=Linen(), input_shape=(2,))
    first = arch.layers[0].path.split(".")[-1]
    new = edited(variables, arch, layer=0, param="weight", i=1, j=2, value=0.25)
    assert float(new["params"][first]["kernel"][1, 2]) == 0.25


def test_an_nnx_state_is_edited_through_its_own_paths():
    class Net(nnx.Module):
        def __init__(self, rngs):
            self.layers = nnx.List([nnx.Linear(2, 3, rngs=rngs), nnx.Linear(3, 1, rngs=rngs)])

        def __call__(self, x):
            return self.layers[1](jnp.tanh(self.layers[0](x)))

    model = Net(nnx.Rngs(0))
    arch = architecture(model, input_shape=(2,))
    state = nnx.state(model, nnx.Param)
    new = edited(state, arch, layer=1, param="weight", i=2, j=0, value=0.75)
    nnx.update(model, new)
    assert float(model.layers[1].kernel[2, 0]) == 0.75


@pytest.mark.parametrize("edit, message", [
    (dict(layer=5, param="weight", i=0, j=0, value=1.0), r"layer must be the index of a dense layer \[0, 1\]; got 5"),
    (dict(layer=0, param="kernel", i=0, j=0, value=1.0), "param must be 'weight' or 'bias'; got 'kernel'"),
    (dict(layer=0, param="weight", i=2, j=0, value=1.0), r"i, j must index input neuron 0..1 and output neuron 0..2; got 2, 0"),
    (dict(layer=0, param="bias", i=3, value=1.0), r"i must index output neuron 0..2; got 3"),
    (dict(layer=0, param="bias", i=0, value=float("inf")), "value must be a finite number; got inf"),
    (dict(layer=0, param="bias", i=0, value="1"), "value must be a finite number; got '1'"),
])
def test_bad_edits_name_what_was_expected(edit, message):
    params = init_mlp(jax.random.key(0), [2, 3, 1])
    with pytest.raises(ValueError, match=message):
        edited(params, architecture(params), **edit)


def test_course_conv_kernels_are_already_oihw():
    kernels = [np.arange(4 * 1 * 3 * 3, dtype=np.float32).reshape(4, 1, 3, 3), np.ones((2, 4, 3, 3), np.float32)]
    params = {"conv_kernels": kernels, "conv_biases": [np.arange(4.0), np.zeros(2)],
              "dense": {"weights": [np.zeros((3, 2))], "biases": [np.zeros(3)]}}
    arch = architecture(params, input_shape=(1, 7, 7))
    found = conv_kernels(params, arch)
    assert [(k, w.shape, b.tolist()) for k, w, b in found][0] == (0, (4, 1, 3, 3), [0, 1, 2, 3])
    np.testing.assert_array_equal(found[0][1], kernels[0])
    assert [k for k, _, _ in found] == [i for i, layer in enumerate(arch.layers) if layer.kind == "conv"]


def test_flax_hwio_kernels_are_transposed_to_oihw():
    class Conv(nnx.Module):
        def __init__(self, rngs):
            self.conv = nnx.Conv(3, 5, (2, 4), rngs=rngs)

        def __call__(self, x):
            return self.conv(x)

    model = Conv(nnx.Rngs(0))
    (k, kernel, bias), = conv_kernels(model, architecture(model, input_shape=(8, 8, 3)))
    hwio = np.asarray(model.conv.kernel)
    assert kernel.shape == (5, 3, 2, 4) and bias.shape == (5,)
    assert kernel[4, 2, 1, 3] == hwio[1, 3, 2, 4]
