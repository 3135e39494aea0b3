"""Does DisWOT+ distil better than KD? An ablation of the loss terms on
Fashion-MNIST with the trained teacher of the end-to-end pipeline.

    python -m benchmarks.distill_ablation [--students 333 151] [--seeds 0 1 2]
        [--variants ...] [--teacher-work-dir DIR --teacher-train-samples N
         --teacher-epochs E]

(151: the DisWOT pick, trained teacher, at the e2e budget of 0.2 M params.)

The teacher is the e2e ResNet56 (tools/train.py, trained unless its last
checkpoint is in --teacher-work-dir; by default the e2e pipeline's, 4,000
images x 6 epochs). For each student (S1 arch digits; ResNet20 = 333) and
seed, with the recipe of ``configs/e2e/`` (4,000 training images, 4 epochs,
SGD 0.05 cosine, batch 64; tools/train.py), tested on the full 10,000-image
test set (tools/test.py, last checkpoint):
  student alone (CE)    the KD config with the KL term at weight 0, CE 1.0
  KD                    0.1 CE + 0.9 KL (T=4)
  KD + L_Mr             DisWOT+ config with L_Ms at weight 0
  KD + L_Ms             DisWOT+ config with L_Mr at weight 0
  DisWOT+               0.1 CE + 0.9 KL + 0.1 L_Ms + 3000 L_Mr, gradient
                        norm clipped at 10 (the config)
The single-term rows run without the config's gradient clip (as they were
measured, before the clip was added). With --variants, also:
  DisWOT+ (no grad clip)   the config without its gradient clip;
  KD (grad clip 10)        KD with DisWOT+'s clip (is the clip alone the
                           gain?);
  KD + L_Ms (weight 1), DisWOT+ (L_Ms weight 1)   L_Ms at weight 1, the
                           weight of the gradient-scale rule, the first tried
                           (no clip).
Writes work_dir/distill_ablation.{json,md,png}; runs already done are
reused when started again.
"""
import argparse
import json
import os
import os.path as osp

from benchmarks.common import (FMNIST, FMNIST_TEACHER_CFG, run, slug,
                               tested_top1, train_fmnist_teacher,
                               train_options)
from diswot_mm.utils.stats import mean_std

KD = 'configs/e2e/distill_kd_fmnist.py'
PLUS = 'configs/e2e/distill_diswot_plus_fmnist.py'
LOSSES = 'model.distiller.distill_losses'
NO_CLIP = 'optim_wrapper.clip_grad=None'
VARIANTS = {
    'student alone (CE)': (KD, [
        f'{LOSSES}.loss_kl.loss_weight=0',
        'model.architecture.head.loss.loss_weight=1.0'
    ]),
    'KD': (KD, []),
    'KD (grad clip 10)': (KD, ['optim_wrapper.clip_grad.max_norm=10']),
    'KD + L_Mr': (PLUS, [f'{LOSSES}.loss_ms.loss_weight=0', NO_CLIP]),
    'KD + L_Ms': (PLUS, [f'{LOSSES}.loss_mr.loss_weight=0', NO_CLIP]),
    'KD + L_Ms (weight 1)': (PLUS, [
        f'{LOSSES}.loss_mr.loss_weight=0', f'{LOSSES}.loss_ms.loss_weight=1.0',
        NO_CLIP
    ]),
    'DisWOT+ (L_Ms weight 1)':
    (PLUS, [f'{LOSSES}.loss_ms.loss_weight=1.0', NO_CLIP]),
    'DisWOT+ (no grad clip)': (PLUS, [NO_CLIP]),
    'DisWOT+': (PLUS, []),
}
DEFAULT_VARIANTS = [
    'student alone (CE)', 'KD', 'KD + L_Mr', 'KD + L_Ms', 'DisWOT+'
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/distill_ablation')
    parser.add_argument('--students', nargs='+', default=['333'])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--epochs', type=int, default=4)
    parser.add_argument('--train-samples', type=int, default=4000)
    parser.add_argument(
        '--variants',
        nargs='+',
        default=DEFAULT_VARIANTS,
        choices=list(VARIANTS),
        metavar='VARIANT',
        help=f'any of {list(VARIANTS)}')
    parser.add_argument(
        '--teacher-work-dir', default='work_dirs/e2e_fashion_mnist/teacher')
    parser.add_argument('--teacher-train-samples', type=int, default=4000)
    parser.add_argument('--teacher-epochs', type=int, default=6)
    return parser.parse_args()


def main():
    args = parse_args()
    if not osp.isfile(FMNIST):
        raise SystemExit('Fashion-MNIST is not installed: apt-get install -y '
                         'dataset-fashion-mnist')
    work = osp.abspath(args.work_dir)
    os.makedirs(work, exist_ok=True)
    check_settings(work, args)
    data = [f'train_dataloader.dataset.num_samples={args.train_samples}']
    teacher_dir = osp.abspath(args.teacher_work_dir)
    teacher_ckpt, _ = train_fmnist_teacher(teacher_dir, args.teacher_epochs, [
        'train_dataloader.dataset.num_samples='
        f'{args.teacher_train_samples}'
    ])
    teacher_top1 = tested_top1(FMNIST_TEACHER_CFG, teacher_ckpt,
                               osp.join(teacher_dir, 'test'), [])
    print(f'teacher: {teacher_top1:.2f} % test top-1', flush=True)
    results = {}
    for arch in args.students:
        blocks = f'model.architecture.backbone.stage_blocks=[' \
            f'{",".join(arch)}]'
        for label in args.variants:
            config, options = VARIANTS[label]
            runs = []
            for seed in args.seeds:
                run_dir = osp.join(work, slug(f'{arch}_{label}_seed{seed}'))
                ckpt = osp.join(run_dir, f'epoch_{args.epochs}.pth')
                if not osp.isfile(ckpt):
                    run([
                        'tools/train.py', config, '--work-dir', run_dir,
                        '--no-validate', '--cfg-options',
                        *train_options(args.epochs), *data, *options, blocks,
                        f'model.teacher_ckpt={teacher_ckpt}',
                        f'randomness.seed={seed}'
                    ], run_dir + '.log')
                tested = osp.join(run_dir, 'test', 'test_metrics.json')
                if osp.isfile(tested):  # a run of an earlier invocation
                    with open(tested) as f:
                        top1 = json.load(f)['accuracy/top1']
                else:
                    top1 = tested_top1(config, ckpt, osp.join(run_dir, 'test'),
                                       [blocks])
                runs.append(top1)
                print(f'{arch} {label} seed {seed}: {top1:.2f}', flush=True)
            mean, std = mean_std(runs)
            results.setdefault(arch, {})[label] = dict(
                runs=runs, mean=mean, std=std)
    report(work, args, teacher_top1, results)


def check_settings(work, args):
    """Runs are reused by student, loss and seed: refuse a work_dir that
    holds runs of another recipe or teacher (its settings.json)."""
    settings = dict(
        epochs=args.epochs,
        train_samples=args.train_samples,
        teacher_work_dir=osp.abspath(args.teacher_work_dir),
        teacher_train_samples=args.teacher_train_samples,
        teacher_epochs=args.teacher_epochs)
    path = osp.join(work, 'settings.json')
    if osp.isfile(path):
        with open(path) as f:
            held = json.load(f)
        if held != settings:
            raise SystemExit(
                f'{work} holds runs of other settings ({held}); these are '
                f'{settings}. Give another --work-dir.')
    else:
        with open(path, 'w') as f:
            json.dump(settings, f, indent=1)


def report(work, args, teacher_top1, results):
    """The table (differences to KD, marked when beyond the seed spread:
    the sum of the two stds) and a grouped bar plot."""
    with open(osp.join(work, 'distill_ablation.json'), 'w') as f:
        json.dump(
            dict(
                seeds=args.seeds,
                epochs=args.epochs,
                train_samples=args.train_samples,
                teacher=dict(
                    train_samples=args.teacher_train_samples,
                    epochs=args.teacher_epochs,
                    top1=teacher_top1),
                results=results),
            f,
            indent=1)
    lines = [
        f'Teacher ResNet56: {args.teacher_train_samples} images x '
        f'{args.teacher_epochs} epochs, {teacher_top1:.2f} % test '
        f'top-1; students: {args.train_samples} images x {args.epochs} '
        f'epochs, seeds {args.seeds}.', '',
        '| student | loss | test top-1 (mean +/- std) | vs KD |',
        '|---|---|---|---|'
    ]
    for arch, rows in results.items():
        kd = rows.get('KD')  # absent when --variants leaves KD out
        for label, r in rows.items():
            if kd is None or label == 'KD':
                versus = '-'
            else:
                diff = r['mean'] - kd['mean']
                versus = f'{diff:+.2f}' + (' (beyond the seed spread)' if abs(
                    diff) > r['std'] + kd['std'] else '')
            lines.append(f'| {arch} | {label} | {r["mean"]:.2f} +/- '
                         f'{r["std"]:.2f} | {versus} |')
    text = '\n'.join(lines) + '\n'
    with open(osp.join(work, 'distill_ablation.md'), 'w') as f:
        f.write(text)
    print(text)
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    labels = args.variants
    fig, ax = plt.subplots(figsize=(8, 3.8))
    width = 0.8 / len(results)
    for i, (arch, rows) in enumerate(results.items()):
        ax.bar([x + i * width for x in range(len(labels))],
               [rows[k]['mean'] for k in labels],
               width,
               yerr=[rows[k]['std'] for k in labels],
               capsize=3,
               label=f'student {arch}')
    ax.set_xticks(
        [x + width * (len(results) - 1) / 2 for x in range(len(labels))])
    ax.set_xticklabels([k.replace(' (', '\n(') for k in labels], fontsize=7)
    means = [r['mean'] for rows in results.values() for r in rows.values()]
    ax.set_ylim(min(means) - 3, max(means) + 2)
    ax.set_ylabel('Fashion-MNIST test top-1 (%)')
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(osp.join(work, 'distill_ablation.png'), dpi=110)
    plt.close(fig)
    print(f'Saved distill_ablation.md/.json/.png in {work}')


if __name__ == '__main__':
    main()
