"""Radiology-report QA over reports written organ by organ (our own templates, seeded).

gen_qa.synthetic_report writes a report as a run of finding sentences. Many reports are laid out otherwise,
and a model trained on that one layout fails on them in ways a clinician notices at once:
  * paired organs measured side by side ("The right kidney measures 10.9 cm and the left kidney measures
    12.1 cm"): "How long is the left kidney?" must take the left one's number, not the first number;
  * a finding on one side with the other side negated ("moderate left hydronephrosis. No right
    hydronephrosis"): "Which kidney ...?" is the side word, "Is there right hydronephrosis?" the negation;
  * section labels ("Pericardium: Small pericardial effusion"): the answer is the finding, never the label;
  * measurements in other words ("causing 4 mm of rightward midline shift", "RVSP 48 mmHg", "Grade 3
    chondromalacia"): the answer keeps its unit or its grade word;
  * the question names a finding by a synonym of the report's word (stone / calculus, clot / thrombus);
  * impressions that name a diagnosis or a differential ("Findings consistent with acute cholecystitis",
    "differential includes abscess versus metastasis"): "What is the diagnosis?" is that phrase.
Every case follows gen_qa's RadQA convention: the shortest span that answers; no answer when the report does
not say.
"""

from __future__ import annotations

import random

SIDES = ("right", "left")


def _other(side: str) -> str:
    return "left" if side == "right" else "right"


def _cap(s: str) -> str:
    return s[0].upper() + s[1:]


def _size(rng, lo: float, hi: float, unit: str) -> str:
    v = rng.uniform(lo, hi)
    return f"{v:.1f} {unit}" if unit == "cm" else f"{round(v)} {unit}"


class _Report:
    """A report built sentence by sentence; each sentence may carry questions whose answers are spans of it."""

    def __init__(self):
        self.lines: list[list[tuple[str, list[tuple[str, str]]]]] = [[]]

    def say(self, sentence: str, *qas: tuple[str, str]) -> None:
        self.lines[-1].append((sentence, list(qas)))

    def newline(self) -> None:
        if self.lines[-1]:
            self.lines.append([])

    def render(self, header: str, rng) -> tuple[str, list[dict]]:
        text, cases, pending = header, [], []
        for line in self.lines:
            if not any(sentence for sentence, _ in line):
                pending += [{"question": q, "answer": "", "start": -1} for _, qas in line for q, _ in qas]
                continue
            text += "\n"
            started = False
            for sentence, qas in line:
                if sentence and started:
                    text += " "
                started = started or bool(sentence)
                at = len(text)
                text += sentence
                for q, ans in qas:
                    if not ans:
                        pending.append({"question": q, "answer": "", "start": -1})
                        continue
                    j = sentence.lower().find(ans.lower())
                    if j >= 0:
                        pending.append({"question": q, "answer": sentence[j:j + len(ans)], "start": at + j})
        for c in pending:
            cases.append({"context": text, **c})
        rng.shuffle(cases)
        return text, cases


# --- paired organs --------------------------------------------------------------------------------

# (organ, plural, study titles, length range in cm, one-sided findings)
# A finding: (sentence template, the noun questions use, synonyms a question may use instead, has a size)
PAIRED = [
    ("kidney", "kidneys", ["RENAL ULTRASOUND", "US KIDNEYS AND BLADDER", "RETROPERITONEAL ULTRASOUND"], (8.5, 13.5),
     [("{Grade} {side} hydronephrosis.", "hydronephrosis", ["hydronephrosis", "dilation of the collecting system"], False),
      ("A {size} {shadowing}{stone} is seen in the {pole} of the {side} kidney.", "stone", ["stone", "calculus", "kidney stone"], True),
      ("{Side} {pole} nephrolithiasis measuring {size}.", "stone", ["stone", "calculus", "kidney stone"], True),
      ("A {size} simple cyst arises from the {pole} of the {side} kidney.", "cyst", ["cyst", "renal cyst"], True),
      ("A {size} solid enhancing mass in the {side} kidney {pole}, suspicious for renal cell carcinoma.", "mass", ["mass", "renal mass", "lesion"], True)]),
    ("ovary", "ovaries", ["PELVIC ULTRASOUND, TRANSVAGINAL", "PELVIC ULTRASOUND"], (2.0, 4.5),
     [("A {size} simple cyst in the {side} ovary.", "cyst", ["cyst", "ovarian cyst"], True),
      ("The {side} ovary contains a {size} hemorrhagic cyst.", "cyst", ["cyst", "hemorrhagic cyst"], True),
      ("A {size} dermoid cyst is seen in the {side} ovary.", "dermoid", ["dermoid", "dermoid cyst", "mass"], True)]),
    ("testis", "testes", ["SCROTAL ULTRASOUND", "US SCROTUM"], (3.2, 5.0),
     [("{Grade} {side} hydrocele.", "hydrocele", ["hydrocele", "fluid collection"], False),
      ("A {size} hypoechoic intratesticular mass in the {side} testis.", "mass", ["mass", "lesion", "testicular mass"], True),
      ("{Side} varicocele with veins up to {size}.", "varicocele", ["varicocele"], True)]),
]
GRADES = ["Mild", "Moderate", "Severe", "Minimal", "Marked"]
POLES = {"kidney": ["lower pole", "upper pole", "interpolar region", "mid pole"], "ovary": [""], "testis": [""]}
LENGTH_FORMS = ["The right {o} measures {r} and the left {o} measures {l}.", "Right {o}: {r}. Left {o}: {l}.",
                "The {os} measure {r} on the right and {l} on the left.", "The left {o} measures {l}; the right {o} measures {r}.",
                "Right {o} {r} in length. Left {o} {l} in length.", "The {os} are normal in size (right {r}, left {l})."]
LENGTH_Q = ["How long is the {side} {o}?", "What is the size of the {side} {o}?", "What does the {side} {o} measure?",
            "How big is the {side} {o}?", "{Side} {o} size?", "What is the length of the {side} {o}?"]
WHICH_Q = ["Which {o} has the {x}?", "Which side is the {x} on?", "On which side is the {x}?", "Which {o} is affected?",
           "Is the {x} on the right or the left?", "Which side has the {x}?"]
SIZE_Q = ["How big is the {x}?", "What size is the {x}?", "How large is the {x}?", "What does the {x} measure?"]
WHERE_Q = ["Where is the {x}?", "Where is the {x} located?", "What is the location of the {x}?"]
PRESENT_Q = ["Is there {a}{x}?", "Is there any {x}?", "Is {a}{x} present?", "Any {x}?", "Is there evidence of {x}?"]
NEG_FORMS = ["No {side} {x}.", "No {x} on the {side}.", "The {side} {o} shows no {x}.", "No {side}-sided {x}."]


def _article(x: str) -> str:
    if x.endswith("s") or x.endswith("sis") or x in ("hydronephrosis", "hydrocele", "nephrolithiasis"):
        return ""
    return "an " if x[0] in "aeiou" else "a "


def paired_organ_report(rng) -> tuple[str, list[dict]]:
    organ, plural, titles, (lo, hi), findings = rng.choice(PAIRED)
    rep = _Report()
    r, l = _size(rng, lo, hi, "cm"), _size(rng, lo, hi, "cm")
    while l == r:
        l = _size(rng, lo, hi, "cm")
    form = rng.choice(LENGTH_FORMS)
    sentence = form.format(o=organ, os=plural, r=r, l=l)
    asked = rng.sample(SIDES, k=rng.randint(1, 2))
    rep.say(sentence, *[(rng.choice(LENGTH_Q).format(side=s, Side=_cap(s), o=organ), r if s == "right" else l) for s in asked])
    side = rng.choice(SIDES)
    tmpl, noun, synonyms, sized = rng.choice(findings)
    pole = rng.choice(POLES[organ])
    stone = rng.choice(["calculus", "stone", "echogenic stone", "calculus"])
    slots = {"side": side, "Side": _cap(side), "Grade": rng.choice(GRADES), "size": _size(rng, 3, 25, "mm") if rng.random() < 0.6 else _size(rng, 1, 6, "cm"),
             "pole": pole, "shadowing": rng.choice(["", "shadowing ", "nonobstructing "]), "stone": stone}
    finding = tmpl.format(**slots)
    x = rng.choice(synonyms)
    qas = [(rng.choice(WHICH_Q).format(o=organ, x=x), side)]
    if sized:
        qas.append((rng.choice(SIZE_Q).format(x=x), slots["size"]))
    if "{pole}" in tmpl and pole:
        where = f"{pole} of the {side} kidney" if "of the {side}" in tmpl else (f"{side} kidney {pole}" if "kidney {pole}" in tmpl else f"{side} {pole}")
        qas.append((rng.choice(WHERE_Q).format(x=x), where))
    if "{Grade}" in tmpl:
        qas.append((rng.choice(["How severe is the {x}?", "What is the degree of {x}?", "How much {x} is there?"]).format(x=x), slots["Grade"]))
        qas.append((rng.choice(PRESENT_Q).format(a=_article(x), x=x), f"{slots['Grade']} {side} {noun}"))
    if rng.random() < 0.5:
        rep.newline()
    rep.say(finding, *qas)
    other = _other(side)
    if rng.random() < 0.6:
        neg = rng.choice(NEG_FORMS).format(side=other, x=noun, o=organ)
        rep.say(neg, (rng.choice(["Is there {side} {x}?", "Is there {a}{x} on the {side}?", "Does the {side} {o} have {a}{x}?"])
                      .format(side=other, x=noun, o=organ, a=_article(noun)), neg.rstrip(".")))
    elif rng.random() < 0.5:  # the other side is not described: a question about it has no answer
        rep.say(f"The {other} {organ} is otherwise not well seen." if rng.random() < 0.3 else f"Normal {other} {organ} echotexture.")
    normals = {"kidney": ["The urinary bladder is partially distended.", "No perinephric fluid.", "Normal corticomedullary differentiation."],
               "ovary": ["The uterus is anteverted and normal in size.", "The endometrium measures 6 mm.", "No free fluid in the pelvis."],
               "testis": ["Normal testicular blood flow bilaterally.", "The epididymides are unremarkable.", "No scrotal wall thickening."]}[organ]
    rep.newline()
    for n in rng.sample(normals, k=rng.randint(1, 2)):
        rep.say(n)
    # an impression naming the finding, and a question about a finding the report never mentions
    imp = {"hydronephrosis": f"{slots['Grade']} {side} hydronephrosis", "stone": f"{_cap(side)} nephrolithiasis",
           "cyst": f"{_cap(side)} {organ} cyst", "mass": f"{_cap(side)} {organ} mass", "hydrocele": f"{_cap(side)} hydrocele",
           "dermoid": f"{_cap(side)} ovarian dermoid", "varicocele": f"{_cap(side)} varicocele"}[noun]
    rep.newline()
    rep.say(f"IMPRESSION: {imp}.", (rng.choice(DIAGNOSIS_Q), imp))
    absent = rng.choice({"kidney": ["bladder stone", "renal mass", "perinephric abscess", "angiomyolipoma"],
                         "ovary": ["ovarian torsion", "ectopic pregnancy", "fibroid"],
                         "testis": ["testicular torsion", "epididymitis", "microlithiasis"]}[organ])
    if absent.split()[-1] not in (finding + imp).lower():
        rep.say("", (rng.choice(PRESENT_Q).format(a=_article(absent), x=absent), ""))
    return rep.render(rng.choice(titles) + ":" if rng.random() < 0.5 else f"EXAM: {rng.choice(titles).lower().capitalize()}.", rng)


DIAGNOSIS_Q = ["What is the diagnosis?", "What is the impression?", "What is the main finding?", "What does the radiologist conclude?",
               "What is the final diagnosis?", "What is the radiologic diagnosis?"]


# --- reports in labelled sections ------------------------------------------------------------------

def _echo(rng, rep: _Report) -> None:
    ef = rng.choice([15, 20, 25, 30, 35, 40, 45, 55, 60, 65])
    func = "Normal" if ef >= 55 else "Mildly reduced" if ef >= 45 else "Moderately reduced" if ef >= 30 else "Severely reduced"
    ef_text = rng.choice([f"{ef}%", f"{ef}-{ef + 5}%", f"{ef} %"])
    lv = rng.choice(["Normal size.", "Mildly dilated.", "Severely dilated.", "Normal cavity size with concentric hypertrophy."])
    ef_sentence = rng.choice([f"{func} systolic function with an estimated ejection fraction of {ef_text}.",
                              f"{func} systolic function, LVEF {ef_text}.", f"EF estimated at {ef_text}; {func.lower()} systolic function."])
    rep.say(f"Left ventricle: {lv}")
    rep.say(ef_sentence, (rng.choice(["What is the ejection fraction?", "What is the LVEF?", "What is the EF?"]), ef_text),
            (rng.choice(["How is the left ventricular function?", "What is the LV systolic function?"]), f"{func} systolic function"))
    rep.newline()
    rv = rng.choice(["Normal size and function.", "Mildly dilated with reduced function.", "Moderately dilated."])
    rep.say(f"Right ventricle: {rv}")
    rep.newline()
    valves = rng.sample(["mitral", "tricuspid", "aortic", "pulmonic"], k=2)
    grades = [rng.choice(["Trace", "Mild", "Moderate", "Severe", "Mild to moderate"]) for _ in valves]
    vals = [f"{g} {v} regurgitation." for g, v in zip(grades, valves)]
    rep.say("Valves: " + vals[0], (rng.choice(["How severe is the {v} regurgitation?", "What grade of {v} regurgitation is there?",
                                              "How much {v} regurgitation?"]).format(v=valves[0]), grades[0]))
    rep.say(vals[1], (f"Is there {valves[1]} regurgitation?", vals[1].rstrip(".")))
    measures = [("RVSP", ["Estimated RVSP {v}.", "RV systolic pressure estimated at {v}.", "RVSP {v}."], f"{rng.randint(22, 70)} mmHg",
                 ["What is the RVSP?", "What is the estimated right ventricular systolic pressure?", "What is the RV systolic pressure?"]),
                ("TAPSE", ["TAPSE {v}.", "TAPSE measures {v}."], f"{rng.randint(9, 26)} mm", ["What is the TAPSE?", "What does the TAPSE measure?"]),
                ("LA volume", ["LA volume index {v}.", "Left atrial volume index is {v}."], f"{rng.randint(20, 60)} mL/m2",
                 ["What is the left atrial volume index?", "What is the LA volume index?"])]
    name, forms, v, qs = rng.choice(measures)
    rep.say(rng.choice(forms).format(v=v), (rng.choice(qs), v))
    rep.newline()
    if rng.random() < 0.5:
        size = rng.choice(["Small", "Moderate", "Large", "Trivial"])
        peri = f"{size} pericardial effusion" + rng.choice(["", " without tamponade", " without evidence of tamponade"])
        rep.say(f"Pericardium: {peri}.", (rng.choice(["Is there a pericardial effusion?", "Is there pericardial fluid?", "Any pericardial effusion?"]),
                                          f"{size} pericardial effusion"),
                (rng.choice(["How large is the pericardial effusion?", "What size is the pericardial effusion?"]), size))
    else:
        rep.say("Pericardium: No pericardial effusion.", (rng.choice(["Is there a pericardial effusion?", "Any pericardial effusion?"]),
                                                          "No pericardial effusion"))
    absent = rng.choice(["aortic stenosis", "vegetation", "intracardiac thrombus", "atrial septal defect"])
    if absent.split()[0] not in " ".join(valves):
        rep.say("", (rng.choice(["Is there {x}?", "Any {x}?", "Is {x} present?"]).format(x=absent), ""))


def _ct_chest(rng, rep: _Report) -> None:
    side = rng.choice(SIDES)
    other = _other(side)
    if rng.random() < 0.6:
        loc = rng.choice(["lower lobe segmental", "main", "upper lobe lobar", "interlobar"])
        pe = f"Filling defects in the {side} {loc} pulmonary arteries"
        rep.say(f"Pulmonary arteries: {pe}.", (rng.choice(["Is there a pulmonary embolism?", "Are there pulmonary emboli?", "Is there a PE?",
                                                           "Any clot in the pulmonary arteries?"]), pe),
                rng.choice([(rng.choice(["Which side are the emboli on?", "Which lung has the emboli?"]), side),
                            ("Where are the emboli?", f"{side} {loc} pulmonary arteries")]))
        if rng.random() < 0.6:
            neg = rng.choice([f"No {other}-sided emboli.", f"The {other} pulmonary arteries are clear.", f"No emboli on the {other}."])
            rep.say(neg, (rng.choice([f"Are there {other}-sided emboli?", f"Is there a {other} pulmonary embolism?", f"Any emboli on the {other}?"]),
                          neg.rstrip(".")))
        if rng.random() < 0.5:
            ratio = f"{rng.randint(0, 1)}.{rng.randint(1, 9)}"
            strain = "suggesting right heart strain" if float(ratio) >= 1 else "without right heart strain"
            rep.say(f"The RV/LV ratio is {ratio}, {strain}.", ("What is the RV/LV ratio?", ratio),
                    (rng.choice(["Is there right heart strain?", "Any right heart strain?", "Is there evidence of right heart strain?"]), strain))
    else:
        rep.say("Pulmonary arteries: No filling defect to the subsegmental level.",
                (rng.choice(["Is there a pulmonary embolism?", "Is there a PE?"]), "No filling defect to the subsegmental level"))
    rep.newline()
    nod = _size(rng, 3, 14, "mm")
    lobe = rng.choice(["upper lobe", "lower lobe", "middle lobe"]) if side == "right" else rng.choice(["upper lobe", "lower lobe", "lingula"])
    lung = rng.choice([f"A {nod} solid nodule in the {side} {lobe}.", f"{_cap(side)} {lobe} {nod} nodule.", "Clear lungs.",
                       f"Dependent atelectasis in the {side} lower lobe."])
    qas = []
    if "nodule" in lung:
        qas = [(rng.choice(["How big is the nodule?", "What size is the lung nodule?", "How large is the pulmonary nodule?"]), nod),
               (rng.choice(["Where is the nodule?", "Which lobe has the nodule?"]), f"{side} {lobe}")]
    else:
        qas = [(rng.choice(["How big is the nodule?", "Is there a lung nodule?"]), "")]
    rep.say(f"Lungs: {lung}", *qas)
    rep.newline()
    eff = rng.choice(["No pleural effusion.", f"Small {side} pleural effusion.", "Small bilateral pleural effusions.", f"Moderate {other} pleural effusion."])
    if eff.startswith("No"):
        rep.say(f"Pleura: {eff}", (rng.choice(["Is there a pleural effusion?", "Any pleural fluid?"]), eff.rstrip(".")),
                (rng.choice(["Which side is the effusion on?", "How large is the pleural effusion?"]), ""))
    else:
        w = eff.split()
        rep.say(f"Pleura: {eff}", (rng.choice(["Is there a pleural effusion?", "Any pleural fluid?"]), eff.rstrip(".")),
                (rng.choice(["Which side is the effusion on?", "Which side has the pleural effusion?"]), w[1]),
                (rng.choice(["How large is the pleural effusion?", "What size is the effusion?"]), w[0]))
    rep.newline()
    rep.say("Heart: " + rng.choice(["Normal in size. No pericardial effusion.", "Mild cardiomegaly.", "Normal size."]))
    rep.newline()
    rep.say("Bones: " + rng.choice(["No acute fracture.", "Degenerative changes of the thoracic spine.", "No suspicious osseous lesion."]))
    rep.say("", (rng.choice(["Is there a pneumothorax?", "Is there an aortic dissection?", "Is there a rib fracture?"]), ""))


def _ct_head(rng, rep: _Report) -> None:
    side = rng.choice(SIDES)
    thick = _size(rng, 3, 18, "mm")
    shift = f"{rng.randint(1, 12)} mm"
    direction = _other(side) + "ward"
    kind = rng.choice(["subdural hematoma", "epidural hematoma", "intraparenchymal hemorrhage"])
    where = {"subdural hematoma": "convexity", "epidural hematoma": "temporal", "intraparenchymal hemorrhage": "frontal lobe"}[kind]
    form = rng.choice(["There is an acute {side} {where} {kind} measuring up to {thick} in thickness, causing {shift} of {dir} midline shift.",
                       "Acute {side} {where} {kind}, {thick} thick, with {shift} of {dir} midline shift.",
                       "A {thick} acute {kind} along the {side} {where} results in {shift} of {dir} midline shift."])
    sent = form.format(side=side, where=where, kind=kind, thick=thick, shift=shift, dir=direction)
    x = kind.split()[0] if rng.random() < 0.3 else kind
    rep.say(sent, (rng.choice(["How much midline shift is there?", "What is the midline shift?", "How much shift is there?",
                               "How many millimeters of midline shift?"]), shift),
            (rng.choice(["How thick is the {x}?", "What size is the {x}?", "How large is the {x}?"]).format(x=x), thick),
            (rng.choice(["Which side is the {x}?", "Which side is the bleed on?", "On which side is the {x}?"]).format(x=x), side),
            (rng.choice(["Which direction is the midline shift?", "Which way is the midline shifted?"]), direction))
    rep.say(rng.choice(["No intraventricular extension.", "Small volume of intraventricular blood.", "The basal cisterns are patent."]))
    hyd = rng.choice(["The ventricles are not enlarged.", "No hydrocephalus.", "Mild dilation of the contralateral temporal horn."])
    rep.say(hyd, *([(rng.choice(["Is there hydrocephalus?", "Are the ventricles enlarged?"]), hyd.rstrip("."))] if "dilation" not in hyd else []))
    frac = rng.choice(["The calvarium is intact.", "No skull fracture.", f"Nondisplaced {side} temporal bone fracture."])
    rep.say(frac, (rng.choice(["Is there a skull fracture?", "Is there a fracture?", "Any calvarial fracture?"]), frac.rstrip(".")))
    rep.newline()
    rep.say(f"IMPRESSION: Acute {side} {kind} with {shift} midline shift.",
            (rng.choice(DIAGNOSIS_Q), f"Acute {side} {kind}"))
    rep.say("", (rng.choice(["Is there an acute infarct?", "Is there a mass?", "Is there a subarachnoid hemorrhage?"]), ""))


def _mri_knee(rng, rep: _Report) -> None:
    men = rng.choice(["medial", "lateral"])
    horn = rng.choice(["posterior horn", "anterior horn", "body"])
    tear = rng.choice(["complex", "horizontal", "radial", "vertical", "bucket-handle"])
    rep.say(f"Menisci: There is a {tear} tear of the {horn} of the {men} meniscus.",
            (rng.choice(["Which meniscus is torn?", "Which meniscus has the tear?"]), f"{men} meniscus"),
            (rng.choice(["What type of meniscal tear is it?", "What kind of tear is there?"]), tear),
            (rng.choice(["Where is the meniscal tear?", "What part of the meniscus is torn?"]), f"{horn} of the {men} meniscus"))
    rep.say(f"The {'lateral' if men == 'medial' else 'medial'} meniscus is intact.")
    rep.newline()
    acl = rng.choice(["intact", "torn", "sprained"])
    acl_s = {"intact": "Ligaments: The cruciate and collateral ligaments are intact.",
             "torn": "Ligaments: Complete tear of the anterior cruciate ligament. The posterior cruciate ligament is intact.",
             "sprained": "Ligaments: Low-grade sprain of the medial collateral ligament. The cruciate ligaments are intact."}[acl]
    ans = {"intact": "The cruciate and collateral ligaments are intact", "torn": "Complete tear of the anterior cruciate ligament",
           "sprained": "The cruciate ligaments are intact"}[acl]
    rep.say(acl_s, (rng.choice(["Is the ACL torn?", "Is the anterior cruciate ligament intact?", "Is there an ACL tear?"]), ans))
    rep.newline()
    grade = rng.randint(1, 4)
    cond = rng.choice(["medial femoral condyle", "lateral tibial plateau", "patella", "trochlea"])
    rep.say(f"Cartilage: Grade {grade} chondromalacia of the {cond}.",
            (rng.choice(["What grade is the chondromalacia?", "How severe is the cartilage damage?", "What is the grade of chondromalacia?"]), f"Grade {grade}"),
            (rng.choice(["Where is the chondromalacia?", "Which cartilage is affected?"]), cond))
    eff = rng.choice(["Small", "Moderate", "Large", "No"])
    rep.say(f"{eff} joint effusion.", (rng.choice(["Is there a joint effusion?", "Any knee effusion?"]), f"{eff} joint effusion"),
            *([(rng.choice(["How large is the effusion?", "What size is the joint effusion?"]), eff)] if eff != "No" else []))
    rep.say("", (rng.choice(["Is there a fracture?", "Is there a bone bruise?", "Is there a Baker cyst?"]), ""))


def _us_ruq(rng, rep: _Report) -> None:
    big = _size(rng, 0.5, 3.0, "cm")
    wall = f"{rng.randint(2, 9)} mm"
    cbd = f"{rng.randint(2, 12)} mm"
    rep.say(f"Gallbladder: {rng.choice(['Distended and contains', 'Contains'])} multiple {rng.choice(['mobile ', 'shadowing ', ''])}gallstones, the largest measuring {big}.",
            (rng.choice(["How large is the largest gallstone?", "What size are the gallstones?", "How big is the biggest stone?"]), big))
    thick = int(wall.split()[0]) > 3
    rep.say(f"The wall {'is thickened to' if thick else 'measures'} {wall}.",
            (rng.choice(["How thick is the gallbladder wall?", "What is the gallbladder wall thickness?"]), wall))
    murphy = rng.choice(["Positive sonographic Murphy sign", "Negative sonographic Murphy sign"])
    rep.say(f"{murphy}.", (rng.choice(["Is the Murphy sign positive?", "Is there a sonographic Murphy sign?", "What is the Murphy sign?"]), murphy))
    rep.newline()
    rep.say(f"Bile ducts: The common bile duct measures {cbd}.",
            (rng.choice(["What is the diameter of the common bile duct?", "How wide is the CBD?", "What does the common duct measure?"]), cbd))
    rep.newline()
    rep.say("Liver: " + rng.choice(["Normal in echotexture.", "Increased echogenicity, consistent with steatosis.", "No focal lesion."]))
    rep.newline()
    dx = "acute calculous cholecystitis" if thick and murphy.startswith("Positive") else "cholelithiasis without sonographic evidence of acute cholecystitis"
    form = rng.choice(["Findings consistent with {dx}.", "Findings compatible with {dx}.", "{Dx}."])
    rep.say("IMPRESSION: " + form.format(dx=dx, Dx=_cap(dx)), (rng.choice(DIAGNOSIS_Q), dx.split(" without ")[0] if rng.random() < 0.5 else dx))
    rep.say("", (rng.choice(["Is there a liver mass?", "Is there pancreatitis?", "Is there ascites?"]), ""))


def _mri_brain(rng, rep: _Report) -> None:
    side = rng.choice(SIDES)
    lobe = rng.choice(["frontal", "temporal", "parietal", "occipital"])
    size = f"{rng.randint(1, 5)}.{rng.randint(0, 9)} x {rng.randint(1, 4)}.{rng.randint(0, 9)} cm"
    kind = rng.choice(["ring-enhancing", "solid enhancing", "peripherally enhancing"])
    rep.say(f"A {size} {kind} lesion is present in the {side} {lobe} lobe with {rng.choice(['mild', 'moderate', 'extensive'])} surrounding vasogenic edema.",
            (rng.choice(["How large is the lesion?", "What size is the mass?", "What does the lesion measure?"]), size),
            (rng.choice(["Where is the lesion?", "Where is the mass located?", "Which lobe is the lesion in?"]), f"{side} {lobe} lobe"))
    rep.say(rng.choice(["No hydrocephalus.", "No acute infarct.", "No midline shift."]))
    pair = rng.choice([("abscess", "metastasis"), ("glioblastoma", "metastasis"), ("lymphoma", "glioma"), ("tumefactive demyelination", "glioma")])
    ddx = rng.choice(["{a} versus {b}", "{a} or {b}", "{a} and {b}"]).format(a=pair[0], b=pair[1])
    form = rng.choice(["differential includes {d}", "differential diagnosis includes {d}", "considerations include {d}"])
    rep.newline()
    rep.say(f"IMPRESSION: {_cap(kind)} {side} {lobe} lesion, {form.format(d=ddx)}.",
            (rng.choice(["What is the differential diagnosis?", "What is the differential?", "What are the diagnostic considerations?",
                         "What could the lesion be?"]), ddx))


SECTIONED = [("TRANSTHORACIC ECHOCARDIOGRAM", _echo), ("CT ANGIOGRAPHY CHEST", _ct_chest), ("CT CHEST WITH CONTRAST", _ct_chest),
             ("CT HEAD WITHOUT CONTRAST", _ct_head), ("MRI KNEE WITHOUT CONTRAST", _mri_knee), ("ULTRASOUND RIGHT UPPER QUADRANT", _us_ruq),
             ("MRI BRAIN WITH AND WITHOUT CONTRAST", _mri_brain)]


def sectioned_report(rng) -> tuple[str, list[dict]]:
    title, write = rng.choice(SECTIONED)
    rep = _Report()
    write(rng, rep)
    return rep.render(title if rng.random() < 0.5 else f"EXAMINATION: {title.title()}", rng)


def examples(n: int, rng: random.Random) -> list[dict]:
    """n QA cases from paired-organ and sectioned reports."""
    out: list[dict] = []
    while len(out) < n:
        _, cases = (paired_organ_report if rng.random() < 0.4 else sectioned_report)(rng)
        out.extend(cases)
    return out[:n]
