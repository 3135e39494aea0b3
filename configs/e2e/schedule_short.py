# A short CPU schedule for the end-to-end run: SGD 0.05 (momentum 0.9, wd
# 5e-4, batch 64) with cosine decay; epochs and subset set by the driver.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4))
param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True, T_max=5)
train_cfg = dict(by_epoch=True, max_epochs=5, val_interval=1)
val_cfg = dict()
test_cfg = dict()
