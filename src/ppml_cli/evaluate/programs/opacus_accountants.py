"""Epsilon of the fixed DP-SGD schedule by Opacus's accountants: RDP, PRV and GDP."""

from opacus.accountants import GaussianAccountant, PRVAccountant, RDPAccountant

from evalkit import SCHEDULE, emit, measured, seeds

for name, make in (("rdp", RDPAccountant), ("prv", PRVAccountant), ("gdp", GaussianAccountant)):
    epsilons, times = [], []
    for _ in seeds():
        with measured() as timing:
            accountant = make()
            accountant.history = [(SCHEDULE["noise_multiplier"], SCHEDULE["sampling_rate"], SCHEDULE["steps"])]
            epsilons.append(accountant.get_epsilon(delta=SCHEDULE["delta"]))
        times.append(timing.seconds)
    emit("epsilon", epsilons, accountant=name)
    emit("seconds", times, accountant=name)
