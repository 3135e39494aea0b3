"""End to end on real data, on the CPU: does the DisWOT student distil
better than the students a user would pick otherwise?

    python -m benchmarks.e2e_fashion_mnist [--quick] [--seeds 0 1 2]

1. trains a CIFAR ResNet56 teacher briefly on Fashion-MNIST (32x32, 3 ch.;
   ``--teacher-train-samples`` images, by default the students' subset);
2. searches S1 students within ``--budget`` M params (default 0.2: ResNet20
   does not fit, 14 students do) with tools/search.py under each selection
   rule: DisWOT with the trained teacher, DisWOT with a random (Gaussian)
   teacher, the DisWOT + ZiCo rank ensemble (the best DisWOT ensemble on
   the S1 regret, fixed a priori), SNIP; plus the largest student that
   fits and a random feasible one;
3. distils every pick with the same KD recipe and epochs, for each seed
   (tools/train.py; a student picked by several rules is trained once);
4. tests the last checkpoint of each on the full test set (tools/test.py)
   and writes a table and a plot (work_dir/e2e_results.{md,json,png}).

``--quick`` runs the same pipeline on a few dozen images, one short epoch
and one initialisation per DisWOT score (what the tests exercise); without
Fashion-MNIST installed it uses the 20 embedded CIFAR-10 sample images
instead (10 classes as well).
"""
import argparse
import json
import os
import os.path as osp
import random

from benchmarks.common import (FMNIST, REPO, run, slug, tested_top1,
                               train_fmnist_teacher, train_options)
from diswot_mm.utils.stats import mean_std


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/e2e_fashion_mnist')
    parser.add_argument('--quick', action='store_true')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--epochs', type=int, default=4)
    parser.add_argument('--train-samples', type=int, default=4000)
    parser.add_argument('--teacher-epochs', type=int, default=6)
    parser.add_argument(
        '--teacher-train-samples',
        type=int,
        help='training images of the teacher (default: '
        '--train-samples; 60000 = all of Fashion-MNIST)')
    parser.add_argument(
        '--budget',
        type=float,
        default=0.2,
        help='M params (ResNet20, 0.2722 M, does not fit)')
    args = parser.parse_args()
    if args.quick:
        args.seeds, args.epochs, args.teacher_epochs = args.seeds[:1], 1, 1
        args.train_samples = 64
    args.teacher_train_samples = (
        args.teacher_train_samples or args.train_samples)
    return args


CONFIGS = dict(
    teacher='configs/e2e/teacher_resnet56_fmnist.py',
    search='configs/e2e/search_fmnist.py',
    distill='configs/e2e/distill_kd_fmnist.py')
SAMPLE_OVERRIDE = """
samples = dict(_delete_=True, type='CIFARSamples', subset='cifar10',
               pipeline=[dict(type='mmpretrain.PackInputs')])
"""

#: Selection rules found by tools/search.py: label -> (config lines added
#: to the search config, where its DisWOT estimator is, that estimator's
#: teacher setting given the teacher checkpoint ``{ckpt}``).
FMNIST_DATA = ('dataloader={{_base_.train_cfg.estimator.dataloader}}, '
               'data_preprocessor='
               '{{_base_.train_cfg.estimator.data_preprocessor}}')
RULES = {
    'DisWOT (trained teacher)':
    ('', 'train_cfg.estimator', 'teacher_ckpt={ckpt}'),
    'DisWOT (random teacher)':
    ('', 'train_cfg.estimator', 'teacher_init=gaussian'),
    'DisWOT + ZiCo ensemble (trained teacher)':
    ('train_cfg = dict(score_key="ensemble", estimator=dict('
     '_delete_=True, type="EnsembleEstimator", estimators=dict('
     'diswot={{_base_.train_cfg.estimator}}, zico=dict('
     f'type="ZiCoEstimator", {FMNIST_DATA}))))',
     'train_cfg.estimator.estimators.diswot', 'teacher_ckpt={ckpt}'),
    'SNIP':
    ('train_cfg = dict(score_key="snip", estimator=dict('
     f'_delete_=True, type="SNIPEstimator", {FMNIST_DATA}))', None, None),
}


def rule_options(label: str, teacher_ckpt: str, quick: bool) -> list:
    """--cfg-options of a rule's search: its DisWOT teacher setting, and
    (``quick``) one initialisation per DisWOT score."""
    _, diswot, teacher = RULES[label]
    if diswot is None:
        return []
    return [f'{diswot}.{teacher.format(ckpt=teacher_ckpt)}'
            ] + ([f'{diswot}.repeats=1'] if quick else [])


def rule_config(work: str, search_config: str, label: str, body: str) -> str:
    """The search config of a rule: ``search_config`` itself, or a config
    in ``work/configs`` that inherits it and adds ``body``."""
    if not body:
        return search_config
    folder = osp.join(work, 'configs')
    os.makedirs(folder, exist_ok=True)
    path = osp.join(folder, f'search_{slug(label)}.py')
    with open(path, 'w') as f:
        f.write(f"_base_ = ['{osp.join(REPO, search_config)}']\n{body}\n")
    return path


def run_configs(work: str, fmnist: bool) -> dict:
    """The three configs of the run: the repo's, or (without Fashion-MNIST)
    derived ones in ``work/configs`` that read the embedded CIFAR-10
    sample images instead."""
    if fmnist:
        return dict(CONFIGS)
    folder = osp.join(work, 'configs')
    os.makedirs(folder, exist_ok=True)
    derived = {}
    for name, base in CONFIGS.items():
        body = ([
            'train_cfg = dict(estimator=dict(dataloader=dict('
            'dataset=samples)))'
        ] if name == 'search' else [
            f'{loader} = dict(dataset=samples)'
            for loader in ('train_dataloader', 'val_dataloader',
                           'test_dataloader')
        ])
        derived[name] = osp.join(folder, f'{name}.py')
        with open(derived[name], 'w') as f:
            f.write(f"_base_ = ['{osp.join(REPO, base)}']\n" +
                    SAMPLE_OVERRIDE + '\n'.join(body) + '\n')
    return derived


def data_options(args, fmnist: bool, train_samples: int):
    """--cfg-options for the Fashion-MNIST subset sizes."""
    if not fmnist:
        return []
    options = [f'train_dataloader.dataset.num_samples={train_samples}']
    if args.quick:
        options += [
            'val_dataloader.dataset.num_samples=64',
            'test_dataloader.dataset.num_samples=64'
        ]
    return options


def main():
    """Teacher, search, distillation of the compared students, report."""
    args = parse_args()
    fmnist = osp.isfile(FMNIST)
    work = osp.abspath(args.work_dir)
    os.makedirs(work, exist_ok=True)
    data = data_options(args, fmnist, args.train_samples)
    configs = run_configs(work, fmnist)

    # 1. the teacher (reused when its checkpoint is in the work_dir)
    teacher_cfg = configs['teacher']
    teacher_dir = osp.join(work, 'teacher')
    teacher_ckpt, teacher_seconds = train_fmnist_teacher(
        teacher_dir, args.teacher_epochs,
        data_options(args, fmnist, args.teacher_train_samples), teacher_cfg)
    teacher_top1 = tested_top1(teacher_cfg, teacher_ckpt,
                               osp.join(teacher_dir, 'test'), data)

    # 2. one search per selection rule (S1 is small: each search scores
    # every feasible student, so its pick is the rule's best)
    budget = [f'train_cfg.constraints_range.params=[0,{args.budget}]']
    picks, found, search_seconds = {}, None, {}
    for label, (body, _, _) in RULES.items():
        config = rule_config(work, configs['search'], label, body)
        search_dir = osp.join(work, 'search', slug(label))
        search_seconds[label] = run([
            'tools/search.py', config, '--work-dir', search_dir,
            '--cfg-options', *budget,
            *rule_options(label, teacher_ckpt, args.quick)
        ], osp.join(search_dir + '.log'))
        with open(osp.join(search_dir, 'candidates.json')) as f:
            result = json.load(f)
        picks[label] = result['best']['arch']
        found = found or result  # the trained-teacher DisWOT search
    feasible = {c['arch']: c for c in found['candidates']}
    picks['largest that fits (#params)'] = max(
        feasible, key=lambda a: (feasible[a]['params'], a))
    picks['random feasible'] = random.Random(0).choice(sorted(feasible))
    students = picks

    # 3-4. distil every student with every seed, test the last checkpoint
    # (a student picked by several rules is trained and tested once)
    distill_cfg = configs['distill']
    results, tested = {}, {}  # tested: (arch, seed) -> top-1
    for label, arch in students.items():
        runs = []
        for seed in args.seeds:
            run_dir = osp.join(work, 'distill', f'{arch}_seed{seed}')
            blocks = ','.join(arch)
            options = train_options(args.epochs) + data + [
                f'model.teacher_ckpt={teacher_ckpt}',
                f'model.architecture.backbone.stage_blocks=[{blocks}]',
                f'randomness.seed={seed}'
            ]
            ckpt = osp.join(run_dir, f'epoch_{args.epochs}.pth')
            seconds = 0.0
            if not osp.isfile(ckpt):  # shared by labels with the same arch
                seconds = run([
                    'tools/train.py', distill_cfg, '--work-dir', run_dir,
                    '--no-validate', '--cfg-options', *options
                ], run_dir + '.log')
            if (arch, seed) not in tested:
                tested[arch, seed] = tested_top1(
                    distill_cfg, ckpt, osp.join(run_dir, 'test'), data + [
                        f'model.architecture.backbone.'
                        f'stage_blocks=[{blocks}]'
                    ])
            runs.append(
                dict(
                    seed=seed, top1=tested[arch, seed], train_seconds=seconds))
        top1_mean, top1_std = mean_std([r['top1'] for r in runs])
        results[label] = dict(
            arch=arch,
            params=feasible[arch]['params'],
            diswot=feasible[arch]['score'],
            runs=runs,
            top1_mean=top1_mean,
            top1_std=top1_std)
    summary = dict(
        data='Fashion-MNIST' if fmnist else 'embedded CIFAR-10 samples',
        quick=args.quick,
        seeds=args.seeds,
        epochs=args.epochs,
        train_samples=args.train_samples if fmnist else 20,
        test_images=(64 if args.quick else 10000) if fmnist else 20,
        teacher_epochs=args.teacher_epochs,
        teacher_train_samples=(args.teacher_train_samples if fmnist else 20),
        teacher_top1=teacher_top1,
        teacher_seconds=teacher_seconds,
        search_seconds=search_seconds,
        budget=args.budget,
        feasible=len(feasible),
        students=results)
    write_report(work, summary)


def write_report(work, summary):
    """e2e_results.json / .md / .png in ``work``: per rule its pick, the
    pick's test top-1 over the seeds, and whether its difference to the
    largest-that-fits pick exceeds the seed spread (the sum of the stds)."""
    with open(osp.join(work, 'e2e_results.json'), 'w') as f:
        json.dump(summary, f, indent=1)
    students = summary['students']
    baseline = students['largest that fits (#params)']
    lines = [
        f'Data: {summary["data"]} ({summary["train_samples"]} training '
        f'images, {summary["test_images"]} test images). Teacher ResNet56 '
        f'trained on {summary["teacher_train_samples"]} '
        f'images for {summary["teacher_epochs"]} epochs: test top-1 '
        f'{summary["teacher_top1"]:.2f}. Budget {summary["budget"]} M '
        f'params ({summary["feasible"]} S1 students fit). Each pick: KD, '
        f'{summary["epochs"]} epochs, seeds {summary["seeds"]}.', '',
        '| rule | pick | params (M) | DisWOT score (trained teacher) | '
        'test top-1 (mean +/- std) | vs largest that fits | same pick as |',
        '|---|---|---|---|---|---|---|'
    ]
    for label, r in students.items():
        diff = r['top1_mean'] - baseline['top1_mean']
        spread = r['top1_std'] + baseline['top1_std']
        same = [
            other for other, o in students.items()
            if other != label and o['arch'] == r['arch']
        ]
        lines.append(f'| {label} | {r["arch"]} | {r["params"]:.4f} | '
                     f'{r["diswot"]:.4g} | {r["top1_mean"]:.2f} +/- '
                     f'{r["top1_std"]:.2f} | {diff:+.2f}'
                     f'{" (exceeds spread)" if abs(diff) > spread else ""} | '
                     f'{", ".join(same) or "-"} |')
    text = '\n'.join(lines) + '\n'
    with open(osp.join(work, 'e2e_results.md'), 'w') as f:
        f.write(text)
    print(text)
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    labels = list(summary['students'])
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.bar(
        range(len(labels)),
        [summary['students'][k]['top1_mean'] for k in labels],
        yerr=[summary['students'][k]['top1_std'] for k in labels],
        color=['tab:red' if 'DisWOT' in k else 'tab:gray' for k in labels],
        capsize=4)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels([
        f'{k.replace(" (", chr(10) + "(")}\n{summary["students"][k]["arch"]}'
        for k in labels
    ],
                       fontsize=7)
    tops = [summary['students'][k]['top1_mean'] for k in labels]
    ax.set_ylim(max(0, min(tops) - 5), min(100, max(tops) + 3))
    ax.set_ylabel('test top-1 (%)')
    ax.set_title(f'Distilled students on {summary["data"]}')
    fig.tight_layout()
    fig.savefig(osp.join(work, 'e2e_results.png'), dpi=110)
    plt.close(fig)
    print(f'Saved e2e_results.md/.json/.png in {work}')


if __name__ == '__main__':
    main()
