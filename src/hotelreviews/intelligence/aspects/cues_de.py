"""German cues, a small polarity lexicon (base forms, inflected by `endings`) and negations.

German compounds ("Hotelzimmer", "Frühstücksbuffet") are matched by prefix ("frühstück*") and
suffix ("*zimmer") cues; word order puts "nicht" after the verb ("gefiel uns nicht"), which the
scorer does not see: German gets lexicon-and-rules quality, below English (docs/intelligence).
"""

from __future__ import annotations

from hotelreviews.intelligence.aspects.words import LanguageWords

# fmt: off
CUES: dict[str, tuple[str, ...]] = {
    "cleanliness": (
        "sauber*", "schmutzig*", "dreckig*", "unsauber*", "sauberkeit", "verschmutzt*", "hygiene",
        "hygienisch*", "unhygienisch*", "fleck*", "staub*", "schimmel*", "geruch", "gerochen",
        "roch", "stinkt", "stank", "muffig*", "haare", "kakerlake*", "wanzen", "reinigung",
        "*reinigung", "gereinigt", "geputzt", "blitzsauber*", "ekelhaft*", "*flecken",
    ),
    "location": (
        "lage", "gelegen", "liegt", "zentral*", "innenstadt", "altstadt", "umgebung", "viertel",
        "gegend", "bahnhof", "strand", "fußläufig", "fuß", "u bahn", "ubahn", "haltestelle",
        "sehenswürdigkeiten", "restaurants", "geschäfte", "nähe", "entfernt", "erreichbar", "*lage",
        "stadtzentrum", "zentrum", "*haltestelle", "*bahnhof", "hauptbahnhof",
    ),
    "staff": (
        "personal", "mitarbeiter*", "rezeption", "empfang", "service", "bedienung",
        "servicepersonal", "hilfsbereit*", "unfreundlich*", "freundlich*", "unhöflich*", "höflich*",
        "zuvorkommend*", "team", "gastgeber*", "empfangen", "besitzer*", "kellner*", "concierge",
        "*personal", "rezeption*", "zimmerservice",
    ),
    "room": (
        "zimmer", "*zimmer", "bett", "betten", "*bett", "matratze*", "kissen", "bad", "badezimmer",
        "dusche", "toilette", "wc", "klimaanlage", "klima", "heizung", "balkon", "aussicht",
        "ausblick", "blick", "möbel", "einrichtung", "eingerichtet", "suite", "fenster", "minibar",
        "kühlschrank", "fernseher", "handtücher", "bettwäsche", "geräumig*", "eng", "enge",
        "winzig*", "badewanne", "*dusche",
    ),
    "value": (
        "preis", "preise", "preis leistung", "preisleistung*", "preis-leistung*", "teuer", "teure",
        "teuren", "überteuert*", "günstig*", "preiswert*", "geld", "wert", "gebühr*", "kosten",
        "kostet", "bezahlt", "zahlen", "*preis", "*preise",
    ),
    "food": (
        "frühstück*", "buffet", "büffet", "restaurant", "abendessen", "mittagessen", "essen",
        "speisen", "kaffee", "tee", "brötchen", "küche", "lecker*", "gericht", "gerichte",
        "mahlzeit*", "getränke", "wein", "koch", "speisekarte", "auswahl",
    ),
    "facilities": (
        "pool", "schwimmbad", "fitness*", "spa", "sauna", "wellness*", "parkplatz", "parkplätze",
        "parken", "parkmöglichkeit*", "parkhaus", "*parkplatz", "garage", "tiefgarage", "aufzug",
        "aufzüge", "fahrstuhl", "lift", "bar", "lobby", "shuttle", "terrasse", "dachterrasse",
        "garten", "einrichtungen", "ausstattung", "flur", "flure", "gebäude", "liegen",
    ),
    "wifi": (
        "wlan", "wifi", "wi fi", "internet", "verbindung", "internet*", "wlan*", "*verbindung",
        "netz", "empfang im",
    ),
    "noise": (
        "lärm", "ruhe", "laut", "lauter", "lautstärke", "ruhig*", "geräusch*", "hellhörig*",
        "verkehr", "straßenlärm*", "verkehrslärm*", "lärm*", "*lärms", "baustelle", "ohrstöpsel",
        "schnarchen", "musik", "gehört", "hören", "hörte", "hört", "hörten", "hörbar", "*lärm",
        "leise",
    ),
    "checkin": (
        "check in", "checkin", "einchecken", "check out", "checkout", "auschecken", "ankunft",
        "reservierung", "buchung", "angekommen", "schlüsselkarte*", "warteschlange", "anreise",
        "abreise",
    ),
}
# fmt: on

# fmt: off
VALENCES: dict[str, float] = {
    "sauber": 2.0, "blitzsauber": 2.8, "schmutzig": -2.0, "dreckig": -2.2, "unsauber": -2.0,
    "verschmutzt": -2.0, "ekelhaft": -2.8, "hygienisch": 1.5, "unhygienisch": -2.0, "fleckig": -1.5,
    "flecken": -1.5, "staubig": -1.5, "schimmel": -2.0, "schimmelig": -2.0, "geruch": -1.0,
    "stinkt": -2.0, "stank": -2.0, "muffig": -1.8, "haare": -1.0, "kakerlaken": -2.5,
    "wanzen": -2.8, "gut": 1.9, "besser": 1.5, "beste": 3.0, "sehr gut": 2.5, "toll": 2.5,
    "super": 2.8, "prima": 2.5, "klasse": 2.5, "perfekt": 2.8, "ausgezeichnet": 2.8,
    "hervorragend": 3.0, "exzellent": 3.0, "wunderbar": 3.0, "wunderschön": 3.0, "schön": 2.0,
    "großartig": 3.0, "fantastisch": 3.0, "traumhaft": 3.0, "angenehm": 1.8, "gemütlich": 1.8,
    "bequem": 2.0, "komfortabel": 2.0, "modern": 1.2, "lecker": 2.5, "köstlich": 2.8,
    "reichhaltig": 2.0, "vielfältig": 1.5, "frisch": 1.3, "freundlich": 2.2, "hilfsbereit": 2.0,
    "höflich": 1.8, "zuvorkommend": 2.0, "aufmerksam": 2.0, "herzlich": 2.5, "nett": 1.8,
    "empfehlenswert": 2.5, "empfehlen": 1.8, "zufrieden": 1.8, "ideal": 2.5, "zentral": 1.5,
    "praktisch": 1.5, "geräumig": 2.0, "groß": 0.8, "ruhig": 1.8, "leise": 1.2, "schnell": 1.2,
    "zügig": 1.2, "günstig": 1.5, "preiswert": 1.8, "fair": 1.5, "angemessen": 1.2, "lohnt": 1.5,
    "stabil": 1.2, "zuverlässig": 1.5, "gepflegt": 1.8, "top": 2.5, "spitze": 2.8,
    "reibungslos": 1.8, "problemlos": 1.8, "unkompliziert": 1.5, "gefiel": 1.8, "gefallen": 1.5,
    "geliebt": 2.5, "liebevoll": 2.2, "erreichbar": 0.8, "schlecht": -2.0, "schlechter": -2.0,
    "schlechteste": -3.0, "schrecklich": -2.8, "furchtbar": -2.8, "katastrophal": -3.0,
    "katastrophe": -3.0, "enttäuschend": -2.2, "enttäuscht": -2.0, "enttäuschung": -2.2,
    "unfreundlich": -2.2, "unhöflich": -2.2, "arrogant": -2.0, "genervt": -1.6, "mies": -2.2,
    "mäßig": -1.2, "mittelmäßig": -1.5, "klein": -1.0, "winzig": -1.5, "eng": -1.5, "alt": -0.6,
    "veraltet": -1.5, "abgewohnt": -1.8, "heruntergekommen": -2.2, "kaputt": -2.0, "defekt": -2.0,
    "hart": -1.2, "unbequem": -1.8, "laut": -1.8, "lärm": -1.5, "hellhörig": -1.8, "verkehr": -1.0,
    "baustelle": -1.2, "ohrstöpsel": -1.2, "gehört": -0.8, "hörte": -1.0, "hören": -0.8,
    "teuer": -1.5, "überteuert": -2.2, "langsam": -1.5, "instabil": -1.5, "kalt": -0.8,
    "fade": -1.5, "eintönig": -1.5, "dürftig": -1.8, "wenig": -0.8, "weit": -0.8, "unsicher": -1.8,
    "warten": -0.8, "wartezeit": -1.2, "gewartet": -1.0, "problem": -1.7, "probleme": -1.7,
    "auszusetzen": -1.5, "mangel": -1.5, "mängel": -1.5, "leider": -1.2, "schade": -1.2,
    "funktionierte": 0.6, "funktioniert": 0.6, "ging": 0.3, "dunkel": -0.8, "schimmlig": -2.0,
    "nervig": -1.8, "ärgerlich": -1.8, "chaotisch": -1.8, "gebühr": -0.8, "schwach": -1.5,
    "ewig": -1.2, "ewigkeit": -1.2, "geschlossen": -1.0, "lärms": -1.5, "straßenlärm": -1.5,
    "verkehrslärm": -1.5, "lange": -0.5, "renovierungsbedürftig": -1.5, "stimmt": 1.0, "lieb": 1.8,
    "genial": 2.5, "einwandfrei": 2.5, "tadellos": 2.5, "makellos": 2.5, "großzügig": 1.8,
    "hell": 1.2, "kostenlos": 1.0, "gratis": 1.0, "gelungen": 2.0, "optimal": 2.5,
    "sympathisch": 2.0, "kompetent": 1.8, "entspannt": 1.5, "erholsam": 2.0, "überragend": 3.0,
    "positiv": 1.5, "bestens": 2.5, "wohlgefühlt": 2.0, "abgenutzt": -1.5, "verdreckt": -2.5,
    "eklig": -2.5, "ekelig": -2.5, "widerlich": -2.8, "unzumutbar": -2.8, "unverschämt": -2.5,
    "miserabel": -2.8, "grauenhaft": -3.0, "stickig": -1.5, "lauwarm": -1.2, "ungenießbar": -2.8,
    "überfüllt": -1.8, "kostenpflichtig": -0.8, "abzocke": -2.5, "durchgelegen": -1.8,
    "verstopft": -1.8, "fehlte": -1.0, "mangelhaft": -2.2, "ungepflegt": -2.0, "störend": -1.5,
    "gestört": -1.5, "negativ": -1.5, "schmuddelig": -2.0, "verbesserungswürdig": -1.5,
    "ausbaufähig": -1.2, "bemüht": 1.8, "ruhe": 1.5, "gründlich": 1.5, "nah": 0.8, "nahe": 0.8,
    "hört": -1.0, "hörten": -1.0, "hörbar": -1.0, "straßenbahn": -0.5,
}
# fmt: on

WORDS = LanguageWords(
    cues=CUES,
    valences=VALENCES,
    negations=frozenset(
        {
            "wenig",
            "nicht",
            "kein",
            "keine",
            "keinen",
            "keiner",
            "keinem",
            "keines",
            "nie",
            "niemals",
            "nichts",
            "ohne",
            "kaum",
            "weder",
        }
    ),
    contrast=frozenset(
        {"aber", "jedoch", "obwohl", "trotzdem", "allerdings", "dennoch", "leider", "doch"}
    ),
    subordinators=frozenset({"obwohl"}),
    contrast_kept=frozenset({"leider"}),
    too_words=frozenset({"zu", "viel"}),
    too_targets=frozenset(
        {
            "klein",
            "laut",
            "teuer",
            "heiß",
            "warm",
            "kalt",
            "weit",
            "eng",
            "hart",
            "weich",
            "dunkel",
            "alt",
            "langsam",
            "kurz",
            "lang",
            "hoch",
            "wenig",
            "wenige",
        }
    ),
    idioms=(
        ("nichts auszusetzen", "perfekt"),
        ("kein problem", "problemlos"),
        ("ein wenig", "etwas"),
        ("hätte besser sein können", "mäßig"),
        ("könnte besser sein", "mäßig"),
        ("lässt zu wünschen übrig", "mäßig"),
        ("mehr erwartet", "enttäuschend"),
        ("besser erwartet", "enttäuschend"),
    ),
)
