# Vanilla KD with mmrazor's SingleTeacherDistill, RepDistiller's loss:
# 0.1 CE + 0.9 KL(T=4). Leaf configs add the data set, schedule and runtime
# and set the teacher (architecture, checkpoint) and the student.
_base_ = ['../models/resnet20_cifar.py']

model = dict(
    _delete_=True,
    type='StrictSingleTeacherDistill',
    data_preprocessor={{_base_.model.data_preprocessor}},
    architecture=dict(
        type='mmpretrain.ImageClassifier',
        data_preprocessor={{_base_.model.data_preprocessor}},
        backbone={{_base_.model.backbone}},
        neck={{_base_.model.neck}},
        head=dict(
            type='mmpretrain.LinearClsHead',
            num_classes=100,
            in_channels=64,
            loss=dict(type='mmpretrain.CrossEntropyLoss',
                      loss_weight=0.1))),  # 0.1 CE
    teacher={{_base_.model}},
    teacher_ckpt=None,  # required: --cfg-options model.teacher_ckpt=PATH
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            logits=dict(type='ModuleOutputs', source='head.fc')),
        teacher_recorders=dict(
            logits=dict(type='ModuleOutputs', source='head.fc')),
        distill_losses=dict(
            loss_kl=dict(type='KLDivergence', tau=4, loss_weight=0.9)),
        loss_forward_mappings=dict(
            loss_kl=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits')))))

find_unused_parameters = True
