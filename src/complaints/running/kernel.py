"""The project's Jupyter kernel: registered inside the environment and used by name.

`install_kernelspec()` writes a kernel called `complaints` into the environment
(`<sys.prefix>/share/jupyter/kernels/complaints`) whose command is this environment's own Python,
so a report is always executed with the package versions in uv.lock, whatever kernels the machine
or the user has. `ProjectKernelManager` looks the kernel up in that folder only, so a user or
system kernel of the same name can never win.

Preloaded kernels (the default for `complaints reports`). Starting a kernel costs about a second
of processor time before the first cell runs (Python, IPython, ipykernel, zmq and the debugger),
and the report's first cell then imports pandas, matplotlib and the package: that is most of
the time a short report takes. A `KernelForkServer` does that work once per worker: it is a
small process that imports what `python -m ipykernel_launcher` imports plus the report's
modules, never runs any notebook code itself, and forks one fresh kernel process per report.
Each forked kernel is then exactly an ordinary ipykernel started with the kernelspec's command
line (same argv, environment, working directory, connection file): it only finds some modules
already imported. It is a new process per report, so no variable, figure or state passes from
one report to another. Linux only (it needs fork and pidfds); elsewhere, and with
`--kernel fresh`, kernels are started the ordinary way.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from typing import ClassVar

KERNEL_NAME = "complaints"
DISPLAY_NAME = "Python (complaints)"
# Modules the fork server always imports besides ipykernel's own and what the notebook imports
# (`notebook_imports`): the report's charts import seaborn (and with it scipy.stats) inside a
# function, where a scan of the notebook cannot see it, and it is the largest import a report
# makes. None of them changes any state on import that a report could see (seaborn only adds
# its named colour maps to matplotlib's registry).
BASE_PRELOAD = ("numpy", "pandas", "scipy.stats", "matplotlib", "seaborn")


# --------------------------------------------------------------------------- dying with the parent

PR_SET_PDEATHSIG = 1  # prctl(2): the signal this process gets when its parent thread exits


def die_with_parent(parent: int, sig: int = signal.SIGKILL) -> bool:
    """Ask Linux to send `sig` to this process when its parent (pid `parent`) exits, so that a
    batch killed with `kill -9` leaves no worker, fork server or kernel behind taking jobs and
    writing files. Exits at once if the parent has already gone. False where prctl is not
    available (not Linux): there, workers notice a dead parent only when they next talk to it."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if os.getppid() != parent:  # the parent died before the request was in place
        os._exit(1)
    return True


# --------------------------------------------------------------------------- kernelspec


def kernels_dir(prefix: str | Path | None = None) -> Path:
    """The folder of kernelspecs inside the environment (`<prefix>/share/jupyter/kernels`)."""
    return Path(prefix or sys.prefix) / "share" / "jupyter" / "kernels"


def kernel_argv(python: str | None = None) -> list[str]:
    return [python or sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]


def kernelspec(python: str | None = None) -> dict:
    return {
        "argv": kernel_argv(python),
        "display_name": DISPLAY_NAME,
        "language": "python",
        "metadata": {"debugger": True, "supported_encryption": ["curve"]},
        "kernel_protocol_version": "5.5",
    }


def install_kernelspec(prefix: str | Path | None = None, python: str | None = None) -> Path:
    """Write (or refresh) the `complaints` kernelspec in the environment; return its folder.

    Only rewritten when its content changes, and atomically, so parallel workers can all call it.
    """
    folder = kernels_dir(prefix) / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "kernel.json"
    text = json.dumps(kernelspec(python), indent=1) + "\n"
    try:
        if target.read_text(encoding="utf-8") == text:
            return folder
    except OSError:
        pass
    temp = folder / f".kernel.json.tmp-{os.getpid()}"
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, target)
    return folder


def jupyter_env(env: dict[str, str] | None = None, prefix: str | Path | None = None) -> dict[str, str]:
    """`env` (default: os.environ) with the environment's Jupyter folder first on JUPYTER_PATH,
    for command-line tools (jupyter lab, papermill) that look kernels up by name."""
    env = dict(os.environ if env is None else env)
    first = str(Path(prefix or sys.prefix) / "share" / "jupyter")
    rest = [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p and p != first]
    env["JUPYTER_PATH"] = os.pathsep.join([first, *rest])
    return env


def kernel_spec_manager(prefix: str | Path | None = None):
    """A KernelSpecManager that sees the environment's kernels folder only."""
    from jupyter_client.kernelspec import KernelSpecManager

    return KernelSpecManager(kernel_dirs=[str(kernels_dir(prefix))], ensure_native_kernel=False)


# --------------------------------------------------------------------------- kernel manager


def _manager_class():
    """ProjectKernelManager, built on first use so that importing this module stays cheap."""
    global ProjectKernelManager
    if ProjectKernelManager is not None:
        return ProjectKernelManager
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.provisioning.local_provisioner import LocalProvisioner
    from traitlets import default

    class ForkProvisioner(LocalProvisioner):
        """Launches the kernel by asking the worker's fork server for it (see module doc)."""

        server: KernelForkServer | ForkClient | None = None

        async def launch_kernel(self, cmd, **kwargs):
            server = self.server
            if server is None or not server.accepts(cmd):
                return await super().launch_kernel(cmd, **kwargs)
            cwd = kwargs.get("cwd") or os.getcwd()
            log = getattr(kwargs.get("stderr"), "name", None)
            self.process = server.fork(
                cmd, env=kernel_env(kwargs.get("env")), cwd=str(cwd), log=log if isinstance(log, str) else None
            )
            self.pid = self.process.pid
            self.pgid = self.process.pid  # the kernel starts its own session, as launch_kernel does
            self.cwd = cwd
            return self.connection_info

    class _ProjectKernelManager(AsyncKernelManager):
        """Starts the `complaints` kernel from the environment's own kernelspec folder, forked
        from `fork_server` when one is set (class attribute, one per worker process)."""

        fork_server: KernelForkServer | ForkClient | None = None
        kernel_log: str | None = None  # a file for the kernel's stdout and stderr (None: inherited)
        _log_files: ClassVar[list] = []

        @classmethod
        def close_logs(cls) -> None:
            while cls._log_files:
                cls._log_files.pop().close()

        @default("kernel_spec_manager")
        def _kernel_spec_manager_default(self):
            return kernel_spec_manager()

        @default("kernel_name")
        def _kernel_name_default(self):
            return KERNEL_NAME

        @default("transport_encryption")
        def _transport_encryption_default(self):
            # CurveZMQ between the worker and its kernel when the kernel supports it (ours does):
            # jupyter_client's default leaves the channels in plain text and the kernel warns.
            import zmq

            return "auto" if zmq.has("curve") else "disabled"

        async def _async_pre_start_kernel(self, **kw):
            if type(self).kernel_log and "stderr" not in kw:
                # the kernel's own output (ipykernel's shutdown messages among it) goes to a file,
                # not to the terminal of the batch; the batch reads it when a report fails
                handle = open(type(self).kernel_log, "ab")  # noqa: SIM115 - closed by close_logs
                type(self)._log_files.append(handle)
                kw["stdout"] = kw["stderr"] = handle
            if self.provisioner is None and type(self).fork_server is not None:
                self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or str(uuid.uuid4())
                provisioner = ForkProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
                provisioner.server = type(self).fork_server
                self.provisioner = provisioner
            return await super()._async_pre_start_kernel(**kw)

    ProjectKernelManager = _ProjectKernelManager
    return ProjectKernelManager


ProjectKernelManager = None  # set by _manager_class()


def manager_class(fork_server: KernelForkServer | ForkClient | None = None):
    """The kernel manager class to hand to papermill/nbclient (`kernel_manager_class=`)."""
    cls = _manager_class()
    cls.fork_server = fork_server
    return cls


# --------------------------------------------------------------------------- fork server


def kernel_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment jupyter_client gives a kernel it launches (provisioner + launch_kernel)."""
    env = dict(os.environ if env is None else env)
    env.pop("PYTHONEXECUTABLE", None)
    env["JPY_PARENT_PID"] = str(os.getpid())
    return env


def notebook_imports(notebook: str | Path) -> list[str]:
    """Modules imported by the top-level statements of a notebook's code cells, in order.

    These are what a fork server may preload: the kernel would import them anyway, so importing
    them earlier changes nothing but the time it takes (see the module doc).
    """
    import ast

    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    names: list[str] = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        try:
            tree = ast.parse("\n".join(lines))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
    return list(dict.fromkeys(names))


def fork_supported() -> bool:
    return (
        sys.platform.startswith("linux")
        and hasattr(os, "fork")
        and hasattr(os, "pidfd_open")
        and hasattr(signal, "pidfd_send_signal")
        and hasattr(socket, "send_fds")
    )


class ForkedProcess:
    """What jupyter_client needs of a Popen, for a kernel forked by the fork server.

    The kernel is the fork server's child, not ours, so it is watched through a pidfd: readable
    once the process has exited, and a race-free way to signal it. Its exit code is not known
    here (the fork server reaps it); 0 is reported, as nothing downstream reads it.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int, pidfd: int):
        self.pid = pid
        self._pidfd: int | None = pidfd
        self.returncode: int | None = None

    def _exited(self, timeout: float | None) -> bool:
        if self._pidfd is None:
            return True
        ready, _, _ = select.select([self._pidfd], [], [], timeout)
        if ready:
            os.close(self._pidfd)
            self._pidfd = None
            self.returncode = 0
        return bool(ready)

    def poll(self) -> int | None:
        self._exited(0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self._exited(timeout):
            raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        if self._pidfd is None:
            raise ProcessLookupError(self.pid)
        signal.pidfd_send_signal(self._pidfd, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def __del__(self):
        if self._pidfd is not None:
            with contextlib.suppress(OSError):
                os.close(self._pidfd)


class ForkClient:
    """One connection to a fork server: asks it for kernels (one per worker process)."""

    def __init__(self, address: str | None = None, sock: socket.socket | None = None):
        if sock is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(address)
        self._sock = sock
        self._hello: dict | None = None

    @property
    def hello(self) -> dict:
        """The server's greeting, sent once it has imported everything (waits for it)."""
        if self._hello is None:
            line = b""
            while not line.endswith(b"\n"):
                chunk = self._sock.recv(1)
                if not chunk:
                    raise RuntimeError("the kernel fork server exited before it was ready")
                line += chunk
            self._hello = json.loads(line)
        return self._hello

    def accepts(self, cmd: list[str]) -> bool:
        """Only the kernelspec's own command (the server's Python, -m ipykernel_launcher) is forked."""
        return (
            len(cmd) >= 3
            and cmd[1:3] == ["-m", "ipykernel_launcher"]
            and os.path.realpath(cmd[0]) == os.path.realpath(self.hello["python"])
        )

    def fork(self, cmd: list[str], env: dict[str, str], cwd: str, log: str | None = None) -> ForkedProcess:
        """A kernel forked with this argv, environment and folder; its stdout and stderr appended to
        the file `log` (None: the fork server's own)."""
        self.hello  # noqa: B018 - wait until the server is ready
        request = {"argv": cmd[3:], "env": env, "cwd": cwd, "log": log}
        self._sock.sendall(json.dumps(request).encode() + b"\n")
        msg, fds, _flags, _addr = socket.recv_fds(self._sock, 65536, 1)
        if not msg:
            raise RuntimeError("the kernel fork server exited")
        reply = json.loads(msg)
        if "error" in reply or not fds:
            for fd in fds:
                os.close(fd)
            raise RuntimeError(f"the kernel fork server could not start a kernel: {reply.get('error')}")
        return ForkedProcess(int(reply["pid"]), fds[0])

    def close(self) -> None:
        self._sock.close()


class KernelForkServer:
    """A process that has imported the kernel's modules and forks one kernel per request.

    Started once per batch by the main process, before the metrics are computed, so that its
    imports overlap that work; workers connect to `address` with a ForkClient. It exits when
    `close()` is called or the process that started it goes away.
    """

    def __init__(
        self,
        preload: list[str] | tuple[str, ...] = BASE_PRELOAD,
        python: str | None = None,
        cwd: str | Path | None = None,
        directory: str | Path | None = None,
    ):
        import tempfile

        self.python = python or sys.executable
        self._dir = tempfile.mkdtemp(prefix="complaints-kernels-", dir=directory)
        self.address = os.path.join(self._dir, "fork.sock")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        code = (
            "import sys; from complaints.running.kernel import _serve; "
            "_serve(int(sys.argv[1]), sys.argv[2], sys.argv[3:])"
        )
        preload = list(dict.fromkeys(preload))
        self.process = subprocess.Popen(
            [self.python, "-c", code, str(theirs.fileno()), self.address, *preload],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,  # keep the batch's own stdout clean
            env={**kernel_env(), "COMPLAINTS_OWNER_PID": str(os.getpid())},
            cwd=cwd,
        )
        theirs.close()
        self.client = ForkClient(sock=ours)

    @property
    def preloaded(self) -> list[str]:
        return self.client.hello.get("preloaded", [])

    @property
    def failed(self) -> dict[str, str]:
        return self.client.hello.get("failed", {})

    def accepts(self, cmd: list[str]) -> bool:
        return self.client.accepts(cmd)

    def fork(self, cmd: list[str], env: dict[str, str], cwd: str, log: str | None = None) -> ForkedProcess:
        return self.client.fork(cmd, env, cwd, log)

    def close(self) -> None:
        import shutil

        try:
            self.client.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        finally:
            shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _reap(*_args) -> None:
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _serve(owner_fd: int, address: str, preload: list[str]) -> None:  # pragma: no cover - in the fork server
    """The fork server's main loop (see KernelForkServer)."""
    import selectors

    owner = socket.socket(fileno=owner_fd)
    if os.environ.get("COMPLAINTS_OWNER_PID", "").isdigit():
        die_with_parent(int(os.environ["COMPLAINTS_OWNER_PID"]))
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address)  # before the imports, so workers can connect while they run
    listener.listen(64)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the batch, which closes us
    # As ipykernel_launcher: the working directory is not importable while the kernel loads.
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]
    # ipykernel sets this default before any user code runs; matplotlib reads it when imported,
    # so it must be in place before matplotlib is preloaded.
    if not os.environ.get("MPLBACKEND"):
        os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    import gc
    import importlib

    import ipykernel.ipkernel
    import ipykernel.kernelapp
    import ipykernel.zmqshell  # noqa: F401

    preloaded, failed = [], {}
    for name in preload:
        try:
            importlib.import_module(name)
            preloaded.append(name)
        except Exception as exc:
            failed[name] = f"{type(exc).__name__}: {exc}"
    gc.collect()
    gc.freeze()  # keep the preloaded objects' pages shared with the kernels
    signal.signal(signal.SIGCHLD, _reap)
    hello = json.dumps({"python": sys.executable, "preloaded": preloaded, "failed": failed}).encode() + b"\n"
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ)
    clients: dict[socket.socket, bytes] = {}

    def add(conn: socket.socket) -> None:
        conn.sendall(hello)
        clients[conn] = b""
        sel.register(conn, selectors.EVENT_READ)

    add(owner)
    server_pid = os.getpid()
    while owner in clients:
        for key, _ in sel.select():
            if key.fileobj is listener:
                add(listener.accept()[0])
                continue
            conn = key.fileobj
            try:
                chunk = conn.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                sel.unregister(conn)
                del clients[conn]
                conn.close()
                continue
            clients[conn] += chunk
            while b"\n" in clients[conn]:
                line, clients[conn] = clients[conn].split(b"\n", 1)
                request = json.loads(line)
                try:
                    pid = os.fork()
                except OSError as exc:
                    conn.sendall(json.dumps({"error": str(exc)}).encode())
                    continue
                if pid == 0:
                    die_with_parent(server_pid)  # a kernel never outlives its fork server
                    sel.close()
                    for sock in [listener, *clients]:
                        sock.close()
                    _become_kernel(request)  # never returns
                pidfd = os.pidfd_open(pid)
                socket.send_fds(conn, [json.dumps({"pid": pid}).encode()], [pidfd])
                os.close(pidfd)
    listener.close()


def _become_kernel(request: dict) -> None:  # pragma: no cover - runs in a forked kernel
    """In the forked child: set up the process as `python -m ipykernel_launcher ARGV` would be."""
    code = 1
    try:
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.setsid()  # its own session and process group, like jupyter_client's launch_kernel
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        if request.get("log"):
            log = os.open(request["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            os.dup2(log, 1)
            os.dup2(log, 2)
            os.close(log)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        import random

        random.seed()  # fresh entropy, as a new interpreter would have
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()
        site = os.path.dirname(os.path.dirname(sys.modules["ipykernel"].__file__))
        sys.argv = [os.path.join(site, "ipykernel_launcher.py"), *request["argv"]]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        try:
            import atexit

            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    """`python -m complaints.running.kernel`: register the project's kernel; say where."""
    folder = install_kernelspec()
    logging.getLogger(__name__).info(
        f"kernel '{KERNEL_NAME}' ({DISPLAY_NAME}) registered in {folder}, running {sys.executable}"
    )
    return 0


if __name__ == "__main__":
    from .logs import configure

    configure(0)
    sys.exit(main())
