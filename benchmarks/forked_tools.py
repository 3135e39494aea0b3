"""Run the repository's tools (``python tools/search.py ...``) as processes
forked from a server that has already imported torch, the OpenMMLab stack
and diswot_mm, instead of a fresh interpreter each.

A fresh interpreter spends about 12 s of CPU on imports on the 2-core dev
machine before a tool does anything; the test suite and the benchmark
drivers run dozens of tools. multiprocessing's ``forkserver`` with these
modules preloaded pays that once per calling process. Each tool still runs
in its own process (signals, ``os._exit``, a crash or SIGKILL stay there),
as ``__main__``, with its own argv, working directory, environment and
output streams; it freezes the preloaded objects (:func:`gc.freeze`) so
that mmengine's ``gc.collect()`` at every dataset build does not rescan
them (about 1 s each). What cannot be re-done after the imports (import-time
behaviour, ``OMP_NUM_THREADS`` read when torch loads) needs a fresh
interpreter: use :mod:`subprocess` for that.
"""
import gc
import multiprocessing
import os
import os.path as osp
import runpy
import subprocess
import sys
import tempfile
import traceback
import warnings
from typing import Dict, Optional, Sequence

#: Imported once by the fork server: what every tool imports anyway.
PRELOAD = ['diswot_mm', 'mmengine.runner', 'diswot_mm.apis.cli']


def run_tool(argv: Sequence[str],
             cwd: str,
             env: Optional[Dict[str, str]] = None,
             timeout: Optional[float] = None,
             log: Optional[str] = None) -> subprocess.CompletedProcess:
    """``python *argv`` forked from the preloaded server, like
    ``subprocess.run(argv, capture_output=True, text=True)``.

    Args:
        argv (Sequence[str]): A script path and its arguments, ``['-m',
            module, ...]`` or ``['-c', code, ...]``.
        cwd (str): Working directory of the tool.
        env (dict, optional): Its environment; defaults to this one's.
            ``PYTHONPATH`` entries are put in front of ``sys.path``;
            ``PYTHONWARNINGS='ignore'`` silences warnings.
        timeout (float, optional): Seconds before it is killed.
        log (str, optional): Write stdout and stderr, merged, to this file
            instead of returning them (``stdout``/``stderr`` are then None).

    Returns:
        subprocess.CompletedProcess: ``returncode`` is the tool's exit code,
        1 after an uncaught exception (its traceback on stderr), -N when
        signal N killed it.

    Raises:
        subprocess.TimeoutExpired: After ``timeout`` seconds (it is killed).
    """
    context = multiprocessing.get_context('forkserver')
    context.set_forkserver_preload(PRELOAD)
    env = dict(os.environ if env is None else env)
    with tempfile.TemporaryDirectory() as folder:
        out = log or osp.join(folder, 'stdout')
        err = log or osp.join(folder, 'stderr')
        proc = context.Process(
            target=_become_tool, args=(list(argv), cwd, env, out, err))
        proc.start()
        proc.join(timeout)
        if proc.exitcode is None:
            proc.kill()
            proc.join()
            raise subprocess.TimeoutExpired(list(argv), timeout)
        if log:
            return subprocess.CompletedProcess(list(argv), proc.exitcode)
        with open(out) as f_out, open(err) as f_err:
            return subprocess.CompletedProcess(
                list(argv), proc.exitcode, f_out.read(), f_err.read())


def _become_tool(argv, cwd, env, out, err):
    """In the forked process: run ``python *argv`` and exit with its code
    (never returns)."""
    if out == err:
        os.dup2(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 1)
        os.dup2(1, 2)
    else:
        for fd, path in ((1, out), (2, err)):
            os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
    sys.stdout = open(1, 'w', buffering=1, closefd=False)
    sys.stderr = open(2, 'w', buffering=1, closefd=False)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    for path in reversed(env.get('PYTHONPATH', '').split(os.pathsep)):
        if path and path not in sys.path:
            sys.path.insert(0, path)
    if env.get('PYTHONWARNINGS') == 'ignore':
        warnings.simplefilter('ignore')
    gc.freeze()  # the preloaded modules: not rescanned by every gc.collect
    code = 0
    try:
        if argv[0] == '-c':
            sys.argv = ['-c', *argv[2:]]
            code_object = compile(argv[1], '<string>', 'exec')
            exec(code_object, {'__name__': '__main__'})
        elif argv[0] == '-m':
            sys.argv = argv[1:]
            runpy.run_module(argv[1], run_name='__main__', alter_sys=True)
        else:
            sys.argv = list(argv)
            sys.path.insert(0, osp.dirname(osp.abspath(argv[0])))
            runpy.run_path(argv[0], run_name='__main__')
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
