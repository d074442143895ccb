#!/usr/bin/env bash
# Install what the tests need (.venv, npm packages, Debian's chromium) and run every test layer:
# JS unit tests (vitest), then one pytest run: unit, widget protocol, example notebooks, end-to-end
# in a real JupyterLab / Notebook 7 driven by Chromium through Playwright.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh" test
command -v chromium >/dev/null 2>&1 || apt_install chromium
npm run --silent typecheck
npm test
.venv/bin/python -m pytest "$@"
