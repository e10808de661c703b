package server

// demoSample is one synthetic note of a demo gallery. Every sample was written
// by the clinlm authors for the demos: no real patient, no MIMIC, MedNLI,
// RadQA or CLIP text (their licences forbid showing them publicly).
type demoSample struct {
	ID, Title string
	// Values are the task input fields: premise/hypothesis (nli),
	// context/question (qa) or text (clip).
	Values map[string]string
	// Want is what a clinician answers; TestDemoGalleryAnswers holds each
	// page's default model to it.
	Want demoWant
}

// demoWant is a sample's expected answer, for its task.
type demoWant struct {
	// Label is the NLI label.
	Label string
	// Answers are the accepted QA answers, each a span of the report
	// (compared after SQuAD normalisation); none means the report does not
	// answer the question.
	Answers []string
	// Sentences are the CLIP labels of each sentence of the note, in the
	// engine's sentence order. Every plain label must be predicted; a label
	// ending in "?" may be predicted or not (the sentence fits either
	// reading); no other label may be; and a sentence with any label listed
	// must get at least one.
	Sentences [][]string
}

// demoSamples lists each task's gallery.
func demoSamples(task string) []demoSample {
	switch task {
	case "nli":
		return []demoSample{
			{"chest-pain", "Chest pain, troponin negative", map[string]string{
				"premise":    "The patient is a 58-year-old man presenting with two hours of substernal chest pressure. Serial troponins were negative and the ECG showed no ST changes.",
				"hypothesis": "The patient had a myocardial infarction.",
			}, demoWant{Label: "contradiction"}},
			{"afebrile", "Afebrile on admission", map[string]string{
				"premise":    "On arrival she was afebrile, T 36.8 C, HR 88, BP 132/76, satting 97% on room air.",
				"hypothesis": "The patient has a normal temperature.",
			}, demoWant{Label: "entailment"}},
			{"dka", "New diabetic ketoacidosis", map[string]string{
				"premise":    "19-year-old woman with no past medical history presented with polyuria, vomiting and a glucose of 512 mg/dL; anion gap 24, beta-hydroxybutyrate elevated.",
				"hypothesis": "The patient has a history of type 1 diabetes.",
			}, demoWant{Label: "contradiction"}},
			{"denies-sob", "Denies shortness of breath", map[string]string{
				"premise":    "He reports a productive cough for five days but denies shortness of breath, fevers or chills.",
				"hypothesis": "The patient is dyspneic.",
			}, demoWant{Label: "contradiction"}},
			{"anticoag", "Warfarin and a high INR", map[string]string{
				"premise":    "Home medications include warfarin 5 mg daily for atrial fibrillation; INR on admission was 4.7 and warfarin was held.",
				"hypothesis": "The patient takes an anticoagulant at home.",
			}, demoWant{Label: "entailment"}},
			{"post-op", "Post-operative day two", map[string]string{
				"premise":    "s/p laparoscopic cholecystectomy POD#2, tolerating a regular diet, pain controlled on oral acetaminophen.",
				"hypothesis": "The patient is unable to eat.",
			}, demoWant{Label: "contradiction"}},
		}
	case "qa":
		return []demoSample{
			{"ct-head", "CT head: subdural hematoma", map[string]string{
				"context":  "EXAM: CT head without contrast.\nFINDINGS: There is a 9 mm left frontoparietal subdural hematoma with 4 mm of rightward midline shift. No intraventricular extension. The basal cisterns are patent. No calvarial fracture.\nIMPRESSION: Acute left subdural hematoma with mild mass effect.",
				"question": "How large is the subdural hematoma?",
			}, demoWant{Answers: []string{"9 mm"}}},
			{"cxr", "Chest X-ray: effusion", map[string]string{
				"context":  "CHEST, PA AND LATERAL.\nFINDINGS: Moderate right pleural effusion with adjacent compressive atelectasis. The left lung is clear. Heart size is mildly enlarged. No pneumothorax.\nIMPRESSION: Moderate right pleural effusion. Mild cardiomegaly.",
				"question": "Which side is the pleural effusion on?",
			}, demoWant{Answers: []string{"right", "right pleural effusion", "Moderate right pleural effusion"}}},
			{"abd-us", "Abdominal ultrasound: gallstones", map[string]string{
				"context":  "RIGHT UPPER QUADRANT ULTRASOUND.\nFINDINGS: The gallbladder contains multiple mobile shadowing stones, the largest 1.4 cm. The gallbladder wall measures 5 mm with pericholecystic fluid. Sonographic Murphy sign was positive. The common bile duct measures 4 mm.\nIMPRESSION: Findings consistent with acute calculous cholecystitis.",
				"question": "What is the diameter of the common bile duct?",
			}, demoWant{Answers: []string{"4 mm"}}},
			{"ct-pe", "CT angiogram: pulmonary embolism", map[string]string{
				"context":  "CTA CHEST.\nFINDINGS: Filling defects in the right lower lobe segmental and subsegmental pulmonary arteries. The RV/LV ratio is 0.8. No pulmonary infarct. Small hiatal hernia.\nIMPRESSION: Right lower lobe pulmonary emboli without CT evidence of right heart strain.",
				"question": "Is there evidence of right heart strain?",
			}, demoWant{Answers: []string{"without CT evidence of right heart strain", "The RV/LV ratio is 0.8"}}},
			{"mri-knee", "MRI knee: meniscal tear", map[string]string{
				"context":  "MRI LEFT KNEE WITHOUT CONTRAST.\nFINDINGS: Oblique tear of the posterior horn of the medial meniscus extending to the inferior articular surface. The cruciate and collateral ligaments are intact. Small joint effusion. Mild chondral thinning of the medial femoral condyle.\nIMPRESSION: Medial meniscal tear.",
				"question": "Which meniscus is torn?",
			}, demoWant{Answers: []string{"medial meniscus", "posterior horn of the medial meniscus", "medial", "Medial meniscal tear"}}},
		}
	case "clip":
		return []demoSample{
			{"chf", "Heart failure discharge", map[string]string{"text": "DISCHARGE INSTRUCTIONS:\n" +
				"You were admitted for a heart failure exacerbation and treated with IV furosemide. " +
				"Please weigh yourself every morning and call your cardiologist if you gain more than 3 lbs in one day. " +
				"Start furosemide 40 mg by mouth twice daily. Stop taking amlodipine. " +
				"Follow up with Dr. Alvarez in cardiology clinic on Tuesday at 10:30 am. " +
				"Please have a basic metabolic panel drawn on Monday to check your potassium and kidney function. " +
				"Limit salt to 2 g per day and fluids to 1.5 L per day."}, demoWant{Sentences: [][]string{
				{},
				{},
				{"patient instructions"},
				{"medication"},
				{"medication"},
				{"appointment"},
				{"lab"},
				{"patient instructions"},
			}}},
			{"pneumonia", "Pneumonia discharge", map[string]string{"text": "Brief hospital course: 72F with community-acquired pneumonia treated with ceftriaxone and azithromycin, transitioned to oral antibiotics on hospital day 3.\n" +
				"1. Continue cefpodoxime 200 mg PO BID for 4 more days.\n" +
				"2. Repeat chest X-ray in 6 weeks to confirm resolution of the right lower lobe opacity.\n" +
				"3. PCP follow-up within 1 week; the office will call you with a time.\n" +
				"4. Return to the ED for fever > 101 F, worsening shortness of breath or confusion."}, demoWant{Sentences: [][]string{
				{},
				{"medication"},
				{"imaging"},
				{"appointment"},
				{"patient instructions"},
			}}},
			{"gi-bleed", "GI bleed discharge", map[string]string{"text": "Discharge summary. Pt admitted with melena and Hgb 6.8, transfused 2 units pRBC. " +
				"EGD showed a clean-based gastric ulcer. " +
				"Take pantoprazole 40 mg twice daily for 8 weeks, then once daily. " +
				"Avoid ibuprofen, naproxen and other NSAIDs. " +
				"CBC to be checked at your PCP visit next week. " +
				"Repeat EGD in 8 weeks to document healing; GI will schedule. " +
				"H. pylori serology is pending at discharge and should be followed up by your PCP."}, demoWant{Sentences: [][]string{
				{},
				{},
				{},
				{"medication"},
				{"medication", "patient instructions?"},
				{"lab", "appointment?"},
				{"procedure", "appointment?"},
				{"lab"},
			}}},
			{"hip-fracture", "Hip fracture discharge", map[string]string{"text": "Discharge instructions: you had surgery (hemiarthroplasty) for a left hip fracture. " +
				"Weight bearing as tolerated with a walker. " +
				"Enoxaparin 40 mg subcutaneously once daily for 4 weeks to prevent blood clots. " +
				"Staples to be removed at the orthopedic clinic in 14 days; appointment on 3/14 at 9:00 am. " +
				"Physical therapy at the rehabilitation facility 5 times per week. " +
				"Vitamin D level was low (14 ng/mL); start cholecalciferol 2000 units daily."}, demoWant{Sentences: [][]string{
				{},
				{"patient instructions", "other?"},
				{"medication"},
				{"appointment", "procedure"},
				{"other", "patient instructions?"},
				{"medication"},
			}}},
			{"stroke", "Stroke discharge", map[string]string{"text": "HOSPITAL COURSE: 66M with acute left MCA ischemic stroke, outside the window for thrombolysis. " +
				"MRI brain confirmed a small left frontal infarct. " +
				"Start aspirin 81 mg daily and atorvastatin 80 mg nightly. " +
				"Outpatient transthoracic echocardiogram and 30-day event monitor to look for atrial fibrillation. " +
				"Neurology clinic in 4-6 weeks. " +
				"Check fasting lipids and HbA1c in 3 months. " +
				"Do not drive until cleared by neurology."}, demoWant{Sentences: [][]string{
				{},
				{},
				{},
				{"medication"},
				{"imaging", "procedure?", "other?"},
				{"appointment"},
				{"lab"},
				{"patient instructions"},
			}}},
		}
	}
	return nil
}
