"""Cost of the DisWOT estimator per candidate, side by side in one run.

On the 64 S1 students (blocks per stage in {1,3,5,7}) with a ResNet110
teacher and the 20 embedded CIFAR-100 images, per candidate (ms):
  (a) DisWOTEstimator.score (re-init + one no-grad forward + the metrics);
  (b) a bare no-grad forward of the same student (the floor);
  (c) the official procedure: teacher forward + backward and student
      forward + backward per candidate, explicit C x C Grad-CAM matrices.
The three are interleaved per candidate and repeated; medians are reported.
Then the peak RSS while scoring --rss-candidates candidates (flat = no leak).

    python -m benchmarks.estimator_cost [--rounds 5] [--rss-candidates 1000]

With --proxies, instead: every registered training-free estimator's
``score`` (default init, the same images) per candidate next to a bare
no-grad forward of the same student, interleaved per candidate, median over
rounds of the mean over the students (AZ-NAS: its four terms; its log-rank
aggregation over a population is extra and negligible).

    python -m benchmarks.estimator_cost --proxies [--rounds 3]
"""
import argparse
import itertools
import resource
import statistics
import time

import torch
import torch.nn.functional as F
from mmengine.config import Config

import diswot_mm  # noqa: F401
from benchmarks.common import repo_path, rss_mb
from diswot_mm.models.builder import build_model
from diswot_mm.models.functional import relation_distance, relation_matrix
from diswot_mm.registry import TASK_UTILS, build_in_scope
from diswot_mm.utils.machine import describe_machine
from diswot_mm.utils.progress import track

S1 = [''.join(p) for p in itertools.product('1357', repeat=3)]
TEACHER = repo_path('configs/_base_/models/resnet110_cifar.py')


def build_student(arch: str):
    cfg = Config.fromfile(repo_path('configs/_base_/models/resnet20_cifar.py'))
    cfg.model.backbone = dict(
        type='CIFARResNet', stage_blocks=[int(d) for d in arch])
    return build_in_scope(cfg.model)


def official_score(teacher, student, inputs, labels) -> float:
    """The official code's procedure, teacher recomputed per candidate."""
    grads, feats = [], []
    for model in (teacher, student):
        model.zero_grad()
        feat = model.extract_feat(inputs, stage='backbone')[-1]
        logits = model.head.fc(feat.mean((2, 3)))
        F.cross_entropy(logits, labels).backward()
        g = model.head.fc.weight.grad  # (N, C)
        e = F.normalize(g[:, :, None] * g[:, None, :], dim=2)  # (N, C, C)
        grads.append(e)
        feats.append(feat.detach())
    n, c = grads[0].shape[:2]
    semantic = (grads[0] - grads[1]).pow(2).sum() / (c * n)
    relation = relation_distance(
        relation_matrix(feats[0]), relation_matrix(feats[1]))
    return -float(semantic + relation)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


#: The estimators --proxies times (registry names), DisWOT with its
#: ResNet110 teacher.
PROXIES = ('DisWOTEstimator', 'ParamsEstimator', 'FlopsEstimator',
           'GradNormEstimator', 'SNIPEstimator', 'SynFlowEstimator',
           'NASWOTEstimator', 'JacobCovEstimator', 'ZenEstimator',
           'ZiCoEstimator', 'PlainEstimator', 'L2NormEstimator',
           'FisherEstimator', 'GraSPEstimator', 'EPENASEstimator',
           'MeCoEstimator', 'SWAPEstimator', 'AZNASEstimator')


def proxy_costs(rounds: int) -> None:
    """Print ms per candidate of each of :data:`PROXIES` and its ratio to
    a bare no-grad forward, on the 64 S1 students."""
    estimators = {
        name:
        TASK_UTILS.build(
            dict(
                type=name,
                **({
                    'teacher': TEACHER
                } if name == 'DisWOTEstimator' else {})))
        for name in PROXIES
    }
    inputs = estimators['SNIPEstimator'].inputs
    students = {arch: build_student(arch) for arch in S1}
    times = {name: [] for name in ('forward', ) + PROXIES}
    for round_ in range(rounds):
        per_round = {name: [] for name in times}
        for arch, student in track(students.items(), len(students),
                                   f'round {round_ + 1}/{rounds}'):
            with torch.no_grad():
                per_round['forward'].append(
                    timed(lambda: student(inputs, mode='tensor')))
            for name, est in estimators.items():
                per_round[name].append(
                    timed(lambda: est.score(student, key=arch)))
        for name in times:
            times[name].append(statistics.mean(per_round[name]))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f'machine: {describe_machine()}')
    print(f'{len(S1)} S1 students, batch {tuple(inputs.shape)}, median of '
          f'{rounds} rounds of the mean ms per candidate:')
    print('| estimator | ms / candidate | x bare forward |')
    print('|---|---|---|')
    for name in times:
        print(f'| {name} | {med[name]:.1f} | '
              f'{med[name] / med["forward"]:.1f} |')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--rss-candidates', type=int, default=1000)
    parser.add_argument(
        '--proxies',
        action='store_true',
        help='time every registered proxy against a bare forward instead')
    args = parser.parse_args()
    if args.proxies:
        proxy_costs(args.rounds)
        return

    estimator = TASK_UTILS.build(dict(type='DisWOTEstimator', teacher=TEACHER))
    teacher = build_model(TEACHER).train()
    inputs, labels = estimator.inputs, estimator.labels
    students = {arch: build_student(arch) for arch in S1}

    times = dict(a=[], b=[], c=[])
    for round_ in range(args.rounds):
        per_round = dict(a=[], b=[], c=[])
        for arch, student in track(students.items(), len(students),
                                   f'round {round_ + 1}/{args.rounds}'):
            per_round['a'].append(
                timed(lambda: estimator.score(student, key=arch)))
            with torch.no_grad():
                per_round['b'].append(
                    timed(lambda: student(inputs, mode='tensor')))
            per_round['c'].append(
                timed(
                    lambda: official_score(teacher, student, inputs, labels)))
        for k in times:
            times[k].append(statistics.mean(per_round[k]))
    med = {k: statistics.median(v) for k, v in times.items()}

    rss = {}
    checkpoints = sorted({
        min(100, args.rss_candidates), args.rss_candidates // 2,
        args.rss_candidates
    })
    for i, arch in enumerate(
            itertools.islice(itertools.cycle(S1), args.rss_candidates), 1):
        estimator.score(students[arch], key=f'{arch}-{i}')
        if i in checkpoints:
            rss[i] = rss_mb()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f'machine: {describe_machine()}')
    print(f'{len(S1)} S1 students, teacher ResNet110, batch '
          f'{tuple(inputs.shape)}, median of {args.rounds} rounds (ms per '
          'candidate, mean over the 64):')
    print(f'  (a) DisWOTEstimator.score : {med["a"]:.2f}')
    print(f'  (b) bare no-grad forward  : {med["b"]:.2f}')
    print(f'  (c) official procedure    : {med["c"]:.2f}')
    print(f'  (a)/(b) = {med["a"] / med["b"]:.2f}   (goal <= 1.3)')
    print(f'  (c)/(a) = {med["c"] / med["a"]:.1f}   (goal >= 10)')
    print('RSS (MB) after N scored candidates: ' +
          ', '.join(f'{n}: {v:.1f}'
                    for n, v in rss.items()) + f'; peak {peak:.1f}')


if __name__ == '__main__':
    main()
