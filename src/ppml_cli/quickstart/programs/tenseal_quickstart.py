"""Compute on encrypted vectors with TenSEAL's CKKS scheme (approximate arithmetic on reals).

Synthetic data, CPU only, a few seconds.
"""

import tenseal as ts

# A CKKS context: the key holder's secret key stays in it. 8192 slots per
# ciphertext; the coefficient sizes fix precision and how many multiplications fit.
context = ts.context(ts.SCHEME_TYPE.CKKS, poly_modulus_degree=8192, coeff_mod_bit_sizes=[60, 40, 40, 60])
context.global_scale = 2**40
context.generate_galois_keys()  # needed for rotations, so for sums and dot products

salaries = [52_000.0, 61_500.0, 47_250.0, 70_000.0, 58_900.0]
raise_rates = [1.03, 1.05, 1.02, 1.04, 1.03]

# The client encrypts; the server computes without ever seeing the numbers.
encrypted = ts.ckks_vector(context, salaries)
server_context = ts.context_from(context.serialize())  # what a server would get: a copy...
server_context.make_context_public()  # ...without the secret key
on_server = ts.ckks_vector_from(server_context, encrypted.serialize())

new_salaries = on_server * raise_rates  # ciphertext x plaintext, element-wise
total_cost = new_salaries.sum()  # rotations and additions, still encrypted

# Back at the client: decrypt with the secret key.
result = ts.ckks_vector_from(context, new_salaries.serialize()).decrypt()
total = ts.ckks_vector_from(context, total_cost.serialize()).decrypt()[0]
print("decrypted new salaries:", [round(x, 2) for x in result])
print("computed in clear:     ", [round(s * r, 2) for s, r in zip(salaries, raise_rates, strict=True)])
print(
    f"decrypted total {total:,.2f} vs clear total {sum(s * r for s, r in zip(salaries, raise_rates, strict=True)):,.2f}"
)
print(f"ciphertext size: {len(encrypted.serialize()):,} bytes for {len(salaries)} numbers")
