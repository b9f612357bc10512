"""Train a small classifier with DP-SGD using Opacus, then report the privacy spent.

Synthetic data, CPU only, about ten seconds.
"""

import torch
from opacus import PrivacyEngine
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)

# 2,000 synthetic rows: 10 features, a label that depends on the first two.
features = torch.randn(2000, 10)
labels = (features[:, 0] + 0.5 * features[:, 1] > 0).long()
loader = DataLoader(TensorDataset(features, labels), batch_size=100)

model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)

# Opacus wraps the model, optimizer and data loader: per-example gradients are
# clipped to max_grad_norm, Gaussian noise is added, and batches are Poisson-sampled.
# The noise level is chosen so that 5 epochs spend at most epsilon = 2 at delta = 1e-5.
engine = PrivacyEngine(accountant="prv")
model, optimizer, loader = engine.make_private_with_epsilon(
    module=model,
    optimizer=optimizer,
    data_loader=loader,
    target_epsilon=2.0,
    target_delta=1e-5,
    epochs=5,
    max_grad_norm=1.0,
)
print(f"noise multiplier chosen by Opacus: {optimizer.noise_multiplier:.2f}")

loss_fn = nn.CrossEntropyLoss()
for epoch in range(1, 6):
    model.train()
    for batch_features, batch_labels in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(batch_features), batch_labels)
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch}: loss {loss.item():.3f}, epsilon spent {engine.get_epsilon(delta=1e-5):.2f}")

model.eval()
with torch.no_grad():
    accuracy = (model(features).argmax(dim=1) == labels).float().mean().item()
print(f"training accuracy {accuracy:.1%} at (epsilon={engine.get_epsilon(delta=1e-5):.2f}, delta=1e-5)")
