"""Public clinical and biomedical text from ../shared/data, as plain lines.

The corpus trains the catalogue's own clinical vocabularies (train_clinical.py).
It is read in place and never copied into the repository; what we commit is the
vocabulary learnt from it, which is our derived work.
"""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Iterator

_SPACES = re.compile(r"\s+")


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _iu_xray(root: Path) -> Iterator[str]:
    # Open-i chest X-ray reports: indication, findings and impression sections.
    with open(root / "iu-xray" / "indiana_reports.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            for field in ("indication", "comparison", "findings", "impression"):
                yield row.get(field) or ""


def _nli4ct(root: Path) -> Iterator[str]:
    # Clinical trial records: eligibility, interventions, results and adverse events
    # (doses, lab values, percentages: the strings clinical tokenizers split badly).
    for path in sorted((root / "nli4ct" / "CT json").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        for section in ("Intervention", "Eligibility", "Results", "Adverse Events"):
            yield from record.get(section) or []


def _ade(root: Path) -> Iterator[str]:
    # Case-report sentences about drugs, doses and adverse effects.
    seen: set[str] = set()
    for name in ("DRUG-AE.rel", "DRUG-DOSE.rel"):
        with open(root / "ade" / name, encoding="utf-8") as f:
            for line in f:
                parts = line.split("|")
                if len(parts) > 1 and parts[1] not in seen:
                    seen.add(parts[1])
                    yield parts[1]
    with open(root / "ade" / "ADE-NEG.txt", encoding="utf-8") as f:
        for line in f:
            _, _, sentence = line.partition(" NEG ")
            yield sentence


def _mediqa(root: Path) -> Iterator[str]:
    # Consumer health questions (lay spelling of clinical terms).
    for path in sorted((root / "mediqa-rqe").glob("*.xml")):
        for el in ET.parse(path).getroot().iter():
            if el.tag in ("chq", "faq") and el.text:
                yield el.text


def _pubmedqa(root: Path) -> Iterator[str]:
    # Biomedical abstracts (contexts and long answers).
    data = json.loads((root / "pubmedqa" / "ori_pqal.json").read_text(encoding="utf-8"))
    for _, item in sorted(data.items()):
        yield from item.get("CONTEXTS") or []
        yield item.get("LONG_ANSWER") or ""


SOURCES = {
    "iu-xray": _iu_xray,
    "nli4ct": _nli4ct,
    "ade": _ade,
    "mediqa-rqe": _mediqa,
    "pubmedqa": _pubmedqa,
}


def lines(shared_data: Path) -> Iterator[str]:
    """Yields every non-empty, whitespace-normalised line of every source, in a fixed order."""
    for _, source in SOURCES.items():
        for text in source(shared_data):
            text = _clean(text)
            if text:
                yield text
