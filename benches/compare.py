#!/usr/bin/env python3
"""Side-by-side speed comparison: neurotext's criterion benches beside the reference scripts of
`../shared/bench/` (PyTorch/MKL, PyTorch/oneDNN, scikit-learn), on this machine, in one run.

This is how every ratio in README.md is produced. On a shared machine a single run can be off
by 30 %, so the script runs several *sittings*; each sitting runs both sides back to back (one
job at a time, alternating which side goes first), and each table cell is the median of the
sittings' ratios, with their range.

    python3 benches/compare.py lstm                # LSTM train step and inference, 1 and 2 threads,
                                                   # and each side's GFLOPS against the FMA peak
    python3 benches/compare.py gemm --sittings 5   # f32 GEMM GFLOPS against PyTorch/MKL
    python3 benches/compare.py text                # featurization MB/s against scikit-learn

One-thread runs are pinned to CPU 0 with `taskset` (when it is installed), as the reference
figures are. The reference side needs the venv of `../shared/bench/README.md`
(`--python`, default `~/.ref-venv/bin/python`). Raw outputs are kept under
`target/compare/<kind>-<time>/`; the table goes to stdout.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LSTM_CONFIGS = ["32x50x128x128", "64x100x300x256", "16x200x64x512"]
GEMM_SMALL_SHAPES = [(32, 32, 32), (64, 64, 64)]
GEMM_SHAPES = [
    (128, 128, 128),
    (256, 256, 256),
    (512, 512, 512),
    (1024, 1024, 1024),
    (64, 256, 1024),
    (3200, 300, 1024),
    (1024, 3200, 256),
]
TEXT_CORPORA = {  # our bench id -> featurize_ref.py's corpus name
    "sst2_train": "sst2_train",
    "agnews10k": "agnews_train10k",
    "agnews_x20": "agnews_x20",
}


def bench_executable(name):
    """Builds `cargo bench --bench NAME` and returns the path of its executable."""
    out = subprocess.run(
        ["cargo", "bench", "--bench", name, "--no-run", "--message-format=json"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for line in out.splitlines():
        msg = json.loads(line)
        target = msg.get("target", {})
        if msg.get("reason") == "compiler-artifact" and target.get("name") == name:
            if msg.get("executable") and "bench" in target.get("kind", []):
                return msg["executable"]
    sys.exit(f"compare.py: no executable for bench {name!r}")


def pinned(threads):
    """The command prefix that runs a job on `threads` threads: pinned to CPU 0 for one."""
    if threads == 1 and shutil.which("taskset"):
        return ["taskset", "-c", "0"]
    return []


def run(cmd, log, cwd=ROOT, env=None):
    """Runs `cmd`, writing its stdout and stderr to `log`; returns the combined text."""
    with open(log, "w") as f:
        subprocess.run(cmd, cwd=cwd, env=env, stdout=f, stderr=subprocess.STDOUT, check=True)
    return Path(log).read_text()


def criterion_medians(group):
    """Criterion's median estimate (ns) of every benchmark in `group`, by `group/id`."""
    out = {}
    for est in (ROOT / "target" / "criterion" / group).rglob("new/estimates.json"):
        bench = json.loads((est.parent / "benchmark.json").read_text())
        out[bench["full_id"]] = json.loads(est.read_text())["median"]["point_estimate"]
    return out


def ours(exe, threads, groups, log, filters=()):
    """Runs our bench executable on `threads` threads; returns the medians (ns) of `groups`."""
    for group in groups:
        shutil.rmtree(ROOT / "target" / "criterion" / group, ignore_errors=True)
    env = dict(os.environ, NEUROTEXT_THREADS=str(threads))
    text = run(pinned(threads) + [exe, "--bench", "--noplot", *filters], log, env=env)
    medians = {}
    for group in groups:
        medians.update(criterion_medians(group))
    return medians, text


def reference(args, script_args, threads, log):
    """Runs a reference script of `--bench-dir`; returns its stdout lines."""
    cmd = pinned(threads) + [args.python, *script_args]
    return run(cmd, log, cwd=args.bench_dir).splitlines()


def table(header, rows):
    """A markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def spread(ratios):
    """`median× (min–max)` of the sittings' ratios."""
    med = statistics.median(ratios)
    if len(ratios) == 1:
        return f"{med:.2f}×"
    return f"{med:.2f}× ({min(ratios):.2f}–{max(ratios):.2f})"


def sittings(args, one_sitting):
    """Runs `one_sitting(index, ours_first)` `args.sittings` times; returns the results."""
    results = []
    for s in range(args.sittings):
        print(f"sitting {s + 1}/{args.sittings} ({datetime.datetime.now():%H:%M:%S})", file=sys.stderr)
        results.append(one_sitting(s, s % 2 == 0))
    return results


def back_to_back(ours_first, run_ours, run_ref):
    """Runs both sides, one after the other in the order given; returns (ours, reference)."""
    if ours_first:
        mine = run_ours()
        return mine, run_ref()
    theirs = run_ref()
    return run_ours(), theirs


def lstm_flops(config, direction):
    """Floating-point operations of an LSTM forward pass and of a training step, counting only
    the products (a multiply-add is two): the forward does the input projections and the
    recurrent product, 2·T·B·4H·(I + H) per direction; a training step three times that (the
    backward's ∂h, ∂W_hh, ∂W_ih and ∂X are as much again, twice). The gate arithmetic is left
    out: it is under a tenth of the time on both sides."""
    b, t, i, h = (int(v) for v in config.split("x"))
    forward = 8 * t * b * h * (i + h) * (2 if direction == "bi" else 1)
    return forward, 3 * forward


def fma_peak(log):
    """GFLOPS per thread of `examples/fma_peak.rs` ({threads: rate}); empty without AVX2."""
    subprocess.run(["cargo", "build", "--release", "--example", "fma_peak"], cwd=ROOT, check=True,
                   capture_output=True)
    text = run([str(ROOT / "target" / "release" / "examples" / "fma_peak")], log)
    return {int(p[1]): float(p[2]) for p in (line.split() for line in text.splitlines())
            if len(p) == 3 and p[0] == "peak_gflops"}


def rate_table(args, results, peaks):
    """Each side's median GFLOPS beside the machine's measured peak, and the largest speed-up
    over PyTorch that the peak leaves possible (peak / PyTorch's rate)."""
    rows = []
    for t in args.threads:
        peak = peaks.get(t) or peaks.get(max(peaks, default=1))
        for c in LSTM_CONFIGS:
            for d in ("uni", "bi"):
                row = [c.replace("x", "×"), d, str(t)]
                forward, train = lstm_flops(c, d)
                # The reference's pair is (training ms, inference ms).
                for flops, ref_idx, group in ((train, 0, "lstm_train_step"), (forward, 1, "lstm_infer")):
                    ref_ms = statistics.median(r[t][1][(d, c)][ref_idx] for r in results)
                    our_ms = statistics.median(r[t][0][f"{group}/{d}/{c}"] / 1e6 for r in results)
                    ref_g, our_g = flops / ref_ms / 1e6, flops / our_ms / 1e6
                    row += [f"{ref_g:.0f}", f"{our_g:.0f}"]
                    if peak:
                        total = peak * t
                        row += [f"{100 * our_g / total:.0f} %", f"{total / ref_g:.2f}×"]
                    else:
                        row += ["–", "–"]
                rows.append(row)
    note = ", ".join(f"{t} thread(s) {p * t:.0f}" for t, p in sorted(peaks.items())) or "not measured"
    return table(
        ["B×T×I×H", "direction", "threads", "train: PyTorch GFLOPS", "neurotext GFLOPS",
         "of peak", "most possible", "inference: PyTorch GFLOPS", "neurotext GFLOPS", "of peak",
         "most possible"],
        rows,
    ) + f"\n\nFMA peak (examples/fma_peak.rs, best of the runs before and after), GFLOPS: {note}"


def compare_lstm(args, out):
    exe = bench_executable("bptt")
    peaks = [fma_peak(out / "peak_before.log")]

    def one(s, ours_first):
        res = {}
        for t in args.threads:
            medians, lines = back_to_back(
                ours_first,
                lambda: ours(exe, t, ["lstm_train_step", "lstm_infer"], out / f"ours_{t}t_{s}.log")[0],
                lambda: reference(args, ["lstm_ref.py", str(t), "10"], t, out / f"ref_{t}t_{s}.log"),
            )
            ref = {}
            for line in lines:
                p = line.split("\t")
                if len(p) == 11 and p[0].isdigit():
                    d = "bi" if p[5] == "1" else "uni"
                    ref[(d, "x".join(p[1:5]))] = (float(p[6]), float(p[8]))
            res[t] = (medians, ref)
        return res

    results = sittings(args, one)
    peaks.append(fma_peak(out / "peak_after.log"))
    peak = {t: max(p.get(t, 0.0) for p in peaks) for t in set().union(*peaks)}
    rows = []
    for t in args.threads:
        for c in LSTM_CONFIGS:
            for d in ("uni", "bi"):
                row = [c.replace("x", "×"), d, str(t)]
                for idx, group in ((0, "lstm_train_step"), (1, "lstm_infer")):
                    ref_ms = [r[t][1][(d, c)][idx] for r in results]
                    our_ms = [r[t][0][f"{group}/{d}/{c}"] / 1e6 for r in results]
                    ratios = [a / b for a, b in zip(ref_ms, our_ms)]
                    row += [f"{statistics.median(ref_ms):.1f}", f"{statistics.median(our_ms):.1f}", spread(ratios)]
                rows.append(row)
    return table(
        ["B×T×I×H", "direction", "threads", "train: PyTorch ms", "neurotext ms", "speed-up",
         "inference: PyTorch ms", "neurotext ms", "speed-up"],
        rows,
    ) + "\n\n" + rate_table(args, results, peak)


def compare_gemm(args, out):
    exe = bench_executable("matmul")

    def one(s, ours_first):
        res = {}
        for t in args.threads:
            medians, lines = back_to_back(
                ours_first,
                lambda: ours(exe, t, ["matmul"], out / f"ours_{t}t_{s}.log")[0],
                lambda: reference(args, ["gemm_ref.py", "torch", str(t)], t, out / f"ref_{t}t_{s}.log"),
            )
            ref = {}
            for line in lines:
                p = line.split("\t")
                if len(p) >= 6 and p[0] == "torch":
                    ref[tuple(int(v) for v in p[2:5])] = float(p[5])
            res[t] = (medians, ref)
        return res

    results = sittings(args, one)
    rows = []
    for t in args.threads:
        # gemm_ref.py starts at 128³; the bench's smaller sizes are compared with nalgebra only.
        for m, k, n in GEMM_SMALL_SHAPES + GEMM_SHAPES:
            flops = 2.0 * m * k * n
            key = f"{m}x{k}x{n}"
            ours_gf = [flops / r[t][0][f"matmul/neurotext/{key}"] for r in results]
            nalg_gf = [flops / r[t][0][f"matmul/nalgebra/{key}"] for r in results]
            ref_gf = [r[t][1].get((m, k, n)) for r in results]
            has_ref = all(g is not None for g in ref_gf)
            rows.append([
                f"{m}×{k}×{n}", str(t),
                f"{statistics.median(ours_gf):.1f}", f"{statistics.median(nalg_gf):.1f}",
                f"{statistics.median(ref_gf):.1f}" if has_ref else "—",
                spread([a / b for a, b in zip(ours_gf, ref_gf)]) if has_ref else "—",
                spread([a / b for a, b in zip(ours_gf, nalg_gf)]),
            ])
    return table(
        ["m×k×n", "threads", "neurotext GFLOPS", "nalgebra `*`", "PyTorch/MKL",
         "neurotext / MKL", "neurotext / nalgebra"],
        rows,
    )


def compare_text(args, out):
    exe = bench_executable("text")
    line_re = re.compile(r"^(featurize|featurize_parallel)/(\w+): .* ([\d.]+) MB/s")

    def one(s, ours_first):
        def run_ours():
            # One thread pinned to CPU 0 as scikit-learn is; the parallel group runs apart.
            one = run(pinned(1) + [exe, "--bench", "--noplot", "^featurize/"], out / f"ours_{s}.log")
            two = run([exe, "--bench", "--noplot", "^featurize_parallel/"], out / f"ours_parallel_{s}.log")
            return {(m.group(1), m.group(2)): float(m.group(3))
                    for m in map(line_re.match, (one + two).splitlines()) if m}

        def run_ref():
            ref = {}
            for line in reference(args, ["featurize_ref.py"], 1, out / f"ref_{s}.log"):
                p = line.split("\t")
                if len(p) == 9 and p[1].isdigit():
                    ref[p[0]] = float(p[8])
            return ref

        mine, theirs = back_to_back(ours_first, run_ours, run_ref)
        if not mine:
            sys.exit("compare.py: the text bench measured nothing (is ../shared/data there?)")
        return mine, theirs

    results = sittings(args, one)
    rows = []
    for ours_id, ref_id in TEXT_CORPORA.items():
        ref = [r[1][ref_id] for r in results]
        our = [r[0][("featurize", ours_id)] for r in results]
        two = [r[0][("featurize_parallel", ours_id)] for r in results]
        rows.append([ours_id, f"{statistics.median(ref):.2f}", f"{statistics.median(our):.1f}",
                     spread([a / b for a, b in zip(our, ref)]), f"{statistics.median(two):.1f}"])
    return table(["corpus", "scikit-learn MB/s (1 thread)", "neurotext MB/s, 1 thread", "ratio",
                  "neurotext MB/s, 2 threads"], rows)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kind", choices=["lstm", "gemm", "text"])
    p.add_argument("--sittings", type=int, default=3, help="sittings to take the median over (default 3)")
    p.add_argument("--threads", type=lambda s: [int(v) for v in s.split(",")], default=[1, 2],
                   help="thread counts, comma-separated (default 1,2; text always runs on 1)")
    p.add_argument("--python", default=os.path.expanduser("~/.ref-venv/bin/python"),
                   help="the reference venv's python (default ~/.ref-venv/bin/python)")
    p.add_argument("--bench-dir", default=str(ROOT.parent / "shared" / "bench"),
                   help="the reference scripts (default ../shared/bench)")
    args = p.parse_args()
    if not Path(args.python).exists():
        sys.exit(f"compare.py: no python at {args.python}; set up the venv of {args.bench_dir}/README.md")
    if not Path(args.bench_dir).is_dir():
        sys.exit(f"compare.py: no reference scripts at {args.bench_dir}")
    out = ROOT / "target" / "compare" / f"{args.kind}-{datetime.datetime.now():%Y%m%d-%H%M%S}"
    out.mkdir(parents=True, exist_ok=True)
    started = datetime.datetime.now(datetime.timezone.utc)
    result = {"lstm": compare_lstm, "gemm": compare_gemm, "text": compare_text}[args.kind](args, out)
    ended = datetime.datetime.now(datetime.timezone.utc)
    print(result)
    print(f"\n{args.sittings} sitting(s), {started:%Y-%m-%d %H:%M}–{ended:%H:%M} UTC; raw output in {out}")


if __name__ == "__main__":
    main()
