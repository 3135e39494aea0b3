# Is DisWOT teacher-aware on real data? The S1 students within ResNet20's
# #params on Fashion-MNIST, each distilled from a 90.6 % ResNet56 (60,000
# images x 4 epochs) AND trained alone with the same recipe, 3 seeds
# (issue 25); written by
#   python -m benchmarks.fmnist_s1_kd_ground_truth --seeds 0 1 2 \
#       --losses kd vanilla --teacher-train-samples 60000 --teacher-epochs 4 \
#       --teacher-work-dir work_dirs/distill_ablation_long/teacher_60000x4e \
#       --work-dir work_dirs/fmnist_s1_gt_t91 \
#       --out diswot_mm/models/search_spaces/data/fmnist_s1_t91 [--shard I/2]
# Taus with KD, vanilla, KD gain and KD residual; DisWOT with that trained
# teacher and with a random one.
#   python tools/analysis/rank_correlation.py configs/rank_s1_fmnist_t91.py
_base_ = ['./rank_s1_fmnist.py']

# the ground truth's teacher (90.64 %), its weights committed beside it
trained = dict(teacher_ckpt='{{ fileDirname }}/../diswot_mm/models/'
               'search_spaces/data/fmnist_s1_t91_teacher.pth')
rank_cfg = dict(
    ground_truth='{{ fileDirname }}/../diswot_mm/models/search_spaces/'
    'data/fmnist_s1_t91.csv',
    vanilla_ground_truth='{{ fileDirname }}/../diswot_mm/models/search_spaces/'
    'data/fmnist_s1_t91_vanilla.csv',
    residual_plot=[
        'diswot_trained', 'diswot_random', 'params', 'snip', 'zico', 'naswot'
    ],
    estimators=dict(
        diswot_trained=trained,
        ens_diswot_trained_params=dict(estimators=dict(diswot=trained)),
        ens_diswot_trained_zico=dict(estimators=dict(diswot=trained))))
