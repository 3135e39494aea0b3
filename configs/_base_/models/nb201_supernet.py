# NAS-Bench-201 cell space on CIFAR-100 (C=16, N=5, 15,625 cells) as an
# mmrazor SPOS supernet; candidates are NAS-Bench-201 arch strings.
_base_ = ['./resnet20_cifar.py']

supernet = dict(
    type='mmpretrain.ImageClassifier',
    data_preprocessor={{_base_.model.data_preprocessor}},
    backbone=dict(type='NASBench201', channels=16, num_cells=5),
    neck={{_base_.model.neck}},
    head={{_base_.model.head}})

model = dict(
    _delete_=True,
    type='mmrazor.SPOS',
    architecture=supernet,
    mutator=dict(type='mmrazor.NasMutator'))
