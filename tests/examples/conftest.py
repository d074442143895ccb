"""Which example notebooks this session's selected tests execute, so the shared 200-step runs start
together (two at a time) and only for those."""

from __future__ import annotations

from . import test_notebooks


def pytest_collection_finish(session):
    items = session.items   # after -k / -m deselection
    stems = {path.stem: path for path in test_notebooks.NOTEBOOKS}
    wanted = []
    for item in items:
        if "examples" not in item.keywords or "slow" in item.keywords:
            continue
        name = item.callspec.id if hasattr(item, "callspec") and item.callspec.id in stems else None
        if name is None:   # tests of one notebook: test_<stem>.py, or the lesson tests
            module = item.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
            name = module if module in stems else None
            if module in ("lessons", "notebooks"):
                wanted += [p for s, p in stems.items() if s.startswith(("lesson", "quickstart", "playground",
                                                                         "classify"))]
        if name is not None:
            wanted.append(stems[name])
    test_notebooks.PREFETCH[:] = list(dict.fromkeys(wanted))
