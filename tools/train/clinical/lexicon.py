"""Clinical lexicons the generators draw on, written for clinlm (no dataset text).

Each radiology finding: a regex that finds it in a report, and the noun phrases a question or a
hypothesis may use for it. Symptoms: the phrases a note uses when present, the adjective or
abbreviation forms. Labs: a value range per condition. Drugs: the condition or drug class they imply.
"""

from __future__ import annotations

# name: (regex over lower-cased report text, [noun phrases for questions/hypotheses])
RAD_FINDINGS = {
    "pleural effusion": (r"(pleural )?effusions?", ["a pleural effusion", "pleural effusion", "an effusion", "fluid in the pleural space"]),
    "pneumothorax": (r"pneumothora(x|ces)", ["a pneumothorax", "pneumothorax", "a collapsed lung"]),
    "cardiomegaly": (r"cardiomegaly|(heart|cardiac silhouette|cardiac) (size )?(is |are )?(mildly |moderately |markedly )?enlarged|enlarged (heart|cardiac silhouette)",
                     ["cardiomegaly", "an enlarged heart", "enlargement of the heart"]),
    "consolidation": (r"consolidations?", ["consolidation", "a consolidation", "an airspace consolidation"]),
    "pulmonary edema": (r"(pulmonary |interstitial )?edema", ["pulmonary edema", "edema", "fluid overload in the lungs"]),
    "atelectasis": (r"atelectas(is|es|ic)", ["atelectasis", "collapse of lung tissue"]),
    "pneumonia": (r"pneumonia", ["pneumonia", "an infection of the lung"]),
    "nodule": (r"nodules?|nodular opacit(y|ies)", ["a nodule", "a pulmonary nodule", "a lung nodule"]),
    "mass": (r"\bmass(es)?\b", ["a mass", "a lung mass"]),
    "fracture": (r"fractures?", ["a fracture", "a broken bone", "a rib fracture"]),
    "emphysema": (r"emphysema|hyperinflat(ed|ion)|copd", ["emphysema", "hyperinflation", "COPD"]),
    "granuloma": (r"granulomas?|granulomatous", ["a granuloma", "granulomatous disease"]),
    "scoliosis": (r"scoliosis", ["scoliosis", "curvature of the spine"]),
    "opacity": (r"opacit(y|ies)|infiltrates?", ["an opacity", "an infiltrate", "airspace disease"]),
    "hernia": (r"hiatal hernia|hernia", ["a hiatal hernia", "a hernia"]),
    "degenerative changes": (r"degenerative (changes|disease)|spondylosis|osteophytes?", ["degenerative changes", "degenerative disease of the spine"]),
    "calcification": (r"calcifi(ed|cation|cations)", ["calcification", "a calcified lesion"]),
    "tortuous aorta": (r"tortuous (thoracic )?aorta|aort(a|ic) (is )?tortuous|ectatic aorta", ["a tortuous aorta"]),
    "sternotomy": (r"sternotomy", ["a sternotomy", "prior sternotomy", "median sternotomy wires"]),
    "pacemaker": (r"pacemaker|pacer|defibrillator|aicd", ["a pacemaker", "a cardiac device"]),
    "catheter": (r"catheter|picc|port|central line", ["a central line", "a catheter", "a PICC line"]),
    "tube": (r"endotracheal tube|\bet tube\b|nasogastric tube|\bng tube\b|chest tube", ["a tube", "an endotracheal tube", "a chest tube"]),
    "lymphadenopathy": (r"lymphadenopathy|adenopathy", ["lymphadenopathy", "enlarged lymph nodes"]),
}

SIDES = {"right": "right", "left": "left", "bilateral": "bilateral", "bibasilar": "bilateral", "bibasal": "bilateral"}

# Symptoms: (present phrases, patient-has phrases for hypotheses, adjective/abbreviation variants)
SYMPTOMS = [
    (["shortness of breath", "dyspnea", "SOB", "difficulty breathing"], ["The patient is short of breath.", "The patient is dyspneic.", "The patient has dyspnea.", "The patient has shortness of breath."]),
    (["chest pain", "chest pressure", "substernal chest discomfort", "CP"], ["The patient has chest pain.", "The patient reports chest discomfort."]),
    (["fever", "fevers", "temperature of 39.1 C", "a fever to 102 F"], ["The patient is febrile.", "The patient has a fever.", "The patient has a fever."]),
    (["cough", "a productive cough", "a dry cough"], ["The patient has a cough.", "The patient is coughing."]),
    (["nausea", "nausea and vomiting", "N/V", "emesis"], ["The patient is nauseated.", "The patient has nausea."]),
    (["abdominal pain", "RLQ pain", "epigastric pain", "belly pain"], ["The patient has abdominal pain.", "The patient complains of pain in the abdomen."]),
    (["headache", "a severe headache", "HA"], ["The patient has a headache."]),
    (["dizziness", "lightheadedness", "vertigo"], ["The patient is dizzy.", "The patient feels lightheaded."]),
    (["palpitations", "a racing heart"], ["The patient has palpitations."]),
    (["syncope", "a syncopal episode", "loss of consciousness", "LOC"], ["The patient passed out.", "The patient had syncope."]),
    (["diarrhea", "loose stools"], ["The patient has diarrhea."]),
    (["hematochezia", "bright red blood per rectum", "BRBPR"], ["The patient has rectal bleeding.", "The patient is bleeding from the rectum."]),
    (["melena", "black tarry stools"], ["The patient has melena.", "The patient has a GI bleed."]),
    (["hematuria", "blood in the urine"], ["The patient has hematuria.", "The patient has blood in the urine."]),
    (["dysuria", "burning with urination"], ["The patient has dysuria.", "The patient has painful urination."]),
    (["leg swelling", "lower extremity edema", "pedal edema", "LE edema"], ["The patient has leg swelling.", "The patient has edema."]),
    (["weakness", "generalized weakness", "fatigue"], ["The patient feels weak.", "The patient is fatigued."]),
    (["confusion", "altered mental status", "AMS", "disorientation"], ["The patient is confused.", "The patient has altered mental status."]),
    (["chills", "rigors"], ["The patient has chills."]),
    (["weight loss", "unintentional weight loss"], ["The patient has lost weight."]),
    (["hemoptysis", "coughing up blood"], ["The patient has hemoptysis.", "The patient is coughing up blood."]),
    (["back pain", "low back pain", "LBP"], ["The patient has back pain."]),
    (["rash", "a pruritic rash"], ["The patient has a rash."]),
    (["seizure", "a seizure", "seizure activity"], ["The patient had a seizure."]),
    (["vision changes", "blurry vision"], ["The patient has vision changes."]),
]

NEGATORS = [
    "denies {x}", "reports no {x}", "no {x}", "negative for {x}", "without {x}", "has not had {x}",
    "no complaints of {x}", "no history of {x}", "is free of {x}", "never had {x}", "no reported {x}",
]
AFFIRMERS = [
    "reports {x}", "complains of {x}", "presents with {x}", "has had {x} for {d}", "endorses {x}",
    "c/o {x}", "notes {x} since {day}", "was admitted with {x}", "developed {x} {d} ago", "describes {x}",
]

DURATIONS = ["two days", "3 days", "one week", "several hours", "5 days", "2 weeks", "a month", "10 days"]
DAYS = ["yesterday", "Monday", "last night", "this morning", "the weekend"]
SUBJECTS = ["The patient", "Pt", "He", "She", "Patient", "The 64-year-old man", "A 45 yo woman", "This 72F", "He", "She"]

# Vitals and labs: (premise template with {v}, condition hypotheses, normal-range hypotheses,
#                   values meaning the condition, values meaning normal)
MEASURES = [
    ("temperature {v} C", ["The patient is febrile.", "The patient has a fever."], ["The patient is afebrile.", "The patient has a normal temperature."],
     ["38.6", "39.2", "38.9", "40.1", "38.4"], ["36.8", "37.0", "36.5", "37.2", "36.9"]),
    ("T {v} F", ["The patient has a fever."], ["The patient is afebrile."], ["101.8", "102.4", "103.0"], ["98.4", "98.6", "97.9"]),
    ("heart rate {v}", ["The patient is tachycardic.", "The patient has a fast heart rate."], ["The patient's heart rate is normal."], ["124", "132", "118", "141"], ["72", "80", "66", "88"]),
    ("HR {v}", ["The patient is bradycardic.", "The patient has a slow heart rate."], ["The patient's heart rate is normal."], ["38", "42", "45"], ["74", "82", "68"]),
    ("BP {v}", ["The patient is hypotensive.", "The patient has low blood pressure."], ["The patient's blood pressure is normal."], ["78/40", "82/48", "70/35"], ["122/78", "118/76", "130/82"]),
    ("blood pressure {v}", ["The patient is hypertensive.", "The patient has high blood pressure."], ["The patient is normotensive."], ["196/112", "210/120", "188/104"], ["118/70", "124/80", "116/74"]),
    ("SpO2 {v}% on room air", ["The patient is hypoxic.", "The patient has low oxygen saturation."], ["The patient's oxygen saturation is normal."], ["84", "81", "86", "79"], ["98", "97", "99", "96"]),
    ("glucose {v} mg/dL", ["The patient is hyperglycemic.", "The patient has high blood sugar."], ["The patient's blood sugar is normal."], ["512", "386", "445", "298"], ["92", "104", "88", "97"]),
    ("glucose of {v}", ["The patient is hypoglycemic.", "The patient has low blood sugar."], ["The patient's glucose is normal."], ["38", "42", "29"], ["95", "110", "86"]),
    ("potassium {v}", ["The patient has hyperkalemia.", "The patient's potassium is high."], ["The patient's potassium is normal."], ["6.4", "6.9", "7.1", "6.2"], ["4.1", "3.9", "4.4"]),
    ("K {v}", ["The patient has hypokalemia.", "The patient's potassium is low."], ["The patient's potassium is normal."], ["2.6", "2.9", "2.4"], ["4.2", "4.0", "3.8"]),
    ("sodium {v}", ["The patient has hyponatremia.", "The patient's sodium is low."], ["The patient's sodium is normal."], ["118", "121", "124"], ["139", "141", "137"]),
    ("Na {v}", ["The patient has hypernatremia."], ["The patient's sodium is normal."], ["156", "161"], ["140", "138"]),
    ("hemoglobin {v} g/dL", ["The patient is anemic.", "The patient has anemia."], ["The patient's hemoglobin is normal."], ["6.8", "7.2", "5.9", "8.1"], ["13.9", "14.5", "13.2"]),
    ("Hgb {v}", ["The patient has anemia."], ["The patient is not anemic."], ["6.1", "7.0"], ["14.1", "13.6"]),
    ("WBC {v}", ["The patient has leukocytosis.", "The white count is elevated."], ["The white blood cell count is normal."], ["18.4", "22.1", "16.9"], ["7.2", "6.5", "8.8"]),
    ("platelets {v}", ["The patient is thrombocytopenic.", "The patient has a low platelet count."], ["The platelet count is normal."], ["32", "45", "18"], ["250", "210", "310"]),
    ("creatinine {v} (baseline 0.9)", ["The patient has acute kidney injury.", "The patient's kidney function is worse."], ["The patient's kidney function is at baseline."], ["2.8", "3.4", "2.1"], ["0.9", "0.8", "1.0"]),
    ("INR {v}", ["The patient's INR is supratherapeutic.", "The patient is coagulopathic."], ["The patient's INR is normal."], ["4.7", "6.2", "5.1"], ["1.0", "1.1"]),
    ("troponin {v} ng/mL", ["The patient had a myocardial infarction.", "The patient's troponin is elevated."], ["The patient's troponin is normal."], ["2.4", "5.8", "1.9"], ["<0.01", "0.00", "<0.01"]),
    ("TSH {v}", ["The patient has hypothyroidism."], ["The patient's thyroid function is normal."], ["24.5", "18.2"], ["1.8", "2.3"]),
    ("HbA1c {v}%", ["The patient has poorly controlled diabetes."], ["The patient's diabetes is well controlled."], ["11.2", "12.8", "10.4"], ["5.9", "6.1"]),
    ("lactate {v}", ["The patient's lactate is elevated."], ["The patient's lactate is normal."], ["5.2", "6.8"], ["1.1", "0.9"]),
]

# Drugs: (drug phrases, hypotheses they entail, hypotheses that stay neutral)
DRUGS = [
    (["warfarin 5 mg daily", "apixaban 5 mg BID", "rivaroxaban 20 mg daily", "Coumadin", "enoxaparin 80 mg SC BID", "a heparin drip", "Eliquis"],
     ["The patient is on anticoagulation.", "The patient takes a blood thinner.", "The patient is anticoagulated."]),
    (["insulin glargine 20 units nightly", "metformin 1000 mg BID", "insulin lispro sliding scale", "glipizide 5 mg daily", "Lantus"],
     ["The patient has diabetes.", "The patient is diabetic.", "The patient takes diabetes medication."]),
    (["levothyroxine 100 mcg daily", "Synthroid"], ["The patient has hypothyroidism.", "The patient takes thyroid hormone."]),
    (["lisinopril 20 mg daily", "amlodipine 10 mg daily", "losartan 50 mg daily", "hydrochlorothiazide"], ["The patient has hypertension.", "The patient takes blood pressure medication."]),
    (["atorvastatin 80 mg", "simvastatin 40 mg", "rosuvastatin"], ["The patient takes a statin.", "The patient is on cholesterol-lowering therapy."]),
    (["albuterol inhaler as needed", "tiotropium", "fluticasone-salmeterol"], ["The patient uses an inhaler.", "The patient has lung disease."]),
    (["sertraline 50 mg", "fluoxetine 20 mg", "escitalopram"], ["The patient takes an antidepressant."]),
    (["ceftriaxone", "piperacillin-tazobactam", "vancomycin and cefepime", "azithromycin", "levofloxacin"], ["The patient is receiving antibiotics.", "The patient is being treated for an infection."]),
    (["oxycodone 5 mg q4h PRN", "morphine", "hydromorphone PCA"], ["The patient is receiving opioids.", "The patient is on opioid pain medication."]),
    (["furosemide 40 mg IV BID", "Lasix", "torsemide"], ["The patient is receiving a diuretic."]),
    (["pantoprazole 40 mg daily", "omeprazole"], ["The patient takes a proton pump inhibitor."]),
    (["prednisone 40 mg daily", "methylprednisolone", "dexamethasone"], ["The patient is on steroids."]),
    (["aspirin 81 mg and clopidogrel", "ticagrelor"], ["The patient is on antiplatelet therapy."]),
    (["levetiracetam 500 mg BID", "Keppra"], ["The patient takes an antiepileptic drug."]),
    # drugs given for one condition only: taking them says the patient has it
    (["Biktarvy", "bictegravir-emtricitabine-tenofovir alafenamide", "dolutegravir with emtricitabine-tenofovir", "Genvoya"],
     ["The patient has HIV.", "The patient is HIV positive.", "The patient is on antiretroviral therapy."]),
    (["carbidopa-levodopa 25/100 TID", "Sinemet", "pramipexole 0.25 mg TID"], ["The patient has Parkinson's disease.", "The patient takes a dopaminergic drug."]),
    (["rivastigmine patch", "galantamine 8 mg BID", "memantine 10 mg BID", "Aricept"], ["The patient has dementia.", "The patient has a neurocognitive disorder."]),
    (["methimazole 10 mg daily", "propylthiouracil"], ["The patient has hyperthyroidism.", "The patient takes an antithyroid drug."]),
    (["sacubitril-valsartan 49/51 mg BID", "Entresto"], ["The patient has heart failure.", "The patient has heart failure with reduced ejection fraction."]),
    (["sofosbuvir-velpatasvir", "Epclusa", "glecaprevir-pibrentasvir"], ["The patient has hepatitis C.", "The patient is being treated for hepatitis C."]),
    (["rifampin, isoniazid, pyrazinamide and ethambutol", "RIPE therapy"], ["The patient is being treated for tuberculosis.", "The patient has tuberculosis."]),
    (["buprenorphine-naloxone 8/2 mg daily", "Suboxone", "methadone maintenance 90 mg daily"], ["The patient has opioid use disorder.", "The patient is on medication for opioid use disorder."]),
    (["lactulose and rifaximin", "rifaximin 550 mg BID"], ["The patient has hepatic encephalopathy.", "The patient has liver disease."]),
    (["tacrolimus and mycophenolate", "tacrolimus 2 mg BID"], ["The patient is on immunosuppression.", "The patient has had an organ transplant."]),
    (["pyridostigmine 60 mg TID", "Mestinon"], ["The patient has myasthenia gravis."]),
    (["clozapine 300 mg nightly"], ["The patient has schizophrenia.", "The patient takes an antipsychotic."]),
    (["alendronate 70 mg weekly", "Fosamax"], ["The patient has osteoporosis.", "The patient takes a bisphosphonate."]),
    (["latanoprost eye drops", "timolol eye drops"], ["The patient has glaucoma."]),
]

# More ways to name what a DRUGS entry (by index) is: the drug's class as a noun.
DRUG_CLASS_HYPS = {
    0: ["The patient takes an anticoagulant.", "The patient is on a blood thinner at home.", "The patient takes an anticoagulant at home.",
        "The patient's home medications include an anticoagulant."],
    1: ["The patient takes a glucose-lowering medication.", "The patient's home medications include a diabetes drug."],
    3: ["The patient takes an antihypertensive.", "The patient's home medications include an antihypertensive."],
    6: ["The patient takes an SSRI."],
    9: ["The patient takes a loop diuretic."],
    12: ["The patient takes an antiplatelet agent."],
    13: ["The patient takes an anticonvulsant.", "The patient is on seizure medication."],
    # Said so that another group's "receiving antibiotics" or "on immunosuppression" is never paired
    # with these drugs as neutral.
    11: ["The patient is receiving an immunosuppressive drug."],
    20: ["The patient is receiving antibiotics."],
}
# What a DRUGS entry is commonly given for, said in a premise ("warfarin for atrial fibrillation").
DRUG_INDICATIONS = {0: "atrial fibrillation", 1: "type 2 diabetes", 2: "hypothyroidism", 3: "hypertension", 4: "hyperlipidemia",
                    5: "asthma", 6: "depression", 10: "reflux", 13: "epilepsy"}

# Past history vs now: (history phrases, current-condition hypotheses)
CONDITIONS = [
    ("type 1 diabetes", ["The patient has a history of type 1 diabetes.", "The patient has diabetes."]),
    ("COPD", ["The patient has COPD.", "The patient has chronic lung disease."]),
    ("atrial fibrillation", ["The patient has atrial fibrillation.", "The patient has an arrhythmia."]),
    ("heart failure", ["The patient has heart failure.", "The patient has CHF."]),
    ("breast cancer", ["The patient has a history of breast cancer.", "The patient has had cancer."]),
    ("coronary artery disease", ["The patient has coronary artery disease.", "The patient has CAD."]),
    ("chronic kidney disease", ["The patient has chronic kidney disease.", "The patient has CKD."]),
    ("stroke", ["The patient has had a stroke.", "The patient has a history of stroke."]),
    ("asthma", ["The patient has asthma."]),
    ("hypertension", ["The patient has hypertension.", "The patient has high blood pressure."]),
    ("seizures", ["The patient has a seizure disorder.", "The patient has epilepsy."]),
    ("colon cancer", ["The patient has had colon cancer."]),
    ("deep vein thrombosis", ["The patient has had a DVT.", "The patient has had a blood clot."]),
    ("cirrhosis", ["The patient has liver disease.", "The patient has cirrhosis."]),
]
ABBREVIATIONS = {"COPD": "chronic obstructive pulmonary disease", "CHF": "congestive heart failure",
                 "CAD": "coronary artery disease", "CKD": "chronic kidney disease", "DVT": "deep vein thrombosis",
                 "HTN": "hypertension", "DM2": "type 2 diabetes", "AFib": "atrial fibrillation",
                 "MI": "myocardial infarction", "PE": "pulmonary embolism", "UTI": "urinary tract infection",
                 "GERD": "gastroesophageal reflux disease", "OSA": "obstructive sleep apnea",
                 "ESRD": "end-stage renal disease", "HLD": "hyperlipidemia", "CVA": "stroke",
                 "BPH": "benign prostatic hyperplasia", "RA": "rheumatoid arthritis", "T2DM": "type 2 diabetes",
                 "PVD": "peripheral vascular disease", "HFrEF": "heart failure with reduced ejection fraction",
                 "AKI": "acute kidney injury", "SBO": "small bowel obstruction", "TIA": "transient ischemic attack",
                 "DKA": "diabetic ketoacidosis", "GIB": "gastrointestinal bleeding", "OA": "osteoarthritis"}

# Shorthand statements of a note: (shorthand, entailed hypothesis, contradicted hypothesis)
SHORTHAND = [
    ("DOE", "The patient gets short of breath on exertion.", "The patient has no trouble breathing with activity."),
    ("VSS", "The patient's vital signs are stable.", "The patient is hemodynamically unstable."),
    ("NPO after midnight", "The patient should not eat after midnight.", "The patient may eat freely overnight."),
    ("A&Ox3", "The patient is oriented.", "The patient is disoriented."),
    ("NAD", "The patient is in no acute distress.", "The patient is in severe distress."),
    ("RRR, no m/r/g", "The heart rhythm is regular.", "The patient has a loud heart murmur."),
    ("CTAB", "The lungs are clear on auscultation.", "The patient has crackles throughout both lungs."),
    ("satting 96% on RA", "The patient is not on supplemental oxygen.", "The patient requires supplemental oxygen."),
    ("NKDA", "The patient has no known drug allergies.", "The patient is allergic to penicillin."),
    ("DNR/DNI", "The patient does not want to be intubated.", "The patient is full code."),
    ("full code", "The patient wants full resuscitation.", "The patient is DNR."),
    ("s/p R TKA", "The patient had a knee replacement.", "The patient has never had surgery."),
    ("BRBPR x2", "The patient has rectal bleeding.", "The patient has no bleeding."),
    ("LOC", "The patient lost consciousness.", "The patient never lost consciousness."),
    ("+ BM, + flatus", "The patient's bowels are working.", "The patient has no bowel function."),
    ("ambulating with PT", "The patient can walk with physical therapy.", "The patient cannot get out of bed."),
    ("afebrile, VSS", "The patient does not have a fever.", "The patient has a fever."),
    ("abd soft, NT/ND", "The abdomen is not tender.", "The patient has an acute abdomen."),
    ("no JVD, no LE edema", "The patient has no leg swelling.", "The patient has pitting edema of the legs."),
    ("PERRLA", "The pupils react to light.", "The pupils are fixed and dilated."),
]

# Timing of a condition: (premise template with {c}, label for "The patient has {c}.")
TEMPORAL = [
    ("{s} is a former smoker who quit 15 years ago.", None),
    ("History of {c}, resolved after treatment in 2015.", "contradiction"),
    ("{c} in childhood, none since.", "contradiction"),
    ("Newly diagnosed {c} this admission.", "entailment"),
    ("Known {c}, on treatment.", "entailment"),
    ("Remote history of {c}.", "neutral_now"),
    ("Rule out {c}.", "neutral"),
    ("Differential includes {c} versus viral infection.", "neutral"),
    ("Will start treatment if {c} is confirmed.", "neutral"),
    ("Concern for {c}; workup in progress.", "neutral"),
    ("{c} was excluded by imaging.", "contradiction"),
    ("Admitted with {c}, now improving.", "entailment"),
]

# Function / status: (statement, entailed hypothesis, contradicted hypothesis)
STATUS = [
    ("tolerating a regular diet", "The patient is eating.", "The patient is unable to eat."),
    ("tolerating clears", "The patient can take fluids by mouth.", "The patient is NPO and taking nothing by mouth."),
    ("ambulating independently", "The patient can walk.", "The patient is bedbound."),
    ("ambulating with a walker", "The patient can walk with assistance.", "The patient cannot walk."),
    ("alert and oriented x3", "The patient is oriented.", "The patient is confused."),
    ("pain controlled on oral acetaminophen", "The patient's pain is controlled.", "The patient is in uncontrolled pain."),
    ("intubated and sedated", "The patient is on a ventilator.", "The patient is breathing on room air."),
    ("on 4 L nasal cannula", "The patient requires supplemental oxygen.", "The patient is on room air."),
    ("voiding without difficulty", "The patient is urinating normally.", "The patient is in urinary retention."),
    ("discharged home in stable condition", "The patient went home.", "The patient died in the hospital."),
    ("the wound is clean, dry and intact", "The wound looks healthy.", "The wound is infected."),
    ("saturating 98% on room air", "The patient does not need oxygen.", "The patient requires supplemental oxygen."),
]

PROCEDURES = [
    ("s/p laparoscopic cholecystectomy", "The patient had surgery.", "The patient's gallbladder was removed."),
    ("status post appendectomy", "The patient had surgery.", "The patient's appendix was removed."),
    ("post-op day 1 from a total knee replacement", "The patient had an operation.", "The patient had knee surgery."),
    ("underwent CABG x3", "The patient had heart surgery.", "The patient had bypass surgery."),
    ("s/p PCI with a drug-eluting stent to the LAD", "The patient has a coronary stent.", "The patient had a cardiac procedure."),
    ("after a right hemicolectomy", "The patient had bowel surgery.", "The patient had surgery."),
]

# Examination by system: the statement a note makes when the system is normal, and per finding the phrases
# that affirm it in a note, the hypothesis that it is present and the one that it is absent. A normal
# statement rules out every finding of its system; a finding says nothing about the others of its system.
EXAM = {
    "lungs": (["lungs clear to auscultation bilaterally", "CTAB", "clear breath sounds throughout", "lungs clear without wheezes, rales or rhonchi",
               "good air entry bilaterally with no adventitious sounds", "chest clear"],
              [(["diffuse expiratory wheezes", "wheezing throughout both lung fields", "scattered wheezes"],
                ["The patient is wheezing.", "Wheezing was heard on exam."], ["No wheezing was heard.", "The patient is not wheezing."]),
               (["bibasilar crackles", "rales at both bases", "crackles in the right lower lung field"],
                ["There are crackles on lung exam.", "Rales were heard."], ["There are no crackles.", "The lungs have no rales."]),
               (["decreased breath sounds at the left base", "absent breath sounds on the right"],
                ["Breath sounds are reduced.", "The breath sounds are diminished on one side."], ["Breath sounds are normal on both sides."])]),
    "heart": (["regular rate and rhythm, no murmurs, rubs or gallops", "RRR, S1 S2 normal, no murmur"],
              [(["a 3/6 systolic murmur at the right upper sternal border", "a holosystolic murmur at the apex"],
                ["The patient has a heart murmur.", "A murmur was heard."], ["No murmur was heard.", "The patient does not have a murmur."]),
               (["an irregularly irregular rhythm", "an irregular rhythm"],
                ["The heart rhythm is irregular.", "The patient has an irregular heartbeat."], ["The heart rhythm is regular."])]),
    "abdomen": (["abdomen soft, non-tender, non-distended", "abd soft, NT/ND, normal bowel sounds", "benign abdominal exam"],
                [(["tenderness in the right lower quadrant", "epigastric tenderness", "diffuse abdominal tenderness"],
                  ["The abdomen is tender.", "The patient has abdominal tenderness."], ["The abdomen is not tender.", "There is no abdominal tenderness."]),
                 (["a distended, tympanitic abdomen", "marked abdominal distension"],
                  ["The abdomen is distended.", "The patient's belly is swollen."], ["The abdomen is not distended."]),
                 (["guarding and rebound tenderness", "rigid abdomen with guarding"],
                  ["The patient has peritoneal signs.", "There is guarding on exam."], ["There are no peritoneal signs."])]),
    "extremities": (["extremities warm and well perfused, no edema or calf tenderness", "extremities without clubbing, cyanosis, edema or tenderness"],
                    [(["2+ pitting edema to the knees bilaterally", "bilateral lower extremity edema", "swelling of both ankles", "3+ pedal edema"],
                      ["The patient has leg swelling.", "The patient has edema of the legs.", "The patient has bilateral leg swelling."],
                      ["The patient has no leg swelling.", "There is no edema."]),
                     (["a swollen, tender left calf", "unilateral right calf swelling and tenderness"],
                      ["One calf is swollen.", "The patient has calf tenderness."], ["The calves are not tender."]),
                     (["cool, mottled extremities", "cyanotic fingertips"],
                      ["The patient's extremities are poorly perfused.", "The patient has cyanosis."], ["The extremities are well perfused."])]),
    "neuro": (["alert and oriented, no focal deficits", "neuro exam nonfocal", "strength 5/5 throughout, sensation intact, no facial droop",
               "CN II-XII intact, strength and sensation symmetric", "neurologically intact"],
              [(["left-sided weakness", "right hemiparesis", "4/5 strength in the left arm and leg"],
                ["The patient has weakness on one side.", "The patient has a focal neurologic deficit."],
                ["The patient has no focal neurologic deficit.", "The patient's strength is normal."]),
               (["a right facial droop", "slurred speech and facial asymmetry"],
                ["The patient has a facial droop.", "The patient has facial weakness."], ["There is no facial droop."])]),
    "skin": (["skin warm and dry, anicteric, no rashes", "no rash or jaundice"],
             [(["a diffuse maculopapular rash", "an erythematous rash on the trunk"],
               ["The patient has a rash.", "There is a skin rash."], ["The patient has no rash.", "There is no rash."]),
              (["scleral icterus and jaundiced skin", "jaundice"],
               ["The patient is jaundiced.", "The patient has yellowing of the skin."], ["The patient is not jaundiced."])]),
}

# Social history: (statements, hypotheses they entail, hypotheses they contradict, hypotheses they leave open)
SOCIAL = [
    (["Denies tobacco, alcohol or illicit drug use.", "Never smoker, no alcohol.", "No tobacco use.", "Lifelong nonsmoker.", "She has never smoked."],
     ["The patient does not smoke.", "The patient is a nonsmoker."], ["The patient smokes.", "The patient is a current smoker."],
     ["The patient works as a teacher.", "The patient lives alone."]),
    (["Smokes one pack per day for 30 years.", "Current smoker, 20 pack-years.", "He smokes half a pack of cigarettes daily.", "Active tobacco use."],
     ["The patient smokes.", "The patient is a current smoker."], ["The patient does not smoke.", "The patient has never smoked."],
     ["The patient drinks alcohol.", "The patient uses illicit drugs."]),
    (["Former smoker, quit in 2010.", "Quit smoking 15 years ago.", "Remote tobacco use, none for a decade."],
     ["The patient smoked in the past.", "The patient does not currently smoke."], ["The patient currently smokes.", "The patient has never smoked."],
     ["The patient drinks alcohol."]),
    (["Drinks 6 beers daily.", "Heavy alcohol use, a pint of vodka a day.", "Reports daily alcohol use."],
     ["The patient drinks alcohol.", "The patient uses alcohol."], ["The patient does not drink alcohol.", "The patient abstains from alcohol."],
     ["The patient smokes.", "The patient has cirrhosis."]),
    (["Denies alcohol use.", "Does not drink.", "No EtOH."],
     ["The patient does not drink alcohol."], ["The patient drinks heavily.", "The patient drinks alcohol daily."], ["The patient smokes."]),
    (["Lives alone in an apartment.", "Lives by herself."], ["The patient lives alone."], ["The patient lives with family."], ["The patient smokes."]),
    (["Lives with his wife and two children.", "Lives with her husband."], ["The patient lives with family."], ["The patient lives alone."],
     ["The patient has children in college.", "The patient drinks alcohol."]),
    (["Uses IV heroin daily.", "Active injection drug use."], ["The patient uses illicit drugs."], ["The patient does not use drugs."],
     ["The patient smokes."]),
]

# Intake and output, appetite, sleep: (statements, entailed, contradicted, neutral)
FUNCTION = [
    (["Eating and drinking normally.", "Tolerating a regular diet.", "Good appetite and oral intake.", "Taking PO well."],
     ["The patient is eating.", "The patient has normal oral intake."], ["The patient has poor oral intake.", "The patient is not eating."],
     ["The patient has diarrhea.", "The patient has a fever."]),
    (["Poor oral intake for three days.", "Minimal PO intake, unable to keep food down.", "Has barely eaten since Monday."],
     ["The patient has poor oral intake.", "The patient is not eating well."], ["The patient is eating normally."],
     ["The patient has a fever.", "The patient is short of breath."]),
    (["Voiding without difficulty.", "Good urine output.", "Urinating normally."], ["The patient is urinating."],
     ["The patient has urinary retention.", "The patient is not making urine."], ["The patient has a urinary tract infection."]),
    (["Anuric for 24 hours.", "No urine output since yesterday."], ["The patient is not making urine."], ["The patient has good urine output."],
     ["The patient has kidney stones."]),
    (["Normal bowel movements.", "+BM and flatus."], ["The patient's bowels are working."], ["The patient is constipated."], ["The patient is eating."]),
    (["Sleeping well at night.", "No trouble sleeping."], ["The patient sleeps well."], ["The patient has insomnia."], ["The patient is depressed."]),
    (["Ambulating independently in the hallway.", "Walks without assistance."], ["The patient can walk."], ["The patient is bedbound.", "The patient cannot walk."],
     ["The patient has knee pain."]),
    (["Bedbound since her stroke.", "Nonambulatory, transfers with a lift."], ["The patient cannot walk."], ["The patient walks independently."],
     ["The patient has dementia."]),
]

# A symptom and a diagnosis it raises but does not establish: the pair is neutral.
SYMPTOM_DX = [
    ("a cough", "The patient has pneumonia."), ("chest pain", "The patient had a heart attack."), ("a headache", "The patient had a stroke."),
    ("abdominal pain", "The patient has appendicitis."), ("shortness of breath", "The patient has heart failure."),
    ("leg swelling", "The patient has a DVT."), ("fatigue", "The patient has anemia."), ("dysuria", "The patient has a kidney stone."),
    ("back pain", "The patient has a fracture."), ("dizziness", "The patient has an arrhythmia."), ("weight loss", "The patient has cancer."),
    ("fever", "The patient has sepsis."), ("palpitations", "The patient has atrial fibrillation."), ("confusion", "The patient has dementia."),
]

# A test and what it is ordered to look for: a pending work-up says the condition is suspected, not that
# the patient has it or not.
WORKUPS = [
    ("a CT angiogram of the chest", "a pulmonary embolism"), ("a lower extremity duplex", "a DVT"), ("a lumbar puncture", "meningitis"),
    ("blood cultures", "bacteremia"), ("serial troponins", "a myocardial infarction"), ("a head CT", "an intracranial hemorrhage"),
    ("an MRI of the brain", "a stroke"), ("a right upper quadrant ultrasound", "cholecystitis"), ("a CT of the abdomen and pelvis", "appendicitis"),
    ("a transesophageal echocardiogram", "endocarditis"), ("stool studies", "C. difficile colitis"), ("a urine culture", "a urinary tract infection"),
    ("an EEG", "a seizure disorder"), ("a colonoscopy", "colon cancer"), ("a biopsy of the mass", "lymphoma"), ("thyroid function tests", "hyperthyroidism"),
    ("a renal ultrasound", "hydronephrosis"), ("a sleep study", "obstructive sleep apnea"), ("a hip X-ray", "a hip fracture"),
    ("an upper endoscopy", "a peptic ulcer"), ("a chest X-ray", "pneumonia"), ("a stress test", "coronary artery disease"),
]

# Vitals and labs with reference ranges, for values drawn at random (so a model learns where each range
# ends, not a handful of values): (names, unit formats, decimals,
#   {"low"|"normal"|"high": (lowest, highest) or None}, {"low"|"normal"|"high": [hypotheses]}).
RANGED = [
    (["temperature", "temp", "T", "Tmax"], ["{v} C", "{v} °C", "{v}C"], 1, {"normal": (36.1, 37.6), "high": (38.1, 40.6)},
     {"high": ["The patient is febrile.", "The patient has a fever.", "The patient's temperature is elevated."], "normal": ["The patient is afebrile.", "The patient has a normal temperature.", "The patient has no fever."]}),
    (["temperature", "temp", "T", "Tmax"], ["{v} F", "{v} °F"], 1, {"normal": (97.0, 99.4), "high": (100.5, 104.8)},
     {"high": ["The patient is febrile.", "The patient has a fever.", "The patient's temperature is elevated."], "normal": ["The patient is afebrile.", "The patient has a normal temperature.", "The patient has no fever."]}),
    (["heart rate", "HR", "pulse", "P"], ["{v}", "{v} bpm", "{v} beats per minute"], 0, {"low": (30, 52), "normal": (60, 98), "high": (106, 168)},
     {"low": ["The patient is bradycardic.", "The patient has a slow heart rate.", "The patient's heart rate is slow."], "high": ["The patient is tachycardic.", "The patient has a fast heart rate.", "The patient's heart rate is fast."],
      "normal": ["The patient's heart rate is normal."]}),
    (["respiratory rate", "RR"], ["{v}", "{v} breaths per minute", "{v}/min"], 0, {"normal": (12, 19), "high": (26, 42)},
     {"high": ["The patient is tachypneic.", "The patient is breathing fast."], "normal": ["The patient's respiratory rate is normal."]}),
    (["SpO2", "O2 sat", "oxygen saturation", "sat", "pulse ox"], ["{v}% on room air", "{v}% RA", "{v}% on RA"], 0, {"low": (70, 88), "normal": (95, 100)},
     {"low": ["The patient is hypoxic.", "The patient has low oxygen saturation.", "The patient's oxygen level is low."],
      "normal": ["The patient's oxygen saturation is normal.", "The patient is not hypoxic."]}),
    (["glucose", "blood sugar", "BG", "fingerstick glucose", "POC glucose"], ["{v}", "{v} mg/dL"], 0, {"low": (22, 58), "normal": (75, 125), "high": (260, 640)},
     {"low": ["The patient is hypoglycemic.", "The patient has low blood sugar."], "high": ["The patient is hyperglycemic.", "The patient has high blood sugar."],
      "normal": ["The patient's blood sugar is normal."]}),
    (["potassium", "K", "K+", "serum potassium"], ["{v}", "{v} mmol/L", "{v} mEq/L"], 1, {"low": (2.0, 3.1), "normal": (3.6, 4.9), "high": (5.8, 8.0)},
     {"low": ["The patient has hypokalemia.", "The patient's potassium is low."], "high": ["The patient has hyperkalemia.", "The patient's potassium is high."],
      "normal": ["The patient's potassium is normal."]}),
    (["sodium", "Na", "serum sodium"], ["{v}", "{v} mmol/L", "{v} mEq/L"], 0, {"low": (110, 129), "normal": (136, 144), "high": (151, 170)},
     {"low": ["The patient has hyponatremia.", "The patient's sodium is low."], "high": ["The patient has hypernatremia.", "The patient's sodium is high."],
      "normal": ["The patient's sodium is normal."]}),
    (["hemoglobin", "Hgb", "Hb"], ["{v}", "{v} g/dL"], 1, {"low": (4.2, 8.9), "normal": (12.6, 16.8)},
     {"low": ["The patient is anemic.", "The patient has anemia.", "The patient has a low hemoglobin."], "normal": ["The patient is not anemic.", "The patient's hemoglobin is normal."]}),
    (["WBC", "white count", "white blood cell count", "leukocytes"], ["{v}", "{v} K/uL", "{v} x10^9/L"], 1, {"low": (0.4, 2.9), "normal": (4.6, 10.2), "high": (14.0, 38.0)},
     {"low": ["The patient has leukopenia.", "The white count is low."], "high": ["The patient has leukocytosis.", "The white count is elevated.", "The patient has an elevated white count."],
      "normal": ["The white blood cell count is normal."]}),
    (["platelets", "plt", "platelet count"], ["{v}", "{v} K/uL"], 0, {"low": (4, 85), "normal": (170, 390), "high": (620, 1100)},
     {"low": ["The patient is thrombocytopenic.", "The patient has a low platelet count."], "high": ["The patient has thrombocytosis.", "The platelet count is high."],
      "normal": ["The platelet count is normal."]}),
    (["creatinine", "Cr", "serum creatinine"], ["{v}", "{v} mg/dL"], 1, {"normal": (0.6, 1.1), "high": (2.4, 9.5)},
     {"high": ["The patient's kidney function is impaired.", "The patient's creatinine is elevated."], "normal": ["The patient's kidney function is normal.", "The patient's creatinine is normal."]}),
    (["INR"], ["{v}"], 1, {"normal": (0.9, 1.2), "high": (3.6, 9.5)},
     {"high": ["The patient's INR is elevated.", "The patient is coagulopathic."], "normal": ["The patient's INR is normal."]}),
    (["TSH"], ["{v}", "{v} mIU/L"], 1, {"low": (0.01, 0.1), "normal": (0.6, 3.9), "high": (12.0, 80.0)},
     {"low": ["The patient's TSH is suppressed."], "high": ["The patient's TSH is elevated.", "The patient has hypothyroidism."], "normal": ["The patient's thyroid function is normal."]}),
    (["HbA1c", "A1c", "hemoglobin A1c"], ["{v}%"], 1, {"normal": (4.5, 5.6), "high": (9.0, 14.5)},
     {"high": ["The patient's diabetes is poorly controlled.", "The patient's A1c is high."], "normal": ["The patient's A1c is normal."]}),
    (["lactate", "lactic acid"], ["{v}", "{v} mmol/L"], 1, {"normal": (0.5, 1.8), "high": (4.2, 14.0)},
     {"high": ["The patient's lactate is elevated."], "normal": ["The patient's lactate is normal."]}),
    (["total bilirubin", "T bili", "bilirubin"], ["{v}", "{v} mg/dL"], 1, {"normal": (0.2, 1.1), "high": (4.5, 24.0)},
     {"high": ["The patient has hyperbilirubinemia.", "The patient's bilirubin is elevated."], "normal": ["The patient's bilirubin is normal."]}),
    (["calcium", "Ca", "serum calcium"], ["{v}", "{v} mg/dL"], 1, {"low": (5.8, 7.8), "normal": (8.7, 10.1), "high": (11.8, 16.0)},
     {"low": ["The patient has hypocalcemia.", "The patient's calcium is low."], "high": ["The patient has hypercalcemia.", "The patient's calcium is high."],
      "normal": ["The patient's calcium is normal."]}),
    (["BMI", "body mass index"], ["{v}", "{v} kg/m2"], 1, {"low": (13.5, 17.4), "normal": (19.5, 24.5), "high": (35.0, 58.0)},
     {"low": ["The patient is underweight.", "The patient is thin."], "high": ["The patient is obese.", "The patient is morbidly obese."], "normal": ["The patient's weight is normal."]}),
    (["magnesium", "Mg"], ["{v}", "{v} mg/dL"], 1, {"low": (0.6, 1.3), "normal": (1.8, 2.4)},
     {"low": ["The patient has hypomagnesemia.", "The patient's magnesium is low."], "normal": ["The patient's magnesium is normal."]}),
]

# What an abnormal value does not establish: its cause, the treatment the patient is on, what comes next.
# Keyed by the first name of a RANGED analyte and the state; every hypothesis stays neutral against the value.
VALUE_CAUSES = {
    ("glucose", "high"): ["The patient has type 1 diabetes.", "The patient missed doses of insulin.", "The patient is on steroids.",
                          "The patient has pancreatitis."],
    ("glucose", "low"): ["The patient took too much glipizide.", "The patient has an insulinoma.", "The patient skipped meals."],
    ("creatinine", "high"): ["The patient received IV contrast.", "The patient has polycystic kidney disease.", "The patient is on dialysis.",
                             "The patient takes ibuprofen daily.", "The patient has a urinary obstruction."],
    ("hemoglobin", "low"): ["The patient has a GI bleed.", "The patient has iron deficiency.", "The patient has colon cancer.",
                            "The patient received a transfusion."],
    ("WBC", "high"): ["The patient has pneumonia.", "The patient is taking prednisone.", "The patient has leukemia.",
                      "The patient has a urinary tract infection."],
    ("WBC", "low"): ["The patient is receiving chemotherapy.", "The patient has HIV."],
    ("SpO2", "low"): ["The patient has pulmonary fibrosis.", "The patient has a pneumothorax.", "The patient has a pulmonary embolism.",
                      "The patient uses home oxygen."],
    ("heart rate", "high"): ["The patient has hyperthyroidism.", "The patient is septic.", "The patient is in atrial flutter.",
                             "The patient is dehydrated."],
    ("heart rate", "low"): ["The patient takes metoprolol.", "The patient needs a pacemaker.", "The patient is an athlete."],
    ("respiratory rate", "high"): ["The patient will be admitted to the ICU.", "The patient has an asthma exacerbation.",
                                   "The patient has metabolic acidosis."],
    ("potassium", "high"): ["The patient takes spironolactone.", "The patient's sample was hemolyzed.", "The patient has renal failure."],
    ("potassium", "low"): ["The patient takes furosemide.", "The patient has been vomiting."],
    ("sodium", "low"): ["The patient has SIADH.", "The patient drinks a lot of beer.", "The patient takes hydrochlorothiazide."],
    ("sodium", "high"): ["The patient has diabetes insipidus.", "The patient has limited access to water."],
    ("platelets", "low"): ["The patient has heparin-induced thrombocytopenia.", "The patient has cirrhosis.", "The patient has ITP."],
    ("INR", "high"): ["The patient takes warfarin.", "The patient has liver failure.", "The patient is bleeding."],
    ("TSH", "high"): ["The patient had a thyroidectomy.", "The patient has Hashimoto thyroiditis.", "The patient takes levothyroxine."],
    ("TSH", "low"): ["The patient has Graves disease.", "The patient takes too much levothyroxine."],
    ("HbA1c", "high"): ["The patient is on metformin.", "The patient has diabetic retinopathy.", "The patient uses an insulin pump."],
    ("lactate", "high"): ["The patient is septic.", "The patient has mesenteric ischemia.", "The patient had a seizure."],
    ("calcium", "high"): ["The patient has a parathyroid adenoma.", "The patient has multiple myeloma."],
    ("total bilirubin", "high"): ["The patient has gallstones.", "The patient has hepatitis C.", "The patient drinks alcohol heavily."],
    ("BMI", "high"): ["The patient has obstructive sleep apnea.", "The patient had bariatric surgery."],
    ("temperature", "high"): ["The patient has influenza.", "The patient has a urinary tract infection.", "The patient was given acetaminophen."],
}

# The long tail (stop 33): a few hundred more condition abbreviations, note shorthand, drug groups,
# operations, patient states and analytes (lexicon_broad.py, written for clinlm), appended so that the
# indices above (DRUG_CLASS_HYPS, DRUG_INDICATIONS) keep naming the same entries. The entries above are
# the few dozen terms every note uses; notes name many more, and each one the model has never seen in
# a pair is a fact it cannot know.
from . import lexicon_broad as _broad  # noqa: E402

ABBREVIATIONS = {**ABBREVIATIONS, **_broad.ABBREVIATIONS_MORE}
# Abbreviations whose conditions overlap or imply one another ("HFrEF" is heart failure): never
# paired with each other as neutral.
ABBREVIATION_FAMILIES = _broad.ABBREVIATION_FAMILIES
SHORTHAND = SHORTHAND + _broad.SHORTHAND_MORE
DRUGS = DRUGS + _broad.DRUGS_MORE
PROCEDURES = PROCEDURES + _broad.PROCEDURES_MORE
STATUS = STATUS + _broad.STATUS_MORE
RANGED = RANGED + _broad.RANGED_MORE


def drug_implies(i: int) -> str:
    """Everything DRUGS entry i is taken to say: its hypotheses, class names and indication."""
    return " ".join(DRUGS[i][1] + DRUG_CLASS_HYPS.get(i, []) + [DRUG_INDICATIONS.get(i, "")])
