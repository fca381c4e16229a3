package dateparser

import (
	"github.com/markusmobius/go-dateparser/internal/data"
	"github.com/markusmobius/go-dateparser/internal/regexp"
)

// LoadedLocaleFiles returns how many of the language data's locale files
// have been built so far (PATCH, Doc-Tales). The data is built per file on
// the first use of one of its locales, not at package initialisation, so a
// program that has parsed nothing yet reports 0.
func LoadedLocaleFiles() int64 { return data.LoadedFiles() }

// CompiledPatterns returns how many of the module's regular expressions
// have been compiled so far (PATCH, Doc-Tales). Without the re2 build tags
// a pattern is compiled on its first use, so a program that has parsed
// nothing yet reports only the few compiled by Compile at init, if any.
func CompiledPatterns() int64 { return regexp.Compiled() }
