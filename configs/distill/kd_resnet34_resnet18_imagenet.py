# Vanilla KD on ImageNet (mmrazor's recipe for this pair: CE + 3 KL, T = 1):
# ResNet34 teacher -> ResNet18, batch 256 (8 GPUs x 32), SGD, 100 epochs.
#   bash tools/dist_train.sh \
#       configs/distill/kd_resnet34_resnet18_imagenet.py 8 \
#       --cfg-options \
#       model.teacher_ckpt=resnet34_8xb32_in1k_20210831-f257d4e6.pth
# (mmpretrain's ResNet34 checkpoint). configs/diswot_imagenet.py writes this
# recipe for the student it finds (distill_diswot.py in its work_dir).
_base_ = [
    '../_base_/distill/kd.py',
    '../_base_/distill/imagenet_resnet34_teacher.py',
    '../_base_/schedules/imagenet_bs256_100e.py',
    '../_base_/default_runtime.py',
]

model = {{_base_.imagenet_kd}}
