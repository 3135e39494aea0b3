"""The tools' error boundary: a user's mistake is one line, not a stack."""
import pytest

from diswot_mm.apis.cli import run_tool


def raises(err):

    def main():
        raise err

    return main


def test_a_user_error_is_one_line_and_exit_status_1(capsys, monkeypatch):
    monkeypatch.delenv('DISWOT_MM_TRACEBACK', raising=False)
    with pytest.raises(SystemExit) as exit_:
        run_tool(raises(FileNotFoundError("data_root='x' does not exist.")))
    assert exit_.value.code == 1
    assert capsys.readouterr().err == (
        "FileNotFoundError: data_root='x' does not exist.\n")
    with pytest.raises(SystemExit):
        run_tool(raises(KeyError("unknown estimator 'X'")))
    # a KeyError's message without the quotes its str() adds
    assert capsys.readouterr().err == "KeyError: unknown estimator 'X'\n"


def test_the_traceback_on_request_and_other_errors_propagate(monkeypatch):
    monkeypatch.setenv('DISWOT_MM_TRACEBACK', '1')
    with pytest.raises(ValueError, match='bad'):
        run_tool(raises(ValueError('bad')))
    monkeypatch.delenv('DISWOT_MM_TRACEBACK')
    with pytest.raises(ZeroDivisionError):  # a bug, not an input: its stack
        run_tool(raises(ZeroDivisionError('x')))
    run_tool(lambda: None)  # a tool that succeeds returns
