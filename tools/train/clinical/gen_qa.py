"""Radiology-report QA examples (context, question, answer text or "" for no answer, answer start).

Convention (RadQA-style): the answer is the shortest span of the report that answers the question.
  * "Is there X?" - the phrase that states X with its modifiers, whether it affirms it ("moderate right
    pleural effusion") or negates it ("no pleural effusion"); no answer when the report never mentions X.
  * "Which side ...?" - the side word ("right", "left", "bilateral"); "How large / what size ...?" - the
    number with its unit ("1.2 cm"); "Where is ...?" - the location phrase; no answer when the report
    does not state it.
Sources, seeded: real IU chest X-ray reports (findings + impression), questions from the lexicon's
findings and the negation detector; synthetic CT / ultrasound / MRI / X-ray reports from templates.
"""

from __future__ import annotations

import random
import re

from . import lexicon as L
from .gen_nli import mentions
from .negex import NEG_START, clause_of

PRESENCE_Q = ["Is there {x}?", "Is there any {x}?", "Any {x}?", "Is {x} present?", "Does the patient have {x}?",
              "Is there evidence of {x}?", "Was {x} seen?", "Is {x} seen?", "Does the report mention {x}?", "{X}?"]
SIDE_Q = ["Which side is the {x} on?", "On which side is the {x}?", "What side is the {x}?", "Is the {x} on the left or the right?",
          "Where is the {x}, right or left?", "Laterality of the {x}?"]
SIZE_Q = ["How large is the {x}?", "What is the size of the {x}?", "How big is the {x}?", "What does the {x} measure?",
          "Size of the {x}?", "What is the diameter of the {x}?", "How much does the {x} measure?"]
GRADE_Q = ["How severe is the {x}?", "What is the degree of {x}?", "How much {x} is there?", "What grade is the {x}?",
           "Is the {x} mild, moderate or severe?", "How big is the {x}?"]
RECOMMEND = [("Recommend follow-up CT in {n} months.", "follow-up CT in {n} months"), ("MRCP is recommended for further evaluation.", "MRCP"),
             ("Recommend correlation with a dedicated ultrasound.", "correlation with a dedicated ultrasound"),
             ("Suggest tissue sampling.", "tissue sampling"), ("Recommend biopsy.", "biopsy"),
             ("Short-interval follow-up in {n} months is advised.", "Short-interval follow-up in {n} months"),
             ("Consider MRI for further characterization.", "MRI")]
RECOMMEND_Q = ["What is recommended?", "What follow-up is recommended?", "What does the radiologist recommend?",
               "What is the recommendation?", "What next step is suggested?"]
LOCATION = re.compile(r"\b((right|left|bilateral)\s+)?((upper|middle|lower|mid)\s+)?(lobe|lung|base|bases|apex|apices|"
                      r"hemithorax|lingula|perihilar region|lung zone)\b", re.I)
WHERE_Q = ["Where is the {x}?", "Where is the {x} located?", "What is the location of the {x}?", "In which part is the {x}?"]
LEVEL_Q = ["At what level is the {x}?", "Which level has the {x}?", "Where is the {x}?", "At which level is the {x} worst?"]


def _strip_article(p: str) -> str:
    return re.sub(r"^(a|an|the) ", "", p)


def presence_question(rng, phrase: str) -> str:
    q = rng.choice(PRESENCE_Q)
    bare = _strip_article(phrase)
    if "{X}" in q:
        return bare[0].upper() + bare[1:] + "?"
    if "any" in q or "evidence" in q or "{x} present" in q or "{x} seen" in q:
        return q.format(x=bare)
    return q.format(x=phrase)


def phrase_span(text: str, s0: int, m0: int, m1: int, negated: bool = False) -> tuple[int, int]:
    """The short phrase around a mention: back to the clause start (at most 6 words), forward to the
    mention's end; a negated mention starts at its negation cue ("no focal consolidation")."""
    low = text.lower()
    if negated:
        lo_clause, _ = clause_of(low[s0:], m0 - s0, m1 - s0)
        cues = list(NEG_START.finditer(low, s0 + lo_clause, m0))
        if cues and len(text[cues[-1].start():m0].split()) <= 8:
            return cues[-1].start(), m1
    lo = s0
    for m in re.finditer(r"[,;:]|\b(and|or|with|but|which|of)\b", low[s0:m0]):
        # keep "no evidence of X", "negative for X": cut only where the phrase before is not a cue
        if m.group(0) == "of" and re.search(r"(evidence|signs?) $", low[s0:s0 + m.start()]):
            continue
        if m.group(0) in ("or", "and") and re.search(r"\bno\b", low[s0:s0 + m.start()]):
            continue  # "no pneumothorax or effusion": keep the negation cue in the span
        lo = s0 + m.end()
    words = list(re.finditer(r"\S+", text[lo:m0]))
    if len(words) > 6:
        lo = lo + words[-6].start()
    while lo < m0 and text[lo] in " ,;:":
        lo += 1
    # drop a leading "There is/are" and articles: the span is the finding phrase itself
    m = re.match(r"(there (is|are|has been)( a| an)? |the |a |an )", low[lo:m0])
    if m:
        lo += m.end()
    return lo, m1


def iu_examples(reports: list[dict], n: int, rng: random.Random) -> list[dict]:
    out = []
    names = list(L.RAD_FINDINGS)
    while len(out) < n:
        r = rng.choice(reports)
        text = r["text"]
        ms = mentions(text)
        kind = rng.random()
        if ms and kind < 0.6:
            k = rng.choice(list(ms))
            s0, m0, m1, neg = ms[k][0]
            phrase = rng.choice(L.RAD_FINDINGS[k][1])
            a, b = phrase_span(text, s0, m0, m1, neg)
            out.append({"context": text, "question": presence_question(rng, phrase), "answer": text[a:b], "start": a})
            # side of an affirmed finding
            if not neg:
                window = text[a:b].lower()
                side = re.search(r"\b(right|left|bilateral|bibasilar)\b", window)
                q = rng.choice(SIDE_Q).format(x=_strip_article(rng.choice(L.RAD_FINDINGS[k][1])))
                if side:
                    out.append({"context": text, "question": q, "answer": text[a + side.start():a + side.end()], "start": a + side.start()})
                elif rng.random() < 0.3 and not re.search(r"\b(right|left|bilateral|bibasilar)\b", text.lower()):
                    out.append({"context": text, "question": q, "answer": "", "start": -1})
                sent_end = text.find(".", m1)
                loc = LOCATION.search(text, s0, sent_end if sent_end > 0 else len(text))
                if loc and (loc.group(2) or loc.group(4)):
                    out.append({"context": text, "question": rng.choice(WHERE_Q).format(x=_strip_article(phrase)),
                                "answer": loc.group(0), "start": loc.start()})
                size = re.search(r"\d+(\.\d+)? ?(cm|mm)\b", text[s0:text.find(".", m1) + 1 if text.find(".", m1) > 0 else len(text)])
                if size:
                    st = s0 + size.start()
                    out.append({"context": text, "question": rng.choice(SIZE_Q).format(x=_strip_article(phrase)),
                                "answer": text[st:s0 + size.end()], "start": st})
        else:
            absent = [k for k in names if k not in ms]
            k = rng.choice(absent)
            phrase = rng.choice(L.RAD_FINDINGS[k][1])
            q = presence_question(rng, phrase) if rng.random() < 0.7 else rng.choice(SIZE_Q + SIDE_Q).format(x=_strip_article(phrase))
            out.append({"context": text, "question": q, "answer": "", "start": -1})
    return out[:n]


# --- synthetic reports of other modalities ---------------------------------------------------

def _size(rng) -> str:
    if rng.random() < 0.5:
        return f"{rng.choice([1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 14, 15, 18, 22])} mm"
    return f"{rng.randint(1, 9)}.{rng.randint(0, 9)} cm"


def _percent(rng) -> str:
    """An ejection fraction as echo reports write it: one value or a range."""
    v = rng.choice([20, 25, 30, 35, 40, 45, 50, 55, 60, 65])
    return rng.choice([f"{v}%", f"{v}-{v + 5}%", f"{v} to {v + 5}%", f"{v}-{v + 5} %"])


def _dims(rng) -> str:
    if rng.random() < 0.3:
        return f"{rng.randint(1, 6)}.{rng.randint(0, 9)} x {rng.randint(1, 6)}.{rng.randint(0, 9)} cm"
    return _size(rng)


# (modality header, [finding templates: (sentence, finding noun, has side, has size, location)], normal sentences)
# In a template: {side} {size} {loc} are filled; the finding noun is what questions name.
MODALITIES = {
    "CT HEAD WITHOUT CONTRAST": (
        [("There is a {size} {side} {loc} subdural hematoma.", "subdural hematoma", ["frontal", "frontoparietal", "temporal", "parietal"]),
         ("{Side} {loc} intraparenchymal hemorrhage measuring {size}.", "intraparenchymal hemorrhage", ["basal ganglia", "thalamic", "occipital"]),
         ("There is {size} of {side}ward midline shift.", "midline shift", None),
         ("Acute infarct in the {side} {loc} territory.", "infarct", ["MCA", "PCA", "ACA"]),
         ("A {size} extra-axial mass along the {side} {loc} convexity, likely a meningioma.", "meningioma", ["frontal", "parietal"])],
        ["No intracranial hemorrhage.", "The ventricles are normal in size.", "The basal cisterns are patent.", "No calvarial fracture.",
         "Gray-white differentiation is preserved.", "No hydrocephalus.", "The paranasal sinuses are clear."]),
    "CT CHEST WITH CONTRAST": (
        [("{Size} nodule in the {side} {loc}.", "nodule", ["upper lobe", "lower lobe", "middle lobe"]),
         ("Filling defects in the {side} {loc} pulmonary arteries, consistent with pulmonary emboli.", "pulmonary emboli", ["lower lobe segmental", "main", "upper lobe"]),
         ("{Size} {side} pleural effusion.", "pleural effusion", None),
         ("A {size} mass in the {side} {loc} with hilar adenopathy.", "mass", ["upper lobe", "lower lobe"]),
         ("Mediastinal lymph node measuring {size} in short axis.", "lymph node", None),
         ("Moderate centrilobular emphysema.", "emphysema", None)],
        ["No pneumothorax.", "The heart is normal in size.", "No pericardial effusion.", "The airways are patent.", "No suspicious osseous lesion."]),
    "CT ABDOMEN AND PELVIS WITH CONTRAST": (
        [("The appendix is dilated to {size} with periappendiceal fat stranding.", "appendix", None),
         ("A {size} obstructing stone in the {side} proximal ureter with moderate hydronephrosis.", "ureteral stone", None),
         ("{Size} hypodense lesion in the {loc} of the liver.", "liver lesion", ["right lobe", "left lobe", "segment 7", "dome"]),
         ("Infrarenal abdominal aortic aneurysm measuring {size}.", "aortic aneurysm", None),
         ("Small-bowel loops are dilated to {size} with a transition point in the {side} lower quadrant.", "small-bowel obstruction", None),
         ("Diverticulitis of the sigmoid colon with a {size} pericolic abscess.", "abscess", None)],
        ["The pancreas is unremarkable.", "No free air.", "The spleen is normal in size.", "No ascites.", "The kidneys enhance symmetrically.",
         "The adrenal glands are normal.", "No lymphadenopathy."]),
    "RIGHT UPPER QUADRANT ULTRASOUND": (
        [("The gallbladder contains multiple stones, the largest {size}.", "gallstones", None),
         ("The common bile duct measures {size}.", "common bile duct", None),
         ("The gallbladder wall is thickened to {size}.", "gallbladder wall", None),
         ("A {size} echogenic lesion in the {loc} of the liver, likely a hemangioma.", "hemangioma", ["right lobe", "left lobe"]),
         ("The liver is echogenic, consistent with steatosis.", "steatosis", None)],
        ["No pericholecystic fluid.", "Sonographic Murphy sign is negative.", "No intrahepatic biliary dilatation.", "The pancreas is obscured by bowel gas.",
         "Normal hepatopetal portal venous flow."]),
    "RENAL ULTRASOUND": (
        [("{Amount} {side} hydronephrosis.", "hydronephrosis", None),
         ("A {size} simple cyst in the {side} kidney {loc}.", "renal cyst", ["upper pole", "lower pole", "interpolar region"]),
         ("Nonobstructing {size} stone in the {side} kidney.", "kidney stone", None)],
        ["The bladder is unremarkable.", "No perinephric fluid.", "Normal corticomedullary differentiation."]),
    "BILATERAL LOWER EXTREMITY VENOUS DUPLEX": (
        [("Occlusive thrombus in the {side} {loc} vein.", "thrombus", ["common femoral", "popliteal", "posterior tibial", "femoral"]),
         ("{Size} Baker cyst in the {side} popliteal fossa.", "Baker cyst", None)],
        ["Normal compressibility of the contralateral veins.", "Normal phasic flow.", "No superficial thrombophlebitis."]),
    "MRI LUMBAR SPINE WITHOUT CONTRAST": (
        [("At {loc} there is a {side} paracentral disc protrusion measuring {size} contacting the descending nerve root.", "disc protrusion", ["L4-L5", "L5-S1", "L3-L4"]),
         ("Moderate spinal canal stenosis at {loc}.", "canal stenosis", ["L3-L4", "L4-L5"]),
         ("Compression fracture of {loc} with {size} of height loss.", "compression fracture", ["L1", "L2", "T12"])],
        ["Normal alignment.", "The conus terminates normally.", "No marrow signal abnormality.", "The paraspinal soft tissues are normal."]),
    "MRI KNEE WITHOUT CONTRAST": (
        [("Tear of the posterior horn of the {loc} meniscus.", "meniscal tear", ["medial", "lateral"]),
         ("Complete tear of the {loc} ligament.", "ligament tear", ["anterior cruciate", "posterior cruciate", "medial collateral"]),
         ("{Size} joint effusion.", "joint effusion", None),
         ("Bone contusion of the {loc}.", "bone contusion", ["lateral femoral condyle", "posterior tibial plateau"])],
        ["The extensor mechanism is intact.", "No fracture.", "The cartilage is preserved."]),
    "MRI BRAIN WITH AND WITHOUT CONTRAST": (
        [("A {size} enhancing mass in the {side} {loc} lobe with surrounding edema.", "mass", ["frontal", "temporal", "parietal", "occipital"]),
         ("Restricted diffusion in the {side} {loc}, consistent with acute infarct.", "infarct", ["frontal lobe", "insula", "corona radiata"]),
         ("Scattered T2 hyperintensities in the periventricular white matter.", "white matter lesions", None)],
        ["No hydrocephalus.", "No midline shift.", "The major flow voids are preserved.", "No extra-axial collection."]),
    "CHEST X-RAY, PA AND LATERAL": (
        [("{Amount} {side} pleural effusion.", "pleural effusion", None),
         ("{Side} {loc} consolidation.", "consolidation", ["lower lobe", "upper lobe", "middle lobe", "basilar"]),
         ("Small {side} apical pneumothorax.", "pneumothorax", None),
         ("{Size} nodule in the {side} {loc}.", "nodule", ["upper lobe", "lower lobe", "mid lung"]),
         ("The right internal jugular catheter terminates in the {loc}.", "catheter", ["superior vena cava", "cavoatrial junction", "right atrium"]),
         ("Endotracheal tube tip {size} above the carina.", "endotracheal tube", None),
         ("The heart is {amount} enlarged.", "cardiomegaly", None),
         ("{Change} {side} basilar opacities.", "opacities", None),
         ("{Change} interstitial markings in both lungs.", "interstitial markings", None)],
        ["The lungs are otherwise clear.", "No pneumothorax.", "No pulmonary edema.", "The cardiomediastinal silhouette is normal.", "No acute osseous abnormality.",
         "Heart size is normal.", "The cardiomediastinal silhouette is within normal limits."]),
    "TRANSTHORACIC ECHOCARDIOGRAM": (
        [("The left ventricular ejection fraction is estimated at {pct}.", "ejection fraction", None),
         ("{Amount} {loc} regurgitation.", "regurgitation", ["mitral", "tricuspid", "aortic"]),
         ("The left atrium is {amount} dilated, measuring {size}.", "left atrium", None),
         ("{Amount} pericardial effusion without tamponade physiology.", "pericardial effusion", None),
         ("{Amount} aortic stenosis with a peak velocity of {vel}.", "aortic stenosis", None)],
        ["Normal right ventricular size and function.", "No pericardial effusion.", "The aortic root is normal in size.",
         "No intracardiac thrombus.", "The interatrial septum is intact."]),
    "BILATERAL DIAGNOSTIC MAMMOGRAM": (
        [("A {size} irregular mass in the {side} breast at {clock} o'clock.", "mass", None),
         ("Grouped microcalcifications in the {side} breast {loc} quadrant.", "microcalcifications", ["upper outer", "lower inner", "upper inner"]),
         ("A {size} simple cyst in the {side} breast.", "cyst", None)],
        ["The breasts are heterogeneously dense.", "No suspicious axillary lymph nodes.", "No skin thickening.",
         "No architectural distortion."]),
    "THYROID ULTRASOUND": (
        [("A {size} solid hypoechoic nodule in the {side} lobe {loc}.", "nodule", ["upper pole", "lower pole", "mid pole"]),
         ("The {side} lobe is enlarged, measuring {size}.", "thyroid lobe", None)],
        ["The isthmus is normal in thickness.", "No cervical lymphadenopathy.", "Normal vascularity."]),
    "CT ANGIOGRAM CHEST": (
        [("The RV/LV ratio is {ratio}.", "RV/LV ratio", None),
         ("Filling defects in the {side} {loc} arteries.", "filling defects", ["lower lobe segmental", "upper lobe", "main pulmonary"])],
        ["No pulmonary infarct.", "No aortic dissection.", "The thoracic aorta is normal in caliber."]),
}
# What a finding is read as: (the noun questions name) -> diagnoses a report may give it. A finding
# sentence sometimes ends in a reading ("..., likely an intrapulmonary lymph node"); the answer to
# "What is the likely diagnosis?" is the diagnosis alone, without the hedge.
INTERPRETATIONS = {
    "nodule": ["a granuloma", "a hamartoma", "a primary lung malignancy", "a metastasis"],
    "consolidation": ["pneumonia", "aspiration", "atelectasis"], "opacities": ["atelectasis", "aspiration", "pneumonia"],
    "interstitial markings": ["interstitial edema", "fibrosis", "atypical infection"],
    "mass": ["a primary malignancy", "a metastasis", "lymphoma", "an abscess"], "liver lesion": ["a hemangioma", "a simple cyst", "a metastasis"],
    "small-bowel obstruction": ["adhesions", "an internal hernia", "a ventral hernia"], "infarct": ["an embolic stroke", "a watershed infarct"],
    "subdural hematoma": ["recent trauma"], "white matter lesions": ["chronic small vessel ischemic disease", "demyelinating disease"],
    "filling defects": ["acute pulmonary emboli", "chronic thromboembolic disease"], "renal cyst": ["a Bosniak I cyst"],
    "microcalcifications": ["ductal carcinoma in situ"], "thrombus": ["acute deep venous thrombosis"],
}
HEDGES = ["likely", "likely representing", "consistent with", "compatible with", "most likely", "favored to represent",
          "concerning for", "suggestive of", "which may represent"]
# findings whose reading is a cause ("likely from an adhesion")
CAUSE_HEDGES = {"small-bowel obstruction": ["likely from", "likely due to", "secondary to"], "subdural hematoma": ["likely from", "related to"]}
INTERPRET_Q = ["What is the likely diagnosis?", "What is the most likely diagnosis?", "What is the {x} thought to be?",
               "What does the {x} likely represent?", "What is the likely cause of the {x}?", "What is the {x} likely to be?",
               "What is the suspected diagnosis?", "What is the {x} consistent with?"]
CHANGES = ["Worsening", "Improving", "Stable", "Increased", "Decreased", "New", "Unchanged", "Resolving"]
CHANGE_Q = ["How has the {x} changed?", "How have the {x} changed?", "Is the {x} better or worse?", "What is the trend of the {x}?",
            "How does the {x} compare with the prior study?", "Has the {x} changed since the prior?"]
# Categories a report ends on: (prefix of the assessment sentence, the system's name, its values).
CATEGORIES = {"MAMMOGRAM": ("BI-RADS", ["0", "1", "2", "3", "4A", "4B", "4C", "5"]), "THYROID": ("TI-RADS", ["TR1", "TR2", "TR3", "TR4", "TR5", "3", "4", "5"]),
              "LIVER": ("LI-RADS", ["LR-3", "LR-4", "LR-5"]), "CT CHEST": ("Lung-RADS", ["2", "3", "4A", "4B"])}
CATEGORY_Q = ["What is the {s} category?", "What is the {s} assessment?", "What {s} score was given?", "What is the {s}?"]

# Lines and tubes, which chest films list first: where a device ends is a position relative to a landmark,
# and the answer is that whole phrase ("3 cm above the carina"), not the landmark alone.
DEVICES = [("endotracheal tube", ["Where does the endotracheal tube terminate?", "Where is the ETT tip?", "Where is the endotracheal tube?",
                                  "What is the position of the endotracheal tube?"],
            ["{Device} terminates {pos}.", "{Device} tip is {pos}.", "{Device} in place, tip {pos}.", "{Device} is seen with its tip {pos}."],
            ["{n} cm above the carina", "at the level of the clavicles", "{n} cm above the carina, in satisfactory position", "at the thoracic inlet"],
            ["Endotracheal tube", "The endotracheal tube", "ETT"]),
           ("enteric tube", ["Where does the enteric tube terminate?", "Where is the tip of the feeding tube?", "Where is the NG tube?",
                             "Where does the nasogastric tube end?"],
            ["{Device} courses below the diaphragm with its tip {pos}.", "{Device} tip projects {pos}.", "{Device} terminates {pos}."],
            ["in the stomach", "over the gastric body", "in the proximal duodenum", "in the distal esophagus"],
            ["Enteric tube", "The nasogastric tube", "Feeding tube", "NG tube"]),
           ("central line", ["Where does the central line terminate?", "Where is the tip of the PICC?", "Where is the catheter tip?",
                             "Where does the line end?"],
            ["{Device} terminates {pos}.", "{Device} with its tip {pos}.", "{Device} tip projects {pos}."],
            ["in the mid superior vena cava", "at the cavoatrial junction", "in the right atrium", "in the left brachiocephalic vein"],
            ["Right PICC", "Left internal jugular central venous catheter", "The right subclavian line", "Right IJ central line"])]
# Devices a report may not have: asked about, they have no answer (not another device's position).
ABSENT_DEVICES = [("chest tube", ("chest tube", "pigtail"), ["Is a chest tube in place?", "Where is the chest tube?", "Is there a chest tube?"]),
                  ("enteric tube", ("enteric", "nasogastric", "ng tube", "feeding"),
                   ["Where is the nasogastric tube?", "Where does the NG tube terminate?", "Is a feeding tube present?"]),
                  ("endotracheal tube", ("endotracheal", "ett"), ["Where does the endotracheal tube terminate?", "Is the patient intubated?", "Where is the ETT?"]),
                  ("central line", ("picc", "central", "line", "catheter"),
                   ["Where does the PICC terminate?", "Where is the central line tip?", "Is there a central venous catheter?"]),
                  ("pacemaker", ("pacemaker", "pacer", "device"), ["Is there a pacemaker?", "Where are the pacer leads?", "Is a cardiac device present?"])]
# Organ-scoped side questions ("Which kidney ...?") take the side as the answer like "Which side ...?".
ORGAN_SIDE_Q = {"RENAL": ["Which kidney has the {x}?", "Which kidney is affected by the {x}?"],
                "CHEST": ["Which lung has the {x}?", "In which lung is the {x}?"],
                "VENOUS": ["Which leg has the {x}?", "Which leg is affected?"],
                "MAMMOGRAM": ["Which breast has the {x}?"], "THYROID": ["Which lobe has the {x}?"]}

# Questions about heart size, answered by the sentence that says it is normal (RadQA keeps such evidence).
HEART_Q = ["Is the heart enlarged?", "What is the heart size?", "Is there cardiomegaly?", "How is the heart size?"]

# normal statements that answer "Is there X?" by stating its absence in other words
NORMAL_ANSWERS = [("The ventricles are normal in size.", "hydrocephalus"), ("The extensor mechanism is intact.", "quadriceps tendon tear"),
                  ("The heart is normal in size.", "cardiomegaly"), ("Heart size is normal.", "cardiomegaly"),
                  ("The cardiomediastinal silhouette is normal.", "cardiomegaly"), ("The cardiomediastinal silhouette is within normal limits.", "cardiomegaly"), ("The spleen is normal in size.", "splenomegaly"),
                  ("The cartilage is preserved.", "cartilage loss"), ("Normal alignment.", "malalignment"),
                  ("The interatrial septum is intact.", "atrial septal defect"), ("The aortic root is normal in size.", "aortic root dilation"),
                  ("The airways are patent.", "airway obstruction"), ("Gray-white differentiation is preserved.", "loss of gray-white differentiation"),
                  ("The thoracic aorta is normal in caliber.", "aortic aneurysm"), ("The bladder is unremarkable.", "bladder abnormality")]
# A finding sentence may end in "without X", which answers "Is there X?" by its negation (RadQA's rule for a
# negated finding): (the clause, the noun a question names).
WITHOUT = {"CT HEAD": [("without mass effect", "mass effect"), ("without midline shift", "midline shift")],
           "CT CHEST": [("without pneumothorax", "pneumothorax"), ("without evidence of right heart strain", "right heart strain")],
           "CT ANGIOGRAM": [("without evidence of right heart strain", "right heart strain"), ("without CT evidence of right heart strain", "right heart strain"),
                            ("without pulmonary infarct", "pulmonary infarct")],
           "CT ABDOMEN": [("without perforation", "perforation"), ("without abscess", "abscess"), ("without hydronephrosis", "hydronephrosis")],
           "RIGHT UPPER": [("without biliary dilatation", "biliary dilatation"), ("without evidence of acute cholecystitis", "cholecystitis")],
           "RENAL": [("without hydronephrosis", "hydronephrosis")], "VENOUS": [("without extension into the femoral vein", "femoral vein thrombus")],
           "MRI LUMBAR": [("without cord compression", "cord compression"), ("without retropulsion", "retropulsion")],
           "MRI KNEE": [("without displacement", "displacement"), ("without fracture", "fracture")],
           "MRI BRAIN": [("without surrounding edema", "edema"), ("without hemorrhage", "hemorrhage")],
           "CHEST X-RAY": [("without pneumothorax", "pneumothorax"), ("without pulmonary edema", "pulmonary edema")],
           "ECHO": [("without tamponade physiology", "tamponade")], "MAMMOGRAM": [("without associated calcifications", "calcifications")]}


ABSENT_ASKED = ["pneumothorax", "pleural effusion", "hydronephrosis", "free air", "fracture", "hemorrhage", "midline shift",
                "gallstones", "lymphadenopathy", "ascites", "pulmonary embolism", "mass", "appendicitis", "thrombus",
                "pericardial effusion", "abscess", "aneurysm", "hydrocephalus", "joint effusion", "consolidation", "nodule",
                "bowel obstruction", "cardiomegaly", "edema", "infarct", "stenosis", "dissection", "rib fracture",
                "fetal heart rate", "thyroid nodule", "renal mass", "pneumoperitoneum", "vegetation", "splenomegaly",
                "herniated disc", "rotator cuff tear", "subdural hematoma", "kidney stone", "lymph node"]


def synthetic_report(rng) -> tuple[str, list[dict]]:
    """One report and its QA cases (answers located by offsets)."""
    title = rng.choice(list(MODALITIES))
    finds, normals = MODALITIES[title]
    without_options = [w for k, ws in WITHOUT.items() if k in title for w in ws]
    chest = "CHEST" in title or "CT ANGIO" in title
    chosen = rng.sample(finds, k=min(len(finds), rng.randint(1, 3)))
    parts: list[str] = []
    qas: list[tuple] = []  # (question, answer substring in sentence, sentence index)
    readings: dict[int, str] = {}  # part index -> the ", hedge " that starts the reading added to it
    for tmpl, noun, locs in chosen:
        side = rng.choice(["right", "left", "bilateral"] if "{side} pleural" in tmpl else ["right", "left"])
        slots = {"side": side, "Side": side.capitalize(), "size": _dims(rng), "loc": rng.choice(locs) if locs else "",
                 "ratio": f"{rng.randint(0, 1)}.{rng.randint(5, 9)}", "amount": rng.choice(["mildly", "moderately", "markedly"]),
                 "Amount": rng.choice(["Small", "Moderate", "Large", "Trace", "Mild", "Severe"]),
                 "pct": _percent(rng), "vel": f"{rng.randint(2, 5)}.{rng.randint(0, 9)} m/s",
                 "clock": str(rng.randint(1, 12)), "Change": rng.choice(CHANGES)}
        slots["Size"] = slots["size"]
        if "{Size}" in tmpl and rng.random() < 0.4 and "measur" not in tmpl:
            slots["Size"] = rng.choice(["Small", "Large", "Moderate"])
            slots["size"] = slots["Size"].lower()
        sent = tmpl.format(**slots)
        without = None
        if without_options and rng.random() < 0.25:
            clause, wnoun = rng.choice(without_options)
            if wnoun.split()[-1][:5] not in sent.lower():
                sent = f"{sent[:-1]}, {clause}."
                without = (presence_question(rng, wnoun), clause)
        reading = re.search(r", (likely|consistent with) (.+)\.$", sent)
        dx = reading.group(2) if reading else None
        if not reading and not without and noun in INTERPRETATIONS and rng.random() < 0.4:
            dx, hedge = rng.choice(INTERPRETATIONS[noun]), rng.choice(CAUSE_HEDGES.get(noun, HEDGES))
            sent = f"{sent[:-1]}, {hedge} {dx}."
            readings[len(parts)] = f", {hedge} "
        parts.append(sent)
        idx = len(parts) - 1
        if without:
            qas.append((without[0], without[1], idx))
        if dx and noun.split()[-1] not in dx:  # not "what are the emboli thought to be": the reading names them
            q = rng.choice(INTERPRET_Q)
            if "{x}" not in q and len(chosen) > 1:  # "the likely diagnosis" of which finding? name it
                q = rng.choice([x for x in INTERPRET_Q if "{x}" in x])
            qas.append((q.format(x=noun), re.sub(r"^(an?|the) ", "", dx) if rng.random() < 0.5 else dx, idx))
        elif noun in INTERPRETATIONS and rng.random() < 0.2:  # a finding the report gives no reading
            qas.append((rng.choice([x for x in INTERPRET_Q if "{x}" in x]).format(x=noun), "", idx))
        if "{Change}" in tmpl:
            qas.append((rng.choice(CHANGE_Q).format(x=noun), slots["Change"], idx))
        nd = noun
        if "{side}" in tmpl or "{Side}" in tmpl:
            organ = [qs for k, qs in ORGAN_SIDE_Q.items() if k in title]
            q = rng.choice(organ[0]) if organ and side != "bilateral" and rng.random() < 0.4 else rng.choice(SIDE_Q)
            qas.append((q.format(x=nd), side, idx))
        elif rng.random() < 0.3:
            qas.append((rng.choice(SIDE_Q).format(x=nd), "", idx))
        if re.search(r"\d", slots["size"]) and ("{size}" in tmpl or "{Size}" in tmpl):
            qas.append((rng.choice(SIZE_Q).format(x=nd), slots["size"], idx))
        elif "{ratio}" in tmpl:
            qas.append((rng.choice(["What is the RV/LV ratio?", "What was the RV to LV ratio?"]), slots["ratio"], idx))
        elif rng.random() < 0.3:
            qas.append((rng.choice(SIZE_Q).format(x=nd), "", idx))
        grade = slots["Amount"] if "{Amount}" in tmpl else (slots["amount"] if "{amount}" in tmpl else None)
        if grade:
            qas.append((rng.choice(GRADE_Q).format(x=nd), grade, idx))
        if "{pct}" in tmpl:
            qas.append((rng.choice(["What is the ejection fraction?", "What is the LVEF?", "What is the estimated EF?"]), slots["pct"], idx))
        if "{vel}" in tmpl:
            qas.append((rng.choice(["What is the peak velocity?", "What is the peak aortic velocity?"]), slots["vel"], idx))
        if "{clock}" in tmpl:
            qas.append((rng.choice(["Where is the mass?", "At what clock position is the mass?"]), f"{slots['clock']} o'clock", idx))
        if locs and "{loc}" in tmpl:
            q = rng.choice(WHERE_Q).format(x=nd)
            if re.match(r"[CTLS]\d", slots["loc"]):  # a spinal level
                q = rng.choice(LEVEL_Q).format(x=nd)
            if "meniscus" in tmpl:
                q = rng.choice(["Which meniscus is torn?", "Which meniscus has the tear?"])
            elif "ligament" in tmpl:
                q = rng.choice(["Which ligament is torn?", "What ligament is torn?"])
                ans = slots["loc"] + " ligament"
            elif "vein" in tmpl:
                q = rng.choice(["Which vein has the thrombus?", "Where is the clot?", "Which vein is thrombosed?"])
            elif "catheter" in tmpl:
                q = rng.choice(["Where does the catheter terminate?", "Where is the catheter tip?"])
            if "ligament" not in tmpl:
                ans = slots["loc"] + (" meniscus" if "meniscus" in tmpl else "")
            if "{side} {loc}" in tmpl or "{Side} {loc}" in tmpl:
                ans = f"{side} {slots['loc']}"
                if tmpl.find("{side}") > 0 and tmpl[tmpl.find("{side}") - 1] != " ":
                    ans = slots["loc"]
            qas.append((q, ans, idx))
        qas.append((presence_question(rng, nd), None, idx))  # the phrase: the whole sentence up to the noun
    if chest and rng.random() < 0.35:
        noun, questions, forms, positions, names = rng.choice(DEVICES)
        # whole centimetres or halves, as radiologists write them ("4.5 cm above the carina")
        pos = rng.choice(positions).format(n=rng.randint(2, 7) if rng.random() < 0.6 else f"{rng.randint(2, 6)}.5")
        parts.append(rng.choice(forms).format(Device=rng.choice(names), pos=pos))
        qas.append((rng.choice(questions), pos.split(", in satisfactory")[0] if rng.random() < 0.5 else pos, len(parts) - 1))
    if chest and rng.random() < 0.4:
        said = " ".join(parts).lower()
        absent = [qs for _, words, qs in ABSENT_DEVICES if not any(w in said for w in words)]
        if absent:
            qas.append((rng.choice(rng.choice(absent)), "", len(parts) - 1))
    normals_pick = rng.sample(normals, k=min(len(normals), rng.randint(2, 4)))
    for nsent in normals_pick:
        parts.append(nsent)
        m = re.match(r"No (.+)\.$", nsent)
        if m:
            qas.append((presence_question(rng, m.group(1)), nsent[:-1], len(parts) - 1))
    # Radiologists often join two findings in one sentence ("a 9 mm subdural hematoma with 4 mm of midline
    # shift"): the answer to a question about either stays the span of that finding alone. segments[i] is
    # where original part i ended up: (sentence index, offset in it, its own text).
    segments = [(i, 0, p) for i, p in enumerate(parts)]
    second = re.sub(r"^There (is|are) ", "", parts[1]) if len(chosen) >= 2 else ""
    if second and ", without " not in parts[0] and not re.search(r"\b(is|are|was|were|measures)\b", second) and rng.random() < 0.3:
        if not (len(second.split()[0]) > 1 and second.split()[0].isupper()):  # keep acronyms (RV/LV, CBD)
            second = second[0].lower() + second[1:]
        head = parts[0][:-1] + rng.choice([" with ", " and ", ", with "])
        segments = [(0, 0, parts[0]), (0, len(head), second)] + [(i - 1, 0, p) for i, p in enumerate(parts) if i > 1]
        parts = [head + second] + parts[2:]
    # the findings first as a radiologist writes them; then normals
    body = " ".join(parts[i] for i in range(len(parts)))
    impression_text = parts[0].rstrip(".")
    rec = None
    if rng.random() < 0.35:
        tmpl, ans = rng.choice(RECOMMEND)
        n = str(rng.choice([3, 6, 12]))
        rec = (tmpl.format(n=n), ans.format(n=n))
    header = title + "." if rng.random() < 0.5 else f"EXAM: {title.lower().capitalize()}."
    impression_text = impression_text.split(readings[0])[0] if 0 in readings and rng.random() < 0.5 else impression_text
    category = next(((system, values) for key, (system, values) in CATEGORIES.items() if key in title), None)
    assessment = None
    if category and rng.random() < 0.6:
        system, v = category[0], rng.choice(category[1])
        sentence, ans = rng.choice([(f"{system} {v}.", f"{system} {v}"), (f"Assessment: {system} {v}.", f"{system} {v}"),
                                    (f"{system} category {v}.", v), (f"{system}: {v}.", v)])
        assessment = (sentence, ans)
    # An impression may add what was looked for and not found ("... emboli without CT evidence of right heart
    # strain"), said nowhere else: the clause answers the question about it.
    impression_without = None
    if without_options and ", without " not in impression_text and " without " not in body and rng.random() < 0.2:
        clause, wnoun = rng.choice(without_options)
        if wnoun.split()[-1][:5] not in body.lower():
            impression_text = f"{impression_text} {clause}"
            impression_without = (presence_question(rng, wnoun), clause)
    text = f"{header}\nFINDINGS: {body}\nIMPRESSION: {impression_text}." + (f" {assessment[0]}" if assessment else "") + (f" {rec[0]}" if rec else "")
    starts, pos = [], text.index("FINDINGS: ") + len("FINDINGS: ")
    for p in parts:
        starts.append(pos)
        pos += len(p) + 1
    cases = []
    for q, ans, idx in qas:
        at, offset, own = segments[idx]
        sent = parts[at]
        if ans is None:  # presence of a finding: its sentence without the final full stop (up to 10 words)
            ans = own.rstrip(".").split(", without ")[0]
            if idx in readings:  # and without the reading a radiologist added
                ans = ans.split(readings[idx])[0]
            if len(ans.split()) > 10:
                continue
        if ans == "":
            cases.append({"context": text, "question": q, "answer": "", "start": -1})
            continue
        j = sent.lower().find(ans.lower(), offset)  # a joined finding may have lost its capital
        if j < 0:
            continue
        cases.append({"context": text, "question": q, "answer": sent[j:j + len(ans)], "start": starts[at] + j})
    if assessment:
        j = text.rfind(assessment[0]) + assessment[0].find(assessment[1])
        cases.append({"context": text, "question": rng.choice(CATEGORY_Q).format(s=category[0]), "answer": assessment[1], "start": j})
    elif category and rng.random() < 0.3:
        cases.append({"context": text, "question": rng.choice(CATEGORY_Q).format(s=category[0]), "answer": "", "start": -1})
    if rec:
        j = text.rfind(rec[1])
        cases.append({"context": text, "question": rng.choice(RECOMMEND_Q), "answer": rec[1], "start": j})
    elif rng.random() < 0.3:
        cases.append({"context": text, "question": rng.choice(RECOMMEND_Q), "answer": "", "start": -1})
    if impression_without:
        j = text.rfind(impression_without[1])
        cases.append({"context": text, "question": impression_without[0], "answer": impression_without[1], "start": j})
    for nsent, noun in NORMAL_ANSWERS:
        if nsent in text and rng.random() < 0.7:
            j = text.find(nsent)
            q = rng.choice(HEART_Q) if noun == "cardiomegaly" and rng.random() < 0.6 else presence_question(rng, noun)
            cases.append({"context": text, "question": q, "answer": nsent[:-1], "start": j})
    mentioned = text.lower()
    for _ in range(rng.randint(1, 2)):
        x = rng.choice(ABSENT_ASKED)
        if x.split()[-1][:5] in mentioned:
            continue
        cases.append({"context": text, "question": presence_question(rng, x) if rng.random() < 0.7 else rng.choice(SIZE_Q + SIDE_Q).format(x=x),
                      "answer": "", "start": -1})
    return text, cases


def synthetic_examples(n: int, rng: random.Random) -> list[dict]:
    out = []
    while len(out) < n:
        _, cases = synthetic_report(rng)
        out.extend(cases)
    return out[:n]
