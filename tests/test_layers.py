"""The package's layers run one way: no module imports from a higher
layer (top-level, function-level and relative imports alike)."""
import ast
from pathlib import Path

from conftest import REPO

#: Bottom to top: each layer may import its own and lower ones only.
LAYERS = [
    {'compat', 'registry', 'utils'},  # the stack's fixes, registries, helpers
    {'datasets'},  # the minibatch, data sets, handoff checks
    {'models'},  # networks, search spaces, estimators, losses, algorithms
    {'analysis', 'deployment'},  # rank statistics, ONNX export
    {'engine'},  # the search loop, its state and report hook
    {'apis'},  # what the tools call
]
#: mmpretrain's convention: ``register_all_modules`` imports every registry
#: module of the package, inside the function (utils/setup_env.py).
EXEMPT = {('utils/setup_env.py', 'datasets'), ('utils/setup_env.py', 'engine'),
          ('utils/setup_env.py', 'models')}
PACKAGE = Path(REPO) / 'diswot_mm'


def layer_of(part: str) -> int:
    for index, names in enumerate(LAYERS):
        if part in names:
            return index
    raise AssertionError(f'diswot_mm.{part} is in no layer of LAYERS')


def imported_parts(source: str, package: tuple):
    """(line, first part after ``diswot_mm.``) of each import of
    diswot_mm in ``source``, a module of ``package`` (e.g. ``('diswot_mm',
    'datasets')``)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or '']
            if node.level:
                base = package[:len(package) - node.level + 1]
                names = [
                    '.'.join(base + ((node.module, ) if node.module else ()))
                ]
        else:
            continue
        for name in names:
            parts = name.split('.')
            if parts[0] == 'diswot_mm' and len(parts) > 1:
                yield node.lineno, parts[1]


def test_every_subpackage_has_a_layer():
    parts = {
        p.stem if p.is_file() else p.name
        for p in PACKAGE.iterdir()
        if (p.suffix == '.py' and p.stem != '__init__') or (
            p.is_dir() and (p / '__init__.py').exists())
    }
    assert parts == set().union(*LAYERS)


def test_no_module_imports_a_higher_layer():
    upward = []
    for path in sorted(PACKAGE.rglob('*.py')):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel == '__init__.py':
            continue  # the package root imports compat, then registers
        own = layer_of(rel.split('/')[0].removesuffix('.py'))
        package = path.relative_to(PACKAGE.parent).parent.parts
        for line, part in imported_parts(path.read_text(), package):
            if layer_of(part) > own and (rel, part) not in EXEMPT:
                upward.append(f'{rel}:{line} imports diswot_mm.{part}')
    assert not upward, '\n'.join(upward)


def test_the_check_sees_relative_and_nested_imports():
    """A check that found nothing could not fail."""
    source = ('import torch\nfrom .minibatch import x\n'
              'def f():\n    from ..engine import hooks\n'
              'from diswot_mm.apis import cli\nimport diswot_mm.models\n')
    found = [p for _, p in imported_parts(source, ('diswot_mm', 'datasets'))]
    assert sorted(found) == ['apis', 'datasets', 'engine', 'models']
