package bullhorn

import (
	"encoding/json"
	"errors"

	"github.com/tally-dev/tally/connectors/crmhttp"
)

// page is a query answer, decoded by parsePage.
type page struct {
	Total int // -1 when the answer has no readable total
	Data  []map[string]any
	// Unreadable counts elements of data that are not JSON objects.
	Unreadable int
}

var errNotPage = errors.New("no data array")

// parsePage decodes a query answer. It fails only when the body is not
// a JSON object with a data array; each item is decoded on its own, so
// an item of any shape or content cannot fail its page (values are
// checked later, by field; items that are not objects are counted in
// Unreadable). Keys are matched exactly.
func parsePage(b []byte) (page, error) {
	var w map[string]json.RawMessage
	if err := json.Unmarshal(b, &w); err != nil {
		return page{}, err
	}
	var raws []json.RawMessage
	if json.Unmarshal(w["data"], &raws) != nil || raws == nil {
		return page{}, errNotPage
	}
	pg := page{Total: crmhttp.Total(w["total"])}
	pg.Data, pg.Unreadable = crmhttp.DecodeRecords(raws)
	return pg, nil
}

func decodePage(dst *page) func([]byte) error {
	return crmhttp.DecodeWith(dst, parsePage)
}
