#!/usr/bin/env bash
# Install jaxscope with JupyterLab into .venv and open the quickstart notebook.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh" lab
root_flag=()
[ "$(id -u)" = 0 ] && root_flag=(--allow-root)  # JupyterLab refuses to run as root without it
exec .venv/bin/jupyter lab "${root_flag[@]}" examples/quickstart.ipynb "$@"
