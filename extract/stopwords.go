package extract

import (
	"strings"
	"sync"
)

// functionWords are frequent function words of common languages, written
// from grammar books, not from any evaluation set. Sentence-length text
// has several of them, which separates the languages that the trigram
// detector confuses (Portuguese and Italian, Spanish and French, Dutch and
// English, Swedish and Danish).
var functionWords = map[string]string{
	"en": "the of and to in is that it was for on are with as his they be at one have this from by hot but what some there can out other were all your when up use word how said an each she which do their if will way about many then them would like so these her see him has more could go come did my no most who over know than call first down been now find any new may part after just our should because",
	"es": "el la de que y en un ser se no haber por con su para como estar tener le lo todo pero más hacer o poder decir este ir otro ese si me ya ver porque dar cuando él muy sin vez mucho saber qué sobre mi alguno mismo yo también hasta año dos querer entre así primero desde grande eso ni nos llegar pasar tiempo ella sí día uno bien poco deber entonces poner cosa tanto hombre parecer nuestro tan donde ahora parte después vida quedar siempre creer hablar llevar dejar nada cada seguir menos nuevo encontrar los las del al una es son está fue era han sus también pero",
	"fr": "le la les de des du un une et est en que qui dans pour pas sur au aux avec ce cette ces il elle ils elles nous vous je tu on se sa son ses leur leurs mais ou où donc ni car par plus ne été être avoir fait comme tout tous très aussi bien sans sous entre encore même peut deux",
	"de": "der die das und ist nicht ein eine einer eines einem einen zu den von mit sich des auf für im dem auch es an als nach wie aus bei wird werden wurde sind war hat haben oder aber vor zur zum bis noch nur ich er sie wir ihr dass durch über unter kann mehr schon so um",
	"it": "il lo la i gli le di del della dei delle che e è un una uno per non con su sono nel nella al alla ma da come anche più questo questa era ha ho hanno essere stato tra fra gli se sua suo loro molto dopo ci mi si quando perché",
	"pt": "o a os as de do da dos das que e é um uma para com não no na nos nas por mais se ao à como mas foi ser ele ela seu sua são está também já ou quando muito há nem pelo pela até isso entre depois sem mesmo aos ter seus suas você",
	"nl": "de het een en van is dat die in te zijn op met voor niet er ook als aan maar om dan zo hij zij we ze wat bij nog door naar uit of over worden werd wordt deze dit geen heeft hebben kan meer al jaar tot was",
	"sv": "och i att det som en på är av för med till den har de inte om ett han men var jag sig från vi så kan man när år säger hon under också efter eller nu sin där vid mot ska skulle kommer ut får finns vara blev bara hade sina",
	"da": "og i at det som en på er af for med til den har de ikke om et han men var jeg sig fra vi så kan man når år siger hun under også efter eller nu sin der ved mod skal skulle kommer ud får findes være blev bare havde",
	"no": "og i å det som en på er av for med til den har de ikke om et han men var jeg seg fra vi så kan man når år sier hun under også etter eller nå sin der ved mot skal skulle kommer ut får finnes være ble bare hadde",
	"fi": "ja on ei se että hän oli ole olla kun mutta tai niin kuin jos joka mitä sen myös ovat nyt vain sitä tämä hänen minä sinä me te he mikä kaikki jo vielä",
	"pl": "i w się na nie z do to że jest a o jak po co ale są tak za od jego był by ich tym go przez już czy jej może dla być lub tego które który która oraz jako tylko jednak bardzo",
	"cs": "a se na je že v to s z do o jako ale by jsem jsou k za jeho pro už ve když bylo být tak které který která po ani jen byl byla také nebo má jak",
	"ro": "și în a de la cu o un pe care nu se este din mai ce pentru să sa fost sunt au lui ei sau dar această acest fi le ca după prin",
	"tr": "ve bir bu da de için ile çok daha ne olarak gibi o en var kadar sonra ama ya her mi olan değil ben sen biz onlar şey",
	"ru": "и в не на я что он с как а то все она так его но да ты к у же вы за бы по только ее мне было вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам чтоб без будто чего раз тоже себе под будет это этот эта",
	"uk": "і в не на я що він з як а то все вона так його але так ти до у же ви за би по тільки її мені було ось від мене ще ні про із йому тепер коли навіть чи якщо вже або бути був нього це цей ця які який яка також та для є",
	"bg": "и в не на да се е с за от че като по са го ще си но което който която това тази този към или при има бъде беше са им те ни ли",
	"id": "yang dan di ini itu dengan untuk tidak dari dalam akan pada juga ke ada bisa saya kami kita mereka oleh sudah atau karena seperti tersebut lebih",
	"hu": "a az és hogy nem is egy meg de van volt csak már el ez azt mint ki mi még ha vagy sem kell lesz lett fel után között",
}

// functionWordSets are the word sets of functionWords, built once.
var functionWordSets = sync.OnceValue(func() map[string]map[string]bool {
	m := make(map[string]map[string]bool, len(functionWords))
	for lang, ws := range functionWords {
		set := map[string]bool{}
		for _, w := range strings.Fields(ws) {
			set[w] = true
		}
		m[lang] = set
	}
	return m
})
