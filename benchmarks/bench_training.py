"""Training speed of jaxscope's Trainer against hand-written jax loops, for two course models.

    python benchmarks/bench_training.py            # full run, a few minutes on 2 CPU cores
    python benchmarks/bench_training.py --quick    # smoke test, under a minute

For each model it prints steps/s (median of the timed repeats, after a warm-up call that
compiles) for:
  (a) the course's loop (jitted value_and_grad, eager optax, float(loss) every step),
  (b) a jitted full step in a Python loop, (c) lax.scan chunks (the CNN adds a fully unrolled
  scan), (d) jaxscope ``Trainer.run(n)``, (e) ``Trainer.start(n)`` in the background with the
  dashboard's LossChart attached, counting the messages the chart sends;
and every row as a ratio to the fastest hand-written loop among (b), (c) and (c'), measured in
the same run. Repeats are interleaved (one timed call of every row per round) so that load changes on a
shared machine hit all rows alike.
"""

import argparse
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Callable

import jax
import optax

from baselines import course_loop, jit_step_loop, scan_loop, time_once, warm_up
from models import CNN, MLP, count_params

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def import_jaxscope():
    """jaxscope, or None with the reason printed (rows (a)-(c) still run without it)."""
    try:
        import jaxscope
    except ImportError:
        sys.path.insert(0, os.path.join(ROOT, "src"))  # not installed: try the source tree
        try:
            import jaxscope
        except Exception as error:  # a half-written package fails in many ways
            print(f"jaxscope rows skipped: `import jaxscope` failed ({type(error).__name__}: "
                  f"{error}). Install it with `pip install -e .` to benchmark (d) and (e).\n")
            return None
    return jaxscope


def losses_recorded(trainer):
    try:
        return len(trainer.history["loss"])
    except KeyError:  # nothing trained yet
        return 0


def describe(trainer):
    """Extra facts for the table, where the Trainer offers them."""
    strategy = getattr(trainer, "strategy", None)
    return f"strategy {strategy!r}" if strategy else ""


def trainer_run(scope, model, seed=0):
    """(d) ``Trainer.run(n)``, blocking, no widgets."""
    trainer = scope.Trainer(params=model.init_params(jax.random.key(seed)), loss=model.loss,
                            data=model.make_batch, optimizer=model.optimizer, seed=seed)

    def train(n):
        before = losses_recorded(trainer)
        trainer.run(n)
        assert losses_recorded(trainer) == before + n, "history['loss'] did not grow by n"

    train.describe = lambda: describe(trainer)
    return train


def trainer_background(scope, model, seed=0):
    """(e) ``Trainer.start(n)`` + ``wait()`` with the dashboard shown; counts LossChart messages.

    The warm-up call uses ``run()`` (compilation); timed calls train in the background thread.
    """
    trainer = scope.Trainer(params=model.init_params(jax.random.key(seed)), loss=model.loss,
                            data=model.make_batch, optimizer=model.optimizer, seed=seed)
    dashboard = trainer.show()
    chart = getattr(trainer, "loss_chart", None) or dashboard.loss_chart
    send = chart.send
    sent = [0]  # messages since the current call began

    def counting_send(*args, **kwargs):
        sent[0] += 1
        return send(*args, **kwargs)

    chart.send = counting_send

    def train(n):
        sent[0] = 0
        if not train.warmed_up:
            trainer.run(n)
            train.warmed_up = True
            return
        trainer.start(n)
        trainer.wait()
        train.messages.append(sent[0])

    train.describe = lambda: describe(trainer)
    train.warmed_up = False
    train.messages = []  # chart messages sent during each timed call
    return train


@dataclass
class Row:
    label: str
    train: Callable | None  # train(n): n more steps, blocking
    warmup_steps: int
    warmup_s: float = 0.0
    runs_s: list = field(default_factory=list)
    error: str = ""

    def steps_per_second(self, n):
        return n / statistics.median(self.runs_s) if self.runs_s else float("nan")


def benchmark(model, n, repeats, steps_per_call, unrolled_steps, scope):
    """Warms every row up, then times ``repeats`` interleaved rounds of n steps per row."""
    rows = [
        Row("(a) course: jit(value_and_grad), eager adam, float(loss)",
            course_loop(model), warmup_steps=2),
        Row("(b) jit(full step) in a Python loop", jit_step_loop(model), warmup_steps=2),
        Row(f"(c) lax.scan, {steps_per_call} steps/call", scan_loop(model, steps_per_call),
            warmup_steps=steps_per_call),
    ]
    if unrolled_steps:
        rows.append(Row(f"(c') lax.scan unroll=True, {unrolled_steps} steps/call",
                        scan_loop(model, unrolled_steps, unroll=True), warmup_steps=unrolled_steps))
    if scope is not None:
        for label, make in [("(d) jaxscope Trainer.run(n)", trainer_run),
                            ("(e) jaxscope start(n) + LossChart", trainer_background)]:
            try:
                rows.append(Row(label, make(scope, model), warmup_steps=steps_per_call))
            except Exception as error:
                rows.append(Row(label, None, 0, error=f"setup: {type(error).__name__}: {error}"))
    hand_written = rows[1:4 if unrolled_steps else 3]

    for row in rows:
        if row.error:
            continue
        try:
            # (b) and (c) compile ahead of time, when built; count that as part of the first call
            row.warmup_s = getattr(row.train, "compile_s", 0.0) + warm_up(row.train, row.warmup_steps)
        except Exception as error:
            row.error = f"{type(error).__name__}: {error}"
    for _ in range(repeats):
        for row in rows:
            if not row.error:
                try:
                    row.runs_s.append(time_once(row.train, n))
                except Exception as error:
                    row.error = f"{type(error).__name__}: {error}"
    return rows, max(hand_written, key=lambda row: row.steps_per_second(n))


def print_table(model, rows, reference, n, repeats):
    params = count_params(model.init_params(jax.random.key(0)))
    print(f"{model.name}: {params} params; {n} steps per timed call, median of {repeats}")
    print(f"  {'':54} {'1st call s':>10} {'compile s':>9} {'steps/s':>9} {'vs (c)':>7}")
    reference_speed = reference.steps_per_second(n)
    for row in rows:
        if row.error:
            print(f"  {row.label:54} failed: {row.error}")
            continue
        speed = row.steps_per_second(n)
        compile_s = getattr(row.train, "compile_s", None)
        if compile_s is None:  # estimate: the first call minus its steps at the measured speed
            compile_s = row.warmup_s - row.warmup_steps / speed
        line = (f"  {row.label:54} {row.warmup_s:10.2f} {compile_s:9.2f} {speed:9.1f}"
                f" {speed / reference_speed:6.2f}x")
        if hasattr(row.train, "messages"):
            line += f"  {statistics.median(row.train.messages):.0f} LossChart messages/call"
        if hasattr(row.train, "describe"):
            line += f"  {row.train.describe()}"
        print(line)
    print(f"  (c) reference = fastest hand-written loop: {reference.label}\n")


def print_environment():
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    device = jax.devices()[0]
    print(f"python {platform.python_version()}, jax {jax.__version__}, optax {optax.__version__}; "
          f"{cpus} CPUs usable ({os.cpu_count()} on the machine), {platform.machine()}; "
          f"device {device.platform}: {device.device_kind}; XLA_FLAGS={os.environ.get('XLA_FLAGS', '')!r}\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few steps: a smoke test, not a measurement")
    parser.add_argument("--repeats", type=int, help="timed calls per row (default 5, 1 with --quick)")
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 5)
    # (model, n, steps per scan call, steps per fully unrolled call or 0 for none)
    cases = ([(MLP, 100, 50, 0), (CNN, 20, 10, 2)] if args.quick
             else [(MLP, 1000, 100, 0), (CNN, 200, 100, 10)])

    print_environment()
    scope = import_jaxscope()
    start = time.perf_counter()
    for model, n, steps_per_call, unrolled_steps in cases:
        rows, reference = benchmark(model, n, repeats, steps_per_call, unrolled_steps, scope)
        print_table(model, rows, reference, n, repeats)
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
