package pipelinetest

import (
	"bytes"
	"sync"
)

// LogBuffer collects log output written from several goroutines, so
// tests can search everything a component logged (privacy checks).
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// Bytes returns a copy of everything written so far.
func (l *LogBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.b.Bytes())
}

// String returns everything written so far.
func (l *LogBuffer) String() string { return string(l.Bytes()) }
