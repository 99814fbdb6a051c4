package salesforce

// CheckFiles reads and parses the JWT private key the way Open does
// (config.FileChecker), so that `tally validate` refuses a key file that
// is missing, readable by group or others, or not an RSA key, instead of
// the first sync pass. Errors name the setting, never the key.
func (c *Config) CheckFiles() error {
	if c.JWTPrivateKeyFile == "" && !c.JWTPrivateKey.Set() {
		return nil
	}
	_, err := c.privateKey()
	return err
}
