package ingest

import (
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTMLInfo is what HTMLText finds besides the text.
type HTMLInfo struct {
	Title  string // the <title>, if any
	Author string // <meta name="author">, if any
	Images int    // <img> elements
	Tables int    // <table> elements
	Charts int    // <canvas> and <svg> elements: drawn figures
	Links  int    // <a href> elements
}

// HTMLText turns an HTML document or fragment into readable plain text:
// scripts, styles and comments dropped, block elements on their own lines,
// list items with "- ", table cells separated by tabs, the lines of a
// <blockquote> (a reply's quoted message) prefixed "> " as a mail client
// quotes them, runs of white space collapsed. It never fails: malformed HTML gives its best reading. Limit
// is the most bytes of text returned (0 for no limit).
func HTMLText(r io.Reader, limit int) (string, HTMLInfo) {
	var info HTMLInfo
	var b strings.Builder
	z := html.NewTokenizer(r)
	skip := 0        // inside script, style, head's non-title elements
	inTitle := false // inside <title>
	pendingSpace := false
	newlines := 2 // newlines at the end of b (2 = start of text)
	quote := 0    // depth of <blockquote>: its lines are written "> ", as a mail client quotes

	newline := func(n int) {
		for newlines < n {
			b.WriteByte('\n')
			newlines++
		}
		pendingSpace = false
	}
	text := func(s string) {
		if s == "" {
			return
		}
		if isSpace(s[0]) {
			pendingSpace = true
		}
		for i, f := range strings.Fields(s) {
			if (i > 0 || pendingSpace) && newlines == 0 {
				b.WriteByte(' ')
			}
			if newlines > 0 && quote > 0 {
				b.WriteString(strings.Repeat("> ", quote))
			}
			b.WriteString(f)
			newlines = 0
			pendingSpace = false
		}
		if isSpace(s[len(s)-1]) {
			pendingSpace = true
		}
	}
	for {
		if limit > 0 && b.Len() > limit {
			break
		}
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return finishText(b.String(), limit), info
		case html.TextToken:
			t := string(z.Text())
			switch {
			case inTitle:
				info.Title += t
			case skip > 0:
			default:
				text(t)
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			end := tt == html.EndTagToken
			switch a {
			case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Head:
				if tt == html.StartTagToken {
					skip++
				} else if end && skip > 0 {
					skip--
				}
				continue
			case atom.Title:
				inTitle = tt == html.StartTagToken
				continue
			case atom.Meta:
				if hasAttr {
					var mname, content string
					for {
						k, v, more := z.TagAttr()
						switch strings.ToLower(string(k)) {
						case "name":
							mname = strings.ToLower(string(v))
						case "content":
							content = string(v)
						}
						if !more {
							break
						}
					}
					if mname == "author" {
						info.Author = content
					}
				}
				continue
			}
			if skip > 0 && a != atom.Body {
				continue
			}
			if a == atom.Body && !end {
				skip = 0
			}
			switch a {
			case atom.Br:
				newline(newlines + 1)
				if newlines > 2 {
					newlines = 2
				}
			case atom.P, atom.Div, atom.Section, atom.Article, atom.Header, atom.Footer,
				atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Blockquote,
				atom.Pre, atom.Ul, atom.Ol, atom.Dl, atom.Hr, atom.Form, atom.Fieldset,
				atom.Address, atom.Figure, atom.Main, atom.Nav, atom.Aside:
				newline(2)
				if a == atom.Blockquote && tt != html.SelfClosingTagToken {
					if !end {
						quote++
					} else if quote > 0 {
						quote--
					}
				}
			case atom.Li, atom.Dt, atom.Dd:
				newline(1)
				if !end && a == atom.Li {
					b.WriteString("- ")
					newlines = 0
					pendingSpace = false
				}
			case atom.Tr, atom.Caption:
				newline(1)
			case atom.Td, atom.Th:
				if !end && newlines == 0 {
					b.WriteByte('\t')
					pendingSpace = false
				}
			case atom.Table:
				newline(2)
				if !end {
					info.Tables++
				}
			case atom.Img:
				if !end {
					info.Images++
				}
			case atom.Canvas, atom.Svg:
				if !end {
					info.Charts++
				}
			case atom.A:
				if !end && hasAttr {
					info.Links++
				}
			}
		}
	}
	return finishText(b.String(), limit), info
}

// finishText trims the text and cuts it to limit bytes.
func finishText(s string, limit int) string {
	s = strings.TrimSpace(s)
	if limit > 0 && len(s) > limit {
		s = cut(s, limit)
	}
	return s
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}
