"""Converts a SQuAD-format JSON file (v1.1 or v2.0, e.g. COVID-QA) into a clinlm qa task file.

  python squad_to_jsonl.py IN.json OUT.jsonl [--titles FILE]

Each question becomes one line {"id", "context", "question", "answers": [{"text", "answer_start"}]}
(inference/eval/README.md). A question marked "is_impossible" gets "answers": []. With --titles,
only the articles whose title is a line of FILE are written (for a held-out split by article).
Answers whose answer_start does not point at their text are kept and counted in the summary on
stderr, since scoring uses only the texts. Standard library only.
"""

import argparse
import json
import sys


def convert(squad: dict, titles=None):
    lines, misplaced = [], 0
    for article in squad["data"]:
        if titles is not None and article.get("title") not in titles:
            continue
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            for qa in paragraph["qas"]:
                answers = [] if qa.get("is_impossible") else [
                    {"text": a["text"], "answer_start": int(a["answer_start"])} for a in qa.get("answers", [])]
                for a in answers:
                    if context[a["answer_start"]:a["answer_start"] + len(a["text"])] != a["text"]:
                        misplaced += 1
                lines.append({"id": str(qa["id"]), "context": context, "question": qa["question"], "answers": answers})
    return lines, misplaced


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--titles", help="file with one article title per line to keep")
    args = ap.parse_args()
    titles = None
    if args.titles:
        with open(args.titles, encoding="utf-8") as f:
            titles = {line.rstrip("\n") for line in f if line.strip()}
    with open(args.input, encoding="utf-8") as f:
        lines, misplaced = convert(json.load(f), titles)
    with open(args.output, "w", encoding="utf-8") as f:
        for line in lines:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    unanswerable = sum(1 for line in lines if not line["answers"])
    print(f"squad_to_jsonl: {len(lines)} questions ({unanswerable} without answer, {misplaced} answers whose "
          f"answer_start does not match their text) -> {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
