"""Hand-written training loops that jaxscope's engine is measured against.

Each ``*_loop(model)`` builds a loop and returns ``train(n) -> losses``: it trains n more steps
(state carries over between calls, like re-running a notebook cell), blocks until they are done
and returns the n losses as a numpy array. Loops compiled ahead of time, (b) and (c), record the
seconds that took in ``train.compile_s``. ``measure`` turns such a function into steps/s:

    >>> from models import MLP
    >>> timing = measure(scan_loop(MLP), n=200, repeats=3)
    >>> timing.steps_per_second > 0
    True

Every loop draws a fresh batch each step from ``model.make_batch`` with a split key, and uses
``model.optimizer`` (optax) for the update.
"""

import statistics
import time
from dataclasses import dataclass

import jax
import numpy as np
import optax


def course_loop(model, seed=0):
    """(a) The course's loop: only value_and_grad is jitted; batch, optimizer update and
    apply_updates run eagerly in Python, and each loss is converted to a float every step."""
    value_and_grad = jax.jit(jax.value_and_grad(model.mse_loss_batch, argnums=2))
    optimizer = model.optimizer
    key = jax.random.key(seed)
    key, init_key = jax.random.split(key)
    params = model.init_params(init_key)
    opt_state = optimizer.init(params)

    def train(n):
        nonlocal key, params, opt_state
        losses = []
        for _ in range(n):
            key, subkey = jax.random.split(key)
            x, y_target = model.make_batch(subkey)
            loss, grads = value_and_grad(x, y_target, params)
            updates, opt_state = optimizer.update(grads, opt_state)
            params = optax.apply_updates(params, updates)
            losses.append(float(loss))
        return np.asarray(losses)

    return train


def _train_step(model):
    """One full step, batch included: (params, opt_state, key) -> (params, opt_state, key), loss."""
    def step(params, opt_state, key):
        key, subkey = jax.random.split(key)
        loss, grads = jax.value_and_grad(model.loss)(params, model.make_batch(subkey))
        updates, opt_state = model.optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, key, loss
    return step


def _initial_state(model, seed):
    key = jax.random.key(seed)
    key, init_key = jax.random.split(key)
    params = model.init_params(init_key)
    return params, model.optimizer.init(params), key


def _compile(fn, *args):
    """``jax.jit(fn)`` compiled ahead of time for ``args`` (params and opt_state donated),
    and the seconds tracing and compiling took."""
    start = time.perf_counter()
    compiled = jax.jit(fn, donate_argnums=(0, 1)).lower(*args).compile()
    return compiled, time.perf_counter() - start


def jit_step_loop(model, seed=0):
    """(b) One jitted call per step (grad + update + apply, batch drawn inside) in a Python loop;
    the losses stay on the device and are fetched once at the end."""
    state = _initial_state(model, seed)
    step, compile_s = _compile(_train_step(model), *state)

    def train(n):
        nonlocal state
        params, opt_state, key = state
        losses = []
        for _ in range(n):
            params, opt_state, key, loss = step(params, opt_state, key)
            losses.append(loss)
        state = params, opt_state, key
        return np.asarray(jax.device_get(losses))

    train.compile_s = compile_s
    return train


def scan_loop(model, steps_per_call=100, unroll=1, seed=0):
    """(c) ``jax.lax.scan`` over ``steps_per_call`` steps inside one jitted call, a Python loop
    over those chunks; each call returns its per-step losses as one array.
    ``train(n)`` needs n to be a multiple of ``steps_per_call``."""
    step = _train_step(model)

    def chunk(params, opt_state, key):
        def body(state, _):
            *state, loss = step(*state)
            return tuple(state), loss
        return jax.lax.scan(body, (params, opt_state, key), None,
                            length=steps_per_call, unroll=unroll)

    state = _initial_state(model, seed)
    chunk, compile_s = _compile(chunk, *state)

    def train(n):
        nonlocal state
        if n % steps_per_call:
            raise ValueError(f"n={n} is not a multiple of steps_per_call={steps_per_call}")
        losses = []
        for _ in range(n // steps_per_call):
            state, chunk_losses = chunk(*state)
            losses.append(chunk_losses)
        return np.concatenate(jax.device_get(losses))

    train.compile_s = compile_s
    return train


@dataclass
class Timing:
    """``warmup_s``: wall time of the first call (tracing + compilation + its steps);
    ``runs_s``: wall time of each timed call of n steps."""

    n: int
    warmup_s: float
    runs_s: list

    @property
    def steps_per_second(self):
        """n divided by the median timed run."""
        return self.n / statistics.median(self.runs_s)


def warm_up(train, steps):
    """Runs the first ``steps`` (compiling everything) and returns the wall time it took."""
    start = time.perf_counter()
    train(steps)
    return time.perf_counter() - start


def time_once(train, n):
    start = time.perf_counter()
    train(n)
    return time.perf_counter() - start


def measure(train, n, repeats=5, warmup_steps=None):
    """Warms ``train`` up, then times ``repeats`` calls of n steps each."""
    warmup_s = warm_up(train, warmup_steps or n)
    return Timing(n, warmup_s, [time_once(train, n) for _ in range(repeats)])
