"""The warning of a DisWOT term that barely varies across the scored
candidates (issue 21: with a 1000-class teacher, "cam" gave M_s ~ 2/N for
every candidate and nothing said so)."""
import math

import pytest

from diswot_mm.engine.hooks.term_spread import (negligible_term_message,
                                                term_spreads)

WEIGHTS = dict(semantic=1.0, relation=1.0)


def records(semantic, relation):
    return [
        dict(arch=str(i), semantic=s, relation=r, score=-(s + r))
        for i, (s, r) in enumerate(zip(semantic, relation))
    ]


# issue 21's "cam" row: M_s 0.001975 ... 0.001993 with a 1000-class teacher
CAM_1000 = records([0.001975, 0.001993, 0.001981, 0.001988],
                   [0.031, 0.052, 0.044, 0.020])


def test_spreads_are_std_and_range_of_the_finite_records():
    rows = CAM_1000 + [
        dict(arch='x', semantic=9.0, relation=9.0, score=-math.inf)
    ]
    spreads = term_spreads(rows)
    assert spreads['semantic']['range'] == pytest.approx(0.001993 - 0.001975)
    assert spreads['relation']['range'] == pytest.approx(0.052 - 0.020)
    relation = [0.031, 0.052, 0.044, 0.020]  # sample std, spelled out
    mean = sum(relation) / 4
    std = math.sqrt(sum((r - mean)**2 for r in relation) / 3)
    assert spreads['relation']['std'] == pytest.approx(std)


def test_a_near_constant_semantic_term_is_named_with_both_stds():
    message = negligible_term_message(CAM_1000, WEIGHTS)
    spreads = term_spreads(CAM_1000)
    assert message.startswith('the semantic term hardly moves the ranking: '
                              'its std across the 4 scored candidates')
    assert f'{spreads["semantic"]["std"]:.3g}' in message
    assert f'{spreads["relation"]["std"]:.3g}' in message
    assert 'effectively the relation term alone' in message
    assert 'semantic="class"' in message


def test_the_weights_count_and_a_term_switched_off_is_no_warning():
    balanced = records([0.1, 0.3, 0.2], [0.01, 0.02, 0.04])
    assert negligible_term_message(balanced, WEIGHTS) is None
    message = negligible_term_message(balanced,
                                      dict(semantic=1.0, relation=1e-4))
    assert message.startswith('the relation term hardly moves the ranking')
    assert 'effectively the semantic term alone' in message
    assert 'relation_weight=0' in message and 'semantic="class"' not in message
    assert negligible_term_message(CAM_1000, dict(semantic=0.0,
                                                  relation=1.0)) is None


def test_too_few_or_constant_candidates_are_no_warning():
    assert negligible_term_message(CAM_1000[:1], WEIGHTS) is None
    same = records([0.2, 0.2], [0.1, 0.1])
    assert negligible_term_message(same, WEIGHTS) is None
