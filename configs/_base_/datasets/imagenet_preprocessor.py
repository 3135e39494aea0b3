# ImageNet normalisation (mmpretrain's, on RGB): shared by the data set base,
# the ResNet34 teacher / supernet model bases and the search's minibatch.
data_preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor',
    num_classes=1000,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)
