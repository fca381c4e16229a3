package ingest_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/ingest"
)

func TestSocialPost(t *testing.T) {
	n := newNormalizer()
	line := `{"platform":"twitter","id":1234567890,"user":"Ana Ruiz","user_id":"@ana","text":"Launch moved to Friday @bo_lind #launch #q3","timestamp":1749562200,"likes":4}`
	body, err := ingest.SocialPost([]byte(line), ingest.Options{Project: "launch"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := n.Normalize(body)
	if err != nil {
		t.Fatalf("normalise %s: %v", body, err)
	}
	if c.Type != "social" || c.Source != "twitter" || c.Project != "launch" || c.Sender != "Ana Ruiz" || c.SenderID != "@ana" {
		t.Errorf("communication = %+v", c)
	}
	if want := time.Date(2025, 6, 10, 13, 30, 0, 0, time.UTC); !c.Timestamp.Equal(want) {
		t.Errorf("timestamp = %s, want %s (Unix seconds)", c.Timestamp, want)
	}
	if !reflect.DeepEqual(c.Fields["mentions"], []string{"bo_lind"}) || !reflect.DeepEqual(c.Fields["hashtags"], []string{"launch", "q3"}) {
		t.Errorf("mentions %v, hashtags %v: want them found in the text", c.Fields["mentions"], c.Fields["hashtags"])
	}
	if c.Fields["likes"] == nil || c.Fields["postId"] == nil {
		t.Errorf("fields = %v: unknown keys and the post id are kept", c.Fields)
	}
	again, _ := ingest.SocialPost([]byte(line), ingest.Options{Project: "launch"})
	c2, _ := n.Normalize(again)
	if c2.ID != c.ID {
		t.Error("the same post must get the same id")
	}

	for _, bad := range []string{`not json`, `[1,2]`, `{"text":"x","timestamp":"yesterday"}`} {
		if _, err := ingest.SocialPost([]byte(bad), ingest.Options{}); doctales.ErrorCode(err) != doctales.EINVALID {
			t.Errorf("%s: err = %v, want invalid", bad, err)
		}
	}
}

func TestSlackDirectory_Messages(t *testing.T) {
	users := `[{"id":"U1","name":"ana","real_name":"Ana Ruiz","profile":{"real_name":"Ana Ruiz","email":"ana@acme.example"}},
		{"id":"U2","name":"bo","profile":{"display_name":"Bo"}}]`
	channels := `[{"id":"C1","name":"general"}]`
	d, err := ingest.NewSlackDirectory([]byte(users), []byte(channels))
	if err != nil {
		t.Fatal(err)
	}
	day := `[
		{"type":"message","subtype":"channel_join","user":"U2","text":"<@U2> has joined the channel","ts":"1749562100.000100"},
		{"type":"message","user":"U1","text":"<@U2> can you review <https://example.com/doc|the doc> in <#C1|general> by 5pm? &lt;urgent&gt;","ts":"1749562200.000200"},
		{"type":"message","user":"U2","text":"","ts":"1749562300.000300"},
		{"type":"message","user":"U2","text":"no ts"}
	]`
	bodies, err := d.Messages("general", []byte(day), ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 2 || bodies[0].Err != nil || bodies[1].Err == nil || bodies[1].Index != 3 {
		t.Fatalf("bodies = %+v: want one message and one error (no ts)", bodies)
	}
	c, err := newNormalizer().Normalize(bodies[0].Body)
	if err != nil {
		t.Fatalf("normalise %s: %v", bodies[0].Body, err)
	}
	if c.Source != "slack" || c.Sender != "Ana Ruiz" || c.SenderID != "U1" {
		t.Errorf("sender = %q <%s>, source %q", c.Sender, c.SenderID, c.Source)
	}
	if want := "@Bo can you review the doc in #general by 5pm? <urgent>"; c.Content != want {
		t.Errorf("content = %q, want %q", c.Content, want)
	}
	if !reflect.DeepEqual(c.Fields["mentions"], []string{"Bo"}) || !reflect.DeepEqual(c.Recipients, []string{"#general"}) {
		t.Errorf("mentions %v, recipients %v", c.Fields["mentions"], c.Recipients)
	}
	if want := time.Unix(1749562200, 200_000).UTC(); !c.Timestamp.Equal(want) {
		t.Errorf("timestamp = %s, want %s", c.Timestamp, want)
	}
	if _, err := d.Messages("general", []byte(`{"not":"an array"}`), ingest.Options{}); doctales.ErrorCode(err) != doctales.EINVALID {
		t.Errorf("err = %v, want invalid", err)
	}
}
