package main

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/doctales/doctales/fsblob"
)

// EncryptionConfig is the encryption section: the key that encrypts the
// stored objects at rest (fsblob.Cipher, AES-256-GCM). Give one of KeyFile
// and KeyEnv; neither stores objects in clear. The key is 32 bytes written
// as 64 hex digits or as base64 (openssl rand -hex 32). See
// docs/security.md, "Encryption at rest".
type EncryptionConfig struct {
	// KeyFile is a file holding the key. It must not be readable by group
	// or others (chmod 600): a key anyone on the machine can read
	// protects nothing, so doctales refuses it.
	KeyFile string `yaml:"keyFile"`
	// KeyEnv names an environment variable holding the key.
	KeyEnv string `yaml:"keyEnv"`

	// fileField and envField name where KeyFile and KeyEnv came from, for
	// errors: the config fields, or the flags.
	fileField, envField string
}

// set reports whether a key source is configured.
func (c EncryptionConfig) set() bool { return c.KeyFile != "" || c.KeyEnv != "" }

// names returns the names of the settings, for errors.
func (c EncryptionConfig) names() (file, env string) {
	file, env = c.fileField, c.envField
	if file == "" {
		file = "encryption.keyFile"
	}
	if env == "" {
		env = "encryption.keyEnv"
	}
	return file, env
}

// validate refuses both sources at once.
func (c EncryptionConfig) validate() error {
	file, env := c.names()
	if c.KeyFile != "" && c.KeyEnv != "" {
		return &ConfigError{file, c.KeyFile, fmt.Sprintf("give the key in %s or in %s, not both", file, env)}
	}
	return nil
}

// cipher reads the configured key and returns its cipher; nil without a
// key source. The errors name the setting and never show the key.
func (c EncryptionConfig) cipher() (*fsblob.Cipher, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	fileField, envField := c.names()
	var text, field, from string
	switch {
	case c.KeyFile != "":
		field, from = fileField, c.KeyFile
		fi, err := os.Stat(c.KeyFile)
		if err != nil {
			return nil, &ConfigError{field, c.KeyFile, fmt.Sprintf("cannot read the encryption key: %v", err)}
		}
		if !fi.Mode().IsRegular() {
			return nil, &ConfigError{field, c.KeyFile, "not a regular file"}
		}
		if perm := fi.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
			return nil, &ConfigError{field, c.KeyFile, fmt.Sprintf(
				"the encryption key file is readable or writable by group or others (mode %04o); run chmod 600 %s", perm, c.KeyFile)}
		}
		b, err := os.ReadFile(c.KeyFile)
		if err != nil {
			return nil, &ConfigError{field, c.KeyFile, fmt.Sprintf("cannot read the encryption key: %v", err)}
		}
		text = string(b)
	case c.KeyEnv != "":
		field, from = envField, c.KeyEnv
		v, ok := os.LookupEnv(c.KeyEnv)
		if !ok {
			return nil, &ConfigError{field, c.KeyEnv, fmt.Sprintf("environment variable %s is not set", c.KeyEnv)}
		}
		text = v
	default:
		return nil, nil
	}
	key, err := parseKey(text)
	if err != nil {
		return nil, &ConfigError{field, from, err.Error()}
	}
	return fsblob.NewCipher(key)
}

// parseKey decodes a 32-byte key written as 64 hex digits or as base64
// (standard or URL alphabet, padded or not), ignoring surrounding white
// space such as a file's final newline. Its errors describe the text
// without quoting it.
func parseKey(text string) ([]byte, error) {
	s := strings.TrimSpace(text)
	if s == "" {
		return nil, errors.New("the encryption key is empty; want 32 bytes written as 64 hex digits or as base64 (44 characters), e.g. from openssl rand -hex 32")
	}
	if b, err := hex.DecodeString(s); err == nil {
		if len(b) == fsblob.KeySize {
			return b, nil
		}
		return nil, fmt.Errorf("the encryption key is %d hex digits (%d bytes); want 64 hex digits (32 bytes), e.g. from openssl rand -hex 32", len(s), len(b))
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) == fsblob.KeySize {
				return b, nil
			}
			return nil, fmt.Errorf("the encryption key is base64 of %d bytes; want 32 bytes (44 base64 characters, or 64 hex digits), e.g. from openssl rand -base64 32", len(b))
		}
	}
	return nil, fmt.Errorf("the encryption key (%d characters) is neither 64 hex digits nor base64 of 32 bytes; make one with openssl rand -hex 32", len(s))
}

// keyHint adds to a missing-key error of the object store how to give the
// key.
func keyHint(err error) error {
	var ke *fsblob.KeyError
	if errors.As(err, &ke) && ke.Missing() {
		return fmt.Errorf("%w; give its key with encryption: {keyFile: PATH} or {keyEnv: NAME} in the config file, or --encryption-key-file PATH or --encryption-key-env NAME", err)
	}
	return err
}

// encryptionFlags are the command-line forms of EncryptionConfig.
type encryptionFlags struct {
	keyFile, keyEnv string
}

func (f *encryptionFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.keyFile, "encryption-key-file", "", "file holding the key that encrypts stored objects at rest (32 bytes as 64 hex digits or base64; mode 600); overrides encryption: in the config")
	fs.StringVar(&f.keyEnv, "encryption-key-env", "", "environment variable holding the key that encrypts stored objects at rest; overrides encryption: in the config")
}

// apply replaces the configured key source with the flags', if any.
func (f *encryptionFlags) apply(cfg *Config) error {
	if f.keyFile == "" && f.keyEnv == "" {
		return nil
	}
	cfg.Encryption = EncryptionConfig{KeyFile: f.keyFile, KeyEnv: f.keyEnv,
		fileField: "--encryption-key-file", envField: "--encryption-key-env"}
	return cfg.Encryption.validate()
}
