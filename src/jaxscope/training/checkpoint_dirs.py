"""Where checkpoints live: ``<directory>/step_<N>/``, one per ``trainer.save``, the last ``KEEP`` kept.

"Last" means most recently saved (a run restarted after a reset may save a lower step later), so
``latest`` and the pruning go by save time, not by step number. A path that names a ``step_<N>``
directory itself is that checkpoint.

>>> import tempfile; root = pathlib.Path(tempfile.mkdtemp())
>>> step_dir(root, 300).name
'step_300'
>>> (root / "step_300").mkdir(); (root / "other").mkdir(); [p.name for p in saved(root)]
['step_300']
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil

KEEP = 3                                  # checkpoints kept per directory (the most recent saves)
STEP_DIR = re.compile(r"^step_(\d+)$")
SAVE_MARK = "_CHECKPOINT_METADATA"        # written by orbax at every save: its mtime dates the save


def step_dir(directory: pathlib.Path, step: int) -> pathlib.Path:
    return directory / f"step_{int(step)}"


def is_step_dir(path: pathlib.Path) -> bool:
    return bool(STEP_DIR.match(path.name)) and path.is_dir()


def _saved_at(path: pathlib.Path) -> tuple[int, int]:
    mark = path / SAVE_MARK
    stat = mark.stat() if mark.exists() else path.stat()
    return stat.st_mtime_ns, int(STEP_DIR.match(path.name).group(1))


def saved(directory: pathlib.Path) -> list[pathlib.Path]:
    """The ``step_<N>`` checkpoints in ``directory``, oldest save first."""
    if not directory.is_dir():
        return []
    return sorted((p for p in directory.iterdir() if is_step_dir(p)), key=_saved_at)


def resolve(path: pathlib.Path) -> pathlib.Path:
    """The checkpoint ``path`` names: a ``step_<N>`` directory, or the latest save in a directory.
    Raises ``FileNotFoundError`` naming the path and what was expected."""
    if not path.exists():
        raise FileNotFoundError(f"restore: {path} does not exist; expected a directory written by trainer.save() "
                                "(holding step_<N>/ checkpoints) or one of its step_<N> directories")
    if not path.is_dir():
        raise FileNotFoundError(f"restore: {path} is a file; expected a directory written by trainer.save() "
                                "(holding step_<N>/ checkpoints) or one of its step_<N> directories")
    if STEP_DIR.match(path.name):
        return path
    found = saved(path)
    if not found:
        inside = sorted(p.name for p in path.iterdir())[:5]
        raise FileNotFoundError(f"restore: no checkpoint in {path}: expected step_<N>/ directories written by "
                                f"trainer.save(); found {inside or 'nothing'}")
    return found[-1]


def prune(directory: pathlib.Path, keep: int = KEEP) -> list[pathlib.Path]:
    """Delete all but the ``keep`` most recent checkpoints of ``directory``; the deleted ones."""
    gone = saved(directory)[:-keep] if keep > 0 else []
    for path in gone:
        shutil.rmtree(path, ignore_errors=True)
    return gone


def size_on_disk(path: pathlib.Path) -> int:
    """Bytes of the files under ``path``."""
    return sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(path) for f in files)
