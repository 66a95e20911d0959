"""``python -m civicgrid.demo OUT_DIR [--seed 2026] [--scale 1.0]``: write the synthetic demo city."""

from __future__ import annotations

import argparse
import time

from civicgrid.demo import generate_demo_city


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; prints the folder and the time taken."""
    ap = argparse.ArgumentParser(prog="python -m civicgrid.demo", description=__doc__)
    ap.add_argument("out_dir")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--scale", type=float, default=1.0)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    out = generate_demo_city(args.out_dir, seed=args.seed, scale=args.scale)
    print(f"wrote {out} in {time.perf_counter() - t0:.1f} s (SYNTHETIC DEMO DATA — not real records)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
