"""Epsilon of the fixed DP-SGD schedule by Microsoft's prv_accountant (estimate and its bounds)."""

from prv_accountant import PoissonSubsampledGaussianMechanism, PRVAccountant

from evalkit import SCHEDULE, emit, measured, seeds

step = PoissonSubsampledGaussianMechanism(
    sampling_probability=SCHEDULE["sampling_rate"], noise_multiplier=SCHEDULE["noise_multiplier"]
)
estimates, uppers, times = [], [], []
for _ in seeds():
    with measured() as timing:
        accountant = PRVAccountant(
            prvs=[step], max_self_compositions=[SCHEDULE["steps"]], eps_error=0.01, delta_error=1e-10
        )
        low, estimate, high = accountant.compute_epsilon(
            delta=SCHEDULE["delta"], num_self_compositions=[SCHEDULE["steps"]]
        )
    estimates.append(estimate)
    uppers.append(high)
    times.append(timing.seconds)
emit("epsilon", estimates, accountant="prv")
emit("epsilon_upper_bound", uppers, accountant="prv")
emit("seconds", times, accountant="prv")
