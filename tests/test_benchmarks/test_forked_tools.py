"""run_tool: a tool forked from the preloaded server behaves as
``python *argv`` in a process of its own (exit codes, streams, signals,
argv, cwd, environment, timeout)."""
import os
import subprocess

import pytest

from benchmarks.forked_tools import run_tool


@pytest.mark.subprocess
def test_streams_exit_code_argv_cwd_and_environment(tmp_path):
    script = tmp_path / 'tool.py'
    script.write_text(
        'import os, sys\n'
        "print('out', sys.argv[1:], os.getcwd(), os.environ['MY_VAR'])\n"
        "print('err', __name__, file=sys.stderr)\n"
        'sys.exit(int(sys.argv[1]))\n')
    result = run_tool([str(script), '3'],
                      cwd=str(tmp_path),
                      env=dict(os.environ, MY_VAR='seen'))
    assert result.returncode == 3
    assert result.stdout == f"out ['3'] {tmp_path} seen\n"
    assert result.stderr == 'err __main__\n'


@pytest.mark.subprocess
def test_an_uncaught_exception_is_exit_1_with_its_traceback(tmp_path):
    result = run_tool(['-c', 'raise ValueError("no such thing")'],
                      cwd=str(tmp_path))
    assert result.returncode == 1
    assert 'Traceback' in result.stderr
    assert result.stderr.strip().endswith('ValueError: no such thing')


@pytest.mark.subprocess
def test_a_message_exit_and_a_signal(tmp_path):
    message = run_tool(['-c', 'import sys; sys.exit("bad input")'],
                       cwd=str(tmp_path))
    assert (message.returncode, message.stderr) == (1, 'bad input\n')
    killed = run_tool(
        ['-c', 'import os, signal; os.kill(os.getpid(), signal.SIGKILL)'],
        cwd=str(tmp_path))
    assert killed.returncode == -9


@pytest.mark.subprocess
def test_module_form_log_file_and_timeout(tmp_path):
    log = tmp_path / 'tool.log'
    result = run_tool(['-m', 'json.tool', '--help'],
                      cwd=str(tmp_path),
                      log=str(log))
    assert result.returncode == 0 and result.stdout is None
    assert 'usage: python -m json.tool' in log.read_text()
    with pytest.raises(subprocess.TimeoutExpired):
        run_tool(['-c', 'import time; time.sleep(60)'],
                 cwd=str(tmp_path),
                 timeout=2)
