package extract_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/doctales/doctales"
	"github.com/doctales/doctales/extract"
)

// TestEngine_Attention: what kind of message it is and whose words they
// are decide whether urgency words count (issue 14). Each case is what a
// reader would want, written before the rules.
func TestEngine_Attention(t *testing.T) {
	type fields = map[string]any
	for _, tt := range []struct {
		name              string
		from, fromName    string
		to                []string
		subject, content  string
		fields            fields
		category, urgency string
		suspicious        bool
		// modelRaises marks a case the rules get right and the
		// attention model (on by default) gets wrong: the case is
		// checked with the model off, and the model's answer is
		// checked to be high, so that a model that stops making the
		// error is noticed (docs/extraction.md, "Eleventh session",
		// known errors).
		modelRaises bool
	}{
		// A situation that cannot wait is high without "urgent"
		// (labelling guide, rule 5); a planned or past one is not.
		{name: "ClientWaitingInReception", subject: "your 10:00", content: "Hi Dana,\n\nMr. Okafor has been sitting in reception for twenty minutes now. Should I bring him up?\n\nMariana",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "SiteDownCustomersRinging", subject: "booking page", content: "Ben,\n\nThe booking page has been showing a blank page since 8:40. Phones haven't stopped. Can you have a look?\n\nJo",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "DriverAtTheGateGerman", subject: "Tor 3", content: "Hallo Jan,\n\nder Fahrer steht am Tor und wartet auf die Papiere.\n\nGrüße\nAnke",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "BurstPipeSpanish", subject: "tubería", content: "Hola, Carmen:\n\nEsta mañana se ha reventado la tubería del fregadero y al vecino le cae agua por la lámpara. ¿Puedes llamar al fontanero?\n\nLucía",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "ResolvedGermanMonitor", from: "noreply@statuspilot.example", fromName: "Statuspilot", subject: "[BEHOBEN] Störung: shop.example nicht erreichbar", content: "Die Störung ist behoben, shop.example ist wieder erreichbar.",
			category: doctales.CategoryAutomated, urgency: "low"},
		{name: "CattleOnTheRoad", subject: "deine Rinder", content: "Servus Franz,\n\ndeine Jungrinder stehen gerade auf der Staatsstraße, ich warte dort mit Warnblinker.\n\nSepp",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "ClientHereAtReceptionPortuguese", subject: "contrato", content: "Bruno,\n\nVocê consegue imprimir a versão corrigida e descer com ela? Ela está aqui na recepção e só tem meia hora.\n\nLuísa",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "VisitorsCheckedInAtFrontDesk", subject: "Lennox people are in reception", content: "Tom,\n\nThe two people from Lennox Freight just checked in at the front desk. My train is stuck outside Stamford. Could you go down and take them to the small room?\n\nPriya",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "MoversAtTheDoorSpanish", subject: "Estamos en la puerta", content: "Hola Lucía:\n\nYa estamos con el camión delante del portal. El conserje no nos deja subir sin hablar contigo. ¿Puedes llamarle?\n\nJavier",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "ItalianDoorAlarm", from: "noreply@notifiche.allarmi.example", fromName: "Allarmi Avvisi", subject: "Allarme: apertura porta ingresso - Via Roma 3", content: "Alle 14:02 il sensore della porta d'ingresso ha rilevato un'apertura con allarme inserito. Messaggio automatico, non rispondere.",
			category: doctales.CategoryAutomated, urgency: "high"},
		{name: "SpanishBankLookalikeUnlock", from: "avisos@santander-clientes-verificacion.example", fromName: "Banco Santander", subject: "Aviso de seguridad: su tarjeta ha sido bloqueada", content: "Estimado cliente:\n\nSu tarjeta ha sido bloqueada. Para desbloquearla debe confirmar sus datos en las próximas 24 horas:\n\nhttps://santander-clientes-verificacion.example/es/desbloqueo",
			category: doctales.CategorySuspicious, urgency: "low", suspicious: true},
		{name: "ElectricianAlreadyHereItalian", subject: "Quadro elettrico", content: "Buongiorno ing. Conti,\n\nsono già qui davanti al quadro del secondo piano. Devo togliere la corrente, ma c'è il vostro server acceso. Mi dà l'ok lei?\n\nFranco",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "DriverWaitingBesideMePortuguese", subject: "camião parado", content: "Ana,\n\nO motorista não carrega sem a guia. Consegues emitir a guia daí? O homem está aqui ao meu\nlado à espera.\n\nRui",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "ColdRoomOverThresholdItalian", from: "noreply@frigo.example", fromName: "Frigo Allarmi", subject: "ALLARME: Cella 2 – temperatura fuori soglia", content: "Temperatura attuale: +11,4 °C (soglia massima +4,0 °C). Fuori soglia dalle 05:41, in salita.",
			category: doctales.CategoryAutomated, urgency: "high"},
		{name: "SystemCutoffNextWorkingDay", from: "noreply@paycentral.example", fromName: "PayCentral", subject: "Action required: December payroll awaiting your approval", content: "This pay run is waiting for approval by an authorised approver (you). Approvals close at 11:00 tomorrow; after that the BACS file cannot reach the bank in time.\n\nThis mailbox is not monitored.",
			category: doctales.CategoryAutomated, urgency: "high"},
		{name: "DriverAtYourDoor", subject: "your delivery", content: "Hi Ellie, it's Pat from no. 14.\n\nThere's a driver from the supermarket at your door with a big order, he's been knocking for a while. He can leave it with me if you text him.\n\nPat",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "FitterNeedsToKnowNowDutch", subject: "werkblad past niet", content: "Joost,\n\nHet werkblad past niet. Hij moet nu weten wat we willen, anders pakt hij in. Bel hem even.\n\nSanne",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "ArrivedAtYourBuildingSpanish", subject: "Ya estamos abajo", content: "Hola Mariana,\n\nYa llegamos a tu edificio con la cocina, pero el vigilante no nos deja subir. ¿Puedes hablarle a la administración?\n\nRodrigo",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "SystemBeforeThenWrapped", from: "no-reply@climbing.example", fromName: "Studio North Climbing", subject: "We couldn't take your membership payment", content: "We tried to collect your membership payment on June 9, but your bank declined it.\n\nWe'll try again on June 13. Please update your payment method before\nthen so your membership stays active.",
			category: doctales.CategoryAutomated, urgency: "medium"},
		{name: "PortugueseBillDataLimite", from: "no-reply@notificacoes.luz.example", fromName: "Luz Energia", subject: "A sua fatura de dezembro está disponível", content: "Olá Inês,\n\nA sua fatura de eletricidade está disponível.\n\nValor a pagar:              86,42 EUR\nData-limite de pagamento:   16/06/2025\n\nComo não tem débito direto ativo, pague até à data-limite por referência Multibanco. Esta mensagem foi enviada automaticamente.",
			category: doctales.CategoryAutomated, urgency: "medium"},
		{name: "SweepWaitsAFewMinutesGerman", subject: "Schornsteinfeger", content: "Hallo Herr Brandt,\n\nder Schornsteinfeger ist jetzt oben, kommt aber nicht an Ihren Kamin. Er wartet noch ein paar Minuten, danach muss er weiter. Können Sie mich kurz anrufen?\n\nRenate",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "AtTheDoorNowDespiteLaterDateDutch", subject: "Taxatie", content: "Goedemorgen Anouk,\n\nIk sta nu voor de deur aan de Lindelaan, maar de buurvrouw is er niet. Kun je me bellen? Anders wordt het na de feestdagen, en je bank wil het rapport vóór 20 juni.\n\nErik",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "TaxRefundLookalikeSpanish", from: "devoluciones@aeat-reembolsos-online.example", fromName: "Agencia Tributaria", subject: "Notificación: tiene una devolución pendiente", content: "Estimado/a contribuyente:\n\nPara recibir el importe, introduzca los datos de su tarjeta bancaria en el siguiente formulario en un plazo de 48 horas:\n\nhttp://aeat-reembolsos-online.example/devolucion",
			category: doctales.CategorySuspicious, urgency: "low", suspicious: true},
		// The reader's ask in the other languages' own forms: "Llámame",
		// "Consegue …?" with "now" or "as soon as you read this".
		{name: "CallMeAsSoonAsYouReadThisSpanish", subject: "calentador", content: "Javi,\n\nEstoy en casa de mamá con el técnico. Dice que o cambiamos la válvula o el aparato entero. Llámame en cuanto leas esto.\n\nLucía",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "CanYouComeDownNowPortuguese", subject: "amostra", content: "Bruno,\n\nO cliente quer ver a amostra antes de fechar o pedido. Ela ficou na sua mesa. Consegue descer com ela agora?\n\nFê",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "CanYouSendItPortugueseIsARequest", subject: "fotos", content: "Oi Rafael,\n\nConsegue me mandar as fotos da obra quando puder?\n\nAbraço,\nLu",
			category: doctales.CategoryPerson, urgency: "medium"},
		{name: "TaxOfficeLookalikeDutch", from: "teruggave@belastingdienst-uitbetaling.example", fromName: "Belastingdienst", subject: "U heeft recht op een teruggave", content: "Geachte heer/mevrouw,\n\nOm de teruggave te ontvangen moet u binnen 3 dagen uw bankgegevens bevestigen via onderstaande link:\n\nhttps://belastingdienst-uitbetaling.example/teruggave",
			category: doctales.CategorySuspicious, urgency: "low", suspicious: true},
		// An hour later today beside a request cannot wait; a part of the
		// day in a past-tense aside ("emailed me this morning") is no hour.
		{name: "HourAheadTodayWithRequestSpanish", subject: "El ramo", content: "Javi,\n\nEstoy ya en la iglesia y el ramo de la novia se ha quedado en la cámara de la tienda. La ceremonia empieza a las 12:30. ¿Puedes traérmelo?\n\nLucía",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "HourAheadTodayWithRequestGerman", subject: "Leuchtreklame", content: "Hallo Sabine,\n\nder Hausmeister lässt uns nicht aufs Dach. Kannst du ihm die Zustimmung weiterleiten? Wir müssen um 14 Uhr hier fertig sein.\n\nJonas",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "PartOfDayInAsideIsNoHour", subject: "shot list", content: "Hi Kev,\n\nMarco emailed me again this morning about the list. Could you send it to him when you get a chance?\n\nNads",
			category: doctales.CategoryPerson, urgency: "medium"},
		{name: "FrostAlarmBelowLimit", from: "alarms@grownet.example", fromName: "GrowNet Alarms", subject: "ALARM House 3: air temperature 3.6 C below low limit (boiler 2 no flame)", content: "You are listed as the on-duty grower for this alarm group. Acknowledge this alarm in the app.\n\nThis message was generated automatically. Do not reply to this email.",
			category: doctales.CategoryAutomated, urgency: "high"},
		// Thanks, agreement and "nothing to do" ask nothing, in any
		// language; a footer's "please notify the sender" wrapped over two
		// lines is the footer's.
		{name: "WorksForMeAsksNothing", subject: "Re: call", content: "Works for me. Talk then.\n\nMarcus",
			category: doctales.CategoryReply, urgency: "low"},
		{name: "GermanThanksAsksNothing", subject: "Tischplan", content: "Hallo Katrin,\n\nsuper, der Tischplan passt so. Danke, dass du das noch übernommen hast!\n\nJana",
			category: doctales.CategoryPerson, urgency: "low"},
		{name: "FrenchNoActionRequired", subject: "Lettre de mission", content: "Madame, Monsieur,\n\nVeuillez trouver ci-joint la lettre de mission signée, pour vos archives. Aucune action n'est requise de votre part.\n\nClaire",
			category: doctales.CategoryPerson, urgency: "low"},
		{name: "WrappedFooterPleaseIsNoAsk", subject: "deposit", content: "James,\n\nNo need to do anything: I paid the deposit at 10:40 and the hall confirmed the booking.\n\nOlivia\n\nThis email is confidential and intended solely for the\naddressee. If you have received it in error, please notify the sender\nimmediately and delete it.",
			category: doctales.CategoryPerson, urgency: "low"},
		{name: "BankLookalikePortuguese", from: "seguranca@mbcp-validacao.example", fromName: "Millennium bcp", subject: "Alerta de segurança: confirme o seu acesso", content: "Caro(a) cliente,\n\nPara reativar, confirme a sua identidade com o seu código de utilizador no link abaixo:\nhttp://mbcp-validacao.example/reativar\n\nSe não confirmar nas próximas 12 horas, o acesso será bloqueado.",
			category: doctales.CategorySuspicious, urgency: "low", suspicious: true},
		{name: "WaterLeakAlarmDutch", from: "alerts@veiligthuis.example", fromName: "Thuisbewaking", subject: "ALARM: waterlek gedetecteerd - Bijkeuken", content: "Waterlek gedetecteerd\n\nDe sensor meet water op de vloer. Controleer de situatie zo snel mogelijk.\n\nOpen de app om de melding te bevestigen.",
			category: doctales.CategoryAutomated, urgency: "high"},
		{name: "KeypadRejectingEveryone", subject: "front door", content: "Rachel - keypad at the front door is rejecting everyone's code. Six of us outside in the rain.\n\nKofi",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "CallMeAsSoonAsYouReadItalian", subject: "forno", content: "Marco il forno grande è ancora acceso da stanotte e la chiave ce l'hai tu. Chiamami appena leggi.\n\nChiara",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "CheckoutFailingPage", from: "alerts@tillpoint.example", fromName: "Tillpoint Alerts", subject: "[Tillpoint] Checkout failing: 41 declined payments in the last 60 minutes", content: "In the last 60 minutes 41 of 44 card payments at checkout were declined. Open your store dashboard to reconnect the gateway.\n\nYou are receiving this because you are listed as the store owner.",
			category: doctales.CategoryAutomated, urgency: "high"},
		{name: "AuctionConsignmentIsNoFraud", subject: "Three chairs - consignment", content: "Hi Tom,\n\nThe one thing I still don't have is the signed consignment form. Entries for the sale close at 5pm today. Could you sign and send it back?\n\nHarriet",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "BankInDisplayNameAndLinkSubdomain", from: "avisos@seguridad-clientes-online.example", fromName: "Banco Santander", subject: "Aviso importante: su tarjeta ha sido bloqueada temporalmente", content: "Estimado cliente:\n\nPara reactivarla, confirme sus datos en el siguiente enlace:\n\nhttps://santander-es.seguridad-clientes-online.example/reactivar",
			category: doctales.CategorySuspicious, urgency: "low", suspicious: true},
		{name: "PostOfficeParcelFeeItalian", from: "avviso@poste-consegna-giacenza.example", fromName: "Poste Italiane", subject: "Il tuo pacco è in giacenza", content: "Gentile cliente,\n\nil tuo pacco non è stato consegnato per mancato pagamento delle spese di spedizione (1,99 €). Per programmare una nuova consegna, paga entro 24 ore qui:\nhttps://poste-consegna-giacenza.example/paga",
			category: doctales.CategorySuspicious, urgency: "low", suspicious: true},
		{name: "BankValidateDataPortuguese", from: "alerta@cgd-seguranca-online.example", fromName: "Caixa Geral de Depósitos", subject: "Acesso Caixadirecta bloqueado", content: "Caro cliente,\n\nPara evitar o cancelamento definitivo, valide os seus dados nas próximas 24 horas:\n\nhttps://cgd-seguranca-online.example/validar",
			category: doctales.CategorySuspicious, urgency: "low", suspicious: true},
		{name: "HomeInternetMailboxIsNoCompany", from: "javi.ortega.m@gmail.com", fromName: "Javier Ortega", to: []string{"lucia.ortega@telefonica.net"}, subject: "El comprador del coche está aquí", content: "Lucía,\n\nEstoy con el chico que viene a por el coche. Quiere hacer hoy mismo la transferencia en la gestoría, que cierra a las 13:30.\n\nMe faltan dos cosas que tienes tú: la foto del permiso de circulación y el DNI por las dos caras. ¿Me las puedes mandar antes de la una y media?\n\nJavi",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "BankDisplayNameOnFreeMail", from: "seguranca.bb@gmail.example", fromName: "Banco do Brasil", to: []string{"marcos.tavares@bol.com.br"}, subject: "Acesso bloqueado", content: "Prezado(a) cliente,\n\nDetectamos uma tentativa de acesso não reconhecida na sua conta. Para desbloquear, confirme sua senha de 6 dígitos no link abaixo ainda hoje:\n\n  http://bb-desbloqueio-seguro.example/cliente\n\nCentral de Segurança",
			category: doctales.CategorySuspicious, urgency: "low", suspicious: true},
		{name: "FrenchForwardSeparatorHidesTheUrgentWord", subject: "TR: Bulletin de janvier", content: "Salut Claire,\n\nTu pourrais m'en envoyer 4 ou 5, en bonne définition, d'ici mercredi prochain ? Je boucle la maquette le jeudi.\n\nMerci d'avance,\nHervé\n\n-------- Message transféré --------\nSujet : Bulletin de janvier\nDate : Mon, 7 Dec 2026 09:02:44 +0100\nDe : Sylvie <bulletin@club.example>\n\nURGENT : dernier délai pour les textes et photos ! Merci de tout m'envoyer au plus tard demain.\nSylvie",
			category: doctales.CategoryPerson, urgency: "medium"},
		{name: "GermanBitteOpensAnAsk", subject: "Eure Bilder sind online", content: "Hallo ihr Lieben,\n\ndie Galerie mit allen Bildern ist jetzt online.\n\nBitte markiert bis Ende nächster Woche eure 20 Favoriten (einfach auf das Herz klicken). Danach bearbeite ich sie.\n\nLiebe Grüße\nAnja",
			category: doctales.CategoryPerson, urgency: "medium"},
		{name: "UrgentMattersLineOfASignature", subject: "Lease - all done", content: "Dear Tom,\n\nJust to let you know the landlord has countersigned and the lease is now complete. Your copy is in the post. Nothing further needed from you.\n\nKaren Doyle\nPartner, Doyle Finch LLP\nFor urgent matters outside office hours call 020 7946 0333.",
			category: doctales.CategoryPerson, urgency: "low"},
		{name: "SpanishSenderAtThePortal", subject: "Estoy en tu portal", content: "Hola Lucía:\n\nEstoy abajo con la furgoneta y el sofá ya tapizado. He llamado dos veces y no contesta nadie.\n\n¿Estás en casa o hay alguien que me pueda abrir?\n\nJavier",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "PortugueseTechnicianAtTheConcierge", subject: "Dedetizadora na portaria", content: "Boa tarde, dona Renata.\n\nO rapaz da dedetizadora está aqui na portaria dizendo que tem serviço marcado no seu apartamento. Não posso liberar a subida sem autorização.\n\nEle falou que espera no máximo uns 15 minutos. A senhora autoriza?\n\nEdson",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "ItalianPainterAtYourHouse", subject: "colore camera", content: "Davide buongiorno,\n\nsono a casa tua con mia cugina per cominciare la camera dei bambini. Sul foglio c'è scritto verde salvia o sabbia. Quale facciamo? Senza la risposta stiamo fermi.\n\nPaolo",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "GermanGiftVoucherFraud", from: "thomas.richter.gf@gmail.example", fromName: "Thomas Richter", to: []string{"jana.schuster@web.de"}, subject: "Kurze Bitte - vertraulich", content: "Hallo Jana,\n\nbist du gerade am Platz? Ich sitze in einem Termin und kann nicht telefonieren. Ich brauche für eine Kundenaufmerksamkeit 5 Amazon-Gutscheine à 100 €. Kauf sie bitte und schick mir die Codes per Mail.\n\nBitte behalte das erst mal für dich.\n\nThomas Richter\nGeschäftsführer",
			category: doctales.CategorySuspicious, urgency: "low", suspicious: true},
		{name: "RioplatenseFijateSiLoPodesMandar", subject: "Estoy en el depósito", content: "Vale,\n\nYa estoy en el depósito con el flete. El encargado dice que sin una autorización tuya por mail no me deja sacar las cajas.\n\nEl flete está pago por hora y el depósito cierra a las 13, así que fijate si lo podés mandar cuanto antes.\n\nNico",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "SwissTechnicianStandsWithMe", subject: "Schlüssel Waschküche", content: "Grüezi Herr Meier\n\nDer Techniker für die neue Waschmaschine ist da, er steht mit mir unten vor der Waschküche. Den Anschluss muss er im Kellerabteil 4 machen, und dort hat nur Ihre Familie einen Schlüssel.\n\nLiegt vielleicht ein Ersatzschlüssel irgendwo, wo ich ihn holen kann?\n\nRuth Baumann",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "FlemishGardenerAtYourGate", subject: "Tuinman aan uw poort", content: "Dag Koen,\n\nDen hovenier staat hier aan uw poort, ge hadt hem besteld voor de haag. Hij wil eerst efkes weten of hij ook de bovenkant mag inkorten.\n\nAllez, laat maar iets weten, dan zeg ik het hem.\n\nWim",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "BrazilianBuilderWaitingHere", subject: "Parede da lavanderia", content: "Fe,\n\nO pedreiro chegou agora e quer saber se pode quebrar a parede da lavanderia até a viga. Ele disse que sem você confirmar não começa, e tá aqui parado esperando.\n\nMe responde por aqui.\n\nRê",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "GermanDuMusstNichtsMehrTun", subject: "Protokoll", content: "Hallo Tobias,\n\nanbei wie besprochen das Protokoll vom Dienstag. Es hat sich nichts geändert gegenüber dem Entwurf, du musst also nichts mehr tun.\n\nViele Grüße\nJana",
			category: doctales.CategoryPerson, urgency: "low"},
		{name: "SumpPumpAlarmForTheOnCallContact", from: "alerts@larchcourt-bms.example", fromName: "Building Monitor", subject: "ALARM: Sump pump basement B - water level high", content: "ALARM RAISED 03:12 CST\n\nSite: Larch Court, basement B\nPoint: SUMP-B2 level sensor\nState: HIGH WATER (82% of pit), pump 2 not running\n\nYou are listed as on-call facilities contact for this site.\nAcknowledge: https://larchcourt-bms.example/ack/77120",
			category: doctales.CategoryAutomated, urgency: "high"},
		{name: "GermanLegalFooterSofort", subject: "Treppenhausreinigung", content: "Grüezi Herr Meier\n\nWir möchten Sie informieren, dass die Treppenhausreinigung ab dem 1. Januar von der Firma Clean Plus AG übernommen wird. An den Nebenkosten ändert sich nichts.\n\nSie müssen nichts unternehmen.\n\nFreundliche Grüsse\nAndrea Vogt\n\nDiese E-Mail kann vertrauliche Informationen enthalten. Sollten Sie nicht der richtige Adressat sein, benachrichtigen Sie bitte sofort den Absender.",
			category: doctales.CategoryPerson, urgency: "low"},
		{name: "CarAlarmGoingOffCanU", from: "jessholloway88@yahoo.example", fromName: "Jess Holloway", subject: "ur car", content: "hey Megan its Jess from 3B, your car alarm has been going off for like 20 mins now, the grey Civic out front right? can u come down or call me, I dont have your number",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "ParcelFeeViaPix", from: "rastreamento@correios-taxas-br.example", fromName: "Correios", subject: "Sua encomenda está retida - pagamento de taxa pendente", content: "Olá, sua encomenda LB448210937BR está retida na unidade de fiscalização aduaneira aguardando pagamento da taxa de importação de R$ 38,92.\n\nPara liberar a entrega, pague via PIX pelo link abaixo:\nhttps://correios-taxas-br.example/rastreio/LB448210937BR\n\nCaso o pagamento não seja efetuado em 48 horas, o objeto será devolvido.",
			fields: fields{"replyTo": []map[string]string{{"email": "atendimento@suporte-rastreio.example"}}}, category: doctales.CategorySuspicious, urgency: "low", suspicious: true},
		// A bank stopping a transfer it did not recognise: money moving
		// from the reader's account now (labelling guide: a security
		// alert on the reader's own account to act on now). The display
		// name's whole brand is the address's domain.
		{name: "TransferInProgressItalian", from: "no-reply@intesasanpaolo.com", fromName: "Intesa Sanpaolo", subject: "Nuovo accesso da dispositivo non riconosciuto", content: "Gentile Marco Rossi,\n\nalle 22:46 è stato effettuato un accesso alla tua area riservata da un dispositivo non riconosciuto ed è stato predisposto un bonifico di 1.850,00 €.\n\nSe non sei stato tu, blocca subito l'operazione dall'app oppure chiama il numero verde. Non ti chiederemo mai codici via email.\n\nIntesa Sanpaolo",
			category: doctales.CategoryAutomated, urgency: "high"},
		{name: "SignInNoticeWithoutMoneyIsNotHigh", from: "no-reply@accounts.examplemail.com", fromName: "Examplemail", subject: "New sign-in on Windows", content: "We noticed a new sign-in to your account on a Windows device. If this was you, you don't need to do anything. If this wasn't you, we'll help you secure your account.",
			category: doctales.CategoryAutomated},
		{name: "CoverEndsTonightUnlessPaid", from: "no-reply@harwoodinsurance.co.uk", fromName: "Harwood Insurance", subject: "Your van insurance - renewal payment not received", content: "Dear Mr Carter,\n\nWe tried to collect your renewal premium by Direct Debit on 1 December, but your bank returned the payment.\n\nYour current cover ends at 23:59 tonight. If the renewal is not paid by then, the van will not be insured from midnight and must not be driven.\n\nHarwood Insurance",
			category: doctales.CategoryAutomated, urgency: "high"},
		{name: "StandingAtYourShedNowDutch", subject: "Sleutelkluis werkt niet – wij staan voor de deur", content: "Hoi Ilse,\n\nWij staan nu met de aanhanger bij jullie loods om de tent op te halen. De code krijgt de sleutelkluis niet open.\n\nKun je me bellen?\n\nBas",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "ColdRoomAlarmFrench", from: "alertes@thermosuivi.fr", fromName: "Thermosuivi", subject: "[ALARME] Chambre froide 2 : 9,4 °C", content: "Alarme de température en cours\n\nValeur actuelle : 9,4 °C\nSeuil haut : 6,0 °C\n\nVérifiez la porte et le groupe froid.\n\nMessage envoyé automatiquement par Thermosuivi. Ne pas répondre.",
			category: doctales.CategoryAutomated, urgency: "high"},
		{name: "CheckoutFailuresAlert", from: "alerts@paybridge.com", fromName: "Paybridge Alerts", subject: "[Alert] Checkout failures on shop.example", content: "Paybridge monitoring has detected a spike in failed card payments on your account. Customers are currently unable to complete payment.\n\nYou are receiving this because you are the account owner.",
			category: doctales.CategoryAutomated, urgency: "high"},
		{name: "TaxRefundNameRunTogetherInTheDomain", from: "notificaciones@agenciatributaria-reembolsos.net", fromName: "Agencia Tributaria", subject: "Aviso: tiene un reembolso pendiente de 318,40 EUR", content: "Estimado contribuyente:\n\nTiene derecho a un reembolso de 318,40 EUR. Para recibir el importe debe confirmar sus datos y la tarjeta en un plazo de 48 horas.\n\nAcceder al formulario: http://agenciatributaria-reembolsos.net/sede/reembolso",
			category: doctales.CategorySuspicious, urgency: "low", suspicious: true},
		{name: "LotteryGrantWrittenBackToTheReader", from: "g.whitfield@btinternet.com", fromName: "Graham Whitfield", to: []string{"ruth.okafor@gmail.com"}, subject: "Re: Lottery grant - budget page", content: "Hi Ruth,\n\nThe portal still shows the budget sheet signed by the chair as missing. It closes at midnight tonight, so could you sign page 2 and upload it by 9pm? It's urgent.\n\nGraham\n\nOn Tue, 8 Dec 2026 at 19:41, Ruth Okafor <ruth.okafor@gmail.com> wrote:\n> Thanks Graham, let me know if you need anything from me before it goes.",
			fields: fields{"inReplyTo": "<a@x.com>"}, category: doctales.CategoryReply},
		// An ask to come, on no day and not "when you can", is now.
		{name: "CanYouGetDownHere", subject: "Water everywhere by plot 14", content: "Margaret,\n\nThe main pipe by plot 14 has split and water is running under the door of the shed. The stopcock box is padlocked and you've got the only key.\n\nCan you get down here? I'll stay by the gate until you arrive.\n\nColin",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "PuoVenireAdAprire", subject: "Teatro chiuso", content: "Don Paolo,\n\nsono davanti al teatro con il tecnico audio. La porta è chiusa a chiave e l'unico mazzo ce l'ha lei.\n\nPuò venire ad aprire o dirmi dove trovo le chiavi?\n\nChiara",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "ComeByWhenYouHaveAMinuteIsNotNow", subject: "quick chat", content: "Hi Sam,\n\nCould you come by my office when you have a minute? Nothing pressing.\n\nAnn",
			category: doctales.CategoryPerson, urgency: "medium"},
		// The reader's own car or animals in someone's way now.
		{name: "YourVanIsBlockingOurDrive", subject: "your van", content: "Hi,\n\nYour white van is blocking our drive and I need to leave for work.\n\nSue at no. 12",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "JullieKippenOpHetFietspad", subject: "jullie kippen", content: "Goedemorgen Marloes,\n\nJullie kippen lopen op het fietspad langs de vaart. Het hek van de ren is vannacht opengewaaid.\n\nGroet,\nHenk",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "YourVanWasBlockingIsHistory", subject: "parking", content: "Hi,\n\nYour van was blocking our drive yesterday, please park elsewhere next time.\n\nSue",
			category: doctales.CategoryPerson, urgency: "medium"},
		// Only the reader has what is needed, and a time within a day
		// says by when: told without a question.
		{name: "OnlyTheReaderHasTheKeyBeforeThree", subject: "auditor", content: "Tom,\n\nThe auditor needs the signed letters. They are in your locked cabinet and I don't have a key. She has to leave at 3pm today.\n\nPriya",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "DuBistDieEinzigeMorgenUm9", subject: "Schulung morgen", content: "Hallo Katrin,\n\nFrau Albers ist krank und fällt für die Schulung morgen um 9 Uhr aus. Du bist die Einzige, die das Modul schon einmal gehalten hat.\n\nViele Grüße\nSabine",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "SpareKeyInYourDeskIfYouNeedItIsNotHigh", subject: "keys", content: "Hi Tom,\n\nThe spare key is in your desk drawer if you need it. The cleaner comes at 8am tomorrow.\n\nPriya",
			category: doctales.CategoryPerson, urgency: "medium", modelRaises: true},
		{name: "PlannedDowntimeIsNotNow", subject: "weekend", content: "Hi all,\n\nThe site is down for maintenance on Saturday. Nothing to do.\n\nJo",
			category: doctales.CategoryPerson, urgency: "low"},
		{name: "PastOutageIsNotNow", subject: "yesterday", content: "Hi Ben,\n\nThe site was down yesterday, all fixed now.\n\nJo",
			category: doctales.CategoryPerson, urgency: "low"},
		{name: "QuotedSituationIgnored", subject: "Re: lobby", content: "Thanks, all sorted.\n\nOn Mon, Jun 9, 2025 at 3:00 PM Bob <bob@x.com> wrote:\n> The client is waiting in reception.",
			fields: fields{"inReplyTo": "<a@x.com>"}, category: doctales.CategoryReply, urgency: "low"},
		// A reply that asks nothing under a subject's old deadline.
		{name: "ReplySubjectDeadlineIsHistory", subject: "RE: URGENT - revised rate card needed by 3pm", content: "Got it, thanks Rosa -- that's the one. Sent it to the client at 2:40 and they've already confirmed. All sorted.",
			fields: fields{"inReplyTo": "<a@x.com>"}, category: doctales.CategoryReply, urgency: "low"},
		{name: "DirectUrgentRequest", subject: "Contract", content: "Can you please sign the contract today? It's urgent.",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "QuotedUrgencyIgnored", subject: "Re: contract", content: "Done, thanks!\n\nOn Mon, Jun 9, 2025 at 3:00 PM Bob <bob@x.com> wrote:\n> URGENT: please sign it immediately.",
			fields: fields{"inReplyTo": "<a@x.com>"}, category: doctales.CategoryReply, urgency: "low"},
		{name: "VocativeWithoutComma", subject: "CALL ME NOW", content: "DEVON CALL ME NOW. PROD DB PRIMARY IS LOCKED, MIGRATION STUCK, CUSTOMERS CANT PAY.",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "StatementIsNoVocative", subject: "support volume", content: "Customers call us every day about the invoices.",
			category: doctales.CategoryPerson, urgency: "low"},
		{name: "NorwegianQuotedHeaderAndFooter", subject: "SV: Oppdatert liste", content: "Takk for listen, ser fint ut. Vi kjører som planlagt.\n\nØystein\n\nDenne e-posten kan inneholde konfidensiell informasjon. Dersom du har mottatt den ved en feil, vennligst varsle avsender umiddelbart og slett e-posten.\n\nFra: Ingrid Halvorsen <ingrid@sykehus.example>\nSendt: torsdag 10. desember 2026 11:02\nTil: Øystein Rønning <oystein@sykehus.example>\nEmne: Oppdatert liste\n\nHei, her er oppdatert liste. Gi beskjed innen i morgen hvis noe må endres. Det haster.",
			fields: fields{"inReplyTo": "<a@sykehus.example>"}, category: doctales.CategoryReply, urgency: "low"},
		{name: "NorwegianTodayByTwo", subject: "Stue 4", content: "Hei Ingrid,\n\nVi har fått inn en akutt aortadisseksjon, og jeg trenger stue 4 fra kl. 14. Kan du flytte hofteprotesen til stue 6 eller til i morgen, og gi beskjed til anestesi innen kl. 14 i dag?\n\nErlend",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "ConditionalHurryIsNoUrgency", from: "helpdesk@district.example", subject: "Your password was changed", content: "The password for your account was changed on December 12 from the self-service portal. If you made this change, no further action is needed. If you did not make this change, contact the Help Desk right away.",
			category: doctales.CategoryAutomated, urgency: "low"},
		{name: "GatewayTagIsNoList", from: "alice@partner.example", fromName: "Alice Moreau", subject: "[EXTERNAL] Contract draft", content: "Could you send me the signed contract today? It is urgent.",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "JoinTheBridgeNow", subject: "join the bridge now pls", content: "Priya, you're secondary tonight - the ledger DB primary just failed over. Payments are failing. Join the bridge now: https://meet.example/inc",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "MonitorDownTag", from: "alerts@pingwarden.example", subject: "[DOWN] shop.example - checkout (HTTP 502)", content: "Monitor is DOWN: shop.example - checkout. Down since 21:41 (5 minutes).",
			category: doctales.CategoryAutomated, urgency: "high"},
		// A monitor's state in capitals before a colon is its page
		// (blind-44, 2156, was medium); in lower case it is a subject.
		{name: "MonitorCriticalPrefix", from: "alerts@frostguard.example", subject: "CRITICAL: Walk-in freezer 1 -4.1°C and rising (Ortega Taqueria)", content: "FROSTGUARD ALERT - CRITICAL\n\nSensor: Walk-in freezer 1\nStatus: CRITICAL - HIGH TEMPERATURE\nCurrent temperature: -4.1 °C\n\nThis alarm has NOT been acknowledged. You are listed as the on-call contact for this site.",
			category: doctales.CategoryAutomated, urgency: "high"},
		{name: "NagiosProblem", from: "nagios@monitor.example", subject: "** PROBLEM Service Alert: web01/HTTP is CRITICAL **", content: "Service: HTTP\nHost: web01\nState: CRITICAL\nInfo: connection refused",
			category: doctales.CategoryAutomated, urgency: "high"},
		{name: "ZabbixProblemWithSeverity", from: "alerts@zorggroep.example", subject: "PROBLEM [High]: fin-db02 - back-up mislukt, /data 98% vol", content: "*** PROBLEEM - ernst: HOOG ***\n\nHost: fin-db02 (productie)\nTrigger: Nachtelijke back-up mislukt\nStatus: PROBLEEM, onbevestigd\n\nJe ontvangt deze melding omdat je deze week storingsdienst hebt.",
			fields: fields{"autoSubmitted": "auto-generated"}, category: doctales.CategoryAutomated, urgency: "high"},
		// A forged thread asking for the password and the IBAN, replies
		// to free mail (blind-45, 2220, was a high reply with a push).
		{name: "PasswordAskedInForgedThread", from: "lohnservice@datev-arbeitnehmer-online.example", fromName: "DATEV Lohn Service", to: []string{"katrin.vogel@elbtal-pflege.example"}, subject: "AW: Ihre Lohnabrechnung November - Zugang gesperrt", content: "Sehr geehrte Frau Vogel,\n\nIhr Zugang wurde aus Sicherheitsgründen gesperrt. Bitte bestätigen Sie Ihre Identität dringend innerhalb von 24 Stunden mit Ihrer E-Mail-Adresse, Ihrem Passwort und Ihrer IBAN.\n\nIhr Lohn Service Team",
			fields: fields{"inReplyTo": "<lohn-11@datev-arbeitnehmer-online.example>", "replyTo": []map[string]string{{"email": "datev.support.center@outlook.com"}}}, category: doctales.CategorySuspicious, urgency: "low", suspicious: true},
		// Requests written as a question in the present ("mi mandi …
		// entro venerdì?") or with "peço que" (blind-45, 2224, 2228).
		{name: "PortuguesePecoQue", subject: "Horas extraordinárias de novembro", content: "Bom dia a todos,\n\nOs recursos humanos pediram-nos que as horas extraordinárias de novembro fiquem registadas na plataforma. Peço que cada um registe as suas durante a próxima semana. As que não estiverem lançadas não entram no processamento de janeiro.\n\nObrigada,\nIsabel",
			category: doctales.CategoryPerson, urgency: "medium"},
		// An invitation written out as "When:" and "Where:" lines
		// (blind-46, 2247, was low with no deadline).
		{name: "InvitationWhenWhereFields", from: "keiko.tanaka@lumenworks.example", fromName: "Keiko Tanaka", subject: "End-of-year design retro", content: "Hi all,\n\nLet's close the year properly: end-of-year design retro\n\nWhen:  Friday 13 June, 11:00-12:30\nWhere: Room Sakura (7F) + Zoom\n\nPlease bring one thing that worked this year and one that didn't.\n\nKeiko",
			category: doctales.CategoryPerson, urgency: "medium"},
		// A person's invitation whose subject begins with the word, no
		// colon (blind-44, 2178, was low with no deadline): medium, its
		// start the deadline.
		{name: "GermanInvitationWithoutColon", from: "wehrfuehrer@ff-lindenberg.example", fromName: "Uwe Brandt", subject: "Einladung Jahresabschlussfeier Fr 13.6. 19 Uhr", content: "Liebe Kameradinnen und Kameraden,\n\ndafür möchte ich mich bei euch mit unserer Jahresabschlussfeier bedanken:\n\n  Freitag, 13. Juni 2025, 19:00 Uhr\n  Gerätehaus Lindenberg\n\nFür Essen ist gesorgt.\n\nKameradschaftliche Grüße\nUwe Brandt",
			category: doctales.CategoryPerson, urgency: "medium"},
		{name: "KeyIsExposed", from: "no-reply-aws@amazon.example", subject: "Action Required: Your AWS Access Key is Exposed", content: "The access key of IAM user deploy is publicly available online. You must take the following steps now: rotate and delete the exposed key.",
			category: doctales.CategoryAutomated, urgency: "high"},
		{name: "CallMeAsapWithLongReason", subject: "Hendricks", content: "Call me asap - the Hendricks container is held at customs in Laredo and their ops manager is on the other line waiting for an answer.",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "PtConsegueOlharAgora", subject: "Página de doações fora do ar!!", content: "Bruno, a página de doações está dando erro 500 desde o almoço e o e-mail da campanha sai às 18h para 40 mil pessoas. Consegue olhar agora? Estou com o celular na mão.",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "FooterParagraphIsFooter", subject: "Year-end checklist", content: "Hi Alan,\n\nAttached is the checklist. Nothing is needed from you right now.\n\nCONFIDENTIALITY NOTICE: This email is intended only for the named recipient. Please notify the sender immediately if you received it in error. Urgent matters should be raised by telephone.",
			category: doctales.CategoryPerson, urgency: "low"},
		{name: "ScadaPriorityOneAlarm", from: "alarms@scada.utility.example", subject: "ALARM PRI-1: PS-04 wet well HIGH LEVEL / Pump 2 FAIL", content: "ALARM PRI-1 ACTIVE. Site: PS-04 Lift Station. Acknowledge in the HMI or reply ACK to this message.",
			category: doctales.CategoryAutomated, urgency: "high"},
		{name: "ServiceLocksOwnAccount", from: "security@ledgerline.example", fromName: "Ledgerline Security", subject: "Your Ledgerline account has been locked", content: "We locked your account after 14 failed sign-in attempts. To unlock it, sign in at https://ledgerline.example and reset your password.",
			category: doctales.CategoryAutomated, urgency: "high"},
		{name: "LookalikeLockIsNotHigh", from: "security@ledgerline-alerts.example", fromName: "Ledgerline Security", subject: "Your Ledgerline account has been locked", content: "We locked your account after 14 failed sign-in attempts. To unlock it, sign in at https://ledgerline-alerts.example/unlock and reset your password.",
			category: doctales.CategorySuspicious, urgency: "low", suspicious: true},
		{name: "RequestBesideWithinTheHour", subject: "lockbox code??", content: "Tom - the Pearsons are back for their second viewing and they'll be on site in an hour. The lockbox code doesn't work. Text it to me on 07700 900 214, I'm driving.",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "NeedTheThingBeforeIBoard", subject: "Re: Your gallery", content: "need the gallery link before I board at 4!! want to show my parents on the flight",
			fields: fields{"inReplyTo": "<a@x.com>"}, category: doctales.CategoryReply, urgency: "high"},
		{name: "FirstPersonAside", subject: "build", content: "I'm testing it right now and will report back.",
			category: doctales.CategoryPerson, urgency: "low"},
		// A legal footer's "delete it within 24 hours" is nobody's
		// deadline, in each language (blind-43, 2148, went high on it).
		{name: "ItalianFooterDeadlineIsNoDeadline", subject: "Re: misure finestre", content: "Buongiorno Roberta,\n\nricevuto tutto, grazie: le preparo il preventivo dopo le feste, nessuna fretta.\n\nCordiali saluti,\nMatteo Galli\n\nAVVISO DI RISERVATEZZA: Le informazioni contenute in questa e-mail sono riservate. Se avete ricevuto questo messaggio per errore, vi preghiamo di avvisare immediatamente il mittente e di cancellarlo entro 24 ore.",
			fields: fields{"inReplyTo": "<a@x.com>"}, category: doctales.CategoryReply, urgency: "low"},
		{name: "SpanishFooterDeadlineIsNoDeadline", subject: "Re: medidas", content: "Hola Marta,\n\nrecibido, gracias. Te preparo el presupuesto después de las fiestas, sin prisa.\n\nUn saludo,\nJorge Ruiz\n\nAVISO DE CONFIDENCIALIDAD: Este mensaje va dirigido exclusivamente a su destinatario. Si usted no es el destinatario, le rogamos que lo comunique inmediatamente al remitente y lo elimine en un plazo de 24 horas.",
			fields: fields{"inReplyTo": "<a@x.com>"}, category: doctales.CategoryReply, urgency: "low"},
		{name: "FrenchFooterDeadlineIsNoDeadline", subject: "Re: mesures", content: "Bonjour Claire,\n\nbien reçu, merci. Je vous prépare le devis après les fêtes, rien ne presse.\n\nCordialement,\nLuc Martin\n\nAVIS DE CONFIDENTIALITÉ : Ce message est destiné exclusivement à son destinataire. Si vous n'êtes pas le destinataire, merci d'en avertir immédiatement l'expéditeur et de le supprimer sous 24 heures.",
			fields: fields{"inReplyTo": "<a@x.com>"}, category: doctales.CategoryReply, urgency: "low"},
		{name: "GermanFooterDeadlineIsNoDeadline", subject: "Re: Maße", content: "Hallo Frau Keller,\n\nvielen Dank, alles angekommen. Das Angebot schicke ich Ihnen nach den Feiertagen, es eilt nicht.\n\nFreundliche Grüße\nJonas Weber\n\nVERTRAULICHKEITSHINWEIS: Wenn Sie diese E-Mail irrtümlich erhalten haben, informieren Sie bitte sofort den Absender und löschen Sie die Nachricht innerhalb von 24 Stunden.",
			fields: fields{"inReplyTo": "<a@x.com>"}, category: doctales.CategoryReply, urgency: "low"},
		{name: "PortugueseFooterDeadlineIsNoDeadline", subject: "Re: medidas", content: "Olá Ana,\n\nrecebido, obrigado. Preparo o orçamento depois das festas, sem pressa.\n\nCumprimentos,\nPedro Costa\n\nAVISO DE CONFIDENCIALIDADE: Esta mensagem destina-se exclusivamente ao seu destinatário. Se não for o destinatário, por favor avise imediatamente o remetente e apague-a no prazo de 24 horas.",
			fields: fields{"inReplyTo": "<a@x.com>"}, category: doctales.CategoryReply, urgency: "low"},
		{name: "DutchFooterDeadlineIsNoDeadline", subject: "Re: maten", content: "Hoi Sanne,\n\nontvangen, dank je. Ik maak de offerte na de feestdagen, geen haast.\n\nGroet,\nBram de Vries\n\nDISCLAIMER: Dit bericht is uitsluitend bestemd voor de geadresseerde. Bent u niet de beoogde ontvanger, meld dit dan onmiddellijk aan de afzender en verwijder het bericht binnen 24 uur.",
			fields: fields{"inReplyTo": "<a@x.com>"}, category: doctales.CategoryReply, urgency: "low"},
		{name: "EnglishFooterDeadlineIsNoDeadline", subject: "Re: measurements", content: "Hi Sarah,\n\ngot everything, thanks. I'll put the quote together after the holidays, no rush.\n\nBest,\nTom Baker\n\nThis message and any attachments are intended only for the addressee. If you are not the intended addressee, please notify the sender immediately and delete it within 24 hours.",
			fields: fields{"inReplyTo": "<a@x.com>"}, category: doctales.CategoryReply, urgency: "low"},
		{name: "DisclaimerIgnored", subject: "Notes", content: "Here are the notes from Monday.\n\nThis e-mail is confidential. If you have received this message in error, please notify the sender immediately and delete it.",
			category: doctales.CategoryPerson, urgency: "low"},
		{name: "OutOfOffice", subject: "Automatic reply: Budget", content: "I am out of the office until Monday 9am. For urgent matters please call Jo immediately.",
			fields: fields{"autoSubmitted": "auto-replied"}, category: doctales.CategoryAutoReply, urgency: "low"},
		{name: "OutOfOfficeBySubject", subject: "Out of Office: Budget", content: "I'm away. Urgent: contact my colleague.",
			category: doctales.CategoryAutoReply, urgency: "low"},
		{name: "NewsletterActNow", from: "news@shop.example", subject: "Last chance!", content: "Act now! Offer ends tonight at 11pm, please order today. Unsubscribe here.",
			fields: fields{"listUnsubscribe": "<https://shop.example/u>"}, category: doctales.CategoryBulk, urgency: "low"},
		{name: "ListChatterASAP", subject: "[dev] build broken", content: "Can someone please fix the build ASAP?",
			fields: fields{"listId": "dev.lists.example"}, category: doctales.CategoryList, urgency: "low"},
		{name: "ReceiptFromNoReply", from: "no-reply@shop.example", subject: "Your receipt", content: "Thanks for your order. Please keep this receipt. Payment due immediately on delivery.",
			category: doctales.CategoryAutomated},
		{name: "BounceIsAutomated", from: "mailer-daemon@mx1.example", subject: "Undelivered Mail Returned to Sender", content: "This is the mail system. Your message could not be delivered.",
			fields: fields{"autoSubmitted": "auto-replied"}, category: doctales.CategoryAutomated},
		{name: "BounceBySubject", from: "mail@relay.example", subject: "Undeliverable: quarterly plan", content: "Delivery has failed to these recipients.",
			category: doctales.CategoryAutomated},
		{name: "NoReplyDomain", from: "tracking@noreply.parcels.example", subject: "Your package is out for delivery today", content: "Your package will arrive today between 10:00 and 14:00.",
			category: doctales.CategoryAutomated},
		{name: "ServiceDesk", from: "servicedesk@acme.example", subject: "Planned maintenance Saturday", content: "E-mail will be unavailable on Saturday from 02:00 to 04:00.",
			category: doctales.CategoryAutomated},
		{name: "OutagePage", from: "alerts@monitoring.example", subject: "[FIRING] SEV-1: checkout is down", content: "Checkout error rate 87% for 5 minutes. Runbook: https://wiki/runbook",
			category: doctales.CategoryAutomated, urgency: "high"},
		{name: "PhishingBrand", from: "security@paypa1-verify.example", fromName: "PayPal Security", to: []string{"me@home.example"}, subject: "Account suspended", content: "Please verify your account immediately or it will be closed.",
			category: doctales.CategorySuspicious, urgency: "low", suspicious: true},
		{name: "WireFromStranger", from: "ceo.office@freemail.example", fromName: "The CEO", to: []string{"me@acme.example"}, subject: "URGENT wire", content: "I need you to wire the transfer of $48,000 today, urgently. Keep it confidential.",
			category: doctales.CategorySuspicious, urgency: "low", suspicious: true},
		{name: "WireFromColleague", from: "ceo@acme.example", fromName: "Dana", to: []string{"me@acme.example"}, subject: "Wire for the supplier", content: "Please send the bank transfer to the supplier today, it's urgent.",
			category: doctales.CategoryPerson, urgency: "high"},
		// The architecture document's example: a known person asks to
		// approve a wire; nothing asks to send money somewhere new.
		{name: "WireApprovalFromPerson", from: "ana@acme.example", fromName: "Ana Ruiz", to: []string{"me@example.com"}, subject: "Wire transfer", content: "URGENT: please approve the wire before 5pm today.",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "MeetingProposalGerman", from: "katrin@energie.example", fromName: "Katrin Vogel", to: []string{"tobias@energie.example"}, subject: "Abstimmung Netzanschluss", content: "Hallo Tobias,\n\nder Netzbetreiber hat uns die Zusage geschickt. Lass uns dazu am Donnerstag um 10 Uhr kurz zusammensetzen, dann gehen wir die Punkte durch. Passt dir das?\n\nViele Grüße\nKatrin",
			category: doctales.CategoryPerson, urgency: "medium"},
		{name: "PleaseGoInNow", from: "nadia@lab.example", fromName: "Nadia", to: []string{"lab@lab.example"}, subject: "Freezer alarm", content: "The freezer alarm is going off and I'm out of town. Whoever is closest, please go in now and move the racks to freezer 3.",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "ListLastCallForAll", from: "chair@wg.example", fromName: "WG Chair", to: []string{"wg@lists.example"}, subject: "[wg] Last call: draft-03", content: "This starts a working group last call. Please send comments to the list by 20 June 2025.",
			fields: fields{"listId": "wg.lists.example"}, category: doctales.CategoryList, urgency: "low"},
		{name: "ListNamesReaderInCc", from: "ravi@db.example", fromName: "Ravi", to: []string{"dev@lists.example", "mia.okafor@db.example"}, subject: "[dev] release notes", content: "Mia, could you review the release notes by Friday? Thanks.",
			fields: fields{"listId": "dev.lists.example"}, category: doctales.CategoryList, urgency: "medium"},
		{name: "ListAddressIsNoName", from: "chair@wg.example", fromName: "WG Chair", to: []string{"geojson-ext@lists.example"}, subject: "[geojson-ext] Last call: draft-geojson-04", content: "This starts a last call on draft-geojson-04. Please send comments to the list by 20 June 2025.",
			fields: fields{"listId": "geojson-ext.lists.example"}, category: doctales.CategoryList, urgency: "low"},
		{name: "CodeHostWithListId", from: "notifications@github.com", fromName: "GitHub", to: []string{"api@noreply.github.com"}, subject: "Re: [acme/api] Rate limiter (PR #17)", content: "@dana requested your review on this pull request.",
			fields: fields{"listId": "acme/api <api.acme.github.com>"}, category: doctales.CategoryAutomated},
		{name: "AutoGeneratedWithListId", from: "ci@git.acme.example", fromName: "GitLab", to: []string{"me@acme.example"}, subject: "Failed pipeline for feature/x", content: "Your pipeline has failed.",
			fields: fields{"listId": "acme/api <api.git.acme.example>", "autoSubmitted": "auto-generated"}, category: doctales.CategoryAutomated, urgency: "medium"},
		{name: "OwnSSOLockout", from: "no-reply@sso.acme.example", fromName: "Acme SSO", to: []string{"Mia <mia@acme.example>"}, subject: "Your Acme account has been locked", content: "We locked your account after 10 failed sign-in attempts. To unlock it, reset your password on the intranet.",
			fields: fields{"autoSubmitted": "auto-generated"}, category: doctales.CategoryAutomated, urgency: "high"},
		{name: "OutsideLockoutNotHigh", from: "no-reply@acme-sso-center.example", fromName: "Account Center", to: []string{"mia@acme.example"}, subject: "Your account has been locked", content: "We locked your account. To unlock it, reset your password.",
			fields: fields{"autoSubmitted": "auto-generated"}, category: doctales.CategoryAutomated, urgency: "low"},
		{name: "CallMeNow", from: "carla@shop.example", fromName: "Carla", to: []string{"nate@shop.example"}, subject: "Re: sale", content: "Nate - checkout is throwing errors for every card since the sale went live. Call me now: 720-555-0143.",
			fields: fields{"inReplyTo": "<a@shop.example>"}, category: doctales.CategoryReply, urgency: "high"},
		{name: "NewsletterWithListId", from: "hello@morningstack.example", fromName: "The Morning Stack", to: []string{"ben@northwind.example"}, subject: "The Morning Stack #412", content: "This week: Postgres 19 and a tiny queue. Read it before Friday's meetup!",
			fields: fields{"listId": "The Morning Stack <newsletter.morningstack.example>", "listUnsubscribe": "<https://morningstack.example/u?id=1>", "precedence": "bulk"}, category: doctales.CategoryBulk, urgency: "low"},
		{name: "BulkPrecedenceDiscussionList", from: "ana@example.org", fromName: "Ana", to: []string{"users@lists.example.org"}, subject: "Re: build flags", content: "I build with -O2 and it works.",
			fields: fields{"listId": "<users.lists.example.org>", "listUnsubscribe": "<mailto:users-unsubscribe@lists.example.org>", "listPost": "<mailto:users@lists.example.org>", "precedence": "bulk"}, category: doctales.CategoryList},
		{name: "MailmanBulkWithoutListPost", from: "bob@example.org", fromName: "Bob", to: []string{"talk@lists.example.org"}, subject: "rules", content: "Has anyone tried the new rules?",
			fields: fields{"listId": "Talk <talk.lists.example.org>", "listUnsubscribe": "<https://lists.example.org/lists/listinfo/talk>", "precedence": "bulk"}, category: doctales.CategoryList},
		{name: "SystemReminderTwoWeeksOut", from: "no-reply@learning.acme.example", fromName: "Acme Learning", to: []string{"me@acme.example"}, subject: "Action required: mandatory security training", content: "Action required: please complete the mandatory security training by June 24, 2025.",
			category: doctales.CategoryAutomated, urgency: "low"},
		{name: "SystemReminderThisWeek", from: "no-reply@learning.acme.example", fromName: "Acme Learning", to: []string{"me@acme.example"}, subject: "Action required: mandatory security training", content: "Action required: please complete the mandatory security training by June 13, 2025.",
			category: doctales.CategoryAutomated, urgency: "medium"},
		{name: "CalendarAccepted", from: "keiko@lumen.example", fromName: "Keiko Tanaka", to: []string{"felix@lumen.example"}, subject: "Accepted: Seminar dry run @ Thu Dec 3, 2026 14:00 - 15:00 (JST)", content: "Keiko Tanaka has accepted this invitation.",
			category: doctales.CategoryAutomated, urgency: "low"},
		{name: "TrackerAutoGeneratedBulk", from: "jira@acme.atlassian.example", fromName: "Jira", to: []string{"olivia@acme.example"}, subject: "[JIRA] (PAY-3319) Assigned to you: reconcile fees", content: "Marcus assigned PAY-3319 to Olivia Park.",
			fields: fields{"autoSubmitted": "auto-generated", "precedence": "bulk"}, category: doctales.CategoryAutomated},
		{name: "BackupReport", from: "backup@nas01.farm.lan", to: []string{"amy@farm.example"}, subject: "[nas01] Backup job 'Office nightly' completed successfully", content: "Backup task Office nightly completed successfully.",
			category: doctales.CategoryAutomated, urgency: "low"},
		{name: "InvoicingServiceForSupplier", from: "messaging-service@post.invoicely.example", fromName: "Greenleaf Supplies via Invoicely", to: []string{"ap@acme.example"}, subject: "Invoice INV-0042 from Greenleaf Supplies", content: "Hi, here is invoice INV-0042 for 1,200.00 EUR, due 20 June. Please pay to IBAN NL91 ABNA 0417 1643 00.",
			fields: fields{"replyTo": []map[string]string{{"email": "accounts@greenleaf.example"}}}, category: doctales.CategoryPerson},
		{name: "ReplyToElsewhereAsksMoney", from: "billing@greenleaf.example", fromName: "Greenleaf Billing", to: []string{"ap@acme.example"}, subject: "Invoice INV-0042", content: "Please pay invoice INV-0042 to IBAN NL91 ABNA 0417 1643 00.",
			fields: fields{"replyTo": []map[string]string{{"email": "greenleaf.billing@gmail.com"}}}, category: doctales.CategorySuspicious, suspicious: true},
		{name: "CallAsSoonAsYouSeeThis", from: "zara@shop.example", fromName: "Zara", to: []string{"femi@shop.example"}, subject: "Locked out", content: "Femi - I'm locked out of the payments dashboard and payouts are failing.\n\nPlease call me as soon as you see this.",
			category: doctales.CategoryPerson, urgency: "high"},
		{name: "RequestTwoWeeksOutCountedInDays", from: "ana@acme.example", fromName: "Ana", to: []string{"me@acme.example"}, subject: "Budget", content: "Could you send me the budget by June 24?",
			category: doctales.CategoryPerson, urgency: "medium"},
		{name: "NoActionNeededFromYou", from: "esther@uni.example", fromName: "Esther", to: []string{"kwame@uni.example"}, subject: "Fwd: forms", content: "FYI in case it's useful - no action needed from you, I already sent ours in last week.",
			category: doctales.CategoryPerson, urgency: "low"},
		{name: "NoRushRequest", from: "maya@home.example", fromName: "Maya", to: []string{"sanjay@home.example"}, subject: "cover letter", content: "Whenever you have a spare evening - no rush at all - could you look over my cover letter? The posting doesn't close until February so really no pressure.",
			category: doctales.CategoryPerson, urgency: "low"},
		{name: "UpdatedInvitationIsLow", from: "calendar-notification@google.com", fromName: "Google Calendar", to: []string{"me@acme.example"}, subject: "Updated invitation: Design review @ Wed Jun 11, 2025 2pm - 3pm (EDT)", content: "This event has been updated. Please respond.",
			category: doctales.CategoryAutomated, urgency: "low"},
		{name: "BounceIsLowWithoutTrouble", from: "mailer-daemon@googlemail.com", fromName: "Mail Delivery Subsystem", to: []string{"me@acme.example"}, subject: "Delivery Status Notification (Failure)", content: "Your message wasn't delivered because the address couldn't be found. Please confirm receipt by Friday.",
			category: doctales.CategoryAutomated, urgency: "low"},
		{name: "FYIForwardHasNoDeadline", from: "esther@uni.example", fromName: "Esther", to: []string{"kwame@uni.example"}, subject: "Fwd: URGENT: forms due June 30", content: "FYI in case it's useful, no action needed from you.",
			category: doctales.CategoryPerson, urgency: "low"},
		{name: "ReceiptPleaseKeep", from: "no-reply@shipping.example", fromName: "Nordsee Invoicing", to: []string{"me@acme.example"}, subject: "Payment received - Invoice 77120", content: "We have received your payment of EUR 1,240.00. Please keep this receipt for your records.",
			category: doctales.CategoryAutomated, urgency: "low"},
		{name: "SystemPleaseUpdate", from: "no-reply@vetsoft.example", fromName: "VetSoft", to: []string{"me@acme.example"}, subject: "Payment failed", content: "Your subscription payment failed. Please update your card by June 14 to keep your account active.",
			category: doctales.CategoryAutomated, urgency: "medium"},
		// A pharmacy's own notice: "prescription" and "pharmacy" are no
		// advert's words alone (blind-57, 2677, was bulk and low).
		{name: "PrescriptionReadyToCollect", from: "noreply@bridgestreetpharmacy.example", fromName: "Bridge Street Pharmacy", to: []string{"graham@home.example"}, subject: "Your prescription is ready to collect", content: "Hello Graham,\n\nYour repeat prescription (ref. RX-55120) is ready to collect from Bridge Street Pharmacy.\n\nPlease collect it by 6pm tomorrow. Items not collected by then are returned to stock.\n\nThis message was sent automatically; replies to this address are not read.",
			fields: fields{"autoSubmitted": "auto-generated"}, category: doctales.CategoryAutomated, urgency: "high"},
		// A delivery notice's "If something isn't right, let us know"
		// asks nothing (blind-57, 2685).
		{name: "DeliveredIfSomethingIsWrongTellUs", from: "notifications@parcelwise.example", fromName: "Parcelwise", to: []string{"nadia@home.example"}, subject: "Delivered: your parcel from Homebase Direct", content: "Hi Nadia,\n\nGood news - your parcel was delivered at 13:19 today.\n\nLeft in: your safe place (behind the side gate)\n\nNothing else to do. If something isn't right, let us know within 7 days through the app.\n\nParcelwise",
			category: doctales.CategoryAutomated, urgency: "low"},
		{name: "IntruderAlarm", from: "alerts@securenet-monitoring.example", fromName: "SecureNet Monitoring", to: []string{"dara@build.example"}, subject: "ALARM: compound - Zone 3 intruder - keyholder response required", content: "Zone 3 intruder detected at 02:14. Keyholder response required.",
			category: doctales.CategoryAutomated, urgency: "high"},
		{name: "FakeTaxOfficeFr", from: "remboursement@dgfip-impots-gouv.example", fromName: "DGFiP - Service remboursement", to: []string{"camille@theatre.example"}, subject: "Avis de remboursement - action requise", content: "Madame, Monsieur,\n\nveuillez confirmer vos coordonnées bancaires sous 48 heures en suivant le lien : https://dgfip-impots-gouv.example/remboursement",
			category: doctales.CategorySuspicious, urgency: "low", suspicious: true},
		{name: "DisplayNameOtherAddress", from: "x@mailer.example", fromName: "billing@bank.example", to: []string{"me@home.example"}, subject: "Invoice", content: "See attached.",
			category: doctales.CategorySuspicious, suspicious: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := email(tt.subject, tt.content)
			if tt.from != "" {
				c.SenderID = tt.from
			}
			if tt.fromName != "" {
				c.Sender = tt.fromName
			}
			c.Recipients = tt.to
			c.Fields = tt.fields
			d := MustExtract(t, c)
			if tt.modelRaises {
				if d.Urgency != doctales.UrgencyHigh {
					t.Errorf("the attention model no longer raises this case (urgency %q %v): drop modelRaises and the known error in docs/extraction.md", d.Urgency, d.UrgencyReasons)
				}
				var err error
				d, err = extract.New(extract.WithNow(func() time.Time { return tuesday.Add(time.Hour) }), extract.WithAttentionModel(false)).Extract(context.Background(), c)
				if err != nil {
					t.Fatal(err)
				}
			}
			if d.Category != tt.category {
				t.Errorf("category = %q %+v, want %q", d.Category, d.CategoryReasons, tt.category)
			}
			if tt.urgency != "" && d.Urgency != tt.urgency {
				t.Errorf("urgency = %q %v, want %q", d.Urgency, d.UrgencyReasons, tt.urgency)
			}
			if tt.category != doctales.CategoryPerson && tt.category != doctales.CategoryReply && d.Urgency == doctales.UrgencyHigh && tt.urgency != "high" {
				t.Errorf("a %s message is high by its words: %v", d.Category, d.UrgencyReasons)
			}
			if tt.name == "FYIForwardHasNoDeadline" && d.Deadline != nil {
				t.Errorf("an FYI forward sets the reader a deadline: %v", d.Deadline)
			}
			if d.Category == doctales.CategoryList && tt.urgency == "low" && d.Deadline != nil {
				t.Errorf("a list post for everyone sets the reader a deadline: %v", d.Deadline)
			}
			switch d.Category {
			case doctales.CategoryBulk, doctales.CategoryAutoReply, doctales.CategorySuspicious:
				if d.Deadline != nil {
					t.Errorf("a %s message sets the reader a deadline: %v", d.Category, d.Deadline)
				}
			}
			if (d.Suspicious != "") != tt.suspicious {
				t.Errorf("suspicious = %q, want %v", d.Suspicious, tt.suspicious)
			}
		})
	}
}

// TestEngine_UrgencyEvidence: each reason shows the words behind it, with
// offsets that point at them in the text they name.
func TestEngine_UrgencyEvidence(t *testing.T) {
	c := email("Contract", "Hi Ann,\n\nCan you please sign the contract before 5pm today? It is urgent.")
	d := MustExtract(t, c)
	if d.Urgency != doctales.UrgencyHigh || len(d.UrgencyEvidence) == 0 {
		t.Fatalf("urgency %q, evidence %+v", d.Urgency, d.UrgencyEvidence)
	}
	rules := map[string]bool{}
	for _, e := range d.UrgencyEvidence {
		rules[e.Rule] = true
		text := c.Content
		if e.Source == doctales.SourceSubject {
			text = c.Subject
		}
		if e.Start < 0 || e.End > len(text) || text[e.Start:e.End] != e.Text {
			t.Errorf("evidence %+v does not point at its text", e)
		}
	}
	if !rules["deadline"] {
		t.Errorf("no deadline evidence: %+v", d.UrgencyEvidence)
	}
	for _, e := range d.UrgencyEvidence {
		if e.Rule == "deadline" && !strings.Contains(e.Text, "5pm") && !strings.Contains(e.Text, "today") {
			t.Errorf("deadline evidence %q", e.Text)
		}
	}
}

// TestSentiment_BusinessMail: the news of business mail decides its
// sentiment, not the courtesy around it (issue 14).
func TestSentiment_BusinessMail(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"Our checkout service has been down since 9am. Please join the incident bridge, thank you.", extract.SentimentNegative},
		{"Dear customer, kindly note your invoice is 45 days overdue. Please pay the outstanding balance to avoid legal action.", extract.SentimentNegative},
		{"We will cancel the contract if the portal is unavailable again.", extract.SentimentNegative},
		{"Please find the figures in the shared folder.", extract.SentimentNeutral},
		{"Thank you so much, the customer was delighted with the fix.", extract.SentimentPositive},
	} {
		if got, sc := extract.Sentiment(c.text); got != c.want {
			t.Errorf("%q: %s (compound %.2f), want %s", c.text, got, sc.Compound, c.want)
		}
	}
}

// TestEngine_Reader: a mailing-list post that names the reader
// (Engine.Reader) asks the reader like a person's mail; without the
// reader, or naming someone else, it is everyone's; naming the reader
// without a deadline it stays low (labelling guide, settled cases).
func TestEngine_Reader(t *testing.T) {
	post := func(content string, cc ...string) *doctales.Communication {
		c := email("[observers] Saturday roster", content)
		c.SenderID, c.Sender = "howard@astro.example", "Howard Ng"
		c.Recipients = []string{"observers@lists.astro.example"}
		c.Cc = cc
		c.Fields = map[string]any{"listId": "observers.lists.astro.example",
			"to": []map[string]string{{"name": "Astro observers list", "email": "observers@lists.astro.example"}}}
		if len(cc) > 0 { // the mail parser keeps the display name apart
			c.Fields["cc"] = []map[string]string{{"name": "Priya Nair", "email": cc[0]}}
		}
		return c
	}
	ask := "Roster for Saturday is almost done.\n\nPriya - you signed up to bring the 12\" Dob. Can you confirm by noon tomorrow whether you're still in?\n\nHoward"
	for _, tt := range []struct {
		name     string
		reader   []string
		content  string
		cc       []string
		urgency  string
		deadline bool
	}{
		{"NamedWithDeadline", []string{"Priya Shah"}, ask, nil, doctales.UrgencyHigh, true},
		{"CcDisplayNameNamed", nil, ask, []string{"pn@astro.example"}, doctales.UrgencyHigh, true},
		{"ReaderCopiedDirectly", []string{"priya@astro.example"}, "Can you confirm by noon tomorrow whether you're still in?", []string{"priya@astro.example"}, doctales.UrgencyHigh, true},
		{"SubscribedOnlyIsNotNamed", []string{"observers@lists.astro.example"}, "Can you confirm by noon tomorrow whether you're still in?", nil, doctales.UrgencyLow, false},
		{"NoReaderGiven", nil, ask, nil, doctales.UrgencyLow, false},
		{"SomeoneElseNamed", []string{"Marco Ruiz"}, ask, nil, doctales.UrgencyLow, false},
		{"NamedInAnotherParagraph", []string{"Priya"}, "Can everyone please send their logs by noon tomorrow?\n\nPriya, on a related note, the scope cover looks great.", nil, doctales.UrgencyLow, false},
		{"NamedWithoutDeadline", []string{"Priya"}, "Priya - could you bring the big Dob again some time?", nil, doctales.UrgencyLow, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := extract.New(extract.WithNow(func() time.Time { return tuesday.Add(time.Hour) }), extract.WithReader(tt.reader...))
			d, err := e.Extract(context.Background(), post(tt.content, tt.cc...))
			if err != nil {
				t.Fatal(err)
			}
			if d.Urgency != tt.urgency || (d.Deadline != nil) != tt.deadline {
				t.Errorf("urgency %s %v, deadline %v; want %s, deadline %v", d.Urgency, d.UrgencyReasons, d.Deadline, tt.urgency, tt.deadline)
			}
		})
	}
}

// TestEngine_SystemDeadlines: an automated message that asks in so many
// words gives its deadline by pointing back ("before then") or by a
// labelled line it names ("pague até à data-limite").
func TestEngine_SystemDeadlines(t *testing.T) {
	for _, tt := range []struct {
		name, from, subject, content, deadline string
	}{
		{"BeforeThenWrapped", "no-reply@climbing.example", "We couldn't take your membership payment",
			"We tried to collect your membership payment on June 9, but your bank declined it.\n\nWe'll try again on June 13. Please update your payment method before\nthen so your membership stays active.", "2025-06-13"},
		{"FrenchDIciLaAutomated", "ne-pas-repondre@assurances.example", "Échec de prélèvement",
			"Madame Perrin,\n\nLe prélèvement de votre cotisation du 9 juin 2025 n'a pas pu être effectué.\n\nIl sera présenté de nouveau le 16 juin 2025. Merci de vérifier d'ici là que votre compte est approvisionné.\n\nCe message est envoyé automatiquement.", "2025-06-16"},
		{"PortugueseDataLimite", "no-reply@notificacoes.luz.example", "A sua fatura está disponível",
			"Olá Inês,\n\nValor a pagar:              86,42 EUR\nData-limite de pagamento:   16/06/2025\n\nComo não tem débito direto ativo, pague até à data-limite por referência Multibanco.", "2025-06-16"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := email(tt.subject, tt.content)
			c.SenderID, c.Sender = tt.from, "Billing"
			d := MustExtract(t, c)
			if d.Category != doctales.CategoryAutomated {
				t.Fatalf("category = %q, want automated", d.Category)
			}
			if d.Deadline == nil || d.Deadline.Format("2006-01-02") != tt.deadline {
				t.Fatalf("deadline = %v, want %s (dates %+v)", d.Deadline, tt.deadline, d.Dates)
			}
		})
	}
}
