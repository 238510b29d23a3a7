"""network3's shallow and conv nets trained with plain SGD in PyTorch (CPU), for `pnpm bench`.

Reads the initial weights and the MNIST rows the TypeScript harness wrote (raw float32/int32 files,
Hypatia's layouts: FC weights [in, out], conv filters OIHW), trains mini-batch s on rows
s*mb .. s*mb+mb-1 (cycling) exactly as the Hypatia runner does, reading the cost back after every
step, and prints one JSON line: examples per second for each thread count asked for, and the costs
of the first steps (for the same-computation test).

    python3 train.py DIR KIND MB SECONDS WARMUP ROUNDS THREADS[,THREADS...] [COSTS]

With HYPATIA_BENCH_CLOCK=cpu the rounds are timed in process CPU time instead of wall time: on a
loaded machine that is the steadier figure for one thread (and means nothing for two).
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

ETA = 0.1
CLOCK = time.process_time if os.environ.get("HYPATIA_BENCH_CLOCK") == "cpu" else time.perf_counter


def load(directory, kind):
    meta = json.load(open(f"{directory}/meta.json"))
    params = [torch.from_numpy(np.fromfile(f"{directory}/param{i}.f32", dtype=np.float32).reshape(shape))
              for i, shape in enumerate(meta["shapes"][kind])]
    n = meta["nTrain"]
    x = torch.from_numpy(np.fromfile(f"{directory}/trainX.f32", dtype=np.float32)[: n * 784].reshape(n, 784))
    y = torch.from_numpy(np.fromfile(f"{directory}/trainY.i32", dtype=np.int32)[:n].astype(np.int64))
    return params, x, y


def logits(kind, p, x):
    if kind == "shallow":
        h = torch.sigmoid(x @ p[0] + p[1])
        return h @ p[2] + p[3]
    n = x.shape[0]
    conv = F.conv2d(x.reshape(n, 1, 28, 28), p[0])  # [n, 20, 24, 24]
    a = torch.sigmoid(F.max_pool2d(conv, 2) + p[1].reshape(1, -1, 1, 1))
    h = torch.sigmoid(a.reshape(n, -1) @ p[2] + p[3])  # channel-major flattening, as Hypatia's
    return h @ p[4] + p[5]


def train(kind, mb, params, x, y, seconds, warmup, rounds, costs_wanted):
    p = [q.clone().requires_grad_(True) for q in params]
    batches = x.shape[0] // mb
    costs = []
    step_index = [0]

    def step():
        b = step_index[0] % batches
        step_index[0] += 1
        cost = F.cross_entropy(logits(kind, p, x[b * mb:(b + 1) * mb]), y[b * mb:(b + 1) * mb])
        grads = torch.autograd.grad(cost, p)
        with torch.no_grad():
            for w, g in zip(p, grads):
                w.sub_(g, alpha=ETA)
        c = cost.item()
        if len(costs) < costs_wanted:
            costs.append(c)

    for _ in range(warmup):
        step()
    per_round = seconds / rounds
    rates = []
    for _ in range(rounds):
        t0 = CLOCK()
        calls = 0
        while True:
            step()
            calls += 1
            if CLOCK() - t0 >= per_round:
                break
        rates.append(calls * mb / (CLOCK() - t0))
    rates.sort()
    return rates[len(rates) // 2], costs


def main():
    directory, kind, mb, seconds, warmup, rounds, threads = sys.argv[1:8]
    costs_wanted = int(sys.argv[8]) if len(sys.argv) > 8 else 0
    params, x, y = load(directory, kind)
    result = {"torch": torch.__version__, "rates": {}, "costs": []}
    for t in [int(v) for v in threads.split(",")]:
        torch.set_num_threads(t)
        rate, costs = train(kind, int(mb), params, x, y, float(seconds), int(warmup), int(rounds), costs_wanted)
        result["rates"][str(t)] = rate
        result["costs"] = result["costs"] or costs
    print(json.dumps(result))


if __name__ == "__main__":
    main()
