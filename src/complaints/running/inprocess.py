"""Executing a report notebook without a kernel: papermill's engine for `--kernel inprocess`.

A Jupyter kernel is a process that takes cells as messages; for a batch of reports its start, its
messages and its stop cost more than some reports do (issue 15: 0.5 s to start and stop, and about
1 s to export and exit, for one report). This engine runs each code cell in an IPython shell in the
worker's own process instead: the same IPython that a kernel runs, so the cells behave as they do
in JupyterLab (`display`, the value of
a last expression, `%magics`); what they display, print and raise becomes the cell's outputs in
the executed notebook, in nbformat's shapes (display_data, execute_result, stream, error).
papermill still does everything else: it injects the parameters, records each cell's timing, stops
at the first error and raises PapermillExecutionError, and writes the executed notebook.

What it gives up, and how the batch makes up for it: a kernel is a process of its own, so a report
cannot disturb another or the worker. The batch therefore runs every report in a child process
forked from the worker (`run_forked`): the child inherits the worker's imports (pandas,
matplotlib, the report modules: imported once per worker, not once per report), runs the
notebook, writes its files and exits; a report that crashes or calls os._exit fails alone.

Within one cell, text printed and rich output displayed are kept as two runs (the printed text
first), not interleaved as a kernel would stream them; the report notebooks print nothing.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import sys
import traceback
from typing import ClassVar

from papermill.engines import Engine, papermill_engines

ENGINE = "complaints-inprocess"


def _shell():
    """The process's IPython shell, made once: no history file, tracebacks without colour codes, and
    results of last expressions collected rather than printed."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    if InteractiveShell.initialized():
        return InteractiveShell.instance()

    class Collecting(DisplayHook):
        """A last expression's value, formatted as a kernel would send it, kept for the cell."""

        results: ClassVar[list] = []

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            Collecting.results.append((format_dict, md_dict or {}))

        def finish_displayhook(self):
            pass

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    shell = InteractiveShell.instance(config=config)
    shell.displayhook = Collecting(shell=shell)
    shell.display_trap.hook = shell.displayhook
    return shell


def preload() -> None:
    """Make the shell now (in the worker), so that each report's forked child finds it made; then move
    everything the worker holds out of the garbage collector's sight (gc.freeze), so that a child's
    collections walk only what its report makes, not the worker's imports (and so leave the pages it
    shares with the worker unwritten)."""
    import gc

    _shell()
    warm_up()
    gc.collect()
    gc.freeze()


def warm_up() -> None:
    """What every report would otherwise do for itself, once in its child: compile the report templates,
    load matplotlib's fonts and draw with both backends, and look at a notebook's outputs the way the
    export does. Done once in the worker, every child inherits it."""
    import io

    from matplotlib.figure import Figure

    from ..reporting import templating

    env = templating.environment()
    for name in env.list_templates():
        env.get_template(name)
    templating.css()
    fig = Figure(figsize=(2, 1))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], marker="o")
    ax.set_title("warm-up")
    for fmt in ("svg", "png"):
        fig.savefig(io.BytesIO(), format=fmt, bbox_inches="tight")


def run_cell(shell, cell, execution_count: int) -> bool:
    """Run one code cell; its outputs replace the cell's. False if it raised."""
    from IPython.utils.capture import capture_output
    from nbformat.v4 import new_output

    tracebacks: list = []
    shell._showtraceback = lambda etype, evalue, stb: tracebacks.append(stb)
    hook = type(shell.displayhook)
    hook.results = []
    with capture_output() as captured:
        result = shell.run_cell(cell.source, store_history=False)
    outputs = []
    if captured.stdout:
        outputs.append(new_output("stream", name="stdout", text=captured.stdout))
    if captured.stderr:
        outputs.append(new_output("stream", name="stderr", text=captured.stderr))
    outputs += [new_output("display_data", data=o.data, metadata=o.metadata or {}) for o in captured.outputs]
    outputs += [
        new_output("execute_result", data=data, metadata=metadata, execution_count=execution_count)
        for data, metadata in hook.results
    ]
    error = result.error_before_exec or result.error_in_exec
    if error is not None:
        lines = tracebacks[-1] if tracebacks else traceback.format_exception(error)
        outputs.append(
            new_output("error", ename=type(error).__name__, evalue=str(error), traceback=[str(x) for x in lines])
        )
    cell.outputs = outputs
    cell.execution_count = execution_count
    return error is None


class InProcessEngine(Engine):
    """papermill's engine interface (see papermill.engines.NBClientEngine), cells run in this process."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
        shell = _shell()  # no reset: each report runs in a fresh child, whose shell has run nothing yet
        count = 0
        for index, cell in enumerate(nb_man.nb.cells):
            try:
                nb_man.cell_start(cell, index)
                if cell.cell_type == "code":
                    count += 1
                    if not run_cell(shell, cell, count):
                        nb_man.cell_exception(cell, cell_index=index)
                        break
            finally:
                nb_man.cell_complete(cell, cell_index=index)
        nb_man.nb.metadata["language_info"] = {
            "name": "python",
            "version": platform.python_version(),
            "mimetype": "text/x-python",
            "file_extension": ".py",
            "codemirror_mode": {"name": "ipython", "version": 3},
            "pygments_lexer": "ipython3",
            "nbconvert_exporter": "python",
        }
        return nb_man.nb


papermill_engines.register(ENGINE, InProcessEngine)


def run_forked(work, task: dict, log_path: str | None = None) -> dict:
    """work(task) in a child process forked from this one; its result (a JSON-able dict).

    The child's stdout and stderr go to `log_path` (what a kernel's log file held). A child that
    dies without a result (a crash, os._exit, a signal) gives {"status": "failed", "error": ...}."""
    from .kernel import die_with_parent

    read_end, write_end = os.pipe()
    worker = os.getpid()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child; its coverage is not collected
        status = 1
        try:
            os.close(read_end)
            die_with_parent(worker)  # a worker that ends takes the report it was building with it
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            if log_path:
                fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(fd, 1)
                os.dup2(fd, 2)
                os.close(fd)
            result = work(task)
            with os.fdopen(write_end, "w", encoding="utf-8") as out:
                out.write(json.dumps(result))
            status = 0
        except BaseException:  # whatever happened, the child must not return into the worker
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, encoding="utf-8") as pipe:
        text = pipe.read()
    _, wait_status = os.waitpid(pid, 0)
    if text:
        return json.loads(text)
    if os.WIFSIGNALED(wait_status):
        why = f"the report's process was killed by signal {os.WTERMSIG(wait_status)}"
    else:
        why = f"the report's process exited with status {os.waitstatus_to_exitcode(wait_status)} before it finished"
    return {"status": "failed", "error": why}
