package csvfile

import (
	"fmt"
	"os"
)

// CheckFiles checks the path the way Open does (config.FileChecker), so
// that `tally validate` refuses a path that does not exist or cannot be
// read instead of the first sync pass.
func (c *Config) CheckFiles() error {
	if c.Path == "" {
		return nil
	}
	if _, err := os.Stat(c.Path); err != nil {
		return fmt.Errorf("path: not readable (%s)", errKind(err))
	}
	return nil
}
