"""The LSTM training step of bench/lstm.ts in PyTorch (CPU): nn.LSTM, a linear map to the classes,
cross-entropy over every step, backward, plain SGD, with the weights and data the TypeScript harness
wrote (raw float32/int32 files; PyTorch's own layouts). Prints one JSON line: steps per second for
each thread count asked for (median of timed rounds, as bench/lib/timing.ts measures) and the costs
of the first two steps (the harness compares them with Hypatia's: the same computation).

    python3 lstm.py DIR T B NIN H V SECONDS WARMUP ROUNDS THREADS[,THREADS...]
"""
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

ETA = 0.1


def main():
    d = sys.argv[1]
    T, B, n_in, H, V = (int(a) for a in sys.argv[2:7])
    seconds, warmup, rounds = float(sys.argv[7]), int(sys.argv[8]), int(sys.argv[9])
    threads = [int(t) for t in sys.argv[10].split(",")]
    f32 = lambda name, shape: torch.from_numpy(np.fromfile(f"{d}/{name}.f32", dtype=np.float32).reshape(shape))
    x = f32("x", (T, B, n_in))
    y = torch.from_numpy(np.fromfile(f"{d}/y.i32", dtype=np.int32).astype(np.int64))
    out = {"rates": {}, "firstCosts": None}
    for n in threads:
        torch.set_num_threads(n)
        lstm = torch.nn.LSTM(n_in, H)
        with torch.no_grad():
            lstm.weight_ih_l0.copy_(f32("weight_ih", (4 * H, n_in)))
            lstm.weight_hh_l0.copy_(f32("weight_hh", (4 * H, H)))
            lstm.bias_ih_l0.copy_(f32("bias_ih", (4 * H,)))
            lstm.bias_hh_l0.copy_(f32("bias_hh", (4 * H,)))
        w_out = f32("w_out", (H, V)).clone().requires_grad_(True)
        b_out = f32("b_out", (V,)).clone().requires_grad_(True)
        params = list(lstm.parameters()) + [w_out, b_out]

        def step():
            hs, _ = lstm(x)
            logits = hs.reshape(-1, H) @ w_out + b_out
            loss = F.cross_entropy(logits, y)
            for p in params:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in params:
                    p -= ETA * p.grad
            return loss.item()

        first = [step(), step()]
        if out["firstCosts"] is None:
            out["firstCosts"] = first
        for _ in range(max(0, warmup - 2)):
            step()
        per_round = seconds / rounds
        rates = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            calls = 0
            while True:
                step()
                calls += 1
                if time.perf_counter() - t0 >= per_round:
                    break
            rates.append(calls / (time.perf_counter() - t0))
        rates.sort()
        out["rates"][str(n)] = rates[len(rates) // 2]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
