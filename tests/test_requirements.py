"""The CPU lock pins every requirement setup.py declares, inside its range
(issue 21: setuptools was unpinned, the venv got 84.x without
pkg_resources and every scoped `pkg::` config failed)."""
import ast
import re

from conftest import REPO
from packaging.requirements import Requirement


def declared():
    tree = ast.parse(open(f'{REPO}/setup.py').read())
    call = next(
        n for n in ast.walk(tree)
        if isinstance(n, ast.Call) and getattr(n.func, 'id', '') == 'setup')
    value = next(k.value for k in call.keywords if k.arg == 'install_requires')
    return [Requirement(ast.literal_eval(v)) for v in value.elts]


def locked():
    pins = {}
    for line in open(f'{REPO}/requirements/cpu.txt'):
        match = re.match(r'([A-Za-z0-9_.-]+)==(\S+)', line.strip())
        if match:
            pins[match[1].lower().replace('_', '-')] = match[2]
    return pins


def test_lock_pins_every_declared_requirement_in_range():
    pins = locked()
    for req in declared():
        name = req.name.lower().replace('_', '-')
        assert name in pins, f'{req.name} is not pinned in cpu.txt'
        assert req.specifier.contains(
            pins[name], prereleases=True), (
                f'cpu.txt pins {name}=={pins[name]}, setup.py asks {req}')
