"""How much privacy does a DP-SGD training run spend? Google's dp_accounting answers.

It composes "DP events" and converts them to (epsilon, delta) with two accountants:
RDP (Renyi DP, classic) and PLD (privacy loss distributions, tighter). No data needed.
CPU only, a few seconds.
"""

import dp_accounting

dataset_size = 60_000
batch_size = 256
epochs = 10
noise_multiplier = 1.1
delta = 1e-5

steps = epochs * dataset_size // batch_size
sampling_probability = batch_size / dataset_size


def training_run(sigma: float) -> dp_accounting.DpEvent:
    """DP-SGD: each step adds Gaussian noise to a Poisson-sampled batch; `steps` such steps."""
    one_step = dp_accounting.PoissonSampledDpEvent(sampling_probability, dp_accounting.GaussianDpEvent(sigma))
    return dp_accounting.SelfComposedDpEvent(one_step, steps)


rdp = dp_accounting.rdp.RdpAccountant()
rdp.compose(training_run(noise_multiplier))
pld = dp_accounting.pld.PLDAccountant()
pld.compose(training_run(noise_multiplier))
print(f"{steps} steps, sampling rate {sampling_probability:.4f}, noise multiplier {noise_multiplier}")
print(f"epsilon at delta={delta}: RDP {rdp.get_epsilon(delta):.3f}, PLD {pld.get_epsilon(delta):.3f}")

# The reverse question: which noise multiplier keeps the run within epsilon = 3?
sigma = dp_accounting.calibrate_dp_mechanism(
    dp_accounting.rdp.RdpAccountant,
    training_run,
    target_epsilon=3.0,
    target_delta=delta,
    bracket_interval=dp_accounting.ExplicitBracketInterval(0.3, 10.0),
)
print(f"noise multiplier for epsilon=3 (RDP): {sigma:.3f}")
