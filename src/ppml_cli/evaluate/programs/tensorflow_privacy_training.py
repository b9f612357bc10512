"""DP-SGD with TensorFlow Privacy's DPKerasSGDOptimizer: logistic regression on digits at each
epsilon, and without DP (Keras's SGD, same schedule); then the loss-threshold attack.

30 epochs of shuffled batches of 64 (one microbatch per example), clipping at norm 1,
learning rate 2; the noise multiplier for (epsilon, DELTA) is calibrated with dp_accounting's
RDP accountant assuming Poisson sampling, as TensorFlow Privacy's own statement does.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import dp_accounting
import numpy as np
import tensorflow as tf
from tensorflow_privacy import DPKerasSGDOptimizer

from evalkit import DELTA, EPSILONS, cross_entropy, digits_split, measured, membership_attack, report_training, seeds

tf.config.threading.set_intra_op_parallelism_threads(1)
X_train, X_test, y_train, y_test = digits_split()
N, BATCH, EPOCHS = len(X_train), 64, 30
STEPS = EPOCHS * (N // BATCH)


def noise_for(epsilon):
    def run(sigma):
        step = dp_accounting.PoissonSampledDpEvent(BATCH / N, dp_accounting.GaussianDpEvent(sigma))
        return dp_accounting.SelfComposedDpEvent(step, STEPS)

    return dp_accounting.calibrate_dp_mechanism(
        dp_accounting.rdp.RdpAccountant,
        run,
        target_epsilon=epsilon,
        target_delta=DELTA,
        bracket_interval=dp_accounting.ExplicitBracketInterval(0.1, 50.0),
    )


def train(epsilon, seed):
    tf.keras.utils.set_random_seed(seed)
    model = tf.keras.Sequential([tf.keras.layers.Dense(10, input_shape=(64,))])
    if epsilon is None:
        optimizer = tf.keras.optimizers.SGD(learning_rate=2.0)
        loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    else:
        optimizer = DPKerasSGDOptimizer(
            l2_norm_clip=1.0, noise_multiplier=noise_for(epsilon), num_microbatches=BATCH, learning_rate=2.0
        )
        loss = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction=tf.losses.Reduction.NONE)
    model.compile(optimizer=optimizer, loss=loss)
    usable = N // BATCH * BATCH  # whole batches only: DP microbatches need the batch size
    model.fit(X_train[:usable], y_train[:usable], batch_size=BATCH, epochs=EPOCHS, verbose=0, shuffle=True)
    return model


def probabilities(model, x):
    return tf.nn.softmax(model(x, training=False)).numpy()


rows = []
for epsilon in [None, *EPSILONS]:
    reps = []
    for seed in seeds():
        with measured() as run:
            model = train(epsilon, seed)
        test, members = probabilities(model, X_test), probabilities(model, X_train)
        accuracy = float((test.argmax(1) == np.asarray(y_test)).mean())
        auc, tpr = membership_attack(cross_entropy(members, y_train), cross_entropy(test, y_test))
        reps.append((accuracy, run.seconds, run.peak_mib, auc, tpr))
    rows.append((epsilon, reps))
report_training(rows)
