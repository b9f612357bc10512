"""Epsilon of the fixed DP-SGD schedule by Google's dp_accounting: RDP and PLD accountants."""

import dp_accounting

from evalkit import SCHEDULE, emit, measured, seeds

step = dp_accounting.PoissonSampledDpEvent(
    SCHEDULE["sampling_rate"], dp_accounting.GaussianDpEvent(SCHEDULE["noise_multiplier"])
)
run = dp_accounting.SelfComposedDpEvent(step, SCHEDULE["steps"])
accountants = {"rdp": dp_accounting.rdp.RdpAccountant, "pld": dp_accounting.pld.PLDAccountant}

for name, make in accountants.items():
    epsilons, times = [], []
    for _ in seeds():
        with measured() as timing:
            epsilons.append(make().compose(run).get_epsilon(SCHEDULE["delta"]))
        times.append(timing.seconds)
    emit("epsilon", epsilons, accountant=name)
    emit("seconds", times, accountant=name)
