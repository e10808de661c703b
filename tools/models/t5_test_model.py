"""A tiny random-weight T5 in HF optimum's ONNX layout, with transformers' generations as reference.

Writes, beside the BERT test models of make_test_models.py:

  tiny-t5-nli   encoder_model.onnx, decoder_model.onnx, decoder_with_past_model.onnx, tokenizer.json,
                manifest.json, reference.json
  tiny-t5-qa    the same ONNX files and tokenizer (symlinks), a QA manifest
  tiny-t5-clip  the same, a CLIP manifest
  tiny-t5-merged  encoder_model.onnx and tokenizer.json (symlinks) with decoder_model_merged.onnx in place of the
                two decoders, the NLI manifest: optimum's default post-processed layout

The tokenizer is the real T5 SentencePiece tokenizer from <repo>/../shared/tokenizers/t5.json (or
$CLINLM_SHARED/tokenizers/t5.json); it is copied into the output folder only, never into the repository.
When it is absent the T5 models are not written and the Go tests that need them skip.

optimum itself is not used: optimum-onnx 0.1.0 (the package that now holds `optimum-cli export onnx`)
requires transformers < 4.58, and tools/models pins transformers 5. The export below reproduces the layout
of `optimum-cli export onnx --task text2text-generation-with-past` (its merged decoder: further down) with
torch.onnx.export: the same three files, input and output names, order and dynamic axes:

  encoder_model.onnx           input_ids, attention_mask -> last_hidden_state
  decoder_model.onnx           encoder_attention_mask, input_ids, encoder_hidden_states
                               -> logits, present.{i}.decoder.key|value, present.{i}.encoder.key|value
  decoder_with_past_model.onnx input_ids, encoder_attention_mask, encoder_hidden_states,
                               past_key_values.{i}.decoder.key|value, past_key_values.{i}.encoder.key|value
                               -> logits, present.{i}.decoder.key|value

Random weights decode to one token repeated, and never stop. Two adjustments make the reference exercise
the decoder: the output embedding is scaled down (flatter distributions, so beam search and greedy
disagree) and the end-of-sequence row copies (x1.05) that of the third most frequent greedy token, so that
some generations end early and beam search sees finished hypotheses.

decoder_model_merged.onnx is what optimum's post-processing (`merge_decoders` in optimum.onnx) makes of the two
decoders: one graph whose only node is an If on a bool input `use_cache_branch` ([1]); the else branch is
decoder_model.onnx, the then branch decoder_with_past_model.onnx. Inputs are the decoder's, then the past's that
the decoder lacks (past_key_values.*), then use_cache_branch; outputs are the decoder's, the with-past branch
returning empty constants ([0, heads, 1, d_kv]) for the present.{i}.encoder.* it does not compute. Weights both
branches hold are stored once, in the outer graph. merge_decoders below rebuilds that with the onnx API.
"""

import collections
import hashlib
import json
import os
import pathlib
import shutil

import numpy as np
import onnx
import onnxruntime
import torch
import transformers
from transformers import T5Config, T5ForConditionalGeneration
from transformers.cache_utils import DynamicCache, EncoderDecoderCache

T5_SEED = 1
MAX_LENGTH = 64
MAX_NEW_TOKENS = 10
NLI_WORDS = ["entailment", "neutral", "contradiction"]
CLIP_LABELS = ["appointment", "medication", "lab", "patient instructions", "procedure", "imaging", "other"]
PROMPTS = {
    "nli": "mednli premise: {premise} hypothesis: {hypothesis}",
    "qa": "question: {question} context: {context}",
    "clip": "{text}",
}
# Decoding settings the reference covers: greedy, HF's beam defaults, and a length penalty with early stopping.
SETTINGS = [
    {"name": "greedy", "num_beams": 1, "length_penalty": 1.0, "early_stopping": False},
    {"name": "beam3", "num_beams": 3, "length_penalty": 1.0, "early_stopping": False},
    {"name": "beam4-lp0.6-early", "num_beams": 4, "length_penalty": 0.6, "early_stopping": True},
]
CASES = [
    ("nli", {"premise": "The patient was admitted with chest pain.", "hypothesis": "The patient has chest pain."}),
    ("nli", {"premise": "No evidence of pneumonia.", "hypothesis": "The patient has pneumonia."}),
    ("qa", {"question": "What did the CT scan show?", "context": "CT scan of the chest showed no evidence of pneumonia."}),
    ("qa", {"question": "What dose?", "context": "Aspirin 81 mg daily."}),
    ("clip", {"text": "Follow up with Dr. Smith in 2 weeks."}),
    ("clip", {"text": "Take aspirin 81 mg daily."}),
    ("clip", {"text": "Repeat labs on Monday."}),
]


def shared_tokenizer(repo_root: pathlib.Path) -> pathlib.Path | None:
    shared = os.environ.get("CLINLM_SHARED") or str(repo_root.parent / "shared")
    path = pathlib.Path(shared) / "tokenizers" / "t5.json"
    return path if path.is_file() else None


def fill(task: str, fields: dict) -> str:
    text = PROMPTS[task]
    for k, v in fields.items():
        text = text.replace("{" + k + "}", v)
    return text


class Encoder(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.encoder = model.get_encoder()

    def forward(self, input_ids, attention_mask):
        return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state


def flatten_cache(cache: EncoderDecoderCache, layers: int, with_encoder: bool):
    out = []
    for i in range(layers):
        out += [cache.self_attention_cache.layers[i].keys, cache.self_attention_cache.layers[i].values]
        if with_encoder:
            out += [cache.cross_attention_cache.layers[i].keys, cache.cross_attention_cache.layers[i].values]
    return out


class Decoder(torch.nn.Module):
    """The first decoding step(s): no past; returns the self- and cross-attention caches."""

    def __init__(self, model):
        super().__init__()
        self.model, self.layers = model, model.config.num_decoder_layers

    def forward(self, encoder_attention_mask, input_ids, encoder_hidden_states):
        cache = EncoderDecoderCache(DynamicCache(), DynamicCache())
        out = self.model(encoder_outputs=(encoder_hidden_states,), attention_mask=encoder_attention_mask,
                         decoder_input_ids=input_ids, past_key_values=cache, use_cache=True)
        return (out.logits, *flatten_cache(out.past_key_values, self.layers, True))


class DecoderWithPast(torch.nn.Module):
    """One decoding step with the cache; the cross-attention cache is read, not returned."""

    def __init__(self, model):
        super().__init__()
        self.model, self.layers = model, model.config.num_decoder_layers

    def forward(self, input_ids, encoder_attention_mask, encoder_hidden_states, *past):
        self_cache, cross_cache = DynamicCache(), DynamicCache()
        for i in range(self.layers):
            dk, dv, ek, ev = past[4 * i:4 * i + 4]
            self_cache.update(dk, dv, i)
            cross_cache.update(ek, ev, i)
        cache = EncoderDecoderCache(self_cache, cross_cache)
        out = self.model(encoder_outputs=(encoder_hidden_states,), attention_mask=encoder_attention_mask,
                         decoder_input_ids=input_ids, past_key_values=cache, use_cache=True)
        return (out.logits, *flatten_cache(out.past_key_values, self.layers, False))


def past_names(prefix: str, layers: int, with_encoder: bool) -> list[str]:
    names = []
    for i in range(layers):
        names += [f"{prefix}.{i}.decoder.key", f"{prefix}.{i}.decoder.value"]
        if with_encoder:
            names += [f"{prefix}.{i}.encoder.key", f"{prefix}.{i}.encoder.value"]
    return names


def export_optimum_layout(model, d: pathlib.Path):
    layers = model.config.num_decoder_layers
    heads, d_kv, d_model = model.config.num_heads, model.config.d_kv, model.config.d_model
    ids = torch.tensor([[100, 200, 300, 400, 1], [500, 600, 1, 0, 0]], dtype=torch.int64)
    mask = (ids != 0).to(torch.int64)
    mask[0, :] = 1
    enc_axes = {0: "batch_size", 1: "encoder_sequence_length"}
    torch.onnx.export(Encoder(model), (ids, mask), str(d / "encoder_model.onnx"),
                      input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
                      dynamic_axes={"input_ids": enc_axes, "attention_mask": enc_axes, "last_hidden_state": enc_axes},
                      opset_version=17, dynamo=False)
    hidden = torch.randn(2, ids.shape[1], d_model)
    dec_ids = torch.tensor([[0, 5, 6], [0, 7, 8]], dtype=torch.int64)
    present = past_names("present", layers, True)
    axes = {"encoder_attention_mask": enc_axes, "input_ids": {0: "batch_size", 1: "decoder_sequence_length"},
            "encoder_hidden_states": enc_axes, "logits": {0: "batch_size", 1: "decoder_sequence_length"}}
    for n in present:
        axes[n] = {0: "batch_size", 2: "decoder_sequence_length" if ".decoder." in n else "encoder_sequence_length_out"}
    torch.onnx.export(Decoder(model), (mask, dec_ids, hidden), str(d / "decoder_model.onnx"),
                      input_names=["encoder_attention_mask", "input_ids", "encoder_hidden_states"],
                      output_names=["logits", *present], dynamic_axes=axes, opset_version=17, dynamo=False)
    past_in = past_names("past_key_values", layers, True)
    past = []
    for n in past_in:
        length = 3 if ".decoder." in n else ids.shape[1]
        past.append(torch.randn(2, heads, length, d_kv))
    present = past_names("present", layers, False)
    axes = {"input_ids": {0: "batch_size"}, "encoder_attention_mask": enc_axes, "encoder_hidden_states": enc_axes,
            "logits": {0: "batch_size"}}
    for n in past_in:
        axes[n] = {0: "batch_size", 2: "past_decoder_sequence_length" if ".decoder." in n else "encoder_sequence_length_out"}
    for n in present:
        axes[n] = {0: "batch_size", 2: "past_decoder_sequence_length + 1"}
    torch.onnx.export(DecoderWithPast(model), (dec_ids[:, -1:], mask, hidden, *past), str(d / "decoder_with_past_model.onnx"),
                      input_names=["input_ids", "encoder_attention_mask", "encoder_hidden_states", *past_in],
                      output_names=["logits", *present], dynamic_axes=axes, opset_version=17, dynamo=False)


def _dims(value: onnx.ValueInfoProto) -> list:
    return [d.dim_value if d.HasField("dim_value") else None for d in value.type.tensor_type.shape.dim]


def merge_decoders(decoder_path: pathlib.Path, with_past_path: pathlib.Path, out_path: pathlib.Path):
    """Writes optimum's decoder_model_merged.onnx layout from the two decoders (see the module docstring)."""
    dec, past = onnx.load(str(decoder_path)), onnx.load(str(with_past_path))
    if dec.opset_import != past.opset_import:
        raise SystemExit("t5 merge: the two decoders use different opsets")
    outputs = list(dec.graph.output)
    # The with-past decoder does not return the cross-attention cache; the If needs the same outputs in both
    # branches, so it returns empty tensors under those names.
    computed = {o.name for o in past.graph.output}
    for o in outputs:
        if o.name not in computed:
            shape = [0] + [1 if d is None else d for d in _dims(o)[1:]]
            empty = onnx.helper.make_tensor(o.name + "/empty", o.type.tensor_type.elem_type, shape, [])
            past.graph.node.append(onnx.helper.make_node("Constant", [], [o.name], name=o.name + "/constant", value=empty))

    # Weights: one copy per distinct tensor in the outer graph, visible to both branches. Scalars and 1-D integer
    # constants stay in their branch, as optimum keeps them.
    shared, shared_names = [], {}
    branches = []
    for tag, model in (("no_past", dec), ("with_past", past)):
        local, rename = [], {}
        for init in model.graph.initializer:
            if len(init.dims) == 0 or (len(init.dims) == 1 and init.data_type in (onnx.TensorProto.INT32, onnx.TensorProto.INT64)):
                local.append(init)
                continue
            digest = hashlib.sha256(onnx.numpy_helper.to_array(init).tobytes()).hexdigest()
            key = (init.data_type, tuple(init.dims), digest)
            if key not in shared_names:
                shared_names[key] = f"{init.name}_merged_{len(shared_names)}"
                outer = onnx.TensorProto()
                outer.CopyFrom(init)
                outer.name = shared_names[key]
                shared.append(outer)
            rename[init.name] = shared_names[key]
        for node in model.graph.node:
            if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS) for a in node.attribute):
                raise SystemExit(f"t5 merge: {tag} has a nested graph in {node.op_type}; not handled")
            for j, name in enumerate(node.input):
                node.input[j] = rename.get(name, name)
        branches.append(onnx.helper.make_graph(list(model.graph.node), tag, [], outputs, initializer=local))

    inputs = list(dec.graph.input)
    inputs += [i for i in past.graph.input if i.name not in {x.name for x in dec.graph.input}]
    inputs.append(onnx.helper.make_tensor_value_info("use_cache_branch", onnx.TensorProto.BOOL, [1]))
    switch = onnx.helper.make_node("If", ["use_cache_branch"], [o.name for o in outputs], name="optimum::if",
                                   then_branch=branches[1], else_branch=branches[0])
    graph = onnx.helper.make_graph([switch], "merged", inputs, outputs, initializer=shared)
    merged = onnx.helper.make_model(graph, producer_name="optimum-onnx", opset_imports=list(dec.opset_import))
    merged.ir_version = dec.ir_version
    onnx.checker.check_model(merged)
    onnx.save(merged, str(out_path))
    return len(shared)


def check_merged(d: pathlib.Path, merged: pathlib.Path, input_ids: list[int]) -> float:
    """The merged decoder must compute what the two decoders compute, with optimum's inputs: on the first step
    use_cache_branch false and empty past_key_values, after it true and the cache."""
    enc, dec, past, mer = (session(p) for p in (d / "encoder_model.onnx", d / "decoder_model.onnx",
                                               d / "decoder_with_past_model.onnx", merged))
    ids = np.array([input_ids], dtype=np.int64)
    mask = np.ones_like(ids)
    hidden = enc.run(None, {"input_ids": ids, "attention_mask": mask})[0]
    mnames = [o.name for o in mer.get_outputs()]
    feed = {"encoder_attention_mask": mask, "input_ids": np.array([[0]]), "encoder_hidden_states": hidden,
            "use_cache_branch": np.array([False])}
    for i in mer.get_inputs():
        if i.name.startswith("past_key_values."):
            feed[i.name] = np.zeros((1, i.shape[1], 0, i.shape[3]), dtype=np.float32)
    want = dec.run(None, {k: feed[k] for k in ("encoder_attention_mask", "input_ids", "encoder_hidden_states")})
    got = mer.run(None, feed)
    diff = max(float(np.max(np.abs(a - b))) for a, b in zip(want, got))
    cache = dict(zip(mnames, got))
    feeds = {i.name for i in past.get_inputs()}
    for t in (27, 33, 1000):
        feed = {"input_ids": np.array([[t]]), "encoder_attention_mask": mask, "encoder_hidden_states": hidden,
                "use_cache_branch": np.array([True])}
        for n, v in list(cache.items()):
            if n.startswith("present."):
                feed["past_key_values." + n[len("present."):]] = v
        want = past.run(None, {k: v for k, v in feed.items() if k in feeds})
        got = mer.run(None, feed)
        got_by_name = dict(zip(mnames, got))
        for n, w in zip([o.name for o in past.get_outputs()], want):
            diff = max(diff, float(np.max(np.abs(w - got_by_name[n]))))
        for n, v in got_by_name.items():
            if ".encoder." in n:
                if v.shape[0] != 0:
                    raise SystemExit(f"t5 merge: with-past branch returns {n} of shape {v.shape}, want empty")
            else:
                cache[n] = v
    if diff > 1e-5:
        raise SystemExit(f"t5 merge: merged decoder differs from the two decoders by {diff}")
    return diff


def session(path: pathlib.Path):
    opts = onnxruntime.SessionOptions()
    opts.intra_op_num_threads = 1
    return onnxruntime.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def check_export(model, d: pathlib.Path, input_ids: list[int]):
    """The ONNX files must compute what transformers computes, step by step with the cache."""
    enc, dec, past = (session(d / f) for f in ("encoder_model.onnx", "decoder_model.onnx", "decoder_with_past_model.onnx"))
    ids = np.array([input_ids], dtype=np.int64)
    mask = np.ones_like(ids)
    hidden = enc.run(None, {"input_ids": ids, "attention_mask": mask})[0]
    tokens = [0, 27, 33, 1000]
    with torch.no_grad():
        want = model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask),
                     decoder_input_ids=torch.tensor([tokens])).logits[0].numpy()
    names = [o.name for o in dec.get_outputs()]
    outs = dec.run(None, {"encoder_attention_mask": mask, "input_ids": np.array([tokens[:1]]), "encoder_hidden_states": hidden})
    cache = dict(zip(names, outs))
    got = [outs[0][0, -1]]
    feeds = {i.name for i in past.get_inputs()}
    for t in tokens[1:]:
        feed = {"input_ids": np.array([[t]]), "encoder_attention_mask": mask}
        if "encoder_hidden_states" in feeds:
            feed["encoder_hidden_states"] = hidden
        for n, v in cache.items():
            if n.startswith("present."):
                feed["past_key_values." + n[len("present."):]] = v
        pnames = [o.name for o in past.get_outputs()]
        pouts = past.run(None, feed)
        got.append(pouts[0][0, -1])
        for n, v in zip(pnames, pouts):
            cache[n] = v
    diff = float(np.max(np.abs(np.stack(got) - want)))
    if diff > 1e-4:
        raise SystemExit(f"t5 export: ONNX logits differ from transformers by {diff}")
    return diff


def sequence_logprob(model, ids, gen: list[int]) -> float:
    """log p(gen | input) by teacher forcing; gen excludes the decoder start token."""
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids]), decoder_input_ids=torch.tensor([[0] + gen[:-1]])).logits[0]
    lp = torch.log_softmax(logits.double(), dim=-1)
    return float(sum(lp[i, t] for i, t in enumerate(gen)))


def strip(seq: list[int], eos: int) -> list[int]:
    """Generated tokens without the start token, cut after the first end-of-sequence token."""
    seq = seq[1:]
    return seq[:seq.index(eos) + 1] if eos in seq else seq


def make_t5(out: pathlib.Path, repo_root: pathlib.Path, provenance: dict) -> list[str]:
    src = shared_tokenizer(repo_root)
    if src is None:
        print("make_test_models: shared/tokenizers/t5.json not found; the tiny T5 models are not written")
        return []
    # One thread: on a shared 2-core machine torch's default spins and is ~7x slower for a model this small.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return write_t5(out, src, provenance)
    finally:
        torch.set_num_threads(threads)


def write_t5(out: pathlib.Path, src: pathlib.Path, provenance: dict) -> list[str]:
    tok = transformers.PreTrainedTokenizerFast(tokenizer_file=str(src), eos_token="</s>", unk_token="<unk>",
                                               pad_token="<pad>", model_max_length=MAX_LENGTH)
    torch.manual_seed(T5_SEED)
    cfg = T5Config(vocab_size=len(tok), d_model=32, d_kv=16, d_ff=64, num_layers=2, num_decoder_layers=2, num_heads=2,
                   dropout_rate=0.0, initializer_factor=4.0, decoder_start_token_id=0, eos_token_id=1, pad_token_id=0)
    model = T5ForConditionalGeneration(cfg).eval()
    prompts = [(task, fields, fill(task, fields)) for task, fields in CASES]
    encoded = [tok(p, truncation=True, max_length=MAX_LENGTH).input_ids for _, _, p in prompts]
    with torch.no_grad():
        model.lm_head.weight *= 0.1  # tied with the input embedding, as in T5 v1.0
        counts = collections.Counter()
        for ids in encoded:
            counts.update(model.generate(torch.tensor([ids]), max_new_tokens=MAX_NEW_TOKENS)[0].tolist()[1:])
        model.lm_head.weight[cfg.eos_token_id] = model.lm_head.weight[counts.most_common(3)[2][0]] * 1.05

    d = out / "tiny-t5-nli"
    d.mkdir()
    export_optimum_layout(model, d)
    shutil.copy(src, d / "tokenizer.json")
    diff = check_export(model, d, encoded[0])
    merged_dir = out / "tiny-t5-merged"
    merged_dir.mkdir()
    shared_weights = merge_decoders(d / "decoder_model.onnx", d / "decoder_with_past_model.onnx",
                                    merged_dir / "decoder_model_merged.onnx")
    merged_diff = check_merged(d, merged_dir / "decoder_model_merged.onnx", encoded[0])

    cases = []
    for (task, fields, prompt), ids in zip(prompts, encoded):
        gens = {}
        for s in SETTINGS:
            with torch.no_grad():
                res = model.generate(torch.tensor([ids]), max_new_tokens=MAX_NEW_TOKENS, num_beams=s["num_beams"],
                                     num_return_sequences=s["num_beams"], length_penalty=s["length_penalty"],
                                     early_stopping=s["early_stopping"], do_sample=False,
                                     output_scores=True, return_dict_in_generate=True)
            hyps = []
            for k, seq in enumerate(res.sequences.tolist()):
                gen = strip(seq, cfg.eos_token_id)
                h = {"tokens": gen, "text": tok.decode(gen, skip_special_tokens=True),
                     "sum_logprob": sequence_logprob(model, ids, gen)}
                if getattr(res, "sequences_scores", None) is not None:
                    h["score"] = float(res.sequences_scores[k])
                hyps.append(h)
            gens[s["name"]] = hyps
        case = {"task": task, "fields": fields, "prompt": prompt, "input_ids": ids, "generations": gens}
        if task == "nli":
            # The label words ranked by p(word + </s> | input), normalised over the label words.
            lps = [sequence_logprob(model, ids, tok(w).input_ids) for w in NLI_WORDS]
            case["label_word_ids"] = {w: tok(w).input_ids for w in NLI_WORDS}
            case["label_scores"] = dict(zip(NLI_WORDS, np.exp(np.array(lps) - np.logaddexp.reduce(lps)).tolist()))
        cases.append(case)
    ref = {"max_new_tokens": MAX_NEW_TOKENS, "max_length": MAX_LENGTH, "settings": SETTINGS,
           "decoder_start_token_id": 0, "eos_token_id": 1, "pad_token_id": 0,
           "onnx_vs_transformers_max_abs_logit_diff": diff, "merged_vs_separate_max_abs_diff": merged_diff,
           "merged_shared_weights": shared_weights, "cases": cases}
    (d / "reference.json").write_text(json.dumps(ref, indent=1) + "\n")

    base = {"licence": "MIT", "availability": "public", "max_length": MAX_LENGTH, "metrics": [],
            "head": "text-to-text", "provenance": provenance}
    gen_cfg = {"max_new_tokens": MAX_NEW_TOKENS, "num_beams": 1, "decoder_start_token_id": 0, "eos_token_id": 1,
               "pad_token_id": 0}
    manifests = {
        "tiny-t5-nli": {"task": "nli", "labels": NLI_WORDS, "text_to_text": {"prompt": PROMPTS["nli"], **gen_cfg},
                        "description": "random-weight T5 for text-to-text parity tests (NLI prompt)"},
        "tiny-t5-qa": {"task": "qa", "labels": [], "text_to_text": {"prompt": PROMPTS["qa"], **gen_cfg, "num_beams": 3},
                       "description": "random-weight T5 for text-to-text parity tests (QA prompt, beam search)"},
        "tiny-t5-clip": {"task": "clip", "labels": CLIP_LABELS, "text_to_text": {"prompt": PROMPTS["clip"], **gen_cfg},
                         "description": "random-weight T5 for text-to-text parity tests (CLIP label lists)"},
    }
    manifests["tiny-t5-merged"] = {**manifests["tiny-t5-nli"],
                                   "description": "random-weight T5 for text-to-text parity tests (merged decoder)"}
    for name, m in manifests.items():
        md = out / name
        md.mkdir(exist_ok=True)
        files = ("encoder_model.onnx", "decoder_model.onnx", "decoder_with_past_model.onnx", "tokenizer.json")
        if name == "tiny-t5-merged":
            files = ("encoder_model.onnx", "tokenizer.json")
        if name != "tiny-t5-nli":
            for f in files:
                (md / f).symlink_to(pathlib.Path("..") / "tiny-t5-nli" / f)
        (md / "manifest.json").write_text(json.dumps({**m, **base}, indent=2) + "\n")
    return list(manifests)
