//go:build unix

package warehouse

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockFile takes an flock of path (created if missing) without waiting.
func lockFile(path string, shared bool) (release func(), ok bool, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("opening writer lock file: %w", err)
	}
	how := syscall.LOCK_EX
	if shared {
		how = syscall.LOCK_SH
	}
	if err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("locking writer lock file: %w", err)
	}
	return func() { f.Close() }, true, nil
}
