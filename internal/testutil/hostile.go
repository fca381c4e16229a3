//go:build unix

package testutil

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// HostileMail is a normal message for the hostile import tree.
const HostileMail = "From: Ana <ana@acme.example>\nTo: bo@example.com\nSubject: Normal\nMessage-ID: <normal@acme.example>\nDate: Tue, 10 Jun 2025 15:30:00 +0000\n\nA normal message.\n"

// HostileOldMail is the message in the hidden folder that only
// --follow-symlinks reaches, through two links.
const HostileOldMail = "From: Bo <bo@acme.example>\nTo: ana@example.com\nSubject: Old\nMessage-ID: <old@acme.example>\nDate: Mon, 9 Jun 2025 10:00:00 +0000\n\nAn old message.\n"

// HostileEscName is the name of a file in the hostile tree holding an
// escape sequence that would clear the screen and colour the terminal.
const HostileEscName = "esc\x1b[2J\x1b[31mred.eml"

// HostileHugeBytes is the size of the hostile tree's sparse huge.eml.
const HostileHugeBytes = 1 << 30

// HostileEntry is an entry of the hostile tree that must not be imported,
// with the reason the summary must give (a substring).
type HostileEntry struct {
	Name   string // path under the root
	Reason string
}

// HostileTree writes, in a temporary folder, a tree mixing normal sources
// with entries that once made `doctales import` loop, hang, exhaust memory
// or read outside the folder (issue 10), and returns its root and the
// entries every import must skip or refuse without following links.
//
//	mail.eml                         a normal message          (imported)
//	slack/channels.json, users.json  a Slack export
//	slack/general/2024-01-02.json    a day with one message    (imported)
//	slack/general/2024-01-01.json    a FIFO named like a day
//	pipe.eml                         a FIFO
//	self -> self, loop-a <-> loop-b  symbolic link loops
//	passwd -> /etc/passwd            a link out of the folder
//	zero.eml -> /dev/zero            a link to a device out of the folder
//	huge.eml                         a sparse 1 GiB file
//	esc\x1b[2J...red.eml             not a message, named with escapes
//	.archive/old/old.eml             hidden: reached only through links
//	.archive/old/back -> ../..       a link back to the root (a loop)
//	old -> .archive/old, again -> .archive/old   links inside the folder
func HostileTree(tb testing.TB) (string, []HostileEntry) {
	tb.Helper()
	root := tb.TempDir()
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	write := func(name, body string) {
		p := filepath.Join(root, name)
		must(os.MkdirAll(filepath.Dir(p), 0o755))
		must(os.WriteFile(p, []byte(body), 0o600))
	}
	link := func(target, name string) { must(os.Symlink(target, filepath.Join(root, name))) }

	write("mail.eml", HostileMail)
	write("slack/channels.json", `[{"id":"C1","name":"general"}]`)
	write("slack/users.json", `[{"id":"U1","name":"ana"}]`)
	write("slack/general/2024-01-02.json", `[{"type":"message","user":"U1","text":"standup in 5","ts":"1704189600.000100"}]`)
	must(syscall.Mkfifo(filepath.Join(root, "slack/general/2024-01-01.json"), 0o600))
	must(syscall.Mkfifo(filepath.Join(root, "pipe.eml"), 0o600))
	link("self", "self")
	link("loop-b", "loop-a")
	link("loop-a", "loop-b")
	link("/etc/passwd", "passwd")
	link("/dev/zero", "zero.eml")
	f, err := os.Create(filepath.Join(root, "huge.eml"))
	must(err)
	must(f.Truncate(HostileHugeBytes)) // sparse: no disk used
	must(f.Close())
	write(HostileEscName, "\x00\x01 not mail")
	write(".archive/old/old.eml", HostileOldMail)
	link("../..", ".archive/old/back")
	link(".archive/old", "old")
	link(".archive/old", "again")

	return root, []HostileEntry{
		{"slack/general/2024-01-01.json", "not a regular file (FIFO)"},
		{"pipe.eml", "not a regular file (FIFO)"},
		{"self", "symbolic link that cannot be resolved"},
		{"loop-a", "symbolic link that cannot be resolved"},
		{"loop-b", "symbolic link that cannot be resolved"},
		{"passwd", "symbolic link to outside the import folder"},
		{"zero.eml", "symbolic link to outside the import folder"},
		{"huge.eml", "message is 1073741824 bytes, over the limit of"},
		{HostileEscName, "not a readable e-mail message"},
	}
}
