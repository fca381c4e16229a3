package extract_test

import (
	"strings"
	"testing"

	"github.com/doctales/doctales"
)

// TestEngine_AutomatedUrgency: automated mail is low when it asks nothing
// of the reader, medium when it asks the reader to act on their own account
// or service within about a week, high only for an incident now or a bill
// due by the next working day (labelling guide, "Settled cases"). The
// message is read an hour after Tuesday 10 June 2025 09:00 UTC.
func TestEngine_AutomatedUrgency(t *testing.T) {
	for _, tt := range []struct {
		name, from, subject, content, urgency string
	}{
		{"CardExpiring", "billing@streamly.example", "Your card is about to expire",
			"Your card ending 4242 expires on June 14. Please update your payment method before then to avoid an interruption of your subscription.", "medium"},
		{"PaymentFailed", "billing@cloudhost.example", "Payment failed for your subscription",
			"We couldn't charge your card for your Pro plan. Please update your payment details within 7 days to keep your account active.", "medium"},
		{"DomainRenewal", "no-reply@registrar.example", "Your domain expires on June 16",
			"The domain acme-foods.example expires on June 16, 2025. Renew it now to keep your website and e-mail working.", "medium"},
		{"BillDueTomorrow", "invoices@power-utility.example", "Your bill is due tomorrow",
			"Your electricity bill of EUR 84.20 is due on June 11, 2025. Please pay by the due date to avoid a late fee.", "high"},
		{"TicketAck", "support@helpdesk.example", "[Ticket #4821] We received your request",
			"Thank you for contacting us. We received your request #4821 and an agent will reply within 2 business days. Please do not reply to this message.", "low"},
		{"Shipped", "shipping@shop.example", "Your order has shipped",
			"Good news! Your order #88213 has shipped and will arrive on Thursday.", "low"},
		{"BuildPassed", "builds@ci.example", "Build #442 passed",
			"Build #442 of main passed in 4m12s.", "low"},
		{"PasswordChanged", "security@accounts.example", "Your password was changed",
			"The password of your account was changed on June 10 at 08:55 UTC. If this was you, no action is needed.", "low"},
		{"RenewalFarOff", "licensing@softco.example", "Your annual license renews on July 30",
			"Your annual license renews automatically on July 30, 2025. No action is needed.", "low"},
		{"SubscriptionCancelledSoon", "billing@saasapp.example", "Action needed: update your payment method",
			"Your subscription will be cancelled on June 13 unless you update your payment method.", "medium"},
		{"ReviewRequested", "notifications@github.example", "Review requested on pull request #311",
			"@ann, maria requested your review on pull request #311: Fix the retry loop in the uploader.", "medium"},
		{"OutagePage", "alerts@pagerduty.example", "[Triggered] SEV-1 payments API is down",
			"Incident #9921 triggered: payments API error rate 92%. You are on call until Monday 16 June 09:00 UTC. Acknowledge: https://pagerduty.example/i/9921", "high"},
		{"BillDueByFieldReference", "billing@water-utility.example", "Reminder: your water bill",
			"Account number: 40-118-2294\nAmount due: EUR 218.64\nDue date: 11 June 2025\n\nPlease make sure we receive your payment by the due date.", "high"},
		{"CardBeforeRenewalDate", "billing@ledger-app.example", "Your card was declined",
			"We could not pre-authorise your card for the annual renewal.\n\n  Renews on: Friday 13 June 2025\n\nPlease update your payment details before your renewal date.", "medium"},
		{"ShippingQuestion", "noreply@toyshop.example", "Your order is on its way",
			"Good news: your order ships today and arrives tomorrow between 14:00 and 16:00. Not at home? Then it goes to a pickup point nearby.", "low"},
		{"SecretExposed", "security-noreply@codehost.example", "Action required: AWS access key exposed in acme/billing",
			"We found a valid AWS access key in a public commit to acme/billing. Revoke it in your AWS console now and rotate any service that uses it.", "high"},
		// A receipt's due date was met by the payment it confirms
		// (blind-47, 2303, was medium).
		{"ReceiptDueDateMet", "nao-responda@banco.example", "Comprovante de pagamento de boleto",
			"Olá, Larissa.\n\nSeu pagamento foi realizado com sucesso.\n\nBeneficiário: Condomínio Jardim das Acácias\nValor: R$ 689,50\nVencimento: 12/06/2025\nData do pagamento: 10/06/2025\n\nEste é um e-mail automático, por favor não responda.", "low"},
		{"ReceiptDueDateMetEnglish", "billing@power-utility.example", "Payment received - thank you",
			"Thank you for your payment. Your payment was received on June 10, 2025.\n\nAmount: EUR 84.20\nDue date: June 11, 2025\n\nPlease keep this e-mail for your records.", "low"},
		{"TicketAckQuotedUrgent", "support@fibre.example", "[Request #784519] We've received your request",
			"Your request (#784519) has been received and a member of our team will reply within 2 working days.\n\nYour request:\n\n  \"The broadband drops every evening. This is urgent as I work from home.\"\n\nTo add information, reply to this e-mail.", "low"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := email(tt.subject, tt.content)
			c.SenderID, c.Sender = tt.from, ""
			c.Recipients = []string{"ann@example.com"}
			c.Fields = map[string]any{"autoSubmitted": "auto-generated"}
			d := MustExtract(t, c)
			if d.Category != doctales.CategoryAutomated {
				t.Errorf("category = %q %+v, want automated", d.Category, d.CategoryReasons)
			}
			if d.Category == doctales.CategoryAutomated && strings.Contains(tt.subject, "SEV-1") && d.Deadline != nil {
				t.Errorf("an outage page has a deadline %v (its times are facts)", d.Deadline)
			}
			if d.Urgency != tt.urgency {
				t.Errorf("urgency = %q %v (deadline %v), want %q", d.Urgency, d.UrgencyReasons, d.Deadline, tt.urgency)
			}
		})
	}
}

// TestEngine_PagesAndEvacuations: a pager's "[Triggered] #4471 …" is a
// page (blind-50, 2405, was low), and "EVACUATE NOW … Leave the building
// now by the EAST stairwell" to everyone on the reader's floors is high
// with no deadline (2398, was low).
func TestEngine_PagesAndEvacuations(t *testing.T) {
	c := email("[Triggered] #4471 Checkout API 5xx rate 38% (payments-prod)", "Incident #4471 TRIGGERED\n\nService: Checkout API (payments-prod)\nAssigned to: Ravi Menon (primary on-call this week)\n\nAlert: checkout-api 5xx rate 38% over 5 minutes (threshold 5%)\n\nAcknowledge: https://pagerduty.example/incidents/Q3X4471")
	c.SenderID, c.Sender = "no-reply@pagerduty.example", "PagerDuty"
	c.Fields = map[string]any{"autoSubmitted": "auto-generated"}
	if d := MustExtract(t, c); d.Urgency != doctales.UrgencyHigh {
		t.Errorf("[Triggered] page: urgency %s %v, want high", d.Urgency, d.UrgencyReasons)
	}
	c = email("EVACUATE NOW - gas leak reported, floors 2-6", "ATTENTION ALL OCCUPANTS OF FLOORS 2 THROUGH 6\n\nCon Edison has reported a gas leak at the Water Street side of the building. Leave the building now by the EAST stairwell. Do not use the elevators.\n\nAssemble at Battery Park, by the flagpole.\n\nDarnell Price\nSecurity Supervisor")
	if d := MustExtract(t, c); d.Urgency != doctales.UrgencyHigh {
		t.Errorf("evacuation: urgency %s %v, want high", d.Urgency, d.UrgencyReasons)
	}
}
