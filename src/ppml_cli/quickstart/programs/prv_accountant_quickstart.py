"""Tight epsilon bounds for DP-SGD with the PRV accountant (Microsoft's prv_accountant).

It composes the privacy random variable of each noisy step numerically and
returns a lower bound, an estimate and an upper bound on epsilon. No data needed.
CPU only, a few seconds.
"""

from prv_accountant import PoissonSubsampledGaussianMechanism, PRVAccountant

dataset_size, batch_size, epochs, noise_multiplier, delta = 60_000, 256, 10, 1.1, 1e-5
steps = epochs * dataset_size // batch_size

step = PoissonSubsampledGaussianMechanism(
    sampling_probability=batch_size / dataset_size, noise_multiplier=noise_multiplier
)
accountant = PRVAccountant(prvs=[step], max_self_compositions=[steps], eps_error=0.01, delta_error=1e-10)

for after in (steps // 10, steps // 2, steps):
    low, estimate, high = accountant.compute_epsilon(delta=delta, num_self_compositions=[after])
    print(f"after {after:>5} steps: epsilon {estimate:.3f} (bounds {low:.3f} to {high:.3f}) at delta={delta}")
