"""The recall task: one marker, the value after it, the query at the end, gaps as documented."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxscope.datasets import recall_sequences

KEY = jax.random.key(0)
B, T, SYMBOLS, GAP = 4096, 24, 6, 5
DATA = recall_sequences(B, length=T, symbols=SYMBOLS, gap=GAP)   # compiled once, shared


def test_shapes_dtypes_vocabulary_and_special_tokens():
    tokens, value = DATA(KEY)
    assert tokens.shape == (B, T) and value.shape == (B,)
    assert tokens.dtype == value.dtype == jnp.int32
    assert DATA.vocabulary == ["0", "1", "2", "3", "4", "5", "M", "?"]
    assert (DATA.marker, DATA.query) == (SYMBOLS, SYMBOLS + 1)


def test_every_sequence_has_one_marker_the_value_after_it_and_the_query_last():
    tokens, value = (np.asarray(a) for a in DATA(KEY))
    markers = tokens == SYMBOLS
    assert (markers.sum(axis=1) == 1).all()
    assert (tokens[:, -1] == SYMBOLS + 1).all() and ((tokens[:, :-1] == SYMBOLS + 1).sum() == 0)
    m = np.argmax(markers, axis=1)
    np.testing.assert_array_equal(tokens[np.arange(B), m + 1], value)
    assert np.unique(tokens[~markers]).tolist() == [*range(SYMBOLS), SYMBOLS + 1]
    assert value.min() == 0 and value.max() == SYMBOLS - 1


def test_the_gap_between_value_and_query_spans_the_documented_range_uniformly():
    tokens, _ = (np.asarray(a) for a in DATA(KEY))
    m = np.argmax(tokens == SYMBOLS, axis=1)
    between = T - 3 - m                      # tokens between the value (m + 1) and the query (T - 1)
    assert between.min() == GAP and between.max() == T - 3
    counts = np.bincount(m, minlength=T - 2 - GAP)
    assert len(counts) == T - 2 - GAP        # marker positions 0 … T-3-GAP, all used
    expected = B / len(counts)
    assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected))


def test_fillers_and_values_are_uniform_over_the_symbols():
    tokens, value = (np.asarray(a) for a in DATA(KEY))
    fillers = tokens[(tokens < SYMBOLS)]
    shares = np.bincount(fillers, minlength=SYMBOLS) / fillers.size
    np.testing.assert_allclose(shares, 1 / SYMBOLS, atol=0.01)
    np.testing.assert_allclose(np.bincount(value, minlength=SYMBOLS) / B, 1 / SYMBOLS, atol=0.03)


def test_deterministic_per_key_and_runs_with_a_traced_key():
    a, b = DATA(KEY), DATA(KEY)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], DATA(jax.random.key(1))[0])
    sums = jax.lax.map(lambda k: jnp.sum(DATA(k)[1]), jax.random.split(KEY, 2))
    assert sums.shape == (2,)


def test_gap_zero_keeps_the_value_before_the_query():
    tokens, value = (np.asarray(a) for a in recall_sequences(2048, length=5, symbols=3, gap=0)(KEY))
    m = np.argmax(tokens == 3, axis=1)
    assert set(m.tolist()) == {0, 1, 2}
    np.testing.assert_array_equal(tokens[np.arange(2048), m + 1], value)
    assert (tokens[:, -1] == 4).all()


@pytest.mark.parametrize("arguments, message", [
    ({"batch_size": 0}, "batch_size must be a positive integer; got 0"),
    ({"symbols": 1}, "symbols must be an integer >= 2; got 1"),
    ({"gap": -1}, "gap must be an integer >= 0; got -1"),
    ({"length": 10, "gap": 8}, "length must be at least gap + 3 = 11"),
    ({"length": 2.5}, "length must be an integer >= 3; got 2.5"),
])
def test_bad_arguments_raise_clear_errors(arguments, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace("+", r"\+")):
        recall_sequences(**arguments)
