import multiprocessing
import os
import runpy
import shutil
import socket
import subprocess
import sys
import tempfile
import traceback
import warnings
from typing import Callable, Dict, Optional, Sequence

import pytest
import torch
from filelock import FileLock

import diswot_mm  # noqa: F401  (applies the compat fixes first)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

if os.environ.get('PYTEST_XDIST_WORKER'):
    # `make test` runs one xdist worker per core: one torch thread each, and
    # in every interpreter a test starts (it inherits the environment).
    os.environ.update(OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    torch.set_num_threads(1)


def free_port() -> str:
    """A TCP port the OS has free now, for a torchrun / gloo master, so that
    tests running at the same time (xdist workers, other checkouts) do not
    collide on a fixed one."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return str(s.getsockname()[1])


def once_per_session(tmp_path_factory, name: str, make: Callable[[str], None]):
    """The folder ``name`` that ``make(folder)`` fills once per pytest run,
    shared by every xdist worker: the first to ask makes it under a file
    lock, the others wait and reuse it (a failed ``make`` is retried by the
    next). Tests must only read it."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get('PYTEST_XDIST_WORKER'):
        root = root.parent  # the base folder all workers of this run share
    folder = root / name
    with FileLock(f'{folder}.lock'):
        if not (folder / '.made').exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            (folder / '.made').touch()
    return folder


def pytest_collection_modifyitems(config, items):
    """Tests marked ``cuda`` are skipped where no CUDA device is."""
    import torch
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason='needs a CUDA device (marker cuda)')
    for item in items:
        if 'cuda' in item.keywords:
            item.add_marker(skip)


# What a tool's interpreter imports anyway, loaded once by the fork server
# (about 12 s of CPU per fresh interpreter on the 2-core dev machine).
TOOL_PRELOAD = ['conftest', 'mmengine.runner', 'diswot_mm.utils.cli']


def run_forked(
        argv: Sequence[str],
        timeout: float = 600,
        cwd: str = REPO,
        env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    """Run ``python *argv`` (a script path, ``-m module`` or ``-c code``) as
    its own process, like ``subprocess.run(..., capture_output=True,
    text=True)``, but forked from a server that has already imported torch,
    the OpenMMLab stack and diswot_mm, instead of a fresh interpreter.

    The tool runs as ``__main__`` with its own argv, cwd, environment,
    stdout and stderr; its exit code is its ``sys.exit`` code, 1 on an
    uncaught exception (traceback on stderr) and -N when signal N killed it.
    Tests of import-time behaviour (compat fixes) keep fresh interpreters
    (:func:`run_python`); tools/*.sh launchers start their own.

    Raises:
        subprocess.TimeoutExpired: after ``timeout`` seconds (it is killed).
    """
    context = multiprocessing.get_context('forkserver')
    context.set_forkserver_preload(TOOL_PRELOAD)
    env = dict(os.environ if env is None else env)
    with tempfile.TemporaryDirectory() as folder:
        out, err = (os.path.join(folder, name) for name in ('out', 'err'))
        proc = context.Process(
            target=_tool_main, args=(list(argv), cwd, env, out, err))
        proc.start()
        proc.join(timeout)
        if proc.exitcode is None:
            proc.kill()
            proc.join()
            raise subprocess.TimeoutExpired(argv, timeout)
        with open(out) as f_out, open(err) as f_err:
            return subprocess.CompletedProcess(
                list(argv), proc.exitcode, f_out.read(), f_err.read())


def _tool_main(argv, cwd, env, out, err):
    """In the forked process: become ``python *argv`` and exit with its
    code (never returns)."""
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
    code = 0
    try:
        if argv[0] == '-c':
            sys.argv = ['-c', *argv[2:]]
            exec(
                compile(argv[1], '<string>', 'exec'), {'__name__': '__main__'})
        elif argv[0] == '-m':
            sys.argv = argv[1:]
            runpy.run_module(argv[1], run_name='__main__', alter_sys=True)
        else:
            sys.argv = list(argv)
            sys.path.insert(0, os.path.dirname(os.path.abspath(argv[0])))
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


def run_python(code: str, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter (nothing imported yet)."""
    env = dict(os.environ, PYTHONWARNINGS='ignore')
    env.pop('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', None)
    return subprocess.run([sys.executable, '-c', code],
                          capture_output=True,
                          text=True,
                          timeout=timeout,
                          cwd=REPO,
                          env=env)


def select(supernet, arch: str) -> None:
    """Select ``arch`` (in its space's naming) in an mmrazor supernet."""
    from diswot_mm.models.search_spaces import alias_to_choices
    backbone = supernet.architecture.backbone
    supernet.mutator.set_choices(
        alias_to_choices(supernet.mutator, backbone.decode(arch)))


@pytest.fixture(scope='session')
def sample_batch():
    """The 20 embedded CIFAR-100 images, normalised: (20, 3, 32, 32), (20,)."""
    from diswot_mm.datasets import load_minibatch
    return load_minibatch()
