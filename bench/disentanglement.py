"""Disentanglement on the generated shapes: MIG of a β-VAE against a VAE (β = 1), side by side.

    python -m bench.disentanglement                       # β = 1 and β = 4, 10 latent dimensions
    python -m bench.disentanglement --betas 1,2,4,8 --epochs 20

Each model trains on the 30,000 shapes pictures (vae/data/shapes.py) with the same recipe
and seed; only β differs. MIG (vae/analysis/disentanglement.py) is scored on the 3,000 test
pictures' latent means against the five factors that drew them. Printed with the machine;
appended to bench/results/disentanglement.jsonl.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time

import vae
from bench.common import conditions, table
from bench.train import RESULTS
from vae.analysis.disentanglement import mig
from vae.analysis.projections import kl_per_dimension
from vae.data.shapes import FACTORS, make_shapes


def score(beta: float, args, data) -> dict:
    config = vae.TrainConfig(
        dataset="shapes",
        latent_dim=args.latent_dim,
        beta=beta,
        epochs=args.epochs,
        kl_warmup_epochs=min(args.epochs / 4, 5.0),  # as the bundled 16-D models: no early collapse
        seed=args.seed,
    )
    started = time.perf_counter()
    model = vae.train(config, data)
    seconds = time.perf_counter() - started
    means, log_vars = model.encode(data.x_test)
    total, gaps = mig(means, data.factors_test)
    active = int((kl_per_dimension(means, log_vars) > 0.01).sum())
    return {
        "beta": beta,
        "mig": round(total, 4),
        "gaps": {name: round(float(gap), 4) for name, gap in zip(FACTORS, gaps, strict=True)},
        "active_dimensions": active,
        "test_nelbo": round(model.metrics["test_nelbo"], 2),
        "seconds": round(seconds, 1),
        "config": dataclasses.asdict(config),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.disentanglement", description=__doc__.split("\n")[0])
    parser.add_argument("--betas", default="1,4", help="comma-separated β values, trained one after another")
    parser.add_argument("--latent-dim", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="3,000 pictures, 1 epoch: that it runs, not what it finds")
    args = parser.parse_args(argv)
    print(conditions())
    data = make_shapes(3_000, 1_000) if args.quick else make_shapes()
    args.epochs = 1 if args.quick else args.epochs
    print(f"data: {data.source}; factors {', '.join(FACTORS)}; {args.latent_dim}-D, {args.epochs} epochs\n")
    rows = []
    for beta in (float(b) for b in args.betas.split(",")):
        result = score(beta, args, data)
        rows.append(result)
        print(
            f"β = {beta:g}: MIG {result['mig']:.3f} ({', '.join(f'{k} {v:.2f}' for k, v in result['gaps'].items())}), "
            f"{result['active_dimensions']} active, {result['test_nelbo']:.1f} nats, {result['seconds']:.0f} s",
            flush=True,
        )
    print()
    print(
        table(
            [
                (
                    f"{r['beta']:g}",
                    f"{r['mig']:.3f}",
                    *(f"{v:.2f}" for v in r["gaps"].values()),
                    r["active_dimensions"],
                    r["test_nelbo"],
                )
                for r in rows
            ],
            ("β", "MIG", *FACTORS, "active", "NELBO"),
        )
    )
    if args.quick:
        return
    RESULTS.mkdir(exist_ok=True)
    with open(RESULTS / "disentanglement.jsonl", "a") as handle:
        for row in rows:
            handle.write(
                json.dumps({**row, "machine": conditions().splitlines()[0], "at": time.strftime("%Y-%m-%d %H:%M")})
                + "\n"
            )


if __name__ == "__main__":
    main()
