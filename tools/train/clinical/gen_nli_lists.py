"""Clinical NLI pairs over the lists a note is made of (written for clinlm).

Stage 10's model, tried on NLI cases written after it was trained, still misread notes that list
several items, each with its own dose, reaction or date: "Home meds: levothyroxine 88 mcg daily,
atorvastatin 40 mg qhs, ASA 81 mg daily" called a contradiction of "being treated for an underactive
thyroid"; "Allergies: PCN (hives), sulfa (rash)" a contradiction of "has at least one medication
allergy"; "smokes 1 ppd x 40 yrs, drinks 2-3 beers nightly, denies IVDU" a contradiction of "currently
uses tobacco"; a denial list followed by a symptom the patient does report, a contradiction of that
symptom. The single-item templates of gen_nli.py teach each fact alone; here the note lists several,
in the shapes notes use (headers, doses and frequencies, reactions in brackets, pack-years), and the
hypothesis asks about one item, about the list as a whole, or about something the list never touches.
Hypotheses name conditions in clinical or in plain words ("an underactive thyroid").

Every pair is drawn from our own tables with a seeded rng; a label is entailment only where the list
makes the hypothesis certain.
"""

from __future__ import annotations

from .gen_nli_findings import CON, ENT, NEU, labelled

# Plain-language names a hypothesis may use for a condition.
PLAIN = {
    "hypothyroidism": ["hypothyroidism", "an underactive thyroid", "low thyroid function"],
    "hyperthyroidism": ["hyperthyroidism", "an overactive thyroid"],
    "hypertension": ["hypertension", "high blood pressure"],
    "hyperlipidemia": ["hyperlipidemia", "high cholesterol"],
    "type 2 diabetes": ["type 2 diabetes", "diabetes", "diabetes mellitus"],
    "atrial fibrillation": ["atrial fibrillation", "an irregular heart rhythm", "an arrhythmia"],
    "coronary artery disease": ["coronary artery disease", "heart disease", "blocked heart arteries"],
    "heart failure": ["heart failure", "a weak heart", "congestive heart failure"],
    "chronic kidney disease": ["chronic kidney disease", "kidney disease", "impaired kidney function"],
    "COPD": ["COPD", "chronic lung disease"],
    "GERD": ["GERD", "acid reflux"],
    "obstructive sleep apnea": ["obstructive sleep apnea", "sleep apnea"],
    "benign prostatic hyperplasia": ["an enlarged prostate", "BPH"],
    "osteoarthritis": ["osteoarthritis", "arthritis"],
    "osteoporosis": ["osteoporosis", "thin bones"],
    "glaucoma": ["glaucoma"],
    "Parkinson's disease": ["Parkinson's disease"],
    "dementia": ["dementia", "a memory disorder"],
    "HIV": ["HIV", "HIV infection"],
    "gout": ["gout"],
    "depression": ["depression"],
    "asthma": ["asthma"],
    "epilepsy": ["epilepsy", "a seizure disorder"],
    "migraines": ["migraines"],
    "anemia": ["anemia"],
    "stroke": ["a prior stroke"],
}


def plain(rng, cond: str) -> str:
    return rng.choice(PLAIN.get(cond, [cond]))


# Home drugs: (name, doses, frequencies, the one condition taking it establishes or None, what it is
# as a noun, conditions it is often given for that it does not establish).
MEDS = [
    ("levothyroxine", ["25 mcg", "50 mcg", "75 mcg", "88 mcg", "112 mcg", "125 mcg"], ["daily", "qAM", "once daily"], "hypothyroidism",
     "thyroid hormone replacement", []),
    ("metformin", ["500 mg", "850 mg", "1000 mg", "1 g"], ["BID", "daily", "twice daily", "with meals"], "type 2 diabetes", "a diabetes medication", []),
    ("insulin glargine", ["10 units", "18 units", "24 units", "32 units"], ["qhs", "nightly", "at bedtime"], "diabetes", "insulin", []),
    ("glipizide", ["5 mg", "10 mg"], ["daily", "BID"], "type 2 diabetes", "a sulfonylurea", []),
    ("atorvastatin", ["10 mg", "20 mg", "40 mg", "80 mg"], ["qhs", "daily", "nightly"], None, "a statin", ["coronary artery disease", "a prior stroke"]),
    ("rosuvastatin", ["5 mg", "10 mg", "20 mg"], ["daily"], None, "a cholesterol-lowering drug", ["coronary artery disease"]),
    ("lisinopril", ["5 mg", "10 mg", "20 mg", "40 mg"], ["daily"], None, "an ACE inhibitor", ["hypertension", "heart failure", "diabetic kidney disease"]),
    ("amlodipine", ["2.5 mg", "5 mg", "10 mg"], ["daily"], None, "a calcium channel blocker", ["hypertension", "angina"]),
    ("metoprolol succinate", ["25 mg", "50 mg", "100 mg"], ["daily"], None, "a beta blocker", ["atrial fibrillation", "heart failure", "hypertension"]),
    ("apixaban", ["2.5 mg", "5 mg"], ["BID", "twice daily"], None, "a blood thinner", ["atrial fibrillation", "a DVT", "a pulmonary embolism"]),
    ("warfarin", ["2 mg", "5 mg", "7.5 mg"], ["daily", "qPM"], None, "an anticoagulant", ["atrial fibrillation", "a mechanical heart valve", "a DVT"]),
    ("aspirin", ["81 mg", "325 mg"], ["daily"], None, "aspirin", ["coronary artery disease", "a prior stroke"]),
    ("ASA", ["81 mg"], ["daily"], None, "aspirin", ["coronary artery disease"]),
    ("clopidogrel", ["75 mg"], ["daily"], None, "an antiplatelet drug", ["a coronary stent", "a prior stroke"]),
    ("furosemide", ["20 mg", "40 mg", "80 mg"], ["daily", "BID"], None, "a diuretic", ["heart failure", "cirrhosis", "leg swelling"]),
    ("tamsulosin", ["0.4 mg"], ["qhs", "daily"], None, "an alpha blocker", ["benign prostatic hyperplasia", "urinary retention", "a kidney stone"]),
    ("finasteride", ["5 mg"], ["daily"], None, "finasteride", ["benign prostatic hyperplasia", "hair loss"]),
    ("omeprazole", ["20 mg", "40 mg"], ["daily", "BID"], None, "a proton pump inhibitor", ["GERD", "a peptic ulcer"]),
    ("pantoprazole", ["40 mg"], ["daily"], None, "an acid-suppressing drug", ["GERD", "a peptic ulcer"]),
    ("sertraline", ["50 mg", "100 mg"], ["daily"], None, "an antidepressant", ["depression", "an anxiety disorder"]),
    ("escitalopram", ["10 mg", "20 mg"], ["daily"], None, "an SSRI", ["depression", "an anxiety disorder"]),
    ("albuterol inhaler", ["2 puffs"], ["q4h PRN", "PRN wheezing", "as needed"], None, "an inhaler", ["asthma", "COPD"]),
    ("gabapentin", ["100 mg", "300 mg", "600 mg"], ["TID", "qhs"], None, "gabapentin", ["neuropathy", "a seizure disorder"]),
    ("allopurinol", ["100 mg", "300 mg"], ["daily"], None, "allopurinol", ["gout", "kidney stones"]),
    ("levetiracetam", ["500 mg", "750 mg", "1000 mg"], ["BID"], None, "an anticonvulsant", ["epilepsy", "a brain tumor"]),
    ("methimazole", ["5 mg", "10 mg"], ["daily"], "hyperthyroidism", "an antithyroid drug", []),
    ("alendronate", ["70 mg"], ["weekly", "every Sunday"], "osteoporosis", "a bisphosphonate", []),
    ("latanoprost", ["1 drop OU"], ["qhs", "nightly"], "glaucoma", "eye drops", []),
    ("carbidopa-levodopa", ["25/100", "25/250"], ["TID", "QID"], "Parkinson's disease", "a dopaminergic drug", []),
    ("donepezil", ["5 mg", "10 mg"], ["qhs", "daily"], "dementia", "a cholinesterase inhibitor", []),
    ("Biktarvy", ["1 tab"], ["daily"], "HIV", "antiretroviral therapy", []),
    ("sacubitril-valsartan", ["24/26 mg", "49/51 mg"], ["BID"], "heart failure", "Entresto", []),
    ("ferrous sulfate", ["325 mg"], ["daily", "TID"], None, "an iron supplement", ["anemia"]),
    ("sumatriptan", ["50 mg"], ["PRN headache", "as needed"], "migraines", "a triptan", []),
]
# Conditions a hypothesis may name that a drug list leaves open unless a drug on it establishes or
# is given for them.
OPEN_CONDITIONS = ["hypertension", "type 2 diabetes", "hypothyroidism", "COPD", "chronic kidney disease", "depression", "asthma",
                   "osteoporosis", "glaucoma", "gout", "atrial fibrillation", "heart failure", "dementia", "GERD", "epilepsy",
                   "benign prostatic hyperplasia", "anemia", "migraines"]
MED_HEADERS = ["Home meds: {l}.", "Meds: {l}.", "Home medications: {l}.", "Current medications include {l}.", "Outpatient regimen: {l}.",
               "Medications on admission: {l}.", "Discharge meds: {l}.", "MEDS: {l}", "{s} takes {l} at home."]


def _dose(rng, med) -> str:
    name, doses, freqs = med[:3]
    form = rng.random()
    if form < 0.15:
        return name
    if form < 0.3:
        return f"{name} {rng.choice(doses)}"
    return f"{name} {rng.choice(doses)} {rng.choice(freqs)}"


def _related(cond: str, med) -> bool:
    """Whether a drug establishes or is given for a condition (then the condition is not left open)."""
    words = {w for w in cond.lower().replace("'", " ").split() if len(w) > 3} - {"type", "chronic", "disease"}
    named = " ".join([med[3] or "", med[4]] + med[5]).lower()
    return any(w in named for w in words) or (cond == "type 2 diabetes" and med[3] == "diabetes")


def med_list_pair(rng) -> tuple[str, str, int]:
    """A medication list: what one drug on it establishes, what the list says about the patient's drugs,
    and the conditions no drug on it touches."""
    meds = rng.sample(MEDS, rng.randint(2, 5))
    listed = [_dose(rng, m) for m in meds]
    subj = rng.choice(["Pt", "The patient", "She", "He"])
    premise = rng.choice(MED_HEADERS).format(l=", ".join(listed), s=subj)
    m = rng.choice(meds)
    name, cond, noun = m[0], m[3], m[4]
    ent = [f"The patient takes {noun}.", f"The patient's medications include {name}.", "The patient takes more than one medication."]
    if cond:
        p = plain(rng, cond)
        ent += [f"The patient is being treated for {p}.", f"The patient has {p}.", f"The patient takes medication for {p}."]
    con = ["The patient takes no medications.", "The patient is on no medications.", f"The patient does not take {noun}.",
           f"The patient is not taking {name}."]
    open_conds = [c for c in OPEN_CONDITIONS if not any(_related(c, x) for x in meds)]
    neu = [f"The patient has {plain(rng, c)}." for c in rng.sample(open_conds, min(4, len(open_conds)))]
    if m[5]:
        neu.append(f"The patient has {plain(rng, rng.choice(m[5]))}.")
    return (premise, *labelled(rng, ent, con, neu, 0.4, 0.65))


# Drug allergies: (how a note writes it, the drug in a hypothesis, whether it is a drug).
ALLERGENS = [("PCN", "penicillin", True), ("penicillin", "penicillin", True), ("sulfa", "sulfa drugs", True), ("codeine", "codeine", True),
             ("morphine", "morphine", True), ("cephalexin", "cephalexin", True), ("Bactrim", "Bactrim", True), ("vancomycin", "vancomycin", True),
             ("ACE inhibitors", "ACE inhibitors", True), ("IV contrast", "contrast dye", True), ("latex", "latex", False),
             ("shellfish", "shellfish", False), ("peanuts", "peanuts", False)]
REACTIONS = ["hives", "rash", "anaphylaxis", "angioedema", "nausea", "itching", "throat swelling", "GI upset", "unknown reaction"]
TOLERATED = ["amoxicillin", "ceftriaxone", "cefazolin", "morphine", "ibuprofen", "contrast"]


def allergy_pair(rng) -> tuple[str, str, int]:
    """An allergy list, or no known drug allergies: what it says about allergies to drugs and to other
    things."""
    if rng.random() < 0.55:
        picks = rng.sample(ALLERGENS, rng.randint(1, 3))
        if not any(drug for _, _, drug in picks):
            picks.append(rng.choice([a for a in ALLERGENS if a[2]]))
        items = [f"{w} ({rng.choice(REACTIONS)})" if rng.random() < 0.6 else w for w, _, _ in picks]
        premise = rng.choice(["Allergies: {l}.", "ALL: {l}", "Allergic to {l}.", "Drug allergies: {l}.", "Allergies reviewed: {l}."]).format(l=", ".join(items))
        drug = rng.choice([a for a in picks if a[2]])
        ent = ["The patient has a drug allergy.", "The patient has at least one medication allergy.", f"The patient is allergic to {drug[1]}.",
               f"The patient has a documented {drug[1]} allergy."]
        con = ["The patient has no known drug allergies.", "The patient has no allergies.", f"The patient tolerates {drug[1]} without problems."]
        neu = ["The patient has seasonal allergies.", "The patient has asthma.", "The patient has eczema.", "The patient has an infection."]
        return (premise, *labelled(rng, ent, con, neu, 0.4, 0.7))
    premise = rng.choice(["Allergies: NKDA.", "NKDA.", "No known drug allergies.", "ALL: NKDA", "Allergies: none known."])
    tolerated = ""
    if rng.random() < 0.4:
        tolerated = rng.choice(TOLERATED)
        premise += rng.choice([f" Tolerated {tolerated} in {rng.randint(2012, 2024)} without reaction.", f" Has received {tolerated} before without issue."])
    drug = rng.choice([a for a in ALLERGENS if a[2]])
    ent = ["The patient has no known drug allergies.", "The patient has no documented medication allergies."]
    if tolerated:
        ent.append(f"The patient has received {tolerated} before.")
    con = [f"The patient is allergic to {drug[1]}.", f"The patient has a {drug[1]} allergy.", "The patient has a drug allergy."]
    neu = ["The patient is allergic to shellfish.", "The patient has a latex allergy.", "The patient has seasonal allergies.",
           "The patient is allergic to peanuts."]
    return (premise, *labelled(rng, ent, con, neu, 0.35, 0.7))


# Past medical history lists: (how a note writes it, the condition's PLAIN key or own name, group).
# Conditions of one group are related (a hypothesis about one is not left open by a list with another).
PMH_ITEMS = [("HTN", "hypertension", "cv"), ("hypertension", "hypertension", "cv"), ("HLD", "hyperlipidemia", "cv"), ("hyperlipidemia", "hyperlipidemia", "cv"),
             ("DM2", "type 2 diabetes", "dm"), ("T2DM on insulin", "type 2 diabetes", "dm"), ("CKD stage 3", "chronic kidney disease", "renal"),
             ("CAD s/p PCI", "coronary artery disease", "heart"), ("HFrEF (EF 30%)", "heart failure", "heart"), ("AFib", "atrial fibrillation", "rhythm"),
             ("COPD", "COPD", "lung"), ("asthma", "asthma", "lung"), ("OSA on CPAP", "obstructive sleep apnea", "sleep"), ("GERD", "GERD", "gi"),
             ("hypothyroidism", "hypothyroidism", "thyroid"), ("BPH", "benign prostatic hyperplasia", "prostate"), ("OA of both knees", "osteoarthritis", "joint"),
             ("gout", "gout", "joint"), ("depression", "depression", "mood"), ("migraines", "migraines", "neuro"), ("osteoporosis", "osteoporosis", "bone"),
             ("iron deficiency anemia", "anemia", "blood"), ("remote CVA without residual deficits", "stroke", "neuro"), ("glaucoma", "glaucoma", "eye")]


def pmh_list_pair(rng) -> tuple[str, str, int]:
    """A problem list: each item is the patient's, items it leaves out stay open, and it denies a
    history free of problems."""
    items = rng.sample(PMH_ITEMS, rng.randint(2, 5))
    age = rng.randint(34, 88)
    who = rng.choice(["M", "F", "yo M", "yo F", "-year-old man", "-year-old woman"])
    listed = ", ".join(w for w, _, _ in items)
    premise = rng.choice([f"PMH: {listed}.", f"{age}{who} with {listed}, presenting with {rng.choice(['fall', 'cough', 'chest pain', 'weakness', 'abdominal pain'])}.",
                          f"Past medical history significant for {listed}.", f"{age} {who.split()[-1]} w/ PMHx {listed}.", f"Problem list: {listed}."])
    _, cond, _ = rng.choice(items)
    p = plain(rng, cond)
    ent = [f"The patient has {p}.", f"The patient has a history of {p}.", "The patient has chronic medical problems."]
    con = ["The patient has no past medical history.", "The patient was previously healthy.", "The patient has no chronic medical conditions."]
    groups = {g for _, _, g in items}
    left_out = sorted({c for _, c, g in PMH_ITEMS if g not in groups})
    neu = [f"The patient has {plain(rng, c)}." for c in rng.sample(left_out, 3)]
    return (premise, *labelled(rng, ent, con, neu, 0.4, 0.65))


def healthy_pair(rng) -> tuple[str, str, int]:
    """A patient with no history and no drugs: any chronic condition is contradicted, while what brought
    them in today stays open."""
    age = rng.randint(18, 45)
    sex = rng.choice(["F", "M"])
    complaint = rng.choice(["ankle sprain", "a laceration to the hand", "sore throat", "a fall from a bike", "a wrist injury", "a rash"])
    premise = rng.choice([f"{age} yo {sex} w/ no significant PMH, takes no meds, p/w {complaint}.",
                          f"{age}{sex}, previously healthy, no daily medications, presents with {complaint}.",
                          f"Healthy {age}-year-old {'woman' if sex == 'F' else 'man'} on no medications, seen for {complaint}."])
    cond = rng.choice(["type 2 diabetes", "hypertension", "COPD", "heart failure", "chronic kidney disease", "epilepsy", "hypothyroidism"])
    p = plain(rng, cond)
    ent = ["The patient takes no regular medications.", "The patient has no chronic medical conditions.", "The patient was previously healthy."]
    con = [f"The patient has long-standing {p}.", f"The patient has had {p} for years.", f"The patient is being treated for {p}.",
           "The patient takes several daily medications."]
    neu = ["The patient is an athlete.", "The patient came in by ambulance.", "The patient needs an X-ray.", "The patient smokes.",
           "The patient will need stitches."]
    return (premise, *labelled(rng, ent, con, neu, 0.33, 0.66))


# Social history in parts: (domain, state, how a note writes it, entailed, contradicted).
SOCIAL_PARTS = {
    "tobacco": [("current", ["smokes 1 ppd x 40 yrs", "current smoker, 30 pack-years", "1/2 ppd smoker", "smokes 10 cigarettes a day"],
                 ["The patient currently uses tobacco.", "The patient smokes.", "The patient has a smoking history."],
                 ["The patient has never smoked.", "The patient is a nonsmoker.", "The patient quit smoking."]),
                ("former", ["former smoker, quit 2010", "quit smoking 15 yrs ago (20 pk-yr hx)", "ex-smoker"],
                 ["The patient has a smoking history.", "The patient used to smoke.", "The patient does not currently smoke."],
                 ["The patient currently smokes.", "The patient has never smoked."]),
                ("never", ["never smoker", "denies tobacco", "no tobacco use"],
                 ["The patient does not smoke.", "The patient is a nonsmoker."], ["The patient smokes.", "The patient is a former smoker."])],
    "alcohol": [("current", ["drinks 2-3 beers nightly", "EtOH: 4-5 drinks/day", "drinks a bottle of wine daily", "social EtOH"],
                 ["The patient drinks alcohol.", "The patient uses alcohol."], ["The patient does not drink alcohol.", "The patient abstains from alcohol."]),
                ("none", ["denies EtOH", "no alcohol use", "does not drink"],
                 ["The patient does not drink alcohol."], ["The patient drinks alcohol daily.", "The patient drinks heavily."])],
    "drugs": [("none", ["denies IVDU", "no illicit drug use", "denies drug use"],
               ["The patient does not use illicit drugs."], ["The patient injects drugs.", "The patient uses illicit drugs."]),
              ("current", ["uses cocaine on weekends", "active IVDU (heroin)", "smokes marijuana daily"],
               ["The patient uses illicit drugs."], ["The patient does not use drugs."])],
}
SOCIAL_OPEN = {"tobacco": ["The patient smokes.", "The patient has never smoked."], "alcohol": ["The patient drinks alcohol.", "The patient does not drink alcohol."],
               "drugs": ["The patient uses illicit drugs.", "The patient has used cocaine."]}


def social_list_pair(rng) -> tuple[str, str, int]:
    """A social history of one to three parts: a hypothesis about a part the note gives is settled by it,
    one about a part it leaves out stays open."""
    domains = rng.sample(sorted(SOCIAL_PARTS), rng.randint(1, 3))
    parts = {d: rng.choice(SOCIAL_PARTS[d]) for d in domains}
    text = ", ".join(rng.choice(parts[d][1]) for d in domains)
    premise = rng.choice([f"Social hx: {text}.", f"SH: {text}.", f"Social: {text}.", f"Lives with wife; {text}."])
    d = rng.choice(domains)
    _, _, ent, con = parts[d]
    missing = [x for x in SOCIAL_PARTS if x not in domains]
    neu = [h for x in missing for h in SOCIAL_OPEN[x]] or ["The patient has lung cancer.", "The patient has cirrhosis.", "The patient is unemployed."]
    return (premise, *labelled(rng, ent, con, neu, 0.4, 0.75))


# Symptoms as notes qualify them: (the symptom, what it comes without, a hypothesis for each).
QUALIFIED = [("intermittent nausea", "emesis", "The patient has been nauseous.", "The patient has been vomiting."),
             ("a dry cough", "sputum", "The patient has a cough.", "The patient is coughing up sputum."),
             ("mild headache", "vision changes", "The patient has a headache.", "The patient has vision changes."),
             ("crampy abdominal pain", "blood in the stool", "The patient has abdominal pain.", "The patient has blood in the stool."),
             ("low back pain", "leg weakness", "The patient has back pain.", "The patient has leg weakness."),
             ("dysuria", "flank pain", "The patient has painful urination.", "The patient has flank pain."),
             ("fatigue", "weight loss", "The patient is tired.", "The patient has lost weight."),
             ("a pruritic rash on the arms", "fever", "The patient has a rash.", "The patient has a fever."),
             ("palpitations", "syncope", "The patient has palpitations.", "The patient has passed out."),
             ("exertional dyspnea", "orthopnea", "The patient gets short of breath on exertion.", "The patient has orthopnea.")]
DENIED = [("CP", "The patient has chest pain."), ("SOB", "The patient is short of breath."), ("fevers", "The patient has fevers."),
          ("chills", "The patient has chills."), ("diarrhea", "The patient has diarrhea."), ("dizziness", "The patient is dizzy."),
          ("cough", "The patient has a cough."), ("abdominal pain", "The patient has abdominal pain."), ("headache", "The patient has a headache.")]
UNASKED = ["The patient has joint pain.", "The patient has insomnia.", "The patient has a sore throat.", "The patient has hearing loss.",
           "The patient has numbness in the feet."]


def denial_then_report_pair(rng) -> tuple[str, str, int]:
    """A denial list followed by a symptom the patient does report (with its own "without ..."): the
    reported symptom is present, the denied ones and the "without" one absent, others open."""
    sym, without, has, has_without = rng.choice(QUALIFIED)
    # A denied symptom is never the reported one under another name ("SOB" beside exertional dyspnea).
    denied = [d for d in rng.sample(DENIED, 5) if d[1] != has and not (d[0] == "SOB" and "dyspnea" in sym)][:3]
    words = [d[0] for d in denied]
    listed = ", ".join(words[:-1]) + rng.choice([", or ", " or ", " and "]) + words[-1]
    dur = rng.choice([" x2 days", " for 3 days", " since yesterday", " x1 week", ""])
    tail = f" without {without}" if rng.random() < 0.6 else ""
    premise = rng.choice([f"Pt denies {listed} but reports {sym}{dur}{tail}.", f"Denies {listed}; endorses {sym}{dur}{tail}.",
                          f"ROS neg for {listed}. Positive for {sym}{dur}{tail}.", f"No {listed}. Does note {sym}{dur}{tail}."])
    con = [d[1] for d in denied] + ([has_without] if tail else [])
    return (premise, *labelled(rng, [has], con, [h for h in UNASKED if h != has], 0.4, 0.75))


# Operations on a surgical history: (how a note writes it, entailed, contradicted, left open, abdominal).
OPERATIONS = [
    ("appendectomy age 12", ["The patient has had an appendectomy.", "The patient's appendix was removed."],
     ["The patient has appendicitis.", "The patient has an inflamed appendix.", "The patient still has an appendix."], ["The patient has had a bowel obstruction."], True),
    ("lap chole 2015", ["The patient's gallbladder has been removed."], ["The patient has acute cholecystitis.", "The patient has an intact gallbladder."],
     ["The patient has pancreatitis."], True),
    ("C-section x2", ["The patient has given birth.", "The patient has had a cesarean delivery."], ["The patient has never been pregnant."],
     ["The patient has three children."], True),
    ("TAH-BSO 2010 for fibroids", ["The patient has had a hysterectomy.", "The patient's uterus has been removed."],
     ["The patient is currently pregnant.", "The patient has an intact uterus.", "The patient has regular menstrual periods."], ["The patient had uterine cancer."], True),
    ("L BKA 2014", ["The patient has had a leg amputation.", "The patient has had an amputation."], ["The patient has both lower legs."],
     ["The patient uses a wheelchair."], False),
    ("R TKA 2019", ["The patient has had a knee replacement.", "The patient has a prosthetic knee."], ["The patient has never had joint surgery."],
     ["The patient has arthritis in the left knee."], False),
    ("CABG x3 2017", ["The patient has had heart surgery.", "The patient has coronary artery disease."], ["The patient has never had heart surgery."],
     ["The patient has a pacemaker."], False),
    ("open inguinal hernia repair", ["The patient has had a hernia repair."], ["The patient has never had surgery."], ["The patient has a recurrent hernia."], True),
    ("tonsillectomy as a child", ["The patient has had a tonsillectomy."], ["The patient still has tonsils.", "The patient has tonsillitis."],
     ["The patient snores."], False),
    ("total thyroidectomy 2020", ["The patient's thyroid was removed.", "The patient has had neck surgery."], ["The patient has a goiter.", "The patient's thyroid is intact."],
     ["The patient had thyroid cancer."], False),
    ("splenectomy after MVC", ["The patient has no spleen.", "The patient has had a splenectomy."], ["The patient has an enlarged spleen.", "The patient's spleen is intact."],
     ["The patient has a blood disorder."], True),
    ("bilateral cataract extraction", ["The patient has had eye surgery."], ["The patient has cataracts in both eyes."], ["The patient has glaucoma."], False),
]


def surgical_list_pair(rng) -> tuple[str, str, int]:
    """A surgical history of one to three operations: what each settles (an organ removed cannot be
    diseased now), what the list as a whole says, and what it leaves open."""
    ops = rng.sample(OPERATIONS, rng.randint(1, 3))
    listed = ", ".join(o[0] for o in ops)
    premise = rng.choice([f"PSH: {listed}.", f"Surgical history: {listed}.", f"PSH: {listed}. Now p/w {rng.choice(['RLQ pain and fever', 'fatigue', 'a fall', 'chest pain'])}.",
                          f"Past surgical history notable for {listed}."])
    op = rng.choice(ops)
    ent = op[1] + ["The patient has had surgery before."] + (["The patient has had more than one operation."] if len(ops) > 1 else [])
    if op[4]:
        ent.append("The patient has had abdominal surgery.")
    con = op[2] + ["The patient has never had surgery."]
    return (premise, *labelled(rng, ent, con, op[3], 0.4, 0.75))


TEMPLATED = [(med_list_pair, 3), (allergy_pair, 1.5), (pmh_list_pair, 2), (healthy_pair, 0.8), (social_list_pair, 1.5),
             (denial_then_report_pair, 1.5), (surgical_list_pair, 1.5)]
