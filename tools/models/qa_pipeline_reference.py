"""Runs HF's QuestionAnsweringPipeline as released in transformers 4.57 (the last release that has it)
over the cases of <dir>/tiny-qa/reference.json and writes <dir>/tiny-qa/pipeline_reference.json: per
case the pipeline's top_k answers (text, code-point start and end in the context, score). The model is
tiny-qa's ONNX export run by onnxruntime behind the pipeline's model call, so the pipeline's own
pre- and post-processing (doc-stride windows, p_mask, top_k*2+10 candidates per window, answers aligned
to words, same text merged case-insensitively) is what is compared with the Go engine
(inference TestParityQAPipeline).

  PYTHONPATH=.venv-models/qa-pipeline .venv-models/bin/python qa_pipeline_reference.py --out .cache/testmodels

Run through tools/models/setup.sh, which installs requirements-qa-pipeline.txt.
"""

import argparse
import json
import pathlib

import numpy as np
import onnxruntime
import torch
import transformers
from transformers import PreTrainedTokenizerFast
from transformers.pipelines.question_answering import QuestionAnsweringPipeline, SquadExample

assert transformers.__version__.startswith("4.57."), transformers.__version__


class OnnxQA:
    """Answers the pipeline's model call with onnxruntime's start and end logits."""

    def __init__(self, path):
        self.session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}

    def forward(self, input_ids=None, attention_mask=None, token_type_ids=None):  # the signature the pipeline inspects
        raise NotImplementedError

    def __call__(self, **kwargs):
        feed = {k: v.numpy().astype(np.int64) for k, v in kwargs.items() if k in self.inputs}
        start, end = self.session.run(["start_logits", "end_logits"], feed)
        return {"start_logits": torch.from_numpy(start), "end_logits": torch.from_numpy(end)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, type=pathlib.Path)
    args = ap.parse_args()
    folder = args.out / "tiny-qa"
    manifest = json.loads((folder / "manifest.json").read_text())
    reference = json.loads((folder / "reference.json").read_text())
    tokenizer = PreTrainedTokenizerFast(tokenizer_file=str(folder / "tokenizer.json"), cls_token="[CLS]",
                                        sep_token="[SEP]", pad_token="[PAD]", unk_token="[UNK]", mask_token="[MASK]")
    # The pipeline's steps are called one by one: its constructor wants a torch model, and the model
    # here is the ONNX file the Go engine runs.
    pipe = QuestionAnsweringPipeline.__new__(QuestionAnsweringPipeline)
    pipe.tokenizer, pipe.framework, pipe.model = tokenizer, "pt", OnnxQA(folder / "model.onnx")
    cases = []
    for c in reference["cases"]:
        example = SquadExample(None, c["question"], c["context"], None, None, None)
        features = pipe.preprocess(example, padding="do_not_pad", doc_stride=manifest["stride"],
                                   max_question_len=manifest["max_length"], max_seq_len=manifest["max_length"])
        outputs = [pipe._forward(f) for f in features]
        answers = pipe.postprocess(outputs, top_k=c["top_k"], handle_impossible_answer=False,
                                   max_answer_len=c["max_answer_length"], align_to_words=True)
        if isinstance(answers, dict):
            answers = [answers]
        cases.append({"question": c["question"], "context": c["context"], "top_k": c["top_k"],
                      "answers": [{"text": a["answer"], "start": a["start"], "end": a["end"], "score": a["score"]}
                                  for a in answers]})
    (folder / "pipeline_reference.json").write_text(json.dumps(
        {"transformers": transformers.__version__, "cases": cases}, indent=1, ensure_ascii=False) + "\n")
    print(f"qa_pipeline_reference: {len(cases)} cases from transformers {transformers.__version__}")


if __name__ == "__main__":
    main()
