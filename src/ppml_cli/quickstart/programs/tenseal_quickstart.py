"""Score a trained model on an encrypted input with TenSEAL's CKKS scheme.

A hospital (the client) encrypts a patient's features; a scoring service holds a
logistic regression trained in the clear and computes the patient's score on the
ciphertext without the secret key, so it never sees the features or the score.
The model is trained on scikit-learn's bundled breast-cancer data (shipped with
the package, no network needed). CPU only, a few seconds.
"""

import math

import tenseal as ts
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

# The service trains its model in the clear, on its own data.
features, labels = load_breast_cancer(return_X_y=True)
train_x, test_x, train_y, test_y = train_test_split(features, labels, test_size=0.2, random_state=0)
scaler = StandardScaler().fit(train_x)  # the client standardises with these published statistics
model = LogisticRegression(max_iter=1000).fit(scaler.transform(train_x), train_y)
weights, bias = model.coef_[0].tolist(), float(model.intercept_[0])

# The client's CKKS context: the secret key stays in it. The coefficient sizes
# fix the precision and allow the one multiplication a linear score needs.
context = ts.context(ts.SCHEME_TYPE.CKKS, poly_modulus_degree=8192, coeff_mod_bit_sizes=[60, 40, 40, 60])
context.global_scale = 2**40
context.generate_galois_keys()  # rotations: the dot product sums across slots
server_context = ts.context_from(context.serialize())  # what the service gets: a copy...
server_context.make_context_public()  # ...without the secret key

patients = scaler.transform(test_x)
agree, correct, largest_error = 0, 0, 0.0
for patient, label in zip(patients, test_y, strict=True):
    sent = ts.ckks_vector(context, patient.tolist()).serialize()  # the client encrypts and sends bytes
    on_server = ts.ckks_vector_from(server_context, sent)
    encrypted_score = on_server.dot(weights) + bias  # the linear score, computed on the ciphertext
    returned = encrypted_score.serialize()  # only the client can decrypt this
    score = ts.ckks_vector_from(context, returned).decrypt()[0]
    probability = 1 / (1 + math.exp(-score))  # the client applies the sigmoid in the clear
    clear_score = float(model.decision_function(patient.reshape(1, -1))[0])
    largest_error = max(largest_error, abs(score - clear_score))
    agree += (probability > 0.5) == (clear_score > 0)
    correct += (probability > 0.5) == bool(label)

print(f"scored {len(test_y)} encrypted patients ({len(sent):,} bytes sent for each, {len(weights)} features)")
print(f"largest difference from the clear score: {largest_error:.1e}")
print(f"decisions equal to the clear model's: {agree}/{len(test_y)}")
print(f"accuracy on encrypted inputs: {correct / len(test_y):.1%} (clear model: {model.score(patients, test_y):.1%})")
