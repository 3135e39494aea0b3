# DisWOT+ (the paper's DisWOT dagger): KD plus the search metrics as losses,
# L = 0.1 CE + 0.9 KL(T=4) + 0.1 L_Ms + 3000 L_Mr.
# Weights (docs/benchmarks.md, "DisWOT+ loss weights and ablation"):
# - L_Mr is Similarity-Preserving KD's loss with the same B^2 normalisation:
#   its published weight, 3000 (RepDistiller, which the official DisWOT code
#   builds on).
# - L_Ms: at the start of training (trained Fashion-MNIST ResNet56 teacher,
#   ResNet20 student, python -m benchmarks.distill_loss_scale) its gradient
#   norm on the student at weight 1 is 4.7 (+/- 2.8), the KL term's 6.2: on
#   the KD term's scale. But at weight 1 it hurt (Fashion-MNIST ablation,
#   3 seeds: -4.8 and -10.5 points vs KD); at 0.1, the second value tried,
#   DisWOT+ is +1.0 and +2.2 points above KD. 0.1 was chosen on that
#   ablation's test set (two values tried). Checked afterwards, unchanged,
#   with a 91 % teacher: DisWOT+ above KD beyond the seed spread at 8 and
#   16 epochs (both clipped), level for ResNet20 at 4 epochs, where L_Ms
#   alone cost 1.9 points and L_Mr gave the gain.
# Long runs: on Fashion-MNIST an unclipped DisWOT+ ResNet20 run diverged (1 of
# 3 at 16 epochs) and clipping the gradient norm at 10 fixed it and helped
# (configs/e2e/distill_diswot_plus_fmnist.py, docs/benchmarks.md). The leaf
# configs do not clip (not measured on their data); if the loss spikes, add
# --cfg-options optim_wrapper.clip_grad.max_norm=10 (the norm is logged as
# grad_norm).
_base_ = ['./kd.py']

model = dict(
    distiller=dict(
        student_recorders=dict(
            feat=dict(type='ModuleOutputs', source='backbone'),
            pooled=dict(type='ModuleInputs', source='head.fc'),
            samples=dict(
                type='MethodInputs',
                source='mmpretrain.models.heads.ClsHead._get_loss')),
        teacher_recorders=dict(
            feat=dict(type='ModuleOutputs', source='backbone'),
            pooled=dict(type='ModuleInputs', source='head.fc')),
        distill_losses=dict(
            loss_ms=dict(type='SemanticSimilarityLoss', loss_weight=0.1),
            loss_mr=dict(type='RelationSimilarityLoss', loss_weight=3000.0)),
        loss_forward_mappings=dict(
            loss_ms=dict(
                pooled_S=dict(
                    from_student=True, recorder='pooled', data_idx=0),
                logits_S=dict(from_student=True, recorder='logits'),
                pooled_T=dict(
                    from_student=False, recorder='pooled', data_idx=0),
                logits_T=dict(from_student=False, recorder='logits'),
                data_samples=dict(
                    from_student=True, recorder='samples', data_idx=1)),
            loss_mr=dict(
                feat_S=dict(from_student=True, recorder='feat', data_idx=-1),
                feat_T=dict(from_student=False, recorder='feat',
                            data_idx=-1)))))
