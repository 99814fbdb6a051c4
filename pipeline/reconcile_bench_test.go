package pipeline

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"hash"
	"log/slog"
	"runtime"
	"strconv"
	"sync"
	"testing"
)

// hmacKeys maps ids to pseudonym-shaped keys ("k1_" and 26 base32
// characters) with one pooled HMAC-SHA-256 each, as pseudonymize does.
type hmacKeys struct{}

var b32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

func (hmacKeys) KeyVersion(key string) (int, bool) { return 1, len(key) == 29 }

var macs = sync.Pool{New: func() any { return hmac.New(sha256.New, []byte("bench-key")) }}

func (hmacKeys) Key(tenant, object, id string, version int) (string, error) {
	m := macs.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(object))
	m.Write([]byte{0})
	m.Write([]byte(id))
	var sum [sha256.Size]byte
	k := "k" + strconv.Itoa(version) + "_" + b32.EncodeToString(m.Sum(sum[:0])[:16])
	macs.Put(m)
	return k, nil
}

// BenchmarkReconcileStream measures the in-memory part of a reconcile:
// the snapshot of n stored keys (sorted), mapping n-100 listed ids and
// finding the 100 missing ones (dry run). B/fact is the heap the
// snapshot holds per stored fact.
func BenchmarkReconcileStream(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("facts=%d", n), func(b *testing.B) {
			ids := make([]string, n)
			sink := &memSink{stored: make([]string, n)}
			for i := range ids {
				ids[i] = fmt.Sprintf("0065g%010d", i)
				sink.stored[i], _ = hmacKeys{}.Key("acme", "deal", ids[i], 1)
			}
			lister := memLister{ids: ids[100:]}
			r := &Runner{Sink: sink, Keys: hmacKeys{}, Logger: slog.New(slog.DiscardHandler), Stats: NewStats()}
			s := Stream{"acme", "sf", "deal"}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			snap, _ := r.snapshot(context.Background(), sink, s)
			runtime.GC()
			runtime.ReadMemStats(&after)
			perFact := float64(after.HeapAlloc-before.HeapAlloc) / float64(len(snap.keys))
			runtime.KeepAlive(snap)
			for b.Loop() {
				rep, err := r.reconcileStream(context.Background(), s, lister, sink, ReconcileOptions{DryRun: true})
				if err != nil || rep.Missing != 100 {
					b.Fatalf("reconcileStream = %+v, %v", rep, err)
				}
			}
			b.ReportMetric(perFact, "B/fact")
		})
	}
}
