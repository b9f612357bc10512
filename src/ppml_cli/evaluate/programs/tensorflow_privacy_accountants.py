"""Epsilon of the fixed DP-SGD schedule by TensorFlow Privacy's own statement function."""

from tensorflow_privacy import compute_dp_sgd_privacy_statement

from evalkit import SCHEDULE, emit, measured, seeds

# The statement takes a dataset size, batch size and epochs; these give SCHEDULE's rate and steps.
N, BATCH = 60_000, 256
EPOCHS = SCHEDULE["steps"] * BATCH / N
epsilons, shuffled, times = [], [], []
for _ in seeds():
    with measured() as timing:
        statement = compute_dp_sgd_privacy_statement(
            number_of_examples=N,
            batch_size=BATCH,
            num_epochs=EPOCHS,
            noise_multiplier=SCHEDULE["noise_multiplier"],
            delta=SCHEDULE["delta"],
            used_microbatching=False,
        )
    # two lines: "Epsilon with each example occurring once per epoch: X" and "Epsilon assuming Poisson sampling (*): Y"
    lines = [line.strip() for line in statement.splitlines() if line.strip().startswith("Epsilon")]
    value = {key: float(line.split()[-1]) for line in lines for key in ("Poisson", "once per epoch") if key in line}
    epsilons.append(value["Poisson"])
    shuffled.append(value["once per epoch"])
    times.append(timing.seconds)
emit("epsilon", epsilons, accountant="rdp")
emit("epsilon_once_per_epoch", shuffled, accountant="rdp")
emit("seconds", times, accountant="rdp")
