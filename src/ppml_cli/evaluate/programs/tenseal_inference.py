"""Encrypted logistic-regression scoring with TenSEAL (CKKS): the client encrypts a row, the
server computes the dot product with its clear weights, the client decrypts the score."""

import tenseal as ts

from evalkit import inference_task, measured, report_inference, seeds

model, X, y = inference_task()
weights, bias = model.coef_[0].tolist(), float(model.intercept_[0])
context = ts.context(ts.SCHEME_TYPE.CKKS, poly_modulus_degree=8192, coeff_mod_bit_sizes=[60, 40, 40, 60])
context.global_scale = 2**40
context.generate_galois_keys()

scores, per_row = [], []
for _ in seeds():
    with measured() as run:
        batch = [ts.ckks_vector(context, row.tolist()).dot(weights).decrypt()[0] + bias for row in X]
    per_row.append(run.seconds / len(X))
    scores = batch
report_inference(model, X, y, scores, per_row)
