"""How much each DisWOT term varies across the scored candidates: a term
whose spread is negligible next to the other's does not rank anything."""
import math
import statistics
from typing import Dict, List, Optional

from ..runner.utils import CandidateRecord

#: Weighted std ratio below which a term counts as negligible.
NEGLIGIBLE_RATIO = 1e-2
TERMS = ('semantic', 'relation')


def _finite(records: List[CandidateRecord]) -> List[CandidateRecord]:
    return [r for r in records if math.isfinite(float(r['score']))]


def term_spreads(records: List[CandidateRecord]) -> Dict[str, dict]:
    """Spread of M_s (``semantic``) and M_r (``relation``) over the records
    with a finite ``score``.

    Args:
        records (list[dict]): Candidate records (a search's
            ``candidates.csv`` rows), each with ``semantic``, ``relation``
            and ``score``.

    Returns:
        dict: Per term, ``std`` (sample std; 0 for one record) and
        ``range`` (max - min) of the distance; empty with no finite record.
    """
    finite = _finite(records)
    if not finite:
        return {}
    spreads = {}
    for term in TERMS:
        values = [float(r[term]) for r in finite]
        spreads[term] = dict(
            std=statistics.stdev(values) if len(values) > 1 else 0.0,
            range=max(values) - min(values))
    return spreads


def negligible_term_message(records: List[CandidateRecord],
                            weights: Dict[str, float],
                            ratio: float = NEGLIGIBLE_RATIO) -> Optional[str]:
    """A warning when one term's weighted std across the scored candidates
    is below ``ratio`` times the other's, else None.

    Args:
        records (list[dict]): As for :func:`term_spreads`.
        weights (dict): ``semantic`` and ``relation`` weights of the score;
            a term of weight 0 is off on purpose (no warning).
        ratio (float): Threshold of the weighted std ratio.

    Returns:
        str | None: The message, naming the term, both stds and weights.
    """
    count = len(_finite(records))
    if count < 2 or not all(weights[t] for t in TERMS):
        return None
    spreads = term_spreads(records)
    weighted = {t: abs(weights[t]) * spreads[t]['std'] for t in TERMS}
    small, large = sorted(TERMS, key=weighted.get)
    if weighted[large] == 0 or weighted[small] >= ratio * weighted[large]:
        return None
    hint = (' With unequal final widths and many classes, semantic="class" '
            'gives a semantic term that varies where "cam" is near-constant '
            '(docs/benchmarks.md).' if small == 'semantic' else '')
    return (f'the {small} term hardly moves the ranking: its std across the '
            f'{count} scored candidates, {spreads[small]["std"]:.3g} at '
            f'weight {weights[small]:g}, against the {large} term\'s '
            f'{spreads[large]["std"]:.3g} at weight {weights[large]:g} is a '
            f'weighted ratio of {weighted[small] / weighted[large]:.2g} '
            f'(< {ratio:g}): the ranking is effectively the {large} term '
            f'alone. {small}_weight rescales the term; {small}_weight=0 '
            f'makes the {large}-only ranking explicit.{hint}')
