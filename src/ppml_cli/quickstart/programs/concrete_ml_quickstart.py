"""Classify encrypted data with Concrete ML: a logistic regression that predicts under FHE.

The model is trained in the clear, quantized to 8 bits and compiled to an FHE
circuit; the client's features are then encrypted, classified without being
decrypted, and only the client can read the result. Synthetic data, CPU only;
key generation and compilation take most of the (sub-minute) run.
"""

import numpy as np
from concrete.ml.sklearn import LogisticRegression
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

x, y = make_classification(n_samples=1000, n_features=8, n_informative=5, random_state=0)
x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=0)

model = LogisticRegression(n_bits=8)  # weights and inputs quantized to 8 bits
model.fit(x_train, y_train)
model.compile(x_train)  # the training data calibrates the quantization ranges

clear = model.predict(x_test)  # quantized model, no encryption
sample = x_test[:10]
encrypted = model.predict(sample, fhe="execute")  # encrypt, run under FHE, decrypt

print(f"accuracy of the quantized model in the clear: {np.mean(clear == y_test):.1%}")
print(f"FHE predictions for 10 rows:   {encrypted.tolist()}")
print(f"clear predictions, same rows: {clear[:10].tolist()}")
print(f"FHE matches clear on {np.mean(encrypted == clear[:10]):.0%} of them")
