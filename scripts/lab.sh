#!/usr/bin/env bash
# Install jaxscope with JupyterLab into .venv and open the quickstart notebook.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh" lab
exec .venv/bin/jupyter lab examples/quickstart.ipynb "$@"
