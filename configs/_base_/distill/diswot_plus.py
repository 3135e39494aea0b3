# DisWOT+ (the paper's DisWOT dagger): KD plus the search metrics as losses,
# L = 0.1 CE + 0.9 KL(T=4) + L_Ms + L_Mr.
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
            loss_ms=dict(type='SemanticSimilarityLoss', loss_weight=1.0),
            loss_mr=dict(type='RelationSimilarityLoss', loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_ms=dict(
                pooled_S=dict(from_student=True, recorder='pooled',
                              data_idx=0),
                logits_S=dict(from_student=True, recorder='logits'),
                pooled_T=dict(from_student=False, recorder='pooled',
                              data_idx=0),
                logits_T=dict(from_student=False, recorder='logits'),
                data_samples=dict(from_student=True, recorder='samples',
                                  data_idx=1)),
            loss_mr=dict(
                feat_S=dict(from_student=True, recorder='feat', data_idx=-1),
                feat_T=dict(from_student=False, recorder='feat',
                            data_idx=-1)))))
