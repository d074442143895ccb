"""End-to-end tests: a real JupyterLab / Notebook 7 driven by the system Chromium."""
