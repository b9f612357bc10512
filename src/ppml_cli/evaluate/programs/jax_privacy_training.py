"""DP-SGD with JAX Privacy's building blocks: logistic regression on digits at each epsilon, and
without DP (the same Poisson batches, no clipping, no noise); then the loss-threshold attack.

30 epochs of Poisson-sampled batches (expected 64), clipping at norm 1, learning rate 2, and
noise calibrated to (epsilon, DELTA) by jax_privacy's PLD accountant: the Opacus program's schedule.
"""

import dp_accounting
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax_privacy import accounting, batch_selection, clipped_grad, noise_addition

from evalkit import DELTA, EPSILONS, cross_entropy, digits_split, measured, membership_attack, report_training, seeds

X_train, X_test, y_train, y_test = (np.asarray(a) for a in digits_split())
X_train, X_test = X_train.astype(np.float32), X_test.astype(np.float32)
N, BATCH, EPOCHS = len(X_train), 64, 30
ITERATIONS = EPOCHS * N // BATCH


def loss_fn(params, x, y, weight):
    logits = x @ params["w"] + params["b"]
    return jnp.mean(weight * optax.softmax_cross_entropy_with_integer_labels(logits, y))


grad_fn = clipped_grad(loss_fn, l2_clip_norm=1.0, batch_argnums=(1, 2, 3))
clipped_sum = jax.jit(grad_fn)
plain_sum = jax.jit(
    jax.grad(lambda p, x, y, w: jnp.sum(w * optax.softmax_cross_entropy_with_integer_labels(x @ p["w"] + p["b"], y)))
)


def train(epsilon, seed):
    params = {"w": jnp.zeros((64, 10)), "b": jnp.zeros(10)}
    optimizer = optax.sgd(learning_rate=2.0)
    opt_state = optimizer.init(params)
    if epsilon is not None:
        accountant = accounting.DpsgdTrainingAccountant(dp_accountant_config=accounting.PldAccountantConfig())
        sigma = accounting.calibrate_noise_multiplier(
            target_epsilon=epsilon,
            accountant=accountant,
            batch_sizes=BATCH,
            num_updates=ITERATIONS,
            num_samples=N,
            target_delta=DELTA,
        )
        stddev = sigma * grad_fn.sensitivity(dp_accounting.NeighboringRelation.ADD_OR_REMOVE_ONE)
        privatizer = noise_addition.gaussian_privatizer(stddev=stddev, prng_key=seed)
        noise_state = privatizer.init(params)
    sampler = batch_selection.CyclicPoissonSampling(sampling_prob=BATCH / N, iterations=ITERATIONS)
    for indices in sampler.batch_iterator(N, rng=seed):
        padded = batch_selection.pad_to_multiple_of(indices, 32)
        weight = (padded >= 0).astype(np.float32)
        safe = np.where(padded >= 0, padded, 0)
        if epsilon is None:
            summed = plain_sum(params, X_train[safe], y_train[safe], weight)
        else:
            summed, noise_state = privatizer.update(
                clipped_sum(params, X_train[safe], y_train[safe], weight), noise_state
            )
        updates, opt_state = optimizer.update(jax.tree.map(lambda g: g / BATCH, summed), opt_state)
        params = optax.apply_updates(params, updates)
    return params


def probabilities(params, x):
    return np.asarray(jax.nn.softmax(x @ params["w"] + params["b"]))


rows = []
for epsilon in [None, *EPSILONS]:
    reps = []
    for seed in seeds():
        with measured() as run:
            params = train(epsilon, seed)
        test, members = probabilities(params, X_test), probabilities(params, X_train)
        accuracy = float((test.argmax(1) == y_test).mean())
        auc, tpr = membership_attack(cross_entropy(members, y_train), cross_entropy(test, y_test))
        reps.append((accuracy, run.seconds, run.peak_mib, auc, tpr))
    rows.append((epsilon, reps))
report_training(rows)
