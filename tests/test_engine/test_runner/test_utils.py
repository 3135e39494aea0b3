"""In-process unit tests of the search loop's parts (breeding, settings,
scoring, the state store) on a toy mutator, as mmrazor tests its loop."""
import json
import logging
import math
import random

import pytest
from mmrazor.models.mutables import OneShotMutableValue

from diswot_mm.engine.runner.search_state import (SearchStateError,
                                                  SearchStateStore)
from diswot_mm.engine.runner.utils import (SearchSettings, add_records,
                                           breeding_counts, combine_population,
                                           crossover, mutate,
                                           no_feasible_message, random_choices,
                                           ranked, resolution_warning)
from diswot_mm.models.task_modules.estimators import (build_resource_estimator,
                                                      build_score_estimator)

LOGGER = logging.getLogger('test_runner_utils')


def toy_groups():
    """Three search groups of one mutable value each: a, b, c."""
    return {
        name: [OneShotMutableValue(value_list=values, alias=name)]
        for name, values in (('a', [1, 2, 3]), ('b', [4, 5]), ('c', [6]))
    }


def test_random_choices_draw_each_group_among_its_choices():
    groups = toy_groups()
    drawn = [random_choices(groups, random.Random(s)) for s in range(50)]
    assert {d['a'] for d in drawn} == {1, 2, 3}
    assert {d['b'] for d in drawn} == {4, 5}
    assert {d['c'] for d in drawn} == {6}
    # seeded: the same draws again
    assert drawn == [
        random_choices(groups, random.Random(s)) for s in range(50)
    ]


def test_mutation_and_crossover_follow_their_probabilities():
    groups = toy_groups()
    parent = dict(a=1, b=4, c=6)
    rng = random.Random(0)
    assert all(mutate(parent, groups, rng, 0.0) == parent for _ in range(20))
    mutated = [mutate(parent, groups, rng, 1.0) for _ in range(100)]
    assert {m['a'] for m in mutated} == {1, 2, 3}  # redrawn, not forced away
    other = dict(a=3, b=5, c=6)
    assert crossover(parent, other, rng, 0.0) == parent
    assert crossover(parent, other, rng, 1.0) == other
    mixed = [crossover(parent, other, rng, 0.5) for _ in range(100)]
    assert 20 < sum(m['a'] == 3 for m in mixed) < 80


def test_breeding_counts_scale_down_to_the_population():
    assert breeding_counts(50, 25, 25) == (25, 25)
    assert breeding_counts(50, 10, 5) == (10, 5)
    assert breeding_counts(4, 8, 8) == (2, 2)
    assert breeding_counts(10, 9, 3) == (7, 3)
    assert sum(breeding_counts(7, 100, 1)) == 7


def test_settings_check_each_key_and_name_it():
    settings = SearchSettings()
    assert settings.constraints_range == dict(params=(0, 1e9))
    assert settings.resource_estimator['type'] == (
        'ActivePathResourceEstimator')
    for key, value, match in (('top_k', 0, 'train_cfg.top_k must be >= 1'),
                              ('num_mutation', -1, 'num_mutation'),
                              ('mutate_prob', 1.5, 'probability'),
                              ('constraints_range', dict(flops=(5, 1)),
                               'constraints_range.flops')):
        with pytest.raises(ValueError, match=match):
            SearchSettings(**{key: value})
    with pytest.raises(TypeError, match=r"no setting \['num_candidate'\]"):
        SearchSettings.from_train_cfg(
            dict(type='TrainingFreeSearchLoop', num_candidate=5))


def test_search_config_holds_only_what_changes_the_candidates():
    base = SearchSettings().search_config(dict(type='M'), dict(type='E'))
    assert base == SearchSettings(
        max_epochs=3, resume_from='auto',
        max_keep_ckpts=1).search_config(dict(type='M'), dict(type='E'))
    assert base != SearchSettings(seed=1).search_config(
        dict(type='M'), dict(type='E'))
    assert base['constraints_range'] == dict(params=[0, 1e9])  # JSON values


def test_add_records_and_ranking(caplog):
    records = {}
    results = {
        'x': dict(diswot=-1.0),
        'y': dict(diswot=-0.5),
        'z': dict(diswot=-math.inf, error='RuntimeError: boom'),
        'v': dict(diswot=-math.inf, error='RuntimeError: boom')
    }
    resources = {a: dict(flops=1.0, params=0.1) for a in results}
    with caplog.at_level(logging.WARNING, logger=LOGGER.name):
        add_records(records, ['x', 'y', 'z', 'v'], results, resources,
                    'diswot', 0, LOGGER)
    # one warning per distinct error, not one per candidate
    assert [r.getMessage() for r in caplog.records] == [
        'candidate z and 1 more: scoring failed (RuntimeError: boom); '
        'recorded as infeasible.'
    ]
    assert list(records['x']) == [
        'arch', 'diswot', 'score', 'flops', 'params', 'generation'
    ]
    assert [r['arch'] for r in ranked(records)] == ['y', 'x']
    records['w'] = dict(records['x'], arch='w')  # a tie: broken by arch
    assert [r['arch'] for r in ranked(records)] == ['y', 'w', 'x']
    with pytest.raises(RuntimeError, match='every candidate of generation 2'):
        add_records(records, ['z'], results, resources, 'diswot', 1, LOGGER)


class MeanRank:
    """A population-relative estimator: score = rank of 'raw' (0 worst)."""
    population_relative = True
    score_name = 'mean_rank'

    def combine(self, records):
        order = sorted(range(len(records)), key=lambda i: records[i]['raw'])
        ranks = [0.0] * len(records)
        for rank, i in enumerate(order):
            ranks[i] = float(rank)
        return ranks


def test_population_relative_scores_are_recombined_over_all_held():
    records = {
        a: dict(arch=a, raw=raw, mean_rank=0.0, score=0.0)
        for a, raw in (('p', 3.0), ('q', 1.0), ('r', 2.0))
    }
    records['s'] = dict(arch='s', raw=9.0, score=-math.inf, error='x')
    combine_population(MeanRank(), records, 'mean_rank')
    assert [records[a]['score'] for a in 'pqr'] == [2.0, 0.0, 1.0]
    assert records['s']['score'] == -math.inf  # failed: left out
    combine_population(MeanRank(), records, 'raw')  # another key: unchanged
    assert records['p']['score'] == 2.0


def test_messages_name_the_ranges():
    message = no_feasible_message(
        dict(params=(0, 0.01)), dict(flops=1.0, params=0.2),
        dict(flops=9.0, params=2.0))
    assert 'params=0.2000 M' in message and 'Widen the range' in message
    assert resolution_warning((1, 3, 32, 32),
                              {'E': dict(input_shape=[8, 3, 32, 32])}) == ''
    assert '(224, 224)' in resolution_warning(
        (1, 3, 32, 32), {'E': dict(input_shape=[8, 3, 224, 224])})


def test_state_store_keeps_its_own_newest_and_never_others(tmp_path):
    config = SearchSettings().search_config(None, dict(type='E'))
    other = SearchStateStore(str(tmp_path), dict(config, seed=5), 3)
    foreign = other.path(9)
    other.save(
        9,
        records={},
        infeasible={},
        exhausted=False,
        rng_state=random.Random(0).getstate())
    store = SearchStateStore(str(tmp_path), config, 2)
    rng = random.Random(1)
    for epoch in range(1, 5):
        store.save(
            epoch,
            records={'a': dict(score=-1.0)},
            infeasible={},
            exhausted=False,
            rng_state=rng.getstate())
    assert [p.rsplit('_', 1)[1]
            for p in store.own_states()] == ['3.json', '4.json']
    assert json.load(open(foreign))['config']['seed'] == 5  # not pruned
    path, state = store.load('auto', LOGGER)
    assert path.endswith('search_epoch_4.json') and state['epoch'] == 4
    with pytest.raises(SearchStateError, match='search_epoch_4.json'):
        store.load(foreign, LOGGER)  # another config: names the newest own
    with pytest.raises(FileNotFoundError, match='does not exist'):
        store.load(str(tmp_path / 'nope.json'), LOGGER)


def test_search_builds_only_estimators_it_can_use():
    with pytest.raises(TypeError, match='ActivePathResourceEstimator'):
        build_resource_estimator(
            dict(type='mmrazor.ResourceEstimator', input_shape=(1, 3, 8, 8)),
            dict(params=(0, 1)))
    with pytest.raises(KeyError, match='latency'):
        build_resource_estimator(
            dict(type='ActivePathResourceEstimator'), dict(energy=(0, 1)))
    estimator = build_resource_estimator(
        dict(type='ActivePathResourceEstimator'), dict(latency=(0, 1)))
    assert estimator.input_shape == (1, 3, 224, 224)
    with pytest.raises(TypeError, match='not a training-free estimator'):
        build_score_estimator(dict(type='ActivePathResourceEstimator'))
