"""Trains the catalogue's own clinical vocabularies with Hugging Face `tokenizers`.

Usage (from the repository root, in the project venv):
    RAYON_NUM_THREADS=1 .venv/bin/python tools/catalogue/train_clinical.py \
        --data ../shared/data --out tokenizers/files

Writes three small tokenizer.json files, one per family the paper's models use,
trained on the public clinical/biomedical text of clinical_corpus.py:
  clinical-wordpiece.json  BERT WordPiece, cased   (ClinicalBERT-style)
  clinical-bpe.json        byte-level BPE           (RoBERTa-style, like BioClinRoBERTa's own vocab)
  clinical-unigram.json    SentencePiece Unigram    (T5-style, like Clinical-T5-Scratch's own vocab)
The outputs are committed (they are small and are our derived work); the corpus is not.
A rerun learns the same vocabularies, but HF's trainers order tied entries by hash-map
iteration, so ids (and Unigram scores) of a few thousand tokens can shuffle: the committed
files are the reference, and changing them changes the catalogue's ids.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tokenizers import (
    AddedToken,
    Regex,
    Tokenizer,
    decoders,
    models,
    normalizers,
    pre_tokenizers,
    processors,
    trainers,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
import clinical_corpus  # noqa: E402

VOCAB_SIZE = 8000


def wordpiece() -> tuple[Tokenizer, trainers.Trainer]:
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]", continuing_subword_prefix="##", max_input_chars_per_word=100))
    # Cased like Bio_ClinicalBERT: "SOB" and "sob" stay different strings.
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece(prefix="##", cleanup=True)
    trainer = trainers.WordPieceTrainer(vocab_size=VOCAB_SIZE, min_frequency=2, special_tokens=specials,
                                        continuing_subword_prefix="##", show_progress=False)
    return tok, trainer


def wordpiece_post(tok: Tokenizer) -> None:
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)])


def bpe() -> tuple[Tokenizer, trainers.Trainer]:
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB_SIZE, min_frequency=2, special_tokens=specials,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    return tok, trainer


def bpe_post(tok: Tokenizer) -> None:
    tok.post_processor = processors.RobertaProcessing(
        ("</s>", tok.token_to_id("</s>")), ("<s>", tok.token_to_id("<s>")),
        trim_offsets=True, add_prefix_space=False)
    # RoBERTa's <mask> swallows the space before it.
    tok.add_special_tokens([AddedToken("<mask>", lstrip=True, special=True)])


def unigram() -> tuple[Tokenizer, trainers.Trainer]:
    specials = ["<pad>", "</s>", "<unk>"]
    tok = Tokenizer(models.Unigram())
    # T5 uses SentencePiece's nmt_nfkc charsmap; NFKC plus whitespace folding is the
    # portable equivalent a trainer can write.
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.WhitespaceSplit(),
        pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True),
    ])
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    trainer = trainers.UnigramTrainer(vocab_size=VOCAB_SIZE, special_tokens=specials, unk_token="<unk>",
                                      max_piece_length=16, show_progress=False)
    return tok, trainer


def unigram_post(tok: Tokenizer) -> None:
    eos = tok.token_to_id("</s>")
    tok.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", eos)])


FAMILIES = {
    "clinical-wordpiece": (wordpiece, wordpiece_post),
    "clinical-bpe": (bpe, bpe_post),
    "clinical-unigram": (unigram, unigram_post),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True, help="the shared data folder (read only)")
    ap.add_argument("--out", type=Path, required=True, help="folder for the tokenizer.json files")
    ap.add_argument("--only", choices=sorted(FAMILIES), action="append", help="train only these")
    args = ap.parse_args()
    if not args.data.is_dir():
        print(f"train_clinical: {args.data} is not a folder", file=sys.stderr)
        return 2
    corpus = list(clinical_corpus.lines(args.data))
    print(f"corpus: {len(corpus)} lines, {sum(len(t.encode()) for t in corpus)} bytes", file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.only or sorted(FAMILIES):
        make, post = FAMILIES[name]
        tok, trainer = make()
        tok.train_from_iterator(corpus, trainer=trainer, length=len(corpus))
        post(tok)
        # Round-trip through JSON with sorted keys so reruns diff cleanly.
        text = json.dumps(json.loads(tok.to_str()), ensure_ascii=False, separators=(",", ":"))
        path = args.out / f"{name}.json"
        path.write_text(text + "\n", encoding="utf-8")
        print(f"{path}: vocab {tok.get_vocab_size()}, {path.stat().st_size} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
