"""Train a small image CNN with DP-SGD using Opacus, then report the privacy spent.

The images are scikit-learn's bundled handwritten digits (1,797 grey 8x8 images,
shipped inside the package, no network needed). CPU only, under a minute.
"""

import torch
from opacus import PrivacyEngine
from opacus.validators import ModuleValidator
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)

digits = load_digits()
images = torch.tensor(digits.images / 16.0, dtype=torch.float32).unsqueeze(1)  # (N, 1, 8, 8), values in [0, 1]
labels = torch.tensor(digits.target)
train_images, test_images = images[:1500], images[1500:]
train_labels, test_labels = labels[:1500], labels[1500:]
loader = DataLoader(TensorDataset(train_images, train_labels), batch_size=64)


def cnn(norm: type[nn.Module]) -> nn.Sequential:
    def block(c_in: int, c_out: int) -> list[nn.Module]:
        layer = nn.GroupNorm(4, c_out) if norm is nn.GroupNorm else norm(c_out)
        return [nn.Conv2d(c_in, c_out, kernel_size=3, padding=1), layer, nn.ReLU(), nn.MaxPool2d(2)]

    return nn.Sequential(*block(1, 16), *block(16, 32), nn.Flatten(), nn.Linear(32 * 2 * 2, 10))


# GroupNorm, not BatchNorm: BatchNorm normalises each example with statistics of
# the whole batch, so one example's gradient depends on the others and per-example
# clipping no longer bounds what one person contributes. Opacus's ModuleValidator
# refuses such a model (ModuleValidator.fix would swap BatchNorm for GroupNorm).
refused = ModuleValidator.validate(cnn(nn.BatchNorm2d), strict=False)
print(f"with BatchNorm: ModuleValidator reports {len(refused)} problems, e.g. {str(refused[0]).split('.')[0]}")
model = cnn(nn.GroupNorm)
print(f"with GroupNorm: ModuleValidator reports {len(ModuleValidator.validate(model, strict=False))} problems")

optimizer = torch.optim.SGD(model.parameters(), lr=1.0, momentum=0.5)

# Opacus wraps the model, optimizer and data loader: per-example gradients are
# clipped to max_grad_norm, Gaussian noise is added, and batches are Poisson-sampled.
# The noise level is chosen so that the epochs spend at most epsilon = 3 at delta = 1e-5.
EPOCHS, DELTA = 8, 1e-5
engine = PrivacyEngine(accountant="prv")
model, optimizer, loader = engine.make_private_with_epsilon(
    module=model,
    optimizer=optimizer,
    data_loader=loader,
    target_epsilon=3.0,
    target_delta=DELTA,
    epochs=EPOCHS,
    max_grad_norm=1.0,
)
print(f"noise multiplier chosen by Opacus: {optimizer.noise_multiplier:.2f}")

loss_fn = nn.CrossEntropyLoss()
for epoch in range(1, EPOCHS + 1):
    model.train()
    for batch_images, batch_labels in loader:
        if len(batch_labels) == 0:  # Poisson sampling can draw an empty batch
            continue
        optimizer.zero_grad()
        loss = loss_fn(model(batch_images), batch_labels)
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch}: loss {loss.item():.3f}, epsilon spent {engine.get_epsilon(delta=DELTA):.2f}")

model.eval()
with torch.no_grad():
    accuracy = (model(test_images).argmax(dim=1) == test_labels).float().mean().item()
epsilon = engine.get_epsilon(delta=DELTA)
print(f"test accuracy {accuracy:.1%} on {len(test_labels)} held-out digits at (epsilon={epsilon:.2f}, delta={DELTA})")
