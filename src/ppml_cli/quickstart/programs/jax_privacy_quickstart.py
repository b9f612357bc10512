"""Train a logistic regression with DP-SGD in JAX, using JAX Privacy's building blocks.

jax_privacy supplies per-example clipping (clipped_grad), Gaussian noise as an
optax transformation, Poisson batch sampling and the privacy accounting.
Synthetic data, CPU only, under a minute.
"""

import dp_accounting
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax_privacy import accounting, batch_selection, clipped_grad, noise_addition

num_examples, expected_batch, iterations, delta = 2000, 100, 100, 1e-5
rng = np.random.default_rng(0)
features = rng.normal(size=(num_examples, 10)).astype(np.float32)
labels = (features[:, 0] + 0.5 * features[:, 1] > 0).astype(np.float32)

# How much noise for epsilon = 2 over 100 Poisson-sampled steps?
accountant = accounting.DpsgdTrainingAccountant(dp_accountant_config=accounting.PldAccountantConfig())
noise_multiplier = accounting.calibrate_noise_multiplier(
    target_epsilon=2.0,
    accountant=accountant,
    batch_sizes=expected_batch,
    num_updates=iterations,
    num_samples=num_examples,
    target_delta=delta,
)


def loss_fn(params, x, y, weight):
    logits = x @ params["w"] + params["b"]
    return jnp.mean(weight * optax.sigmoid_binary_cross_entropy(logits, y))


# Sum over the batch of each example's gradient clipped to L2 norm 1.
grad_fn = clipped_grad(loss_fn, l2_clip_norm=1.0, batch_argnums=(1, 2, 3))
stddev = noise_multiplier * grad_fn.sensitivity(dp_accounting.NeighboringRelation.ADD_OR_REMOVE_ONE)
privatizer = noise_addition.gaussian_privatizer(stddev=stddev, prng_key=0)
optimizer = optax.sgd(learning_rate=1.0)

params = {"w": jnp.zeros(10), "b": jnp.zeros(())}
opt_state, noise_state = optimizer.init(params), privatizer.init(params)


@jax.jit
def clipped_sum(params, x, y, weight):
    return grad_fn(params, x, y, weight)


sampler = batch_selection.CyclicPoissonSampling(sampling_prob=expected_batch / num_examples, iterations=iterations)
for indices in sampler.batch_iterator(num_examples, rng=1):
    # Pad each Poisson batch to a multiple of 32 (padding rows weigh 0) so jit compiles a few shapes only.
    padded = batch_selection.pad_to_multiple_of(indices, 32)
    weight = (padded >= 0).astype(np.float32)
    safe = np.where(padded >= 0, padded, 0)
    summed = clipped_sum(params, features[safe], labels[safe], weight)
    noisy, noise_state = privatizer.update(summed, noise_state)
    mean_gradient = jax.tree.map(lambda g: g / expected_batch, noisy)
    updates, opt_state = optimizer.update(mean_gradient, opt_state)
    params = optax.apply_updates(params, updates)

epsilon = accountant.compute_epsilon(
    num_updates=iterations,
    dp_params=accounting.DpParams(
        noise_multipliers=noise_multiplier, num_samples=num_examples, delta=delta, batch_size=expected_batch
    ),
)
accuracy = np.mean(((features @ np.asarray(params["w"]) + float(params["b"])) > 0) == labels)
print(f"noise multiplier {noise_multiplier:.2f} for {iterations} steps of about {expected_batch} examples")
print(f"training accuracy {accuracy:.1%} at (epsilon={epsilon:.2f}, delta={delta})")
