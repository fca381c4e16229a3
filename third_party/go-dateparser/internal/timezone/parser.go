package timezone

import (
	"strings"
	"sync"
	"unicode/utf8"
)

// timezoneWords is built on first use (PATCH, Doc-Tales), not at init.
var timezoneWords = sync.OnceValue(func() map[string]struct{} {
	words := map[string]struct{}{}
	for _, info := range timezoneInfoList {
		for name := range info.Timezones {
			if !strings.ContainsAny(name, "+-") {
				words[strings.ToUpper(name)] = struct{}{}
			}
		}
	}
	return words
})

func IsTimezoneToken(token string) bool {
	return tables().rxTimezoneToken.MatchString(strings.TrimSpace(token))
}

// PopTzOffset extracts timezone data from str then return the
// str with the timezone code removed.
//
// PATCH, Doc-Tales: on a text without the two non-ASCII runes that fold to
// ASCII letters (see prefilterable), each offset's pattern is tried only
// when the text holds its required literal (offsetNeed), and the search
// pattern is not run first: it matches wherever an offset's pattern
// matches, so it decided nothing the loop does not. Same result, same
// order; before, most calls ran all 768 patterns over the text.
func PopTzOffset(str string) (string, OffsetData) {
	if !couldContainTimezone(str) {
		return str, OffsetData{}
	}
	if prefilterable(str) {
		t := tables()
		var have byteSet
		have.addUpper(str)
		var upper string // str with ASCII letters upper-cased, made on first need
		for i, offsetData := range t.offsets {
			need := &t.needs[i]
			if need.ok {
				if !have.holds(&need.bytes) {
					continue
				}
				if upper == "" {
					upper = asciiUpper(str)
				}
				if !strings.Contains(upper, need.literal) {
					continue
				}
			}
			idxs := offsetData.Regex.FindStringIndex(str)
			if len(idxs) == 0 {
				continue
			}

			str = str[:idxs[0]+1] + str[idxs[1]:]
			return str, offsetData
		}
		return str, OffsetData{}
	}
	if tables().rxSearchIgnoreCase.MatchString(str) {
		for _, offsetData := range tables().offsets {
			idxs := offsetData.Regex.FindStringIndex(str)
			if len(idxs) == 0 {
				continue
			}

			str = str[:idxs[0]+1] + str[idxs[1]:]
			return str, offsetData
		}
	}

	return str, OffsetData{}
}

func couldContainTimezone(input string) bool {
	var word [16]byte
	for index := 0; index < len(input); index++ {
		character := input[index]
		if character >= utf8.RuneSelf || character == '+' || character == '-' {
			return true
		}
		if !isASCIITimezoneLetter(character) || (index > 0 && isASCIITimezoneLetter(input[index-1])) {
			continue
		}
		end := index
		for end < len(input) {
			character = input[end]
			if !isASCIITimezoneLetter(character) && (character < '0' || character > '9') && character != '_' {
				break
			}
			if end-index == len(word) {
				return true
			}
			if character >= 'a' && character <= 'z' {
				character -= 'a' - 'A'
			}
			word[end-index] = character
			end++
		}
		if _, exists := timezoneWords()[string(word[:end-index])]; exists {
			return true
		}
	}
	return false
}

func isASCIITimezoneLetter(character byte) bool {
	character |= 'a' - 'A'
	return character >= 'a' && character <= 'z'
}

// WordIsTz check if the specified word is a timezone code.
func WordIsTz(word string) bool {
	return tables().rxSearch.MatchString(word)
}
