import os.path as osp
import re
from setuptools import find_packages, setup


def get_version() -> str:
    with open(osp.join('diswot_mm', '__init__.py')) as f:
        return re.search(r"__version__ = '([^']+)'", f.read()).group(1)


setup(
    name='diswot_mm',
    version=get_version(),
    description='DisWOT: training-free student architecture search for '
    'distillation, on mmengine / mmpretrain / mmrazor',
    long_description=open('README.md').read(),
    long_description_content_type='text/markdown',
    # benchmarks: so that `python -m benchmarks.NAME` runs from any working
    # directory of an editable install (they read the checkout's configs)
    packages=find_packages(include=['diswot_mm', 'diswot_mm.*']),
    py_modules=['diswot_mm_torchvision_ops'],
    # torch calls it at import: torchvision's schemas next to a CPU torch
    entry_points={
        'torch.backends': [
            'diswot_mm_torchvision_ops = '
            'diswot_mm_torchvision_ops:define_missing_ops'
        ],
    },
    # what a user path needs at run time: the embedded sample images and the
    # NAS-Bench-201 cell names (the rank tool's data/benchmarks/ is not)
    package_data={
        'diswot_mm': [
            'datasets/cifar_samples/*',
            'models/search_spaces/data/nb201_arch_strings.txt.gz'
        ]
    },
    python_requires='>=3.8',
    # Ranges the code is tested on; requirements/cpu.txt pins one of them.
    install_requires=[
        'torch>=2.0,<2.15',
        'torchvision>=0.15,<0.30',
        'mmengine>=0.10,<1.0',
        'mmcv-lite>=2.0.0rc1,<=2.1.0',  # mmrazor 1.0.0's upper bound
        'mmpretrain>=1.0,<1.3',
        'mmrazor==1.0.0',
        'joblib',  # imported by mmrazor.models, not declared by it
        'setuptools<81',  # mmengine and mmpretrain import pkg_resources
        'numpy',
        'matplotlib',
        'scipy',
    ],
    extras_require={
        'tests': ['pytest'],
        # tools/deployment/pytorch2onnx.py
        'deploy': ['onnx>=1.14', 'onnxruntime>=1.16'],
    },
)
