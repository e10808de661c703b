"""Clinical NLI pairs about what a finding establishes and what it leaves open (written for clinlm).

Stage 8's model, tried on NLI cases written after it was trained, failed on four patterns that the
generators in gen_nli.py do not draw:
  * a diagnosis established by results rather than named: urate crystals in a joint aspirate (gout),
    guaiac-positive stool with a falling haemoglobin (GI bleeding), a blood pressure of 84/50
    (hypotension); the same test negative rules the diagnosis out, and a test that is pending or a
    result that only raises the question leaves it open;
  * laterality: a finding on one side says nothing about the other side unless the note says that
    side is normal; "bilateral" covers both;
  * family history beside the patient's own history in one note: a relative's disease is not the
    patient's, and the patient's own negative history does not deny the relative's;
  * a hypothesis about a condition the note never touches ("started on levothyroxine" against "the
    patient is pregnant"): neutral, however medical both sound.
A second set of cases written after that (and never trained on) added: a differential or "cannot be
excluded" read as a diagnosis; a drug stopped years ago read as a current drug; an abbreviated review
of systems with one symptom endorsed; what a past operation or an obstetric history rules out ("s/p
cholecystectomy" against "still has a gallbladder", G0 against "has given birth"); a vitals line with
every value normal against an abnormal state.

Every pair is drawn from our own tables with a seeded rng; the labels follow from the tables' meaning
(entailment only where the note makes the hypothesis certain).
"""

from __future__ import annotations

from . import lexicon as L

ENT, NEU, CON = 0, 1, 2


def _cap(s: str) -> str:
    return s[0].upper() + s[1:]


# Diagnoses established by results. Each entry: (group, results that establish the diagnosis,
# hypotheses they entail, results that rule it out, notes that leave it open). Entries of one group
# are related (a PE and a DVT are both thrombosis), so one's results are never the other's neutral.
DIAGNOSTIC = [
    ("gi-bleed",
     ["Stool guaiac positive; hemoglobin 7.9, down from 11.4 last week.", "Melena x3 with Hgb drop from 12.2 to 8.6; EGD showed a bleeding duodenal ulcer.",
      "Hematemesis in the ED; Hgb 8.1 from a baseline of 12.", "FOBT positive and Hb fell from 10.9 to 8.2 over 24 h; transfused 2 units.",
      "BRBPR with clots; hemoglobin 9.0, down from 13.1; colonoscopy showed diverticular bleeding."],
     ["The patient has a GI bleed.", "The patient has gastrointestinal bleeding.", "The patient is bleeding from the GI tract."],
     ["Stool guaiac negative and hemoglobin stable at 13.4; GI bleeding was ruled out.", "No evidence of GI bleeding: FOBT negative, Hgb unchanged at 12.8, no melena."],
     ["Hemoglobin 9.6; iron studies pending.", "Stool guaiac ordered to look for occult blood loss.", "Anemia of unclear cause; GI to evaluate for possible bleeding."]),
    ("gout",
     ["Knee aspirate: negatively birefringent needle-shaped crystals.", "Synovial fluid from the first MTP joint showed monosodium urate crystals.",
      "Arthrocentesis of the ankle revealed intracellular urate crystals; culture negative."],
     ["The patient has gout.", "The patient has a gout flare.", "The patient has crystal arthritis."],
     ["Joint aspirate without crystals; gout was excluded and culture grew MSSA."],
     ["Uric acid 9.1 mg/dL.", "Red, swollen great toe; arthrocentesis planned.", "Serum urate elevated at 8.4; no joint symptoms."]),
    ("coronary",
     ["Troponin rose from 0.03 to 4.2 with ST elevations in V2-V4; cath showed an occluded LAD.",
      "NSTEMI: troponin peaked at 1.9 with dynamic ST depressions.", "Admitted with an inferior STEMI and taken for PCI of the RCA."],
     ["The patient had a heart attack.", "The patient had a myocardial infarction.", "The patient had an MI."],
     ["Troponins negative x3 and ECG without ischemic changes; MI ruled out.", "Serial troponins undetectable; acute coronary syndrome excluded."],
     ["Chest pain on exertion; troponin pending.", "Stress test scheduled to evaluate for ischemia.", "Atypical chest pain; ECG and troponin ordered."]),
    ("dka",
     ["Glucose 534, anion gap 27, beta-hydroxybutyrate 6.1, pH 7.09; insulin drip started.", "BG 488 with serum ketones and bicarbonate of 8; admitted to the ICU on an insulin infusion."],
     ["The patient is in diabetic ketoacidosis.", "The patient has DKA."],
     ["Glucose 176, anion gap 10, no ketones; DKA excluded."],
     ["Glucose 312 on arrival; BMP pending.", "Known type 1 diabetic with vomiting; labs drawn."]),
    ("thrombosis",
     ["CTA chest: filling defects in the right lower lobe segmental pulmonary arteries.", "CT pulmonary angiogram positive for bilateral pulmonary emboli."],
     ["The patient has a pulmonary embolism.", "The patient has a PE."],
     ["CTA chest negative for pulmonary embolism."],
     ["Pleuritic chest pain and tachycardia; D-dimer elevated, CTA ordered.", "Wells score 4.5; CT angiogram pending."]),
    ("thrombosis",
     ["Duplex: occlusive thrombus in the left popliteal and femoral veins.", "Lower extremity ultrasound shows acute DVT of the right femoral vein."],
     ["The patient has a DVT.", "The patient has a blood clot in the leg.", "The patient has deep vein thrombosis."],
     ["Bilateral lower extremity duplex negative for DVT."],
     ["Left calf swelling; venous duplex pending.", "Unilateral leg edema; ultrasound ordered to rule out DVT."]),
    ("urinary",
     ["UA: large leukocyte esterase, nitrite positive, >100 WBC/hpf; urine culture grew E. coli >100,000 CFU.", "Urine culture with >100k Klebsiella; dysuria and frequency, started on nitrofurantoin."],
     ["The patient has a urinary tract infection.", "The patient has a UTI."],
     ["UA bland and urine culture with no growth; UTI excluded."],
     ["Dysuria; UA and culture sent.", "Urinalysis pending."]),
    ("bacteremia",
     ["Blood cultures 2/2 bottles growing MRSA.", "Both sets of blood cultures positive for Enterococcus faecalis.", "Blood cultures grew gram-negative rods in 4/4 bottles."],
     ["The patient has bacteremia.", "The patient has a bloodstream infection.", "Bacteria are growing in the patient's blood."],
     ["Blood cultures no growth at 5 days.", "All blood cultures remain negative at 5 days."],
     ["Blood cultures drawn and pending.", "Febrile overnight; blood cultures x2 sent."]),
    ("cns-infection",
     ["LP: CSF WBC 1,450 (90% neutrophils), glucose 18, protein 240; Gram stain with gram-positive diplococci.", "CSF culture grew Neisseria meningitidis."],
     ["The patient has bacterial meningitis.", "The patient has meningitis."],
     ["CSF with 1 WBC, normal glucose and protein; meningitis excluded."],
     ["Headache and neck stiffness; LP planned.", "Febrile with photophobia; empiric antibiotics started pending LP."]),
    ("brain",
     ["MRI brain: acute infarct in the left MCA territory on diffusion-weighted imaging.", "CT head shows a new right PCA territory infarct; tPA not given (outside window)."],
     ["The patient had a stroke.", "The patient had an ischemic stroke."],
     ["MRI brain without acute infarct; stroke ruled out."],
     ["Code stroke called for right arm weakness; CT head pending.", "Transient slurred speech; MRI ordered."]),
    ("brain",
     ["CT head: 3 cm acute intraparenchymal hemorrhage in the right basal ganglia.", "Noncontrast CT shows a left subdural hematoma with 4 mm midline shift."],
     ["The patient has an intracranial hemorrhage.", "The patient has bleeding in the brain."],
     ["CT head negative for acute hemorrhage."],
     ["Fell and struck head while on apixaban; CT head ordered."]),
    ("fracture",
     ["X-ray: displaced fracture of the right femoral neck.", "CT shows a comminuted intertrochanteric fracture of the left hip."],
     ["The patient has a hip fracture.", "The patient broke a hip."],
     ["Hip films and CT negative for fracture."],
     ["Right hip pain after a mechanical fall; X-ray ordered.", "Unable to bear weight on the left leg; imaging pending."]),
    ("iron",
     ["Hgb 8.7, MCV 67, ferritin 4.", "Microcytic anemia with ferritin 6 and iron saturation 3%."],
     ["The patient has iron deficiency anemia.", "The patient is iron deficient."],
     ["Ferritin 310 and iron saturation 32%; not iron deficient."],
     ["Hemoglobin 10.8; iron panel sent.", "Fatigue; CBC and ferritin ordered."]),
    ("kidney",
     ["Creatinine 3.4 from a baseline of 0.9.", "Cr up to 2.7 from 1.0 two days ago with oliguria."],
     ["The patient has acute kidney injury.", "The patient has an AKI."],
     ["Creatinine 0.9, at baseline; no AKI."],
     ["BMP pending.", "Poor oral intake; creatinine to be rechecked."]),
    ("thyroid",
     ["TSH <0.01 with free T4 4.6.", "Suppressed TSH and elevated free T4 and T3; diffuse uptake on thyroid scan."],
     ["The patient is hyperthyroid.", "The patient has hyperthyroidism."],
     ["TSH 1.6 and free T4 normal; euthyroid."],
     ["Palpitations and weight loss; TSH pending."]),
    ("pregnancy",
     ["Urine hCG positive; intrauterine pregnancy at 8 weeks on ultrasound.", "Serum beta-hCG 12,400; G2P1 at 9 weeks by dates."],
     ["The patient is pregnant."],
     ["Urine hCG negative.", "Serum beta-hCG negative before CT."],
     ["Last menstrual period 6 weeks ago; hCG pending.", "Pregnancy test ordered before imaging."]),
    ("respiratory-virus",
     ["SARS-CoV-2 PCR positive.", "Nasal swab positive for COVID-19."],
     ["The patient has COVID-19."],
     ["SARS-CoV-2 PCR negative x2."],
     ["Cough and fever; respiratory viral panel pending."]),
    ("c-diff",
     ["C. difficile toxin PCR positive with 8 watery stools a day.", "Stool positive for C. diff toxin; started on oral vancomycin."],
     ["The patient has C. diff infection.", "The patient has C. difficile colitis."],
     ["C. diff PCR negative."],
     ["Diarrhea after antibiotics; stool sent for C. diff."]),
    ("lung-mass",
     ["Biopsy of the right upper lobe mass: adenocarcinoma of lung primary.", "EBUS biopsy confirmed squamous cell carcinoma of the lung."],
     ["The patient has lung cancer.", "The patient has a lung malignancy."],
     ["Biopsy of the lung nodule: benign granuloma, no malignancy."],
     ["CT shows a 3 cm spiculated right upper lobe mass; biopsy scheduled.", "Lung nodule, PET-CT ordered."]),
    ("pancreas",
     ["Lipase 2,800 with epigastric pain radiating to the back; CT shows peripancreatic fat stranding."],
     ["The patient has pancreatitis.", "The patient has acute pancreatitis."],
     ["Lipase 28 and normal pancreas on CT; pancreatitis excluded."],
     ["Epigastric pain; lipase pending."]),
    ("kidney-stone",
     ["CT: 6 mm obstructing stone at the right UVJ with moderate hydronephrosis.", "Noncontrast CT shows a 4 mm left ureteral calculus."],
     ["The patient has a kidney stone.", "The patient has a ureteral stone."],
     ["CT negative for nephrolithiasis or hydronephrosis."],
     ["Right flank pain and hematuria; CT stone protocol ordered."]),
    ("appendix",
     ["CT: dilated 13 mm appendix with periappendiceal fat stranding.", "Ultrasound shows a noncompressible 9 mm appendix with an appendicolith."],
     ["The patient has appendicitis."],
     ["CT shows a normal appendix."],
     ["RLQ pain; surgery consulted, CT pending."]),
    ("rhythm",
     ["ECG: irregularly irregular rhythm without P waves, rate 132.", "Telemetry shows new atrial fibrillation with RVR."],
     ["The patient has atrial fibrillation.", "The patient is in atrial fibrillation."],
     ["ECG: normal sinus rhythm at 74, no ectopy."],
     ["Palpitations; Holter monitor ordered."]),
    ("heart-function",
     ["TTE: LVEF 20-25% with global hypokinesis.", "Echo shows severely reduced LV systolic function, EF 15%."],
     ["The patient has a reduced ejection fraction.", "The patient's heart pumps poorly."],
     ["TTE: normal biventricular function, LVEF 60-65%."],
     ["Dyspnea on exertion; echocardiogram ordered."]),
]


def diagnostic_pair(rng) -> tuple[str, str, int]:
    """Results that establish, rule out or leave open a diagnosis; or another diagnosis's results."""
    i = rng.randrange(len(DIAGNOSTIC))
    group, pos, hyps, neg, open_ = DIAGNOSTIC[i]
    hyp = rng.choice(hyps)
    r = rng.random()
    if r < 0.4:
        premise, label = rng.choice(pos), ENT
    elif r < 0.65:
        premise, label = rng.choice(neg), CON
    elif r < 0.85:
        premise, label = rng.choice(open_), NEU
    else:  # another group's results, definite or not: they say nothing of this diagnosis
        others = [e for e in DIAGNOSTIC if e[0] != group]
        _, opos, _, oneg, oopen = rng.choice(others)
        premise, label = rng.choice(opos + oneg + oopen), NEU
    if rng.random() < 0.3:  # under a heading; an abbreviation ("CT", "UA") keeps its capitals
        if premise[:2].isupper():
            premise = rng.choice(["Workup: ", "Results: "]) + premise
        else:
            premise = rng.choice(["Labs and imaging: ", "Workup: ", "Hospital course: ", "Results: "]) + premise[0].lower() + premise[1:]
    return premise, hyp, label


# Blood pressure is two numbers, which the ranged lab tables do not draw.
BP_STATES = {"low": ((72, 88), (38, 56)), "normal": ((102, 134), (60, 84)), "high": ((162, 214), (98, 128))}
BP_HYPS = {"low": ["The patient is hypotensive.", "The patient has low blood pressure."],
           "high": ["The patient's blood pressure is high.", "The patient's blood pressure is elevated."],
           "normal": ["The patient's blood pressure is normal."]}


def blood_pressure_pair(rng) -> tuple[str, str, int]:
    state = rng.choice(list(BP_STATES))
    (slo, shi), (dlo, dhi) = BP_STATES[state]
    bp = f"{rng.randint(slo, shi)}/{rng.randint(dlo, dhi)}"
    item = rng.choice([f"BP {bp}", f"BP {bp} mmHg", f"blood pressure {bp}", f"BP was {bp}"])
    hr = rng.choice(["", f", HR {rng.randint(62, 96)}", f", HR {rng.randint(104, 130)}", f", SpO2 {rng.randint(95, 99)}% RA"])
    premise = rng.choice([f"Vitals: {item}{hr}.", f"On arrival {item}{hr}.", f"{_cap(item)}{hr}.", f"{rng.choice(L.SUBJECTS)} was found with {item}{hr}."])
    hyp_state = state if rng.random() < 0.5 else rng.choice([s for s in BP_HYPS if s != state])
    hyp = rng.choice(BP_HYPS[hyp_state])
    return premise, hyp, ENT if hyp_state == state else CON


# Body parts that come in pairs: (findings on a side, with {s} for it; the finding as a noun phrase a
# note denies, with {s}; the hypothesis, with {s}). A finding on one side leaves the other open unless
# the note says that side is normal; "bilateral" findings hold on both sides.
PAIRED = [
    (["{s} knee effusion, warm to touch", "swelling of the {s} knee", "{s} knee swollen and tender"], "{s} knee swelling", "The patient's {s} knee is swollen."),
    (["{s} ankle swelling after the fall", "edema of the {s} ankle"], "{s} ankle swelling", "The {s} ankle is swollen."),
    (["2+ pitting edema of the {s} leg", "{s} lower extremity edema"], "{s} lower extremity edema", "The patient has swelling of the {s} leg."),
    (["4/5 strength in the {s} arm", "{s} arm weakness", "{s} upper extremity drift"], "{s} arm weakness", "The patient's {s} arm is weak."),
    (["numbness of the {s} hand", "decreased sensation over the {s} hand"], "numbness of the {s} hand", "The patient's {s} hand is numb."),
    (["crackles at the {s} base", "rales over the {s} lung base"], "crackles at the {s} base", "Crackles are heard at the {s} lung base."),
    (["{s} eye injected with discharge", "conjunctival redness of the {s} eye"], "redness of the {s} eye", "The patient's {s} eye is red."),
    (["{s} tympanic membrane bulging and erythematous"], "erythema of the {s} TM", "The patient's {s} eardrum is red."),
    (["{s} CVA tenderness", "tenderness at the {s} costovertebral angle"], "{s} CVA tenderness", "The patient has {s} flank tenderness."),
    (["{s} shoulder pain with abduction", "{s} shoulder pain and limited range of motion"], "{s} shoulder pain", "The patient has {s} shoulder pain."),
]
NORMAL_SIDE = ["{s} side unremarkable", "{s} normal", "the {s} is normal", "no findings on the {s}", "{s} without swelling or tenderness"]


def laterality_pair(rng) -> tuple[str, str, int]:
    """A finding on one side (or both, or denied on one) against a hypothesis about either side."""
    phrases, denied, hyp_t = rng.choice(PAIRED)
    side, other = rng.sample(["right", "left"], 2)
    finding = rng.choice(phrases)
    bilateral = [p for p in phrases if p.startswith("{s}")]
    r = rng.random()
    if r < 0.2 and bilateral:
        premise = _cap(rng.choice(bilateral).format(s="bilateral")) + "."
        asked, label = side, ENT
    elif r < 0.75:
        premise = _cap(finding.format(s=side))
        other_normal = rng.random() < 0.45
        premise += ("; " + rng.choice(NORMAL_SIDE).format(s=other) + ".") if other_normal else "."
        asked = rng.choice([side, other, other])
        label = ENT if asked == side else (CON if other_normal else NEU)
    else:
        d = denied.format(s=side)
        if rng.random() < 0.5:
            premise = f"No {d}."
            asked, label = rng.choice([(side, CON), (other, NEU)])
        else:
            premise = f"{_cap(finding.format(s=other))}; no {d}."
            asked, label = rng.choice([(side, CON), (other, ENT)])
    if rng.random() < 0.3:
        premise = rng.choice(["Exam: ", "On exam, ", "PE: "]) + premise[0].lower() + premise[1:]
    return premise, hyp_t.format(s=asked), label


RELATIVES = ["mother", "father", "sister", "brother", "maternal grandmother", "paternal uncle", "daughter"]
FAMILY_CONDITIONS = [("breast cancer", "The patient has had breast cancer."), ("colon cancer", "The patient has had colon cancer."),
                     ("type 2 diabetes", "The patient has diabetes."), ("coronary artery disease", "The patient has coronary artery disease."),
                     ("early MI", "The patient has had a heart attack."), ("Huntington disease", "The patient has Huntington disease."),
                     ("ovarian cancer", "The patient has had ovarian cancer."), ("hypertrophic cardiomyopathy", "The patient has hypertrophic cardiomyopathy."),
                     ("a clotting disorder", "The patient has a clotting disorder."), ("schizophrenia", "The patient has schizophrenia."),
                     ("Alzheimer dementia", "The patient has dementia."), ("melanoma", "The patient has had melanoma.")]
OWN_CONDITIONS = [("hypertension", "The patient has hypertension."), ("asthma", "The patient has asthma."),
                  ("hypothyroidism", "The patient has hypothyroidism."), ("GERD", "The patient has reflux."),
                  ("DVT", "The patient has had a blood clot."), ("migraines", "The patient has migraines."),
                  ("hyperlipidemia", "The patient has high cholesterol."), ("osteoarthritis", "The patient has arthritis.")]


def family_history_pair(rng) -> tuple[str, str, int]:
    """The patient's own history and a relative's in one note."""
    fam, fam_own_hyp = rng.choice(FAMILY_CONDITIONS)
    own, own_hyp = rng.choice(OWN_CONDITIONS)
    rel = rng.choice(RELATIVES)
    own_denied = rng.random() < 0.35
    noun = fam.removeprefix("early ").removeprefix("a ")  # as the patient's own: "no history of MI"
    fam_line = rng.choice([f"FHx: {rel} with {fam}.", f"Family history notable for {fam} in her {rel}.", f"Her {rel} had {fam}.",
                           f"Family history: {fam} ({rel})."])
    if own_denied:
        own_line = rng.choice([f"No personal history of {noun}.", f"She has never been diagnosed with {noun}.",
                               f"Denies any personal history of {noun}."])
    else:
        own_line = rng.choice([f"PMH: {own}.", f"Past history of {own}.", f"She has a history of {own}."])
    parts = [fam_line, own_line] if rng.random() < 0.5 else [own_line, fam_line]
    premise = " ".join(parts)
    r = rng.random()
    if r < 0.4:  # the relative's disease as the patient's own
        return premise, fam_own_hyp, CON if own_denied else NEU
    if r < 0.65:  # the family history itself
        hyp = rng.choice([f"The patient has a family history of {noun}.", f"A relative of the patient had {fam}.",
                          f"The patient's {rel} had {fam}."])
        return premise, hyp, ENT
    if r < 0.8:
        return premise, rng.choice(["The patient has no family history of disease.", f"No one in the patient's family has had {fam}."]), CON
    if own_denied:
        return premise, own_hyp, NEU
    return premise, own_hyp, ENT


# Conditions a drug or a mental-status line never touches (neutral), each with the words that, found
# in what a drug entry implies (lexicon.DRUGS' hypotheses, class names and indications), mean the
# drug does touch it.
UNTOUCHED = [("The patient is pregnant.", ["pregnan"]), ("The patient has dementia.", ["dementia", "neurocognitive"]),
             ("The patient has diabetes.", ["diabet", "glucose"]), ("The patient has hypertension.", ["hypertension", "blood pressure"]),
             ("The patient has heart failure.", ["heart failure"]), ("The patient has asthma.", ["asthma"]), ("The patient has cancer.", ["cancer"]),
             ("The patient has HIV.", ["hiv", "antiretroviral"]), ("The patient has depression.", ["depress", "ssri"]),
             ("The patient has a seizure disorder.", ["seizure", "epilep", "anticonvulsant"]), ("The patient has chronic kidney disease.", ["kidney", "transplant"]),
             ("The patient has cirrhosis.", ["liver", "hepat"]), ("The patient has atrial fibrillation.", ["atrial fibrillation"]),
             ("The patient has hypothyroidism.", ["thyroid"]), ("The patient has osteoporosis.", ["osteoporosis"]),
             ("The patient has glaucoma.", ["glaucoma"]), ("The patient has had a stroke.", ["stroke"]), ("The patient has COPD.", ["copd", "lung disease"])]
MENTAL_STATUS = [("A&Ox3, follows commands, speech fluent.", ["The patient is oriented."], ["The patient is confused.", "The patient is disoriented."]),
                 ("Alert and oriented to person, place and time.", ["The patient is alert."], ["The patient is confused."]),
                 ("GCS 15, moving all extremities.", ["The patient is awake."], ["The patient is unresponsive."])]


def untouched_condition_pair(rng) -> tuple[str, str, int]:
    """A drug or a mental-status line against a condition it says nothing about."""
    if rng.random() < 0.35:
        line, ent, con = rng.choice(MENTAL_STATUS)
        return (line, *labelled(rng, ent, con, [h for h, _ in UNTOUCHED], 0.25, 0.5))
    i = rng.randrange(len(L.DRUGS))
    drug = rng.choice(L.DRUGS[i][0])
    premise = rng.choice([f"Started on {drug}.", f"Home medications: {drug}.", f"Continued home {drug}.", f"{rng.choice(L.SUBJECTS)} takes {drug}.",
                          f"Discharged on {drug}."])
    implied = L.drug_implies(i).lower()
    return premise, rng.choice([h for h, words in UNTOUCHED if not any(w in implied for w in words)]), NEU


# Differentials: (what was found, the leading diagnosis, the one kept open, a hypothesis for each).
# A differential, "likely", "concern for" or "cannot be excluded" leaves every diagnosis it names open.
DIFFERENTIALS = [
    ("RLL opacity on CXR after an episode of emesis", "community-acquired pneumonia", "aspiration", "The patient has pneumonia.", "The patient has aspiration pneumonia."),
    ("troponin 0.07, repeat pending", "demand ischemia", "NSTEMI", "The patient has demand ischemia.", "The patient had a myocardial infarction."),
    ("red, warm first MTP joint", "gout", "cellulitis", "The patient has gout.", "The patient has cellulitis."),
    ("RLQ pain and a positive urine hCG", "ectopic pregnancy", "appendicitis", "The patient has an ectopic pregnancy.", "The patient has appendicitis."),
    ("fever, headache and neck pain", "viral syndrome", "meningitis", "The patient has a viral illness.", "The patient has meningitis."),
    ("syncope while standing in line", "vasovagal syncope", "arrhythmia", "The patient had a vasovagal episode.", "The patient has an arrhythmia."),
    ("new confusion with a positive UA", "UTI with delirium", "stroke", "The patient has a urinary tract infection.", "The patient had a stroke."),
    ("dyspnea and bilateral leg edema", "CHF exacerbation", "nephrotic syndrome", "The patient has heart failure.", "The patient has nephrotic syndrome."),
    ("painless hematuria", "cystitis", "bladder cancer", "The patient has a bladder infection.", "The patient has bladder cancer."),
    ("15 lb weight loss over 3 months", "malignancy", "hyperthyroidism", "The patient has cancer.", "The patient is hyperthyroid."),
    ("RUQ pain after fatty meals", "biliary colic", "cholecystitis", "The patient has biliary colic.", "The patient has cholecystitis."),
    ("low back pain radiating down the left leg", "disc herniation", "spinal stenosis", "The patient has a herniated disc.", "The patient has spinal stenosis."),
    ("a small apical lucency on a rotated film", "skin fold", "pneumothorax", "The patient has a skin fold artifact.", "The patient has a pneumothorax."),
    ("left calf pain after a long flight", "muscle strain", "DVT", "The patient has a muscle strain.", "The patient has a DVT."),
    ("wheezing and productive cough", "COPD exacerbation", "pneumonia", "The patient has a COPD exacerbation.", "The patient has pneumonia."),
]


def hedged_pair(rng) -> tuple[str, str, int]:
    """A finding with a leading diagnosis and another kept open: neither is established."""
    found, lead, other, lead_h, other_h = rng.choice(DIFFERENTIALS)
    premise = rng.choice([f"{_cap(found)}; likely {lead}, though {other} cannot be excluded.", f"{_cap(found)}. DDx {lead} vs {other}.",
                          f"{_cap(found)}, concerning for {other}; {lead} also possible.", f"{_cap(found)}. Differential includes {lead} and {other}.",
                          f"{_cap(found)}; cannot rule out {other}. Workup in progress.", f"{_cap(found)}, possibly {lead}. Will evaluate for {other}."])
    return premise, rng.choice([lead_h, other_h]), NEU


# Drugs by name, to stop, finish or switch.
DRUG_NAMES = ["warfarin", "metformin", "lisinopril", "atorvastatin", "sertraline", "prednisone", "omeprazole", "apixaban", "amlodipine",
              "gabapentin", "allopurinol", "furosemide", "metoprolol", "tamsulosin", "clopidogrel", "methotrexate", "lithium", "insulin glargine"]


# Courses that end while the condition they treated stays in the history: (condition, hypotheses that
# the patient had it, the course).
TREATED_COURSES = [("provoked DVT", ["The patient has had a blood clot.", "The patient has had a DVT."], "3 months of rivaroxaban"),
                   ("pulmonary embolism", ["The patient has had a pulmonary embolism.", "The patient has had a blood clot."], "a year of apixaban"),
                   ("latent TB", ["The patient has had a TB infection."], "9 months of isoniazid"),
                   ("H. pylori", ["The patient has had an H. pylori infection."], "two weeks of triple therapy"),
                   ("Hodgkin lymphoma", ["The patient has had cancer.", "The patient has had lymphoma."], "6 cycles of ABVD"),
                   ("hepatitis C", ["The patient has had hepatitis C."], "12 weeks of sofosbuvir-velpatasvir"),
                   ("breast cancer", ["The patient has had breast cancer.", "The patient has had cancer."], "5 years of tamoxifen")]


def treated_course_pair(rng) -> tuple[str, str, int]:
    """A finished course: the condition stays in the history, the drug is no longer taken."""
    cond, had, course = rng.choice(TREATED_COURSES)
    year = rng.choice(["(2014)", "in 2016", "several years ago", "in 2011"])
    remission = ", now in remission" if "cancer" in cond or "lymphoma" in cond else ""
    premise = rng.choice([f"PMH: {cond} {year}, finished {course}.", f"h/o {cond} {year}, treated with {course}; off therapy since.",
                          f"{_cap(cond)} {year}, s/p {course}{remission}."])
    on_it = ["The patient is currently on treatment.", f"The patient is still receiving {course.split(' of ')[-1]}."]
    return (premise, *labelled(rng, had, on_it, ["The patient has a recurrence.", "The patient's condition has come back."], 0.5, 0.8))


def stopped_drug_pair(rng) -> tuple[str, str, int]:
    """A drug stopped, finished or replaced: not a current drug, but a past one."""
    if rng.random() < 0.35:
        return treated_course_pair(rng)
    drug, new = rng.sample(DRUG_NAMES, 2)
    year = rng.choice(["2 years ago", "in 2019", "last spring", "several years ago", "6 months ago", "in 2015"])
    premise = rng.choice([f"{_cap(drug)} stopped {year} for side effects.", f"Completed a 6-month course of {drug} {year}; off it since.",
                          f"Previously on {drug}, discontinued {year}.", f"Self-discontinued {drug} {year}.", f"Switched from {drug} to {new} {year}.",
                          f"{_cap(drug)} was stopped {year} and {new} started.", f"No longer takes {drug} (stopped {year})."])
    switched = new in premise
    r = rng.random()
    if r < 0.5:
        return premise, rng.choice([f"The patient currently takes {drug}.", f"The patient takes {drug}.", f"The patient is on {drug}."]), CON
    if r < 0.75:
        return premise, rng.choice([f"The patient has taken {drug} before.", f"The patient was previously on {drug}."]), ENT
    if switched:
        return premise, rng.choice([f"The patient takes {new}.", f"The patient is on {new}."]), ENT
    return premise, f"The patient takes {new}.", NEU


# Review-of-systems shorthand: (what the note writes, a hypothesis it means).
ROS_SHORTHAND = [("CP", "The patient has chest pain."), ("SOB", "The patient is short of breath."),
                 ("N/V/D", "The patient has diarrhea."), ("abd pain", "The patient has abdominal pain."), ("HA", "The patient has a headache."),
                 ("DOE", "The patient gets short of breath with exertion."), ("palpitations", "The patient feels palpitations."),
                 ("F/C", "The patient has had fevers."), ("BRBPR", "The patient has rectal bleeding."), ("dysuria", "The patient has pain with urination."),
                 ("PND", "The patient wakes up at night short of breath."), ("LE edema", "The patient has leg swelling."),
                 ("lightheadedness", "The patient feels lightheaded."), ("cough", "The patient has a cough."), ("melena", "The patient has black stools.")]


def ros_shorthand_pair(rng) -> tuple[str, str, int]:
    """Denied symptoms in shorthand beside an endorsed one, or a note that never mentions the one asked."""
    picks = rng.sample(range(len(ROS_SHORTHAND)), 5)
    denied, endorsed, absent = picks[:3], picks[3], picks[4]
    names = [ROS_SHORTHAND[i][0] for i in denied]
    lead = rng.choice([f"Denies {names[0]}, {names[1]}, {names[2]}.", f"ROS neg for {names[0]}, {names[1]}, {names[2]}.",
                       f"No {names[0]}/{names[1]}/{names[2]}."])
    if rng.random() < 0.6:
        extra = rng.choice([f" Endorses {ROS_SHORTHAND[endorsed][0]}.", f" +{ROS_SHORTHAND[endorsed][0]}.", f" Reports {ROS_SHORTHAND[endorsed][0]} x2d."])
        premise = lead + extra if rng.random() < 0.5 else extra.strip() + " " + lead
        asked_endorsed = True
    else:
        premise = lead + rng.choice([" Presents for a med refill.", " Here for routine follow-up.", " Feels well."])
        asked_endorsed = False
    r = rng.random()
    if r < 0.45:
        return premise, ROS_SHORTHAND[rng.choice(denied)][1], CON
    if r < 0.75 and asked_endorsed:
        return premise, ROS_SHORTHAND[endorsed][1], ENT
    return premise, ROS_SHORTHAND[absent][1], NEU


# Past operations and obstetric histories: (note, entailed, contradicted, left open).
HISTORY_FACTS = [
    (["s/p lap chole {y}", "s/p cholecystectomy {y}"], ["The patient's gallbladder has been removed.", "The patient has had gallbladder surgery."],
     ["The patient still has a gallbladder.", "The patient has an intact gallbladder."], ["The patient has pancreatitis.", "The patient has gallstones in the bile duct."]),
    (["s/p appendectomy {y}", "appendix removed {y}"], ["The patient has had an appendectomy."], ["The patient still has an appendix."], ["The patient has had a hernia repair."]),
    (["s/p total thyroidectomy {y}"], ["The patient has had thyroid surgery.", "The patient's thyroid was removed."], ["The patient's thyroid gland is intact."],
     ["The patient has thyroid cancer."]),
    (["s/p splenectomy {y}"], ["The patient has no spleen."], ["The patient's spleen is intact."], ["The patient had a car accident."]),
    (["s/p TAH-BSO {y}", "s/p total hysterectomy {y}"], ["The patient has had a hysterectomy."], ["The patient still has a uterus."], ["The patient had uterine cancer."]),
    (["s/p L BKA {y}", "s/p left below-knee amputation {y}"], ["The patient has had an amputation."], ["The patient has both lower legs."],
     ["The patient has peripheral arterial disease."]),
    (["s/p CABG x3 {y}"], ["The patient has had heart surgery.", "The patient has coronary artery disease."], ["The patient has never had heart surgery."],
     ["The patient has a pacemaker."]),
    (["s/p R nephrectomy {y}"], ["The patient has had a kidney removed."], ["The patient has both kidneys."], ["The patient had kidney cancer."]),
    (["s/p PPM placement {y}", "pacemaker placed {y} for complete heart block"], ["The patient has a pacemaker."], ["The patient has no implanted cardiac device."],
     ["The patient has atrial fibrillation."]),
    (["G0", "G0P0", "nulligravida"], ["The patient has never been pregnant."], ["The patient has given birth.", "The patient has been pregnant before."],
     ["The patient uses contraception."]),
    (["G3P2", "G2P2", "G4P3"], ["The patient has given birth.", "The patient has been pregnant."], ["The patient has never been pregnant."],
     ["The patient had a cesarean section."]),
    (["G2P0", "G1P0, SAB at 8 weeks"], ["The patient has been pregnant."], ["The patient has given birth."], ["The patient is pregnant now."]),
]


def history_fact_pair(rng) -> tuple[str, str, int]:
    """What an operation or an obstetric history settles, and what it leaves open."""
    notes, ent, con, neu = rng.choice(HISTORY_FACTS)
    y = rng.choice(["in 2016", "2019", "(2012)", "years ago", ""])
    note = rng.choice(notes).format(y=y).strip()
    age = rng.randint(24, 78)
    premise = rng.choice([f"PMH/PSH: {note}.", f"{age}F, {note}, presents with abdominal pain.", f"{age} yo with HTN, {note}.",
                          f"Surgical history: {note}.", f"{_cap(note)}; now here for an unrelated complaint."])
    return (premise, *labelled(rng, ent, con, neu, 0.35, 0.7))


def labelled(rng, ent: list[str], con: list[str], neu: list[str], p_ent: float, p_con: float) -> tuple[str, int]:
    """A hypothesis from one of three lists, one roll of the rng choosing the list: ent below p_ent, con below
    p_con, neu above."""
    r = rng.random()
    if r < p_ent:
        return rng.choice(ent), ENT
    if r < p_con:
        return rng.choice(con), CON
    return rng.choice(neu), NEU


TEMPLATED = [(diagnostic_pair, 3), (blood_pressure_pair, 1), (laterality_pair, 1.5), (family_history_pair, 1.5), (untouched_condition_pair, 1.5),
             (hedged_pair, 1.2), (stopped_drug_pair, 1.2), (ros_shorthand_pair, 1.5), (history_fact_pair, 1.5)]
