#!/usr/bin/env python3
"""Tokenizer throughput: the Go engine against HF `tokenizers`, single-threaded, in one run.

For each tokenizer (BERT WordPiece, byte-level BPE from RoBERTa and GPT-2, T5 Unigram, and the
dashboard's own clinical tokenizers when present) it encodes the parity corpus (every "text"
and "pair" of .cache/parity/corpus.jsonl, ~4.4k texts, ~1.8 MB of clinical/biomedical text):

  go          bench/tokenizer/main.go: Tokenizer.Encode (ids + tokens + offsets), one goroutine
  go batch    the same with one Tokenizer.EncodeBatch call per pass (all cores; wall clock only)
  sugarme     github.com/sugarme/tokenizer's EncodeSingle on the same file (bench/tokenizer/sugarme,
              its own module so the product's go.mod does not list it); a file it cannot load
              is reported as such
  hf encode   Tokenizer.encode per text from Python (a single call is single-threaded)
  hf batch    Tokenizer.encode_batch over all texts with RAYON_NUM_THREADS=1

Each is measured --rounds times, interleaved, keeping the fastest run, so that load from other
processes on a shared machine disturbs the result as little as possible; the load average and the
CPU-time throughput are reported too.

and writes a markdown table (stdout and --out) with MB/s (UTF-8 input bytes), tokens/s (special
tokens included) and µs per text. Token totals of Go and HF are compared, so a fast but wrong
engine shows up in the table.

    .venv/bin/python bench/tokenizer/run.py [--min-time 3] [--out .cache/bench/tokenizer.md]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# (manifest name, family) in table order. Catalogue entries are skipped when not built.
DEFAULT_TOKENIZERS = [
    ("bert-base-uncased", "WordPiece (BERT)"),
    ("bert-base-cased", "WordPiece (BERT)"),
    ("catalogue-clinical-wordpiece", "WordPiece (BERT)"),
    ("roberta", "byte-level BPE"),
    ("gpt2", "byte-level BPE"),
    ("catalogue-clinical-bpe", "byte-level BPE"),
    ("t5", "Unigram (T5)"),
    ("catalogue-clinical-unigram", "Unigram (T5)"),
]


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def run_json(cmd: list[str], env: dict | None = None) -> dict:
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env, cwd=REPO)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--min-time", type=float, default=3.0, help="seconds each measurement runs (after a warm-up pass)")
    parser.add_argument("--out", default=os.path.join(REPO, ".cache", "bench", "tokenizer.md"))
    parser.add_argument("--tokenizers", help="comma-separated manifest names (default: the families' representatives)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="measure each implementation this many times, interleaved, and keep the fastest "
                             "(the least disturbed by other load on the machine)")
    parser.add_argument("--tokbench", help="a prebuilt tokbench binary (e.g. from a clean checkout) instead of building one")
    parser.add_argument("--no-batch", action="store_true", help="skip the HF encode_batch measurement")
    parser.add_argument("--no-sugarme", action="store_true",
                        help="skip github.com/sugarme/tokenizer (bench/tokenizer/sugarme, a module of its own)")
    args = parser.parse_args(argv)

    prep = subprocess.run([sys.executable, os.path.join(REPO, "tools", "parity_prepare.py")],
                          check=True, capture_output=True, text=True, cwd=REPO)
    manifest = json.loads(prep.stdout)
    by_name = {t["name"]: t for t in manifest["tokenizers"]}
    corpus = manifest["inputs"]["corpus"]

    wanted = DEFAULT_TOKENIZERS
    if args.tokenizers:
        wanted = [(n, by_name[n]["family"]) for n in args.tokenizers.split(",")]
    wanted = [(n, fam) for n, fam in wanted if n in by_name]

    bin_dir = os.path.join(REPO, ".cache", "bench")
    os.makedirs(bin_dir, exist_ok=True)
    tokbench = args.tokbench
    if not tokbench:
        tokbench = os.path.join(bin_dir, "tokbench")
        subprocess.run(["go", "build", "-o", tokbench, "./bench/tokenizer"], check=True, cwd=REPO)
    sugarme = None
    if not args.no_sugarme:
        sugarme = os.path.join(bin_dir, "sugarmebench")
        subprocess.run(["go", "build", "-o", sugarme, "."], check=True,
                       cwd=os.path.join(REPO, "bench", "tokenizer", "sugarme"), env=dict(os.environ, GOWORK="off"))
    go_version = subprocess.run(["go", "env", "GOVERSION"], check=True, capture_output=True, text=True).stdout.strip()

    hf_env = dict(os.environ, RAYON_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false")
    hf_script = os.path.join(REPO, "bench", "tokenizer", "hf_bench.py")
    rows = []
    for name, fam in wanted:
        path = by_name[name]["path"]
        print(f"bench: {name}", file=sys.stderr)
        go_cmd = [tokbench, "-tokenizer", path, "-corpus", corpus, "-min-time", f"{args.min_time}s"]
        hf_cmd = [sys.executable, hf_script, "--tokenizer", path, "--corpus", corpus, "--min-time", str(args.min_time)]
        best: dict[str, dict] = {}
        for _ in range(max(1, args.rounds)):
            runs = {"go": run_json(go_cmd), "hf": run_json(hf_cmd, hf_env),
                    "go_batch": run_json(go_cmd + ["-batch"])}
            if sugarme:
                try:
                    runs["sugarme"] = run_json([sugarme] + go_cmd[1:])
                except (subprocess.CalledProcessError, ValueError, IndexError) as e:
                    runs["sugarme"] = {"impl": "sugarme", "error": f"crashed: {e}"}
            if not args.no_batch:
                runs["batch"] = run_json(hf_cmd + ["--mode", "batch"], hf_env)
            for impl, res in runs.items():
                if impl not in best or res.get("mb_per_s", 0) > best[impl].get("mb_per_s", 0):
                    best[impl] = res
        go, hf, batch = best["go"], best["hf"], best.get("batch")
        rows.append((name, fam, go, hf, batch, best["go_batch"], best.get("sugarme")))

    first = rows[0][3] if rows else {}
    lines = [
        f"Measured {datetime.date.today().isoformat()} by `bench/tokenizer/run.py` on {os.cpu_count()} cores of "
        f"\"{cpu_model()}\"; {go_version}; HF tokenizers {manifest['tokenizers_version']} "
        f"(Python {first.get('python_version', platform.python_version())}). Corpus: the parity corpus, "
        f"{first.get('texts', 0)} texts, {first.get('bytes', 0) / 1e6:.2f} MB UTF-8 "
        f"({first.get('bytes', 0) / max(1, first.get('texts', 1)):.0f} B/text). All single-threaded; "
        f"tokens include special tokens; ≥{args.min_time:g} s per measurement after a warm-up pass, "
        f"fastest of {max(1, args.rounds)} interleaved rounds. "
        f"Load average at the start: {load_average()}.",
        "",
        "| family | tokenizer | Go MB/s | Go Mtok/s | Go µs/text | HF `encode` MB/s | HF `encode` Mtok/s | "
        "HF `encode_batch` (1 thread) MB/s | Go ÷ HF `encode` | same token count | "
        f"Go `EncodeBatch` ({os.cpu_count()} cores) MB/s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    cpu_lines = [
        "",
        "Per CPU second (process user+system time, so less sensitive to other load on the machine; Go's "
        "includes its GC workers):",
        "",
        "| tokenizer | Go MB/CPU-s | Go B allocated per input byte | HF `encode` MB/CPU-s | "
        "HF `encode_batch` MB/CPU-s | Go ÷ HF `encode` | sugarme MB/CPU-s | Go ÷ sugarme |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, fam, go, hf, batch, go_batch, sug in rows:
        same = "yes" if go["tokens"] == hf["tokens"] else f"**no** (go {go['tokens']}, hf {hf['tokens']})"
        batch_cell = f"{batch['mb_per_s']:.2f}" if batch else "-"
        lines.append(
            f"| {fam} | {name} | {go['mb_per_s']:.2f} | {go['tokens_per_s'] / 1e6:.2f} | {go['us_per_text']:.1f} | "
            f"{hf['mb_per_s']:.2f} | {hf['tokens_per_s'] / 1e6:.2f} | {batch_cell} | "
            f"{go['mb_per_s'] / hf['mb_per_s']:.1f}× | {same} | {go_batch['mb_per_s']:.2f} |"
        )
        batch_cpu = f"{batch['cpu_mb_per_s']:.2f}" if batch else "-"
        if not sug:
            sug_cells = "- | -"
        elif sug.get("error"):
            sug_cells = f"fails: {sug['error'][:80]} | -"
        else:
            differs = "" if sug["tokens"] == go["tokens"] else f" ({sug['tokens']} tokens, ours {go['tokens']})"
            sug_cells = f"{sug['cpu_mb_per_s']:.2f}{differs} | {go['cpu_mb_per_s'] / sug['cpu_mb_per_s']:.0f}×"
        per_byte = go["alloc_bytes_per_text"] * go["texts"] / go["bytes"]
        cpu_lines.append(
            f"| {name} | {go['cpu_mb_per_s']:.2f} | {per_byte:.1f} | {hf['cpu_mb_per_s']:.2f} | {batch_cpu} | "
            f"{go['cpu_mb_per_s'] / hf['cpu_mb_per_s']:.1f}× | {sug_cells} |"
        )
    table = "\n".join(lines + cpu_lines) + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(table)
    with open(os.path.splitext(args.out)[0] + ".json", "w", encoding="utf-8") as f:
        json.dump([{"name": n, "family": fam, "go": go, "hf_encode": hf, "hf_batch": b, "go_batch": gb, "sugarme": sg}
                   for n, fam, go, hf, b, gb, sg in rows], f, indent=1)
    sys.stdout.write(table)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
