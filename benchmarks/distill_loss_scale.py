"""How strongly each DisWOT+ loss term pulls on the student at the start of
training: the norm of its gradient w.r.t. the student's parameters, each
term at weight 1, with the trained Fashion-MNIST teacher of the e2e
pipeline and a freshly initialised student, on real training batches.

    python -m benchmarks.distill_loss_scale [--teacher-ckpt PATH]

Used to choose the loss weights of configs/_base_/distill/diswot_plus.py
(docs/benchmarks.md). Writes work_dirs/distill_loss_scale.json.
"""
import argparse
import json
import os

import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

import diswot_mm  # noqa: F401
from benchmarks.common import repo_path
from diswot_mm.registry import DATASETS, build_in_scope
from diswot_mm.utils.stats import mean_std

CONFIG = repo_path('configs/e2e/distill_diswot_plus_fmnist.py')
TERMS = ('student.loss', 'distill.loss_kl', 'distill.loss_ms',
         'distill.loss_mr')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--teacher-ckpt',
        default='work_dirs/e2e_fashion_mnist/teacher/'
        'epoch_6.pth')
    parser.add_argument('--arch', default='333', help='S1 student')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--out', default='work_dirs/distill_loss_scale.json')
    args = parser.parse_args()
    cfg = Config.fromfile(CONFIG)
    cfg.model.teacher_ckpt = args.teacher_ckpt
    cfg.model.architecture.backbone.stage_blocks = [int(d) for d in args.arch]
    for term in ('loss_kl', 'loss_ms', 'loss_mr'):
        cfg.model.distiller.distill_losses[term].loss_weight = 1.0
    cfg.model.architecture.head.loss.loss_weight = 1.0
    dataset = build_in_scope(
        dict(cfg.train_dataloader.dataset, num_samples=64 * len(args.seeds)),
        DATASETS)
    norms = {t: [] for t in TERMS}
    values = {t: [] for t in TERMS}
    for i, seed in enumerate(args.seeds):
        torch.manual_seed(seed)
        model = build_in_scope(cfg.model)
        model.train()
        batch = pseudo_collate(
            [dataset[j] for j in range(64 * i, 64 * (i + 1))])
        data = model.data_preprocessor(batch, training=True)
        losses = model(data['inputs'], data['data_samples'], mode='loss')
        params = [p for p in model.student.parameters() if p.requires_grad]
        for term in TERMS:
            grads = torch.autograd.grad(
                losses[term], params, retain_graph=True, allow_unused=True)
            norms[term].append(
                float(
                    torch.sqrt(
                        sum((g**2).sum() for g in grads if g is not None))))
            values[term].append(float(losses[term]))
    result = {}
    for t in TERMS:
        grad_norm, grad_norm_std = mean_std(norms[t])
        result[t] = dict(
            value=mean_std(values[t])[0],
            grad_norm=grad_norm,
            grad_norm_std=grad_norm_std)
    kl = result['distill.loss_kl']['grad_norm']
    for t in TERMS:
        result[t]['weight_for_kl_scale'] = kl / result[t]['grad_norm']
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(
            dict(arch=args.arch, seeds=args.seeds, terms=result), f, indent=1)
    print('| term (weight 1) | value | grad norm on the student | weight '
          'giving the KL term\'s grad norm |\n|---|---|---|---|')
    for t in TERMS:
        r = result[t]
        print(f'| {t} | {r["value"]:.4g} | {r["grad_norm"]:.4g} '
              f'(+/- {r["grad_norm_std"]:.2g}) | '
              f'{r["weight_for_kl_scale"]:.4g} |')


if __name__ == '__main__':
    main()
