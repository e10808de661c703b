"""Models for the GPU serving benchmark (go tool task bench-gpu), written to <out>/<name>/.

  bert-base-nli        BERT-base size (12 layers, hidden 768, 12 heads; ~110M parameters) with a 3-way NLI head,
                       random weights (seeded): speed does not depend on what the weights learned.
  bert-base-nli-fp16   the same export converted to float16 inside (inputs int64, logits float32 kept, so the
                       engine reads it like the fp32 one).
  <demo>-fp16          float16 copies of the fp32 models given with --fp16 (e.g. the test models; the shipped
                       demo models are int8, which has no float16 form: the bench runs them as shipped).

The vocabulary and tokenizer are bert-base-uncased's (--tokenizer, read from ../shared; nothing is downloaded,
and the file is copied only into the output cache, never into the repository). Runs in .venv-models here, or with
the GPU machine's own Python (torch, transformers, onnx, onnxruntime), since a BERT-base export (~440 MB) is far
over what one transfer to that machine may carry.
"""

import argparse
import json
import pathlib
import shutil

import onnx
import torch
import transformers
from onnxruntime.transformers.float16 import convert_float_to_float16

SEED = 20260611
MAX_LENGTH = 128
LABELS = ["entailment", "neutral", "contradiction"]


def manifest(description, weights):
    return {
        "task": "nli", "head": "sequence-pair-classification", "labels": LABELS, "max_length": MAX_LENGTH,
        "description": description, "licence": "MIT", "availability": "public", "metrics": [],
        "provenance": {"source": "tools/bench/make_bench_models.py", "weights": weights,
                       "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                                    "onnx": onnx.__version__}},
    }


def write_folder(folder, model_proto, tokenizer, mf):
    folder.mkdir(parents=True, exist_ok=True)
    onnx.save(model_proto, str(folder / "model.onnx"))
    shutil.copyfile(tokenizer, folder / "tokenizer.json")
    (folder / "manifest.json").write_text(json.dumps(mf, indent=2) + "\n")


def bert_base(out, tokenizer):
    vocab = len(json.loads(pathlib.Path(tokenizer).read_text())["model"]["vocab"])
    torch.manual_seed(SEED)
    cfg = transformers.BertConfig(vocab_size=vocab, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                                  intermediate_size=3072, max_position_embeddings=512, num_labels=len(LABELS))
    model = transformers.BertForSequenceClassification(cfg).eval()
    ids = torch.randint(1000, vocab, (2, 16))
    tmp = out / ".bert-base.onnx"
    out.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(model, (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(tmp),
                          input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["logits"],
                          dynamic_axes={n: {0: "batch", 1: "sequence"} for n in ["input_ids", "attention_mask", "token_type_ids"]}
                          | {"logits": {0: "batch"}},
                          opset_version=17, dynamo=False)
    fp32 = onnx.load(str(tmp))
    tmp.unlink()
    write_folder(out / "bert-base-nli", fp32, tokenizer,
                 manifest("BERT-base size, random weights, fp32 (speed only)", f"random, torch seed {SEED}"))
    write_folder(out / "bert-base-nli-fp16", convert_float_to_float16(fp32, keep_io_types=True), tokenizer,
                 manifest("BERT-base size, random weights, fp16 inside (speed only)", f"random, torch seed {SEED}, float16"))


def fp16_copy(src, out):
    src = pathlib.Path(src)
    mf = json.loads((src / "manifest.json").read_text())
    mf.pop("name", None)
    mf["description"] = (mf.get("description", "") + " (float16 copy for the GPU bench)").strip()
    mf["metrics"] = []
    write_folder(out / (src.name + "-fp16"), convert_float_to_float16(onnx.load(str(src / "model.onnx")), keep_io_types=True),
                 src / "tokenizer.json", mf)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, type=pathlib.Path)
    ap.add_argument("--tokenizer", required=True, help="bert-base-uncased tokenizer.json")
    ap.add_argument("--fp16", nargs="*", default=[], help="fp32 model folders to copy as float16")
    ap.add_argument("--skip-bert-base", action="store_true", help="only the float16 copies (a quick CPU smoke run)")
    args = ap.parse_args()
    if not args.skip_bert_base:
        bert_base(args.out, args.tokenizer)
    for src in args.fp16:
        fp16_copy(src, args.out)
    for folder in sorted(args.out.iterdir()):
        if folder.is_dir():
            print(f"bench models: {folder} ({(folder / 'model.onnx').stat().st_size / 2**20:.0f} MiB)")


if __name__ == "__main__":
    main()
