"""Secure multi-party computation with CrypTen: two parties compute on secret-shared data.

Two local processes play the parties. Each secret-shares its private vector; they
compute a sum and a dot product on the shares, and only the results are revealed.
CPU only, seconds. CrypTen 0.4.1 needs an older PyTorch (it fails to import with torch 2.13)
and declares the long-deprecated `sklearn` package as a dependency: install it with
SKLEARN_ALLOW_DEPRECATED_SKLEARN_PACKAGE_INSTALL=True pip install crypten "torch<2.9".
"""

import crypten
import crypten.communicator as comm
import torch
from crypten.mpc import run_multiprocess

# Each party's private data: hours worked per week by its 5 employees, and hourly pay.
HOURS = torch.tensor([38.0, 40.0, 22.5, 41.0, 35.0])  # only party 0 knows these
PAY = torch.tensor([21.0, 19.5, 30.0, 25.0, 22.0])  # only party 1 knows these


@run_multiprocess(world_size=2)
def payroll() -> None:
    rank = comm.get().get_rank()
    # A party passes its real data; the other passes a placeholder of the same shape.
    hours = crypten.cryptensor(HOURS if rank == 0 else torch.empty(5), src=0)
    pay = crypten.cryptensor(PAY if rank == 1 else torch.empty(5), src=1)

    # Each party holds random-looking shares; neither sees the other's numbers.
    total_hours = hours.sum()
    wage_bill = (hours * pay).sum()  # a multiplication on shares (Beaver triples)
    average_pay = wage_bill / total_hours

    results = [x.get_plain_text().item() for x in (total_hours, wage_bill, average_pay)]
    if rank == 0:
        print(f"party {rank} sees only the revealed results:")
        print(f"  total hours {results[0]:.2f} (clear {HOURS.sum().item():.2f})")
        print(f"  weekly wage bill {results[1]:.2f} (clear {(HOURS * PAY).sum().item():.2f})")
        print(f"  average hourly pay {results[2]:.3f} (clear {((HOURS * PAY).sum() / HOURS.sum()).item():.3f})")
        print("  small differences come from CrypTen's fixed-point encoding")


if __name__ == "__main__":
    crypten.init()
    payroll()
