"""architecture() on the course's plain pytrees (P1 dict-of-lists, P2 list-of-pairs, the CNN dict)."""

import numpy as np
import pytest

from jaxscope.inspect import architecture


def p1_mlp(sizes):
    """The lesson-2 layout: W (n_out, n_in), b (n_out,)."""
    return {
        "weights": [np.ones((n_out, n_in)) for n_in, n_out in zip(sizes[:-1], sizes[1:])],
        "biases": [np.zeros(n_out) for n_out in sizes[1:]],
    }


def summary(arch):
    return [
        (layer.kind, layer.input_shape, layer.output_shape, layer.param_count, layer.path)
        for layer in arch.layers
    ]


def test_lesson2_mlp_1_30_20_1_has_three_dense_layers_and_701_params():
    arch = architecture(p1_mlp([1, 30, 20, 1]))
    assert summary(arch) == [
        ("dense", (1,), (30,), 60, "weights[0]"),
        ("dense", (30,), (20,), 620, "weights[1]"),
        ("dense", (20,), (1,), 21, "weights[2]"),
    ]
    assert arch.total_params == 701
    assert arch.drawable and arch.reason == "" and arch.skips == ()
    assert arch.orientation == "out_in"
    assert arch.layers[1].params == {"weights[1]": (20, 30), "biases[1]": (20,)}
    assert [layer.activation for layer in arch.layers] == [None, None, None]


def test_duffing_mlp_50_100_3():
    arch = architecture(p1_mlp([50, 100, 3]))
    assert summary(arch) == [
        ("dense", (50,), (100,), 5100, "weights[0]"),
        ("dense", (100,), (3,), 303, "weights[1]"),
    ]
    assert arch.total_params == 5403


def test_activations_string_applies_to_hidden_layers_and_list_to_each():
    assert [layer.activation for layer in architecture(p1_mlp([1, 30, 20, 1]), activations="tanh").layers] == [
        "tanh", "tanh", None,
    ]
    listed = architecture(p1_mlp([1, 30, 20, 1]), activations=["relu", "tanh", "sigmoid"])
    assert [layer.activation for layer in listed.layers] == ["relu", "tanh", "sigmoid"]


def test_list_of_pairs_in_out_layout():
    params = [[np.ones((2, 10)), np.zeros(10)], [np.ones((10, 5)), np.zeros(5)], [np.ones((5, 1)), np.zeros(1)]]
    arch = architecture(params)
    assert summary(arch) == [
        ("dense", (2,), (10,), 30, "[0]"),
        ("dense", (10,), (5,), 55, "[1]"),
        ("dense", (5,), (1,), 6, "[2]"),
    ]
    assert arch.layers[0].params == {"[0][0]": (2, 10), "[0][1]": (10,)}
    assert arch.orientation == "in_out"
    assert arch.total_params == 91


def duffing_cnn(channels=(3, 30, 30, 30, 10), dense=(40, 50, 3)):
    return {
        "conv_kernels": [np.ones((o, i, 3, 3)) for i, o in zip(channels[:-1], channels[1:])],
        "conv_biases": [np.zeros(o) for o in channels[1:]],
        "dense": p1_mlp(list(dense)),
    }


def test_duffing_cnn_with_input_shape_has_conv_flatten_dense_and_22013_params():
    arch = architecture(duffing_cnn(), input_shape=(3, 50, 50))
    assert summary(arch) == [
        ("conv", (3, 50, 50), (30, 24, 24), 840, "conv_kernels[0]"),
        ("conv", (30, 24, 24), (30, 11, 11), 8130, "conv_kernels[1]"),
        ("conv", (30, 11, 11), (30, 5, 5), 8130, "conv_kernels[2]"),
        ("conv", (30, 5, 5), (10, 2, 2), 2710, "conv_kernels[3]"),
        ("flatten", (10, 2, 2), (40,), 0, ""),
        ("dense", (40,), (50,), 2050, "dense.weights[0]"),
        ("dense", (50,), (3,), 153, "dense.weights[1]"),
    ]
    assert arch.total_params == 22013
    assert arch.layers[0].params == {"conv_kernels[0]": (30, 3, 3, 3), "conv_biases[0]": (30,)}
    assert arch.layers[5].params == {"dense.weights[0]": (50, 40), "dense.biases[0]": (50,)}


def test_duffing_cnn_without_input_shape_leaves_conv_shapes_unknown():
    arch = architecture(duffing_cnn())
    assert [(layer.kind, layer.input_shape, layer.output_shape) for layer in arch.layers] == [
        ("conv", None, None), ("conv", None, None), ("conv", None, None), ("conv", None, None),
        ("flatten", None, (40,)), ("dense", (40,), (50,)), ("dense", (50,), (3,)),
    ]
    assert arch.total_params == 22013


def test_cnn_explicit_stride_and_padding():
    params = duffing_cnn(channels=(1, 4), dense=(4 * 8 * 8, 2))
    arch = architecture(params, input_shape=(1, 8, 8), conv_strides=1, padding="SAME")
    assert arch.layers[0].output_shape == (4, 8, 8)
    assert arch.layers[1].input_shape == (4, 8, 8)


def test_all_square_matrices_without_biases_need_orientation():
    params = {"weights": [np.ones((4, 4)), np.ones((4, 4))]}
    with pytest.raises(ValueError, match="orientation"):
        architecture(params)
    arch = architecture(params, orientation="in_out")
    assert arch.orientation == "in_out"
    assert [(layer.input_shape, layer.output_shape) for layer in arch.layers] == [((4,), (4,)), ((4,), (4,))]


def test_orientation_that_contradicts_the_shapes_is_rejected():
    with pytest.raises(ValueError, match="orientation='in_out'"):
        architecture(p1_mlp([1, 30, 1]), orientation="in_out")


def test_hanging_chain_array_is_not_drawable_but_lists_its_tree():
    arch = architecture(np.zeros(20))
    assert not arch.drawable
    assert arch.layers == ()
    assert arch.reason == (
        "no chain of weight matrices found: the parameters are a single array of shape (20,); "
        "expected {'weights': [...], 'biases': [...]}, [[W, b], ...], a conv_kernels dict, "
        "flax.linen variables or an nnx Module"
    )
    assert [(e.path, e.shape, e.count) for e in arch.tree] == [("", (20,), 20)]
    assert arch.total_params == 20


def test_dict_of_unrelated_arrays_is_not_drawable():
    arch = architecture({"a": np.zeros(3), "w": np.zeros((3, 2))})
    assert not arch.drawable
    assert arch.reason.startswith("no chain of weight matrices found: a dict without a list of weight matrices (keys ['a', 'w'])")
    assert [(e.path, e.shape, e.count) for e in arch.tree] == [("a", (3,), 3), ("w", (3, 2), 6)]


def test_to_json_is_plain_lists_and_dicts():
    data = architecture(p1_mlp([1, 2])).to_json()
    assert data == {
        "orientation": "out_in",
        "layers": [{
            "name": "dense_0", "kind": "dense", "input_shape": [1], "output_shape": [2],
            "params": {"weights[0]": [2, 1], "biases[0]": [2]}, "param_count": 4,
            "activation": None, "path": "weights[0]",
        }],
        "skips": [],
        "total_params": 4,
        "drawable": True,
        "reason": "",
        "tree": [
            {"path": "biases[0]", "shape": [2], "count": 2},
            {"path": "weights[0]", "shape": [2, 1], "count": 2},
        ],
        "mode": "neurons",
        "blocks": [],
        "note": "",
    }
