package results

import "errors"

// The cost model of §4.1 (after Kaplan et al. 2020). P is a parameter count,
// T a token count, w a tokenizer weight (tokens of this tokenizer per clinical
// token: w_c = 1.0, w_g ≈ 1.12). All results are FLOPs.

// TrainingFLOPs is Eq. (1): C_t(P, T) = 6PT.
func TrainingFLOPs(params, tokens float64) float64 { return 6 * params * tokens }

// InferenceFLOPs is Eq. (2): C_i(P, T) = 2PT.
func InferenceFLOPs(params, tokens float64) float64 { return 2 * params * tokens }

// ModelCost is Eq. (3): the cost of pretraining on tPretrain tokens,
// finetuning on tFinetune and running inference on tInference, each scaled by
// the tokenizer weight w: 6Pw(T_pt + T_ft) + 2PwT_i.
func ModelCost(params, tInference, tPretrain, tFinetune, w float64) float64 {
	return TrainingFLOPs(params, w*tPretrain) + TrainingFLOPs(params, w*tFinetune) + InferenceFLOPs(params, w*tInference)
}

// ClinicalCost is Eq. (4): a clinical model pretrained on tPretrain clinical
// tokens, C_c = 6 P_c w_c (T_pt + T_ft) + 2 P_c w_c T_i.
func ClinicalCost(pClinical, tPretrain, tFinetune, tInference, wClinical float64) float64 {
	return ModelCost(pClinical, tInference, tPretrain, tFinetune, wClinical)
}

// GeneralCost is Eq. (5): an off-the-shelf general model whose pretraining
// is free to the user (T_pt = 0), C_g = 6 P_g w_g T_ft + 2 P_g w_g T_i.
func GeneralCost(pGeneral, tFinetune, tInference, wGeneral float64) float64 {
	return ModelCost(pGeneral, tInference, 0, tFinetune, wGeneral)
}

// BreakEvenInputs are the inputs of Eq. (6).
type BreakEvenInputs struct {
	PClinical float64 `json:"p_clinical"` // parameters of the clinical model (P_c)
	PGeneral  float64 `json:"p_general"`  // parameters of the general model (P_g)
	TPretrain float64 `json:"t_pretrain"` // clinical pretraining tokens (T_pt)
	TFinetune float64 `json:"t_finetune"` // finetuning tokens (T_ft)
	WClinical float64 `json:"w_clinical"` // clinical tokenizer weight (w_c)
	WGeneral  float64 `json:"w_general"`  // general tokenizer weight (w_g)
}

// ErrNoBreakEven means the general model is no more expensive per inference
// token than the clinical one (w_g P_g ≤ w_c P_c), so the clinical model's
// pretraining is never recovered.
var ErrNoBreakEven = errors.New("results: no break-even: the general model costs no more per inference token")

// BreakEven is Eq. (6): the inference tokens T_i at which the clinical and
// general models cost the same (Eq. 4 = Eq. 5),
//
//	T_i = 3[w_c P_c (T_pt + T_ft) − w_g P_g T_ft] / (w_g P_g − w_c P_c).
//
// Past T_i the cheaper inference of the smaller clinical model has paid for
// its pretraining.
func BreakEven(in BreakEvenInputs) (float64, error) {
	den := in.WGeneral*in.PGeneral - in.WClinical*in.PClinical
	if den <= 0 {
		return 0, ErrNoBreakEven
	}
	return 3 * (in.WClinical*in.PClinical*(in.TPretrain+in.TFinetune) - in.WGeneral*in.PGeneral*in.TFinetune) / den, nil
}

// BreakEvenInputs builds Eq. (6)'s inputs from the paper's comparison
// (Clinical-T5-Large vs T5-XL, finetuning ignored). weighted applies the
// tokenizer weight w_g = 1.12; unweighted sets w_g = w_c, which is the
// reading that reproduces the paper's "∼40B".
func (c CostInputs) BreakEvenInputs(weighted bool) BreakEvenInputs {
	wg := c.WGeneral
	if !weighted {
		wg = c.WClinical
	}
	return BreakEvenInputs{
		PClinical: c.ParamsClinical,
		PGeneral:  c.ParamsGeneral,
		TPretrain: c.TokensPretrainClin,
		TFinetune: c.TokensFinetune,
		WClinical: c.WClinical,
		WGeneral:  wg,
	}
}

// YearsToRecover is how long a site producing tokensPerYear clinical tokens
// (UF Health: ∼15B) takes to run breakEvenTokens through the model once.
func YearsToRecover(breakEvenTokens, tokensPerYear float64) (float64, error) {
	if tokensPerYear <= 0 {
		return 0, errors.New("results: tokens per year must be positive")
	}
	return breakEvenTokens / tokensPerYear, nil
}
