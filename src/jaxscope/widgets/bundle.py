"""Locate the built JS/CSS bundles, with an error that says how to build them when missing."""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"
BUILD_COMMAND = "npm ci && npm run build"


class MissingBundleError(FileNotFoundError):
    """The front-end bundle was not built (a source checkout without the npm build)."""


def bundle(name: str) -> Path:
    """Path of ``static/<name>``; raises ``MissingBundleError`` naming the build command."""
    path = STATIC / name
    if not path.is_file():
        raise MissingBundleError(
            f"jaxscope's front-end bundle {path} is missing. Build it from the project root with "
            f"`{BUILD_COMMAND}` (or reinstall with `pip install -e .`, which runs it)."
        )
    return path
