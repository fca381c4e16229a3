package extract

import "testing"

// languageSamples are short and medium messages written for this test, one
// or two per language, with the language each is in.
var languageSamples = []struct{ text, lang string }{
	{"Can you send me the report before Friday?", "en"},
	{"Thanks, I will call you tomorrow morning about the contract.", "en"},
	{"Kannst du mir den Bericht bis Freitag schicken?", "de"},
	{"Die Rechnung ist noch nicht bezahlt worden.", "de"},
	{"¿Puedes enviarme el informe antes del viernes?", "es"},
	{"Los documentos están en la carpeta compartida.", "es"},
	{"Peux-tu m'envoyer le rapport avant vendredi ?", "fr"},
	{"Nous avons reçu votre demande hier soir.", "fr"},
	{"Puoi mandarmi il rapporto entro venerdì?", "it"},
	{"Ho parlato con il cliente questa mattina.", "it"},
	{"Kun je me het rapport voor vrijdag sturen?", "nl"},
	{"De vergadering is verplaatst naar donderdag.", "nl"},
	{"Czy możesz wysłać mi raport przed piątkiem?", "pl"},
	{"Você pode me enviar o relatório até sexta-feira?", "pt"},
	{"Não recebemos a fatura do mês passado.", "pt"},
	{"Можешь прислать мне отчёт до пятницы?", "ru"},
	{"Директор сейчас на встрече.", "ru"},
	{"Kan du skicka rapporten till mig före fredag?", "sv"},
	{"Mötet är flyttat till torsdag.", "sv"},
}

func TestDetectLanguageSamples(t *testing.T) {
	for _, s := range languageSamples {
		if got, _ := DetectLanguage(s.text); got != s.lang {
			t.Errorf("DetectLanguage(%q) = %s, want %s", s.text, got, s.lang)
		}
	}
}

func TestDetectLanguageUndetermined(t *testing.T) {
	for _, s := range []string{"", "ok", "12 34 56", "!!", "a1"} {
		if got, conf := DetectLanguage(s); got != Undetermined || conf != 0 {
			t.Errorf("DetectLanguage(%q) = %s, %v, want %s, 0", s, got, conf, Undetermined)
		}
	}
}

func BenchmarkDetectLanguage(b *testing.B) {
	for i := 0; i < b.N; i++ {
		DetectLanguage(languageSamples[i%len(languageSamples)].text)
	}
}
