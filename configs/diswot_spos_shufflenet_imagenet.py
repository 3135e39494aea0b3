# DisWOT search over mmrazor's own SPOS ShuffleNetV2 supernet, as mmrazor
# ships it (20 layers x 4 blocks, no aliases: each layer is named by its
# module path), for mmpretrain's MobileNetV2 teacher named by its scoped
# config; 224 input under a FLOPs budget. Needs data/imagenet; without it,
# the 20 embedded CIFAR-100 images resized to 224 (smoke test).
#   python tools/search.py configs/diswot_spos_shufflenet_imagenet.py \
#       --cfg-options train_cfg.estimator.teacher_ckpt=mobilenet_v2.pth
_base_ = [
    './diswot_imagenet.py',
    'mmrazor::_base_/nas_backbones/spos_shufflenet_supernet.py',
]

supernet = dict(
    type='mmpretrain.ImageClassifier',
    data_preprocessor=_base_.data_preprocessor,
    backbone=_base_.nas_backbone,
    neck=dict(type='mmpretrain.GlobalAveragePooling'),
    head=dict(
        type='mmpretrain.LinearClsHead',
        num_classes=1000,
        in_channels=1024,
        loss=dict(type='mmpretrain.CrossEntropyLoss')))

model = dict(
    _delete_=True,
    type='mmrazor.SPOS',
    architecture=supernet,
    mutator=dict(type='mmrazor.NasMutator'))

train_cfg = dict(
    estimator=dict(
        teacher='mmpretrain::mobilenet_v2/mobilenet-v2_8xb32_in1k.py',
        # final widths differ: 1280 (teacher), 1024; 'cam' is near-constant
        # with 1000 classes (docs/benchmarks.md, issue 21)
        semantic='class'),
    constraints_range=dict(flops=(0, 330)))  # M FLOPs, SPOS's budget

# The generated distill configs carry this search's teacher (see
# diswot_mm/engine/hooks/search_report.py).
distill_configs = dict(
    diswot='{{ fileDirname }}/distill/kd_resnet34_resnet18_imagenet.py',
    diswot_plus='{{ fileDirname }}/distill/'
    'diswot_plus_resnet34_resnet18_imagenet.py')
