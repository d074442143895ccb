"""Helpers the view tests share: course-style parameters drawn with numpy (no jax.random compiles),
the course MLP in numpy, and a PNG decoder that checks what the views' encoder writes."""

import struct
import zlib

import jax.numpy as jnp
import numpy as np

from jaxscope.views.png import LUT


def init_params(seed, sizes):
    """Course-style {'weights': [W (n_out, n_in)], 'biases': [b]}, drawn with numpy (no jax.random compiles)."""
    rng = np.random.default_rng(seed)
    return {"weights": [jnp.asarray(rng.normal(size=(n_out, n_in)) / np.sqrt(n_in), jnp.float32)
                        for n_in, n_out in zip(sizes[:-1], sizes[1:])],
            "biases": [jnp.asarray(0.1 * rng.normal(size=n_out), jnp.float32) for n_out in sizes[1:]]}


def numpy_mlp(params, x):
    """The course MLP (W (n_out, n_in), tanh hidden layers) on a batch, in float64 numpy."""
    h = np.asarray(x, np.float64)
    for k, (w, b) in enumerate(zip(params["weights"], params["biases"])):
        h = h @ np.asarray(w, np.float64).T + np.asarray(b, np.float64)
        if k < len(params["weights"]) - 1:
            h = np.tanh(h)
    return h


def decode_png(data):
    """(width, height, rgb (h, w, 3)) of an 8-bit RGB PNG without filters, checking every chunk's CRC."""
    data = bytes(data)  # ipywidgets.Image.value may be a memoryview
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = {}, 8
    while at < len(data):
        (length,), kind = struct.unpack(">I", data[at:at + 4]), data[at + 4:at + 8]
        payload, (crc,) = data[at + 8:at + 8 + length], struct.unpack(">I", data[at + 8 + length:at + 12 + length])
        assert crc == zlib.crc32(kind + payload) & 0xFFFFFFFF
        chunks[kind] = payload
        at += 12 + length
    w, h, depth, colour, compression, filtering, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, colour, compression, filtering, interlace) == (8, 2, 0, 0, 0)
    assert list(chunks) == [b"IHDR", b"IDAT", b"IEND"] and chunks[b"IEND"] == b""
    rows = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), np.uint8).reshape(h, 1 + 3 * w)
    assert np.all(rows[:, 0] == 0)  # filter type 0 on every row
    return w, h, rows[:, 1:].reshape(h, w, 3)


def colours(values, lo=None, hi=None):
    values = np.asarray(values, np.float64)
    lo = values.min() if lo is None else lo
    hi = values.max() if hi is None else hi
    return LUT[np.clip(np.round((values - lo) / (hi - lo) * 255), 0, 255).astype(int)]


def pixels(png, rows, cols):
    """The image at its own resolution (a PNG may repeat each pixel f x f times to look sharp)."""
    w, h, rgb = decode_png(png)
    f = w // cols
    assert f >= 1 and (w, h) == (cols * f, rows * f)
    small = rgb[::f, ::f]
    np.testing.assert_array_equal(rgb, np.repeat(np.repeat(small, f, axis=0), f, axis=1))
    return small
