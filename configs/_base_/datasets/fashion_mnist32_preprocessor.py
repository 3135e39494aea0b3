# Normalisation of Fashion-MNIST padded to 32x32 and repeated to 3 channels
# (FashionMNIST32), 10 classes: shared by its data set base and the search.
data_preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor',
    num_classes=10,
    mean=[56.7, 56.7, 56.7],  # of the padded images
    std=[85.1, 85.1, 85.1],
    to_rgb=False)
