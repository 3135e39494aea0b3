"""S1, NAS-Bench-201 and the ImageNet space: build, forward, resources,
naming round trips, export -> YAML -> plain classifier."""
import random

import pytest
import torch
from conftest import REPO, select
from mmengine import fileio
from mmengine.config import Config
from mmrazor.structures import convert_fix_subnet, export_fix_subnet

from diswot_mm.models.search_spaces import (NASBench201, arch_to_index,
                                            choices_to_alias, index_to_arch)
from diswot_mm.models.search_spaces.nas_bench_201 import arch_strings
from diswot_mm.registry import TASK_UTILS, build_in_scope


def build(path):
    cfg = Config.fromfile(f'{REPO}/configs/_base_/models/{path}')
    return build_in_scope(cfg.model), cfg


def resources(model, size=32):
    estimator = TASK_UTILS.build(
        dict(
            type='ActivePathResourceEstimator',
            input_shape=(1, 3, size, size)))
    return estimator.estimate(model)


def export_and_rebuild(supernet, cfg, arch, tmp_path, inputs):
    """Outputs of the supernet with ``arch`` selected and of the plain
    classifier rebuilt from the exported YAML with the sliced weights."""
    select(supernet, arch)
    supernet.eval()
    with torch.no_grad():
        expected = supernet.architecture(inputs, mode='tensor')
    fix_subnet, sliced = export_fix_subnet(supernet, slice_weight=True)
    path = tmp_path / 'fix_subnet.yaml'
    fileio.dump(convert_fix_subnet(fix_subnet), str(path))
    plain = build_in_scope(
        dict(
            type='fixed_subnet',
            cfg=cfg.model.architecture,
            fix_subnet=str(path)))
    plain.load_state_dict(sliced.architecture.state_dict())
    plain.eval()
    with torch.no_grad():
        got = plain(inputs, mode='tensor')
    return expected, got, plain


@pytest.fixture(scope='module')
def s1():
    return build('s1_cifar_resnet_supernet.py')


def test_all_64_s1_students(s1, sample_batch):
    supernet, _ = s1
    archs = [f'{a}{b}{c}' for a in '1357' for b in '1357' for c in '1357']
    inputs = sample_batch[0][:4]
    params = {}
    for arch in archs:
        select(supernet, arch)
        assert supernet.architecture.backbone.encode(
            choices_to_alias(supernet.mutator,
                             supernet.mutator.current_choices)) == arch
        _, sliced = export_fix_subnet(supernet, slice_weight=True)
        assert sliced.architecture(inputs, mode='tensor').shape == (4, 100)
        params[arch] = resources(sliced.architecture)['params']
    assert len(set(params.values())) > 20
    assert params['333'] == pytest.approx(0.278, abs=1e-3)  # ResNet20
    assert min(params, key=params.get) == '111'
    assert max(params, key=params.get) == '777'


def test_cifar_resnet_family_resources():
    expected = dict(
        resnet20=(0.278, 41.4),
        resnet56=(0.862, 127.4),
        resnet110=(1.737, 256.3))
    for arch, (params, flops) in expected.items():
        cfg = Config.fromfile(
            f'{REPO}/configs/_base_/models/resnet20_cifar.py')
        cfg.model.backbone.arch = arch
        model = build_in_scope(cfg.model)
        result = resources(model)
        assert result['params'] == pytest.approx(params, abs=2e-3)
        assert result['flops'] == pytest.approx(flops, rel=0.01)


def test_s1_export_yaml_rebuild_same_outputs(s1, sample_batch, tmp_path):
    supernet, cfg = s1
    torch.manual_seed(0)
    supernet.init_weights()
    expected, got, plain = export_and_rebuild(supernet, cfg, '537', tmp_path,
                                              sample_batch[0])
    assert torch.allclose(expected, got, atol=1e-5)
    assert [len(s) for s in plain.backbone.stages] == [5, 3, 7]
    assert 'Dynamic' not in repr(plain)  # an ordinary network


def test_s1_bad_arch_is_a_clear_error(s1):
    supernet, _ = s1
    with pytest.raises(ValueError, match='not in the space'):
        select(supernet, '222')
    with pytest.raises(ValueError, match='digit'):
        select(supernet, '5x7')


def test_nb201_known_parameter_counts():
    known = {1462: 1.537396, 10571: 0.079156, 14434: 1.079316}
    for index, params in known.items():
        backbone = NASBench201(arch=index_to_arch(index))
        head = backbone.out_channels * 100 + 100
        total = sum(p.numel() for p in backbone.parameters()) + head
        assert round(total / 1e6, 6) == params


def test_nb201_round_trips_for_all_cells():
    strings = arch_strings()
    assert len(strings) == len(set(strings)) == 15625
    for index, arch in enumerate(strings):
        assert arch_to_index(arch) == index
        assert NASBench201.encode(NASBench201.decode(arch)) == arch
    assert index_to_arch(1462).count('nor_conv_3x3') == 6
    with pytest.raises(ValueError, match='op'):
        arch_to_index('|conv_9x9~0|+|none~0|none~1|+|none~0|none~1|none~2|')
    with pytest.raises(IndexError):
        index_to_arch(15625)


def test_nb201_sampled_cells_build_forward_export(sample_batch, tmp_path):
    supernet, cfg = build('nb201_supernet.py')
    torch.manual_seed(0)
    supernet.init_weights()
    inputs = sample_batch[0][:4]
    for index in random.Random(0).sample(range(15625), 4):
        arch = index_to_arch(index)
        expected, got, plain = export_and_rebuild(supernet, cfg, arch,
                                                  tmp_path, inputs)
        assert torch.allclose(expected, got, atol=1e-5)
        fixed = NASBench201(arch=arch)
        assert resources(plain)['params'] == pytest.approx(
            (sum(p.numel() for p in fixed.parameters()) + 6500) / 1e6,
            abs=1e-3)


def test_imagenet_space_resnet18_and_export(tmp_path):
    supernet, cfg = build('imagenet_resnet_supernet.py')
    resnet18 = 'w100-2222-' + '3' * 12
    select(supernet, resnet18)
    _, sliced = export_fix_subnet(supernet, slice_weight=True)
    assert resources(sliced.architecture, 224)['params'] == pytest.approx(
        11.690, abs=1e-3)
    torch.manual_seed(0)
    supernet.init_weights()
    inputs = torch.randn(2, 3, 64, 64)
    expected, got, _ = export_and_rebuild(supernet, cfg,
                                          'w050-1231-' + '357' * 4, tmp_path,
                                          inputs)
    assert expected.shape == (2, 1000)
    assert torch.allclose(expected, got, atol=1e-4)


def test_s1_optional_width_choices(sample_batch, tmp_path):
    cfg = Config.fromfile(
        f'{REPO}/configs/_base_/models/s1_cifar_resnet_supernet.py')
    cfg.model.architecture.backbone.widen_factors = [0.5, 1.0]
    supernet = build_in_scope(cfg.model)
    backbone = supernet.architecture.backbone
    assert len(supernet.mutator.search_groups) == 4
    params = {}
    for arch in ('333-w050', '333-w100'):
        select(supernet, arch)
        assert backbone.encode(
            choices_to_alias(supernet.mutator,
                             supernet.mutator.current_choices)) == arch
        _, sliced = export_fix_subnet(supernet, slice_weight=True)
        params[arch] = resources(sliced.architecture)['params']
    assert params['333-w100'] == pytest.approx(0.278, abs=1e-3)
    assert params['333-w050'] < params['333-w100']
    torch.manual_seed(0)
    supernet.init_weights()
    expected, got, _ = export_and_rebuild(supernet, cfg, '517-w050', tmp_path,
                                          sample_batch[0][:4])
    assert torch.allclose(expected, got, atol=1e-5)
    with pytest.raises(ValueError, match='w<factor%>'):
        backbone.decode('333')


def test_fix_subnet_that_does_not_fit_is_a_clear_error(s1, tmp_path):
    _, cfg = s1
    arch = cfg.model.architecture

    def build_with(fix_subnet):
        return build_in_scope(
            dict(type='fixed_subnet', cfg=arch, fix_subnet=fix_subnet))

    with pytest.raises(FileNotFoundError, match='best_fix_subnet'):
        build_with(str(tmp_path / 'none.yaml'))
    good = {f'stage{i}_blocks': dict(chosen=3) for i in (1, 2, 3)}
    assert [len(s) for s in build_with(good).backbone.stages] == [3, 3, 3]
    with pytest.raises(ValueError, match=r"missing \['stage3_blocks'\]"):
        build_with({k: v for k, v in good.items() if k != 'stage3_blocks'})
    path = tmp_path / 'bad.yaml'
    fileio.dump(dict(good, stage2_blocks=dict(chosen=4)), str(path))
    with pytest.raises(
            ValueError, match='stage2_blocks=4 is not in the '
            'space'):
        build_with(str(path))
