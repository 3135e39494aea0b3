"""mmrazor's own supernets as student spaces, as they come (issue 21):
alias-less mutables named by the mutator's module paths, compact arch keys
for any mutator, fix_subnet export that rebuilds."""
import json

import pytest
import torch
import yaml
from mmengine.config import Config

from diswot_mm.models.architectures.fixed_subnet import fixed_subnet
from diswot_mm.models.builder import build_model
from diswot_mm.models.search_spaces import (MutatorArchCodec,
                                            SearchableCIFARResNet,
                                            alias_to_choices, arch_codec,
                                            choices_to_alias,
                                            name_unaliased_mutables)

SPOS = 'configs/diswot_spos_shufflenet_imagenet.py'


@pytest.fixture(scope='module')
def spos():
    """mmrazor's SPOS ShuffleNetV2 supernet from
    mmrazor::_base_/nas_backbones/spos_shufflenet_supernet.py, unchanged."""
    model = build_model(Config.fromfile(SPOS).model)
    named = name_unaliased_mutables(model.architecture)
    return model, named


def test_unaliased_mutables_get_their_module_paths(spos):
    """Issue 21 row: "search group module_0 has no alias"; an alias per
    stage gave a 4^4 space instead of SPOS's 4^20."""
    model, named = spos
    assert len(named) == 20 == len(model.mutator.search_groups)
    assert list(named)[:2] == ['backbone.layers.0.0', 'backbone.layers.0.1']
    assert all(
        len(g[0].choices) == 4 for g in model.mutator.search_groups.values())
    # idempotent: a second call names nothing
    assert name_unaliased_mutables(model.architecture) == {}


def test_compact_keys_round_trip_for_any_mutator(spos):
    model, _ = spos
    codec = arch_codec(model.architecture.backbone, model.mutator)
    assert isinstance(codec, MutatorArchCodec)
    seen = set()
    for _ in range(5):
        choices = model.mutator.sample_choices()
        arch = codec.encode(choices_to_alias(model.mutator, choices))
        assert len(arch) == 20 and set(arch) <= set('0123')
        assert alias_to_choices(model.mutator, codec.decode(arch)) == choices
        seen.add(arch)
    assert len(seen) > 1
    first = model.mutator.search_groups['module_0'][0].choices
    assert codec.decode('0' * 20)['backbone.layers.0.0'] == first[0]
    with pytest.raises(ValueError, match='20 digits'):
        codec.decode('0123')
    with pytest.raises(ValueError, match='no index 7'):
        codec.decode('7' * 20)


def test_json_names_of_older_searches_still_decode(spos):
    model, _ = spos
    codec = arch_codec(model.architecture.backbone, model.mutator)
    choices = choices_to_alias(model.mutator, model.mutator.sample_choices())
    assert codec.decode(json.dumps(choices)) == choices


def test_a_space_with_its_own_names_keeps_them():
    model = build_model(
        Config.fromfile(
            'configs/_base_/models/s1_cifar_resnet_supernet.py').model)
    codec = arch_codec(model.architecture.backbone, model.mutator)
    assert isinstance(codec, SearchableCIFARResNet)
    assert codec.decode('557') == dict(
        stage1_blocks=5, stage2_blocks=5, stage3_blocks=7)


def test_value_choices_are_written_as_values():
    """A depth mutable without its own naming: digits are the depths."""
    model = build_model(
        Config.fromfile(
            'configs/_base_/models/s1_cifar_resnet_supernet.py').model)
    codec = MutatorArchCodec(model.mutator)
    assert codec.decode('557') == dict(
        stage1_blocks=5, stage2_blocks=5, stage3_blocks=7)
    with pytest.raises(ValueError, match='stage1_blocks=2 is not in'):
        codec.decode('257')


def test_fix_subnet_of_an_unaliased_space_rebuilds(spos, tmp_path):
    """The fix_subnet YAML written with the module-path aliases rebuilds
    with mmrazor's sub_model (which looks alias-less mutables up by module
    path) into the same network."""
    model, _ = spos
    model.mutator.set_choices(model.mutator.sample_choices())
    chosen = choices_to_alias(model.mutator, model.mutator.current_choices)
    path = tmp_path / 'fix_subnet.yaml'
    path.write_text(
        yaml.safe_dump({
            alias: dict(chosen=value)
            for alias, value in chosen.items()
        }))
    cfg = Config.fromfile(SPOS).model.architecture
    subnet = fixed_subnet(cfg, str(path))
    for alias, value in chosen.items():
        mutable = subnet.get_submodule(alias)
        assert mutable.is_fixed and list(mutable._candidates) == [value]
        expected = model.architecture.get_submodule(alias)._candidates[value]
        assert [p.shape for p in mutable.parameters()
                ] == [p.shape for p in expected.parameters()]
    out = subnet(torch.zeros(1, 3, 64, 64), mode='tensor')
    assert out.shape == (1, 1000)
