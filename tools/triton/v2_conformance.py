"""Checks clinlm's KServe v2 (Open Inference Protocol) server with Triton's own HTTP and gRPC clients.

Run by web/triton_test.go against `clinlm serve --models .cache/testmodels --v2-grpc-addr ...` on loopback:

    .venv-triton/bin/python tools/triton/v2_conformance.py --url 127.0.0.1:PORT [--grpc-url 127.0.0.1:PORT2] --marker TEXT

It exercises what a plain tritonclient user does: liveness, readiness, server and model metadata,
tensor inference with binary and JSON data, the BYTES text pipeline of each task, and bad requests
(which must come back as 4xx with the protocol's {"error": ...} body). --marker is put into every
note text so the Go test can check that no note text reaches clinlm's logs. Exits non-zero with a
message on the first failed check.
"""

import argparse
import json
import sys

import grpc
import numpy as np
import tritonclient.grpc as grpcclient
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

NLI, QA, CLIP, T5_NLI = "tiny-nli", "tiny-qa", "tiny-clip", "tiny-t5-nli"


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def bytes_input(name, texts, binary):
    t = httpclient.InferInput(name, [len(texts)], "BYTES")
    t.set_data_from_numpy(np.array([s.encode() for s in texts], dtype=np.object_), binary_data=binary)
    return t


def int64_input(name, array, binary):
    t = httpclient.InferInput(name, list(array.shape), "INT64")
    t.set_data_from_numpy(array.astype(np.int64), binary_data=binary)
    return t


def expect_error(status, fn, what):
    try:
        fn()
    except InferenceServerException as e:
        check(e.status() == str(status), f"{what}: status {e.status()} ({e.message()}), want {status}")
        check(e.message(), f"{what}: the error has no message")
        return e.message()
    raise AssertionError(f"{what}: no error")


def tensors(client, binary):
    """The model's own session inputs and outputs."""
    meta = client.get_model_metadata(NLI)
    names = [i["name"] for i in meta["inputs"] if i["datatype"] == "INT64"]
    check(names == ["input_ids", "attention_mask", "token_type_ids"], f"tensor inputs {names}")
    ids = np.array([[2, 15, 27, 40, 3]])
    feed = lambda ids, mask: [int64_input("input_ids", ids, binary), int64_input("attention_mask", mask, binary),
                              int64_input("token_type_ids", np.zeros_like(ids), binary)]
    one = client.infer(NLI, feed(ids, np.ones_like(ids)),
                       outputs=[httpclient.InferRequestedOutput("logits", binary_data=binary)])
    logits = one.as_numpy("logits")
    check(logits.shape == (1, 3) and logits.dtype == np.float32, f"logits {logits.shape} {logits.dtype}")
    check(np.isfinite(logits).all(), "logits are not finite")
    # The same row padded in a batch of two gives the same logits: the attention mask is honoured.
    batch = np.array([[2, 15, 27, 40, 3, 0, 0], [2, 9, 9, 9, 9, 9, 3]])
    mask = np.array([[1, 1, 1, 1, 1, 0, 0], [1] * 7])
    two = client.infer(NLI, feed(batch, mask)).as_numpy("logits")
    check(two.shape == (2, 3), f"batch logits {two.shape}")
    check(np.allclose(two[0], logits[0], atol=1e-4), f"padded row {two[0]} != {logits[0]}")
    return logits


def pipeline(client, binary, marker):
    nli_labels = ["entailment", "neutral", "contradiction"]
    premise = [f"{marker} The patient has a fever.", f"{marker} No chest pain."]
    hypothesis = ["The patient is unwell.", "The patient has chest pain."]
    for model in (NLI, T5_NLI):
        res = client.infer(model, [bytes_input("premise", premise, binary), bytes_input("hypothesis", hypothesis, binary)])
        labels = [x.decode() for x in res.as_numpy("label")]
        scores = res.as_numpy("scores")
        check(all(label in nli_labels for label in labels), f"{model} labels {labels}")
        check(scores.shape == (2, 3), f"{model} scores {scores.shape}")
        for i, raw in enumerate(res.as_numpy("result")):
            out = json.loads(raw)
            check(out["labels"][0]["label"] == labels[i], f"{model} result {out} vs label {labels[i]}")
    context = f"{marker} Findings: small left pleural effusion. Impression: no pneumothorax."
    top_k = httpclient.InferInput("top_k", [1], "INT64")
    top_k.set_data_from_numpy(np.array([2], dtype=np.int64), binary_data=binary)
    res = client.infer(QA, [bytes_input("question", ["What is on the left?"], binary),
                            bytes_input("context", [context], binary), top_k])
    answers, starts, ends = res.as_numpy("answer"), res.as_numpy("answer_start"), res.as_numpy("answer_end")
    check(answers.shape == (1, 2), f"qa answers {answers.shape}")
    for a, s, e in zip(answers[0], starts[0], ends[0]):
        if s >= 0:  # spans are code-point offsets into the context
            check(context[s:e] == a.decode(), f"qa span [{s}:{e}] {context[s:e]!r} != {a.decode()!r}")
    text = f"{marker} Follow up with cardiology in two weeks. Start aspirin 81 mg daily."
    res = client.infer(CLIP, [bytes_input("text", [text], binary)])
    out = json.loads(res.as_numpy("result")[0])
    check(len(out["sentences"]) == 2, f"clip sentences {out['sentences']}")
    for s in out["sentences"]:
        check(text[s["start"]:s["end"]] == s["text"], f"clip sentence span {s}")
        check({x["label"] for x in s["labels"]} == set(out["thresholds"]), f"clip labels {s['labels']}")


def bad_requests(client, marker):
    ids = np.array([[2, 15, 3]])
    expect_error(404, lambda: client.infer("no-such-model", [bytes_input("text", ["x"], False)]), "unknown model")
    expect_error(404, lambda: client.get_model_metadata(NLI, model_version="7"), "unknown version")
    expect_error(400, lambda: client.infer(NLI, [bytes_input("premise", [marker], True)]), "missing hypothesis")
    expect_error(400, lambda: client.infer(NLI, [bytes_input("premise", ["a"], True), bytes_input("hypothesis", ["a", "b"], True)]),
                 "text inputs of different lengths")
    expect_error(400, lambda: client.infer(NLI, [int64_input("input_ids", ids, True)]), "missing tensor inputs")
    wrong = httpclient.InferInput("input_ids", [1, 3], "FP32")
    wrong.set_data_from_numpy(ids.astype(np.float32))
    expect_error(400, lambda: client.infer(NLI, [wrong, int64_input("attention_mask", ids * 0 + 1, True),
                                                 int64_input("token_type_ids", ids * 0, True)]), "FP32 token ids")
    expect_error(400, lambda: client.infer(NLI, [int64_input("input_ids", ids, True), int64_input("attention_mask", np.array([[1, 1]]), True),
                                                 int64_input("token_type_ids", ids * 0, True)]), "shapes disagree")
    expect_error(400, lambda: client.infer(NLI, [int64_input("input_ids", np.array([[2, 10**6, 3]]), False),
                                                 int64_input("attention_mask", ids * 0 + 1, False),
                                                 int64_input("token_type_ids", ids * 0, False)]), "token id beyond the vocabulary")
    expect_error(413, lambda: client.infer(NLI, [int64_input(n, np.ones((1, 4096), dtype=np.int64), True)
                                                 for n in ("input_ids", "attention_mask", "token_type_ids")]), "longer than max_length")
    expect_error(400, lambda: client.infer(NLI, [bytes_input("premise", ["a"], True), bytes_input("hypothesis", ["b"], True)],
                                           outputs=[httpclient.InferRequestedOutput("nope")]), "unknown output")
    expect_error(400, lambda: client.infer(T5_NLI, [int64_input("input_ids", ids, True)]), "tensors to a text-to-text model")
    # Bodies tritonclient would never send, through its raw POST.
    for body, what in ((b"{", "truncated JSON"), (b'{"inputs": []}', "no inputs"),
                       (b'{"inputs": [{"name": "premise", "shape": [1], "datatype": "BYTES", "data": [1]}]}', "number as BYTES"),
                       (b'{"inputs": [{"name": "premise", "shape": [-1], "datatype": "BYTES", "data": []}]}', "negative dimension"),
                       (b'{"inputs": [], "extra": 1}', "unknown field")):
        resp = client._post(f"v2/models/{NLI}/infer", body, {}, None)
        check(resp.status_code == 400, f"{what}: status {resp.status_code}")
        err = json.loads(resp.read())
        check(isinstance(err.get("error"), str) and err["error"], f"{what}: body {err}")
        check(marker not in err["error"], f"{what}: the error repeats the input")


def grpc_checks(url, marker, http_logits):
    """The same server over the protocol's gRPC form (--v2-grpc-addr), with tritonclient.grpc."""
    client = grpcclient.InferenceServerClient(url=url)
    check(client.is_server_live(), "gRPC: server not live")
    check(client.is_server_ready(), "gRPC: server not ready")
    check(client.get_server_metadata().name == "clinlm", "gRPC: server metadata")
    for model in (NLI, QA, CLIP, T5_NLI):
        check(client.is_model_ready(model), f"gRPC: {model} not ready")
        meta = client.get_model_metadata(model)
        check(meta.name == model and list(meta.versions) == ["1"], f"gRPC: {model} metadata {meta}")
    # Tensors: tritonclient.grpc sends raw_input_contents; the logits match the HTTP form's.
    ids = np.array([[2, 15, 27, 40, 3]], dtype=np.int64)
    feed = []
    for name, value in (("input_ids", ids), ("attention_mask", np.ones_like(ids)), ("token_type_ids", np.zeros_like(ids))):
        t = grpcclient.InferInput(name, list(value.shape), "INT64")
        t.set_data_from_numpy(value)
        feed.append(t)
    logits = client.infer(NLI, feed).as_numpy("logits")
    check(np.allclose(logits, http_logits, atol=1e-6), f"gRPC logits {logits} != HTTP {http_logits}")
    # The text pipeline.
    def texts(name, values):
        t = grpcclient.InferInput(name, [len(values)], "BYTES")
        t.set_data_from_numpy(np.array([v.encode() for v in values], dtype=np.object_))
        return t
    premise, hypothesis = [f"{marker} No fever today."], ["The patient is afebrile."]
    for model in (NLI, T5_NLI):
        res = client.infer(model, [texts("premise", premise), texts("hypothesis", hypothesis)])
        out = json.loads(res.as_numpy("result")[0])
        check(out["labels"][0]["label"] == res.as_numpy("label")[0].decode(), f"gRPC {model} result {out}")
    context = f"{marker} Findings: small left pleural effusion."
    res = client.infer(QA, [texts("question", ["What is on the left?"]), texts("context", [context])])
    for a, s, e in zip(res.as_numpy("answer")[0], res.as_numpy("answer_start")[0], res.as_numpy("answer_end")[0]):
        if s >= 0:
            check(context[s:e] == a.decode(), f"gRPC qa span [{s}:{e}] {context[s:e]!r} != {a.decode()!r}")
    res = client.infer(CLIP, [texts("text", [f"{marker} Follow up in two weeks."])])
    check(len(json.loads(res.as_numpy("result")[0])["sentences"]) == 1, "gRPC clip result")
    # Errors are gRPC statuses with the HTTP form's messages, never repeating the input.
    def expect(code, fn, what):
        try:
            fn()
        except InferenceServerException as e:
            check(e.status() == str(code), f"gRPC {what}: status {e.status()} ({e.message()}), want {code}")
            check(marker not in (e.message() or ""), f"gRPC {what}: the error repeats the input")
            return
        raise AssertionError(f"gRPC {what}: no error")
    expect(grpc.StatusCode.NOT_FOUND, lambda: client.infer("no-such-model", [texts("text", ["x"])]), "unknown model")
    expect(grpc.StatusCode.NOT_FOUND, lambda: client.get_model_metadata(NLI, model_version="7"), "unknown version")
    expect(grpc.StatusCode.INVALID_ARGUMENT, lambda: client.infer(NLI, [texts("premise", [marker])]), "missing hypothesis")
    expect(grpc.StatusCode.INVALID_ARGUMENT, lambda: client.infer(NLI, feed[:1]), "missing tensor inputs")
    expect(grpc.StatusCode.INVALID_ARGUMENT, lambda: client.infer(NLI, [texts("premise", ["a"]), texts("hypothesis", ["b"])],
                                                                  outputs=[grpcclient.InferRequestedOutput("nope")]), "unknown output")
    check(client.is_model_ready(NLI, model_version="1"), "gRPC: version 1 not ready")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True, help="host:port of clinlm")
    ap.add_argument("--grpc-url", help="host:port of clinlm's v2 gRPC form (--v2-grpc-addr); checked when given")
    ap.add_argument("--marker", required=True, help="text put into every note")
    args = ap.parse_args()
    client = httpclient.InferenceServerClient(url=args.url)
    check(client.is_server_live(), "server not live")
    check(client.is_server_ready(), "server not ready")
    meta = client.get_server_metadata()
    check(meta["name"] == "clinlm" and "binary_tensor_data" in meta["extensions"], f"server metadata {meta}")
    for model in (NLI, QA, CLIP, T5_NLI):
        check(client.is_model_ready(model), f"{model} not ready")
        check(client.is_model_ready(model, model_version="1"), f"{model} version 1 not ready")
        meta = client.get_model_metadata(model)
        check(meta["name"] == model and meta["versions"] == ["1"], f"{model} metadata {meta}")
    check(not client.is_model_ready("no-such-model"), "an unknown model is ready")
    binary_logits = tensors(client, binary=True)
    json_logits = tensors(client, binary=False)
    check(np.allclose(binary_logits, json_logits, atol=1e-6), "binary and JSON tensors disagree")
    pipeline(client, binary=True, marker=args.marker)
    pipeline(client, binary=False, marker=args.marker)
    bad_requests(client, args.marker)
    if args.grpc_url:
        grpc_checks(args.grpc_url, args.marker, binary_logits)
    print("v2 conformance: all checks passed")


if __name__ == "__main__":
    try:
        main()
    except (AssertionError, InferenceServerException) as e:
        print(f"v2 conformance FAILED: {e}", file=sys.stderr)
        sys.exit(1)
