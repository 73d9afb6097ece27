"""Where images come in: the datasets (IDX files, keras' .npz, the bundled test set), their
validation, augmentation for training, and the preparation of uploaded pictures.
"""
