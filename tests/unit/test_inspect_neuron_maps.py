"""Neuron maps: each dense layer's activations over an input grid, read from the user's own forward
function (any layout, activation or batching), compared with a direct numpy computation."""

import flax.linen as linen
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from course_models import init_mlp, mlp_batch
from jaxscope.inspect import architecture
from jaxscope.inspect.forward import Forward
from jaxscope.inspect.neuron_maps import NeuronMaps, check_range, input_grid


def numpy_mlp(x, weights, biases, hidden, out=lambda z: z):
    """Columns of an (n_in, n_out)-kernel MLP: the input, each hidden layer, the output."""
    columns = [x]
    for k, (w, b) in enumerate(zip(weights, biases)):
        z = columns[-1] @ np.asarray(w, np.float64) + np.asarray(b, np.float64)
        columns.append(hidden(z) if k < len(weights) - 1 else out(z))
    return columns


def maps_of(model, input_range=None, points=None, **forward):
    spec = architecture(model, input_shape=(model_input(model),)) if isinstance(model, nnx.Module) else architecture(model)
    return NeuronMaps(spec, Forward(model, **forward), model, input_range=input_range, points=points)


def model_input(module):
    return next(layer for layer in vars(module).values() if isinstance(layer, nnx.Linear)).in_features


def test_a_two_d_grid_runs_left_to_right_then_top_to_bottom_from_the_largest_y():
    x = input_grid([(-1.0, 1.0), (0.0, 4.0)], 3)
    assert x.tolist() == [[-1, 4], [0, 4], [1, 4], [-1, 2], [0, 2], [1, 2], [-1, 0], [0, 0], [1, 0]]
    assert input_grid([(0.0, 1.0)], 5)[:, 0].tolist() == [0, 0.25, 0.5, 0.75, 1]


def test_course_dict_params_through_the_vmapped_single_sample_forward():
    params = init_mlp(jax.random.key(0), [2, 5, 4, 1])  # kernels stored (n_out, n_in), W @ x + b, tanh
    maps = maps_of(params, input_range=[(-2, 2), (-1, 3)], points=6, apply=lambda p, x: mlp_batch(x, p))
    grid, columns = maps(params)
    assert grid == {"shape": [6, 6], "range": [[-2.0, 2.0], [-1.0, 3.0]]}
    assert [(layer, values.shape) for layer, values in columns] == [(-1, (36, 2)), (0, (36, 5)), (1, (36, 4)), (2, (36, 1))]
    weights = [np.asarray(w).T for w in params["weights"]]
    expected = numpy_mlp(input_grid([(-2, 2), (-1, 3)], 6), weights, params["biases"], np.tanh)
    for (_, got), want in zip(columns, expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert all(values.dtype == np.dtype("<f4") for _, values in columns)


def test_list_of_pairs_with_relu_in_every_layer_and_a_one_d_input():
    keys = jax.random.split(jax.random.key(1), 2)
    params = [[jax.random.normal(keys[0], (1, 8)), jnp.full(8, 0.1)], [jax.random.normal(keys[1], (8, 2)), jnp.zeros(2)]]

    def forward(p, x):
        for w, b in p:
            x = jax.nn.relu(jnp.dot(x, w) + b)
        return x

    grid, columns = maps_of(params, input_range=(-3, 3), apply=forward)(params)
    assert grid == {"shape": [64], "range": [[-3.0, 3.0]]}
    relu = lambda z: np.maximum(z, 0)
    expected = numpy_mlp(input_grid([(-3, 3)], 64), [w for w, _ in params], [b for _, b in params], relu, relu)
    assert [values.shape for _, values in columns] == [(64, 1), (64, 8), (64, 2)]
    for (_, got), want in zip(columns, expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


class Net(nnx.Module):
    def __init__(self, rngs):
        self.hidden = nnx.Linear(2, 6, rngs=rngs)
        self.drop = nnx.Dropout(0.5, rngs=rngs)
        self.out = nnx.Linear(6, 1, rngs=rngs)

    def __call__(self, x):
        return nnx.sigmoid(self.out(self.drop(nnx.gelu(self.hidden(x)))))


def test_an_nnx_module_runs_itself_in_evaluation_mode_dropout_off():
    model = Net(nnx.Rngs(0))
    grid, columns = maps_of(model, points=5)(model)
    x = input_grid([(-1, 1), (-1, 1)], 5)
    hidden = np.asarray(nnx.gelu(model.hidden(x)))
    np.testing.assert_allclose(columns[1][1], hidden, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(columns[2][1], np.asarray(nnx.sigmoid(model.out(hidden))), rtol=1e-5, atol=1e-6)
    assert [layer for layer, _ in columns] == [-1, 0, 2]  # layer 1 is the dropout


def test_flax_linen_variables_run_through_their_module():
    class Linen(linen.Module):
        @linen.compact
        def __call__(self, x):
            hidden = jnp.tanh(linen.Dense(3)(x))
            return linen.Dense(1)(hidden)

    module = Linen()
    variables = module.init(jax.random.key(0), jnp.zeros((1, 2)))
    spec = architecture(variables, module=module, input_shape=(2,))
    maps = NeuronMaps(spec, Forward(variables, module=module), variables, points=4)
    _, columns = maps(variables)
    p = variables["params"]
    expected = numpy_mlp(input_grid([(-1, 1), (-1, 1)], 4), [p["Dense_0"]["kernel"], p["Dense_1"]["kernel"]],
                         [p["Dense_0"]["bias"], p["Dense_1"]["bias"]], np.tanh)
    for (_, got), want in zip(columns, expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("sizes, reason", [
    ([3, 4, 1], "thumbnails need a 1-D or 2-D input; this network takes 3"),
    ([2, 65, 1], "thumbnails are drawn for layers of at most 64 neurons"),
])
def test_networks_without_thumbnails_say_why(sizes, reason):
    params = init_mlp(jax.random.key(0), sizes)
    maps = maps_of(params, apply=lambda p, x: mlp_batch(x, p))
    assert (maps.available, maps.reason) == (False, reason)


def test_course_pytrees_need_their_forward_function():
    params = init_mlp(jax.random.key(0), [2, 3, 1])
    maps = maps_of(params)
    assert not maps.available
    assert "apply=lambda params, x" in maps.reason


def test_a_cnn_gets_no_thumbnails():
    params = {"conv_kernels": [np.zeros((4, 1, 3, 3))], "conv_biases": [np.zeros(4)],
              "dense": {"weights": [np.zeros((2, 36))], "biases": [np.zeros(2)]}}
    spec = architecture(params, input_shape=(1, 8, 8))
    maps = NeuronMaps(spec, Forward(params, apply=lambda p, x: x), params)
    assert maps.reason == "thumbnails are drawn for dense networks"


@pytest.mark.parametrize("bad", [(1, 1), (2, 1), "wide", [(0, 1)] * 3, (0, float("nan"))])
def test_a_bad_input_range_names_the_argument(bad):
    with pytest.raises(ValueError, match=r"input_range must be \(lo, hi\) with lo < hi, or one such pair per input \(2\)"):
        check_range(bad, 2)


def test_a_trainer_s_input_range_spans_its_data_rounded_outward(lesson2):
    import jaxscope as scope

    trainer = scope.Trainer(**lesson2)
    assert trainer.data.input_range() == [(-3.5, 3.5)]  # q ~ U[-3, 3], padded 5 %, to quarter units
    x = np.linspace(0.2, 0.8, 50, dtype=np.float32)[:, None]
    fixed = scope.Trainer(params=lesson2["params"], loss=lesson2["loss"], data=(x, np.sin(x)), batch_size=10)
    assert fixed.data.input_range() == [(0.15, 0.85)]


def test_trainer_apply_must_be_a_function(lesson2):
    import jaxscope as scope

    with pytest.raises(TypeError, match="apply must be a function apply\\(params, x\\) -> outputs; got int"):
        scope.Trainer(**lesson2, apply=3)


@pytest.mark.parametrize("forward, expected", [
    (lambda p, x: mlp_batch(x, p), {0: "tanh", 1: "tanh"}),  # the course's NN: tanh, linear output
    (lambda p, x: jax.nn.sigmoid(jax.nn.relu(x @ p["weights"][0].T + p["biases"][0]) @ p["weights"][1].T)
     @ p["weights"][2].T, {0: "relu", 1: "sigmoid"}),
    (lambda p, x: jnp.maximum(x @ p["weights"][0].T, 0.0) @ p["weights"][1].T @ p["weights"][2].T, {0: "relu"}),
])
def test_the_activations_a_forward_applies_are_read_from_its_trace(forward, expected):
    params = init_mlp(jax.random.key(0), [2, 5, 4, 1])
    assert maps_of(params, apply=forward).activations(params) == expected


def test_a_diagram_labels_course_layers_with_the_traced_activations():
    import jaxscope as scope

    params = init_mlp(jax.random.key(0), [1, 30, 20, 1])
    diagram = scope.NetworkDiagram(params, apply=lambda p, x: mlp_batch(x, p))
    assert [layer["activation"] for layer in diagram.architecture["layers"]] == ["tanh", "tanh", None]
    assert [layer["activation"] for layer in scope.NetworkDiagram(params).architecture["layers"]] == [None] * 3
