"""What a finished search leaves in its work_dir for the user."""
import copy
import csv
import json
import keyword
import math
import os.path as osp
from typing import List

import numpy as np
from mmengine import fileio
from mmengine.config import Config
from mmrazor.structures import convert_fix_subnet, export_fix_subnet

from diswot_mm.datasets.handoff import searched_data, trains_on
from ..runner.utils import CandidateRecord
from .term_spread import negligible_term_message

COLUMNS = ('arch', 'semantic', 'relation', 'score', 'flops', 'params',
           'generation')


def write_search_report(loop, best: CandidateRecord) -> dict:
    """Write the chosen fix_subnet, the candidate table (CSV + JSON, with
    what the scores were computed on), the score-vs-FLOPs plot and the
    student config into ``loop.runner.work_dir``; log where they are.
    Warn when one DisWOT term barely varies across the scored candidates
    (:func:`.term_spread.negligible_term_message`).

    Args:
        loop (TrainingFreeSearchLoop): The finished search.
        best (dict): The record of the chosen candidate.

    Returns:
        dict: Paths of the files written, by kind.
    """
    work_dir = loop.runner.work_dir
    records = sorted(
        loop.records.values(), key=lambda r: (-r['score'], r['arch']))
    paths = dict(
        table=osp.join(work_dir, 'candidates.csv'),
        json=osp.join(work_dir, 'candidates.json'),
        plot=osp.join(work_dir, 'score_vs_flops.png'),
        subnet=osp.join(work_dir, 'best_fix_subnet.yaml'),
        student=osp.join(work_dir, 'student.py'))
    loop.space.select(best['arch'])
    fix_subnet, _ = export_fix_subnet(loop.model)
    fileio.dump(convert_fix_subnet(fix_subnet), paths['subnet'])
    columns = list(COLUMNS) + sorted({k
                                      for r in records
                                      for k in r} - set(COLUMNS))
    with open(paths['table'], 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(records)
    with open(paths['json'], 'w') as f:
        json.dump(
            dict(
                best=best,
                score_key=loop.score_key,
                constraints_range=loop.settings.constraints_range,
                minibatch=loop.minibatch,
                candidates=records),
            f,
            indent=1,
            default=str)
    plot_score_vs_flops(records, best, loop.score_key, paths['plot'])
    configs = write_student_config(loop, paths['subnet'], paths['student'])
    paths.update({osp.splitext(osp.basename(p))[0]: p for p in configs[1:]})
    terms = ''.join(f', {k}={best[k]:.6g}' for k in ('semantic', 'relation')
                    if k in best)
    latency = (f', latency={best["latency"]:.3f} ms'
               if 'latency' in best else '')
    weights = loop.estimator.term_weights()
    message = weights and negligible_term_message(records, weights)
    if message:
        loop.runner.logger.warning(message)
    loop.runner.logger.info(
        f'Chosen student: {best["arch"]} ({loop.score_key}='
        f'{best["score"]:.6g}{terms}, flops={best["flops"]:.2f} M, '
        f'params={best["params"]:.4f} M{latency}). Outputs: ' +
        ', '.join(f'{k} {v}' for k, v in paths.items()))
    return paths


def plot_score_vs_flops(records: List[CandidateRecord], best: CandidateRecord,
                        score_key: str, path: str) -> None:
    """Scatter of every finite-score candidate against FLOPs (and, beside
    it, against latency when the search measured it), the chosen one
    marked."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    finite = [r for r in records if math.isfinite(r['score'])]
    axes_of = [
        ('flops', 'FLOPs (M)')
    ] + ([('latency', 'latency (ms, batch 1)')] if 'latency' in best else [])
    fig, axes = plt.subplots(
        1, len(axes_of), figsize=(6 * len(axes_of), 4.5), squeeze=False)
    for ax, (key, label) in zip(axes[0], axes_of):
        ax.scatter([r[key] for r in finite], [r['score'] for r in finite],
                   s=18,
                   alpha=0.7,
                   label=f'{len(finite)} candidates')
        ax.scatter([best[key]], [best['score']],
                   marker='*',
                   s=260,
                   color='tab:red',
                   label=f'chosen: {best["arch"]}',
                   zorder=3)
        for r in finite[:5]:
            ax.annotate(
                r['arch'][:24], (r[key], r['score']),
                fontsize=7,
                xytext=(4, -8),
                textcoords='offset points')
        ax.set_xlabel(label)
        ax.set_ylabel(f'{score_key} score (higher is better)')
        ax.set_title(f'Training-free search: score vs {key}')
        ax.legend(loc='lower right', fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_student_config(loop, subnet_path: str, path: str) -> List[str]:
    """Write ``student.py`` (the chosen subnet as an ordinary classifier:
    ``fixed_subnet`` of the supernet + the fix_subnet YAML) and, for
    each entry of the config's ``distill_configs``, ``distill_<name>.py``
    inheriting that distillation config with this student and the search's
    teacher (the estimator's ``distill_overrides``). Both keep the search
    config's ``custom_imports``.

    Returns:
        list: Paths written.
    """
    cfg = loop.runner.cfg
    student = dict(
        type='fixed_subnet',
        cfg=cfg.model.architecture,
        fix_subnet=osp.abspath(subnet_path),
        mode='mutable')
    imports = dict(custom_imports=cfg.custom_imports) if cfg.get(
        'custom_imports') else {}
    header = '# Generated by tools/search.py for the chosen student.\n'
    distill = cfg.get('distill_configs', {})
    searched = searched_data(loop.minibatch)
    testing = {}
    first_path = next(iter(distill.values()), None)
    if first_path and osp.isfile(first_path):
        # tools/test.py student.py CKPT: the distillation's test settings,
        # when it trains on the data the search scored on
        first = Config.fromfile(first_path)
        if searched is None or trains_on(searched,
                                         (first.get('train_dataloader')
                                          or {}).get('dataset')):
            testing = {
                k: first[k]
                for k in ('test_dataloader', 'test_evaluator', 'test_cfg')
                if first.get(k) is not None
            }
    write_config(
        path, header,
        dict(
            default_scope=cfg.get('default_scope', 'diswot_mm'),
            model=student,
            **testing,
            **imports))
    written = [path]
    for name, base in cfg.get('distill_configs', {}).items():
        if not osp.isfile(base):
            raise FileNotFoundError(
                f'distill_configs.{name}: {base!r} does not exist (a '
                'relative path is taken from the working directory; name it '
                "from the config's folder as '{{ fileDirname }}/...').")
        base_cfg = Config.fromfile(base)
        base_model = base_cfg.model
        distill_student = copy.deepcopy(student)
        distill_student['cfg']['head']['loss'] = \
            base_model.architecture.head.loss
        model = dict(architecture=dict(_delete_=True, **distill_student))
        model.update(loop.estimator.distill_overrides(base_model))
        out = osp.join(osp.dirname(path), f'distill_{name}.py')
        ckpt = ('' if model.get('teacher_ckpt') else
                ' --cfg-options model.teacher_ckpt=PATH')
        other_data = {}
        base_data = (base_cfg.get('train_dataloader') or {}).get('dataset')
        if searched is not None and not trains_on(searched, base_data):
            # tools/train.py refuses it until the data is the user's
            # (diswot_mm.datasets.handoff)
            other_data = dict(searched_on=searched)
        note = (f'# Its data is inherited from {osp.basename(base)}, not the '
                f'{searched["dataset"]} at {searched["data_root"]!r} the '
                'search scored on: set train_dataloader, val_dataloader and '
                'test_dataloader to yours (tools/train.py refuses it until '
                'then).\n' if other_data else '')
        write_config(
            out, header + f'# Distil it: bash tools/dist_train.sh {out} N'
            f'{ckpt}\n' + note,
            dict(
                _base_=[osp.abspath(base)],
                model=model,
                **other_data,
                **imports))
        written.append(out)
    return written


def write_config(path: str, header: str, content: dict) -> None:
    """Dump ``content`` as a Python config with a comment ``header``."""
    with open(path, 'w') as f:
        f.write(header + config_text(content))


def config_text(content: dict, width: int = 79) -> str:
    """``content`` as the text of a Python config, OpenMMLab style
    (``key = dict(a=1, b=[1, 2])``), each value on one line where it fits
    in ``width`` columns, otherwise one item per line.

    Not ``Config.pretty_text``: it writes every list one item per line and
    yapf then takes 1-3 s to reformat a 2 KB distill config.
    """
    return ''.join(f'{key} = {_value_text(value, len(key) + 3, 0, width)}\n'
                   for key, value in content.items())


def _value_text(value, column: int, indent: int, width: int) -> str:
    """``value`` as Python source starting at ``column`` of a line indented
    by ``indent``."""
    if isinstance(value, dict):
        named = all(
            isinstance(k, str) and k.isidentifier()
            and not keyword.iskeyword(k) for k in value)
        opener, closer = ('dict(', ')') if named else ('{', '}')
        items = [(f'{k}=' if named else f'{k!r}: ', v)
                 for k, v in value.items()]
    elif isinstance(value, (list, tuple)):
        opener, closer = ('[', ']') if isinstance(value, list) else ('(', ')')
        items = [('', v) for v in value]
    else:
        return repr(value.item() if isinstance(value, np.generic) else value)
    inline = ', '.join(key + _value_text(v, 0, 0, 10**9) for key, v in items)
    if isinstance(value, tuple) and len(value) == 1:
        inline += ','
    if column + len(opener) + len(inline) + len(closer) <= width:
        return opener + inline + closer
    pad = ' ' * (indent + 4)
    lines = [
        pad + key + _value_text(v,
                                len(pad) + len(key), indent + 4, width - 1) +
        ',' for key, v in items
    ]
    return '\n'.join([opener, *lines, ' ' * indent + closer])
