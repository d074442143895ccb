"""The boundaries the architecture promises (docs/architecture.md): one wire contract per side that
both sides agree on, widgets and views that use only the Trainer's public API."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from jaxscope.widgets import protocol

ROOT = Path(__file__).resolve().parents[2]
PROTOCOL_TS = (ROOT / "js" / "shared" / "protocol.ts").read_text()
SRC = ROOT / "src" / "jaxscope"


def ts_list(name: str) -> tuple[str, ...]:
    match = re.search(rf"export const {name} = \[(.*?)\] as const;", PROTOCOL_TS, re.S)
    assert match, f"protocol.ts has no `export const {name} = [...] as const;`"
    return tuple(re.findall(r'"([^"]*)"', match.group(1)))


def test_both_sides_speak_the_same_protocol_version():
    version = re.search(r"export const PROTOCOL_VERSION = (\d+);", PROTOCOL_TS)
    assert version and int(version.group(1)) == protocol.VERSION == 2


@pytest.mark.parametrize("name", ["STATUSES", "MESSAGE_KINDS", "COMMAND_ACTIONS", "SET_NAMES", "KERNEL_SHELLS"])
def test_both_sides_list_the_same_names(name):
    assert ts_list(name) == tuple(getattr(protocol, name))


def test_the_wire_statuses_are_the_trainer_s():
    from jaxscope.training import STATUSES

    assert protocol.STATUSES is STATUSES and "compiling" in STATUSES


def test_message_kinds_are_the_only_ones_accepted_and_other_versions_are_ignored():
    assert protocol.message_kind({"v": 2, "kind": "ack", "frame": 3}) == "ack"
    assert protocol.message_kind({"v": 1, "kind": "ack", "frame": 3}) is None
    assert protocol.message_kind({"v": 2, "kind": "launch"}) is None
    assert protocol.message_kind("ready") is None


def private_trainer_uses(path: Path) -> list[str]:
    """``<something>.trainer._x`` / ``trainer._x`` attribute reads in one source file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            owner = node.value
            name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
            if name in ("trainer", "t"):
                found.append(f"{path.relative_to(SRC)}:{node.lineno} .{node.attr}")
    return found


def test_widgets_and_views_use_only_the_trainer_s_public_api():
    outside = [p for p in SRC.rglob("*.py") if "training" not in p.relative_to(SRC).parts]
    assert outside and [use for path in outside for use in private_trainer_uses(path)] == []
