package config

import (
	"fmt"
	"strings"
	"unicode"
)

// Controller is who answers for the processing tally does, as the
// processing report (GDPR Art. 30(1)) states it. Every key is optional:
// the report says "not stated" for what is absent.
type Controller struct {
	Name             string      `yaml:"name" doc:"Legal name of the controller: the organisation that decides why and how its CRM data is processed (usually the tenant operator). Required once any other controller key is set."`
	Contact          string      `yaml:"contact" doc:"The controller's contact details (postal address, e-mail or phone of the privacy team)."`
	Representative   string      `yaml:"representative" spec:"personal" doc:"The controller's representative in the EU (Art. 27), for a controller without an establishment there."`
	DPO              string      `yaml:"dpo" spec:"personal" doc:"Contact of the data protection officer (name and e-mail, or a role address)."`
	Processors       []Processor `yaml:"processors" doc:"Processors acting for the controller in this processing (hosting, managed Kafka or PostgreSQL, the CRM vendors)."`
	Transfers        []Transfer  `yaml:"transfers" doc:"Transfers of personal data to a third country or an international organisation, each with its safeguard. Empty: the report states that none is declared."`
	SecurityMeasures []string    `yaml:"security_measures" doc:"Technical and organisational security measures beyond the ones tally itself applies (which the report lists), e.g. disk encryption, access reviews, staff training."`
	Line             int         `yaml:"-"`
}

// Processor is one processor (Art. 28) in the processing.
type Processor struct {
	Name     string `yaml:"name" spec:"required" doc:"The processor's legal name."`
	Service  string `yaml:"service" doc:"What it does for the controller, e.g. hosting of the warehouse."`
	Location string `yaml:"location" doc:"Where it processes the data (country or region)."`
}

// Transfer is one transfer to a third country (Art. 44-49).
type Transfer struct {
	Destination string `yaml:"destination" spec:"required" doc:"The third country or international organisation."`
	Recipient   string `yaml:"recipient" doc:"Who receives the data there."`
	Safeguard   string `yaml:"safeguard" spec:"required" doc:"The safeguard it rests on: an adequacy decision, standard contractual clauses, binding corporate rules."`
}

// maxControllerText bounds each controller value: it is prose for a
// report, not a document.
const maxControllerText = 1000

// set reports whether any controller key is given.
func (c Controller) set() bool {
	return c.Name != "" || c.Contact != "" || c.Representative != "" || c.DPO != "" ||
		len(c.Processors)+len(c.Transfers)+len(c.SecurityMeasures) > 0
}

// validateController checks the controller section. Messages name keys
// and rules, never values (a DPO contact is personal data).
func (f *File) validateController(add func(int, string, ...any)) {
	c := f.Controller
	line := c.Line
	text := func(key, v string, required bool) {
		switch {
		case strings.TrimSpace(v) == "" && required:
			add(line, "%s: required", key)
		case len(v) > maxControllerText:
			add(line, "%s: longer than %d bytes", key, maxControllerText)
		case strings.ContainsFunc(v, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }):
			add(line, "%s: contains control characters", key)
		}
	}
	text("controller.name", c.Name, c.set())
	text("controller.contact", c.Contact, false)
	text("controller.representative", c.Representative, false)
	text("controller.dpo", c.DPO, false)
	for i, p := range c.Processors {
		k := fmt.Sprintf("controller.processors[%d].", i)
		text(k+"name", p.Name, true)
		text(k+"service", p.Service, false)
		text(k+"location", p.Location, false)
	}
	for i, t := range c.Transfers {
		k := fmt.Sprintf("controller.transfers[%d].", i)
		text(k+"destination", t.Destination, true)
		text(k+"recipient", t.Recipient, false)
		text(k+"safeguard", t.Safeguard, true)
	}
	for i, m := range c.SecurityMeasures {
		text(fmt.Sprintf("controller.security_measures[%d]", i), m, true)
	}
}
