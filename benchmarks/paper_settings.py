"""AZ-NAS and SWAP on NAS-Bench-201 in our setting and in their authors'.

    python -m benchmarks.paper_settings --proxy az_nas \\
        --settings ours randn20 official [--cells 1000] [--dataset cifar10]

Our rank configs (``configs/rank_nb201_{cifar10,cifar100}.py``) score every
cell on the 20 embedded real test images, one initialisation a cell. The
official code does otherwise (``docs/benchmarks.md`` cites the lines):

- AZ-NAS (cvlab-yonsei/AZ-NAS, ``NB201/tss_general.ipynb``): a batch of 64
  Gaussian-noise images ``torch.randn(64, 3, 32, 32)`` (AZ-NAS is not among
  its real-input proxies), Kaiming fan-in init (as ours);
- SWAP (pym1024/SWAP, ``correlation.py``): the first 16 real images, N(0, 1)
  weights, the score averaged over 32 initialisations.

Each setting scores the first ``--cells`` cells of the ground truth (a
uniform sample of the benchmark, in index order) with the rank config's
estimator, changed only as the table :data:`SETTINGS` says; Kendall tau and
Spearman rho against the ground truth go to ``--out`` (JSON) and stdout.
The noise batch is seeded (``--seed``), so a run is reproducible.
"""
import argparse
import json
import time
from typing import Dict, List

import torch
from mmengine.config import Config

import diswot_mm  # noqa: F401
from benchmarks.common import repo_path
from diswot_mm.analysis import load_ground_truth, rank_correlations
from diswot_mm.analysis.rank_scores import prepare
from diswot_mm.models.search_spaces import SearchSpace
from diswot_mm.registry import TASK_UTILS, build_in_scope
from diswot_mm.utils.machine import machine_info
from diswot_mm.utils.progress import track

#: proxy -> setting -> changes to the rank config's estimator: ``init``
#: (scheme), ``noise`` (a Gaussian batch of that many images instead of the
#: real ones), ``images`` (the first that many real images), ``repeats``
#: (initialisations averaged; the score's mean, as SWAP's code).
SETTINGS: Dict[str, Dict[str, dict]] = {
    'az_nas': {
        'ours': {},
        'randn20': dict(noise=20),
        'official': dict(noise=64),
    },
    'swap': {
        'ours': {},
        'gaussian': dict(init='gaussian'),
        'official': dict(init='gaussian', images=16, repeats=32),
    },
}


def build_estimator(cfg: Config, proxy: str, setting: dict, seed: int):
    """The rank config's ``proxy`` estimator with ``setting`` applied."""
    est_cfg = prepare(cfg, proxy, dict(cfg.rank_cfg.estimators[proxy]), seed)
    if 'init' in setting:
        est_cfg['init'] = setting['init']
    estimator = build_in_scope(est_cfg, TASK_UTILS)
    if 'noise' in setting:
        generator = torch.Generator().manual_seed(seed)
        estimator.inputs = torch.randn(
            setting['noise'], *estimator.inputs.shape[1:],
            generator=generator).to(estimator.inputs.device)
    if 'images' in setting:
        estimator.inputs = estimator.inputs[:setting['images']]
        estimator.labels = estimator.labels[:setting['images']]
    return estimator


def score_setting(space: SearchSpace, estimator, archs: List[str],
                  repeats: int) -> List[float]:
    """Each arch's score (the mean over ``repeats`` initialisations, keyed
    ``arch``, ``arch#1``, ...); a population-relative score combined over
    ``archs``."""
    results = []
    for arch in track(archs, desc='scoring'):
        space.select(arch)
        network = space.network()
        runs = [
            estimator.score(network, key=arch if r == 0 else f'{arch}#{r}')
            for r in range(repeats)
        ]
        results.append(
            {k: sum(run[k] for run in runs) / repeats
             for k in runs[0]})
    if estimator.population_relative:
        return list(estimator.combine(results))
    return [r[estimator.score_name] for r in results]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--proxy', choices=sorted(SETTINGS), required=True)
    parser.add_argument('--settings', nargs='+', metavar='NAME')
    parser.add_argument(
        '--dataset', choices=('cifar10', 'cifar100'), default='cifar10')
    parser.add_argument('--cells', type=int, default=1000)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', default='work_dirs/paper_settings.json')
    args = parser.parse_args()
    settings = args.settings or list(SETTINGS[args.proxy])
    unknown = set(settings) - set(SETTINGS[args.proxy])
    if unknown:
        parser.error(f'{args.proxy} has settings {list(SETTINGS[args.proxy])}'
                     f', not {sorted(unknown)}')
    cfg = Config.fromfile(repo_path(f'configs/rank_nb201_{args.dataset}.py'))
    truth = load_ground_truth(cfg.rank_cfg.ground_truth,
                              cfg.rank_cfg.accuracy_column)
    archs = list(truth)[:args.cells]
    space = SearchSpace(build_in_scope(cfg.model))
    report = dict(
        proxy=args.proxy,
        dataset=args.dataset,
        cells=len(archs),
        seed=args.seed,
        machine=machine_info(),
        date=time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
        settings={})
    for name in settings:
        setting = SETTINGS[args.proxy][name]
        start = time.perf_counter()
        estimator = build_estimator(cfg, args.proxy, setting, args.seed)
        scores = score_setting(space, estimator, archs,
                               setting.get('repeats', 1))
        row = dict(
            setting,
            input=list(estimator.inputs.shape),
            init=estimator.init,
            seconds=round(time.perf_counter() - start, 1),
            **rank_correlations(scores, [truth[a] for a in archs]))
        report['settings'][name] = row
        print(
            f'{args.proxy} {name}: tau {row["kendall"]:.3f}, rho '
            f'{row["spearman"]:.3f} ({row["seconds"]} s)',
            flush=True)
        with open(args.out, 'w') as f:
            json.dump(report, f, indent=1)


if __name__ == '__main__':
    main()
