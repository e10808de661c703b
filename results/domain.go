package results

// biomedShareForDomain is the share of biomedical pretraining tokens at or
// above which a model without clinical tokens counts as biomedical. T5's
// 0.5B biomedical tokens out of 34.5B (1.4%) are incidental web text; SciFive's
// 14B of 48B (29%) are deliberate PubMed pretraining.
const biomedShareForDomain = 0.10

// DomainFromTokens classifies a model by its pretraining tokens per domain:
// clinical if it saw any clinical tokens (the paper counts DAPT and mixed
// models such as BioClinRoBERTa and GatorTron as clinical), biomedical if
// at least 10% of its tokens are biomedical, general otherwise. decided is
// false when the make-up is undisclosed ("?"), as for GPT-3.
func DomainFromTokens(t ByDomain) (d Domain, decided bool) {
	for _, q := range []Quantity{t.General, t.Biomed, t.Clinical} {
		if q.Printed == printedUndisclosed {
			return "", false
		}
	}
	if t.Clinical.Float() > 0 {
		return DomainClinical, true
	}
	total := t.General.Float() + t.Biomed.Float()
	if total > 0 && t.Biomed.Float()/total >= biomedShareForDomain {
		return DomainBiomedical, true
	}
	return DomainGeneral, true
}
