package fsblob

import (
	"bytes"
	"testing"
)

// BenchmarkCipher measures encryption alone, without the file system: the
// cost a put and a get of a 16 KiB object pay for it. Run with
// go test -run '^$' -bench Cipher ./fsblob/
func BenchmarkCipher(b *testing.B) {
	c, err := NewCipher(bytes.Repeat([]byte{1}, KeySize))
	if err != nil {
		b.Fatal(err)
	}
	data := bytes.Repeat([]byte("0123456789abcdef"), 1024)
	b.Run("Seal", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			c.seal("email/2025/06/10/x.json", data)
		}
	})
	sealed := c.seal("email/2025/06/10/x.json", data)
	b.Run("Open", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := Decode(c, "email/2025/06/10/x.json", sealed); err != nil {
				b.Fatal(err)
			}
		}
	})
}
