package guard

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// A labeled corpus of synthetic personal data: templates × generated
// values, in several locales, with negatives (addresses, order numbers,
// invoice ids, dates, times, amounts, zip codes, versions, phone-like
// product codes). It is generated from a fixed seed, so every run and
// every machine sees the same texts.

// sample is one labeled text; label is the rule it must trip, "" for a
// text that holds no personal value.
type sample struct {
	text, label, kind string
}

// corpusSeed fixes the corpus.
const corpusSeed = 11

// corpusPerKind is how many texts each generator contributes.
const corpusPerKind = 150

type gen struct{ r *rand.Rand }

func (g gen) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.r.IntN(10))
	}
	return string(b)
}

// nz returns n digits whose first is 1-9 (or lo-hi when given).
func (g gen) nz(n int) string { return string(rune('1'+g.r.IntN(9))) + g.digits(n-1) }

// from returns digits with the first from set.
func (g gen) from(set string, n int) string {
	return string(set[g.r.IntN(len(set))]) + g.digits(n-1)
}

func (g gen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

// fill replaces each # of format with a digit.
func (g gen) fill(format string) string {
	var b strings.Builder
	for _, c := range format {
		if c == '#' {
			b.WriteByte(byte('0' + g.r.IntN(10)))
		} else {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// phoneTemplates put a phone number in a sentence; about half carry no
// word announcing it.
var phoneTemplates = []string{
	"%s", "%s", "Call me at %s", "Tel: %s", "mobile %s (after 5pm)", "Contact: %s, thanks",
	"Rückruf unter %s", "Appeler le %s svp", "Llamar al %s mañana", "left a voicemail on %s",
	"reach her on %s or by mail", "direct line %s", "%s - ask for procurement", "new number: %s",
}

// Phone formats per locale (Faker-style, with extensions).
var phoneFormats = []func(gen) string{
	// US / CA
	func(g gen) string { return g.fill(g.from("23456789", 1) + "##-" + g.from("23456789", 1) + "##-####") },
	func(g gen) string {
		return g.fill("(" + g.from("23456789", 1) + "##) " + g.from("23456789", 1) + "##-####")
	},
	func(g gen) string {
		return g.fill("(" + g.from("23456789", 1) + "##)" + g.from("23456789", 1) + "##-####")
	},
	func(g gen) string { return g.fill(g.from("23456789", 1) + "##." + g.from("23456789", 1) + "##.####") },
	func(g gen) string {
		return g.fill("+1-" + g.from("23456789", 1) + "##-" + g.from("23456789", 1) + "##-####")
	},
	func(g gen) string {
		return g.fill("+1 " + g.from("23456789", 1) + "## " + g.from("23456789", 1) + "## ####")
	},
	func(g gen) string {
		return g.fill("001-" + g.from("23456789", 1) + "##-" + g.from("23456789", 1) + "##-####")
	},
	func(g gen) string {
		return g.fill("1-" + g.from("23456789", 1) + "##-" + g.from("23456789", 1) + "##-####")
	},
	// US with extensions: x4587, x0135, ext. 12, ext 345
	func(g gen) string {
		return g.fill(g.from("23456789", 1)+"##-"+g.from("23456789", 1)+"##-####") + g.pick("x", " x", "x")[:] + g.digits(1+g.r.IntN(5))
	},
	func(g gen) string {
		return g.fill(g.from("23456789", 1)+"##."+g.from("23456789", 1)+"##.####") + "x" + g.digits(3+g.r.IntN(3))
	},
	func(g gen) string {
		return g.fill("("+g.from("23456789", 1)+"##)"+g.from("23456789", 1)+"##-####") + "x" + g.digits(3+g.r.IntN(2))
	},
	func(g gen) string {
		return g.fill("+1-"+g.from("23456789", 1)+"##-"+g.from("23456789", 1)+"##-####") + "x" + g.digits(3)
	},
	func(g gen) string {
		return g.fill("001-"+g.from("23456789", 1)+"##-"+g.from("23456789", 1)+"##-####") + "x" + g.digits(3)
	},
	func(g gen) string {
		return g.fill(g.from("23456789", 1)+"##-"+g.from("23456789", 1)+"##-####") + g.pick(" ext. ", " ext ", " Ext. ", ", ext. ") + g.digits(2+g.r.IntN(3))
	},
	// UK
	func(g gen) string { return g.fill("+44(0)" + g.from("123789", 1) + "#########") },
	func(g gen) string { return g.fill("+44(0)" + g.from("123789", 1) + "### ######") },
	func(g gen) string { return g.fill("0" + g.from("123789", 1) + "### ######") },
	func(g gen) string { return g.fill("(0" + g.from("123789", 1) + "###) ######") },
	func(g gen) string { return g.fill("0" + g.from("123", 1) + "## ### ####") },
	func(g gen) string { return g.fill("+44 7### ######") },
	func(g gen) string { return g.fill("07### ######") },
	// DE
	func(g gen) string { return g.fill("+49(0)" + g.from("23456789", 1) + "#########") },
	func(g gen) string { return g.fill("+49(0)" + g.from("23456789", 1) + "### ######") },
	func(g gen) string { return g.fill("0" + g.from("23456789", 1) + "### #####") },
	func(g gen) string { return g.fill("0" + g.from("23456789", 1) + "###-#####") },
	func(g gen) string { return g.fill("(0" + g.from("23456789", 1) + "###) #####") },
	func(g gen) string { return g.fill("+49 30 ########") },
	func(g gen) string { return g.fill("030/########") },
	func(g gen) string { return g.fill("+49 15# ########") },
	// FR
	func(g gen) string { return g.fill("0" + g.from("123456789", 1) + " ## ## ## ##") },
	func(g gen) string { return g.fill("0" + g.from("123456789", 1) + ".##.##.##.##") },
	func(g gen) string { return g.fill("+33 (0)" + g.from("123456789", 1) + " ## ## ## ##") },
	func(g gen) string { return g.fill("+33 " + g.from("123456789", 1) + " ## ## ## ##") },
	// ES
	func(g gen) string { return g.fill(g.from("67", 1) + "## ### ###") },
	func(g gen) string { return g.fill("9## ### ###") },
	func(g gen) string { return g.fill("+34 " + g.from("67", 1) + "## ### ###") },
	func(g gen) string { return g.fill("+34 9## ## ## ##") },
	func(g gen) string { return g.fill("9## ## ## ##") },
	func(g gen) string { return g.fill("+34 9########") },
	// IN
	func(g gen) string { return g.fill("+91 " + g.from("6789", 1) + "#### #####") },
	func(g gen) string { return g.fill("+91-" + g.from("6789", 1) + "#########") },
	func(g gen) string { return g.fill("+91" + g.from("6789", 1) + "#########") },
	func(g gen) string { return g.fill("0" + g.from("6789", 1) + "#### #####") },
	func(g gen) string { return g.fill(g.from("6789", 1) + "####-#####") },
	func(g gen) string { return g.fill("0" + g.from("1234", 1) + "#-########") },
}

// card brands: IIN prefixes and lengths.
var cardBrands = []struct {
	prefixes []string
	lengths  []int
}{
	{[]string{"4"}, []int{13, 16, 19}},                                          // Visa
	{[]string{"51", "52", "53", "54", "55", "2221", "2500", "2720"}, []int{16}}, // Mastercard
	{[]string{"34", "37"}, []int{15}},                                           // Amex
	{[]string{"6011", "65", "644"}, []int{16, 19}},                              // Discover
	{[]string{"3528", "3589"}, []int{16}},                                       // JCB
	{[]string{"36", "38", "300"}, []int{14}},                                    // Diners
	{[]string{"5018", "5020", "5038", "6304", "6759", "6761", "6762", "6763", "50", "56", "58", "67"}, []int{12, 13, 15, 16, 18, 19}}, // Maestro
	{[]string{"62"}, []int{16, 17, 18, 19}}, // UnionPay
}

// card returns a Luhn-valid number of a known brand.
func (g gen) card() string {
	b := cardBrands[g.r.IntN(len(cardBrands))]
	p := b.prefixes[g.r.IntN(len(b.prefixes))]
	n := b.lengths[g.r.IntN(len(b.lengths))]
	body := p + g.digits(n-1-len(p))
	for d := byte('0'); d <= '9'; d++ {
		if luhn(body + string(d)) {
			return body + string(d)
		}
	}
	panic("unreachable")
}

// groupCard writes a card number compact, in fours with spaces or
// dashes, or (15 digits) as Amex 4-6-5.
func (g gen) groupCard(c string) string {
	switch k := g.r.IntN(4); {
	case k == 0:
		return c
	case len(c) == 15 && k == 3:
		return c[:4] + " " + c[4:10] + " " + c[10:]
	default:
		sep := " "
		if k == 2 {
			sep = "-"
		}
		var parts []string
		for i := 0; i < len(c); i += 4 {
			parts = append(parts, c[i:min(i+4, len(c))])
		}
		return strings.Join(parts, sep)
	}
}

var cardTemplates = []string{"%s", "card %s", "paid with %s, thanks", "CC: %s exp 04/27", "Kreditkarte %s", "carte bancaire %s", "tarjeta %s", "number on file %s"}

// IBAN layouts: country, BBAN pattern (# digit, A letter).
var ibanLayouts = []struct{ cc, bban string }{
	{"DE", "##################"}, {"FR", "##########AAAAAAAAAAA##"}, {"ES", "####################"},
	{"GB", "AAAA##############"}, {"NL", "AAAA##########"}, {"IT", "A######################"},
	{"BE", "############"}, {"CH", "#################"}, {"AT", "################"},
}

func (g gen) iban() string {
	l := ibanLayouts[g.r.IntN(len(ibanLayouts))]
	var b strings.Builder
	for _, c := range l.bban {
		if c == 'A' {
			b.WriteByte(byte('A' + g.r.IntN(26)))
		} else {
			b.WriteByte(byte('0' + g.r.IntN(10)))
		}
	}
	bban := b.String()
	check := 98 - mod97(l.cc+"00"+bban)
	iban := fmt.Sprintf("%s%02d%s", l.cc, check, bban)
	if g.r.IntN(2) == 0 {
		return iban
	}
	var parts []string
	for i := 0; i < len(iban); i += 4 {
		parts = append(parts, iban[i:min(i+4, len(iban))])
	}
	return strings.Join(parts, " ")
}

var ibanTemplates = []string{"%s", "IBAN %s", "IBAN: %s", "please pay to %s by Friday", "Bankverbindung %s", "virement sur %s"}

func (g gen) ssn() string {
	area := 1 + g.r.IntN(899)
	if area == 666 {
		area = 665
	}
	s := fmt.Sprintf("%03d-%02d-%04d", area, 1+g.r.IntN(99), 1+g.r.IntN(9999))
	if g.r.IntN(4) == 0 {
		s = strings.ReplaceAll(s, "-", " ")
	}
	return s
}

var ssnTemplates = []string{"%s", "SSN %s", "ssn: %s.", "social security number %s", "tax id on file %s"}

var (
	firstNames = []string{"jane", "john", "maria", "jürgen", "priya", "josé", "claire", "wei", "ahmed", "olga"}
	lastNames  = []string{"doe", "smith", "garcía", "müller", "sharma", "dupont", "chen", "khan", "ivanova", "o'neil"}
	domains    = []string{"example.org", "example.com", "mail.example.co.uk", "beispiel.de", "exemple.fr", "ejemplo.es", "corp.example.in", "gmail.com"}
)

func (g gen) email() string {
	f, l := g.pick(firstNames...), g.pick(lastNames...)
	switch g.r.IntN(4) {
	case 0:
		return f + "." + l + "@" + g.pick(domains...)
	case 1:
		return f[:1] + l + g.digits(2) + "@" + g.pick(domains...)
	case 2:
		return f + "+crm@" + g.pick(domains...)
	default:
		return strings.ToUpper(f[:1]) + f[1:] + "_" + l + "@" + g.pick(domains...)
	}
}

var emailTemplates = []string{"%s", "mail %s", "cc %s on the contract", "E-Mail: %s", "<%s>", "reply to %s please"}

// corpus returns the labeled corpus.
func corpus() []sample {
	g := gen{rand.New(rand.NewPCG(corpusSeed, corpusSeed))}
	var out []sample
	add := func(label, kind string, n int, value func() string, templates []string) {
		for range n {
			out = append(out, sample{text: fmt.Sprintf(g.pick(templates...), value()), label: label, kind: kind})
		}
	}
	for i, f := range phoneFormats {
		add("phone", fmt.Sprintf("phone format %d", i), corpusPerKind/5, func() string { return f(g) }, phoneTemplates)
	}
	add("card", "card", corpusPerKind*4, func() string { return g.groupCard(g.card()) }, cardTemplates)
	add("iban", "iban", corpusPerKind*2, g.iban, ibanTemplates)
	add("ssn", "ssn", corpusPerKind*2, g.ssn, ssnTemplates)
	add("email", "email", corpusPerKind*2, g.email, emailTemplates)
	for i, f := range negatives {
		add("", fmt.Sprintf("negative %d", i), corpusPerKind/3, func() string { return f(g) }, []string{"%s", "%s", "note: %s", "%s (see CRM)"})
	}
	for i, f := range heldOutPhones {
		add("phone", fmt.Sprintf("held-out phone %d", i), corpusPerKind/5, func() string { return f(g) }, phoneTemplates)
	}
	for i, f := range heldOutNegatives {
		add("", fmt.Sprintf("held-out negative %d", i), corpusPerKind/3, func() string { return f(g) }, []string{"%s", "note: %s", "%s (see CRM)"})
	}
	return out
}
