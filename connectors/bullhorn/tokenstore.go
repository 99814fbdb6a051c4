package bullhorn

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Bullhorn refresh tokens are single-use: every grant returns the next
// one and retires the old. The configured token therefore works once;
// after that, the latest token is kept in the connector's state
// directory (file mode 0600) so that a restarted process can log in.

const tokenFile = "refresh_token"

// storedRefreshToken returns the latest persisted refresh token, or ""
// when there is none.
func storedRefreshToken(dir string) (string, error) {
	if dir == "" {
		return "", nil
	}
	data, err := os.ReadFile(filepath.Join(dir, tokenFile))
	if os.IsNotExist(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("bullhorn: reading the stored refresh token: %w", err)
	}
	return strings.TrimSpace(string(data)), nil
}

// storeRefreshToken replaces the persisted refresh token atomically.
func storeRefreshToken(dir, token string) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("bullhorn: creating the state directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, tokenFile+".*")
	if err != nil {
		return fmt.Errorf("bullhorn: storing the refresh token: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(token + "\n"); err != nil {
		tmp.Close()
		return fmt.Errorf("bullhorn: storing the refresh token: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("bullhorn: storing the refresh token: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, tokenFile)); err != nil {
		return fmt.Errorf("bullhorn: storing the refresh token: %w", err)
	}
	return nil
}
