"""The end-to-end pipeline (teacher -> search -> distil 4 students -> test)
in its quick mode, and the Fashion-MNIST data set entry."""
import json
import os
import os.path as osp

import numpy as np
import pytest
from conftest import run_forked

from diswot_mm.datasets import FashionMNIST32
from diswot_mm.datasets.fashion_mnist import FASHION_MNIST_ROOT, FILES

INSTALLED = osp.isfile(osp.join(FASHION_MNIST_ROOT, FILES['test'][0]))


def test_missing_fashion_mnist_names_the_apt_command(tmp_path):
    with pytest.raises(
            FileNotFoundError, match='apt-get install -y '
            'dataset-fashion-mnist'):
        FashionMNIST32(data_root=str(tmp_path), split='test')


@pytest.mark.skipif(
    not INSTALLED,
    reason='dataset-fashion-mnist is not '
    'installed (apt-get install -y dataset-fashion-mnist)')
def test_fashion_mnist_padded_rgb():
    data = FashionMNIST32(split='test', num_samples=50)
    assert len(data) == 50
    img = data.get_data_info(0)['img']
    assert img.shape == (32, 32, 3) and img.dtype == np.uint8
    assert (img[:2] == 0).all() and (img[..., 0] == img[..., 2]).all()
    assert len(FashionMNIST32(split='test')) == 10000


@pytest.mark.subprocess
def test_quick_end_to_end(tmp_path):
    result = run_forked([
        '-m', 'benchmarks.e2e_fashion_mnist', '--quick', '--work-dir',
        str(tmp_path)
    ],
                        timeout=900,
                        env=dict(os.environ, PYTHONWARNINGS='ignore'))
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.load(open(tmp_path / 'e2e_results.json'))
    assert summary['data'] == ('Fashion-MNIST'
                               if INSTALLED else 'embedded CIFAR-10 samples')
    students = summary['students']
    assert list(students) == [
        'DisWOT (trained teacher)', 'DisWOT (random teacher)',
        'DisWOT + ZiCo ensemble (trained teacher)', 'SNIP',
        'largest that fits (#params)', 'random feasible'
    ]
    for r in students.values():
        tops = [run['top1'] for run in r['runs']]
        assert [run['seed'] for run in r['runs']] == summary['seeds']
        assert r['top1_mean'] == pytest.approx(sum(tops) / len(tops))
        for top1 in tops:  # percent of a whole number of test images
            correct = top1 * summary['test_images'] / 100
            assert correct == pytest.approx(round(correct), abs=1e-6)
        assert r['params'] <= 0.2  # the default budget: ResNet20 is out
    search = tmp_path / 'search'
    for label, folder, key in (('DisWOT (trained teacher)',
                                'diswot__trained_teacher_', 'diswot'),
                               ('SNIP', 'snip', 'snip')):
        found = json.load(open(search / folder / 'candidates.json'))
        assert found['score_key'] == key
        assert students[label]['arch'] == found['best']['arch']
        assert len(found['candidates']) == summary['feasible'] == 14
    assert students['largest that fits (#params)']['arch'] == \
        max(found['candidates'], key=lambda c: c['params'])['arch']
    assert (tmp_path / 'e2e_results.png').stat().st_size > 5_000
    table = (tmp_path / 'e2e_results.md').read_text()
    assert '| DisWOT (random teacher) |' in table
    assert 'vs largest that fits' in table
