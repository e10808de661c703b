"""An MLServer runtime that serves one ONNX file with onnxruntime (CPU).

clinlm's remote-backend tests (inference/backend_v2_test.go) point MLServer at a model folder whose
model-settings.json names this class. Its metadata lists the file's own inputs and outputs, which
clinlm checks at load in place of the local file checks.

For the failure tests, model-settings.json may set in parameters.extra:
  delay_ms: sleep this long before answering (a slow server),
  corrupt:  "short" drops the last value of every output (a malformed tensor),
  status:   answer every inference with this HTTP status (e.g. 503, an overloaded server).
"""

import asyncio

import numpy as np
import onnxruntime as ort
from mlserver import MLModel
from mlserver.codecs import NumpyCodec
from mlserver.errors import MLServerError
from mlserver.types import InferenceRequest, InferenceResponse, MetadataTensor
from mlserver.utils import get_model_uri

# ONNX element types → Open Inference Protocol datatypes.
DATATYPES = {"tensor(float)": "FP32", "tensor(float16)": "FP16", "tensor(int64)": "INT64",
             "tensor(int32)": "INT32", "tensor(bool)": "BOOL"}


def describe(args):
    return [MetadataTensor(name=a.name, datatype=DATATYPES.get(a.type, a.type),
                           shape=[d if isinstance(d, int) else -1 for d in a.shape]) for a in args]


class OnnxRuntime(MLModel):
    async def load(self) -> bool:
        path = await get_model_uri(self._settings)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.add_session_config_entry("session.disable_quant_qdq", "1")  # fp32 compute, as clinlm in process
        self._session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        self._settings.inputs = describe(self._session.get_inputs())
        self._settings.outputs = describe(self._session.get_outputs())
        extra = (self._settings.parameters.extra if self._settings.parameters else None) or {}
        self._delay = float(extra.get("delay_ms", 0)) / 1000
        self._corrupt = extra.get("corrupt", "")
        self._status = int(extra.get("status", 0))
        return True

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        if self._delay:
            await asyncio.sleep(self._delay)
        if self._status:
            raise MLServerError("refused by the test's status setting", status_code=self._status)
        feeds = {i.name: NumpyCodec.decode_input(i) for i in payload.inputs}
        names = [o.name for o in payload.outputs] if payload.outputs else [o.name for o in self._session.get_outputs()]
        values = self._session.run(names, feeds)
        outputs = []
        for name, value in zip(names, values):
            out = NumpyCodec.encode_output(name, np.ascontiguousarray(value))
            if self._corrupt == "short":
                out.data.root = list(np.asarray(value).reshape(-1)[:-1].tolist())
            outputs.append(out)
        return InferenceResponse(model_name=self.name, model_version=self.version, outputs=outputs)
