"""An MLServer runtime that runs a whole T5 generation: prompt text in, generated text out.

clinlm's remote text-to-text tests (inference/texttotext_remote_test.go) serve the repository's test T5 export
(an HF optimum folder: encoder_model.onnx, decoder_model.onnx, tokenizer.json) with this class and point a
manifest with "remote": {"generates": true} at it. The model takes one BYTES tensor of prompts [n] and answers one
BYTES tensor of generated texts [n]: the server tokenizes, decodes greedily and detokenizes, so clinlm makes one
round trip per prompt, not one per token.

Greedy decoding re-reads the whole generated prefix with decoder_model.onnx at every step (no key/value cache):
slower than clinlm's own decoder, and the same argmax, which is what the tests compare.

parameters.extra may set:
  max_new_tokens: most generated tokens, end-of-sequence included (default 10, as the test manifests),
  delay_ms:       sleep this long before answering (a slow server),
  corrupt:        "count" answers one text fewer than prompts, "type" answers FP32 (malformed answers),
  status:         answer every inference with this HTTP status (e.g. 503, an overloaded server).
"""

import asyncio
import os

import numpy as np
import onnxruntime as ort
from mlserver import MLModel
from mlserver.codecs import StringCodec
from mlserver.errors import MLServerError
from mlserver.types import InferenceRequest, InferenceResponse, MetadataTensor, ResponseOutput
from mlserver.utils import get_model_uri
from tokenizers import Tokenizer

START, EOS = 0, 1  # T5's decoder start (= pad) and end-of-sequence ids


class T5Generator(MLModel):
    async def load(self) -> bool:
        folder = await get_model_uri(self._settings)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        cpu = ["CPUExecutionProvider"]
        self._encoder = ort.InferenceSession(os.path.join(folder, "encoder_model.onnx"), options, providers=cpu)
        self._decoder = ort.InferenceSession(os.path.join(folder, "decoder_model.onnx"), options, providers=cpu)
        self._tokenizer = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
        self._settings.inputs = [MetadataTensor(name="prompt", datatype="BYTES", shape=[-1])]
        self._settings.outputs = [MetadataTensor(name="generated", datatype="BYTES", shape=[-1])]
        extra = (self._settings.parameters.extra if self._settings.parameters else None) or {}
        self._max_new = int(extra.get("max_new_tokens", 10))
        self._delay = float(extra.get("delay_ms", 0)) / 1000
        self._corrupt = extra.get("corrupt", "")
        self._status = int(extra.get("status", 0))
        return True

    def _generate(self, prompt: str) -> str:
        ids = np.array([self._tokenizer.encode(prompt).ids], dtype=np.int64)
        mask = np.ones_like(ids)
        (hidden,) = self._encoder.run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask})
        out = [START]
        for _ in range(self._max_new):
            (logits,) = self._decoder.run(["logits"], {
                "input_ids": np.array([out], dtype=np.int64),
                "encoder_attention_mask": mask,
                "encoder_hidden_states": hidden,
            })
            token = int(np.argmax(logits[0, -1]))
            out.append(token)
            if token == EOS:
                break
        return self._tokenizer.decode(out[1:], skip_special_tokens=True)

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        if self._delay:
            await asyncio.sleep(self._delay)
        if self._status:
            raise MLServerError("refused by the test's status setting", status_code=self._status)
        if len(payload.inputs) != 1:
            raise MLServerError("want one input: the prompts", status_code=400)
        prompts = StringCodec.decode_input(payload.inputs[0])
        texts = [self._generate(p) for p in prompts]
        if self._corrupt == "count":
            texts = texts[:-1]
        out = StringCodec.encode_output("generated", texts)
        if self._corrupt == "type":
            out = ResponseOutput(name="generated", datatype="FP32", shape=[len(texts)], data=[0.0] * len(texts))
        return InferenceResponse(model_name=self.name, model_version=self.version, outputs=[out])
