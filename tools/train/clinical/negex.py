"""A small NegEx-style negation detector for radiology report sentences (our own rules).

A finding mentioned in a sentence is negated when a negation cue comes before it within the same
clause ("no", "without", "negative for", "no evidence of", "free of", ...) or a post-cue follows it
("... is not seen", "... has resolved"). Clauses end at the conjunctions and marks that usually end a
negation's scope ("but", "however", ";", "which", "although").
"""

from __future__ import annotations

import re

POST_CUES = ["is not seen", "are not seen", "not identified", "is not identified", "are not identified",
             "has resolved", "have resolved", "is absent", "are absent", "not present", "is not present",
             "not visualized", "is not visualized", "ruled out", "not demonstrated"]
SCOPE_END = re.compile(r"\b(but|however|although|which|though|except|with the exception of)\b|[;:]")
NEG_START = re.compile(r"\b(no|without|negative for|free of|absence of|not|clear of|nor)\b")


def clause_of(sentence: str, start: int, end: int) -> tuple[int, int]:
    """The clause of `sentence` that holds [start, end): from the last scope end before to the next after."""
    lo = 0
    for m in SCOPE_END.finditer(sentence[:start]):
        lo = m.end()
    m = SCOPE_END.search(sentence, end)
    hi = m.start() if m else len(sentence)
    return lo, hi


def is_negated(sentence: str, start: int, end: int) -> bool:
    """Whether the mention sentence[start:end] is negated."""
    low = sentence.lower()
    lo, hi = clause_of(low, start, end)
    before = low[lo:start]
    after = low[end:hi]
    if NEG_START.search(before):
        return True
    return any(c in after[:40] for c in POST_CUES)


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) of a report: split at a full stop followed by space or end."""
    out, start = [], 0
    for m in re.finditer(r"\.(\s+|$)", text):
        if m.start() + 1 - start > 1:
            out.append((start, m.start() + 1))
        start = m.end()
    if start < len(text) and text[start:].strip():
        out.append((start, len(text)))
    return [(s, e) for s, e in out if text[s:e].strip()]
