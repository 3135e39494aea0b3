"""The ``subprocess`` mark (pytest.ini: the tests that run tools as
processes; they go first) is on exactly the tests that start a process:
a test is taken to spawn when it, a function of its module or of
conftest, or a fixture it uses calls a spawning helper of conftest
(``run_forked``, ``run_tool``, ``run_python``), ``subprocess`` or the
forked-tool harness."""
import ast
from pathlib import Path

from conftest import REPO

TESTS = Path(REPO) / 'tests'
#: conftest's helpers that start a process (and the forked-tool harness's
#: ``run_tool``).
SPAWNING_HELPERS = {'run_forked', 'run_tool', 'run_python'}


def spawning_names(tree: ast.Module) -> set:
    """The names a module's code can call to start a process: the
    ``subprocess`` module, conftest's spawning helpers and the forked-tool
    harness, as imported there."""
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names |= {
                a.asname or a.name
                for a in node.names if a.name == 'subprocess'
            }
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if (node.module == 'conftest'
                        and alias.name in SPAWNING_HELPERS) or (
                            node.module
                            == 'benchmarks.forked_tools') or (node.module
                                                              == 'subprocess'):
                    names.add(alias.asname or alias.name)
    return names


def used_names(node: ast.AST) -> set:
    return {
        n.id if isinstance(n, ast.Name) else n.arg
        for n in ast.walk(node) if isinstance(n, (ast.Name, ast.arg))
    }


def functions(tree: ast.Module) -> dict:
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


def is_marked(tree: ast.Module, test: ast.FunctionDef) -> bool:
    module_mark = any(
        isinstance(n, ast.Assign) and any(
            getattr(t, 'id', '') == 'pytestmark'
            for t in n.targets) and 'subprocess' in ast.unparse(n.value)
        for n in tree.body)
    return module_mark or any('mark.subprocess' in ast.unparse(d)
                              for d in test.decorator_list)


def mismatches():
    conftest = ast.parse((TESTS / 'conftest.py').read_text())
    conftest_spawning = {
        name
        for name, f in functions(conftest).items()
        if used_names(f) & {'subprocess', 'run_tool'}
    }
    assert conftest_spawning == SPAWNING_HELPERS - {'run_tool'}
    for path in sorted(TESTS.rglob('test_*.py')):
        tree = ast.parse(path.read_text())
        local = functions(tree)
        spawning = spawning_names(tree)
        known = {**functions(conftest), **local}

        def spawns(name, seen=()):
            if name in spawning or (name in conftest_spawning
                                    and name not in local):
                return True
            if name not in known or name in seen:
                return False
            return any(
                spawns(n, seen + (name, ))
                for n in used_names(known[name]) - {name})

        for name, test in local.items():
            if name.startswith('test_') and \
                    is_marked(tree, test) != spawns(name):
                yield (f'{path.relative_to(TESTS)}::{name}: ' +
                       ('marked subprocess, starts no process' if is_marked(
                           tree, test) else
                        'starts a process, not marked subprocess'))


def test_the_subprocess_mark_is_on_the_tests_that_spawn():
    assert list(mismatches()) == []
