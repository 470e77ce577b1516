"""The PyTorch side of src/bench/compare-pytorch.sh: the same three workloads `sparkgan bench`
times, on the same shapes, batch sizes, optimizers and thread count, in milliseconds per iteration.

  mnist-mlp    one standalone GAN iteration (L = 1, non-saturating) of the MD-GAN paper's MNIST MLP:
               G 100-512-512-784 (ReLU, tanh), D 784-512-512-1 (leaky ReLU 0.2), b = 100
  dcgan-mnist  the same iteration with the dcgan-mnist preset's networks: G dense 100 -> 7x7x128,
               batch norm, ReLU, transposed conv 4x4/2 to 64 channels, batch norm, ReLU, transposed
               conv 4x4/2 to 1 channel, tanh; D conv 4x4/2 to 64, leaky ReLU, conv 4x4/2 to 128,
               leaky ReLU, dense to 1; b = 100
  classifier   one training step of the evaluation classifier's LeNet (conv 5x5x20, max pool 2,
               conv 5x5x50, max pool 2, dense 500, softmax 10; Adam 1e-3), b = 64

An iteration does what the Java one does: G forward on b latent rows; D forward and backward on the
2b rows of [real; fake] and an Adam step; D forward on the fake rows and backward to the samples
only (D's parameters frozen), then G backward and an Adam step. Real rows come from a fixed pool of
2,000 uniform rows, as in the Java bench.

Usage: /usr/bin/python3 src/bench/pytorch_iterations.py WORKLOAD [--threads N] [--iterations N] [--warmup N]
Prints one line: "<workload> <ms per iteration> ms (torch <version>, <threads> threads)".
"""
import argparse
import os
import sys
import time

# OpenBLAS (Debian's torch multiplies through it) sizes its thread pool when loaded, from the environment.
_threads = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv else "1"
os.environ["OMP_NUM_THREADS"] = _threads
os.environ["OPENBLAS_NUM_THREADS"] = _threads

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def mlp_pair():
    g = nn.Sequential(nn.Linear(100, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 784), nn.Tanh())
    d = nn.Sequential(nn.Linear(784, 512), nn.LeakyReLU(0.2), nn.Linear(512, 512), nn.LeakyReLU(0.2), nn.Linear(512, 1))
    return g, d


class Reshape(nn.Module):
    def __init__(self, *shape):
        super().__init__()
        self.shape = shape

    def forward(self, x):
        return x.reshape(x.shape[0], *self.shape)


def dcgan_pair():
    g = nn.Sequential(
        nn.Linear(100, 7 * 7 * 128), nn.BatchNorm1d(7 * 7 * 128), nn.ReLU(), Reshape(128, 7, 7),
        nn.ConvTranspose2d(128, 64, 4, stride=2, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.ConvTranspose2d(64, 1, 4, stride=2, padding=1), nn.Tanh(), Reshape(784))
    d = nn.Sequential(
        Reshape(1, 28, 28), nn.Conv2d(1, 64, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
        nn.Conv2d(64, 128, 4, stride=2, padding=1), nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(128 * 7 * 7, 1))
    return g, d


def lenet():
    return nn.Sequential(
        Reshape(1, 28, 28), nn.Conv2d(1, 20, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(20, 50, 5), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Flatten(),
        nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, 10))


def gan_iteration(g, d, opt_g, opt_d, pool, b, gen):
    z = torch.randn(b, 100, generator=gen)
    fake = g(z)
    real = pool[torch.randint(0, pool.shape[0], (b,), generator=gen)]
    out = d(torch.cat([real, fake.detach()]))
    loss_d = F.softplus(-out[:b]).mean() + F.softplus(out[b:]).mean()
    opt_d.zero_grad(set_to_none=True)
    loss_d.backward()
    opt_d.step()
    for p in d.parameters():
        p.requires_grad_(False)
    loss_g = F.softplus(-d(fake)).mean()
    opt_g.zero_grad(set_to_none=True)
    loss_g.backward()
    opt_g.step()
    for p in d.parameters():
        p.requires_grad_(True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workload", choices=["mnist-mlp", "dcgan-mnist", "classifier"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--iterations", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    gen = torch.Generator().manual_seed(2)
    pool = torch.rand(2000, 784, generator=gen) * 2 - 1
    if a.workload == "classifier":
        net = lenet()
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        labels = torch.randint(0, 10, (2000,), generator=gen)

        def one():
            idx = torch.randint(0, 2000, (64,), generator=gen)
            loss = F.cross_entropy(net(pool[idx]), labels[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    else:
        g, d = mlp_pair() if a.workload == "mnist-mlp" else dcgan_pair()
        opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
        opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))

        def one():
            gan_iteration(g, d, opt_g, opt_d, pool, 100, gen)
    for _ in range(a.warmup):
        one()
    t0 = time.perf_counter()
    for _ in range(a.iterations):
        one()
    ms = (time.perf_counter() - t0) / a.iterations * 1e3
    print(f"{a.workload} {ms:.2f} ms (torch {torch.__version__}, {torch.get_num_threads()} threads)")


if __name__ == "__main__":
    main()
