"""benchmarks.search_throughput: searches run one after another in one
process (tools/gpu_check.py's search sections) stay apart."""
from mmengine.config import Config
from mmengine.runner import runner as runner_module

from benchmarks.common import repo_path
from benchmarks.search_throughput import TINY, search


def test_two_searches_started_in_the_same_second(monkeypatch):
    """mmengine names an experiment by its start second; before, the
    second search reused the first's visualizer and wrote into its deleted
    work_dir (FileNotFoundError on a fast machine)."""
    monkeypatch.setattr(runner_module.time, 'strftime',
                        lambda fmt, *args: '20261207_194302')
    dataloader, estimator_overrides, overrides = TINY['s1']
    cfg = Config.fromfile(repo_path('configs/diswot_cifar100.py'))
    for _ in range(2):
        loop, seconds = search(cfg, dataloader, overrides, estimator_overrides)
        assert loop.best is not None and seconds > 0
