#!/usr/bin/env python3
"""Source of inference/tokenizer/testdata/parity/hard_cases.jsonl, the hand-written parity cases.

Each case is (name, text) or (name, text, pair). The cases target the places where tokenizer
implementations usually diverge: Unicode normalization, scripts without spaces, emoji
sequences, control and space characters, special-token strings inside text, clinical
shorthand, very long words and edge-case lengths. Writing them here as Python literals keeps
escapes readable; the committed JSONL is what tests read.

    python3 tools/hard_cases.py            # rewrite the JSONL
    python3 tools/hard_cases.py --check    # exit 1 when the JSONL is stale
"""

from __future__ import annotations

import argparse
import json
import os
import sys

CASES: list[tuple[str, ...]] = [
    # --- Unicode normalization forms -----------------------------------------------------------
    ("nfc-e-precomposed", "caf\u00e9 r\u00e9sum\u00e9 na\u00efve"),
    ("nfd-e-combining", "cafe\u0301 re\u0301sume\u0301 nai\u0308ve"),
    ("nfc-vs-nfd-same-line", "caf\u00e9 vs cafe\u0301"),
    ("angstrom-sign", "\u212b vs \u00c5 vs A\u030a: 3 \u212b resolution"),
    ("ohm-kelvin-signs", "R = 5 \u2126, T = 300 \u212a"),
    ("fi-ligature", "\ufb01nding of \ufb02uid; e\ufb03cacy"),
    ("fullwidth-latin", "\uff26\uff4f\uff4f \uff22\uff41\uff52 \uff11\uff12\uff13"),
    ("fullwidth-punct", "\uff08note\uff09\uff1a dose\uff0c\uff01\uff1f"),
    ("superscripts-fractions", "x\u00b2 + y\u00b3 = \u00bd mg, \u00bc tab, 10\u2076 cells, m\u00b2"),
    ("roman-numeral-chars", "Stage \u2162 and \u216b o'clock"),
    ("circled-digits", "\u2460 first \u2461 second \u2473"),
    ("micro-sign", "5 \u00b5g vs 5 \u03bcg"),
    ("long-s-and-dotless-i", "\u017ftrong \u0131stanbul \u0130stanbul"),
    ("german-sharp-s", "Stra\u00dfe STRASSE \u1e9e"),
    ("turkish-case", "D\u0130YARBAKIR diyarbak\u0131r"),
    ("greek-final-sigma", "\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3 \u03bf\u03b4\u03c5\u03c3\u03c3\u03b5\u03cd\u03c2"),
    ("hangul-jamo-decomposed", "\u1112\u1161\u11ab\u1100\u1173\u11af vs \ud55c\uae00"),
    ("compatibility-units", "\u3395 \u339c \u33a1 \u2103 \u2109"),
    ("accented-capitals", "\u00c9COLE \u00c0 \u00d1and\u00fa \u00d8resund \u0141\u00f3d\u017a"),
    ("vietnamese-stacked", "Vi\u1ec7t Nam ti\u1ebfng Vi\u00ea\u0323t"),
    # --- combining marks ---------------------------------------------------------------------
    ("combining-stack", "a\u0301\u0302\u0303\u0304 z\u0336\u0337"),
    ("combining-at-start", "\u0301leading combining mark"),
    ("combining-alone", "\u0308"),
    ("combining-after-space", "word \u0301 word"),
    ("zalgo", "h\u0335\u0321\u031be\u0334\u0358l\u0337l\u0338o\u0335"),
    ("variation-selectors", "\u2764\ufe0f \u2764\ufe0e \u263a\ufe0f"),
    # --- scripts -----------------------------------------------------------------------------
    ("cjk-chinese", "\u75c5\u4eba\u51fa\u73b0\u53d1\u70ed\u548c\u54b3\u55fd\u3002"),
    ("cjk-mixed-latin", "\u60a3\u8005\u670d\u7528aspirin 100mg\u540e\u597d\u8f6c"),
    ("cjk-japanese", "\u60a3\u8005\u306f\u30a2\u30b9\u30d4\u30ea\u30f3\u3092\u670d\u7528\u3057\u305f\u3002"),
    ("cjk-halfwidth-katakana", "\uff76\uff80\uff76\uff85 \uff8a\uff9f\uff9d"),
    ("cjk-korean", "\ud658\uc790\ub294 \ub450\ud1b5\uc744 \ud638\uc18c\ud588\ub2e4."),
    ("cjk-ext-b", "\U00020000\U0002a6d6 rare ideographs"),
    ("cjk-compat-ideograph", "\uf900\uf901 \u2f00"),
    ("thai", "\u0e1c\u0e39\u0e49\u0e1b\u0e48\u0e27\u0e22\u0e21\u0e35\u0e44\u0e02\u0e49\u0e2a\u0e39\u0e07"),
    ("arabic", "\u0627\u0644\u0645\u0631\u064a\u0636 \u064a\u0639\u0627\u0646\u064a \u0645\u0646 \u0627\u0644\u062d\u0645\u0649"),
    ("arabic-harakat", "\u0643\u064e\u062a\u064e\u0628\u064e \u0627\u0644\u0637\u0651\u0628\u0651"),
    ("hebrew-rtl-mixed", "\u05d7\u05d5\u05dd 38.5 \u05de\u05e2\u05dc\u05d5\u05ea"),
    ("devanagari", "\u0930\u094b\u0917\u0940 \u0915\u094b \u092c\u0941\u0916\u093e\u0930 \u0939\u0948"),
    ("devanagari-conjuncts", "\u0915\u094d\u0937 \u0924\u094d\u0930 \u091c\u094d\u091e \u0936\u094d\u0930"),
    ("tamil", "\u0ba8\u0bcb\u0baf\u0bbe\u0bb3\u0bbf\u0b95\u0bcd\u0b95\u0bc1 \u0b95\u0bbe\u0baf\u0bcd\u0b9a\u0bcd\u0b9a\u0bb2\u0bcd"),
    ("cyrillic", "\u041f\u0430\u0446\u0438\u0435\u043d\u0442 \u0436\u0430\u043b\u0443\u0435\u0442\u0441\u044f \u043d\u0430 \u0431\u043e\u043b\u044c"),
    ("greek-medical", "\u03b2-blocker, \u03b1-fetoprotein, \u0394T, \u03bcmol/L"),
    ("ethiopic-armenian-georgian", "\u1230\u120b\u121d \u0532\u0561\u0580\u0587 \u10d2\u10d0\u10db\u10d0\u10e0\u10ef\u10dd\u10d1\u10d0"),
    ("mixed-scripts", "Patient \u60a3\u8005 \u041f\u0430\u0446\u0438\u0435\u043d\u0442 \u0645\u0631\u064a\u0636 \u0930\u094b\u0917\u0940"),
    # --- emoji ---------------------------------------------------------------------------------
    ("emoji-simple", "pain \U0001f622 better \U0001f600"),
    ("emoji-zwj-family", "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 family"),
    ("emoji-zwj-doctor", "\U0001f469\u200d\u2695\ufe0f and \U0001f9d1\u200d\U0001f52c"),
    ("emoji-skin-tones", "\U0001f44d\U0001f3fb \U0001f44d\U0001f3ff \U0001f44b\U0001f3fd"),
    ("emoji-flags", "\U0001f1fa\U0001f1f8 \U0001f1ec\U0001f1e7 \U0001f1ef\U0001f1f5"),
    ("emoji-keycap", "1\ufe0f\u20e3 #\ufe0f\u20e3"),
    ("emoji-tag-sequence", "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f scotland"),
    ("emoji-only", "\U0001f48a\U0001f489\U0001fa7a\U0001f3e5"),
    ("emoji-glued", "fever\U0001f525\U0001f525\U0001f525cough"),
    # --- control characters ---------------------------------------------------------------------
    ("tab", "BP\t120/80\tHR\t72"),
    ("crlf", "line one\r\nline two\r\n"),
    ("cr-only", "old\rmac\rnewlines"),
    ("nul", "before\x00after"),
    ("unit-separator", "field\x1frecord\x1e"),
    ("delete", "typo\x7fcorrected"),
    ("c1-controls", "text\x85next\x9fend"),
    ("bell-backspace-escape", "ring\x07back\x08esc\x1b[0m"),
    ("form-feed-vertical-tab", "page\x0cbreak\x0bvt"),
    ("only-controls", "\x00\x01\x02\x1f\x7f"),
    ("bom", "\ufeffstarts with a byte order mark"),
    ("replacement-char", "bad \ufffd byte \ufffd\ufffd"),
    ("private-use", "\ue000\uf8ff \U000f0000"),
    ("noncharacters", "a\ufdd0b\uffffc"),
    # --- space characters --------------------------------------------------------------------
    ("nbsp", "5\u00a0mg\u00a0daily"),
    ("narrow-nbsp", "10\u202fmL"),
    ("en-em-spaces", "a\u2002b\u2003c\u2004d\u2005e"),
    ("thin-hair-spaces", "x\u2009y\u200az"),
    ("figure-punct-spaces", "1\u20072\u20083"),
    ("ideographic-space", "\u60a3\u8005\u3000\u767a\u71b1"),
    ("ogham-space", "a\u1680b"),
    ("line-para-separators", "one\u2028two\u2029three"),
    ("next-line", "one\u0085two"),
    ("zero-width-space", "zero\u200bwidth\u200bspace"),
    ("zwnj-zwj", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 a\u200db"),
    ("word-joiner-soft-hyphen", "hyper\u00adtension non\u2060breaking"),
    ("mongolian-vowel-separator", "a\u180eb"),
    ("leading-trailing-spaces", "   padded text   "),
    ("many-internal-spaces", "word          word"),
    ("mixed-whitespace-run", " \t\n\r\u00a0\u3000 x \u2003\t"),
    # --- lengths -----------------------------------------------------------------------------
    ("empty", ""),
    ("single-space", " "),
    ("whitespace-only", " \t \n  "),
    ("newlines-only", "\n\n\n"),
    ("single-letter", "a"),
    ("single-digit", "7"),
    ("single-punct", "."),
    ("single-cjk", "\u75c5"),
    ("long-word-1000", "a" * 1000),
    ("long-word-mixed-1200", "pneumonoultramicroscopicsilicovolcanoconiosis" * 27),
    ("long-word-101", "x" * 101),
    ("long-word-100", "y" * 100),
    ("long-word-99", "z" * 99),
    ("long-word-unicode", "\u00e9" * 150),
    ("long-cjk-run", "\u75c5\u4eba" * 300),
    ("long-number", "3141592653589793238462643383279502884197169399375105820974944592307816406286"),
    ("long-number-grouped", "1,234,567,890,123,456.789012 and 1 000 000"),
    ("long-punct-run", "!" * 300),
    ("long-dash-line", "-" * 80 + "\nFINDINGS\n" + "=" * 80),
    ("long-spaces", "a" + " " * 500 + "b"),
    # --- special-token strings inside text --------------------------------------------------------
    ("bert-specials-mid", "The [CLS] token and [SEP] token appear [MASK] here."),
    ("bert-specials-glued", "x[CLS]y[SEP]z[PAD][UNK]"),
    ("bert-specials-lower", "[cls] [sep] [mask] lowercase variants"),
    ("roberta-specials-mid", "Sentence <s> with </s> inside and <mask> too."),
    ("roberta-specials-glued", "<s>start</s><pad><unk><mask>end"),
    ("t5-specials-mid", "translate <pad> this </s> and <unk> now"),
    ("t5-sentinels", "fill <extra_id_0> and <extra_id_1> then <extra_id_99>"),
    ("gpt2-endoftext", "first doc<|endoftext|>second doc"),
    ("special-at-edges", "[SEP]"),
    ("special-only-mask", "<mask>"),
    ("special-with-spaces", "  <mask>  and  [MASK]  "),
    ("special-partial", "[CL S] <mas k> </ s> [SEP"),
    ("special-repeated", "<mask><mask><mask> [MASK][MASK]"),
    ("special-in-pair", "Premise with [SEP] inside.", "Hypothesis with </s> and <s> inside."),
    # --- clinical text ---------------------------------------------------------------------------
    ("clin-glucose", "Glucose 126 mg/dL, HbA1c 7.5%, creatinine 1.2 mg/dL."),
    ("clin-dosing", "Metoprolol 25 mg PO b.i.d., ASA 81mg qd, lisinopril 10mg q.d. x 30d"),
    ("clin-history", "72 yo M s/p CABG x3 (2015), h/o CHF w/ EF 35%, DM2, HTN"),
    ("clin-vitals", "T 38.2C, HR 110, BP 120/80, RR 22, SpO2 94% on 2L NC"),
    ("clin-shorthand", "pt c/o SOB x3d, denies CP/N/V, +DOE, -orthopnea"),
    ("clin-icd", "ICD-10 I21.4, E11.9, J18.9; ICD-9 410.71 and V45.81"),
    ("clin-deid", "[**Name**] was seen by Dr. [**Last Name (NamePattern1) 1234**] on [**2150-3-12**]."),
    ("clin-deid-glued", "[**Hospital1 18**][**Telephone/Fax (1) 3240**]"),
    ("clin-labs-table", "Na 138 K 4.1 Cl 102 HCO3 24 BUN 18 Cr 0.9 Glu 143\nWBC 11.2* Hgb 9.8* Plt 245"),
    ("clin-units", "10\u00b3/\u00b5L, 5 mmol/L, 37 \u00b0C, 98.6\u00b0F, 2.5 cm \u00d7 3.1 cm"),
    ("clin-ranges", "K+ 3.5-5.0 mEq/L; INR 2.0\u20133.0; PSA <4.0 ng/mL; troponin >0.04"),
    ("clin-arrows", "Hgb \u2193 from 12 \u2192 9; WBC \u2191; \u2191\u2191 LFTs"),
    ("clin-med-list", "1. Aspirin 81 mg daily\n2. Atorvastatin 40 mg qhs\n3. Metformin 500 mg BID"),
    ("clin-sections", "HPI:\nCC: chest pain.\nROS: neg.\nA/P: ACS r/o, serial trops."),
    ("clin-allcaps", "IMPRESSION: NO ACUTE CARDIOPULMONARY PROCESS. STABLE CARDIOMEGALY."),
    ("clin-radiology", "1.2 x 0.8 cm RUL nodule, unchanged since 03/14/2019. No PTX/effusion."),
    ("clin-iu-xxxx", "There are no XXXX of a pleural effusion. Normal chest x-XXXX."),
    ("clin-gene-names", "BRCA1/2, HER-2/neu (3+), EGFR T790M, KRAS G12C, TP53"),
    ("clin-dates-times", "Admitted 2019-03-14 at 14:35; d/c 3/18/19 @ 0900h"),
    ("clin-gcs", "GCS 15 (E4V5M6), NIHSS 0, mRS 1"),
    ("clin-hyphens", "post-op day #2, non-ST-elevation MI, 5-FU, anti-PD-1"),
    ("clin-plus-minus", "\u00b1 edema, +/- fever, 2+ pitting, 1+ DTRs"),
    ("clin-question", "Is it safe to take ibuprofen 400mg with warfarin?", "Can NSAIDs be combined with anticoagulants?"),
    ("clin-nli", "Patients with ANC < 1,500/mm\u00b3 were excluded.", "Neutropenic patients were eligible."),
    # --- URLs, emails and paths -------------------------------------------------------------------
    ("url-https", "See https://www.ncbi.nlm.nih.gov/pmc/articles/PMC2752805/ for details."),
    ("url-query", "http://example.org/search?q=sepsis&lang=en#results"),
    ("email", "Contact dr.smith+clinic@hospital.example.org today."),
    ("doi", "DOI:10.1371/journal.pone.0007211"),
    ("file-path", "C:\\Users\\pt\\notes.txt and /var/log/syslog"),
    ("hashtag-mention", "#sepsis @ICU_team"),
    # --- apostrophes and contractions --------------------------------------------------------------
    ("contractions-ascii", "He's fine, they're here, I'm sure it's not, we've, you'll, I'd, don't, can't, won't"),
    ("contractions-upper", "HE'S DON'T THEY'RE I'M WE'VE YOU'LL I'D"),
    ("contractions-curly", "He\u2019s fine, they\u2019re here, don\u2019t, it\u2019s"),
    ("possessives", "Parkinson's disease, Crohn's, the patients' charts, Hashimoto\u2019s"),
    ("quotes-mixed", "\"quoted\" \u201ccurly\u201d \u2018single\u2019 \u00abguillemets\u00bb `back`"),
    ("apostrophe-alone", "' '' ''' \u2019"),
    ("apostrophe-s-edge", "'s 't 're 've 'm 'll 'd"),
    # --- punctuation ---------------------------------------------------------------------------
    ("repeated-punct", "What?!?! No... really??? Yes!!!"),
    ("ellipsis-char", "wait\u2026 and\u2026\u2026"),
    ("dashes", "a-b a\u2010b a\u2011b a\u2012b a\u2013b a\u2014b a\u2015b a\u2212b"),
    ("brackets", "(a) [b] {c} <d> \u27e8e\u27e9 \u3010f\u3011"),
    ("math-symbols", "x \u2264 5, y \u2265 3, z \u2260 0, \u221a2, \u2211, \u221e"),
    ("currency", "$100, \u20ac50, \u00a330, \u00a5500, \u20b9200"),
    ("ascii-art", "<-- --> <==> ||| ~~~ ^^^ ***"),
    ("symbols-all-ascii", "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
    ("punct-between-digits", "3.14 3,14 1/2 10:30 1-2 2^3 4*5"),
    # --- case and digits ---------------------------------------------------------------------------
    ("mixed-case", "tHiS iS mIxEd CaSe and CamelCase and iPhone and McDonald"),
    ("all-caps-acronyms", "COPD CHF CKD ESRD ARDS NSTEMI"),
    ("digits-letters", "abc123def 4x4 COVID19 SARS-CoV-2 H1N1 B12"),
    ("decimals-signs", "-0.5 +3.2e-4 1e10 .5 5."),
    ("ordinals", "1st 2nd 3rd 4th 21st 102nd"),
    ("percent-permille", "50% 5\u2030 0.5 %"),
    # --- pairs ----------------------------------------------------------------------------------
    ("pair-empty-second", "Only the first sequence has text.", ""),
    ("pair-empty-first", "", "Only the second sequence has text."),
    ("pair-both-empty", "", ""),
    ("pair-whitespace", "   ", "\t"),
    ("pair-unicode", "caf\u00e9 \u75c5\u4eba", "cafe\u0301 \U0001f468\u200d\U0001f469\u200d\U0001f467"),
    ("pair-long-word", "b" * 300, "short hypothesis"),
    ("pair-clinical", "72 yo F s/p TKA, on warfarin 5mg qd, INR 3.4.", "The patient is anticoagulated."),
    ("pair-controls", "tab\there\x00", "cr\rlf\r\n"),
    ("pair-specials", "<s> premise </s>", "[CLS] hypothesis [SEP]"),
    ("pair-leading-space", " leading space premise", " leading space hypothesis"),
]


def records() -> list[dict]:
    names = set()
    out = []
    for case in CASES:
        name = case[0]
        if name in names:
            raise ValueError(f"duplicate hard case name {name!r}")
        names.add(name)
        rec = {"id": f"hard:{name}", "text": case[1]}
        if len(case) > 2:
            rec["pair"] = case[2]
        out.append(rec)
    return out


def render() -> str:
    # ensure_ascii keeps control characters, combining marks and invisible spaces visible in
    # diffs and review, and means the file is plain ASCII whatever the editor.
    return "".join(json.dumps(rec, ensure_ascii=True) + "\n" for rec in records())


def main(argv: list[str]) -> int:
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    default_out = os.path.join(repo, "inference", "tokenizer", "testdata", "parity", "hard_cases.jsonl")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=default_out)
    parser.add_argument("--check", action="store_true", help="fail when --out differs from the generated cases")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        with open(args.out, encoding="utf-8") as f:
            if f.read() != text:
                print(f"hard_cases: {args.out} is stale; run python3 tools/hard_cases.py", file=sys.stderr)
                return 1
        return 0
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"hard_cases: wrote {len(CASES)} cases to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
