"""Small random-weight BERT-style models for clinlm's inference parity tests.

Writes <out>/<name>/{model.onnx, tokenizer.json, manifest.json, reference.json} for

  tiny-nli       BertForSequenceClassification, 3 labels (sequence-pair classification)
  tiny-qa        BertForQuestionAnswering (span extraction)
  tiny-clip      BertForSequenceClassification, 7 labels, multi-label (CLIP sentences)
  tiny-zeroshot  the tiny-nli weights used for CLIP through one NLI hypothesis per label
  tiny-t5-*      a tiny T5 in HF optimum's three-file ONNX layout (see t5_test_model.py)

The weights are random (seeded), the tokenizer is a WordPiece vocabulary built here, and
nothing is downloaded. Each model is exported with torch.onnx.export (opset 17) using the
input and output names of an HF optimum export, so the Go loader sees what it would see
with a real model. reference.json holds, for fixed inputs, what transformers (torch) and
Python onnxruntime compute, plus the HF tokenizer's encodings, so the Go pipelines can be
compared step by step.

QA spans: transformers 5 no longer ships the question-answering pipeline, so
`decode_spans` below restates its post-processing as last released (4.53 to 4.57: softmax over
desired tokens, CLS kept for the no-answer score, spans with start <= end < start +
max_answer_len, top_k*2+10 candidates per window, answers aligned to whole words, answers with
the same text case-insensitively merged by adding their scores) and is fed the transformers
logits.

Run through tools/models/setup.sh, which pins the environment.
"""

import argparse
import json
import os
import pathlib
import shutil
import sys

import numpy as np
import onnxruntime
import tokenizers
import torch
import transformers
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, decoders

from t5_test_model import make_t5

SEED = 20230611
MAX_LENGTH = 64
STRIDE = 16
NLI_LABELS = ["entailment", "neutral", "contradiction"]
CLIP_LABELS = ["appointment", "medication", "lab", "patient instructions", "procedure", "imaging", "other"]
HYPOTHESIS = "This sentence is about {}."

WORDS = """
the a an of to and or in on at for with without by from is was were be been are as it this that
patient pt he she his her they their who which after before during since until then also not no
history chest pain shortness breath fever cough nausea vomiting headache admitted discharged
hospital clinic follow up appointment weeks days months year old man woman male female
medication medications dose mg daily twice three times tablet tablets take taking started stopped
continue aspirin metoprolol lisinopril insulin heparin warfarin antibiotics
lab labs blood test tests results creatinine potassium sodium hemoglobin white count glucose
normal elevated low high repeat check
imaging ct scan mri x ray ultrasound echo showed shows show no evidence of
procedure surgery catheterization biopsy placed removed performed underwent
instructions call return if worse diet activity avoid lifting drive
diagnosis pneumonia infarction heart failure kidney injury diabetes hypertension
what when where why how did does do has have had left right
vitals bp hr rr temp sat room air
one two three four five six seven eight nine ten
""".split()


def build_tokenizer() -> Tokenizer:
    """A lower-casing BERT WordPiece tokenizer with a small fixed vocabulary."""
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    chars = list("abcdefghijklmnopqrstuvwxyz0123456789") + list(".,;:!?'\"()[]/-+%#*&=<>_")
    seen = set(vocab)
    for w in WORDS + chars + ["##" + c for c in chars if c.isalnum()] + ["##s", "##ed", "##ing", "##ly", "##er"]:
        if w not in seen:
            seen.add(w)
            vocab.append(w)
    tok = Tokenizer(models.WordPiece({w: i for i, w in enumerate(vocab)}, unk_token="[UNK]", max_input_chars_per_word=100))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab.index("[CLS]")), ("[SEP]", vocab.index("[SEP]"))],
    )
    tok.decoder = decoders.WordPiece(prefix="##")
    return tok


def fast_tokenizer(path: pathlib.Path):
    return transformers.PreTrainedTokenizerFast(
        tokenizer_file=str(path), unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
        sep_token="[SEP]", mask_token="[MASK]", model_max_length=MAX_LENGTH,
        # As a BERT tokenizer_config.json would say; without it transformers 5 drops token_type_ids.
        model_input_names=["input_ids", "token_type_ids", "attention_mask"])


def bert_config(vocab_size: int, **kw) -> transformers.BertConfig:
    # A wide initializer spreads the random logits, so probabilities and spans are not all ties.
    return transformers.BertConfig(
        vocab_size=vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=MAX_LENGTH, type_vocab_size=2,
        initializer_range=0.5, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, **kw)


def export(model, path: pathlib.Path, outputs: list[str]):
    model.eval()
    ids = torch.tensor([[2, 10, 11, 12, 3, 13, 14, 3]], dtype=torch.int64)
    dummy = (ids, torch.ones_like(ids), torch.tensor([[0, 0, 0, 0, 0, 1, 1, 1]]))
    names = ["input_ids", "attention_mask", "token_type_ids"]
    dynamic = {n: {0: "batch_size", 1: "sequence_length"} for n in names}
    for o in outputs:
        dynamic[o] = {0: "batch_size"} if o == "logits" else {0: "batch_size", 1: "sequence_length"}
    torch.onnx.export(model, dummy, str(path), input_names=names, output_names=outputs,
                      dynamic_axes=dynamic, opset_version=17, dynamo=False)


def save_config(model, d: pathlib.Path):
    """Writes the model's config.json beside its export, as an optimum ONNX export folder holds it, so that
    `clinlm models add` can be tested on a folder it reads the manifest from."""
    model.config.architectures = [type(model).__name__]
    model.config.save_pretrained(str(d))


def ort_session(path: pathlib.Path):
    opts = onnxruntime.SessionOptions()
    opts.intra_op_num_threads = 1
    return onnxruntime.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def encoding_json(enc) -> dict:
    return {
        "ids": enc.ids, "type_ids": enc.type_ids, "tokens": enc.tokens,
        "offsets": [list(o) for o in enc.offsets], "word_ids": [(-1 if w is None else w) for w in enc.word_ids],
        "sequence_ids": [(-1 if s is None else s) for s in enc.sequence_ids],
        "special_tokens_mask": enc.special_tokens_mask, "attention_mask": enc.attention_mask,
    }


def run_both(model, sess, encs, outputs):
    """Logits from transformers and from onnxruntime for a right-padded batch."""
    width = max(len(e.ids) for e in encs)
    pad = lambda xs: [x + [0] * (width - len(x)) for x in xs]
    ids = np.array(pad([e.ids for e in encs]), dtype=np.int64)
    mask = np.array(pad([[1] * len(e.ids) for e in encs]), dtype=np.int64)
    types = np.array(pad([e.type_ids for e in encs]), dtype=np.int64)
    with torch.no_grad():
        out = model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask), token_type_ids=torch.from_numpy(types))
    torch_out = [getattr(out, o).numpy() for o in outputs]
    ort_out = sess.run(outputs, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
    return torch_out, ort_out


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def decode_spans(enc, start, end, top_k, max_answer_len):
    """HF's question-answering post-processing for one window (question first)."""
    n = len(enc.ids)
    start, end = np.asarray(start[:n], dtype=np.float64), np.asarray(end[:n], dtype=np.float64)
    desired = np.array([1 if s == 1 else 0 for s in enc.sequence_ids])
    desired[0] = 1  # [CLS] stays in the softmax: it carries the no-answer score
    start = np.where(desired == 0, -10000.0, start)
    end = np.where(desired == 0, -10000.0, end)
    start, end = softmax(start), softmax(end)
    null = float(start[0] * end[0])
    start[0] = end[0] = 0.0
    outer = np.triu(np.tril(np.outer(start, end), max_answer_len - 1))
    flat = outer.flatten()
    order = np.argsort(-flat, kind="stable")[:top_k]
    context = [i for i in range(n) if enc.sequence_ids[i] == 1]
    spans = []
    for idx in order:
        s, e = divmod(int(idx), n)
        if s in context and e in context:
            spans.append((s, e, float(outer[s, e])))
    return spans, null


def word_chars(enc, token, seq):
    word = enc.word_ids[token]
    idx = [i for i in range(len(enc.ids)) if enc.word_ids[i] == word and enc.sequence_ids[i] == seq]
    return enc.offsets[idx[0]][0], enc.offsets[idx[-1]][1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    torch.manual_seed(SEED)
    np.random.seed(SEED)

    tok = build_tokenizer()
    tok_path = out / "tokenizer.json"
    tok.save(str(tok_path))
    versions = {"torch": torch.__version__, "transformers": transformers.__version__, "onnxruntime": onnxruntime.__version__,
                "tokenizers": tokenizers.__version__}
    vocab_size = tok.get_vocab_size()

    def model_dir(name, manifest):
        d = out / name
        d.mkdir()
        shutil.copy(tok_path, d / "tokenizer.json")
        manifest.update({
            "provenance": {"source": "tools/models/make_test_models.py", "weights": f"random, torch seed {SEED}",
                           "versions": versions},
            "licence": "MIT", "availability": "public", "max_length": MAX_LENGTH, "stride": STRIDE,
            "metrics": [],
        })
        (d / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        return d

    # --- NLI: premise + hypothesis -> softmax over 3 labels --------------------------------
    nli_cfg = bert_config(vocab_size, num_labels=3, id2label=dict(enumerate(NLI_LABELS)), label2id={l: i for i, l in enumerate(NLI_LABELS)})
    nli = transformers.BertForSequenceClassification(nli_cfg).eval()
    d = model_dir("tiny-nli", {"task": "nli", "head": "sequence-pair-classification", "labels": NLI_LABELS,
                               "description": "random-weight BERT for NLI parity tests"})
    export(nli, d / "model.onnx", ["logits"])
    save_config(nli, d)
    sess = ort_session(d / "model.onnx")
    pairs = [
        ("The patient was admitted with chest pain.", "The patient has chest pain."),
        ("No evidence of pneumonia on chest x ray.", "The patient has pneumonia."),
        ("She is taking metoprolol 25 mg twice daily.", "She takes a medication."),
        ("Creatinine was elevated at 2.1.", "Kidney injury."),
        ("Héllo wörld, BP 120/80, HR 72.", "Vitals are normal."),
    ]
    pair_tok = Tokenizer.from_file(str(tok_path))
    pair_tok.enable_truncation(MAX_LENGTH, strategy="longest_first")
    encs = [pair_tok.encode(p, h) for p, h in pairs]
    t_out, o_out = run_both(nli, sess, encs, ["logits"])
    ref = {"cases": [{"premise": p, "hypothesis": h, "encoding": encoding_json(e),
                      "transformers": softmax(t_out[0][i]).tolist(), "onnxruntime": softmax(o_out[0][i]).tolist()}
                     for i, ((p, h), e) in enumerate(zip(pairs, encs))]}
    (d / "reference.json").write_text(json.dumps(ref, indent=1) + "\n")

    # --- zero-shot CLIP through the NLI model -------------------------------------------------
    d = model_dir("tiny-zeroshot", {"task": "clip", "head": "zero-shot-nli", "labels": CLIP_LABELS,
                                    "nli_labels": NLI_LABELS, "hypothesis_template": HYPOTHESIS,
                                    "thresholds": {l: 0.5 for l in CLIP_LABELS},
                                    "description": "tiny-nli used zero-shot for CLIP"})
    shutil.copy(out / "tiny-nli" / "model.onnx", d / "model.onnx")
    zsc = transformers.pipeline("zero-shot-classification", model=nli, tokenizer=fast_tokenizer(tok_path), device="cpu")
    sentences = ["Follow up in clinic in two weeks.", "Take aspirin 81 mg daily.", "Repeat labs on Monday."]
    zs_tok = Tokenizer.from_file(str(tok_path))
    zs_tok.enable_truncation(MAX_LENGTH, strategy="only_first")
    cases = []
    for s in sentences:
        r = zsc(s, candidate_labels=CLIP_LABELS, hypothesis_template=HYPOTHESIS, multi_label=True)
        cases.append({"sentence": s, "transformers": dict(zip(r["labels"], r["scores"])),
                      "encodings": [{"pair": HYPOTHESIS.format(l), "encoding": encoding_json(zs_tok.encode(s, HYPOTHESIS.format(l)))}
                                    for l in CLIP_LABELS]})
    (d / "reference.json").write_text(json.dumps({"cases": cases}, indent=1) + "\n")

    # --- CLIP: one sentence -> sigmoid over 7 labels -----------------------------------------
    clip_cfg = bert_config(vocab_size, num_labels=7, problem_type="multi_label_classification",
                           id2label=dict(enumerate(CLIP_LABELS)), label2id={l: i for i, l in enumerate(CLIP_LABELS)})
    clip = transformers.BertForSequenceClassification(clip_cfg).eval()
    d = model_dir("tiny-clip", {"task": "clip", "head": "sentence-multi-label", "labels": CLIP_LABELS,
                                "thresholds": {l: 0.5 for l in CLIP_LABELS},
                                "description": "random-weight BERT for CLIP parity tests"})
    export(clip, d / "model.onnx", ["logits"])
    save_config(clip, d)
    sess = ort_session(d / "model.onnx")
    single = Tokenizer.from_file(str(tok_path))
    single.enable_truncation(MAX_LENGTH)
    sentences = ["Follow up with Dr. Smith in 2 weeks.", "Take aspirin 81 mg daily.", "Repeat labs on Monday: potassium, creatinine.",
                 "CT scan of the chest showed no evidence of pneumonia.", "Call if chest pain returns."]
    encs = [single.encode(s) for s in sentences]
    t_out, o_out = run_both(clip, sess, encs, ["logits"])
    sig = lambda x: 1 / (1 + np.exp(-x))
    ref = {"cases": [{"sentence": s, "encoding": encoding_json(e), "transformers": sig(t_out[0][i]).tolist(),
                      "onnxruntime": sig(o_out[0][i]).tolist()} for i, (s, e) in enumerate(zip(sentences, encs))]}
    (d / "reference.json").write_text(json.dumps(ref, indent=1) + "\n")

    # --- QA: question + context -> spans over doc-stride windows ---------------------------
    qa = transformers.BertForQuestionAnswering(bert_config(vocab_size)).eval()
    d = model_dir("tiny-qa", {"task": "qa", "head": "span-extraction", "labels": [], "max_answer_length": 15,
                              "description": "random-weight BERT for QA parity tests"})
    export(qa, d / "model.onnx", ["start_logits", "end_logits"])
    save_config(qa, d)
    sess = ort_session(d / "model.onnx")
    long_context = (
        "History: 67 year old man admitted with chest pain and shortness of breath. "
        "Labs: creatinine 1.4, potassium 4.2, hemoglobin 12.1, white count normal. "
        "Imaging: CT scan of the chest showed no evidence of pneumonia; echo showed heart failure. "
        "Procedure: cardiac catheterization performed on day two, one stent placed. "
        "Medications: aspirin 81 mg daily, metoprolol 25 mg twice daily, lisinopril 10 mg daily. "
        "Instructions: avoid lifting, no driving for one week, call if chest pain returns. "
        "Follow up: clinic appointment in two weeks with repeat labs.")
    questions = [
        ("What did the CT scan show?", long_context, 5, 15),
        ("What medications was he taking?", long_context, 3, 15),
        ("Why was the patient admitted?", "The patient was admitted with fever and cough.", 4, 15),
        ("What was the potassium?", "Potassium 4.2, sodium normal. Héllo wörld!", 3, 15),
    ]
    qa_tok = Tokenizer.from_file(str(tok_path))
    qa_tok.enable_truncation(MAX_LENGTH, stride=STRIDE, strategy="only_second")
    cases = []
    for q, ctx, top_k, max_len in questions:
        enc = qa_tok.encode(q, ctx)
        windows = [enc] + list(enc.overflowing)
        for w in windows:
            w.overflowing  # noqa: B018 - windows are flat
        t_out, o_out = run_both(qa, sess, windows, ["start_logits", "end_logits"])
        answers, null = [], 1e9
        for i, w in enumerate(windows):
            spans, nscore = decode_spans(w, t_out[0][i], t_out[1][i], top_k * 2 + 10, max_len)
            null = min(null, nscore)
            for s, e, score in spans:
                a, _ = word_chars(w, s, 1)
                _, b = word_chars(w, e, 1)
                same = next((x for x in answers if x["text"].lower() == ctx[a:b].lower()), None)
                if same:
                    same["score"] += score
                else:
                    answers.append({"text": ctx[a:b], "start": a, "end": b, "score": score})
        answers.sort(key=lambda x: -x["score"])
        cases.append({
            "question": q, "context": ctx, "top_k": top_k, "max_answer_length": max_len,
            "windows": [encoding_json(w) for w in windows],
            "logits_transformers": [[t_out[0][i][:len(w.ids)].tolist(), t_out[1][i][:len(w.ids)].tolist()] for i, w in enumerate(windows)],
            "logits_onnxruntime": [[o_out[0][i][:len(w.ids)].tolist(), o_out[1][i][:len(w.ids)].tolist()] for i, w in enumerate(windows)],
            "answers": answers[:top_k], "no_answer_score": null,
        })
    (d / "reference.json").write_text(json.dumps({"cases": cases}, indent=1) + "\n")

    make_t5(out, pathlib.Path(__file__).resolve().parents[2],
            {"source": "tools/models/t5_test_model.py", "weights": "random, torch seed 1", "versions": versions})

    tok_path.unlink()
    (out / "COMPLETE").write_text(json.dumps(versions) + "\n")
    print(f"make_test_models: wrote {sorted(p.name for p in out.iterdir())} to {out}")


if __name__ == "__main__":
    sys.exit(main())
