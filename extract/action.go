package extract

import (
	"regexp"
	"strings"
)

// requestCue matches phrases that ask the reader to do something or
// propose something to them.
var requestCue = regexp.MustCompile(`(?i)\b(please|pls|plz|kindly|could you|can you|would you|will you|would you mind|let me know|let us know|get back to me|i need you|need you to|you need to|you must|you should|make sure|don't forget|do not forget|remember to|rsvp|please advise|action required|action needed|respond by|reply by|i'd like you|i would like you|i want you|we need you|are you able|are you available|is it possible|can we|could we|shall we|should we|let's|let us|how about|why don't we|why don't you|i suggest|we suggest|i propose|we propose|i recommend|would it be possible|i was wondering if|do you have|do you know|need your|your approval|for your review|for your approval|awaiting your|look forward to hearing|call me|give me a call|email me|send me|(i|we) need (the|this|that|it|your|a|an|to have|to get)|(i|we)'d appreciate|i would appreciate|appreciate it if)\b`)

// noActionCue matches phrases that say no action is wanted.
var noActionCue = regexp.MustCompile(`(?i)\b(no action (is )?(required|needed)|no need to|nothing (to do|needed)|fyi|for your information|just sharing|just wanted to share|no reply (needed|necessary)|do not reply|don't reply|this is an automated|unsubscribe)\b`)

// imperativeVerbs are base-form verbs that open a request.
var imperativeVerbs = map[string]bool{
	"approve": true, "call": true, "send": true, "review": true, "sign": true, "submit": true,
	"check": true, "confirm": true, "reply": true, "respond": true, "forward": true, "fill": true,
	"complete": true, "update": true, "schedule": true, "contact": true, "email": true,
	"give": true, "bring": true, "provide": true, "prepare": true, "remember": true, "consider": true, "attend": true,
	"register": true, "pay": true, "book": true, "join": true, "meet": true, "fix": true,
	"add": true, "remove": true, "delete": true, "verify": true, "ask": true, "tell": true,
	"let": true, "do": true, "don't": true, "dont": true,
	"return": true, "finish": true, "draft": true, "share": true, "print": true,
	"phone": true, "arrange": true, "set": true, "pick": true, "ensure": true, "advise": true,
	"move": true, "cancel": true, "change": true, "sort": true, "handle": true, "process": true,
}

// sentenceAction scores one sentence as a request to the reader (0..1) and
// names the cue that decided it.
func sentenceAction(s string) (float64, string) {
	if noActionCue.MatchString(s) {
		return 0.05, ""
	}
	if m := requestCue.FindString(s); m != "" {
		return 0.85, "request: " + strings.ToLower(m)
	}
	ws := words(s)
	// Skip a leading vocative: "John, please ..." is caught above; "John, send ...".
	if len(ws) > 1 && strings.Contains(s, ",") && len(strings.SplitN(s, ",", 2)[0]) < 20 {
		if first := words(strings.SplitN(s, ",", 2)[1]); len(first) > 0 && imperativeVerbs[first[0]] {
			return 0.75, "imperative: " + first[0]
		}
	}
	if len(ws) > 1 && imperativeVerbs[ws[0]] {
		return 0.75, "imperative: " + ws[0]
	}
	t := strings.TrimSpace(s)
	if strings.HasSuffix(t, "?") {
		for _, w := range ws {
			if w == "you" || w == "your" {
				return 0.8, "question to you"
			}
		}
		return 0.55, "question"
	}
	return 0.1, ""
}
