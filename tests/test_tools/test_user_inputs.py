"""Never silently wrong: the user inputs of issue 22, each as a fixture.

The minibatch comes from the configured data or the run stops; one checked
checkpoint reader; a search never destroys another search's work; one
failing candidate never ends a search; Ctrl-C says how to resume; quick
runs and ensemble settings get clear answers."""
import glob
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from conftest import REPO, run_forked, select
from mmengine.config import Config
from PIL import Image

from diswot_mm.datasets import apply_sample_fallback, load_minibatch
from diswot_mm.datasets.handoff import (check_searched_on, dataset_identity,
                                        trains_on)
from diswot_mm.datasets.minibatch import SAMPLE_DATALOADER
from diswot_mm.engine.runner.search_state import config_hash
from diswot_mm.models.task_modules.estimators import (ParamsEstimator,
                                                      build_score_estimator)
from diswot_mm.registry import TASK_UTILS, build_in_scope
from diswot_mm.utils.checkpoint import load_checkpoint_file, read_model_state

CONFIG = 'configs/diswot_cifar100.py'
QUICK = [
    'train_cfg.estimator.repeats=1', 'train_cfg.num_candidates=6',
    'train_cfg.top_k=2', 'train_cfg.num_mutation=2',
    'train_cfg.num_crossover=2', 'train_cfg.constraints_range.params=[0,0.3]'
]


def run(args, timeout=600, **kwargs):
    env = dict(os.environ, PYTHONWARNINGS='ignore', OMP_NUM_THREADS='1')
    return run_forked(args, timeout=timeout, env=env, **kwargs)


def search(work_dir, *extra, options=(), config=CONFIG):
    return run([
        'tools/search.py', config, '--work-dir',
        str(work_dir), *extra, '--cfg-options', *QUICK, *options
    ])


def build(cfg):
    return build_in_scope(cfg)


def image_folder(root, sizes):
    """An mmpretrain CustomDataset folder: one class, one PNG per size."""
    (root / 'cls').mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i, (h, w) in enumerate(sizes):
        Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(
            root / 'cls' / f'{i}.png')
    return root


def folder_loader(root):
    return dict(
        batch_size=8,
        dataset=dict(
            type='mmpretrain.CustomDataset',
            data_root=str(root),
            pipeline=[
                dict(type='mmpretrain.LoadImageFromFile'),
                dict(type='mmpretrain.PackInputs')
            ]))


# ----- the minibatch -------------------------------------------------------
@pytest.mark.subprocess
def test_mistyped_data_root_is_an_error_naming_it(tmp_path):
    """A user's image folder with a typo in data_root: an error before any
    scoring, not a search on the embedded sample (it was exit 0)."""
    image_folder(tmp_path / 'my_images', [(32, 32)] * 4)
    typo = tmp_path / 'my_imges'
    config = tmp_path / 'my_search.py'
    config.write_text(
        f"_base_ = ['{REPO}/configs/diswot_cifar100.py']\n"
        'train_cfg = dict(estimator=dict(dataloader=dict(_delete_=True, '
        'batch_size=4, dataset=dict(type="mmpretrain.CustomDataset", '
        f'data_root="{typo}", pipeline=[dict(type='
        '"mmpretrain.LoadImageFromFile"), dict(type="mmpretrain.PackInputs")'
        ']))))\n')
    result = search(tmp_path / 'work', config=str(config))
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert f"data_root='{typo}' cannot be loaded" in last
    assert 'train_cfg.estimator.dataloader.dataset' in last
    assert 'Traceback' not in result.stderr  # one error, not a stack
    assert not (tmp_path / 'work' / 'candidates.json').exists()


def test_sample_fallback_only_for_the_root_the_config_names(tmp_path):
    missing = dict(
        batch_size=4,
        dataset=dict(
            type='CIFAR100',
            data_root=str(tmp_path / 'nothing'),
            split='test',
            pipeline=[dict(type='mmpretrain.PackInputs')]))
    fallback = dict(data_root='data/cifar100')
    estimator = dict(type='NASWOTEstimator', dataloader=missing)
    with pytest.raises(FileNotFoundError) as err:  # another root: an error
        apply_sample_fallback(estimator, fallback, key='train_cfg.estimator')
    assert str(err.value).startswith(
        'train_cfg.estimator.dataloader.dataset: CIFAR100 at data_root=')
    assert estimator['dataloader'] is missing
    named = dict(
        missing, dataset=dict(missing['dataset'], data_root='data/cifar100'))
    ensemble = dict(
        type='EnsembleEstimator',
        estimators=dict(a=dict(type='NASWOTEstimator', dataloader=named)))
    apply_sample_fallback(ensemble, fallback)
    # the sample, keeping the config's smaller batch_size (issue 35)
    assert ensemble['estimators']['a']['dataloader'] == dict(
        SAMPLE_DATALOADER, batch_size=4)
    apply_sample_fallback(ensemble, None)  # the sample is on disk
    est = TASK_UTILS.build(ensemble)
    assert est.minibatch_info['a.NASWOTEstimator']['embedded_sample']


def test_images_of_mixed_sizes_are_refused(tmp_path):
    """19x19 ... 256x180 without a resize step: an error asking for one (it
    was zero-padded to the largest without a word)."""
    root = image_folder(tmp_path / 'mixed', [(19, 19), (32, 32), (180, 256),
                                             (64, 48)])
    with pytest.raises(ValueError) as err:
        load_minibatch(folder_loader(root))
    assert '4 sizes' in str(err.value) and 'Resize' in str(err.value)
    resized = folder_loader(root)
    resized['dataset']['pipeline'].insert(
        1, dict(type='mmpretrain.Resize', scale=(32, 32)))
    inputs, _ = load_minibatch(resized)
    assert inputs.shape == (4, 3, 32, 32)


@pytest.mark.subprocess
def test_search_reports_what_it_scored_on(tmp_path):
    result = search(tmp_path, options=['train_cfg.max_epochs=1'])
    assert result.returncode == 0, result.stderr[-3000:]
    summary = result.stdout.split('Chosen student:')[1]
    assert ('Scores computed on: DisWOTEstimator: 20 images of CIFARSamples'
            in summary)
    assert 'THE EMBEDDED SAMPLE' in summary
    with open(tmp_path / 'candidates.json') as f:
        minibatch = json.load(f)['minibatch']['DisWOTEstimator']
    assert minibatch == dict(
        dataset='CIFARSamples',
        data_root='diswot_mm/datasets/cifar_samples',
        images=20,
        input_shape=[20, 3, 32, 32],
        embedded_sample=True)


# ----- checkpoints ---------------------------------------------------------
@pytest.fixture(scope='module')
def resnet8():
    cfg = Config.fromfile(f'{REPO}/configs/_base_/models/resnet20_cifar.py')
    cfg.model.backbone.arch = 'resnet8'
    return build(cfg.model)


def test_kd_codebase_checkpoint_under_model_key(resnet8, tmp_path):
    """``{'model': state_dict, 'epoch': 240, 'best_acc': 74.3}`` as the KD
    codebases save it (it was "holds no state dict of tensors")."""
    path = tmp_path / 'kd.pth'
    torch.save(
        dict(model=resnet8.state_dict(), epoch=240, best_acc=74.3), path)
    state = read_model_state(resnet8, str(path), 'model.teacher_ckpt')
    assert all(
        torch.equal(state[k], v) for k, v in resnet8.state_dict().items())
    torch.save(dict(net=resnet8.state_dict(), epoch=240), path)
    with pytest.raises(ValueError) as err:
        read_model_state(resnet8, str(path), 'model.teacher_ckpt')
    assert "top-level keys: ['epoch', 'net']" in str(err.value)


def test_distillation_checkpoint_gives_its_student(resnet8, tmp_path):
    student = {
        f'architecture.{k}':
        torch.randn_like(v) if v.is_floating_point() else v
        for k, v in resnet8.state_dict().items()
    }
    teacher = {f'teacher.{k}': v for k, v in resnet8.state_dict().items()}
    path = tmp_path / 'distill_iter_2.pth'
    torch.save(dict(state_dict=dict(student, **teacher)), path)
    state = read_model_state(resnet8, str(path), 'checkpoint')
    for key, value in state.items():
        assert torch.equal(value, student[f'architecture.{key}'])


def test_search_state_given_as_checkpoint(resnet8, tmp_path):
    """``tools/test.py CONFIG search_epoch_1.json``: what the file is and
    where it belongs, never torch's weights_only advice."""
    path = tmp_path / 'search_epoch_1.json'
    path.write_text(json.dumps(dict(format_version=1, records={})))
    with pytest.raises(ValueError) as err:
        read_model_state(resnet8, str(path), 'checkpoint')
    message = str(err.value)
    assert 'a search state search_epoch_N.json belongs to tools/search.py ' \
        '--resume' in message
    assert 'weights_only' not in message


def test_unreachable_url_is_one_clear_error(resnet8):
    with pytest.raises(ValueError) as err:
        read_model_state(resnet8, 'http://127.0.0.1:9/resnet8.pth',
                         'model.teacher_ckpt')
    assert 'the download failed' in str(err.value)
    assert 'give the local file path' in str(err.value)


@pytest.mark.subprocess
def test_test_tool_evaluates_the_trained_student(tmp_path):
    """tools/test.py with a student config and a distillation checkpoint
    (keys architecture.*, teacher.*) tests the distilled student, as does
    the converter's student-only checkpoint (it was: random weights, exit
    0)."""
    work = tmp_path / 'distill'
    trained = run([
        'tools/train.py', 'tests/data/distill_tiny.py', '--work-dir',
        str(work)
    ])
    assert trained.returncode == 0, trained.stderr[-3000:]
    ckpt = work / 'iter_2.pth'
    student_pth = tmp_path / 'student.pth'
    converted = run([
        'tools/model_converters/convert_kd_ckpt_to_student.py',
        str(ckpt), '--out',
        str(student_pth)
    ])
    assert converted.returncode == 0, converted.stderr[-3000:]
    again = run([
        'tools/model_converters/convert_kd_ckpt_to_student.py',
        str(ckpt), '--out',
        str(student_pth)
    ])
    assert again.returncode != 0 and '--force' in again.stderr
    metrics = {}
    for name, config, path in (('distill', 'tests/data/distill_tiny.py', ckpt),
                               ('student', 'tests/data/student_tiny.py', ckpt),
                               ('converted', 'tests/data/student_tiny.py',
                                student_pth)):
        tested = run([
            'tools/test.py', config,
            str(path), '--work-dir',
            str(tmp_path / name)
        ])
        assert tested.returncode == 0, tested.stderr[-3000:]
        log = tested.stdout + tested.stderr
        assert 'missing keys' not in log and 'unexpected key' not in log
        if name == 'student':
            assert 'is a distillation checkpoint: loading its student' in log
        with open(tmp_path / name / 'test_metrics.json') as f:
            metrics[name] = json.load(f)
    assert metrics['student'] == metrics['distill'] == metrics['converted']
    trained_weights = load_checkpoint_file(str(student_pth),
                                           'checkpoint')['state_dict']
    random_init = build(
        Config.fromfile(
            f'{REPO}/tests/data/student_tiny.py').model).state_dict()
    assert not torch.equal(trained_weights['head.fc.weight'],
                           random_init['head.fc.weight'])


# ----- the search's own work -----------------------------------------------
@pytest.fixture(scope='module')
def finished(tmp_path_factory):
    """A finished quick search (its states and outputs)."""
    work_dir = tmp_path_factory.mktemp('finished')
    result = search(work_dir)
    assert result.returncode == 0, result.stderr[-3000:]
    return work_dir


def snapshot(folder):
    return {
        p.name: p.read_bytes()
        for p in sorted(folder.iterdir()) if p.is_file()
    }


@pytest.mark.subprocess
def test_resume_after_an_edit_is_an_error_and_keeps_the_search(
        finished, tmp_path):
    """``--resume`` (auto) after changing a setting: one error naming the
    differing key (it was: "starting afresh" over the earlier search)."""
    shutil.copytree(finished, tmp_path / 'w')
    before = snapshot(tmp_path / 'w')
    result = search(
        tmp_path / 'w', '--resume', options=['train_cfg.estimator.repeats=2'])
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert 'none of this config' in last and 'another --work-dir' in last
    assert 'estimator.repeats: state 1, config 2' in last
    assert snapshot(tmp_path / 'w') == before


@pytest.mark.subprocess
def test_fresh_search_in_another_searchs_work_dir_is_refused(
        finished, tmp_path):
    shutil.copytree(finished, tmp_path / 'w')
    before = snapshot(tmp_path / 'w')
    result = search(tmp_path / 'w', options=['train_cfg.seed=7'])
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert 'holds another search' in last and 'seed: state 0, config 7' in last
    assert snapshot(tmp_path / 'w') == before
    again = search(tmp_path / 'w')  # the same config: its own search
    assert again.returncode == 0, again.stderr[-3000:]
    assert 'holds a search of this same config' in again.stdout + \
        again.stderr


@pytest.mark.subprocess
def test_rotation_deletes_only_this_searchs_states(finished, tmp_path):
    """A higher-numbered state of another search in the work_dir survives,
    and the running search keeps its own newest (it was: each new state
    deleted right after it was written)."""
    work = tmp_path / 'w'
    work.mkdir()
    own = sorted(
        finished.glob('search_epoch_*.json'),
        key=lambda p: int(p.stem.split('_')[-1]))
    start = own[0]
    shutil.copy(start, work / start.name)
    foreign = json.loads(start.read_text())
    foreign['config']['seed'] = 7
    foreign['config_hash'] = config_hash(foreign['config'])
    (work / 'search_epoch_99.json').write_text(json.dumps(foreign))
    result = search(
        work,
        '--resume',
        str(work / start.name),
        options=['train_cfg.max_keep_ckpts=1'])
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(p.name for p in work.glob('search_epoch_*.json')) == \
        sorted([own[-1].name, 'search_epoch_99.json'])
    with open(work / 'candidates.json') as f:
        resumed = json.load(f)['candidates']
    with open(finished / 'candidates.json') as f:
        assert resumed == json.load(f)['candidates']


@pytest.mark.subprocess
def test_ctrl_c_says_where_the_state_is(tmp_path):
    """A fresh interpreter, as a user's shell starts it: SIGINT at its
    default disposition (an xdist worker ignores it, and a child would
    inherit that: Python then installs no KeyboardInterrupt handler)."""
    env = dict(os.environ, PYTHONWARNINGS='ignore', OMP_NUM_THREADS='1')
    proc = subprocess.Popen(
        [
            sys.executable, 'tools/search.py', CONFIG, '--work-dir',
            str(tmp_path), '--cfg-options', *QUICK
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 300
    while not (tmp_path / 'search_epoch_1.json').exists():
        assert proc.poll() is None and time.time() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert 'Traceback' not in stderr
    last = stderr.strip().splitlines()[-1]
    assert f'The search state is {tmp_path}/search_epoch_' in last
    assert '--resume' in last


# ----- failing candidates ------------------------------------------------
@TASK_UTILS.register_module(force=True)
class FailOnSevenEstimator(ParamsEstimator):
    """Test stand-in: scoring raises for every arch with a 7 in it (or for
    every arch with ``fail_all``)."""

    def __init__(self, fail_all: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.fail_all = fail_all

    def score(self, model, key=None):
        if self.fail_all or '7' in key:
            raise RuntimeError(f'no kernel for {key}')
        return super().score(model, key)


def in_process_search(tmp_path, name, **train_cfg):
    from mmengine.runner import Runner
    cfg = Config.fromfile(f'{REPO}/{CONFIG}')
    cfg.train_cfg.pop('estimator')
    estimator = dict(
        type='FailOnSevenEstimator', **train_cfg.pop('estimator', {}))
    cfg.train_cfg.update(
        dict(
            dict(score_key='params', max_epochs=2, num_candidates=8, top_k=2),
            **train_cfg,
            estimator=estimator))
    cfg.work_dir = str(tmp_path / name)
    cfg.experiment_name = f'{name}_{time.time_ns()}'
    cfg.distill_configs = {}
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner.train_loop


def test_a_failing_candidate_is_recorded_and_the_search_goes_on(tmp_path):
    loop = in_process_search(tmp_path, 'some_fail')
    failed = {a: r for a, r in loop.records.items() if '7' in a}
    assert failed and all(
        r['score'] == -math.inf and r['error'] == f'RuntimeError: no '
        f'kernel for {a}' for a, r in failed.items())
    assert '7' not in loop.best['arch']
    assert len(loop.records) > len(failed)
    with open(tmp_path / 'some_fail' / 'candidates.json') as f:
        saved = {c['arch']: c for c in json.load(f)['candidates']}
    assert all(saved[a]['error'].startswith('RuntimeError') for a in failed)
    with pytest.raises(RuntimeError) as err:
        in_process_search(tmp_path, 'all_fail', estimator=dict(fail_all=True))
    assert 'every candidate of generation 1 failed' in str(err.value)
    assert 'RuntimeError: no kernel for' in str(err.value)


def test_jacob_cov_of_an_input_independent_cell_is_minus_inf():
    """NB201 cell whose output node is fed only by ``none``: -inf (it was
    eigvalsh's _LinAlgError, ending the search)."""
    cfg = Config.fromfile(f'{REPO}/configs/_base_/models/nb201_supernet.py')
    supernet = build(cfg.model)
    dead = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+' \
        '|none~0|none~1|none~2|'
    working = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+' \
        '|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|'
    est = TASK_UTILS.build(dict(type='JacobCovEstimator'))
    select(supernet, dead)
    with pytest.warns(UserWarning, match='not finite'):
        assert est.score(supernet, key=dead)['jacob_cov'] == -math.inf
    select(supernet, working)
    assert math.isfinite(est.score(supernet, key=working)['jacob_cov'])


# ----- quick runs ----------------------------------------------------------
@pytest.mark.subprocess
def test_one_generation_of_four_needs_no_breeding_settings(tmp_path):
    """``max_epochs=1 num_candidates=4`` with the config's 8 + 8 breeding
    counts (it was an error though nothing breeds)."""
    result = run([
        'tools/search.py', CONFIG, '--work-dir',
        str(tmp_path), '--cfg-options', 'train_cfg.max_epochs=1',
        'train_cfg.num_candidates=4', 'train_cfg.estimator.repeats=1'
    ])
    assert result.returncode == 0, result.stderr[-3000:]
    with open(tmp_path / 'candidates.json') as f:
        assert len(json.load(f)['candidates']) == 4


def test_breeding_counts_scale_when_a_generation_breeds(tmp_path):
    loop = in_process_search(
        tmp_path, 'scaled', num_candidates=4, num_mutation=8, num_crossover=8)
    assert loop._breeding_counts() == (2, 2)


def test_a_setting_given_to_an_ensemble_names_the_member_path():
    cfg = Config.fromfile(f'{REPO}/configs/diswot_ensemble_cifar100.py')
    estimator = cfg.train_cfg.estimator.to_dict()
    estimator['repeats'] = 1
    with pytest.raises(KeyError) as err:
        build_score_estimator(estimator)
    assert "EnsembleEstimator has no setting ['repeats']" in str(err.value)
    assert 'train_cfg.estimator.estimators.diswot.repeats' in str(err.value)


def test_settings_left_from_a_base_estimator_are_named():
    """Changing only the type of the base config's DisWOT estimator: its
    teacher and repeats are no settings of AZ-NAS (taken through
    ``**kwargs`` up to BaseTrainingFreeEstimator)."""
    cfg = Config.fromfile(f'{REPO}/configs/diswot_cifar100.py')
    estimator = dict(cfg.train_cfg.estimator.to_dict(), type='AZNASEstimator')
    with pytest.raises(KeyError) as err:
        build_score_estimator(estimator)
    message = str(err.value)
    assert "AZNASEstimator has no setting ['relation_weight', 'repeats'" in \
        message and "'teacher'" in message
    assert "'noise_inputs'" in message and "'seed'" in message  # own, base
    assert '_delete_=True' in message


# ----- issue 35: dataloader settings the minibatch would not honour --------
@pytest.mark.parametrize(
    'change, message',
    [(dict(batch_sise=8), "dataloader.batch_sise is not a setting of an "
      "mmengine dataloader"),
     (dict(sampler=dict(type='DefaultSampler', shufle=False)),
      "dataloader.sampler.shufle is not a setting of its DefaultSampler"),
     (dict(shuffle=False), 'takes it in its sampler'),
     (dict(batch_size=1), 'dataloader.batch_size=1: a training-free score '
      'needs at least 2 images')])
def test_dataloader_settings_that_would_be_ignored_are_errors(change, message):
    """Typos of the user's dataloader config were ignored (exit 0 on 64
    images); batch_size=1 ended in 'every candidate non-finite'."""
    loader = dict(folder_loader('unused'), **change)
    estimator = dict(type='DisWOTEstimator', dataloader=loader)
    with pytest.raises(ValueError) as err:
        apply_sample_fallback(
            estimator,
            dict(data_root='data/cifar100'),
            key='train_cfg.estimator')
    assert message in str(err.value)
    assert str(err.value).startswith('train_cfg.estimator.dataloader.')
    if 'sise' in message or 'shufle' in message:
        assert 'did you mean' in str(err.value)


def test_custom_dataset_without_an_image_loader_says_so(tmp_path):
    """mmpretrain.CustomDataset keeping the inherited pipeline=[PackInputs]:
    a bare KeyError 'inputs' before."""
    root = image_folder(tmp_path / 'imgs', [(32, 32)] * 3)
    loader = folder_loader(root)
    loader['dataset']['pipeline'] = [dict(type='mmpretrain.PackInputs')]
    with pytest.raises(ValueError, match='LoadImageFromFile'):
        load_minibatch(loader, key='train_cfg.estimator.dataloader.dataset')


@pytest.mark.parametrize('batch_size, images', [(8, 8), (64, 20)])
def test_sample_fallback_keeps_a_smaller_batch_size(batch_size, images):
    """The demo with dataloader.batch_size=8: the fallback scored all 20
    images, not a word about the setting."""
    cfg = Config.fromfile(f'{REPO}/{CONFIG}')
    estimator = cfg.train_cfg.estimator.to_dict()
    estimator['dataloader']['batch_size'] = batch_size
    messages = []

    class Logger:

        def warning(self, text):
            messages.append(text)

    apply_sample_fallback(estimator, cfg.train_cfg.sample_fallback.to_dict(),
                          Logger())
    inputs, _ = load_minibatch(estimator['dataloader'])
    assert len(inputs) == images
    assert (f'{batch_size} of them, your batch_size' if images == batch_size
            else f'fewer than your batch_size={batch_size}') in messages[0]


@pytest.mark.subprocess
def test_dist_launch_without_torch_names_the_interpreter_and_the_fix():
    """bash tools/dist_search.sh outside the venv: 'No module named torch'
    before, the PYTHON variable never mentioned."""
    result = subprocess.run(['bash', 'tools/dist_search.sh', CONFIG, '1'],
                            cwd=REPO,
                            env=dict(os.environ, PYTHON='/bin/false'),
                            capture_output=True,
                            text=True)
    assert result.returncode == 1
    assert "'/bin/false' cannot import torch" in result.stderr
    assert 'PYTHON=/path/to/.venv/bin/python' in result.stderr


def test_a_dataset_key_the_class_does_not_take_is_named(tmp_path):
    """CustomDataset merged into the CIFAR-100 dataloader without _delete_
    keeps split='test': the advice was 'Fix data_root'."""
    root = image_folder(tmp_path / 'imgs', [(32, 32)] * 3)
    loader = folder_loader(root)
    loader['dataset']['split'] = 'test'
    with pytest.raises(ValueError) as err:
        load_minibatch(loader, key='train_cfg.estimator.dataloader.dataset')
    assert "unexpected keyword argument 'split'" in str(err.value)
    assert '_delete_=True' in str(err.value)
    assert 'Fix' not in str(err.value)


@pytest.mark.subprocess
def test_testing_a_model_only_config_says_what_it_lacks(tmp_path):
    """tools/test.py on a config without data: mmengine's raw
    '_test_loop should not be None' before."""
    config = tmp_path / 'model_only.py'
    config.write_text(
        f"_base_ = ['{REPO}/configs/_base_/models/resnet20_cifar.py']\n")
    result = run(['tools/test.py', str(config), 'unused.pth'])
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert 'has no test_dataloader, test_evaluator, test_cfg' in last
    assert 'distill_' in last


@pytest.mark.subprocess
def test_flops_counted_at_another_size_than_scored_is_said(tmp_path):
    """Own data at 64x64 with the default 32x32 resource input: nothing
    said which size the FLOPs were counted at."""
    result = search(
        tmp_path / 'work',
        options=[
            'train_cfg.resource_estimator.input_shape=[1,3,64,64]',
            'train_cfg.max_epochs=1'
        ])
    assert result.returncode == 0, result.stderr[-3000:]
    log = result.stdout + result.stderr
    assert ('FLOPs are counted at (64, 64) (train_cfg.resource_estimator.'
            'input_shape) but candidates are scored at [(32, 32)]') in log


# ----- the handoff to distillation -----------------------------------------
@pytest.mark.subprocess
def test_own_data_search_hands_off_no_cifar_training(tmp_path):
    """A search on the user's images wrote distill configs that trained on
    the inherited CIFAR-100 (exit 0) and a student.py tested on it."""
    root = image_folder(tmp_path / 'my_images', [(32, 32)] * 8)
    config = tmp_path / 'my_search.py'
    config.write_text(
        f"_base_ = ['{REPO}/{CONFIG}']\n"
        'train_cfg = dict(estimator=dict(dataloader=dict(_delete_=True, '
        f'**{folder_loader(root)!r})))\n')
    work = tmp_path / 'work'
    result = search(
        work, config=str(config), options=['train_cfg.max_epochs=1'])
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'it inherits other data' in result.stdout
    distill = work / 'distill_diswot_plus.py'
    assert f"at '{root}' the search scored on" in distill.read_text()
    written = Config.fromfile(distill)
    assert written.searched_on == dict(
        dataset='mmpretrain.CustomDataset', data_root=str(root))
    assert 'test_dataloader' not in Config.fromfile(work / 'student.py')
    refused = run([
        'tools/train.py',
        str(distill), '--work-dir',
        str(tmp_path / 'distil')
    ])
    assert refused.returncode != 0
    last = refused.stderr.strip().splitlines()[-1]
    assert "trains on CIFAR100 at" in last
    assert f"searched on mmpretrain.CustomDataset at '{root}'" in last
    assert not (tmp_path / 'distil').exists()
    # with the user's data set in it, it passes the check
    written.train_dataloader.dataset = folder_loader(root)['dataset']
    check_searched_on(written, str(distill))


def test_shipped_search_configs_distil_on_the_data_they_search_on():
    """No shipped search config writes ``searched_on``: each distillation
    base trains on the data set its search scores on."""
    checked = 0
    for path in sorted(glob.glob(f'{REPO}/configs/*.py')):
        cfg = Config.fromfile(path)
        loader = cfg.get('train_cfg', {}).get('estimator',
                                              {}).get('dataloader')
        if not cfg.get('distill_configs') or not loader:
            continue
        dataset = loader['dataset']
        searched = dict(
            dataset=dataset['type'], data_root=dataset_identity(dataset)[1])
        for base in cfg.distill_configs.values():
            train = Config.fromfile(base).train_dataloader.dataset
            assert trains_on(searched, train), (path, base)
            checked += 1
    assert checked >= 4
