"""The recall task: remember the value that followed a marker many tokens earlier (long dependencies).

Each sequence holds ``length`` tokens. The vocabulary has ``symbols + 2`` tokens:

    0 … symbols-1     ordinary symbols (the filler and the values), named "0", "1", …
    symbols           the marker, named "M"
    symbols + 1       the query, named "?"

Every position holds a random symbol, except: the marker appears exactly once, at a position m,
the token after it (m + 1) is the **value** to recall, and the last position (length - 1) is the
query. The answer is the value. The marker's position m is uniform in 0 … length - 3 - ``gap``, so
at least ``gap`` tokens lie between the value and the query (their number, length - 3 - m, is
uniform in ``gap`` … length - 3). Fillers and values are uniform over the
symbols and may repeat the value elsewhere: only the marker says which one counts.

``data.vocabulary`` lists the token names (index = token id); ``data.marker`` and ``data.query``
are the two special ids.

>>> import jax
>>> data = recall_sequences(batch_size=2, length=12, symbols=4, gap=4)
>>> tokens, value = data(jax.random.key(0))
>>> tokens.shape, value.shape, str(tokens.dtype), str(value.dtype)
((2, 12), (2,), 'int32', 'int32')
>>> data.vocabulary, data.marker, data.query
(['0', '1', '2', '3', 'M', '?'], 4, 5)
>>> import numpy as np
>>> t = np.asarray(tokens); m = np.argmax(t == 4, axis=1)
>>> bool((t[np.arange(2), m + 1] == np.asarray(value)).all() and (t[:, -1] == 5).all())
True
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp

from .arguments import count as _count

__all__ = ["recall_sequences"]


def recall_sequences(batch_size: int = 64, *, length: int = 32, symbols: int = 8,
                     gap: int = 8) -> Callable[[jax.Array], tuple[jax.Array, jax.Array]]:
    """Recall sequences: ``data(key) -> (tokens (batch_size, length) int32, value (batch_size,) int32)``.

    Args:
      length: tokens per sequence, the query included (>= gap + 2).
      symbols: how many ordinary symbols (values); the vocabulary adds the marker and the query.
      gap: at least this many tokens lie between the value and the query (>= 0).
    """
    batch_size = _count(batch_size, "batch_size")
    symbols = _count(symbols, "symbols", minimum=2)
    gap = _count(gap, "gap", minimum=0)
    length = _count(length, "length", minimum=3)
    if length < gap + 3:
        raise ValueError(f"length must be at least gap + 3 = {gap + 3} (marker, value, {gap} tokens, query); "
                         f"got {length}")
    marker, query = symbols, symbols + 1
    positions = jnp.arange(length)

    def data(key: jax.Array) -> tuple[jax.Array, jax.Array]:
        k_fill, k_position = jax.random.split(key)
        tokens = jax.random.randint(k_fill, (batch_size, length), 0, symbols, jnp.int32)
        m = jax.random.randint(k_position, (batch_size, 1), 0, length - 2 - gap, jnp.int32)   # 0 … length-3-gap
        tokens = jnp.where(positions == m, marker, tokens)
        tokens = tokens.at[:, -1].set(query)
        value = jnp.take_along_axis(tokens, m + 1, axis=1)[:, 0]
        return tokens, value

    compiled = jax.jit(data)

    def generator(key: jax.Array) -> tuple[jax.Array, jax.Array]:
        return compiled(key)

    generator.vocabulary = [str(k) for k in range(symbols)] + ["M", "?"]
    generator.marker, generator.query = marker, query
    return generator
