package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/tally-dev/tally/pipeline"
	"github.com/tally-dev/tally/schemas"
)

// printFieldStatus prints which vendor properties a source could verify
// and which it could not, with the KPIs each missing one feeds. It names
// properties and fields, never values.
func printFieldStatus(w io.Writer, proj schemas.Projection, fields []pipeline.FieldStatus, err error) {
	if err != nil {
		fmt.Fprintf(w, "  properties: not checked: %v\n", err)
		return
	}
	if len(fields) == 0 {
		return
	}
	var verified []string
	for _, st := range fields {
		if st.Verified {
			verified = append(verified, st.Object+"."+st.Property)
		}
	}
	if len(verified) > 0 {
		fmt.Fprintf(w, "  verified: %s\n", strings.Join(verified, ", "))
	}
	for _, st := range fields {
		if st.Verified {
			continue
		}
		name := st.Object + "." + st.Property
		if st.Property == "" {
			name = st.Object + "." + st.Field
		}
		feeds := ""
		if why := proj[st.Object][st.Field]; len(why) > 0 {
			feeds = "; feeds " + strings.Join(why, ", ")
		}
		fmt.Fprintf(w, "  not found: %s (%s.%s: %s%s)\n", name, st.Object, st.Field, st.Reason, feeds)
	}
}
