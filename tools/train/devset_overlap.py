"""Checks that the training data train_demo.py generates stays apart from the clinician-style dev set.

Usage (from the repository root): .venv-train/bin/python tools/train/devset_overlap.py [--scale 1] [--max-share 0.8]

Draws the templated and silver data the way train_demo.py does (same functions, seed 13, a --scale share of its
sizes), adds the hand-written NLI pairs, report questions and discharge sentences (clinical/written_*.jsonl), and
finds, for every dev-set text (NLI premises and hypotheses, QA reports and questions, CLIP sentences), the longest
run of consecutive words it shares with any training text. Stock clinical phrases ("lungs are clear, no pleural
effusion or pneumothorax") are shared by design, so runs of ten words or so are expected; a run covering most of a
dev sentence means a template or a writer copied it, which would inflate the dev-set score. A dev text of eight
words or more counts as copied when one run covers --max-share of it; NLI hypotheses and QA questions are formulaic
by design ("The patient has a fever.", "What is the diameter of the common bile duct?"), so they are reported, not
failed. Exits 1 when a text is copied and lists the runs; records the longest per task in
tools/train/metrics/devset-overlap.json for the model cards.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

import common
from clinical import gen_clip, gen_nli, gen_qa, gen_qa_sections, written

WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def longest_shared_run(dev: list[str], generated: list[str], floor: int, ceiling: int = 40) -> dict[int, tuple[int, str]]:
    """Every dev text's longest word run (floor..ceiling words) that also occurs in a generated text. The dev
    side is small, so all its runs go in one set; a run's prefixes are runs too, so each generated text is
    scanned once, extending a match word by word while it is still a dev run."""
    owner: dict[str, int] = {}
    for k, t in enumerate(dev):
        w = words(t)
        for i in range(len(w)):
            for j in range(i + floor, min(len(w), i + ceiling) + 1):
                owner.setdefault(" ".join(w[i:j]), k)
    best: dict[int, tuple[int, str]] = {}
    for t in generated:
        w = words(t)
        for i in range(len(w) - floor + 1):
            j = i + floor
            while j <= len(w) and " ".join(w[i:j]) in owner:
                j += 1
            if j - 1 - i >= floor:
                run = " ".join(w[i:j - 1])
                if (j - 1 - i) > best.get(owner[run], (0, ""))[0]:
                    best[owner[run]] = (j - 1 - i, run)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--devset", type=Path, default=common.REPO_ROOT / "inference" / "eval" / "devset")
    ap.add_argument("--scale", type=float, default=1.0, help="share of train_demo.py's data sizes to draw")
    ap.add_argument("--max-share", type=float, default=0.8, help="largest share of a dev text a shared run may cover")
    args = ap.parse_args()
    data = common.shared_data()
    rng = random.Random(13)
    reports = gen_nli.iu_reports(data)
    n = lambda k: common.scaled(k, args.scale)  # noqa: E731
    nli = gen_nli.combine_premises(gen_nli.templated(n(36000), rng) + gen_nli.silver_iu(reports, n(9000), rng), rng)
    nli += written.nli_pairs("train") + written.nli_pairs("held-out")
    qa = gen_qa.iu_examples(reports, n(14000), rng) + gen_qa.synthetic_examples(n(16000), rng) + gen_qa_sections.examples(n(8000), rng)
    qa += written.qa_cases("train") + written.qa_cases("held-out")
    clip = gen_clip.examples(n(24000), rng) + written.clip_sentences("train") + written.clip_sentences("held-out")

    def dev(name: str) -> list[dict]:
        return [json.loads(line) for line in (args.devset / name).read_text().splitlines() if line.strip()]

    nli_dev, qa_dev = dev("nli.jsonl"), dev("qa.jsonl")
    reports = sorted({d["context"] for d in qa_dev})
    tasks = {  # task -> (dev texts, whether a copy fails, generated texts)
        "nli": ([d["premise"] for d in nli_dev] + [d["hypothesis"] for d in nli_dev], [True] * len(nli_dev) + [False] * len(nli_dev),
                [t for p, h, _ in nli for t in (p, h)]),
        "qa": (reports + [d["question"] for d in qa_dev], [True] * len(reports) + [False] * len(qa_dev),
               sorted({c["context"] for c in qa}) + [c["question"] for c in qa]),
        "clip": ([d["text"] for d in dev("clip.jsonl")], None, [text for text, _ in clip]),
    }
    report, failed = {}, False
    for task, (dev_texts, strict, gen_texts) in tasks.items():
        runs = longest_shared_run(dev_texts, gen_texts, 3)
        longest = max(runs.values(), default=(0, ""))
        copied = [(k, r) for k, (n_words, r) in runs.items()
                  if (strict is None or strict[k]) and len(words(dev_texts[k])) >= 8 and n_words >= args.max_share * len(words(dev_texts[k]))]
        report[task] = {"generated_texts": len(gen_texts), "dev_texts": len(dev_texts), "longest_shared_words": longest[0],
                        "longest_shared_run": longest[1], "copied": len(copied)}
        print(f"{task}: {len(gen_texts)} generated, {len(dev_texts)} dev texts; longest shared run {longest[0]} words: "
              f"{longest[1]!r}; copied: {len(copied)}")
        for k, run in copied:
            print(f"  {dev_texts[k]!r} shares {run!r}")
        failed |= bool(copied)
    common.write_json(common.metrics_path("devset-overlap"), {"scale": args.scale, "seed": 13, "max_share": args.max_share, **report})
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
