"""Train a Keras model with DP-SGD using TensorFlow Privacy, then state the privacy guarantee.

Synthetic data, CPU only, well under a minute. TensorFlow Privacy 0.9 needs Keras 2
(`tf.keras` of TensorFlow 2.15 or earlier), hence the pinned TensorFlow range.
"""

import numpy as np
import tensorflow as tf
from tensorflow_privacy import DPKerasSGDOptimizer, compute_dp_sgd_privacy_statement

rng = np.random.default_rng(0)
# 2,000 synthetic rows: 10 features, a label that depends on the first two.
features = rng.normal(size=(2000, 10)).astype("float32")
labels = (features[:, 0] + 0.5 * features[:, 1] > 0).astype("int32")

batch_size, epochs, noise_multiplier = 100, 5, 1.1
model = tf.keras.Sequential(
    [tf.keras.Input(shape=(10,)), tf.keras.layers.Dense(16, activation="relu"), tf.keras.layers.Dense(2)]
)

# Per-example gradients are clipped to l2_norm_clip and Gaussian noise is added.
# num_microbatches=batch_size clips each example on its own (the DP-SGD definition).
optimizer = DPKerasSGDOptimizer(
    l2_norm_clip=1.0,
    noise_multiplier=noise_multiplier,
    num_microbatches=batch_size,
    learning_rate=0.25,
)
# The loss must stay per example (no reduction) so the optimizer can clip each one.
loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction=tf.keras.losses.Reduction.NONE)
model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
history = model.fit(features, labels, epochs=epochs, batch_size=batch_size, verbose=0)
print(f"training accuracy after {epochs} epochs: {history.history['accuracy'][-1]:.1%}")

print(
    compute_dp_sgd_privacy_statement(
        number_of_examples=len(features),
        batch_size=batch_size,
        num_epochs=epochs,
        noise_multiplier=noise_multiplier,
        delta=1e-5,
    )
)
