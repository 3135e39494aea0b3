"""Does the semantic term rank anything with a 1000-class teacher of
another final width? Its spread across the scored candidates next to the
relation term's, per teacher and semantic variant (issue 21).

    python benchmarks/semantic_spread.py [--candidates 12]
        [--teachers mobilenet_v2 resnet50] [--semantic class cam]
        [--work-root work_dirs/semantic_spread]

Per (teacher, variant): ``tools/search.py configs/diswot_imagenet.py`` for
one generation of ``--candidates`` random candidates of the ImageNet space
(the config's estimator otherwise: Gaussian init of teacher and students,
5 repeats, the embedded sample minibatch without data/imagenet), no
teacher checkpoint (a random teacher, as in the paper's setting). Reads
its ``candidates.json`` and reports, over the finite-score candidates, the
std and max - min of M_s and M_r, their std ratio, and whether the search
warned that a term hardly moves the ranking. The seed is the same for every
run, so every variant scores the same candidates with the same student
weights.
Writes ``WORK_ROOT.json``; each search's work_dir and log in
``WORK_ROOT/``.
"""
import argparse
import json
import os.path as osp
import platform

from common import REPO, run, slug

from diswot_mm.analysis import term_spreads

CONFIG = 'configs/diswot_imagenet.py'
TEACHERS = dict(
    mobilenet_v2='mmpretrain::mobilenet_v2/mobilenet-v2_8xb32_in1k.py',
    resnet50='mmpretrain::resnet/resnet50_8xb32_in1k.py')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--candidates', type=int, default=12)
    parser.add_argument(
        '--teachers', nargs='+', default=list(TEACHERS), choices=TEACHERS)
    parser.add_argument('--semantic', nargs='+', default=['class', 'cam'])
    parser.add_argument(
        '--work-root', default=osp.join(REPO, 'work_dirs', 'semantic_spread'))
    return parser.parse_args()


def search(teacher: str, semantic: str, candidates: int,
           work_root: str) -> dict:
    """One 1-generation search; its spreads, wall time and warning."""
    work_dir = osp.join(work_root, slug(f'{teacher}_{semantic}'))
    breed = max(1, candidates // 3)
    seconds = run([
        'tools/search.py', CONFIG, '--work-dir', work_dir, '--cfg-options',
        'train_cfg.max_epochs=1', f'train_cfg.num_candidates={candidates}',
        f'train_cfg.top_k={breed}', f'train_cfg.num_mutation={breed}',
        f'train_cfg.num_crossover={breed}',
        f'train_cfg.estimator.teacher={TEACHERS[teacher]}',
        f'train_cfg.estimator.semantic={semantic}'
    ], f'{work_dir}.log')
    with open(osp.join(work_dir, 'candidates.json')) as f:
        records = json.load(f)['candidates']
    spreads = term_spreads(records)
    with open(f'{work_dir}.log') as f:
        warned = [
            line.split('WARNING - ', 1)[-1].strip() for line in f
            if 'hardly moves the ranking' in line
        ]
    return dict(
        teacher=teacher,
        semantic=semantic,
        scored=len(records),
        semantic_mean=sum(r['semantic'] for r in records) / len(records),
        spreads=spreads,
        std_ratio=spreads['semantic']['std'] / spreads['relation']['std'],
        warning=warned[0] if warned else None,
        seconds=seconds)


def main():
    args = parse_args()
    rows = [
        search(t, s, args.candidates, args.work_root) for t in args.teachers
        for s in args.semantic
    ]
    with open(f'{args.work_root}.json', 'w') as f:
        json.dump(dict(machine=platform.platform(), rows=rows), f, indent=1)
    print('| teacher | semantic | scored | mean M_s | std M_s | max-min M_s '
          '| std M_r | max-min M_r | std ratio M_s / M_r | warned | s |')
    print('|---|---|---|---|---|---|---|---|---|---|---|')
    for r in rows:
        sem, rel = r['spreads']['semantic'], r['spreads']['relation']
        print(f'| {r["teacher"]} | {r["semantic"]} | {r["scored"]} | '
              f'{r["semantic_mean"]:.4g} | {sem["std"]:.3g} | '
              f'{sem["range"]:.3g} | {rel["std"]:.3g} | {rel["range"]:.3g} '
              f'| {r["std_ratio"]:.3g} | {"yes" if r["warning"] else "no"} '
              f'| {r["seconds"]:.0f} |')


if __name__ == '__main__':
    main()
