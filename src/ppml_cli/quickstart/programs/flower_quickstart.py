"""Federated averaging with central differential privacy in Flower: 20 simulated clinics, one model.

Each client trains a NumPy logistic regression on its own synthetic data; the
server only ever sees model updates. Flower's DP wrapper clips each client's
update to a fixed norm and adds Gaussian noise to their average, so the model
barely depends on any one client (client-level DP), and its accountant reports
the epsilon spent. Runs in one process with Flower's simulation runtime. CPU
only, about a minute.
"""

import numpy as np
from flwr.app import ArrayRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp
from flwr.serverapp import (
    Grid,
    NeighboringRelation,
    PrivacyConfig,
    RdpAccountant,
    SamplingMethod,
    ServerApp,
)
from flwr.serverapp.strategy import DifferentialPrivacyServerSideFixedClipping, FedAvg
from flwr.simulation import run_simulation

NUM_CLIENTS, ROUNDS, FEATURES, ROWS = 20, 5, 5, 500
NOISE_MULTIPLIER, CLIPPING_NORM, DELTA = 2.0, 2.0, 1e-5
TRUE_WEIGHTS = np.array([1.5, -2.0, 0.5, 0.0, 1.0])


def local_data(partition: int) -> tuple[np.ndarray, np.ndarray]:
    """Each client's private data: same task, different population (shifted features)."""
    rng = np.random.default_rng(partition)
    shift = (partition % 4) * 0.25
    x = rng.normal(loc=shift, size=(ROWS, FEATURES))
    y = (x @ TRUE_WEIGHTS + rng.normal(scale=0.5, size=ROWS) > shift).astype(float)
    return x, y


def accuracy(weights: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(((x @ weights) > 0) == y))


client = ClientApp()


@client.train()
def train(msg: Message, context: Context) -> Message:
    weights = msg.content["arrays"].to_numpy_ndarrays()[0]
    x, y = local_data(int(context.node_config["partition-id"]))
    for _ in range(20):  # a few steps of gradient descent on the local data only
        predictions = 1 / (1 + np.exp(-(x @ weights)))
        weights = weights - 0.5 * x.T @ (predictions - y) / len(y)
    content = RecordDict(
        {
            "arrays": ArrayRecord([weights]),
            "metrics": MetricRecord({"num-examples": len(y), "train-accuracy": accuracy(weights, x, y)}),
        }
    )
    return Message(content=content, reply_to=msg)


@client.evaluate()
def evaluate(msg: Message, context: Context) -> Message:
    weights = msg.content["arrays"].to_numpy_ndarrays()[0]
    x, y = local_data(int(context.node_config["partition-id"]))
    metrics = MetricRecord({"num-examples": len(y), "eval-accuracy": accuracy(weights, x, y)})
    return Message(content=RecordDict({"metrics": metrics}), reply_to=msg)


server = ServerApp()


@server.main()
def main(grid: Grid, context: Context) -> None:
    fedavg = FedAvg(min_train_nodes=NUM_CLIENTS, min_evaluate_nodes=NUM_CLIENTS, min_available_nodes=NUM_CLIENTS)
    # Every client takes part in every round, so sampling gives no amplification;
    # neighbouring datasets differ by one whole client (all its rows).
    accountant = RdpAccountant(
        PrivacyConfig(
            target_delta=DELTA,
            population_size=NUM_CLIENTS,
            neighboring_relation=NeighboringRelation.ADD_OR_REMOVE_ONE,
            sampling_method=SamplingMethod.NO_AMPLIFICATION,
        )
    )
    strategy = DifferentialPrivacyServerSideFixedClipping(
        fedavg,
        noise_multiplier=NOISE_MULTIPLIER,
        clipping_norm=CLIPPING_NORM,
        num_sampled_clients=NUM_CLIENTS,
        accountant=accountant,
    )
    result = strategy.start(grid=grid, initial_arrays=ArrayRecord([np.zeros(FEATURES)]), num_rounds=ROUNDS)
    for round_number, metrics in sorted(result.evaluate_metrics_clientapp.items()):
        print(f"round {round_number}: accuracy of the global model on the clients' data {metrics['eval-accuracy']:.3f}")
    final = result.arrays.to_numpy_ndarrays()[0]
    scaled = np.round(final / np.abs(final).max(), 2)  # logistic weights are known up to scale
    print(f"global weights, scaled: {scaled.tolist()}; the rule the data follows: {(TRUE_WEIGHTS / 2).tolist()}")
    spent = accountant.get_privacy_spent()
    print(
        f"client-level DP: epsilon {spent.epsilon:.2f} at delta {spent.delta:g} after {spent.num_releases} rounds"
        f" (noise multiplier {NOISE_MULTIPLIER}, clipping norm {CLIPPING_NORM}, {spent.accounting_method})"
    )


if __name__ == "__main__":
    run_simulation(server_app=server, client_app=client, num_supernodes=NUM_CLIENTS)
