"""Parses every config.pbtxt of a Triton model repository against Triton's ModelConfig schema.

Run by web/triton_test.go on the output of `clinlm export-triton DIR`:

    .venv-triton/bin/python tools/triton/check_configs.py DIR

The schema is tritonclient's model_config_pb2, compiled by Triton from model_config.proto; the
protobuf text-format parser rejects unknown fields, wrong types and unknown enum values. Prints
{"<model>": <ModelConfig as JSON>} for the Go test to compare with the models' sessions; exits
non-zero with a message when a config does not parse or the layout is wrong.
"""

import json
import pathlib
import sys

from google.protobuf import json_format, text_format
from tritonclient.grpc import model_config_pb2


def main(root):
    configs = {}
    for config in sorted(pathlib.Path(root).glob("*/config.pbtxt")):
        model = config.parent.name
        try:
            parsed = text_format.Parse(config.read_text(), model_config_pb2.ModelConfig())
        except text_format.ParseError as e:
            sys.exit(f"{config}: {e}")
        if parsed.name != model:
            sys.exit(f"{config}: name {parsed.name!r}, but the folder is {model!r}")
        if not (config.parent / "1" / "model.onnx").is_file():
            sys.exit(f"{config.parent}: no 1/model.onnx")
        configs[model] = json_format.MessageToDict(parsed, preserving_proto_field_name=True)
    if not configs:
        sys.exit(f"{root}: no */config.pbtxt")
    json.dump(configs, sys.stdout, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
