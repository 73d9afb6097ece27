"""The snapshot format: how a map formed, saved with the model and read back exactly."""

import numpy as np
import pytest

from vae.store.snapshots import Snapshots, snapshot_indices


def test_the_snapshot_digits_are_two_hundred_of_each_class_in_test_set_order(mnist_test):
    indices = snapshot_indices(mnist_test.y_test)
    assert len(indices) == 2000 and np.all(np.diff(indices) > 0)
    assert np.bincount(mnist_test.y_test[indices]).tolist() == [200] * 10


def test_snapshots_round_trip_at_half_precision(tmp_path):
    rng = np.random.default_rng(0)
    snapshots = Snapshots.empty(np.arange(50))
    for epoch in (0, 1, 2, 2.5):
        snapshots = snapshots.add(epoch, rng.normal(size=(50, 2)))
    snapshots.save(tmp_path / "s.npz")
    loaded = Snapshots.load(tmp_path / "s.npz")
    assert loaded.epochs.tolist() == [0, 1, 2, 2.5] and loaded.means.shape == (4, 50, 2)
    np.testing.assert_allclose(loaded.means, snapshots.means, atol=2e-3)
    np.testing.assert_array_equal(loaded.indices, np.arange(50))


def test_a_snapshot_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match="shape"):
        Snapshots.empty(np.arange(10)).add(0, np.zeros((9, 2)))


def test_inconsistent_or_broken_files_are_named(tmp_path):
    np.savez(tmp_path / "bad.npz", indices=np.arange(5), epochs=np.arange(3), means=np.zeros((2, 5, 2)))
    with pytest.raises(ValueError, match="bad.npz: snapshot arrays do not fit"):
        Snapshots.load(tmp_path / "bad.npz")
    np.savez(tmp_path / "nan.npz", indices=np.arange(2), epochs=np.arange(1), means=np.full((1, 2, 2), np.nan))
    with pytest.raises(ValueError, match="NaN"):
        Snapshots.load(tmp_path / "nan.npz")
    (tmp_path / "junk.npz").write_bytes(b"junk")
    with pytest.raises(ValueError, match="junk.npz"):
        Snapshots.load(tmp_path / "junk.npz")


def test_training_records_the_map_before_and_after_every_epoch(small_mnist):
    import vae

    seen = []
    model = vae.train(
        vae.TrainConfig(epochs=2, batch_size=100, hidden_units=(32,)),
        small_mnist,
        on_snapshot=lambda epoch, means: seen.append((epoch, means.shape)),
    )
    assert seen == [(0, (500, 2)), (1, (500, 2)), (2, (500, 2))]
    assert model.snapshots.epochs.tolist() == [0, 1, 2]


def test_with_a_weight_average_the_last_snapshot_is_the_saved_models_map(small_mnist):
    # Keras copies the averaged weights into the model when fit ends, after the last epoch's
    # snapshot: the replay's last frame must show the model that is saved.
    import vae

    model = vae.train(vae.TrainConfig(epochs=2, batch_size=100, hidden_units=(32,), ema=0.9), small_mnist)
    indices = model.snapshots.indices
    assert model.snapshots.epochs.tolist() == [0, 1, 2]
    np.testing.assert_allclose(model.snapshots.means[-1], model.encode(small_mnist.x_test[indices])[0], atol=1e-4)


def test_replacing_the_last_snapshot_keeps_its_epoch():
    snapshots = Snapshots.empty(np.arange(3)).add(0, np.zeros((3, 2))).add(1, np.ones((3, 2)))
    replaced = snapshots.with_last(np.full((3, 2), 5.0))
    assert replaced.epochs.tolist() == [0, 1] and replaced.means[-1].tolist() == [[5.0, 5.0]] * 3
    assert snapshots.means[-1].tolist() == [[1.0, 1.0]] * 3


def test_a_live_map_is_sent_after_the_first_hundred_steps_and_not_kept(split_mnist):
    import vae

    seen = []
    data = split_mnist.subset(n_train=2000, n_test=500)
    model = vae.train(
        vae.TrainConfig(epochs=1, batch_size=16, hidden_units=(32,)),
        data,
        on_snapshot=lambda epoch, means, live=False: seen.append((epoch, live)),
    )
    # 125 steps an epoch: the map before training, a live one after 100 steps, the epoch's own.
    assert seen == [(0, False), (0.8, True), (1.0, False)]
    assert model.snapshots.epochs.tolist() == [0, 1]  # the replay keeps the epochs' maps only
