"""History: series of different lengths, and hand-edit points that share a step."""

import numpy as np

from jaxscope.training.history import History


def test_to_pandas_aligns_series_by_step_and_keeps_the_last_of_several_at_one_step():
    history = History()
    history.extend("loss", [1, 2, 3], [0.5, 0.4, 0.3])
    history.extend("val_loss", [2], [0.45])
    history.extend("edit_loss", [3, 3], [0.9, 0.2])  # two edits after step 3
    frame = history.to_pandas()
    assert list(frame.columns) == ["loss", "val_loss", "edit_loss"]
    assert frame.index.tolist() == [1, 2, 3]
    np.testing.assert_array_equal(frame["loss"].to_numpy(), np.float32([0.5, 0.4, 0.3]))
    assert np.isnan(frame["val_loss"][1]) and frame["val_loss"][2] == np.float32(0.45)
    assert frame["edit_loss"][3] == np.float32(0.2)
    assert history["edit_loss"].tolist() == [np.float32(0.9), np.float32(0.2)]  # the history keeps both
