package pipeline

import (
	"context"
	"errors"
	"testing"
)

type fakeConfig struct{ N int }

func (c *fakeConfig) Validate() error { return nil }

type otherConfig struct{}

func (*otherConfig) Validate() error { return nil }

type fakeSource struct{ n int }

func (*fakeSource) Objects() []string                                   { return nil }
func (*fakeSource) Sync(context.Context, string, string, Emitter) error { return nil }
func (*fakeSource) Open(context.Context) error                          { return nil }
func (*fakeSource) Close() error                                        { return nil }

func TestNewSourceFactory(t *testing.T) {
	errBuild := errors.New("build failed")
	f := NewSourceFactory("fake", func() fakeConfig { return fakeConfig{N: 7} },
		func(c fakeConfig, _ SourceEnv) (*fakeSource, error) {
			if c.N < 0 {
				return nil, errBuild
			}
			return &fakeSource{n: c.N}, nil
		})
	if f.Kind != "fake" {
		t.Fatalf("Kind = %q", f.Kind)
	}
	a, b := f.NewConfig().(*fakeConfig), f.NewConfig().(*fakeConfig)
	if a == b || a.N != 7 {
		t.Fatalf("NewConfig must return a fresh default each time: %p %p %+v", a, b, a)
	}
	src, err := f.New(a, SourceEnv{})
	if err != nil || src.(*fakeSource).n != 7 {
		t.Fatalf("New = %v, %v", src, err)
	}
	a.N = -1
	if src, err := f.New(a, SourceEnv{}); !errors.Is(err, errBuild) || src != nil {
		t.Errorf("New with a failing build = %#v, %v; want a nil Source and the build error", src, err)
	}
	if _, err := f.New(&otherConfig{}, SourceEnv{}); !errors.Is(err, ErrConfig) {
		t.Errorf("New with a foreign config = %v, want ErrConfig", err)
	}
}
