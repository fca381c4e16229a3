package notify_test

import (
	"fmt"
	"time"

	"github.com/doctales/doctales/notify"
)

// A receiver checks each webhook request with VerifySignature. During a
// rotation the sender signs with both keys, so a receiver that knows only
// one of them verifies.
func ExampleVerifySignature() {
	body := []byte(`{"Type":"Notification","MessageId":"m-1"}`)
	signedAt := time.Unix(1749546000, 0)
	sender := []notify.SigningKey{{ID: "k2026", Secret: "new-secret"}, {ID: "k2025", Secret: "old-secret"}}
	header := notify.SignatureHeaders(sender, signedAt, body)
	fmt.Println(header.Get(notify.HeaderTimestamp), header.Get(notify.HeaderKeyID))

	receiver := []notify.SigningKey{{ID: "k2025", Secret: "old-secret"}}
	fmt.Println(notify.VerifySignature(receiver, header, body, signedAt.Add(time.Minute), 0))
	fmt.Println(notify.VerifySignature(receiver, header, []byte(`{"tampered":true}`), signedAt, 0) != nil)
	fmt.Println(notify.VerifySignature(receiver, header, body, signedAt.Add(6*time.Minute), 0) != nil)
	// Output:
	// 1749546000 k2026,k2025
	// <nil>
	// true
	// true
}
