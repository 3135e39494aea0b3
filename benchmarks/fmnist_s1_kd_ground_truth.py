"""KD (and plain) ground truth on real data with a trained teacher, on the
CPU: every S1 student within ResNet20's parameter count distilled from the
trained Fashion-MNIST ResNet56 teacher of the end-to-end pipeline, and
trained alone with the same recipe.

    python -m benchmarks.fmnist_s1_kd_ground_truth [--seeds 0 1]
    # the 91 % teacher, KD and the student alone, 3 seeds (issue 25):
    python -m benchmarks.fmnist_s1_kd_ground_truth --seeds 0 1 2 \
        --losses kd vanilla --teacher-train-samples 60000 \
        --teacher-epochs 4 --teacher-work-dir \
        work_dirs/distill_ablation_long/teacher_60000x4e \
        --work-dir work_dirs/fmnist_s1_gt_t91 \
        --out data/benchmarks/fmnist_s1_t91

Recipe (read from ``configs/e2e/distill_kd_fmnist.py`` by :func:`kd_recipe`,
the same for every student): 4,000 training images (the e2e subset, as its
driver sets), normalised by the config's preprocessor (mean 56.7, std 85.1),
random crop 32 with padding 2 and horizontal flip, batch 64, 4 epochs (as
the driver sets), SGD lr 0.05 momentum 0.9 weight decay 5e-4 with cosine
decay per epoch, loss 0.1 CE + 0.9 KL (T=4, mmrazor's KLDivergence;
``vanilla``: CE alone at weight 1, the same images, augmentation, order and
initialisation); top-1 of the last epoch on the full 10,000-image test set.
It runs as a plain PyTorch loop so that the teacher logits can be computed
once: the augmentation of each epoch is drawn from (seed, epoch), so all
students of one seed see the same augmented images, whose teacher logits
are cached. Each finished run is
appended to ``runs.jsonl`` in the work_dir and skipped when the script is
started again. On N cores, start the same command N times with ``--shard
0/N`` ... ``--shard N-1/N`` (one torch thread each): shard i takes every
N-th run; all shards append to the same ``runs.jsonl`` and write the outputs
from all the runs in it.

Writes, after every run (so a partial run leaves usable files), for the
prefix ``--out``: ``OUT.csv`` (KD: arch, accuracy = mean over the finished
seeds, std, n seeds, params), ``OUT_vanilla.csv`` (the same for the student
alone, with ``--losses ... vanilla``), ``OUT_runs.csv`` (one row per arch,
loss and seed) and ``OUT.PROVENANCE.md``.
"""
import argparse
import datetime
import itertools
import json
import os
import os.path as osp
import re
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from mmengine.config import Config
from scipy import stats

import diswot_mm  # noqa: F401  (compat fixes before mmrazor)
from benchmarks.common import FMNIST, REPO, repo_path, train_fmnist_teacher
from diswot_mm.analysis import kd_residual
from diswot_mm.datasets import FashionMNIST32
from diswot_mm.registry import build_in_scope
from diswot_mm.utils.checkpoint import read_model_state
from diswot_mm.utils.machine import describe_machine
from diswot_mm.utils.stats import mean_std

STUDENT_CFG = 'configs/e2e/distill_kd_fmnist.py'
OUT = 'data/benchmarks/fmnist_s1_kd_resnet20_budget'
LOSSES = ('kd', 'vanilla')
BLOCKS = (1, 3, 5, 7)


def kd_recipe(cfg: Config) -> dict:
    """What this loop takes from the KD config ``cfg``: ``mean``, ``std``
    (one value for the 3 repeated channels), ``padding`` of the random crop,
    ``batch_size``, SGD ``lr``, ``momentum``, ``weight_decay``, the ``kl``
    loss config and the ``ce_weight`` of the student's cross-entropy.

    Raises:
        ValueError: a config this loop does not implement (channels with
            different normalisation, another optimizer or schedule).
    """
    pre = cfg.model.data_preprocessor
    if len(set(pre.mean)) != 1 or len(set(pre.std)) != 1:
        raise ValueError(f'{STUDENT_CFG}: the loop normalises the repeated '
                         f'grey channels alike, but mean={pre.mean}, '
                         f'std={pre.std}.')
    optimizer = cfg.optim_wrapper.optimizer
    if optimizer.type != 'SGD' or set(cfg.optim_wrapper) != {'optimizer'}:
        raise ValueError(f'{STUDENT_CFG}: the loop runs plain SGD, but '
                         f'optim_wrapper={cfg.optim_wrapper}.')
    if cfg.param_scheduler.type != 'CosineAnnealingLR' or \
            not cfg.param_scheduler.by_epoch:
        raise ValueError(f'{STUDENT_CFG}: the loop decays the lr by a cosine '
                         f'per epoch, but param_scheduler='
                         f'{cfg.param_scheduler}.')
    crop = next(t for t in cfg.train_dataloader.dataset.pipeline
                if t.type == 'mmpretrain.RandomCrop')
    return dict(
        mean=pre.mean[0],
        std=pre.std[0],
        padding=crop.padding,
        batch_size=cfg.train_dataloader.batch_size,
        lr=optimizer.lr,
        momentum=optimizer.momentum,
        weight_decay=optimizer.weight_decay,
        kl=cfg.model.distiller.distill_losses.loss_kl.to_dict(),
        ce_weight=cfg.model.architecture.head.loss.loss_weight)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--work-dir', default='work_dirs/fmnist_s1_kd_ground_truth')
    parser.add_argument(
        '--teacher-ckpt',
        help='trained teacher; default: '
        'the last checkpoint in --teacher-work-dir (trained '
        'there when missing)')
    parser.add_argument(
        '--teacher-work-dir', default='work_dirs/e2e_fashion_mnist/teacher')
    parser.add_argument('--teacher-epochs', type=int, default=6)
    parser.add_argument('--teacher-train-samples', type=int, default=4000)
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    parser.add_argument(
        '--losses',
        nargs='+',
        choices=LOSSES,
        default=['kd'],
        help='kd: 0.1 CE + 0.9 KL; vanilla: '
        'the student alone (CE)')
    parser.add_argument('--epochs', type=int, default=4)
    parser.add_argument('--train-samples', type=int, default=4000)
    parser.add_argument(
        '--budget',
        type=float,
        default=0.2725,
        help='M params (ResNet20 with a 10-class head: '
        '0.2722)')
    parser.add_argument(
        '--shard',
        type=shard,
        default=(0, 1),
        help='I/N: run only every N-th run, starting at the I-th '
        '(0 <= I < N), beside the other shards in the same --work-dir')
    parser.add_argument(
        '--out',
        default=OUT,
        help='prefix of the output '
        'files (OUT.csv, OUT_vanilla.csv, OUT_runs.csv, '
        'OUT.PROVENANCE.md)')
    return parser.parse_args()


def shard(text: str) -> tuple:
    """'I/N' -> (I, N).

    Raises:
        argparse.ArgumentTypeError: not two integers with 0 <= I < N.
    """
    try:
        index, count = (int(x) for x in text.split('/'))
    except ValueError:
        index, count = -1, 0
    if not 0 <= index < count:
        raise argparse.ArgumentTypeError(
            f'--shard {text!r}: expected I/N with 0 <= I < N, e.g. 0/2.')
    return index, count


def load_runs(path: str) -> dict:
    """The finished runs in ``runs.jsonl`` (all shards'), keyed by (arch,
    seed, loss); {} when there is none yet."""
    done = {}
    if osp.isfile(path):
        with open(path) as f:
            for line in f:
                r = json.loads(line)
                r.setdefault('loss', 'kd')  # runs before issue 25
                done[(r['arch'], r['seed'], r['loss'])] = r
    return done


def to_tensors(dataset, recipe):
    """Images (N, 3, 32, 32) normalised as the config does, labels (N,)."""
    items = [dataset.get_data_info(i) for i in range(len(dataset))]
    images = torch.stack(
        [torch.from_numpy(d['img']).permute(2, 0, 1) for d in items]).float()
    labels = torch.tensor([d['gt_label'] for d in items])
    return (images - recipe['mean']) / recipe['std'], labels


def augment(images, generator, recipe):
    """RandomCrop(32, padding) with zero (raw) padding + horizontal flip."""
    n, _, h, w = images.shape
    padding = recipe['padding']
    padded = F.pad(
        images, [padding] * 4, value=-recipe['mean'] / recipe['std'])
    dy = torch.randint(0, 2 * padding + 1, (n, ), generator=generator)
    dx = torch.randint(0, 2 * padding + 1, (n, ), generator=generator)
    flip = torch.rand(n, generator=generator) < 0.5
    rows = (dy[:, None] + torch.arange(h))[:, None, :, None]
    cols = (dx[:, None] + torch.arange(w))[:, None, None, :]
    out = padded[torch.arange(n)[:, None, None, None],
                 torch.arange(3)[None, :, None, None], rows, cols]
    out[flip] = out[flip].flip(-1)
    return out


def s1_students(cfg, budget):
    """S1 archs (digits) whose classifier has at most ``budget`` M params."""
    found = {}
    for a in BLOCKS:
        for b in BLOCKS:
            for c in BLOCKS:
                model = student(cfg, f'{a}{b}{c}')
                params = sum(p.numel() for p in model.parameters()) / 1e6
                if params <= budget:
                    found[f'{a}{b}{c}'] = params
    return found


def student(cfg, arch):
    arch_cfg = cfg.model.architecture.copy()
    arch_cfg.backbone = dict(
        arch_cfg.backbone, stage_blocks=[int(d) for d in arch])
    return build_in_scope(arch_cfg)


@torch.no_grad()
def logits_of(model, images, batch=500):
    model.eval()
    return torch.cat([
        model(images[i:i + batch], mode='tensor')
        for i in range(0, len(images), batch)
    ])


def epoch_data(seed, epochs, images, teacher, cache_dir, recipe):
    """Per epoch: (order, augmented images, teacher logits), cached."""
    path = osp.join(cache_dir, f'teacher_logits_seed{seed}.pt')
    if osp.isfile(path):
        logits = torch.load(path)
    else:
        logits = None
    data = []
    for epoch in range(epochs):
        generator = torch.Generator().manual_seed(seed * 1000 + epoch)
        order = torch.randperm(len(images), generator=generator)
        augmented = augment(images, generator, recipe)
        data.append(
            [order, augmented, None if logits is None else logits[epoch]])
    if logits is None:
        logits = [logits_of(teacher, d[1]) for d in data]
        torch.save(logits, f'{path}.{os.getpid()}')  # shards: atomic
        os.replace(f'{path}.{os.getpid()}', path)
        for d, t in zip(data, logits):
            d[2] = t
    return data


def distil(model, data, labels, epochs, recipe, loss='kd'):
    """Train ``model`` in place with ``recipe`` (:func:`kd_recipe`);
    ``loss``: 'kd' (CE + KL at the config's weights) or 'vanilla' (CE
    alone at weight 1)."""
    kl = build_in_scope(dict(recipe['kl']))
    ce_weight = recipe['ce_weight'] if loss == 'kd' else 1.0
    lr, batch = recipe['lr'], recipe['batch_size']
    optimizer = torch.optim.SGD(
        model.parameters(),
        lr=lr,
        momentum=recipe['momentum'],
        weight_decay=recipe['weight_decay'])
    for epoch, (order, images, teacher_logits) in enumerate(data):
        for group in optimizer.param_groups:  # CosineAnnealingLR by epoch
            group['lr'] = lr * (1 + torch.cos(
                torch.tensor(torch.pi * epoch / epochs)).item()) / 2
        model.train()
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            logits = model(images[idx], mode='tensor')
            value = ce_weight * F.cross_entropy(logits, labels[idx])
            if loss == 'kd':
                value = value + kl(logits, teacher_logits[idx])
            optimizer.zero_grad()
            value.backward()
            optimizer.step()


def main():
    args = parse_args()
    if not osp.isfile(FMNIST):
        raise SystemExit('Fashion-MNIST is not installed: apt-get install -y '
                         'dataset-fashion-mnist')
    work = osp.join(REPO, args.work_dir)
    os.makedirs(work, exist_ok=True)
    start = time.perf_counter()
    teacher_ckpt = args.teacher_ckpt
    if not teacher_ckpt:
        teacher_ckpt, _ = train_fmnist_teacher(
            osp.join(REPO, args.teacher_work_dir), args.teacher_epochs, [
                'train_dataloader.dataset.num_samples='
                f'{args.teacher_train_samples}'
            ])
    check_settings(work, args, teacher_ckpt)
    cfg = Config.fromfile(repo_path(STUDENT_CFG))
    recipe = kd_recipe(cfg)
    teacher = build_in_scope(cfg.model.teacher.copy())
    teacher.load_state_dict(
        read_model_state(teacher, teacher_ckpt, '--teacher-ckpt'))

    train_images, train_labels = to_tensors(
        FashionMNIST32(split='train', num_samples=args.train_samples), recipe)
    test_images, test_labels = to_tensors(FashionMNIST32(split='test'), recipe)
    teacher_top1 = float((logits_of(teacher, test_images).argmax(1)
                          == test_labels).float().mean() * 100)
    print(f'teacher {teacher_ckpt}: test top-1 {teacher_top1:.2f}')
    students = s1_students(cfg, args.budget)
    print(f'{len(students)} S1 students within {args.budget} M params: '
          f'{sorted(students)}')

    runs_path = osp.join(work, 'runs.jsonl')
    done = load_runs(runs_path)
    index, count = args.shard
    mine = list(itertools.product(args.seeds, sorted(students),
                                  args.losses))[index::count]
    for seed in args.seeds:
        todo = [(arch, loss) for s, arch, loss in mine
                if s == seed and (arch, seed, loss) not in done]
        if not todo:
            continue
        data = epoch_data(seed, args.epochs, train_images, teacher, work,
                          recipe)
        for arch, loss in todo:
            t0 = time.perf_counter()
            torch.manual_seed(seed)
            model = student(cfg, arch)
            distil(model, data, train_labels, args.epochs, recipe, loss)
            top1 = float((logits_of(model, test_images).argmax(1)
                          == test_labels).float().mean() * 100)
            record = dict(
                arch=arch,
                seed=seed,
                loss=loss,
                top1=top1,
                seconds=time.perf_counter() - t0)
            with open(runs_path, 'a') as f:
                f.write(json.dumps(record) + '\n')
            print(
                f'seed {seed} {arch} {loss}: {top1:.2f} '
                f'({record["seconds"]:.0f} s)',
                flush=True)
            write_outputs(args, students, load_runs(runs_path), teacher_top1,
                          time.perf_counter() - start, recipe)
    write_outputs(args, students, load_runs(runs_path), teacher_top1,
                  time.perf_counter() - start, recipe)


def check_settings(work, args, teacher_ckpt):
    """Refuse to resume a work_dir whose runs used another recipe or
    teacher (its settings.json)."""
    settings = dict(
        epochs=args.epochs,
        train_samples=args.train_samples,
        teacher_ckpt=osp.abspath(teacher_ckpt))
    path = osp.join(work, 'settings.json')
    if osp.isfile(path):
        with open(path) as f:
            old = json.load(f)
        if old != settings:
            raise SystemExit(f'{work} holds runs of {old}, not {settings}: '
                             'pass another --work-dir.')
    else:
        with open(path, 'w') as f:
            json.dump(settings, f)


def write_outputs(args, students, done, teacher_top1, seconds, recipe):
    """Write the per-seed CSV, one CSV of means per loss and the provenance
    note for the runs finished so far (means over the finished seeds)."""
    prefix = osp.join(REPO, args.out)
    runs = sorted((r for r in done.values() if r['arch'] in students
                   and r['seed'] in args.seeds and r['loss'] in args.losses),
                  key=lambda r: (r['loss'], r['arch'], r['seed']))
    write_text(
        f'{prefix}_runs.csv', 'arch,params,loss,seed,top1,seconds\n' +
        ''.join(f'{r["arch"]},{students[r["arch"]]:.6f},{r["loss"]},'
                f'{r["seed"]},{r["top1"]:.2f},{r["seconds"]:.0f}\n'
                for r in runs))
    for loss in args.losses:
        out = f'{prefix}.csv' if loss == 'kd' else f'{prefix}_{loss}.csv'
        lines = ['arch,accuracy,std,n,params']
        for arch in sorted(students):
            accs = [
                r['top1'] for r in runs
                if r['arch'] == arch and r['loss'] == loss
            ]
            if not accs:
                continue
            mean, std = mean_std(accs)
            # 4 decimals: means of a few 2-decimal top-1s (steps of 0.01/n)
            # keep their order; 2 would tie e.g. 77.0267 and 77.0300
            lines.append(f'{arch},{mean:.4f},{std:.2f},'
                         f'{len(accs)},{students[arch]:.6f}')
        write_text(out, '\n'.join(lines) + '\n')
    expected = len(students) * len(args.seeds) * len(args.losses)
    run_seconds = sum(r['seconds'] for r in runs)
    teacher = (f'`{args.teacher_ckpt}`' if args.teacher_ckpt else
               f'`configs/e2e/teacher_resnet56_fmnist.py`, '
               f'{args.teacher_epochs} epochs on '
               f'{args.teacher_train_samples} training images')
    command = re.sub(r'\s*--shard[ =]\S+', '', ' '.join(sys.argv[1:]))
    shards = (f' (on {args.shard[1]} cores: the same command with `--shard '
              f'I/{args.shard[1]}` for I < {args.shard[1]})'
              if args.shard[1] > 1 else '')
    write_text(
        f'{prefix}.PROVENANCE.md', f'# {osp.basename(prefix)}*.csv\n\n'
        'Fashion-MNIST top-1 (%) of every S1 student within '
        f'{args.budget} M params (ResNet20 with a 10-class head), '
        f'losses {", ".join(args.losses)} (kd: after KD from a trained '
        'ResNet56; vanilla: the student alone), mean and std over the '
        f'finished seeds of {args.seeds}; per-seed values in '
        f'`{osp.basename(prefix)}_runs.csv`. {len(runs)} of {expected} '
        'runs finished.\n\n'
        '- Command: `python -m benchmarks.fmnist_s1_kd_ground_truth '
        f'{command}`{shards}\n'
        f'- Teacher: {teacher}, test top-1 {teacher_top1:.2f}.\n'
        f'- Recipe: {args.train_samples} training images, crop 32 pad '
        f'{recipe["padding"]} + flip, batch {recipe["batch_size"]}, '
        f'{args.epochs} epochs, SGD {recipe["lr"]:g} momentum '
        f'{recipe["momentum"]:g} wd {recipe["weight_decay"]:g}, cosine '
        f'per epoch; kd: {recipe["ce_weight"]:g} CE + '
        f'{recipe["kl"]["loss_weight"]:g} KL (T={recipe["kl"]["tau"]:g}), '
        'vanilla: CE; full 10,000-image test set, last epoch.\n'
        f'- Machine: {describe_machine()}; date '
        f'{datetime.date.today().isoformat()}; last invocation '
        f'{seconds / 60:.0f} min ({run_seconds / 60:.0f} min of student '
        'runs in all).\n' + kd_gain_summary(runs) + seed_agreement(runs))


def write_text(path: str, text: str) -> None:
    """Write ``path`` whole or not at all (shards write the same files)."""
    with open(f'{path}.{os.getpid()}', 'w') as f:
        f.write(text)
    os.replace(f'{path}.{os.getpid()}', path)


def kd_gain_summary(runs) -> str:
    """A markdown line on the KD gain (KD minus vanilla top-1, points) of
    the archs with both losses in every finished seed: mean, range and how
    many gained in every seed; '' without both losses."""
    truths = truths_by_seed(runs)
    paired = [set(t['kd_gain']) for t in truths.values()]
    archs = set.intersection(*paired) if paired else set()
    if not archs:
        return ''
    gains = [[t['kd_gain'][a] for t in truths.values()] for a in sorted(archs)]
    means = [statistics.mean(g) for g in gains]
    always = sum(all(x > 0 for x in g) for g in gains)
    return (f'- KD gain (KD - vanilla, points, mean over {len(truths)} '
            f'seeds) of the {len(gains)} archs: mean '
            f'{statistics.mean(means):.2f}, {min(means):.2f} ... '
            f'{max(means):.2f}; {always} of {len(gains)} gained in every '
            'seed.\n')


def truths_by_seed(runs) -> dict:
    """Seed -> the ground truths of that seed, each arch -> value: ``kd``,
    ``vanilla`` top-1, and for the archs with both, ``kd_gain`` (KD -
    vanilla) and ``kd_residual`` (:func:`kd_residual`, from 3 archs)."""
    truths = {}
    for seed in sorted({r['seed'] for r in runs}):
        kd, plain = ({
            r['arch']: r['top1']
            for r in runs if r['seed'] == seed and r['loss'] == loss
        } for loss in ('kd', 'vanilla'))
        paired = sorted(set(kd) & set(plain))
        residual = kd_residual([kd[a] for a in paired],
                               [plain[a]
                                for a in paired]) if len(paired) >= 3 else []
        truths[seed] = dict(
            kd=kd,
            vanilla=plain,
            kd_gain={a: kd[a] - plain[a]
                     for a in paired},
            kd_residual=dict(zip(paired, residual)))
    return truths


def seed_agreement(runs):
    """A markdown line per ground truth: Kendall tau between two seeds of
    the same ground truth over the archs finished in both, mean over the
    seed pairs (the noise ceiling of any score's tau)."""
    truths = truths_by_seed(runs)
    seeds = sorted(truths)
    lines = []
    for name in ('kd', 'vanilla', 'kd_gain', 'kd_residual'):
        taus = []
        for a, b in itertools.combinations(seeds, 2):
            x, y = truths[a][name], truths[b][name]
            both = sorted(set(x) & set(y))
            if len(both) >= 3:
                taus.append(
                    stats.kendalltau([float(x[k]) for k in both],
                                     [float(y[k]) for k in both])[0])
        if taus:
            lines.append(f'- Kendall tau between seeds, {name}: '
                         f'{statistics.mean(taus):.3f} (seed pairs: '
                         f'{", ".join(f"{t:.3f}" for t in taus)}).\n')
    return ''.join(lines)


if __name__ == '__main__':
    main()
