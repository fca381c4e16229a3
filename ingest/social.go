package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/doctales/doctales"
)

// Social exports become request bodies for the [Normalizer], in the
// original system's social shape (platform, user, user_id, text, mentions,
// hashtags, timestamp), so that a post imported from a file and a post sent
// to POST /communications take the same path. Each body carries a
// deterministic id, so importing an export again replays.

var (
	mentionRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?:^|[^\w@])@([A-Za-z0-9_][A-Za-z0-9_.-]{0,63})`) })
	hashtagRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?:^|[^\w#&])#([\p{L}\p{N}_]{1,100})`) })
)

// SocialPost turns one line of a JSON-lines export of posts into a request
// body. The line is a JSON object with the social keys; its other keys are
// kept. The id derives from opt.Project, the platform and the line's "id"
// (or "post_id"), else the hash of the line. The timestamp may be RFC 3339,
// Unix seconds or a few common layouts. Mentions and hashtags missing from
// the line are found in the text. Errors are EINVALID *doctales.Error.
func SocialPost(line []byte, opt Options) ([]byte, error) {
	if err := opt.check(); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil || obj == nil {
		msg := "not a JSON object"
		if err != nil {
			msg = "not valid JSON: " + cut(err.Error(), 120)
		}
		return nil, doctales.FieldErrorf(doctales.EINVALID, "body", "post is %s", msg)
	}
	platform, _ := obj["platform"].(string)
	if platform == "" {
		platform = "social"
	}
	key := ""
	for _, k := range []string{"id", "post_id", "postId"} {
		if v, ok := obj[k]; ok && v != nil {
			key = fmt.Sprint(v)
			if k != "id" {
				break
			}
			obj["postId"] = v
			delete(obj, "id")
			break
		}
	}
	if key == "" {
		key = "sha256:" + doctales.ContentHash(bytes.TrimSpace(line))
	}
	project := opt.project()
	if p, ok := obj["project"].(string); ok && p != "" && opt.Project == "" {
		project = p
	}
	obj["id"] = DeriveID("post", project, platform+":"+key)
	obj["project"] = project
	obj["type"] = doctales.TypeSocial
	obj["platform"] = platform
	switch {
	case opt.Source != "":
		obj["source"] = opt.Source
	case obj["source"] == nil:
		obj["source"] = platform
	}
	if err := socialTime(obj); err != nil {
		return nil, err
	}
	text, _ := obj["text"].(string)
	addTags(obj, text)
	return json.Marshal(obj)
}

// addTags sets mentions and hashtags found in text when obj has none.
func addTags(obj map[string]any, text string) {
	if obj["mentions"] == nil {
		if m := findAll(mentionRe(), text); len(m) > 0 {
			obj["mentions"] = m
		}
	}
	if obj["hashtags"] == nil {
		if h := findAll(hashtagRe(), text); len(h) > 0 {
			obj["hashtags"] = h
		}
	}
}

// findAll returns the distinct first groups of re in s, at most
// DefaultMaxRecipients.
func findAll(re *regexp.Regexp, s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range re.FindAllStringSubmatch(s, DefaultMaxRecipients*2) {
		if !seen[m[1]] && len(out) < DefaultMaxRecipients {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	return out
}

// socialTime rewrites obj["timestamp"] (or "created_at", "date", "time")
// as RFC 3339.
func socialTime(obj map[string]any) error {
	for _, k := range []string{"timestamp", "created_at", "date", "time"} {
		v, ok := obj[k]
		if !ok || v == nil {
			continue
		}
		t, ok := parseSocialTime(v)
		if !ok {
			if k == "timestamp" {
				return doctales.FieldErrorf(doctales.EINVALID, "timestamp",
					"timestamp %s is not an RFC 3339 time or Unix seconds", quote(fmt.Sprint(v)))
			}
			continue
		}
		if k != "timestamp" {
			delete(obj, k)
		}
		obj["timestamp"] = t.UTC().Format(time.RFC3339Nano)
		return nil
	}
	return nil
}

var socialLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04:05Z07:00",
	time.RubyDate, // Twitter's created_at: "Mon Jan 02 15:04:05 -0700 2006"
	time.RFC1123Z,
	"2006-01-02",
}

// parseSocialTime reads a time as RFC 3339, a few common layouts, or Unix
// seconds (a number or a numeric string such as Slack's "1355517523.000005").
func parseSocialTime(v any) (time.Time, bool) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case string:
		s = strings.TrimSpace(x)
	default:
		return time.Time{}, false
	}
	for _, l := range socialLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, t.Year() >= 1970 && t.Year() <= 9999
		}
	}
	// Unix seconds, with the fraction read exactly (a float would turn
	// Slack's ".000200" into 200.033µs).
	whole, frac, _ := strings.Cut(s, ".")
	sec, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || sec <= 0 || sec >= 253402300800 || len(frac) > 9 {
		return time.Time{}, false
	}
	var nsec int64
	if frac != "" {
		n, err := strconv.ParseInt(frac, 10, 64)
		if err != nil || n < 0 {
			return time.Time{}, false
		}
		for i := len(frac); i < 9; i++ {
			n *= 10
		}
		nsec = n
	}
	return time.Unix(sec, nsec).UTC(), true
}

// SlackDirectory holds the users and channels of a Slack export
// (users.json, channels.json), to read the messages of its channel
// folders.
type SlackDirectory struct {
	users    map[string]slackUser
	channels map[string]string // channel name -> id
}

type slackUser struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	RealName string `json:"real_name"`
	Profile  struct {
		RealName    string `json:"real_name"`
		DisplayName string `json:"display_name"`
		Email       string `json:"email"`
	} `json:"profile"`
}

// display returns the user's best display name.
func (u slackUser) display() string {
	for _, s := range []string{u.Profile.RealName, u.RealName, u.Profile.DisplayName, u.Name} {
		if s != "" {
			return s
		}
	}
	return u.ID
}

// NewSlackDirectory reads users.json and channels.json of a Slack export;
// either may be nil. It returns EINVALID when one is not the expected JSON
// array.
func NewSlackDirectory(usersJSON, channelsJSON []byte) (*SlackDirectory, error) {
	d := &SlackDirectory{users: map[string]slackUser{}, channels: map[string]string{}}
	if usersJSON != nil {
		var users []slackUser
		if err := json.Unmarshal(usersJSON, &users); err != nil {
			return nil, doctales.FieldErrorf(doctales.EINVALID, "users.json", "users.json is not a JSON array of users: %s", cut(err.Error(), 120))
		}
		for _, u := range users {
			d.users[u.ID] = u
		}
	}
	if channelsJSON != nil {
		var chans []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}
		if err := json.Unmarshal(channelsJSON, &chans); err != nil {
			return nil, doctales.FieldErrorf(doctales.EINVALID, "channels.json", "channels.json is not a JSON array of channels: %s", cut(err.Error(), 120))
		}
		for _, c := range chans {
			d.channels[c.Name] = c.ID
		}
	}
	return d, nil
}

// SlackBody is one message of a Slack channel file as a request body, or
// the reason it could not be read.
type SlackBody struct {
	Index int    // position in the file's array
	Body  []byte // request body for the Normalizer; nil when Err is set
	Err   error
}

// slackMention is a user mention in Slack markup: <@U123> or <@U123|name>.
var slackMention = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`<@([A-Z0-9]+)(?:\|([^>]*))?>`) })

// slackLink is a link or channel reference in Slack markup: <url|label>,
// <#C123|name>, <!here>.
var slackLink = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`<([^<>|]*)(?:\|([^<>]*))?>`) })

// Messages turns one channel day file (<channel>/<yyyy-mm-dd>.json, a JSON
// array of messages) into request bodies. Channel join and leave notices
// and messages without text are skipped. Each body has source "slack" (or
// opt.Source), platform "slack", the user's display name and id, the text
// with Slack markup turned into plain @names and labels, the mentioned
// users, the channel as recipient and hashtag, and a deterministic id from
// the channel and the message's ts. A file that is not a JSON array is
// EINVALID.
func (d *SlackDirectory) Messages(channel string, day []byte, opt Options) ([]SlackBody, error) {
	if err := opt.check(); err != nil {
		return nil, err
	}
	var msgs []map[string]any
	dec := json.NewDecoder(bytes.NewReader(day))
	dec.UseNumber()
	if err := dec.Decode(&msgs); err != nil {
		return nil, doctales.FieldErrorf(doctales.EINVALID, "body", "channel file is not a JSON array of messages: %s", cut(err.Error(), 120))
	}
	project := opt.project()
	source := opt.Source
	if source == "" {
		source = "slack"
	}
	var out []SlackBody
	for i, m := range msgs {
		if m == nil {
			continue
		}
		switch m["subtype"] {
		case "channel_join", "channel_leave", "channel_purpose", "channel_topic", "channel_name", "bot_add", "bot_remove":
			continue
		}
		text, _ := m["text"].(string)
		if strings.TrimSpace(text) == "" {
			continue
		}
		ts, _ := m["ts"].(string)
		if ts == "" {
			out = append(out, SlackBody{Index: i, Err: doctales.FieldErrorf(doctales.EINVALID, "ts", "message %d has no ts", i)})
			continue
		}
		uid, _ := m["user"].(string)
		name := uid
		if u, ok := d.users[uid]; ok {
			name = u.display()
		} else if un, ok := m["user_name"].(string); ok && un != "" {
			name = un
		} else if un, ok := m["username"].(string); ok && un != "" {
			name = un
		}
		var mentions []string
		text = slackMention().ReplaceAllStringFunc(text, func(s string) string {
			sm := slackMention().FindStringSubmatch(s)
			n := sm[2]
			if u, ok := d.users[sm[1]]; ok {
				n = u.display()
			}
			if n == "" {
				n = sm[1]
			}
			mentions = append(mentions, n)
			return "@" + n
		})
		text = slackLink().ReplaceAllStringFunc(text, func(s string) string {
			sm := slackLink().FindStringSubmatch(s)
			switch {
			case sm[2] != "" && strings.HasPrefix(sm[1], "#"):
				return "#" + sm[2]
			case sm[2] != "":
				return sm[2]
			case strings.HasPrefix(sm[1], "!"):
				return "@" + strings.TrimPrefix(sm[1], "!")
			}
			return sm[1]
		})
		text = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(text)
		body := map[string]any{
			"id":         DeriveID("post", project, "slack:"+channel+":"+ts),
			"source":     source,
			"type":       doctales.TypeSocial,
			"project":    project,
			"platform":   "slack",
			"user":       cutChars(name, DefaultMaxNameLength),
			"user_id":    cutChars(uid, DefaultMaxNameLength),
			"text":       text,
			"channel":    channel,
			"recipients": []string{"#" + channel},
			"ts":         ts,
		}
		if id := d.channels[channel]; id != "" {
			body["channelId"] = id
		}
		if t, ok := parseSocialTime(ts); ok {
			body["timestamp"] = t.Format(time.RFC3339Nano)
		}
		if len(mentions) > 0 {
			body["mentions"] = dedupe(mentions)
		}
		addTags(body, text)
		for _, k := range []string{"thread_ts", "reply_count", "subtype"} {
			if v, ok := m[k]; ok {
				body[k] = v
			}
		}
		b, err := json.Marshal(body)
		out = append(out, SlackBody{Index: i, Body: b, Err: err})
	}
	return out, nil
}

// dedupe returns s without repeats, in order, at most DefaultMaxRecipients.
func dedupe(s []string) []string {
	seen := map[string]bool{}
	out := s[:0]
	for _, x := range s {
		if !seen[x] && len(out) < DefaultMaxRecipients {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
