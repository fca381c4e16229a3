package extract_test

import (
	"testing"

	"github.com/doctales/doctales"
)

// TestEngine_Phishing: phishing in its common forms is suspicious, low and
// has no deadline, and the legitimate mail that looks most like it is not
// (labelling guide, "Phishing is suspicious whatever its words"). The
// cases were written from the forms phishing takes (lookalike domains,
// login pages elsewhere, payment redirection in a thread, fake voicemail
// and shared documents, gift cards from a colleague's name on free mail),
// before the rules that read them.
func TestEngine_Phishing(t *testing.T) {
	type fields = map[string]any
	for _, tt := range []struct {
		name             string
		from, fromName   string
		to               []string
		subject, content string
		fields           fields
		attachments      []doctales.Attachment
		suspicious       bool
	}{
		// Phishing.
		{name: "BrandWithDigitsInDomain", from: "admin@m365-mailbox-verify.example", fromName: "Microsoft 365 Admin", to: []string{"owen@tallybooks.example"},
			subject: "Action Required: your mailbox will be suspended", content: "Dear Owen,\n\nTo avoid suspension of your account within 24 hours, you must verify your credentials immediately:\n\nhttps://m365-mailbox-verify.example/login?u=owen",
			suspicious: true},
		{name: "BankBrandGermanAccessLocked", from: "sicherheit@sparkasse-kundenservice-de.example", fromName: "Sparkasse Online-Banking", to: []string{"michael@web.example"},
			subject: "Wichtig: Ihr pushTAN-Zugang wird heute deaktiviert", content: "Sehr geehrte Kundin, sehr geehrter Kunde,\n\nbitte bestätigen Sie Ihr pushTAN-Verfahren bis heute, 23:59 Uhr. Andernfalls wird Ihr Zugang aus Sicherheitsgründen gesperrt.\n\nBitte halten Sie Ihre Anmeldedaten und Ihre Kartennummer bereit.",
			suspicious: true},
		{name: "CEOFraudGermanFreeMail", from: "thomas.berger.gf@gmail.example", fromName: "Thomas Berger", to: []string{"koch@firma.example"},
			subject: "Kurze Bitte", content: "Hallo Frau Koch,\n\nich sitze gerade beim Notar und kann nicht telefonieren. Wir müssen heute noch eine Anzahlung von 48.750,00 EUR leisten. Bitte behandeln Sie das streng vertraulich.\n\nThomas Berger",
			suspicious: true},
		{name: "GiftCardCEOFraudDutch", from: "h.bosman.directie@gmail.example", fromName: "Henk Bosman", to: []string{"inkoop@bedrijf.example"},
			subject: "Even iets regelen", content: "Hoi Sanne,\n\nKun je vandaag vijf cadeaukaarten van 100 euro kopen en mij de codes sturen? Graag geheimhouding, het is een verrassing voor het team.\n\nHenk Bosman\nDirecteur",
			suspicious: true},
		{name: "PostalBrandPortuguese", from: "naoresponda@correios-rastreamento-br.example", fromName: "Correios", to: []string{"ana@casa.example"},
			subject: "Sua encomenda está retida", content: "Olá,\n\nSua encomenda está retida. Efetue o pagamento da taxa nas próximas 48 horas ou a encomenda será devolvida: https://correios-rastreamento-br.example/pagamento",
			suspicious: true},
		{name: "LookalikeOfRecipientDomain", from: "dana.wells@fernhil-studio.example", fromName: "Dana Wells", to: []string{"accounts@fernhill-studio.example"},
			subject: "Updated payment details", content: "Hi,\n\nPlease note we have changed banks. Kindly update our account details before you pay the next invoice: IBAN DE44 5001 0517 5407 3249 31.\n\nThanks,\nDana",
			suspicious: true},
		{name: "PaymentRedirectInThread", from: "billing@supplier-invoices.example", fromName: "Greenleaf Supplies", to: []string{"ap@acme.example"},
			subject: "Re: Invoice 4471", content: "Hello,\n\nFurther to the below, our bank details have changed. Please make the payment to our new account details below and confirm once done.\n\nAccount number 48220193, sort code 20-45-77.\n\nOn Tue, Dec 1, 2026 at 9:00 AM AP Team <ap@acme.example> wrote:\n> We will pay invoice 4471 this week.",
			fields: fields{"inReplyTo": "<x1@acme.example>", "references": "<x1@acme.example>"}, suspicious: true},
		{name: "FakeVoicemail", from: "voice@vm-alerts.example", fromName: "Voice Message", to: []string{"j.ortiz@acme.example"},
			subject: "You have a new voicemail (0:42)", content: "You received a new voice message from +1 555 0142.\n\nListen to your message: https://acme-voicemail.portal-login.example/listen?id=88121\n\nSign in with your Office 365 email and password to play it.",
			suspicious: true},
		{name: "FakeSharedDocument", from: "share@docs-online.example", fromName: "OneDrive", to: []string{"me@acme.example"},
			subject: "Maria shared \"Q4 payroll.xlsx\" with you", content: "Maria has shared a document with you.\n\nOpen: https://0nedrive-files.example/view?doc=Q4\n\nYou will need to verify your email account to view the document.",
			suspicious: true},
		{name: "GiftCardsFromColleagueNameOnFreeMail", from: "r.hartmann.office@gmail.com", fromName: "Ruth Hartmann", to: []string{"paul@acme.example"},
			subject: "Quick favour", content: "Paul, are you available? I need you to purchase some gift cards for a client today, I'm in meetings all day and can't talk. Keep this between us for now. Reply with the card codes once you have them.",
			suspicious: true},
		{name: "MailboxQuota", from: "admin@mailserver-quota.example", fromName: "Mail Administrator", to: []string{"me@acme.example"},
			subject: "Mailbox storage limit reached", content: "Dear user,\n\nYour mailbox is almost full and incoming messages will be rejected within 24 hours. Click here to validate your account and get more space: http://mail-upgrade.example/acme\n\nMail Administrator",
			suspicious: true},
		{name: "BankLookalikeDigits", from: "alerts@wellsfarg0-online.example", fromName: "Account Services", to: []string{"me@home.example"},
			subject: "Unusual sign-in activity", content: "We detected an unusual sign-in to your online banking. Please confirm your identity at https://wellsfarg0-online.example/secure to avoid interruption.",
			suspicious: true},
		{name: "ParcelFee", from: "noreply@parcel-redelivery.example", fromName: "DHL Express", to: []string{"me@home.example"},
			subject: "Your parcel is on hold", content: "Your package could not be delivered because a customs fee of EUR 2.99 is unpaid. Pay the fee with your card details here: https://dhl-redeliver.example/pay",
			suspicious: true},
		{name: "PayrollFromFreeMail", from: "tom.becker.hr@outlook.com", fromName: "Tom Becker", to: []string{"payroll@acme.example"},
			subject: "Direct deposit", content: "Hi, I changed banks and need to update my direct deposit before the next payroll. What do you need from me? Thanks, Tom",
			suspicious: true},
		{name: "SpanishCredentials", from: "soporte@banco-seguridad-alerta.example", fromName: "Santander", to: []string{"cliente@correo.example"},
			subject: "Su cuenta ha sido bloqueada", content: "Estimado cliente, su cuenta ha sido bloqueada. Para desbloquearla, inicie sesión y confirme sus datos en https://santander-clientes.example/acceso",
			suspicious: true},
		{name: "DutchBankLookalikePincode", from: "service@ing-beveiliging-nl.example", fromName: "ING Klantenservice", to: []string{"klant@thuis.example"},
			subject: "Uw betaalpas verloopt - vraag vandaag een nieuwe aan", content: "Geachte klant,\n\nUw betaalpas verloopt binnenkort. Vraag vandaag nog een nieuwe pas aan via onderstaande link. Houd uw pincode en de gegevens van uw pas bij de hand.\n\nhttps://ing-beveiliging-nl.example/nieuwe-pas",
			suspicious: true},
		// Gmail to Gmail shares a domain but no organisation: a parcel fee
		// from "DHL Express" at gmail.com is no colleague's mail, while a
		// friend asking for her share of the tickets is no fraud.
		{name: "BrandOnFreeMailToTheSameFreeMail", from: "dhl.customs.desk@gmail.com", fromName: "DHL Express", to: []string{"megan.pryce@gmail.com"},
			subject: "Your parcel from Tokyo is held - customs fee due", content: "Dear Customer,\n\nYour parcel JD0148822 from Tokyo, Japan is held at customs. A fee of USD 2.99 must be paid within 12 hours or the parcel will be returned.\n\nPay now: http://dhl-clearance-pay.top/track\n\nDHL Express Customer Service",
			fields: fields{"replyTo": []map[string]string{{"email": "payments@dhl-clearance-pay.top"}}}, suspicious: true},
		// A bank's name on a foreign domain, the update of one's details
		// asked in Portuguese, replies to Gmail (blind-54, 2584).
		{name: "BankUpdateDetailsPortugueseReplyToFreeMail", from: "atendimento@bb-seguranca-app.top", fromName: "Banco do Brasil", to: []string{"bruno.azevedo@gmail.com"},
			subject: "Atualização cadastral obrigatória até 1º de janeiro", content: "Prezado cliente,\n\nIdentificamos que seu cadastro está desatualizado. Para evitar o bloqueio da sua conta e do seu cartão, atualize seus dados até 1º de janeiro acessando:\n\nhttps://bb-seguranca-app.top/atualizar\n\nBanco do Brasil S.A.",
			fields: fields{"replyTo": []map[string]string{{"email": "suporte.bb.cadastro@gmail.com"}}}, suspicious: true},
		// A savings bank's own regional domain, whose fraud alert sends
		// the reader to the bank's app, is no borrowed brand (blind-57,
		// 2698).
		{name: "RegionalSavingsBankOwnDomain", from: "sicherheit@sparkasse-nordhessen.de", fromName: "Sparkasse Nordhessen", to: []string{"anja.vogt@gmx.de"},
			subject: "Sicherheitshinweis: Ihre Kreditkarte wurde vorsorglich gesperrt", content: "Sehr geehrte Frau Vogt,\n\nsoeben wurden mit Ihrer Mastercard drei Zahlungen über zusammen 1.286,00 EUR bei einem Online-Händler versucht. Wir haben die Karte vorsorglich gesperrt.\n\nBitte öffnen Sie jetzt die S-App und bestätigen oder melden Sie die Umsätze, oder rufen Sie den Sperr-Notruf 116 116 an. Wir fragen niemals per E-Mail nach PIN, TAN oder Passwort.\n\nIhre Sparkasse Nordhessen",
			fields: fields{"autoSubmitted": "auto-generated"}, suspicious: false},
		// A forward is a disguise: the bank's name in a sub-domain of
		// someone else's domain, the sign-in link in the forwarded part,
		// the reader at the same second-level name under another suffix
		// (blind-58, 2740).
		{name: "ForwardedBankAlertFromASubdomain", from: "sicherheit@sparkasse-kundenportal-verify.example.com", fromName: "Sparkasse Kundenservice", to: []string{"holger.brandt@gmx.example.de"},
			subject: "WG: Ihre pushTAN-Registrierung läuft heute ab", content: "Sehr geehrter Kunde,\n\nbitte beachten Sie die untenstehende Nachricht unserer Sicherheitsabteilung.\n\n-----Ursprüngliche Nachricht-----\nVon: Sparkasse Sicherheit\nGesendet: Freitag, 11. Dezember 2026 06:00\nBetreff: pushTAN-Registrierung\n\nDRINGEND: Ihre pushTAN-Registrierung läuft heute um 23:59 Uhr ab. Bestätigen Sie sofort Ihre Zugangsdaten unter\nhttps://sparkasse-kundenportal-verify.example.com/login\nAndernfalls wird Ihr Online-Banking gesperrt.\n\nIhre Sparkasse",
			fields: fields{"replyTo": []map[string]string{{"email": "support@sk-verify.example.ru"}}}, suspicious: true},
		// "If it wasn't you, cancel here" at a bank's dressed-up domain
		// with replies to Gmail (blind-61, 2852); a foundation's initials
		// dressed up in a sub-domain of another domain (blind-60, 2824).
		{name: "NewDeviceCancelHereSpanish", from: "avisos@bbva-clientes-seguridad.example", fromName: "BBVA", to: []string{"lucia@correo.example"},
			subject: "Nuevo dispositivo vinculado", content: "BBVA: se ha vinculado un nuevo dispositivo a tu cuenta. Si no has sido tú, cancela aquí en 2 horas: http://bbva-clientes-seguridad.example/cancelar",
			fields: fields{"replyTo": []map[string]string{{"email": "bbva.soporte.clientes@gmail.com"}}}, suspicious: true},
		{name: "InitialsDressedInASubdomain", from: "bolsas-fct@fct-validacao.example-secure.com", fromName: "FCT - Bolsas", to: []string{"tiago.matos@campus.example-ulisboa.pt"},
			subject: "Ação necessária: confirme os seus dados para não suspender a bolsa", content: "Caro(a) bolseiro(a),\n\nDetetámos uma inconsistência nos dados bancários associados à sua bolsa de doutoramento. Para evitar a suspensão do pagamento de dezembro, confirme os seus dados e credenciais institucionais nas próximas 24 horas:\n\nhttps://fct-validacao.example-secure.com/login\n\nFundação para a Ciência e a Tecnologia",
			suspicious: true},
		{name: "FriendOnTheSameFreeMailAsksForHerShare", from: "jo.whitlock@gmail.com", fromName: "Jo Whitlock", to: []string{"megan.pryce@gmail.com"},
			subject: "Tickets!", content: "Hi Megan,\n\nGot the tickets for Saturday. Could you send me your £42 by Friday? My bank details are the same as last time.\n\nJo x",
			suspicious: false},
		// A friend's deposit from Gmail in a thread the reader wrote in
		// (the attribution wraps over two lines) is no fraud.
		{name: "FreeMailDepositInTheReadersThread", from: "davide.russo@gmail.com", fromName: "Davide Russo", to: []string{"marco.bianchi@studiobianchi.example"},
			subject: "Re: Cortina a gennaio", content: "Ciao Marco,\n\nil rifugio vuole la caparra entro martedì. Mi confermi entro lunedì se venite? Così mercoledì faccio un solo bonifico per tutti, è urgente.\n\nDavide\n\nIl giorno mer 9 dic 2026 alle 22:41 Marco Bianchi\n<marco.bianchi@studiobianchi.example> ha scritto:\n> Io ci sarei, devo sentire Giulia.",
			suspicious: false},
		{name: "BankChangeAcrossLineBreak", from: "ar@brightmoor-packaging.co", fromName: "Accounts Receivable", to: []string{"payables@hartwell.example"},
			subject: "Updated bank details - invoice BP-40917", content: "Dear Payables team,\n\nAll payments including the outstanding invoice BP-40917 must be sent to\nour new account:\n\n  Sort code: 40-19-77\n  Account: 71130482\n\nPlease do not call our office line.",
			suspicious: true},
		{name: "HRDepartmentFromOutside", from: "hr-notice@staffdocs-portal.example", fromName: "HR Department", to: []string{"liv@vendelmark.example"},
			subject: "2027 Salary Adjustment Letter - action required", content: "Dear Employee,\n\nYour salary letter has been published on the secure HR portal: https://staffdocs-portal.example/vendelmark/sso\n\nSign in with your corporate email address and password.",
			suspicious: true},
		{name: "HTMLInvoiceAttached", from: "accounts@invoice-docs-center.example", fromName: "Accounts Department", to: []string{"amy@farm.example"},
			subject: "OVERDUE invoice #INV-99812", content: "Dear Sir/Madam,\n\nInvoice #INV-99812 remains unpaid. Please open the attached invoice and pay immediately to avoid legal action.",
			attachments: []doctales.Attachment{{Name: "INV-99812.html", Type: "application/octet-stream"}}, suspicious: true},
		{name: "DeParcelFeeBrandInDomain", from: "info@dhl-zustellung-paket.example", fromName: "DHL Express", to: []string{"markus@web.example"},
			subject: "Ihr Paket wartet: Zollgebühr ausstehend", content: "Sehr geehrte Kundin, sehr geehrter Kunde,\n\nbitte begleichen Sie die Zollgebühr von 1,99 EUR bis heute 23:59 Uhr: https://dhl-zustellung-paket.example/zoll\n\nZur Bezahlung benötigen Sie Ihre Kreditkartendaten.",
			suspicious: true},
		{name: "FrNewRIBInThread", from: "o.brunet@imprimerie-brunett.example", fromName: "Olivier Brunet", to: []string{"n.lemaire@cabinet-lemaire.example"},
			subject: "RE: Facture F-2026-0912", content: "Bonjour,\n\nNotre banque a changé suite à un audit. Merci de ne plus utiliser l'ancien RIB et d'effectuer le virement aujourd'hui sur le nouveau compte.\n\nLe 2 déc. 2026, Nadège Lemaire <n.lemaire@cabinet-lemaire.example> a écrit :\n> Pourriez-vous renvoyer la facture ?",
			fields: fields{"inReplyTo": "<x2@cabinet-lemaire.example>"}, suspicious: true},

		// Legitimate mail that looks like it.
		{name: "RealBankOwnDomain", from: "alerts@northbank.example", fromName: "Northbank", to: []string{"me@home.example"},
			subject: "Your card payment failed", content: "Dear customer, a payment on your card ending 4411 was declined. Please update your payment details in online banking at https://www.northbank.example/login.",
			suspicious: false},
		{name: "ITResetSameDomain", from: "it-support@acme.example", fromName: "Acme IT", to: []string{"me@acme.example"},
			subject: "Your password expires in 5 days", content: "Your Acme password expires on Friday. Please change it at https://sso.acme.example/password before then.",
			suspicious: false},
		{name: "ColleagueSharedDoc", from: "maria@acme.example", fromName: "Maria Lopez", to: []string{"me@acme.example"},
			subject: "Q4 plan", content: "Hi, I shared the Q4 plan with you: https://acme.sharepoint.example/sites/plan/q4 . Could you review it by Thursday?",
			suspicious: false},
		{name: "SupplierInvoiceOwnLink", from: "invoices@greenleaf.example", fromName: "Greenleaf Supplies", to: []string{"ap@acme.example"},
			subject: "Invoice 4512", content: "Please find invoice 4512 for December attached, due 20 December. You can also pay online at https://pay.greenleaf.example/4512.",
			suspicious: false},
		{name: "ColleagueGiftForTeam", from: "hr@acme.example", fromName: "Acme HR", to: []string{"staff@acme.example"},
			subject: "Holiday gift cards", content: "Everyone will receive a gift card with the December payslip. No action needed.",
			suspicious: false},
		{name: "ThreadReplyAboutBankFromColleague", from: "ana@acme.example", fromName: "Ana Ruiz", to: []string{"me@acme.example"},
			subject: "Re: expenses", content: "I sent the reimbursement to your account yesterday, let me know if it has not arrived.\n\nOn Mon, Dec 7, 2026 at 9:00 AM Me <me@acme.example> wrote:\n> Did the reimbursement go out?",
			fields: fields{"inReplyTo": "<y@acme.example>"}, suspicious: false},
		{name: "PDFInvoiceAttached", from: "invoices@greenleaf.example", fromName: "Greenleaf Supplies", to: []string{"ap@acme.example"},
			subject: "Invoice 4513 overdue", content: "Hello,\n\nInvoice 4513 is now 10 days overdue. Please find it attached and pay at your earliest convenience.",
			attachments: []doctales.Attachment{{Name: "invoice-4513.pdf", Type: "application/pdf"}}, suspicious: false},
		{name: "OwnHRDepartment", from: "hr@acme.example", fromName: "HR Department", to: []string{"me@acme.example"},
			subject: "Salary letters", content: "Dear Employee,\n\nYour 2027 salary letter is on the intranet: https://intranet.acme.example/hr. Sign in with your usual password.",
			suspicious: false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := email(tt.subject, tt.content)
			c.SenderID, c.Sender, c.Recipients, c.Fields, c.Attachments = tt.from, tt.fromName, tt.to, tt.fields, tt.attachments
			d := MustExtract(t, c)
			if (d.Suspicious != "") != tt.suspicious {
				t.Fatalf("suspicious = %q, want %v (category %s, urgency %s %v)", d.Suspicious, tt.suspicious, d.Category, d.Urgency, d.UrgencyReasons)
			}
			if !tt.suspicious {
				return
			}
			if d.Category != doctales.CategorySuspicious || d.Urgency != doctales.UrgencyLow || d.Deadline != nil {
				t.Errorf("category %s, urgency %s, deadline %v; want suspicious, low, none", d.Category, d.Urgency, d.Deadline)
			}
		})
	}
}
