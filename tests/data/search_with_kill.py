"""tools/search.py that SIGKILLs itself at a chosen moment (fault tests).

    python tests/data/search_with_kill.py MOMENT N [tools/search.py args]

MOMENT, at its N-th occurrence (1-based):
  score    before a candidate is scored
  check    before a constraint check
  save     before a search state is written
  torn     after half of a state's JSON is in its temporary file
  replace  after the temporary file is fsynced, before the rename
  report   before the final outputs are written
"""
import json
import os
import runpy
import signal
import sys

import diswot_mm  # noqa: F401
from diswot_mm.engine.hooks import search_report_hook
from diswot_mm.engine.runner import search_state
from diswot_mm.models.task_modules.estimators import (
    ActivePathResourceEstimator, DisWOTEstimator)

MOMENT, AT = sys.argv[1], int(sys.argv[2])


def kill(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)


def torn_dump(obj, f, **kwargs):
    text = json.dumps(obj, **kwargs)
    f.write(text[:len(text) // 2])
    f.flush()
    os.fsync(f.fileno())
    kill()


def on_nth(original, action=kill):
    """``original``, with ``action`` run first at its AT-th call."""
    count = 0

    def wrapper(*args, **kwargs):
        nonlocal count
        count += 1
        if count == AT:
            action(*args, **kwargs)
        return original(*args, **kwargs)

    return wrapper


def proxy(module, **overrides):
    """A copy of ``module`` with some attributes replaced."""
    copy = type(sys)(module.__name__)
    copy.__dict__.update(module.__dict__, **overrides)
    return copy


if MOMENT == 'score':
    DisWOTEstimator.score = on_nth(DisWOTEstimator.score)
elif MOMENT == 'check':
    ActivePathResourceEstimator.check_subnet = on_nth(
        ActivePathResourceEstimator.check_subnet)
elif MOMENT == 'save':
    search_state.write_state = on_nth(search_state.write_state)
elif MOMENT == 'torn':
    search_state.json = proxy(json, dump=on_nth(json.dump, torn_dump))
elif MOMENT == 'replace':
    search_state.os = proxy(os, replace=on_nth(os.replace))
elif MOMENT == 'report':
    search_report_hook.write_search_report = on_nth(
        search_report_hook.write_search_report)
else:
    raise SystemExit(f'unknown moment {MOMENT!r}')

sys.argv = ['tools/search.py'] + sys.argv[3:]
runpy.run_path('tools/search.py', run_name='__main__')
