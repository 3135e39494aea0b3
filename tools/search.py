"""Training-free student search: ``python tools/search.py CONFIG``.

The config's ``model`` is the supernet (an mmrazor algorithm) and its
``train_cfg`` a TrainingFreeSearchLoop, run by mmengine's Runner
(``tools/train.py CONFIG`` runs it the same way, as mmrazor's search configs
are run).
"""
import argparse

import diswot_mm  # noqa: F401  (compat fixes, registries)
from diswot_mm.apis.cli import (add_common_args, finish_distributed,
                                is_search_config, load_config, run_search,
                                run_tool)


def parse_args():
    parser = argparse.ArgumentParser(
        description='DisWOT training-free student architecture search')
    parser.add_argument('config', help='search config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        const='auto',
        help='resume from a search_epoch_N.json; without a path, from the '
        'newest valid one in the work_dir')
    add_common_args(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = load_config(args)
    if not is_search_config(cfg):
        raise KeyError(f'{args.config}: train_cfg is not a '
                       'TrainingFreeSearchLoop; start from '
                       'configs/diswot_cifar100.py.')
    run_search(cfg, args.resume)
    finish_distributed()


if __name__ == '__main__':
    run_tool(main)
