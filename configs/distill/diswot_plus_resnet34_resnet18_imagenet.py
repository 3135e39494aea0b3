# DisWOT+ on ImageNet: the KD recipe plus L_Ms + L_Mr:
# ResNet34 teacher -> ResNet18, batch 256 (8 GPUs x 32), SGD, 100 epochs.
#   bash tools/dist_train.sh \
#       configs/distill/diswot_plus_resnet34_resnet18_imagenet.py 8 \
#       --cfg-options \
#       model.teacher_ckpt=resnet34_8xb32_in1k_20210831-f257d4e6.pth
# (mmpretrain's ResNet34 checkpoint). configs/diswot_imagenet.py writes this
# recipe for the student it finds (distill_diswot_plus.py in its work_dir).
# Long runs: on Fashion-MNIST an unclipped DisWOT+ ResNet20 run diverged (1 of
# 3 at 16 epochs) and clipping the gradient norm at 10 fixed it and helped
# (configs/e2e/distill_diswot_plus_fmnist.py, docs/benchmarks.md). Not
# measured here; if the loss spikes, add --cfg-options
# optim_wrapper.clip_grad.max_norm=10 (the norm is logged as grad_norm).
_base_ = [
    '../_base_/distill/diswot_plus.py',
    '../_base_/distill/imagenet_resnet34_teacher.py',
    '../_base_/datasets/imagenet_bs32.py',
    '../_base_/schedules/imagenet_bs256_100e.py',
    '../_base_/default_runtime.py',
]

model = {{_base_.imagenet_kd}}
