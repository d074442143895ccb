"""A real Jupyter server (JupyterLab or Notebook 7) for end-to-end tests.

The server runs the venv's ``jupyter`` in its own process group under ``timeout`` so a crashed
test run cannot leave it behind, on a free localhost port, with its own settings, workspaces,
runtime and user-config folders. Installed lab extensions (ipywidgets, anywidget) stay visible.

Example::

    server = JupyterServer(tmp_path, ui="lab")
    server.start()
    server.get("/api/status")   # -> dict
    server.stop()
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

UIS = ("lab", "notebook7")

# Settings every run starts from: no news/update toasts over the page, no autosave racing a test.
BASE_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    # Every cell stays in the DOM (no virtual scrolling), so widgets below the fold can be found.
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}
NO_SUBSHELL_SETTINGS = {
    "@jupyterlab/apputils-extension/kernels-settings.jupyterlab-settings": {
        "commsOverSubshells": "disabled"
    },
}


def free_port() -> int:
    """A localhost TCP port that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerStartError(RuntimeError):
    pass


class JupyterServer:
    """One ``jupyter lab`` / ``jupyter notebook`` process serving ``base_dir / "root"``.

    Args:
      base_dir: an empty temp folder; notebooks go in ``root_dir``, the log in ``log_path``.
      ui: ``"lab"`` (JupyterLab) or ``"notebook7"`` (Notebook 7).
      comms_over_subshells: False imitates front ends without comm subshells (VS Code, Colab).
        Lab reads it from the seeded settings; for Notebook 7 ``NotebookPage.open`` applies it.
      max_lifetime_s: the ``timeout`` wrapper kills the server after this long, whatever happens.
      env: extra environment variables for the server and its kernels.
    """

    def __init__(
        self,
        base_dir: Path,
        ui: str = "lab",
        *,
        comms_over_subshells: bool = True,
        max_lifetime_s: int = 3600,
        env: dict[str, str] | None = None,
        startup_timeout_s: float = 60.0,
    ):
        if ui not in UIS:
            raise ValueError(f"ui must be one of {UIS}, not {ui!r}")
        self.base_dir = Path(base_dir)
        self.ui = ui
        self.comms_over_subshells = comms_over_subshells
        self.max_lifetime_s = max_lifetime_s
        self.extra_env = dict(env or {})
        self.startup_timeout_s = startup_timeout_s
        self.root_dir = self.base_dir / "root"
        self.settings_dir = self.base_dir / "lab-settings"
        self.workspaces_dir = self.base_dir / "lab-workspaces"
        self.runtime_dir = self.base_dir / "runtime"
        self.config_dir = self.base_dir / "config"
        self.ipython_dir = self.base_dir / "ipython"
        self.log_path = self.base_dir / "server.log"
        self.port: int | None = None
        self.process: subprocess.Popen | None = None
        self._log_file = None

    # ----------------------------------------------------------------- paths and urls
    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("server not started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def venv_bin(self) -> Path:
        """The folder of the running python, whose ``jupyter`` and ``python`` the server uses."""
        return Path(sys.executable).parent

    @property
    def python(self) -> str:
        """The interpreter kernels must run (the venv's python, as the server sees it)."""
        return sys.executable

    def page_url(self, path: str) -> str:
        """The URL that opens notebook ``path`` (relative to root_dir) in this UI."""
        if self.ui == "lab":
            return f"{self.url}/lab/tree/{path}?reset"
        return f"{self.url}/notebooks/{path}"

    # ----------------------------------------------------------------- lifecycle
    def _seed_settings(self) -> None:
        settings = dict(BASE_SETTINGS)
        if not self.comms_over_subshells:
            settings.update(NO_SUBSHELL_SETTINGS)
        for relative, value in settings.items():
            target = self.settings_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(value))

    def _seed_page_config(self) -> None:
        # No build check: it runs node from the venv, which needs nothing from the tests and
        # prints pages of errors when a package.json above the venv says "type": "module".
        # Written to the isolated user config dir, it merges with (never hides) the venv's.
        target = self.config_dir / "labconfig" / "page_config.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps({"buildCheck": False, "buildAvailable": False}))

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            PATH=f"{self.venv_bin}{os.pathsep}{env.get('PATH', '')}",
            VIRTUAL_ENV=str(self.venv_bin.parent),
            JUPYTERLAB_SETTINGS_DIR=str(self.settings_dir),
            JUPYTERLAB_WORKSPACES_DIR=str(self.workspaces_dir),
            JUPYTER_RUNTIME_DIR=str(self.runtime_dir),
            # Only the *user* config folder is replaced; the venv's etc/jupyter (server
            # extensions, lab extension config) still applies.
            JUPYTER_CONFIG_DIR=str(self.config_dir),
            # The venv's kernel specs and extensions win over anything in ~/.local.
            JUPYTER_PREFER_ENV_PATH="1",
            IPYTHONDIR=str(self.ipython_dir),
            PYTHONUNBUFFERED="1",
        )
        env.pop("JUPYTER_TOKEN", None)
        env.update(self.extra_env)
        return env

    def _command(self) -> list[str]:
        app = "lab" if self.ui == "lab" else "notebook"
        command = [
            "timeout",
            "--signal=TERM",
            "--kill-after=10",
            str(self.max_lifetime_s),
            str(self.venv_bin / "jupyter"),
            app,
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            "--ServerApp.token=",
            "--ServerApp.password=",
            "--ServerApp.disable_check_xsrf=True",
            f"--ServerApp.root_dir={self.root_dir}",
            "--KernelSpecManager.ensure_native_kernel=True",
            # Trust signatures stay in memory instead of the user's nbsignatures.db.
            "--NotebookNotary.db_file=:memory:",
            "--expose-app-in-browser",
            # The pypi extension manager runs yarn at startup and may reach for the network.
            "--LabApp.extension_manager=readonly",
        ]
        if os.geteuid() == 0:
            command.append("--allow-root")
        return command

    def start(self) -> "JupyterServer":
        """Start the server and wait until ``/api/status`` answers; retries on a port clash."""
        for folder in (self.root_dir, self.settings_dir, self.workspaces_dir,
                       self.runtime_dir, self.config_dir, self.ipython_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self._seed_settings()
        self._seed_page_config()
        last_error = None
        for _attempt in range(3):
            self.port = free_port()
            try:
                self._launch_and_wait()
                return self
            except ServerStartError as error:
                last_error = error
                self._terminate()
                if "already in use" not in self.log_tail():
                    break
        raise ServerStartError(f"{last_error}\n--- server log ---\n{self.log_tail()}")

    def _launch_and_wait(self) -> None:
        self._log_file = open(self.log_path, "ab")
        self._log_file.write(f"\n=== {' '.join(self._command())}\n".encode())
        self._log_file.flush()
        self.process = subprocess.Popen(
            self._command(),
            cwd=self.root_dir,
            env=self._environment(),
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: killpg reaches timeout and jupyter
        )
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerStartError(
                    f"jupyter {self.ui} exited with {self.process.returncode} before answering"
                )
            try:
                if requests.get(f"{self.url}/api/status", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise ServerStartError(
            f"jupyter {self.ui} did not answer /api/status within {self.startup_timeout_s} s"
        )

    def stop(self) -> None:
        """Delete every kernel, stop the process group, and kill any kernel left behind."""
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                self.shutdown_kernels()
            except requests.RequestException:
                pass
        self._terminate()
        self._kill_leftover_kernels()

    def _terminate(self) -> None:
        process = self.process
        if process is not None:
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    try:
                        os.killpg(process.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    process.wait(timeout=10)
            else:
                # The wrapper may have died while jupyter lives on in the same group.
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def _kill_leftover_kernels(self) -> list[int]:
        """Kernels run in their own sessions; find ours by the runtime folder in their argv."""
        killed = []
        for pid in self.leftover_kernel_pids():
            try:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            except ProcessLookupError:
                pass
        return killed

    def leftover_kernel_pids(self) -> list[int]:
        """Pids of live processes whose command line names this server's runtime folder."""
        marker = str(self.runtime_dir).encode()
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if marker in cmdline:
                pids.append(int(entry.name))
        return pids

    # ----------------------------------------------------------------- REST helpers
    def get(self, api_path: str):
        response = requests.get(f"{self.url}{api_path}", timeout=10)
        response.raise_for_status()
        return response.json()

    def kernels(self) -> list[dict]:
        return self.get("/api/kernels")

    def sessions(self) -> list[dict]:
        return self.get("/api/sessions")

    def shutdown_kernels(self) -> None:
        """DELETE every kernel (and so every session) through the REST API."""
        for kernel in self.kernels():
            requests.delete(f"{self.url}/api/kernels/{kernel['id']}", timeout=30)

    def log_tail(self, lines: int = 60, line_chars: int = 400) -> str:
        """The last ``lines`` lines of the server log, each cut to ``line_chars``."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        tail = text.splitlines()[-lines:]
        return "\n".join(line if len(line) <= line_chars else line[:line_chars] + " [...]"
                         for line in tail)

    def __enter__(self) -> "JupyterServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.process and self.process.poll() is None else "stopped"
        return f"JupyterServer(ui={self.ui!r}, port={self.port}, {state})"
