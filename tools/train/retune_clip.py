"""Re-picks the CLIP thresholds of the shipped demo model with train_demo.tune_clip as it stands, without training.

The thresholds live in the manifest, not in the graph, so a better rule for picking them can reach the shipped model
without a new weight commit. This rebuilds the held-out set the recorded run tuned on (train_demo.held_out_sets, the
same seed and sizes), scores it with the shipped int8 graph (what the engine serves; a run tunes on the fp32 model
before export), and writes the thresholds and their held-out scores into the metrics file; write_cards.py then puts
them in the manifest and the card.

    .venv-train/bin/python tools/train/retune_clip.py   # then eval_demo.py and write_cards.py
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import train_demo  # noqa: E402

MODEL = common.REPO_ROOT / "models" / "minilm-nli" / "model.onnx"  # the shared graph minilm-clip links to


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    cli = ap.parse_args()
    from transformers import AutoTokenizer

    path = common.metrics_path("clinlm-demo")
    metrics = json.loads(path.read_text())
    # The sizes and the written data the run held out are those its own flags drew.
    args = argparse.Namespace(seed=metrics["seed"], scale=1.0, written_qa=metrics.get("written_qa", 0),
                              written_clip=metrics.get("written_clip", 0))
    data = common.shared_data()
    held_reports, _ = train_demo.split_reports(data, args.seed)
    *_, held_clip, held_written_clip = train_demo.held_out_sets(data, held_reports, args)
    if len(held_clip) != metrics["held_out_clip"]["sentences"]:
        sys.exit(f"retune_clip: rebuilt {len(held_clip)} held-out sentences, the run tuned on "
                 f"{metrics['held_out_clip']['sentences']}: not the run's tuning set (another --scale or written file?)")
    tok = AutoTokenizer.from_pretrained(common.base_model_dir())
    feats = train_demo.clip_features(tok, held_clip)
    session = common.ort_session(MODEL, cli.threads)
    logits = [session.run(["clip_logits"], dict(common.pad_batch(feats[i:i + 32], tok.pad_token_id)))[0]
              for i in range(0, len(feats), 32)]
    probs = 1 / (1 + np.exp(-np.concatenate(logits)))
    gold = train_demo.clip_gold(held_clip)
    th, held = train_demo.tune_clip(probs, gold)
    # What the run itself picked, kept when this runs again.
    before = metrics.get("clip_thresholds_retuned", {}).get("before", metrics["clip_thresholds"])
    metrics.update({"clip_thresholds": th, "held_out_clip": held, "clip_threshold_rule": "one-standard-error",
                    "clip_thresholds_retuned": {"on": "the shipped int8 graph, after training (tools/train/retune_clip.py)",
                                                "before": before}})
    if held_written_clip:
        k = len(held_written_clip)
        metrics["held_out_written_clip"] = {"micro_f1": train_demo.micro_f1(probs[-k:], gold[-k:], th), "sentences": k}
    common.write_json(path, metrics)
    print({"before": before, "after": th, "held_out_clip": held, "held_out_written_clip": metrics.get("held_out_written_clip")})


if __name__ == "__main__":
    main()
