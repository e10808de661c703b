"""Clinical NLI pairs (premise, hypothesis, label 0 entailment / 1 neutral / 2 contradiction).

Two sources, both seeded:
  * silver pairs from IU chest X-ray reports: every lexicon finding the report mentions is affirmed
    (entailment) or negated (contradiction) by the negation detector; a finding it never mentions
    gives a neutral pair. Hypotheses state presence ("There is a pleural effusion.") or absence
    ("There is no pneumothorax."), which flips the label.
  * templated notes from the clinical lexicons: symptoms affirmed / denied, vitals and labs against
    the conditions their values imply, drugs against the conditions they treat, past vs family
    history, hypothetical and planned events, function and post-operative status, abbreviations.
"""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

from . import gen_nli_findings
from . import lexicon as L
from .negex import is_negated, sentences

ENT, NEU, CON = 0, 1, 2


def iu_reports(data: Path) -> list[dict]:
    rows = []
    with open(data / "iu-xray" / "indiana_reports.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            text = " ".join(x.strip() for x in (r["findings"], r["impression"]) if x and x.strip())
            if len(text) > 20:
                rows.append({"uid": r["uid"], "text": text.replace("XXXX", "x")})
    return rows


def mentions(text: str) -> dict[str, list[tuple[int, int, int, bool]]]:
    """finding -> [(sentence start, mention start, mention end, negated)] (offsets into text)."""
    low = text.lower()
    out: dict[str, list] = {}
    for s, e in sentences(text):
        sent = low[s:e]
        for name, (rx, _) in L.RAD_FINDINGS.items():
            for m in re.finditer(rx, sent):
                out.setdefault(name, []).append((s, s + m.start(), s + m.end(), is_negated(sent, m.start(), m.end())))
    return out


def presence_hyp(rng, phrase: str) -> str:
    return rng.choice([f"There is {phrase}.", f"The patient has {phrase}.", f"The study shows {phrase}.",
                       f"{phrase[0].upper() + phrase[1:]} is present.", f"The radiograph demonstrates {phrase}."])


def absence_hyp(rng, phrase: str) -> str:
    bare = re.sub(r"^(a|an) ", "", phrase)
    return rng.choice([f"There is no {bare}.", f"The patient does not have {phrase}.", f"No {bare} is seen.",
                       f"The study is negative for {bare}."])


def silver_iu(reports: list[dict], n: int, rng: random.Random) -> list[tuple[str, str, int]]:
    out = []
    names = list(L.RAD_FINDINGS)
    for _ in range(n):
        r = rng.choice(reports)
        ms = mentions(r["text"])
        states = {k: {neg for *_, neg in v} for k, v in ms.items()}
        # Only findings whose mentions agree (all negated or all affirmed) give a clear label.
        clear = [k for k, v in states.items() if len(v) == 1]
        unmentioned = [k for k in names if k not in ms]
        if clear and rng.random() < 0.65:
            k = rng.choice(clear)
            negated = next(iter(states[k]))
        elif unmentioned:
            k, negated = rng.choice(unmentioned), None
        else:
            continue
        phrase = rng.choice(L.RAD_FINDINGS[k][1])
        absent = rng.random() < 0.3
        hyp = absence_hyp(rng, phrase) if absent else presence_hyp(rng, phrase)
        if negated is None:
            label = NEU
        else:
            label = ENT if negated == absent else CON
        out.append((r["text"], hyp, label))
    return out


def _cap(s: str) -> str:
    return s[0].upper() + s[1:]


def _subject(rng) -> str:
    return rng.choice(L.SUBJECTS)


def symptom_pair(rng) -> tuple[str, str, int]:
    i = rng.randrange(len(L.SYMPTOMS))
    phrases, hyps = L.SYMPTOMS[i]
    x = rng.choice(phrases)
    other_phrases, _ = L.SYMPTOMS[(i + rng.randrange(1, len(L.SYMPTOMS))) % len(L.SYMPTOMS)]
    y = rng.choice(other_phrases)
    kind = rng.random()
    subj = _subject(rng)
    fill = dict(d=rng.choice(L.DURATIONS), day=rng.choice(L.DAYS))
    aff = rng.choice(L.AFFIRMERS)
    neg = rng.choice(L.NEGATORS)
    if kind < 0.35:      # affirmed x
        premise = f"{subj} {aff.format(x=x, **fill)}" + rng.choice(["", f" and {y}", f" but denies {y}", f", no {y}"]) + "."
        label = ENT
    elif kind < 0.75:    # denied x, maybe with something else affirmed
        premise = rng.choice([f"{subj} {aff.format(x=y, **fill)} but {neg.format(x=x)}.",
                              f"{subj} {neg.format(x=x)}.",
                              f"{subj} {aff.format(x=y, **fill)}; {neg.format(x=x)} or fevers.",
                              f"{_cap(y)} for {fill['d']}. {_cap(neg.format(x=x))}.",
                              f"ROS: negative for {x}, chills and weight loss.",
                              _denied_list(rng, subj, aff.format(x=y, **fill), x)])
        label = CON
    else:                # only y mentioned: x unknown
        premise = f"{subj} {aff.format(x=y, **fill)}."
        label = NEU
    hyp = rng.choice(hyps)
    if rng.random() < 0.2:  # a negated hypothesis flips entailment and contradiction
        negated = hyp
        for a, b in (("The patient is ", "The patient is not "), ("The patient has ", "The patient does not have "),
                     ("The patient had ", "The patient did not have "), ("The patient feels ", "The patient does not feel "),
                     ("The patient reports ", "The patient does not report "), ("The patient passed out", "The patient did not pass out"),
                     ("The patient complains ", "The patient does not complain ")):
            if hyp.startswith(a):
                negated = b + hyp[len(a):]
                break
        if negated != hyp:
            hyp, label = negated, {ENT: CON, CON: ENT, NEU: NEU}[label]
    return premise, hyp, label


def _denied_list(rng, subj: str, affirmed: str, x: str) -> str:
    """A symptom denied inside a list ("denies shortness of breath, fevers or chills") after another
    symptom the patient does report: the negation covers every item, wherever x stands in it."""
    pool = [o for o in ["fevers", "chills", "night sweats", "nausea", "vomiting", "diarrhea", "headache", "weight loss", "dysuria",
                        "rash", "leg swelling", "palpitations", "sick contacts", "hemoptysis"] if o[:5] not in affirmed and o[:5] not in x]
    others = rng.sample(pool, k=rng.randint(1, 3))
    items = others[:]
    items.insert(rng.randrange(len(items) + 1), x)
    listed = ", ".join(items[:-1]) + rng.choice([" or ", ", or ", " and "]) + items[-1]
    lead = rng.choice(["denies", "but denies", "and denies", "; denies", "but reports no", "without"])
    if lead.startswith(";"):
        return f"{subj} {affirmed}; denies {listed}."
    return f"{subj} {affirmed} {lead} {listed}."


def past_tense(hyp: str, rng, p: float = 0.3) -> str:
    """Notes report a measured state in the past ("was hyponatremic on admission"); the label of a value
    against a state does not depend on the tense the hypothesis uses, so some hypotheses say it in the past."""
    if rng.random() >= p:
        return hyp
    for a, b in (("The patient is ", "The patient was "), ("The patient has ", "The patient had "),
                 ("The patient's ", None), ("The white count is ", "The white count was "),
                 ("The platelet count is ", "The platelet count was "), ("The white blood cell count is ", "The white blood cell count was ")):
        if hyp.startswith(a):
            if b is None:
                return re.sub(r"^(The patient's [^ ]+(?: [^ ]+)?) is ", r"\1 was ", hyp, count=1)
            return b + hyp[len(a):]
    return hyp


def measure_pair(rng) -> tuple[str, str, int]:
    tmpl, cond_h, norm_h, bad_v, ok_v = rng.choice(L.MEASURES)
    abnormal = rng.random() < 0.5
    v = rng.choice(bad_v if abnormal else ok_v)
    subj = _subject(rng)
    lead = rng.choice([f"On arrival {subj.lower() if subj[0] in 'TP' and subj != 'Pt' else subj} had ", "Vitals: ", "Labs notable for ",
                       f"{subj} was found to have ", "Admission labs: ", "Exam: "])
    extra = rng.choice(["", ", HR 84", ", BP 128/74", ", RR 16", "; otherwise unremarkable", ", creatinine 0.9"])
    premise = f"{lead}{tmpl.format(v=v)}{extra}."
    r = rng.random()
    if r < 0.45:
        hyp = rng.choice(cond_h)
        label = ENT if abnormal else CON
    elif r < 0.85:
        hyp = rng.choice(norm_h)
        label = CON if abnormal else ENT
    else:  # a condition the value says nothing about
        other = rng.choice(L.MEASURES)
        if other[0] == tmpl:
            return measure_pair(rng)
        hyp = rng.choice(other[1])
        label = NEU
    return premise, past_tense(hyp, rng), label


def ranged_measure_pair(rng) -> tuple[str, str, int]:
    """A value drawn inside a reference range (low, normal or high) against the hypotheses of each range:
    its own range's entail, the others' contradict, another analyte's stay open. Premises list other
    values beside it, so the hypothesis has to be matched to the right one."""
    k = rng.randrange(len(L.RANGED))
    names, fmts, decimals, ranges, hyps = L.RANGED[k]
    state = rng.choice(list(ranges))
    lo, hi = ranges[state]
    v = round(rng.uniform(lo, hi), decimals)
    value = rng.choice(fmts).format(v=f"{v:.{decimals}f}")
    if rng.random() < 0.15 and state != "normal":
        value += rng.choice([" (H)" if state == "high" else " (L)", "*", " (critical)"])
    item = f"{rng.choice(names)} {rng.choice(['', 'of ', ': '])}{value}".replace(" : ", ": ")
    others = []
    for j in rng.sample([i for i in range(len(L.RANGED)) if L.RANGED[i][0] != names], rng.choice([0, 0, 1, 2])):
        n2, f2, d2, r2, _ = L.RANGED[j]
        # Half the time a neighbour's value comes from any of its ranges, abnormal ones included (triage
        # vitals often are abnormal together), so the value that decides the hypothesis has to be found
        # by its name, not by being the only abnormal one.
        lo2, hi2 = r2["normal"] if rng.random() < 0.5 else r2[rng.choice(list(r2))]
        others.append(f"{rng.choice(n2)} {rng.choice(f2).format(v=f'{round(rng.uniform(lo2, hi2), d2):.{d2}f}')}")
    items = others + [item]
    rng.shuffle(items)
    lead = rng.choice(["Labs: ", "Vitals: ", "On arrival ", "Admission labs notable for ", "", "Today ", f"{_subject(rng)} was found to have a "])
    premise = f"{lead}{', '.join(items)}."
    premise = premise[0].upper() + premise[1:]
    r = rng.random()
    if r < 0.15:    # another analyte's hypothesis: the premise says nothing of it
        n_other = [x for x in L.RANGED if x[0] != names and not any(nm in premise for nm in x[0])]
        if n_other:
            o = rng.choice(n_other)
            return premise, rng.choice([h for hs in o[4].values() for h in hs if "normal" not in h]), NEU
    if r < 0.55:
        return premise, past_tense(rng.choice(hyps[state]), rng), ENT
    return premise, past_tense(rng.choice([h for s2, hs in hyps.items() if s2 != state for h in hs]), rng), CON


def named_state_pair(rng) -> tuple[str, str, int]:
    """The adjective forms notes use: afebrile, normotensive, non-tachycardic, euglycemic..."""
    table = [("afebrile", ["The patient has a fever.", "The patient is febrile."], ["The patient has a normal temperature.", "The patient does not have a fever."]),
             ("febrile to 39.4", ["The patient has a normal temperature.", "The patient is afebrile."], ["The patient has a fever."]),
             ("hemodynamically stable", ["The patient is in shock."], ["The patient's vital signs are stable."]),
             ("normotensive", ["The patient is hypotensive."], ["The patient's blood pressure is normal."]),
             ("tachycardic to 130", ["The patient's heart rate is normal."], ["The patient has a fast heart rate."]),
             ("hypoxic to 82%", ["The patient's oxygen saturation is normal."], ["The patient has low oxygen levels."]),
             ("euvolemic on exam", ["The patient is volume overloaded."], ["The patient's volume status is normal."]),
             ("nontoxic-appearing", ["The patient appears septic."], ["The patient does not look ill."])]
    state, con_h, ent_h = rng.choice(table)
    subj = _subject(rng)
    premise = rng.choice([f"{subj} was {state} on admission.", f"On exam {state}, in no acute distress.",
                          f"{subj} remained {state} throughout the stay.", f"Vitals notable for being {state}."])
    if rng.random() < 0.5:
        return premise, past_tense(rng.choice(con_h), rng), CON
    return premise, past_tense(rng.choice(ent_h), rng), ENT


TREATMENT_HYP = re.compile(r"\b(takes|uses|is on|is receiving|is anticoagulated|is being treated)\b")
# Hypotheses that say a drug is being given now (a held home drug is not); the rest of TREATMENT_HYP
# ("takes", "uses") still holds for a home drug held in hospital.
GIVEN_NOW_HYP = re.compile(r"\b(is receiving|is on |is anticoagulated|is being treated)")


def drug_pair(rng) -> tuple[str, str, int]:
    i = rng.randrange(len(L.DRUGS))
    drugs, hyps = L.DRUGS[i]
    d = rng.choice(drugs)
    subj = _subject(rng)
    r = rng.random()
    if r < 0.45:
        premise = rng.choice([f"Home medications include {d}.", f"{subj} takes {d}.", f"Meds: {d}, multivitamin.",
                              f"{subj} was started on {d}.", f"Continue {d} at discharge.", f"{subj} is maintained on {d}."])
        return premise, rng.choice(hyps + L.DRUG_CLASS_HYPS.get(i, [])), ENT
    if r < 0.55:
        # A home drug held in hospital (a side effect, a procedure) is still the patient's home drug, and
        # still says what it is given for; it no longer says the drug is being given now.
        name = d.split()[0]
        why = rng.choice(["", f" for {L.DRUG_INDICATIONS[i]}" if i in L.DRUG_INDICATIONS else ""])
        held = rng.choice([f"Home medications include {d}{why}; {name} was held on admission.",
                           f"{subj} takes {d}{why} at home, held since admission for {rng.choice(['the procedure', 'a supratherapeutic level', 'acute kidney injury', 'NPO status'])}.",
                           f"On {d}{why} as an outpatient; {name} was held and will resume at discharge.",
                           f"Home {name} was held on arrival."])
        home = [h for h in hyps + L.DRUG_CLASS_HYPS.get(i, []) if not GIVEN_NOW_HYP.search(h)]
        if home:
            h = rng.choice(home)
            if h.startswith("The patient takes ") and rng.random() < 0.5:
                h = h[:-1] + " at home."
            return held, h, ENT
    if r < 0.7:
        premise = rng.choice([f"{subj} takes no medications.", f"{subj} is not on {d.split()[0]}.",
                              f"{_cap(d.split()[0])} was discontinued a year ago and {subj.lower() if subj.startswith('The') else subj} takes no other medications.",
                              f"No home medications.", f"{subj} refused {d.split()[0]} and takes nothing regularly."])
        hyp = rng.choice(hyps)
        # Not taking a drug contradicts taking it, not having what it treats (an untreated condition).
        return premise, hyp, CON if TREATMENT_HYP.search(hyp) else NEU
    hyp = rng.choice(hyps)
    # Another drug leaves the hypothesis open unless it implies the same thing (two anticoagulants,
    # two drugs for diabetes): such groups are skipped.
    others = [j for j in range(len(L.DRUGS)) if j != i and not _shares_stem(hyp, L.drug_implies(j))]
    other = L.DRUGS[rng.choice(others)]
    premise = rng.choice([f"Home medications include {rng.choice(other[0])}.", f"{subj} takes {rng.choice(other[0])}."])
    return premise, hyp, NEU


# Words of a hypothesis that say nothing about which drug or condition it names.
_FRAME_WORDS = {"patient", "takes", "receiving", "being", "treated", "therapy", "medication", "medications", "home", "their",
                "with", "drug", "drugs", "agent", "chronic", "disease", "disorder", "acute", "history"}


def _shares_stem(hyp: str, text: str) -> bool:
    """Whether a content word of hyp (its first six letters) occurs in text: "antibiotics" in "an antibiotic"."""
    stems = {w[:6] for w in re.findall(r"[a-z0-9-]+", hyp.lower()) if len(w) > 3 and w not in _FRAME_WORDS}
    words = {w[:6] for w in re.findall(r"[a-z0-9-]+", text.lower())}
    return bool(stems & words)


def history_pair(rng) -> tuple[str, str, int]:
    cond, hyps = rng.choice(L.CONDITIONS)
    subj = _subject(rng)
    r = rng.random()
    hyp = rng.choice(hyps)
    if r < 0.25:
        return rng.choice([f"{subj} has a history of {cond}.", f"PMH: {cond}, hyperlipidemia.", f"{subj} with known {cond}.",
                           f"Past medical history significant for {cond}."]), hyp, ENT
    if r < 0.38:
        # A first presentation in someone with no history: the history hypothesis is contradicted even
        # when the presenting symptoms and values are those of the condition.
        age, who = rng.randint(17, 80), rng.choice(["man", "woman", "M", "F", "patient"])
        lead = rng.choice([f"{age}-year-old {who} with no past medical history", f"{age} yo {who}, previously healthy,",
                           f"{age}{who[0]} with no significant PMH", f"Previously healthy {age}-year-old {who}",
                           f"{age}-year-old {who} with no known medical problems"])
        sx = rng.sample([p[0] for p, _ in L.SYMPTOMS], k=2)
        event = rng.choice(["presented with", "presents with", "was brought in with", "came in with"])
        new_dx = rng.choice(["", f"; found to have new {cond}", f", newly diagnosed with {cond}", f", concerning for new-onset {cond}"])
        hyp = rng.choice([f"The patient has a history of {cond}.", f"The patient has a known history of {cond}.",
                          f"The patient was previously diagnosed with {cond}."])
        return f"{lead} {event} {sx[0]} and {sx[1]}{new_dx}.", hyp, CON
    if r < 0.5:
        return rng.choice([f"{subj} has no past medical history.", f"No known history of {cond}.", f"{subj} denies any history of {cond}.",
                           f"Past medical history: none.", f"{subj}, previously healthy, presents with new symptoms."]), hyp, CON
    if r < 0.75:  # family history is not the patient's
        rel = rng.choice(["mother", "father", "sister", "brother", "grandmother"])
        return rng.choice([f"Family history: {rel} with {cond}.", f"{subj}'s {rel} had {cond}.",
                           f"FHx notable for {cond} in the {rel}."]), hyp, NEU
    # hypothetical / planned / screening
    return rng.choice([f"Return to the ED if symptoms of {cond} develop.", f"Screening for {cond} is planned as an outpatient.",
                       f"{subj} is at risk for {cond} and was counselled.", f"Rule out {cond}; workup pending.",
                       f"Evaluate for possible {cond}."]), hyp, NEU


def abbreviation_pair(rng) -> tuple[str, str, int]:
    ab, full = rng.choice(list(L.ABBREVIATIONS.items()))
    subj = _subject(rng)
    r = rng.random()
    if r < 0.5:
        return rng.choice([f"PMH: {ab}.", f"{subj} with {ab} presents for follow-up.", f"Hx of {ab}."]), f"The patient has {full}.", ENT
    if r < 0.75:
        return rng.choice([f"No hx of {ab}.", f"{subj} denies {ab}.", f"{ab} was ruled out."]), f"The patient has {full}.", CON
    # Neutral only against a condition of another family: PMH "HFrEF" says the patient has heart failure.
    family = {ab}.union(*(f for f in L.ABBREVIATION_FAMILIES if ab in f))
    other = rng.choice([f for a, f in L.ABBREVIATIONS.items() if a not in family and f != full])
    return rng.choice([f"PMH: {ab}.", f"{subj} with {ab}."]), f"The patient has {other}.", NEU


def shorthand_pair(rng) -> tuple[str, str, int]:
    short, ent_h, con_h = rng.choice(L.SHORTHAND)
    subj = _subject(rng)
    premise = rng.choice([f"{short}.", f"Exam: {short}.", f"{subj} {short} this morning.", f"On rounds {short}, plan to continue.",
                          f"Overnight events: none. {short}."])
    r = rng.random()
    if r < 0.45:
        return premise, ent_h, ENT
    if r < 0.85:
        return premise, con_h, CON
    unrelated = [h for h in ["The patient has a urinary tract infection.", "The patient is pregnant.", "The patient smokes.",
                             "The patient has diabetes.", "The patient has a history of stroke.", "The patient lives alone."]
                 if not _shares_stem(h, f"{short} {ent_h} {con_h}")]
    return premise, rng.choice(unrelated), NEU


def temporal_pair(rng) -> tuple[str, str, int]:
    cond, hyps = rng.choice(L.CONDITIONS)
    tmpl, kind = rng.choice(L.TEMPORAL)
    subj = _subject(rng)
    premise = tmpl.format(c=cond, s=subj)
    if kind is None:  # smoking
        r = rng.random()
        if r < 0.4:
            return premise, "The patient currently smokes.", CON
        if r < 0.8:
            return premise, "The patient has a history of smoking.", ENT
        return premise, "The patient has lung cancer.", NEU
    if kind == "neutral_now":
        return premise, f"The patient has a history of {cond}.", ENT
    label = {"entailment": ENT, "contradiction": CON, "neutral": NEU}[kind]
    if kind == "contradiction" and "excluded" not in tmpl and rng.random() < 0.4:
        # a resolved or childhood condition is over, yet the patient has had it: only "now" is contradicted
        return premise, rng.choice([f"The patient has had {cond} before.", f"The patient has a history of {cond}.",
                                    f"The patient has never had {cond}."]), ENT if rng.random() < 0.67 else CON
    hyp = f"The patient currently has {cond}." if rng.random() < 0.5 else rng.choice(hyps).replace("has a history of", "has")
    if kind == "contradiction" and "excluded" not in tmpl and " has had " in hyp:
        hyp = f"The patient currently has {cond}."
    return premise, hyp, label


def workup_pair(rng) -> tuple[str, str, int]:
    """A test ordered to look for a condition: pending, the condition is suspected but neither present
    nor excluded (neutral either way); resulted, the test settles it."""
    test, cond = rng.choice(L.WORKUPS)
    bare = re.sub(r"^(an?|the) ", "", cond)
    subj = _subject(rng)
    if rng.random() < 0.65:
        premise = rng.choice([f"{_cap(test)} ordered to evaluate for {cond}.", f"Will obtain {test} to rule out {cond}.",
                              f"{_cap(test)} pending given concern for {cond}.", f"Plan: {test} to assess for possible {cond}.",
                              f"{subj} was sent for {test} to exclude {cond}.", f"{_cap(bare)} is on the differential; {test} requested.",
                              f"Low suspicion for {bare}, but {test} ordered."])
        r = rng.random()
        if r < 0.55:
            return premise, rng.choice([f"The patient has {cond}.", f"The patient does not have {cond}.",
                                        f"The patient was diagnosed with {cond}.", f"{_cap(bare)} was ruled out."]), NEU
        if r < 0.8:
            return premise, rng.choice([f"{_cap(bare)} is being considered.", f"The team is evaluating for {cond}.",
                                        f"{_cap(bare)} has not been excluded yet."]), ENT
        return premise, f"{_cap(bare)} has been excluded.", CON
    if rng.random() < 0.5:
        premise = rng.choice([f"{_cap(test)} was negative for {cond}.", f"{_cap(test)} showed no evidence of {cond}.",
                              f"{_cap(bare)} was ruled out by {test}."])
        return rng.choice([(premise, f"The patient has {cond}.", CON), (premise, f"The patient does not have {cond}.", ENT),
                           (premise, f"{_cap(bare)} was excluded.", ENT)])
    premise = rng.choice([f"{_cap(test)} confirmed {cond}.", f"{_cap(test)} was positive for {cond}.", f"{_cap(test)} showed {cond}."])
    return rng.choice([(premise, f"The patient has {cond}.", ENT), (premise, f"The patient does not have {cond}.", CON),
                       (premise, f"{_cap(bare)} was ruled out.", CON)])


def past_episode_pair(rng) -> tuple[str, str, int]:
    """Events in the past stay true of the patient: an episode years ago, an old admission, a treated cancer
    or a habit given up entail "has had" / "has a history of", contradict "has never had", and leave the
    present state open unless the note says it ended. A diagnosis made today contradicts a long history."""
    cond, _ = rng.choice(L.CONDITIONS)
    subj = _subject(rng)
    ago = rng.choice(["3 years ago", "in 2012", "two months ago", "as a child", "in her twenties", "last spring", "a decade ago"])
    r = rng.random()
    if r < 0.7:
        premise = rng.choice([f"{subj} had {cond} {ago}.", f"Admitted {ago} for {cond}.", f"Remote history of {cond}, treated {ago}.",
                              f"{_cap(cond)} {ago}, no recurrence since.", f"{subj} was treated for {cond} {ago} and has been well since.",
                              f"Prior episode of {cond} {ago}.", f"S/p treatment for {cond} {ago}."])
        q = rng.random()
        if q < 0.5:
            return premise, rng.choice([f"The patient has had {cond} before.", f"The patient has a history of {cond}.",
                                        "The patient has been hospitalized before." if premise.startswith("Admitted") else f"The patient has had {cond} in the past."]), ENT
        if q < 0.8:
            return premise, rng.choice([f"The patient has never had {cond}.", f"This is the patient's first episode of {cond}."]), CON
        return premise, rng.choice(["The patient has a history of smoking.", "The patient lives alone.", "The patient takes a statin."]), NEU
    premise = rng.choice([f"{_cap(cond)}, a new diagnosis made during this visit.", f"{subj} was newly found to have {cond} this week.",
                          f"First presentation of {cond}; no prior history."])
    if rng.random() < 0.5:
        return premise, rng.choice([f"The patient has a long history of {cond}.", f"The patient has been treated for {cond} for years."]), CON
    return premise, f"The patient has {cond}.", ENT


def negation_scope_pair(rng) -> tuple[str, str, int]:
    """A denied symptom says nothing about an unrelated diagnosis, habit, device or history: "denies chest pain"
    leaves coronary disease open. Only the negated finding itself is contradicted."""
    picks = rng.sample(range(len(L.SYMPTOMS)), 3)
    names = [rng.choice(L.SYMPTOMS[i][0]) for i in picks[:2]]
    subj = _subject(rng)
    premise = rng.choice([f"{subj} denies {names[0]}.", f"No {names[0]} or {names[1]}.", f"{subj} denies {names[0]}; endorses {names[1]}.",
                          f"Negative for {names[0]} on review of systems.", f"{subj} reports no {names[0]} and is otherwise well.",
                          f"Per caregiver, no {names[0]} recently."])
    r = rng.random()
    if r < 0.7:
        cond, hyps = rng.choice(L.CONDITIONS)
        other = rng.choice(hyps + [f"The patient has a history of {cond}.", "The patient is a former smoker.",
                                   "The patient has a urinary catheter.", "The patient lives in a nursing home.",
                                   rng.choice(L.SYMPTOM_DX)[1], f"The patient takes {rng.choice(rng.choice(L.DRUGS)[0]).split()[0]}."])
        return premise, other, NEU
    return premise, rng.choice(L.SYMPTOMS[picks[0]][1]), CON


# Drugs given for several conditions: taking one implies none of them in particular (the drug class is entailed).
MULTI_INDICATION = [
    ("furosemide 20 mg daily", "a diuretic", ["heart failure", "cirrhosis", "chronic kidney disease", "leg swelling from venous insufficiency"]),
    ("prednisone 40 mg daily", "a steroid", ["a COPD exacerbation", "rheumatoid arthritis", "asthma", "gout", "polymyalgia rheumatica"]),
    ("sertraline 100 mg daily", "an antidepressant", ["an anxiety disorder", "major depressive disorder", "PTSD", "OCD"]),
    ("omeprazole 20 mg daily", "a proton pump inhibitor", ["peptic ulcer disease", "GERD", "Barrett's esophagus"]),
    ("levothyroxine 100 mcg daily", "thyroid hormone", ["had a thyroidectomy", "Hashimoto's thyroiditis", "had radioactive iodine treatment"]),
    ("gabapentin 300 mg TID", "gabapentin", ["diabetic neuropathy", "a seizure disorder", "postherpetic neuralgia"]),
    ("metoprolol 25 mg BID", "a beta blocker", ["atrial fibrillation", "coronary artery disease", "heart failure", "hypertension"]),
    ("amitriptyline 25 mg nightly", "a tricyclic", ["migraines", "depression", "chronic pain"]),
    ("aspirin 81 mg daily", "aspirin", ["coronary artery disease", "a prior stroke", "peripheral vascular disease"]),
    ("tamsulosin 0.4 mg daily", "an alpha blocker", ["benign prostatic hyperplasia", "a kidney stone"]),
    ("allopurinol 300 mg daily", "allopurinol", ["gout", "kidney stones"]),
    ("spironolactone 25 mg daily", "spironolactone", ["heart failure", "cirrhosis with ascites", "resistant hypertension"]),
]


def indication_pair(rng) -> tuple[str, str, int]:
    """A drug for several conditions leaves each one open; a held, stopped or avoided drug contradicts
    "continued" / "treated with"; the drug actually given is entailed."""
    drug, cls, conds = rng.choice(MULTI_INDICATION)
    name = drug.split()[0]
    subj = _subject(rng)
    r = rng.random()
    if r < 0.45:
        premise = rng.choice([f"Current medications: {drug}.", f"{subj} takes {drug}.", f"{drug.split()[0].capitalize()} was added last month.", f"Outpatient regimen includes {drug}."])
        if rng.random() < 0.7:
            return premise, f"The patient has {rng.choice(conds)}.", NEU
        return premise, f"The patient takes {cls}." if cls != name else f"The patient takes {name}.", ENT
    if r < 0.75:
        premise = rng.choice([f"{_cap(name)} was paused while inpatient owing to an adverse reaction.",
                              f"{_cap(name)} was stopped on arrival and never resumed.",
                              f"{subj} stopped taking {name} last year."])
        if rng.random() < 0.6:
            return premise, rng.choice([f"The patient continued {name} during the admission.", f"The patient is still taking {name}."]), CON
        return premise, rng.choice([f"The patient is not taking {name}.", f"The patient has taken {name} before."]), ENT
    allergic, given = rng.sample(["penicillin", "sulfa drugs", "cephalexin", "doxycycline", "vancomycin", "ciprofloxacin", "azithromycin"], 2)
    premise = rng.choice([f"Allergic to {allergic} (rash), therefore {given} was chosen.", f"Given a reported {allergic} reaction, {given} was prescribed."])
    if rng.random() < 0.5:
        return premise, f"The patient was treated with {allergic}.", CON
    return premise, f"The patient was treated with {given}.", ENT


def status_pair(rng) -> tuple[str, str, int]:
    subj = _subject(rng)
    if rng.random() < 0.7:
        state, ent_h, con_h = rng.choice(L.STATUS)
        premise = rng.choice([f"{subj} is {state}.", f"POD#2, {state}.", f"At discharge {state}.", f"{subj} {state} today."])
        r = rng.random()
        if r < 0.45:
            return premise, con_h, CON
        if r < 0.85:
            return premise, ent_h, ENT
        return premise, "The patient has a history of smoking.", NEU
    proc, h1, h2 = rng.choice(L.PROCEDURES)
    premise = f"{subj} is {proc}." if rng.random() < 0.5 else f"{_cap(proc)}, recovering well."
    r = rng.random()
    if r < 0.6:
        return premise, rng.choice([h1, h2]), ENT
    if r < 0.8:
        return premise, "The patient has never had surgery.", CON
    return premise, "The patient has a wound infection.", NEU


def mi_pair(rng) -> tuple[str, str, int]:
    """Ischaemia workups: negative troponins and a normal ECG argue against an infarct."""
    subj = _subject(rng)
    if rng.random() < 0.5:
        premise = rng.choice([f"{subj} presented with chest pressure. Serial troponins were negative and the ECG was unchanged.",
                              f"Troponin negative x3, no ischemic ECG changes; chest pain felt to be musculoskeletal.",
                              f"ACS was ruled out with two negative troponins."])
        return premise, rng.choice(["The patient had a myocardial infarction.", "The patient had a heart attack."]), CON
    premise = rng.choice([f"{subj} presented with chest pain, ST elevations in V2-V4 and a troponin of 12; taken for emergent catheterization.",
                          f"NSTEMI with peak troponin 3.2, treated with heparin and aspirin."])
    return premise, rng.choice(["The patient had a myocardial infarction.", "The patient had a heart attack."]), ENT


def exam_pair(rng) -> tuple[str, str, int]:
    """Examination findings: a normal system statement rules out each finding of that system (so it
    entails "no wheezing" and contradicts "wheezing"); a finding affirmed or negated by name works as a
    symptom does; another finding of the same system is left open."""
    system = rng.choice(list(L.EXAM))
    normals, findings = L.EXAM[system]
    k = rng.randrange(len(findings))
    phrases, pos_h, neg_h = findings[k]
    lead = rng.choice(["Exam: ", "On examination, ", "Physical exam notable for ", "", f"{system.capitalize()}: "])
    r = rng.random()
    if r < 0.35:    # the system is normal
        premise = f"{lead}{rng.choice(normals)}."
        return (premise, rng.choice(neg_h), ENT) if rng.random() < 0.5 else (premise, rng.choice(pos_h), CON)
    if r < 0.65:    # the finding is there
        premise = f"{lead}{rng.choice(phrases)}."
        if len(findings) > 1 and rng.random() < 0.25:
            other = findings[(k + rng.randrange(1, len(findings))) % len(findings)]
            return premise, rng.choice(other[1]), NEU
        return (premise, rng.choice(pos_h), ENT) if rng.random() < 0.5 else (premise, rng.choice(neg_h), CON)
    if r < 0.85:    # the finding is named and negated
        phrase = re.sub(r"^(a|an) ", "", rng.choice(phrases))
        premise = f"{lead}{rng.choice(['no ', 'without ', 'negative for '])}{phrase}."
        return (premise, rng.choice(neg_h), ENT) if rng.random() < 0.5 else (premise, rng.choice(pos_h), CON)
    other_sys = rng.choice([x for x in L.EXAM if x != system])   # another system's normal statement
    return f"{lead}{rng.choice(L.EXAM[other_sys][0])}.", rng.choice(pos_h + neg_h), NEU


def _pick(rng, table):
    statements, ent, con, neu = rng.choice(table)
    premise = rng.choice(statements)
    return (premise, *gen_nli_findings.labelled(rng, ent, con, neu, 0.38, 0.76))


def social_pair(rng) -> tuple[str, str, int]:
    """Tobacco, alcohol, drugs and living situation."""
    p, h, l = _pick(rng, L.SOCIAL)
    if rng.random() < 0.4:
        p = rng.choice(["Social history: ", "SH: ", "Social: "]) + p
    return p, h, l


def function_pair(rng) -> tuple[str, str, int]:
    """Intake, output, bowels, sleep and mobility."""
    p, h, l = _pick(rng, L.FUNCTION)
    if rng.random() < 0.3:
        p = f"{rng.choice(['Per her daughter, ', 'Per family, ', 'Per nursing, '])}{p[0].lower()}{p[1:]}"
    return p, h, l


def symptom_list_pair(rng) -> tuple[str, str, int]:
    """Review of systems lists: every symptom of a denied list is absent, every one of an endorsed list
    present; the hypothesis may name any of them, or a symptom the list leaves out (neutral)."""
    picks = rng.sample(range(len(L.SYMPTOMS)), 4)
    listed, outside = picks[:3], picks[3]
    names = [rng.choice(L.SYMPTOMS[i][0]) for i in listed]
    subj = _subject(rng)
    denied = rng.random() < 0.6
    joined = f"{names[0]}, {names[1]} {rng.choice(['or', 'or', 'nor']) if denied else 'and'} {names[2]}"
    if denied:
        premise = rng.choice([f"{subj} denies {joined}.", f"ROS negative for {joined}.", f"No {joined}.",
                              f"{subj} reports no {joined}.", f"Denies {joined}."])
    else:
        premise = rng.choice([f"{subj} reports {joined}.", f"{subj} endorses {joined}.", f"ROS positive for {joined}.",
                              f"{subj} presents with {joined}."])
    if rng.random() < 0.2:
        return premise, rng.choice(L.SYMPTOMS[outside][1]), NEU
    hyp = rng.choice(L.SYMPTOMS[rng.choice(listed)][1])
    return premise, hyp, CON if denied else ENT


def symptom_dx_pair(rng) -> tuple[str, str, int]:
    """A symptom raises a diagnosis without establishing it; a denied symptom does not rule it out."""
    sym, dx = rng.choice(L.SYMPTOM_DX)
    subj = _subject(rng)
    premise = rng.choice([f"{subj} presents with {sym}.", f"{subj} reports {sym} for {rng.choice(L.DURATIONS)}.",
                          f"Chief complaint: {sym}.", f"{subj} has had {sym} since {rng.choice(L.DAYS)}."])
    return premise, dx, NEU


def value_cause_pair(rng) -> tuple[str, str, int]:
    """A value establishes a state, not its cause, the patient's treatment or what happens next: an
    abnormal value against such a hypothesis is neutral, whatever words the two share. Half the time
    the value comes with its trend ("up from", "down from") as notes write it."""
    keys = [k for k in L.VALUE_CAUSES if any(r[0][0] == k[0] and k[1] in r[3] for r in L.RANGED)]
    name, state = rng.choice(keys)
    entry = next(r for r in L.RANGED if r[0][0] == name and state in r[3])
    names, fmts, decimals, ranges, _ = entry
    lo, hi = ranges[state]
    v = round(rng.uniform(lo, hi), decimals)
    item = f"{rng.choice(names)} {rng.choice(fmts).format(v=f'{v:.{decimals}f}')}"
    if rng.random() < 0.5 and "normal" in ranges:
        nlo, nhi = ranges["normal"]
        base = round(rng.uniform(nlo, nhi), decimals)
        item += rng.choice([f", {'up' if state == 'high' else 'down'} from {base:.{decimals}f} last month",
                            f" (baseline {base:.{decimals}f})", f", previously {base:.{decimals}f}"])
    premise = rng.choice([f"{_cap(item)}.", f"Labs notable for {item}.", f"On arrival {item}.", f"{_subject(rng)} was found to have {item}."])
    return premise, rng.choice(L.VALUE_CAUSES[(name, state)]), NEU




# A hypothesis and its negation: the pairs above state most hypotheses positively; negating one swaps
# entailment and contradiction (neutral stays neutral), which teaches that the hypothesis's own polarity
# matters and not only the premise's cue words ("denies" does not mean contradiction).
NEGATIONS = [(r"^The patient is not ", "The patient is "), (r"^The patient does not have ", "The patient has "),
             (r"^The patient did not have ", "The patient had "), (r"^The patient is ", "The patient is not "),
             (r"^The patient has had ", "The patient has never had "), (r"^The patient has ", "The patient does not have "),
             (r"^The patient had ", "The patient did not have "), (r"^The patient takes ", "The patient does not take "),
             (r"^The patient uses ", "The patient does not use "), (r"^The patient requires ", "The patient does not require "),
             (r"^The patient can ", "The patient cannot "), (r"^The patient cannot ", "The patient can "),
             (r"^The patient feels ", "The patient does not feel "), (r"^The patient reports ", "The patient does not report "),
             (r"^The patient smokes\.", "The patient does not smoke."), (r"^The patient does not smoke\.", "The patient smokes."),
             (r"^The patient drinks ", "The patient does not drink "), (r"^The patient lives ", "The patient does not live "),
             (r"^The patient's (.+?) is ", r"The patient's \1 is not "), (r"^The (abdomen|heart rhythm|wound|lungs?) (is|are) ", r"The \1 \2 not "),
             (r"^There is no ", "There is "), (r"^There are no ", "There are "), (r"^There is an? ", "There is no "), (r"^There are ", "There are no "),
             (r"^No (.+?) was heard\.", r"\1 was heard."), (r"^(Wheezing|A murmur|Rales) was heard", r"No \1 was heard")]


def negate(h: str) -> str | None:
    """The negation of a hypothesis, or None when no rule applies."""
    for pat, rep in NEGATIONS:
        out, n = re.subn(pat, rep, h, count=1)
        if n:
            out = re.sub(r"^No (Wheezing|A murmur|Rales)", lambda m: "No " + m.group(1).lower().removeprefix("a "), out)
            return out[0].upper() + out[1:]
    return None


def with_negated_hypotheses(pair: tuple[str, str, int], rng, p: float = 0.3) -> tuple[str, str, int]:
    premise, hyp, label = pair
    if rng.random() < p:
        neg = negate(hyp)
        if neg:
            return premise, neg, {ENT: CON, CON: ENT, NEU: NEU}[label]
    return pair


# Weights: the abbreviation, shorthand, drug and status tables grew several-fold in stop 33 (lexicon_broad),
# so their generators draw more often, each entry still less often than before.
TEMPLATED = [(symptom_pair, 4), (measure_pair, 1.5), (ranged_measure_pair, 4.5), (named_state_pair, 1.5), (drug_pair, 4.5), (history_pair, 2.5),
             (abbreviation_pair, 3), (status_pair, 2.5), (mi_pair, 0.5), (shorthand_pair, 4), (temporal_pair, 2),
             (exam_pair, 3.5), (social_pair, 1.5), (function_pair, 1.5), (symptom_list_pair, 2.5), (symptom_dx_pair, 0.8),
             (past_episode_pair, 2), (negation_scope_pair, 2.5), (indication_pair, 2), (value_cause_pair, 1.5), (workup_pair, 1.5)] + gen_nli_findings.TEMPLATED


def templated(n: int, rng: random.Random) -> list[tuple[str, str, int]]:
    fns, weights = zip(*TEMPLATED)
    return [with_negated_hypotheses(rng.choices(fns, weights)[0](rng), rng) for _ in range(n)]


def combine_premises(pairs: list[tuple[str, str, int]], rng: random.Random, frac: float = 0.3) -> list[tuple[str, str, int]]:
    """Longer notes: a pair's premise with an unrelated templated sentence around it (label unchanged
    when the filler says nothing about the hypothesis: fillers are vitals-free social lines)."""
    fillers = ["Lives at home with her husband.", "Nonsmoker, drinks socially.", "Presented to the ED via EMS.",
               "Seen by the primary team this morning.", "Code status: full code.", "Works as a teacher.",
               "Arrived from a rehab facility.", "Family at bedside.", "Independent in ADLs at baseline."]
    out = []
    for p, h, l in pairs:
        if rng.random() < frac:
            p = f"{rng.choice(fillers)} {p}" if rng.random() < 0.5 else f"{p} {rng.choice(fillers)}"
        out.append((p, h, l))
    return out
