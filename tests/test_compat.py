"""Each compat fix: the breakage it prevents (shown in a fresh interpreter
without diswot_mm) and that it is gone where diswot_mm applies it
(``import diswot_mm``: the import fixes; the tools: the rest)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, free_port, once_per_session, run_python

from diswot_mm import compat

# compat.py alone, without the package __init__ (which applies the import
# fixes)
ONLY = ('import importlib.util as u\n'
        "spec = u.spec_from_file_location('compat', 'diswot_mm/compat.py')\n"
        'compat = u.module_from_spec(spec); spec.loader.exec_module(compat)\n')


def needed(fix: str) -> None:
    """Skip unless the installed stack needs ``fix`` (its guard holds and
    it applies in the interpreter of :func:`fixed`)."""
    if not compat.guard_holds(fix) or fix not in APPLIED_IN_FIXED:
        pytest.skip(f'the installed stack does not need {fix}')


NO_AUTOLOAD = ("import os; os.environ['TORCH_DEVICE_BACKEND_AUTOLOAD'] = '0'"
               '\n')

# What each fix makes work: code printing one result ({prelude}: what runs
# first; the broken runs give the other fixes only, the fixed ones
# ``import diswot_mm``).
SHUFFLE_BLOCK = ('{prelude}import torch\n'
                 'from mmrazor.models.architectures.ops import ShuffleBlock\n'
                 'block = ShuffleBlock(3, in_channels=16, out_channels=16)\n'
                 'print(tuple(block(torch.zeros(1, 16, 8, 8)).shape))')
CHECKPOINT = ('{prelude}import numpy as np, torch\n'
              'from mmengine.logging.history_buffer import HistoryBuffer\n'
              'h = HistoryBuffer(); h.update(1.5)\n'
              'torch.save(dict(hub=h, lr=np.float64(0.1), a=np.arange(3)), '
              "r'{path}')\n"
              "print(torch.load(r'{path}')['hub'].mean())")
CPU_DDP = ('{prelude}import os, torch\n'
           "os.environ.update(RANK='0', WORLD_SIZE='1', LOCAL_RANK='0', "
           "MASTER_ADDR='127.0.0.1', MASTER_PORT='{port}')\n"
           'from mmengine.dist import init_dist\n'
           "init_dist('pytorch', backend='gloo')\n"
           'from mmengine.model import MMDistributedDataParallel as DDP\n'
           'ddp = DDP(torch.nn.Linear(2, 2), device_ids=[0])\n'
           'print(ddp(torch.ones(1, 2)).shape[1])')
FIXED = {
    'torchvision_ops': ('import torchvision.transforms as t\n'
                        'print(t.Normalize.__name__)'),
    'mmcls_alias':
    SHUFFLE_BLOCK,
    'checkpoint_safe_globals':
    CHECKPOINT,
    'cpu_dist_launch':
    CPU_DDP,  # last: it starts a process group
}


def run_snippets(prelude: str, snippets: dict) -> dict:
    """Name -> what each snippet printed (or ``FAILED`` and its traceback),
    run one after the other after ``prelude`` in one fresh interpreter."""
    code = prelude + 'import contextlib, io, json, traceback\nout = {}\n'
    for name, snippet in snippets.items():
        code += (f'buf = io.StringIO()\ntry:\n'
                 f'    with contextlib.redirect_stdout(buf):\n'
                 f'        exec({snippet!r}, {{}})\n'
                 f'    out[{name!r}] = buf.getvalue().strip()\n'
                 f'except Exception:\n'
                 f'    out[{name!r}] = "FAILED " + traceback.format_exc()\n')
    result = run_python(code + 'print(json.dumps(out))')
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


def shared_snippets(tmp_path_factory, name: str, prelude: str,
                    snippets: dict) -> dict:
    """:func:`run_snippets` once per pytest run (xdist workers share it;
    ``{path}`` in a snippet: a checkpoint file in the shared folder)."""

    def make(folder):
        out = run_snippets(
            prelude, {
                key:
                snippet.format(
                    prelude='', path=folder / 'ckpt.pth', port=free_port())
                for key, snippet in snippets.items()
            })
        (folder / 'out.json').write_text(json.dumps(out))

    folder = once_per_session(tmp_path_factory, name, make)
    return json.loads((folder / 'out.json').read_text())


#: The fixes applied and whether mmengine's launcher, DDP, config printing
#: and torch's unpickler are patched, in the interpreter running it.
COMPAT_STATE = (
    'def compat_state():\n'
    '    import torch\n'
    '    from diswot_mm import compat\n'
    '    from mmengine.dist import utils as dist_utils\n'
    '    from mmengine.model import MMDistributedDataParallel as DDP\n'
    '    import mmengine.config.config as config_module\n'
    '    from mmengine.logging.history_buffer import HistoryBuffer\n'
    '    return [compat.APPLIED[:], [\n'
    '        hasattr(dist_utils._init_dist_pytorch, "_diswot_compat"),\n'
    '        DDP.__init__.__module__ == "diswot_mm.compat",\n'
    '        hasattr(config_module.FormatCode, "_diswot_compat"),\n'
    '        HistoryBuffer in torch.serialization.get_safe_globals()]]\n')
#: What a tool runs first: ``import diswot_mm``, then its entry point
#: (:func:`diswot_mm.apis.cli.load_config`), the compat state kept after
#: each.
TOOL_PRELUDE = (
    'import argparse, __main__, diswot_mm\n' + COMPAT_STATE +
    '__main__.AT_IMPORT = compat_state()\n'
    'from diswot_mm.apis.cli import load_config\n'
    "load_config(argparse.Namespace(config='configs/diswot_cifar100.py', "
    "cfg_options=None, launcher='none', local_rank=0, work_dir=None))\n"
    '__main__.AFTER_TOOL = compat_state()\n')
APPLIED_IN_FIXED = []


@pytest.fixture(scope='module')
def fixed(tmp_path_factory) -> dict:
    """Fix name -> what its FIXED code printed, each run after a tool's
    prelude in one fresh interpreter whose torch does not autoload backends
    (so that diswot_mm's own torchvision fix is what works, not its
    torch.backends entry point); ``'states'``: the compat state after the
    import and after the tool's entry point (:data:`COMPAT_STATE`)."""
    out = shared_snippets(
        tmp_path_factory, 'compat_fixed', NO_AUTOLOAD + TOOL_PRELUDE, {
            'states': 'import __main__, json\n'
            'print(json.dumps([__main__.AT_IMPORT, __main__.AFTER_TOOL]))',
            **FIXED
        })
    APPLIED_IN_FIXED[:] = json.loads(out['states'])[1][0]
    return out


@pytest.fixture(scope='module')
def broken(tmp_path_factory) -> dict:
    """The same without diswot_mm, for the fixes that need no other fix
    (torch and mmengine only; torchvision last: its import fails)."""
    return shared_snippets(
        tmp_path_factory, 'compat_broken', NO_AUTOLOAD, {
            'fuser_reverse':
            'from torch.ao.quantization.fuser_method_mappings import '
            'reverse2, reverse_sequential_wrapper2',
            'checkpoint_safe_globals':
            CHECKPOINT,
            'cpu_dist_launch':
            CPU_DDP,
            'torchvision_ops':
            'import torchvision'
        })


@pytest.mark.subprocess
def test_torchvision_ops(fixed, broken):
    needed('torchvision_ops')
    assert 'torchvision::nms does not exist' in broken['torchvision_ops']
    assert fixed['torchvision_ops'] == 'Normalize'


@pytest.mark.subprocess
def test_torchvision_ops_when_mmpretrain_is_imported_first(fixed):
    """Issue 21: a user's script importing mmpretrain before diswot_mm
    died with ``operator torchvision::nms does not exist``; torch's
    ``torch.backends`` entry point of diswot_mm now defines the schemas."""
    needed('torchvision_ops')
    from importlib.metadata import entry_points
    if 'diswot_mm_torchvision_ops' not in [
            e.name for e in entry_points(group='torch.backends')
    ]:
        pytest.skip('diswot_mm is installed without its torch.backends '
                    'entry point (pip install -e . again)')
    first = run_python('import mmpretrain.models, torchvision.transforms as t'
                       '\nimport diswot_mm; print(t.Normalize.__name__)')
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == 'Normalize'


@pytest.mark.subprocess
def test_fuser_reverse(fixed, broken):
    needed('fuser_reverse')
    assert 'ImportError' in broken['fuser_reverse']
    from torch.ao.quantization.fuser_method_mappings import reverse2
    assert reverse2(lambda is_qat, a, b: (a, b))(False, 1, 2) == (2, 1)


@pytest.mark.subprocess
def test_quant_backend_configs(fixed):
    needed('quant_backend_configs')
    prelude = (
        ONLY + 'compat._fix_torchvision_ops(); '
        'compat._fix_fuser_reverse(); compat._fix_mmcls_alias()\n')
    broken = run_python(prelude + 'import mmrazor.models')
    assert broken.returncode != 0
    assert 'quantization/backend_config' in broken.stderr
    from mmrazor.structures.quantization import BackendConfigs
    assert BackendConfigs['native'] is None
    from mmrazor.models import NasMutator, SingleTeacherDistill  # noqa: F401


@pytest.mark.subprocess
def test_mmcls_alias(fixed):
    needed('mmcls_alias')
    prelude = (
        ONLY + 'compat._fix_torchvision_ops(); '
        'compat._fix_fuser_reverse(); '
        'compat._fix_quant_backend_configs()\n')
    broken = run_python(SHUFFLE_BLOCK.format(prelude=prelude))
    assert broken.returncode != 0 and 'PlaceHolder' in broken.stderr
    assert fixed['mmcls_alias'] == '(1, 16, 8, 8)'
    from mmcls.structures import ClsDataSample
    from mmpretrain.structures import DataSample
    assert ClsDataSample is DataSample


@pytest.mark.subprocess
def test_checkpoint_safe_globals(fixed, broken):
    needed('checkpoint_safe_globals')
    assert 'Weights only load failed' in broken['checkpoint_safe_globals']
    assert float(fixed['checkpoint_safe_globals']) == 1.5


@pytest.mark.subprocess
def test_each_fix_run_again_changes_nothing(fixed):
    """In a fresh interpreter, after apply(): every fix called again
    directly (past apply's APPLIED guard) leaves the import hooks, warning
    filters, safe globals and every patched function as they were."""
    code = ONLY + (
        'applied = compat.apply(compat.IMPORT_FIXES + compat.TOOL_FIXES)\n'
        'import sys, warnings, torch\n'
        'from torch.ao.quantization import fuser_method_mappings as fmm\n'
        'from mmengine.dist import utils as dist_utils\n'
        'from mmengine.model import MMDistributedDataParallel as DDP\n'
        'def state():\n'
        '    return (len(sys.meta_path), len(warnings.filters),\n'
        '            len(torch.serialization.get_safe_globals()),\n'
        '            sys.modules.get(compat._QUANT_MAPPING), fmm.reverse2,\n'
        '            dist_utils._init_dist_pytorch,\n'
        '            dist_utils._init_dist_slurm, DDP.__init__,\n'
        '            sys.modules["mmengine.config.config"].FormatCode)\n'
        'before = state()\n'
        'for name, fix in compat._FIXES.items():\n'
        '    fix()\n'
        '    assert state() == before, name\n'
        'print(" ".join(applied))\n'
        'print(compat.apply(compat.IMPORT_FIXES + compat.TOOL_FIXES) == '
        'applied)\n')
    result = run_python(code)
    assert result.returncode == 0, result.stderr[-3000:]
    applied, again = result.stdout.splitlines()[-2:]
    assert applied.split() == APPLIED_IN_FIXED and again == 'True'


@pytest.mark.subprocess
def test_cpu_dist_launch(fixed, broken):
    needed('cpu_dist_launch')
    assert '_cuda_setDevice' in broken['cpu_dist_launch']
    assert fixed['cpu_dist_launch'] == '2'


@pytest.mark.subprocess
def test_config_format_cache(fixed, monkeypatch):
    """A config is formatted by yapf once, however often its text is
    shown, and the text is yapf's own."""
    needed('config_format_cache')
    compat.apply(['config_format_cache'])  # as the tools do
    import mmengine.config.config as config_module
    from mmengine.config import Config
    from yapf.yapflib.yapf_api import FormatCode
    cfg = Config(dict(model=dict(type='ImageClassifier', depth=[1, 2])))
    before = config_module.FormatCode.cache_info()
    first, second = cfg.pretty_text, cfg.pretty_text
    after = config_module.FormatCode.cache_info()
    assert first == second
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 1)
    monkeypatch.setattr(config_module, 'FormatCode', FormatCode)
    assert cfg.pretty_text == first


@pytest.mark.subprocess
def test_mmcv_lite_warning_and_a_quiet_import(fixed):
    """Python's default warning filters, as a user's shell has them."""
    needed('mmcv_lite_warning')

    def python(code):
        env = {k: v for k, v in os.environ.items() if k != 'PYTHONWARNINGS'}
        return subprocess.run([sys.executable, '-c', code],
                              cwd=REPO,
                              capture_output=True,
                              text=True,
                              timeout=300,
                              env=env)

    others = ('compat.apply([n for n in compat.IMPORT_FIXES '
              "if n != 'mmcv_lite_warning'])\n")
    broken = python(ONLY + others + 'import mmpretrain.models')
    assert 'Fail to import ``MultiScaleDeformableAttention``' in \
        broken.stderr
    # quiet, and narrow: another warning from the same module still shows
    quiet = python(
        'import sys, warnings\nimport diswot_mm, mmpretrain.models\n'
        "sys.stderr.write('imported\\n'); sys.stderr.flush()\n"
        "warnings.warn_explicit('another', UserWarning, 'transformer.py', 1,"
        " module='mmcv.cnn.bricks.transformer')")
    assert quiet.returncode == 0 and quiet.stdout == ''
    at_import, after = quiet.stderr.split('imported\n')
    assert at_import == ''
    assert 'UserWarning: another' in after


@pytest.mark.subprocess
def test_import_applies_only_the_import_fixes(fixed):
    """``import diswot_mm`` leaves mmengine's launchers, DDP, config
    printing and torch's unpickler as they are; a tool's entry point
    applies the rest."""
    (at_import, before), (after_tool, after) = json.loads(fixed['states'])
    assert set(at_import) <= set(compat.IMPORT_FIXES)
    assert before == [False] * 4
    tool_fixes = [n for n in compat.TOOL_FIXES if n in after_tool]
    assert after_tool == at_import + tool_fixes
    assert after == [
        name in tool_fixes
        for name in ('cpu_dist_launch', 'cpu_dist_launch',
                     'config_format_cache', 'checkpoint_safe_globals')
    ]


def test_each_guard_admits_the_pinned_versions_and_only_them(monkeypatch):
    """Every fix is guarded; the versions pinned in requirements/cpu.txt
    pass each guard (a new pin that leaves one fails here: re-check the
    fix), and a guard the stack is outside of keeps its fix off."""
    from packaging.specifiers import SpecifierSet
    pins = dict(
        line.split('==') for line in Path(REPO, 'requirements',
                                          'cpu.txt').read_text().split('\n')
        if '==' in line and not line.startswith('#'))
    pins = {k.strip().lower(): v.split()[0] for k, v in pins.items()}
    assert set(compat.GUARDS) == set(compat.IMPORT_FIXES + compat.TOOL_FIXES)
    for name, guard in compat.GUARDS.items():
        for package, spec in guard.items():
            assert SpecifierSet(spec).contains(
                pins[package], prereleases=True), (name, package, spec)
        assert compat.guard_holds(name), name
    monkeypatch.setitem(compat.GUARDS, 'fuser_reverse', {'torch': '<2.0'})
    assert not compat.guard_holds('fuser_reverse')
    monkeypatch.setitem(compat.GUARDS, 'fuser_reverse',
                        {'no-such-package': '>=0'})
    assert not compat.guard_holds('fuser_reverse')
    with pytest.raises(KeyError, match='no compat fix'):
        compat.apply(['resource_input_shape'])
