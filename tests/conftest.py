"""Fixtures shared by every test layer."""

from __future__ import annotations

import jax
import pytest

from course_models import init_mlp, make_batch, mse_loss_batch

# jaxscope built and pip-installed into a fresh venv (tests/packaging, tests/e2e/test_ipykernel6.py)
pytest_plugins = ["wheel_venv"]


def pytest_collection_modifyitems(items):
    """End-to-end tests first, example notebook tests last (each layer in its own order): the notebooks
    execute in the background from the first test after the end-to-end ones, which time the UI
    (tests/examples/conftest.py), beside the unit, widget and packaging tests."""
    items.sort(key=lambda item: 2 if item.get_closest_marker("examples") else "e2e" not in item.keywords)


@pytest.fixture
def lesson2():
    """Keyword arguments for a Trainer on the lesson-2 curve fit."""
    return dict(params=init_mlp(jax.random.key(1), [1, 30, 20, 1]),
                loss=lambda p, b: mse_loss_batch(*b, p), data=make_batch, optimizer=1e-2)
