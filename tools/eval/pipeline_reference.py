"""Python reference for `clinlm eval`: runs a model folder of the model repository over a task file
with the HF tokenizers library and Python onnxruntime, and scores the predictions with the same
definitions as inference/eval (metrics_reference.py: the SQuAD scripts restated, scikit-learn).

  python pipeline_reference.py --model-dir DIR --data FILE [--squad-version 2.0] [--zero-division 0]

prints {"metrics": [{"name", "value"}...], "predictions": [...]} as JSON. The pipelines follow
the engine's documented behaviour (inference/*.go, HF's pipelines):
  nli   premise and hypothesis marked first when the manifest says "preprocess": "reference-ranges" (by the
        engine's own Go code, tools/markvalues); pair truncated longest_first; softmax; the label with the highest probability (first on ties)
  qa    question + context, only_second truncation with doc-stride windows; per window, softmax over
        [CLS] and the context tokens, spans start <= end < start + max_answer_length ranked by
        p(start)·p(end), the top 1*2+10 per window, widened to whole words, answers with the same
        text (ignoring case) merged by adding their scores (HF's pipeline 4.53+); the best answer;
        "" when there is none, or when the model has a no-answer head and min over windows of
        p(CLS)·p(CLS) is above the best answer's score
  clip  one sentence per line (the test checks the Go splitter agrees); sentence-multi-label:
        sigmoid per label; zero-shot-nli: softmax over [contradiction, entailment] of
        (sentence, template with the label) truncated only_first; predicted where score >= threshold
Models run one example at a time on the CPU.
"""

import argparse
import json
import pathlib
import sys

import numpy as np
import onnxruntime
from tokenizers import Tokenizer

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
sys.path.insert(1, str(pathlib.Path(__file__).resolve().parents[1] / "markvalues"))
import metrics_reference  # noqa: E402
from markvalues import mark_nli_examples  # noqa: E402


def softmax(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(x - x.max())
    return e / e.sum()


class Model:
    def __init__(self, folder: pathlib.Path):
        self.manifest = json.loads((folder / "manifest.json").read_text())
        opts = onnxruntime.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.add_session_config_entry("session.disable_quant_qdq", "1")  # as the Go engine: fp32 compute
        self.session = onnxruntime.InferenceSession(str(folder / "model.onnx"), opts, providers=["CPUExecutionProvider"])
        self.input_names = {i.name for i in self.session.get_inputs()}
        self.tokenizer_file = str(folder / "tokenizer.json")
        self.max_length = self.manifest["max_length"]

    def tokenizer(self, **truncation):
        tok = Tokenizer.from_file(self.tokenizer_file)
        tok.no_padding()
        tok.enable_truncation(self.max_length, **truncation)
        return tok

    def run(self, enc, outputs):
        roles = self.manifest.get("inputs", {})
        feed = {roles.get("input_ids", "input_ids"): np.array([enc.ids], dtype=np.int64),
                roles.get("attention_mask", "attention_mask"): np.ones((1, len(enc.ids)), dtype=np.int64)}
        types = roles.get("token_type_ids", "token_type_ids")
        if types in self.input_names:
            feed[types] = np.array([enc.type_ids], dtype=np.int64)
        names = [self.manifest.get("outputs", {}).get(o, o) for o in outputs]
        return [x[0] for x in self.session.run(names, feed)]


def predict_nli(model, ex):
    enc = model.tokenizer(strategy="longest_first").encode(ex["premise"], ex["hypothesis"])
    (logits,) = model.run(enc, ["logits"])
    return {"label": model.manifest["labels"][int(np.argmax(softmax(logits)))]}


def word_span(enc, token):
    word = enc.word_ids[token]
    idx = [i for i in range(len(enc.ids)) if enc.word_ids[i] == word and enc.sequence_ids[i] == 1]
    return min(enc.offsets[i][0] for i in idx), max(enc.offsets[i][1] for i in idx)


def predict_qa(model, ex):
    mf = model.manifest
    max_answer = mf.get("max_answer_length", 30)
    tok = model.tokenizer(strategy="only_second", stride=mf.get("stride", 0))
    first = tok.encode(ex["question"], ex["context"])
    top_k = 1
    answers, null = [], float("inf")  # [score, text], in the order first seen
    for enc in [first] + list(first.overflowing):
        start, end = model.run(enc, ["start_logits", "end_logits"])
        keep = np.array([i == 0 or s == 1 for i, s in enumerate(enc.sequence_ids)])
        ps = softmax(np.where(keep, start, -10000.0))
        pe = softmax(np.where(keep, end, -10000.0))
        null = min(null, float(ps[0] * pe[0]))
        ps[0] = pe[0] = 0.0
        n = len(enc.ids)
        spans = [(float(ps[s] * pe[e]), s, e) for s in range(n) for e in range(s, min(n, s + max_answer))]
        spans.sort(key=lambda x: -x[0])  # stable: equal scores stay in row-major order
        for score, s, e in spans[:top_k * 2 + 10]:  # the pipeline's candidates per window (4.53+)
            if enc.sequence_ids[s] != 1 or enc.sequence_ids[e] != 1:
                continue
            a, _ = word_span(enc, s)
            _, b = word_span(enc, e)
            text = ex["context"][a:b]
            same = next((x for x in answers if x[1].lower() == text.lower()), None)
            if same:
                same[0] += score  # one answer found again adds its score
            else:
                answers.append([score, text])
    answers.sort(key=lambda x: -x[0])
    answer = ""
    if answers and not (mf.get("no_answer") and null > answers[0][0]):
        answer = answers[0][1]
    return {"answer": answer}


def predict_clip(model, ex):
    mf = model.manifest
    labels, thresholds = mf["labels"], mf.get("thresholds", {})
    if mf["head"] == "sentence-multi-label":
        enc = model.tokenizer(strategy="longest_first").encode(ex["text"])
        (logits,) = model.run(enc, ["logits"])
        scores = 1 / (1 + np.exp(-np.asarray(logits, dtype=np.float64)))
    else:
        nli = mf["nli_labels"]
        ent = next(i for i, l in enumerate(nli) if l.lower().startswith("entail"))
        con = next(i for i, l in enumerate(nli) if l.lower().startswith("contradict"))
        tok = model.tokenizer(strategy="only_first")
        scores = []
        for label in labels:
            enc = tok.encode(ex["text"], mf["hypothesis_template"].replace("{}", label, 1))
            (logits,) = model.run(enc, ["logits"])
            scores.append(softmax([logits[con], logits[ent]])[1])
    return {"labels": [l for l, s in zip(labels, scores) if s >= thresholds.get(l, 0.5)]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--squad-version", default="2.0", choices=["1.1", "2.0"])
    ap.add_argument("--zero-division", type=float, default=0.0)
    args = ap.parse_args()
    model = Model(pathlib.Path(args.model_dir))
    task = model.manifest["task"]
    examples = [json.loads(l) for l in pathlib.Path(args.data).read_text().splitlines() if l.strip()]
    predict = {"nli": predict_nli, "qa": predict_qa, "clip": predict_clip}[task]
    preds = [predict(model, ex) for ex in mark_nli_examples(model.manifest, examples)]

    metrics = []
    if task == "qa":
        scored = metrics_reference.squad([{"prediction": p["answer"], "golds": [a["text"] for a in ex["answers"]]}
                                          for p, ex in zip(preds, examples)])
        t = scored["totals"][args.squad_version]
        keys = ["exact", "f1"] + (["HasAns_exact", "HasAns_f1", "NoAns_exact", "NoAns_f1"] if t["NoAns_total"] else [])
        metrics = [{"name": k, "value": t[k]} for k in keys]
    else:
        labels = model.manifest["labels"]
        gold_sets = [[ex["label"]] if task == "nli" else ex["labels"] for ex in examples]
        pred_sets = [[p["label"]] if task == "nli" else p["labels"] for p in preds]
        onehot = lambda sets: [[int(l in s) for l in labels] for s in sets]
        c = metrics_reference.classification({"labels": len(labels), "gold": onehot(gold_sets), "pred": onehot(pred_sets),
                                              "zero_division": args.zero_division})
        if task == "nli":
            metrics = [{"name": "accuracy", "value": c["accuracy"]}, {"name": "macro_f1", "value": c["macro"]["f1"]}]
        else:
            metrics = [{"name": "micro_f1", "value": c["micro"]["f1"]}, {"name": "macro_f1", "value": c["macro"]["f1"]},
                       {"name": "subset_accuracy", "value": c["accuracy"]}]
    json.dump({"metrics": metrics, "predictions": preds}, sys.stdout)


if __name__ == "__main__":
    main()
