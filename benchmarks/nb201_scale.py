"""Score every NAS-Bench-201 cell with DisWOT on the CPU: wall time and RSS.

    python -m benchmarks.nb201_scale [--limit N] [--out FILE]

ResNet110 teacher (Gaussian init), the 20 embedded CIFAR-100 images, the
NB201 supernet with each cell selected in turn (index order). RSS is read
at intervals: it must stay flat as the number of candidates grows.
"""
import argparse
import json
import resource
import time

from mmengine.config import Config

import diswot_mm  # noqa: F401
from benchmarks.common import repo_path, rss_mb
from diswot_mm.models.search_spaces import (NASBench201, alias_to_choices,
                                            index_to_arch)
from diswot_mm.registry import TASK_UTILS, build_in_scope
from diswot_mm.utils.machine import machine_info
from diswot_mm.utils.progress import track


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--limit', type=int, default=15625)
    parser.add_argument('--out', default='work_dirs/nb201_scale.json')
    args = parser.parse_args()
    cfg = Config.fromfile(repo_path('configs/_base_/models/nb201_supernet.py'))
    supernet = build_in_scope(cfg.model)
    estimator = TASK_UTILS.build(
        dict(
            type='DisWOTEstimator',
            teacher=repo_path('configs/_base_/models/resnet110_cifar.py')))
    start = time.perf_counter()
    rss, scores = {}, []
    for index in track(range(args.limit), desc='scoring cells'):
        arch = index_to_arch(index)
        supernet.mutator.set_choices(
            alias_to_choices(supernet.mutator, NASBench201.decode(arch)))
        scores.append(estimator.score(supernet, key=arch)['diswot'])
        if (index + 1) % 1000 == 0 or index + 1 == args.limit:
            rss[index + 1] = rss_mb()
    wall = time.perf_counter() - start
    result = dict(
        cells=args.limit,
        wall_s=wall,
        ms_per_cell=1000 * wall / args.limit,
        rss_mb=rss,
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        machine=machine_info(),
        best=index_to_arch(max(range(len(scores)), key=scores.__getitem__)),
        non_finite=sum(1 for s in scores if s == float('-inf')))
    with open(args.out, 'w') as f:
        json.dump(result, f, indent=1)
    print(json.dumps(result, indent=1))


if __name__ == '__main__':
    main()
