package pipedrivetest

// CycleCursors makes every cursor listing repeat from now on: the first
// page hands out cursor A, the page at A hands out B, and the page at B
// hands out A again, forever, every page still holding records (the
// paging cycle a broken or hostile server can produce).
func (s *Server) CycleCursors() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cycle, s.cycleFirst = true, map[string]int{}
}

// IgnoreDeleteFilters makes GET /api/v2/deals?status=deleted and GET
// /api/v2/deals/archived answer the live deals, as a server (or proxy)
// that drops the filter would: their items say is_deleted and
// is_archived false.
func (s *Server) IgnoreDeleteFilters() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ignoreFilters = true
}

func (s *Server) ignoresFilters() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ignoreFilters
}

// cursorAfter is the next_cursor of a page of listing that started at
// index start and ended before last (next is the honest cursor, "" at
// the end); in cycle mode the cursors go A → B → A.
func (s *Server) cursorAfter(listing, key string, start, last int, next string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.cycle {
		return next
	}
	first, ok := s.cycleFirst[listing]
	switch {
	case start == 0:
		s.cycleFirst[listing] = last
		return next
	case !ok:
		s.cycleFirst[listing] = start
		return encodeCursor(key, last)
	case start == first:
		return encodeCursor(key, last)
	}
	return encodeCursor(key, first)
}
