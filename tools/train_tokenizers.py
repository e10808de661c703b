#!/usr/bin/env python3
"""Trains small tokenizers with HF `tokenizers` so parity tests exercise every engine component.

The published tokenizers in ../shared/tokenizers cover only a few pipelines (BERT WordPiece,
byte-level BPE, T5 Unigram). The specs below train a handful of small models on the parity
corpus and assemble them into tokenizer.json files that combine the *other* options the HF
format allows: BPE with continuing_subword_prefix / end_of_word_suffix / byte_fallback /
fuse_unk, Unigram with byte_fallback, WordLevel, WordPiece; the normalizers, pre-tokenizers,
post-processors and decoders listed in each spec; added tokens with single_word / lstrip /
rstrip / normalized=false.

Training is deterministic (fixed vocab sizes, fixed corpus order, one rayon thread, and only
trainers that break ties reproducibly; see "base models" below) and the output is cached: nothing is retrained while this script, the corpus and the tokenizers version
are unchanged. Outputs go to the build dir with a manifest.json listing them.

    .venv/bin/python tools/train_tokenizers.py --corpus .cache/parity/corpus.jsonl \
        --out .cache/parity/tokenizers/trained
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

# One rayon thread keeps training order-independent and reproducible; must precede the import.
os.environ.setdefault("RAYON_NUM_THREADS", "1")

import tokenizers  # noqa: E402
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import buildcache  # noqa: E402

# Every trained vocabulary gets these, so any post-processor below can refer to them.
SPECIAL_TOKENS = ["<unk>", "<s>", "</s>", "<pad>", "<mask>", "[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"]
BYTE_TOKENS = [f"<0x{b:02X}>" for b in range(256)]

# The GPT-2 split pattern and the Llama-3 one: both need look-ahead, case-insensitive groups and
# Unicode classes, which Go's regexp lacks, so they test the engine's regex translation.
GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
LLAMA3_PATTERN = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
    r"""|\s*[\r\n]+|\s+(?!\S)|\s+"""
)
SPLIT_BEHAVIOURS = ["removed", "isolated", "merged_with_previous", "merged_with_next", "contiguous"]


def corpus_texts(path: str) -> list[str]:
    texts = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            texts.append(rec["text"])
            if "pair" in rec:
                texts.append(rec["pair"])
    return texts


# --- base models ----------------------------------------------------------------------------------
# HF's trainers break ties by hash-map order in some configurations: continuing_subword_prefix
# and WordPiece training number the "##x" alphabet in hash order, end_of_word_suffix numbers its
# alphabet that way, and the Unigram trainer's EM sums floats in hash order. Only the trainers
# observed to be reproducible run here (plain BPE, ByteLevel BPE, WordLevel, and BPE with a
# suffix whose ids we renumber); the other vocabularies are derived from them deterministically.
# The derived models are still ordinary HF models, built and serialised by HF itself.


def train(model: models.Model, trainer: trainers.Trainer, texts: list[str], pre: pre_tokenizers.PreTokenizer,
          norm: normalizers.Normalizer | None = None) -> Tokenizer:
    tok = Tokenizer(model)
    tok.pre_tokenizer = pre
    if norm is not None:
        tok.normalizer = norm
    tok.train_from_iterator(texts, trainer=trainer)
    return tok


def model_json(tok: Tokenizer) -> dict:
    return json.loads(tok.to_str())["model"]


def merge_pairs(m: dict) -> list[tuple[str, str]]:
    # tokenizer.json holds merges either as "a b" strings (old) or [a, b] lists (new).
    return [tuple(x) if isinstance(x, list) else tuple(x.split(" ", 1)) for x in m["merges"]]


def canonical_bpe_vocab(vocab: dict[str, int], merges: list[tuple[str, str]], prefix: str = "") -> dict[str, int]:
    """Renumbers a BPE vocabulary: specials, then the alphabet sorted, then tokens in merge order."""
    products = [a + (b[len(prefix):] if prefix else b) for a, b in merges]
    produced = set(products)
    order = [t for t in SPECIAL_TOKENS if t in vocab]
    order += sorted(t for t in vocab if t not in produced and t not in SPECIAL_TOKENS)
    order += [t for t in dict.fromkeys(products) if t in vocab and t not in SPECIAL_TOKENS]
    order += sorted(set(vocab) - set(order))
    return {t: i for i, t in enumerate(order)}


def trained_bpe(texts: list[str], pre: pre_tokenizers.PreTokenizer, vocab_size: int = 2000, **trainer_opts) -> dict:
    model_opts = {k: v for k, v in trainer_opts.items() if k == "end_of_word_suffix"}
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2, special_tokens=SPECIAL_TOKENS,
                                  show_progress=False, **trainer_opts)
    m = model_json(train(models.BPE(unk_token="<unk>", **model_opts), trainer, texts, pre))
    merges = merge_pairs(m)
    return {"type": "BPE", "vocab": canonical_bpe_vocab(m["vocab"], merges), "merges": merges,
            "unk_token": "<unk>", **model_opts}


def prefixed_bpe(plain: dict, prefix: str = "##") -> dict:
    """BPE with continuing_subword_prefix from a plain BPE: every merge (a, b) becomes
    (a, ##b) -> ab for word starts and (##a, ##b) -> ##ab inside words, in the same rank order."""
    base = [t for t in plain["vocab"] if t not in SPECIAL_TOKENS]
    vocab = {t: i for i, t in enumerate(SPECIAL_TOKENS)}
    for t in base:
        vocab.setdefault(t, len(vocab))
        vocab.setdefault(prefix + t, len(vocab))
    merges = []
    for a, b in plain["merges"]:
        merges += [(a, prefix + b), (prefix + a, prefix + b)]
    return {"type": "BPE", "vocab": vocab, "merges": merges, "unk_token": "[UNK]", "continuing_subword_prefix": prefix}


def wordpiece_from_bpe(plain: dict, prefix: str = "##") -> dict:
    """A WordPiece vocabulary holding each plain-BPE token as a word start and as a continuation."""
    vocab = {t: i for i, t in enumerate(SPECIAL_TOKENS)}
    for t in plain["vocab"]:
        if t not in SPECIAL_TOKENS:
            vocab.setdefault(t, len(vocab))
            vocab.setdefault(prefix + t, len(vocab))
    return {"type": "WordPiece", "vocab": vocab, "unk_token": "[UNK]", "continuing_subword_prefix": prefix}


def unigram_from_bpe(plain: dict, texts: list[str], pre: pre_tokenizers.PreTokenizer) -> dict:
    """A Unigram model over a BPE vocabulary, each piece scored by its smoothed log frequency
    in the BPE segmentation of the corpus (a deterministic stand-in for EM training)."""
    tok = Tokenizer(models.BPE(vocab=plain["vocab"], merges=plain["merges"], unk_token="<unk>"))
    tok.pre_tokenizer = pre
    counts = {t: 0 for t in plain["vocab"]}
    for enc in tok.encode_batch(texts, add_special_tokens=False):
        for t in enc.tokens:
            counts[t] += 1
    total = sum(counts.values()) + len(counts)
    pieces = [(t, 0.0) for t in SPECIAL_TOKENS]
    pieces += [(t, round(math.log((counts[t] + 1) / total), 6)) for t in plain["vocab"] if t not in SPECIAL_TOKENS]
    return {"type": "Unigram", "vocab": pieces, "unk_id": SPECIAL_TOKENS.index("<unk>")}


def trained_wordlevel(texts: list[str]) -> dict:
    trainer = trainers.WordLevelTrainer(vocab_size=6000, min_frequency=2, special_tokens=SPECIAL_TOKENS, show_progress=False)
    pre = pre_tokenizers.Sequence([pre_tokenizers.Whitespace(), pre_tokenizers.Digits(individual_digits=True)])
    m = model_json(train(models.WordLevel(unk_token="[UNK]"), trainer, texts, pre, normalizers.Lowercase()))
    return {"type": "WordLevel", "vocab": m["vocab"], "unk_token": "[UNK]"}


class Bases:
    """Trains or derives each base vocabulary at most once, on first use."""

    def __init__(self, texts: list[str]):
        metaspace = pre_tokenizers.Metaspace(prepend_scheme="first")
        self._cache: dict[str, dict] = {}
        self._makers: dict[str, Callable[[], dict]] = {
            "bpe": lambda: trained_bpe(texts, pre_tokenizers.Whitespace()),
            "bpe_eow": lambda: trained_bpe(texts, pre_tokenizers.Whitespace(), end_of_word_suffix="</w>"),
            "bpe_prefix": lambda: prefixed_bpe(self.get("bpe")),
            # A small alphabet leaves many characters to byte fallback / unk.
            "bpe_metaspace": lambda: trained_bpe(texts, metaspace, limit_alphabet=120),
            "bytelevel": lambda: trained_bpe(texts, pre_tokenizers.ByteLevel(add_prefix_space=True), vocab_size=3000,
                                             initial_alphabet=pre_tokenizers.ByteLevel.alphabet()),
            "unigram": lambda: unigram_from_bpe(self.get("bpe_metaspace"), texts, metaspace),
            "wordlevel": lambda: trained_wordlevel(texts),
            "wordpiece": lambda: wordpiece_from_bpe(self.get("bpe")),
        }

    def get(self, name: str) -> dict:
        if name not in self._cache:
            print(f"train_tokenizers: building base vocabulary {name}", file=sys.stderr)
            self._cache[name] = self._makers[name]()
        return self._cache[name]

    def model(self, name: str, **overrides) -> models.Model:
        """A fresh HF model over base vocabulary `name` with the given options. An override of
        None removes an option (e.g. unk_token=None)."""
        base = self.get(name)
        opts = {k: v for k, v in base.items() if k not in ("type", "vocab", "merges", "unk_id")}
        opts.update(overrides)
        opts = {k: v for k, v in opts.items() if v is not None}
        kind = base["type"]
        if kind == "BPE":
            vocab = dict(base["vocab"])
            if opts.get("byte_fallback"):
                for t in BYTE_TOKENS:
                    vocab.setdefault(t, len(vocab))
            return models.BPE(vocab=vocab, merges=list(base["merges"]), **opts)
        if kind == "Unigram":
            pieces = list(base["vocab"])
            if opts.get("byte_fallback"):
                known = {p for p, _ in pieces}
                pieces += [(t, 0.0) for t in BYTE_TOKENS if t not in known]
            return models.Unigram(pieces, base["unk_id"], opts.get("byte_fallback", False))
        if kind == "WordLevel":
            return models.WordLevel(vocab=base["vocab"], **opts)
        if kind == "WordPiece":
            return models.WordPiece(vocab=base["vocab"], **opts)
        raise ValueError(f"unknown model type {kind}")


# --- pipeline helpers ----------------------------------------------------------------------------


def template(tok: Tokenizer, single: str, pair: str) -> processors.TemplateProcessing:
    names = {w.split(":")[0] for w in (single + " " + pair).split() if not w.startswith("$")}
    return processors.TemplateProcessing(single=single, pair=pair, special_tokens=[(n, tok.token_to_id(n)) for n in sorted(names)])


def bert_processing(tok: Tokenizer) -> processors.BertProcessing:
    return processors.BertProcessing(("[SEP]", tok.token_to_id("[SEP]")), ("[CLS]", tok.token_to_id("[CLS]")))


@dataclass
class Spec:
    """One trained tokenizer: its name, which base model it uses, and how to assemble it."""

    name: str
    family: str
    features: str
    build: Callable[[Bases], Tokenizer]


def assemble(model: models.Model, norm=None, pre=None, post=None, dec=None) -> Tokenizer:
    tok = Tokenizer(model)
    if norm is not None:
        tok.normalizer = norm
    if pre is not None:
        tok.pre_tokenizer = pre
    # Post-processors are built against the assembled vocabulary, so post is a callable.
    if post is not None:
        tok.post_processor = post(tok)
    if dec is not None:
        tok.decoder = dec
    # Trained vocabularies hold the specials as plain entries; register them as special tokens
    # (as a real release would) so skip_special_tokens and the special-token mask see them.
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in SPECIAL_TOKENS if tok.token_to_id(t) is not None])
    return tok


def spec_bpe_eow(b: Bases) -> Tokenizer:
    tok = assemble(
        b.model("bpe_eow", fuse_unk=True),
        norm=normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()]),
        pre=pre_tokenizers.Whitespace(),
        post=lambda t: template(t, "<s> $A </s>", "<s> $A </s> </s> $B:1 </s>:1"),
        dec=decoders.BPEDecoder(suffix="</w>"),
    )
    # normalized=False: matched against the raw text, so case matters despite Lowercase.
    tok.add_tokens([AddedToken("[**", normalized=False), AddedToken("**]", normalized=False), AddedToken("HbA1c", normalized=False)])
    return tok


def spec_bpe_prefix(b: Bases) -> Tokenizer:
    tok = assemble(
        b.model("bpe_prefix"),
        norm=normalizers.Sequence([normalizers.NFD(), normalizers.StripAccents(), normalizers.Lowercase()]),
        pre=pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation("isolated"),
                                     pre_tokenizers.Digits(individual_digits=True)]),
        post=bert_processing,
        dec=decoders.WordPiece(prefix="##", cleanup=True),
    )
    tok.add_tokens([AddedToken("mg", single_word=True), AddedToken("q.d.", single_word=True)])
    tok.add_special_tokens([AddedToken("[MASK]", special=True, lstrip=True, normalized=False)])
    return tok


def spec_bpe_bytefallback(b: Bases) -> Tokenizer:
    # The Llama-2 layout: no pre-tokenizer, spaces turned into ▁ by the normalizer.
    return assemble(
        b.model("bpe_metaspace", byte_fallback=True, fuse_unk=True, unk_token="<unk>"),
        norm=normalizers.Sequence([normalizers.Prepend("\u2581"), normalizers.Replace(" ", "\u2581")]),
        post=lambda t: template(t, "<s> $A", "<s> $A <s>:1 $B:1"),
        dec=decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)]),
    )


def spec_unigram_bytefallback(b: Bases) -> Tokenizer:
    tok = assemble(
        b.model("unigram", byte_fallback=True),
        norm=normalizers.NFKC(),
        pre=pre_tokenizers.Metaspace(prepend_scheme="always", split=True),
        post=lambda t: template(t, "$A </s>", "$A </s> $B:1 </s>:1"),
        dec=decoders.Sequence([decoders.ByteFallback(), decoders.Metaspace(prepend_scheme="always")]),
    )
    tok.add_special_tokens([AddedToken("<mask>", special=True, lstrip=True, rstrip=False, normalized=False)])
    return tok


def spec_unigram_first(b: Bases) -> Tokenizer:
    return assemble(
        b.model("unigram"),
        norm=normalizers.Sequence([normalizers.Strip(left=True, right=True), normalizers.Replace(Regex(r"\s+"), " ")]),
        pre=pre_tokenizers.Metaspace(prepend_scheme="first", split=False),
        post=lambda t: template(t, "[CLS] $A [SEP]", "[CLS] $A [SEP] $B:1 [SEP]:1"),
        dec=decoders.Metaspace(prepend_scheme="first", split=False),
    )


def spec_unigram_never(b: Bases) -> Tokenizer:
    # No post-processor at all: encodings carry no special tokens.
    return assemble(
        b.model("unigram"),
        norm=normalizers.NFC(),
        pre=pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(prepend_scheme="never", split=True)]),
        dec=decoders.Metaspace(prepend_scheme="never"),
    )


def spec_wordlevel(b: Bases) -> Tokenizer:
    # No decoder: decode joins tokens with spaces.
    return assemble(
        b.model("wordlevel"),
        norm=normalizers.Lowercase(),
        pre=pre_tokenizers.Sequence([pre_tokenizers.Whitespace(), pre_tokenizers.Digits(individual_digits=True)]),
        post=bert_processing,
    )


def spec_wordlevel_replace(b: Bases) -> Tokenizer:
    # Replacements that shrink ("3.14" -> "0") and grow ("&" -> " and ") the text move offsets.
    return assemble(
        b.model("wordlevel"),
        norm=normalizers.Sequence([normalizers.Lowercase(), normalizers.Replace(Regex(r"\d+(\.\d+)?"), "0"),
                                   normalizers.Replace("&", " and ")]),
        pre=pre_tokenizers.WhitespaceSplit(),
        post=lambda t: template(t, "[CLS] $A [SEP]", "[CLS] $A [SEP] $B:1 [SEP]:1"),
    )


def spec_wordpiece(b: Bases) -> Tokenizer:
    tok = assemble(
        b.model("wordpiece", max_input_chars_per_word=24),
        norm=normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=False, strip_accents=True, lowercase=False),
        pre=pre_tokenizers.BertPreTokenizer(),
        post=lambda t: template(t, "[CLS] $A [SEP]", "[CLS] $A [SEP] $B:1 [SEP]:1"),
        dec=decoders.WordPiece(prefix="##", cleanup=False),
    )
    tok.add_tokens([AddedToken("b.i.d.", single_word=True), AddedToken("s/p")])
    tok.add_special_tokens([AddedToken("[MASK]", special=True, lstrip=True, rstrip=True, normalized=False)])
    return tok


def spec_bytelevel_roberta(b: Bases) -> Tokenizer:
    tok = assemble(
        b.model("bytelevel"),
        pre=pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=True),
        post=lambda t: processors.RobertaProcessing(("</s>", t.token_to_id("</s>")), ("<s>", t.token_to_id("<s>")),
                                                    trim_offsets=True, add_prefix_space=True),
        dec=decoders.ByteLevel(),
    )
    tok.add_special_tokens([AddedToken("<mask>", special=True, lstrip=True, normalized=False)])
    return tok


def spec_bytelevel_llama3(b: Bases) -> Tokenizer:
    return assemble(
        b.model("bytelevel"),
        norm=normalizers.NFKC(),
        pre=pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(LLAMA3_PATTERN), "isolated"),
                                     pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]),
        post=lambda t: processors.Sequence([processors.ByteLevel(trim_offsets=False),
                                            template(t, "<s> $A", "<s> $A </s> $B:1")]),
        dec=decoders.ByteLevel(),
    )


def spec_bytelevel_gpt2_split(b: Bases) -> Tokenizer:
    # The GPT-2 pattern spelled out as a Split, with offsets trimmed by the ByteLevel processor.
    return assemble(
        b.model("bytelevel"),
        pre=pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(GPT2_PATTERN), "isolated"),
                                     pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]),
        post=lambda t: processors.Sequence([processors.ByteLevel(trim_offsets=True),
                                            template(t, "<s> $A </s>", "<s> $A </s> $B:1 </s>:1")]),
        dec=decoders.ByteLevel(),
    )


def spec_punctuation(behaviour: str) -> Callable[[Bases], Tokenizer]:
    def build(b: Bases) -> Tokenizer:
        return assemble(
            b.model("bpe"),
            pre=pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation(behaviour)]),
            post=lambda t: template(t, "<s> $A </s>", "<s> $A </s> $B:1 </s>:1"),
            dec=decoders.Fuse(),
        )
    return build


def spec_split(behaviour: str) -> Callable[[Bases], Tokenizer]:
    def build(b: Bases) -> Tokenizer:
        return assemble(
            b.model("bpe"),
            pre=pre_tokenizers.Split(Regex(r"\s+|[0-9]+|[^\w\s]"), behaviour),
            post=lambda t: template(t, "<s> $A </s>", "<s> $A </s> $B:1 </s>:1"),
        )
    return build


def spec_split_invert(b: Bases) -> Tokenizer:
    # invert=True: the pattern names what to keep; with "removed", everything else is dropped.
    return assemble(
        b.model("bpe"),
        pre=pre_tokenizers.Split(Regex(r"\p{L}+|\p{N}+"), "removed", invert=True),
        post=lambda t: template(t, "<s> $A </s>", "<s> $A </s> $B:1 </s>:1"),
    )


def spec_split_literal(b: Bases) -> Tokenizer:
    # String patterns are literal: "." must not act as a regex wildcard.
    return assemble(
        b.model("bpe"),
        norm=normalizers.Sequence([normalizers.Strip(left=True, right=False), normalizers.NFKD(), normalizers.StripAccents()]),
        pre=pre_tokenizers.Sequence([pre_tokenizers.Split(".", "isolated"), pre_tokenizers.Split(" ", "removed"),
                                     pre_tokenizers.Split("-", "merged_with_next"), pre_tokenizers.Digits(individual_digits=False)]),
        post=lambda t: template(t, "<s> $A </s>", "<s> $A </s> $B:1 </s>:1"),
        dec=decoders.Sequence([decoders.Replace("_", " "), decoders.Strip(" ", 0, 1)]),
    )


def spec_bpe_nounk(b: Bases) -> Tokenizer:
    # BPE without an unk token silently drops characters it cannot represent.
    return assemble(
        b.model("bpe", unk_token=None),
        norm=normalizers.NFKC(),
        pre=pre_tokenizers.Whitespace(),
        post=lambda t: template(t, "<s> $A </s>", "<s> $A </s> $B:1 </s>:1"),
    )


SPECS = [
    Spec("bpe-eow-nfkc-lower", "BPE", "end_of_word_suffix, fuse_unk, NFKC+Lowercase, Whitespace, Template, BPEDecoder, normalized=false added", spec_bpe_eow),
    Spec("bpe-prefix-nfd", "BPE", "continuing_subword_prefix, NFD+StripAccents+Lowercase, WhitespaceSplit+Punctuation(isolated)+Digits(individual), BertProcessing, WordPiece decoder, single_word/lstrip added", spec_bpe_prefix),
    Spec("bpe-bytefallback-llama", "BPE", "byte_fallback+fuse_unk, Prepend+Replace, no pre-tokenizer, Template with type ids, Replace+ByteFallback+Fuse+Strip decoders", spec_bpe_bytefallback),
    Spec("bpe-nounk", "BPE", "no unk_token (unknown chars dropped), NFKC, Whitespace", spec_bpe_nounk),
    Spec("unigram-bytefallback", "Unigram", "byte_fallback, NFKC, Metaspace(always, split), Template, ByteFallback+Metaspace decoders, lstrip special", spec_unigram_bytefallback),
    Spec("unigram-metaspace-first", "Unigram", "Strip+Replace(regex), Metaspace(first, no split), Template, Metaspace decoder", spec_unigram_first),
    Spec("unigram-metaspace-never", "Unigram", "NFC, WhitespaceSplit+Metaspace(never), no post-processor", spec_unigram_never),
    Spec("wordlevel-digits", "WordLevel", "Lowercase, Whitespace+Digits(individual), BertProcessing, no decoder", spec_wordlevel),
    Spec("wordlevel-replace", "WordLevel", "Lowercase+Replace(regex shrink)+Replace(literal grow), WhitespaceSplit, Template", spec_wordlevel_replace),
    Spec("wordpiece-accents", "WordPiece", "BertNormalizer(strip_accents, cased, no CJK), max_input_chars_per_word=24, WordPiece decoder no cleanup, single_word/lstrip/rstrip added", spec_wordpiece),
    Spec("bytelevel-roberta-prefix", "ByteLevel BPE", "ByteLevel(add_prefix_space), RobertaProcessing(trim_offsets, add_prefix_space), lstrip <mask>", spec_bytelevel_roberta),
    Spec("bytelevel-llama3-split", "ByteLevel BPE", "NFKC, Split(Llama-3 regex)+ByteLevel(no regex), Sequence[ByteLevel(no trim), Template]", spec_bytelevel_llama3),
    Spec("bytelevel-gpt2-split", "ByteLevel BPE", "Split(GPT-2 regex)+ByteLevel(no regex), Sequence[ByteLevel(trim), Template]", spec_bytelevel_gpt2_split),
    *[Spec(f"punctuation-{b.replace('_', '-')}", "BPE", f"WhitespaceSplit+Punctuation({b}), Fuse decoder", spec_punctuation(b)) for b in SPLIT_BEHAVIOURS],
    *[Spec(f"split-{b.replace('_', '-')}", "BPE", f"Split(regex, {b})", spec_split(b)) for b in SPLIT_BEHAVIOURS],
    Spec("split-invert", "BPE", "Split(\\p{L}+|\\p{N}+, removed, invert)", spec_split_invert),
    Spec("split-literal", "BPE", "Strip(left)+NFKD+StripAccents, Split literal . / space / -, Digits, Replace+Strip decoders", spec_split_literal),
]


def main(argv: list[str]) -> int:
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=os.path.join(repo, ".cache", "parity", "corpus.jsonl"))
    parser.add_argument("--out", default=os.path.join(repo, ".cache", "parity", "tokenizers", "trained"))
    parser.add_argument("--only", help="comma-separated spec names (for debugging; bypasses the cache)")
    args = parser.parse_args(argv)

    manifest_path = os.path.join(args.out, "manifest.json")
    want = buildcache.digest(buildcache.file_bytes(__file__), buildcache.file_bytes(args.corpus), tokenizers.__version__)
    if not args.only and buildcache.current(manifest_path, want):
        print(f"train_tokenizers: {args.out} up to date", file=sys.stderr)
        return 0

    specs = [s for s in SPECS if not args.only or s.name in args.only.split(",")]
    bases = Bases(corpus_texts(args.corpus))
    os.makedirs(args.out, exist_ok=True)
    entries = []
    for spec in specs:
        tok = spec.build(bases)
        path = os.path.join(args.out, spec.name + ".json")
        tok.save(path)
        # Reload from disk so a file HF itself cannot read never reaches the parity test.
        Tokenizer.from_file(path).encode("smoke test: caf\u00e9 \u75c5 \U0001f600", "pair")
        entries.append({"name": spec.name, "file": spec.name + ".json", "family": spec.family, "features": spec.features})
        print(f"train_tokenizers: wrote {path} (vocab {tok.get_vocab_size()})", file=sys.stderr)
    if args.only:
        return 0
    with open(manifest_path, "w", encoding="utf-8") as f:
        json.dump({"tokenizers_version": tokenizers.__version__, "tokenizers": entries}, f, indent=2)
        f.write("\n")
    buildcache.stamp(manifest_path, want)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
