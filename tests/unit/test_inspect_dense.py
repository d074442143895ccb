"""dense_weights(): every dense kernel as (n_in, n_out), whatever the user's layout."""

import numpy as np
from flax import nnx

from jaxscope.inspect import architecture, dense_weights


def test_p1_and_p2_give_the_same_kernels_transposed_back():
    rng = np.random.default_rng(0)
    w0, w1 = rng.normal(size=(3, 2)), rng.normal(size=(1, 3))  # (n_out, n_in), as in lesson 2
    b0, b1 = rng.normal(size=3), rng.normal(size=1)
    p1 = {"weights": [w0, w1], "biases": [b0, b1]}
    p2 = [[w0.T, b0], [w1.T, b1]]
    from_p1 = dense_weights(p1, architecture(p1))
    from_p2 = dense_weights(p2, architecture(p2))
    assert [w.shape for w, _ in from_p1] == [(2, 3), (3, 1)]
    for (k1, c1), (k2, c2) in zip(from_p1, from_p2):
        np.testing.assert_array_equal(k1, k2)
        np.testing.assert_array_equal(c1, c2)
    np.testing.assert_array_equal(from_p1[0][0], w0.T)
    np.testing.assert_array_equal(from_p1[1][1], b1)


def test_square_out_in_kernels_are_transposed():
    w = np.arange(4.0).reshape(2, 2)
    params = {"weights": [w]}
    (kernel, bias), = dense_weights(params, architecture(params, orientation="out_in"))
    np.testing.assert_array_equal(kernel, w.T)
    assert bias is None


def test_cnn_dict_gives_only_its_dense_part():
    params = {
        "conv_kernels": [np.ones((2, 1, 3, 3))],
        "conv_biases": [np.zeros(2)],
        "dense": {"weights": [np.full((4, 8), 2.0)], "biases": [np.zeros(4)]},
    }
    weights = dense_weights(params, architecture(params))
    assert [(w.shape, b.shape) for w, b in weights] == [((8, 4), (4,))]


def test_nnx_kernels_come_back_as_stored():
    model = nnx.Linear(3, 2, rngs=nnx.Rngs(0))
    (kernel, bias), = dense_weights(model, architecture(model, input_shape=(3,)))
    np.testing.assert_array_equal(kernel, np.asarray(model.kernel[...]))
    np.testing.assert_array_equal(bias, np.zeros(2))
