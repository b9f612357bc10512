"""DP-SGD with Opacus: logistic regression on digits at each epsilon, and without DP.

Every run: 30 epochs of Poisson-sampled batches of 64 on the members, clipping at norm 1,
noise calibrated by Opacus to (epsilon, DELTA). Then the loss-threshold attack on its losses.
"""

import torch
from opacus import PrivacyEngine
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from evalkit import DELTA, EPSILONS, cross_entropy, digits_split, measured, membership_attack, report_training, seeds

torch.set_num_threads(1)
X_train, X_test, y_train, y_test = (torch.tensor(a) for a in digits_split())
X_train, X_test = X_train.float(), X_test.float()
EPOCHS = 30


def train(epsilon, seed):
    torch.manual_seed(seed)
    model = nn.Linear(64, 10)
    optimizer = torch.optim.SGD(model.parameters(), lr=2.0)
    loader = DataLoader(TensorDataset(X_train, y_train), batch_size=64, shuffle=True, drop_last=True)
    if epsilon is not None:
        engine = PrivacyEngine(accountant="prv")
        model, optimizer, loader = engine.make_private_with_epsilon(
            module=model,
            optimizer=optimizer,
            data_loader=loader,
            target_epsilon=epsilon,
            target_delta=DELTA,
            epochs=EPOCHS,
            max_grad_norm=1.0,
        )
    loss = nn.CrossEntropyLoss()
    for _ in range(EPOCHS):
        for features, labels in loader:
            if len(labels) == 0:
                continue
            optimizer.zero_grad()
            loss(model(features), labels).backward()
            optimizer.step()
    return model


def probabilities(model, features):
    with torch.no_grad():
        return torch.softmax(model(features), dim=1).numpy()


rows = []
for epsilon in [None, *EPSILONS]:
    reps = []
    for seed in seeds():
        with measured() as run:
            model = train(epsilon, seed)
        test, members = probabilities(model, X_test), probabilities(model, X_train)
        accuracy = float((test.argmax(1) == y_test.numpy()).mean())
        auc, tpr = membership_attack(cross_entropy(members, y_train.numpy()), cross_entropy(test, y_test.numpy()))
        reps.append((accuracy, run.seconds, run.peak_mib, auc, tpr))
    rows.append((epsilon, reps))
report_training(rows)
