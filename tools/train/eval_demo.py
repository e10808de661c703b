"""Scores the shared-encoder demo models (minilm-nli, minilm-radqa, minilm-clip) with the Go engine and
records the numbers their cards print in tools/train/metrics/<model>.json.

Usage (from the repository root, after train_demo.py, with ONNX Runtime in .cache/ort):
    .venv-train/bin/python tools/train/eval_demo.py [--devset inference/eval/devset] [--clinlm BIN]

For each model it writes the public test sets as task files under the git-ignored .cache/taskfiles/
(taskfiles.py: SICK test and NLI4CT gold test for NLI; the held-out COVID-QA articles for QA) and runs
`clinlm eval --json` on them and on the clinician-style dev set (nli.jsonl, qa.jsonl with SQuAD 2.0
scoring, clip.jsonl) when it is present. The dev set is only scored here, never trained on.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

import common
import taskfiles
import train_demo

# model -> (dev-set file, SQuAD version); the public test files' keys, in taskfiles.for_model's order
DEV = {"minilm-nli": ("nli.jsonl", None), "minilm-radqa": ("qa.jsonl", "2.0"), "minilm-clip": ("clip.jsonl", None)}
PUBLIC = {"minilm-nli": ["sick_test", "nli4ct_gold_test"], "minilm-radqa": ["covidqa_test"], "minilm-clip": []}


def clinlm_eval(binary: list[str], model: str, data: Path, squad: str | None) -> dict:
    cmd = binary + ["eval", "--models", str(common.REPO_ROOT / "models"), "--model", model, "--data", str(data), "--json",
                    "--predictions", "--device", "cpu", "--ort-threads", "2"]
    if squad:
        cmd += ["--squad-version", squad]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=common.REPO_ROOT).stdout
    rep = json.loads(out)
    return {"examples": rep["examples"], "metrics": {m["name"]: m["value"] for m in rep["metrics"]},
            "predictions": rep.get("predictions", [])}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--devset", type=Path, default=common.REPO_ROOT / "inference" / "eval" / "devset")
    ap.add_argument("--clinlm", default="go run ./web", help="the clinlm command (a built binary is faster)")
    ap.add_argument("--models", nargs="*", default=list(DEV))
    args = ap.parse_args()
    binary = args.clinlm.split()
    data = common.shared_data()
    out_dir = common.REPO_ROOT / ".cache" / "taskfiles"
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in args.models:
        path = common.metrics_path(name)
        # "shipped" names the weights in models/ (the leaderboard's demo rows point at eval.int8.*).
        metrics = {"training": "clinlm-demo.json", "shipped": "int8", "eval": {"int8": {}}}
        if name == "minilm-radqa":
            metrics["test_article_ids"] = train_demo.covidqa_test_ids(data)
        runs = []
        if name != "minilm-clip":
            for (file, rows), key in zip(taskfiles.for_model(name, metrics, data).items(), PUBLIC[name]):
                taskfiles.write_jsonl(out_dir / file, rows)
                runs.append((key, out_dir / file, "1.1" if name == "minilm-radqa" else None))
        dev_file, squad = DEV[name]
        if (args.devset / dev_file).exists():
            runs.append(("devset", args.devset / dev_file, squad))
        for key, file, squad in runs:
            rep = clinlm_eval(binary, name, file, squad)
            if key != "devset":
                rep.pop("predictions")
            # where the file is in the repository (the dev set may be read from another checkout)
            where = f"inference/eval/devset/{dev_file}" if key == "devset" else str(file.relative_to(common.REPO_ROOT))
            metrics["eval"]["int8"][key] = {**rep.pop("metrics"), **rep, "file": where, "squad_version": squad}
            print(name, key, json.dumps({k: v for k, v in metrics["eval"]["int8"][key].items() if k != "predictions"}), flush=True)
        common.write_json(path, metrics)


if __name__ == "__main__":
    main()
