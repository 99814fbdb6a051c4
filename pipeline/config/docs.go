package config

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Section is one part of the configuration reference: the keys of one
// component, such as the kafka block of tally.yaml or the options of one
// connector kind. `tally docs <name>` prints one section.
type Section struct {
	// Name selects the section on the command line.
	Name  string `json:"name"`
	Title string `json:"title"`
	// Doc introduces the section (Markdown).
	Doc    string  `json:"doc,omitempty"`
	Fields []Field `json:"fields"`
}

// GeneralSection names the section of tally.yaml's top-level scalar keys.
const GeneralSection = "general"

// FileSections documents tally.yaml (File over Defaults) in one section
// per top-level block, in field order, after a "general" section of the
// top-level keys that are no block. A block's own description becomes
// its section's Doc.
func FileSections() []Section {
	general := Section{Name: GeneralSection, Title: "Top-level keys"}
	var blocks []Section
	for _, f := range Spec(Defaults()) {
		top, _, nested := strings.Cut(strings.ReplaceAll(f.Key, "[]", ""), ".")
		switch {
		case nested:
			blocks[len(blocks)-1].Fields = append(blocks[len(blocks)-1].Fields, f)
		case f.Type == "object" || f.Type == "list of object":
			blocks = append(blocks, Section{Name: top, Title: "`" + top + "`", Doc: f.Description})
		default:
			general.Fields = append(general.Fields, f)
		}
	}
	return append([]Section{general}, blocks...)
}

// WriteJSON writes sections as an indented JSON array.
func WriteJSON(w io.Writer, sections []Section) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sections)
}

// WriteMarkdown writes each section as a level-2 heading, its Doc and a
// table with a row per key.
func WriteMarkdown(w io.Writer, sections []Section) error {
	var b strings.Builder
	for i, s := range sections {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "## %s\n\n", s.Title)
		if s.Doc != "" {
			fmt.Fprintf(&b, "%s\n\n", s.Doc)
		}
		b.WriteString("| key | type | default | required | sensitive / personal | description |\n")
		b.WriteString("|---|---|---|---|---|---|\n")
		for _, f := range s.Fields {
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", f.Key, f.Type, code(f.Default),
				yes(f.Required), marks(f), cell(f.Description))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + strings.ReplaceAll(s, "|", `\|`) + "`"
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return ""
}

func marks(f Field) string {
	var m []string
	if f.Sensitive {
		m = append(m, "sensitive")
	}
	if f.Personal {
		m = append(m, "personal")
	}
	return strings.Join(m, ", ")
}

// cellEscaper keeps a description on one table row and its text literal:
// <tenant> is no HTML tag, *.csv no emphasis.
var cellEscaper = strings.NewReplacer("\n", " ", "|", `\|`, "<", "&lt;", ">", "&gt;", "*", `\*`)

func cell(s string) string { return cellEscaper.Replace(s) }
