"""Training throughput of each example notebook's trainers with the notebook's views attached,
against the same trainer and dashboard without the views, in one process, rounds interleaved.

Each notebook's code cells run in this process at ``JAXSCOPE_EXAMPLE_STEPS=200`` (as the tests) with
``jaxscope.Trainer`` recording its arguments; every trainer the notebook shows with views gets a
twin built from a copy of the same arguments and shown the same way but with ``views=None``.
Both run ``start(n)`` + ``wait()`` (``n`` about ``--seconds`` of training), their rounds
interleaved; every widget's comm JSON-encodes what it sends, as a kernel would (no front end
answers, so flow control never holds frames back). Target (issues 11, 12): views >= 0.9x without.

    python benchmarks/bench_notebook_views.py                       # every notebook, unpinned and pinned
    python benchmarks/bench_notebook_views.py --notebooks ising_phases --conditions unpinned
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NOTEBOOKS = ("simulation_surrogate", "super_resolution", "autoencoder", "denoising_unet",
             "recurrent_oscillators", "ising_phases",        # issue 11
             "graph_network", "reinforcement_maze", "normalizing_flow", "diffusion", "transformer",
             "tsne_embedding")                              # issue 12
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_dashboard_training import timed  # noqa: E402
from bench_views import serialise_everything  # noqa: E402
from conditions import run_child  # noqa: E402


def code_cells(name: str) -> list[str]:
    notebook = json.loads((EXAMPLES / f"{name}.ipynb").read_text())
    return ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]


def run_notebook(name: str) -> list[tuple]:
    """Run `name`'s cells; returns (trainer, its twin) for every trainer shown with views."""
    import jaxscope

    made, shown = {}, []
    original, show = jaxscope.Trainer, jaxscope.Trainer.show

    class Recorded(original):
        def __init__(self, *args, **kwargs):
            try:
                made[id(self)] = (copy.deepcopy(args), copy.deepcopy(kwargs))
            except Exception as why:  # noqa: BLE001 - a twin would share state: say so
                raise RuntimeError(f"cannot copy the arguments of a Trainer in {name}: {why}") from why
            super().__init__(*args, **kwargs)

    def recording_show(self, *args, **kwargs):
        if kwargs.get("views"):
            shown.append((self, kwargs))
        return show(self, *args, **kwargs)

    jaxscope.Trainer, original.show = Recorded, recording_show
    os.environ["JAXSCOPE_EXAMPLE_STEPS"] = "200"
    cwd = os.getcwd()
    os.chdir(EXAMPLES)
    try:
        namespace: dict = {"__name__": "__main__"}
        for source in code_cells(name):
            exec(compile(source, f"{name}.ipynb", "exec"), namespace)
    finally:
        os.chdir(cwd)
        jaxscope.Trainer, original.show = original, show
    pairs = []
    for trainer, kwargs in shown:
        args, options = made[id(trainer)]
        twin = original(*args, **options)
        twin.show(*(), **{**kwargs, "views": None})
        pairs.append((trainer, twin, [type(v).__name__ for v in kwargs["views"]]))
    return pairs


def measure(name: str, seconds: float, rounds: int) -> dict:
    pairs = run_notebook(name)
    serialise_everything()
    rows = []
    for trainer, twin, views in pairs:
        for each in (trainer, twin):
            each.start(20)     # the compiled chunk for start() (the notebook ran run() only)
            each.wait()
        steps = max(20, int(timed("v", twin, 50) * seconds))
        timed("v", trainer, steps), timed("v", twin, steps)   # both settle their chunk sizes before timing
        speeds = {"views": [], "none": []}
        for _ in range(rounds):
            speeds["views"].append(timed("v", trainer, steps))
            speeds["none"].append(timed("v", twin, steps))
        with_views, without = statistics.median(speeds["views"]), statistics.median(speeds["none"])
        rows.append({"trainer": trainer.name or type(trainer).__name__, "views": views, "steps": steps,
                     "with": with_views, "without": without, "ratio": with_views / without})
    return {"rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", nargs="*", default=list(NOTEBOOKS))
    parser.add_argument("--conditions", nargs="*", default=["unpinned", "pinned"])
    parser.add_argument("--seconds", type=float, default=2.0, help="about this long per timed run")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.notebooks[0], args.seconds, args.rounds)))
        return
    print(f"steps/s, median of {args.rounds} interleaved rounds of ~{args.seconds:g} s; views vs the same dashboard without")
    for name in args.notebooks:
        for condition in args.conditions:
            result = run_child(__file__, ["--notebooks", name, "--seconds", str(args.seconds),
                                          "--rounds", str(args.rounds)], condition)
            if "skipped" in result:
                print(f"  {name} ({condition}): skipped, {result['skipped']}")
                continue
            for row in result["rows"]:
                print(f"  {name:<22} {condition:<9} {row['trainer'][:44]:<44} {', '.join(row['views'])[:40]:<40} "
                      f"{row['with']:>9,.0f} vs {row['without']:>9,.0f}   x{row['ratio']:.2f}")


if __name__ == "__main__":
    main()
