package pattern

import (
	"strings"
	"unicode"

	"github.com/clinlm/clinlm/inference/tokenizer/internal/runeclass"
)

type runePred func(rune) bool

// charClass is a bracket expression or a class escape. It matches a rune in
// any of its ranges, predicates or nested classes (or, when inter is set, in
// all of the intersected classes), inverted when negated.
type charClass struct {
	negated bool
	ranges  []rune // lo, hi pairs
	preds   []runePred
	subs    []*charClass
	inter   []*charClass

	ascii    [2]uint64 // membership of runes below 128, filled by prepare
	prepared bool
}

func (c *charClass) addRange(lo, hi rune) { c.ranges = append(c.ranges, lo, hi) }

func (c *charClass) matchSlow(r rune) bool {
	var m bool
	if c.inter != nil {
		m = true
		for _, sub := range c.inter {
			if !sub.matches(r) {
				m = false
				break
			}
		}
	} else {
		for i := 0; i < len(c.ranges) && !m; i += 2 {
			m = r >= c.ranges[i] && r <= c.ranges[i+1]
		}
		for i := 0; i < len(c.preds) && !m; i++ {
			m = c.preds[i](r)
		}
		for i := 0; i < len(c.subs) && !m; i++ {
			m = c.subs[i].matches(r)
		}
	}
	return m != c.negated
}

// prepare precomputes the ASCII bitmap of c and its nested classes.
func (c *charClass) prepare() {
	if c.prepared {
		return
	}
	for _, s := range c.subs {
		s.prepare()
	}
	for _, s := range c.inter {
		s.prepare()
	}
	for r := rune(0); r < 128; r++ {
		if c.matchSlow(r) {
			c.ascii[r>>6] |= 1 << (r & 63)
		}
	}
	c.prepared = true
}

func (c *charClass) matches(r rune) bool {
	if r < 128 && c.prepared {
		return c.ascii[r>>6]&(1<<(r&63)) != 0
	}
	return c.matchSlow(r)
}

// matchesFold is matches under case folding: r or any character of its
// simple case-folding orbit is in the class.
func (c *charClass) matchesFold(r rune) bool {
	if c.matches(r) {
		return true
	}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if c.matches(f) {
			return true
		}
	}
	return false
}

func equalFold(a, b rune) bool {
	if a == b {
		return true
	}
	for f := unicode.SimpleFold(a); f != a; f = unicode.SimpleFold(f) {
		if f == b {
			return true
		}
	}
	return false
}

func predOnigWord(r rune) bool { return runeclass.IsOnigWord(r) }

// predOnigWordInClass is \w inside brackets, where Oniguruma leaves out the
// Latin-1 digits and fractions (² ³ ¹ ¼ ½ ¾) that a bare \w matches.
func predOnigWordInClass(r rune) bool {
	switch r {
	case 0xB2, 0xB3, 0xB9, 0xBC, 0xBD, 0xBE:
		return false
	}
	return runeclass.IsOnigWord(r)
}
func predOnigSpace(r rune) bool { return runeclass.IsOnigSpace(r) }
func predOnigDigit(r rune) bool { return runeclass.IsOnigDigit(r) }

func tablePred(t *unicode.RangeTable) runePred {
	return func(r rune) bool { return unicode.Is(t, r) }
}

func category(name string) runePred {
	t, ok := runeclass.OnigCategory(name)
	if !ok {
		panic("pattern: missing category table " + name)
	}
	return tablePred(t)
}

var assignedTables = func() []*unicode.RangeTable {
	var ts []*unicode.RangeTable
	for _, name := range []string{"L", "M", "N", "P", "S", "Z", "Cc", "Cf", "Co"} {
		t, _ := runeclass.OnigCategory(name)
		ts = append(ts, t)
	}
	return ts
}()

// assigned reports whether r has a general category other than Cn in
// Oniguruma's tables.
func assigned(r rune) bool {
	return unicode.IsOneOf(assignedTables, r)
}

var longCategoryNames = map[string]string{
	"letter": "L", "uppercaseletter": "Lu", "lowercaseletter": "Ll", "titlecaseletter": "Lt",
	"modifierletter": "Lm", "otherletter": "Lo", "mark": "M", "combiningmark": "M",
	"nonspacingmark": "Mn", "spacingmark": "Mc", "enclosingmark": "Me", "number": "N",
	"decimalnumber": "Nd", "letternumber": "Nl", "othernumber": "No", "punctuation": "P",
	"connectorpunctuation": "Pc", "dashpunctuation": "Pd", "openpunctuation": "Ps",
	"closepunctuation": "Pe", "initialpunctuation": "Pi", "finalpunctuation": "Pf",
	"otherpunctuation": "Po", "symbol": "S", "mathsymbol": "Sm", "currencysymbol": "Sc",
	"modifiersymbol": "Sk", "othersymbol": "So", "separator": "Z", "spaceseparator": "Zs",
	"lineseparator": "Zl", "paragraphseparator": "Zp", "control": "Cc", "format": "Cf",
	"privateuse": "Co",
}

var shortCategoryNames = func() map[string]string {
	m := map[string]string{}
	for _, c := range []string{"L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl",
		"No", "P", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So", "Z", "Zs",
		"Zl", "Zp", "Cc", "Cf", "Co"} {
		m[strings.ToLower(c)] = c
	}
	return m
}()

var scriptNames = func() map[string]string {
	m := map[string]string{}
	for name := range unicode.Scripts {
		m[normalizePropertyName(name)] = name
	}
	return m
}()

func normalizePropertyName(s string) string {
	s = strings.ToLower(s)
	return strings.NewReplacer(" ", "", "_", "", "-", "").Replace(s)
}

// lookupProperty resolves the name of \p{name}: a general category (short or
// long name), a script, Any or Assigned. Oniguruma ignores case, spaces,
// underscores and hyphens in these names.
func lookupProperty(name string) (runePred, bool) {
	key := normalizePropertyName(name)
	if c, ok := shortCategoryNames[key]; ok {
		return category(c), true
	}
	if c, ok := longCategoryNames[key]; ok {
		return category(c), true
	}
	switch key {
	case "c", "other":
		cc, cf, co := category("Cc"), category("Cf"), category("Co")
		return func(r rune) bool { return cc(r) || cf(r) || co(r) || !assigned(r) }, true
	case "cn", "unassigned":
		return func(r rune) bool { return !assigned(r) }, true
	case "cs", "surrogate":
		return func(rune) bool { return false }, true
	case "any":
		return func(rune) bool { return true }, true
	case "assigned":
		return assigned, true
	}
	if s, ok := scriptNames[key]; ok {
		return tablePred(unicode.Scripts[s]), true
	}
	return nil, false
}

// posixClasses are Oniguruma's POSIX brackets in Unicode mode, those whose
// definition is unambiguous.
var posixClasses = func() map[string]runePred {
	letter, mark, nd := category("L"), category("M"), category("Nd")
	zs := category("Zs")
	return map[string]runePred{
		"alnum": func(r rune) bool { return letter(r) || mark(r) || nd(r) },
		"alpha": func(r rune) bool { return letter(r) || mark(r) },
		"ascii": func(r rune) bool { return r < 128 },
		"blank": func(r rune) bool { return r == '\t' || zs(r) },
		"digit": nd,
		"lower": category("Ll"),
		"upper": category("Lu"),
		"space": predOnigSpace,
		"word":  predOnigWordInClass,
		"xdigit": func(r rune) bool {
			return (r >= '0' && r <= '9') || (r >= 'a' && r <= 'f') || (r >= 'A' && r <= 'F')
		},
	}
}()
