"""French cues, a small polarity lexicon (inflected by `endings`) and negations ("ne ... pas").

Elisions ("l'hôtel", "n'était") split at the apostrophe, so "n" counts as a negation word.
"""

from __future__ import annotations

from hotelreviews.intelligence.aspects.words import LanguageWords

# fmt: off
CUES: dict[str, tuple[str, ...]] = {
    "cleanliness": (
        "propre", "propres", "propreté", "sale", "sales", "saleté", "saletés", "crasseux",
        "crasseuse", "hygiène", "taches", "taché", "tachés", "tachées", "poussière", "poussiéreux",
        "moisissure", "odeur", "odeurs", "sentait", "cafards", "punaises", "cheveux", "nettoyé",
        "nettoyée", "nettoyage", "ménage", "impeccable", "impeccables", "dégoûtant", "dégoûtante",
        "insalubre",
    ),
    "location": (
        "emplacement", "situation", "situé", "située", "quartier", "centre", "centre ville",
        "métro", "gare", "plage", "à pied", "proche", "près", "loin", "monuments", "commerces",
        "restaurants", "bien placé", "idéalement", "environs", "arrêt",
    ),
    "staff": (
        "personnel", "employés", "employé", "réception", "réceptionniste", "accueil", "service",
        "serveur", "serveurs", "serveuse", "équipe", "concierge", "patron", "propriétaire",
        "gérant", "hôte", "hôtes", "serviable", "serviables", "aimable", "aimables", "impoli",
        "impolie", "désagréable", "désagréables", "accueillant", "accueillante", "accueillants",
        "attentionné", "attentionnés", "sympathique", "sympa",
    ),
    "room": (
        "chambre", "chambres", "lit", "lits", "matelas", "rangement", "placard", "oreiller",
        "oreillers", "salle de bain", "salle de bains", "douche", "toilettes", "baignoire",
        "climatisation", "clim", "chauffage", "balcon", "vue", "meubles", "mobilier", "décoration",
        "suite", "fenêtre", "fenêtres", "minibar", "frigo", "réfrigérateur", "télé", "télévision",
        "serviettes", "draps", "literie", "spacieuse", "spacieuses", "spacieux", "exiguë", "exigu",
        "minuscule", "confortable", "confortables",
    ),
    "value": (
        "prix", "rapport qualité", "qualité prix", "cher", "chère", "chers", "onéreux", "abordable",
        "raisonnable", "argent", "vaut", "valait", "frais", "tarif", "tarifs", "payé", "payer",
        "coût", "hors de prix",
    ),
    "food": (
        "petit déjeuner", "petit-déjeuner", "petits déjeuners", "déjeuner", "dîner", "buffet",
        "restaurant", "repas", "cuisine", "nourriture", "café", "thé", "croissants",
        "viennoiseries", "pain", "plats", "plat", "délicieux", "délicieuse", "copieux", "copieuse",
        "savoureux", "fade", "menu", "chef", "boissons", "vin",
    ),
    "facilities": (
        "piscine", "salle de sport", "gym", "fitness", "spa", "sauna", "parking", "garage",
        "ascenseur", "ascenseurs", "bar", "lobby", "hall", "navette", "terrasse", "jardin",
        "installations", "équipements", "couloir", "couloirs", "bâtiment", "transats",
    ),
    "wifi": (
        "wifi", "wi fi", "internet", "connexion", "réseau",
    ),
    "noise": (
        "bruit", "bruits", "bruyant", "bruyante", "bruyants", "bruyantes", "calme", "calmes",
        "tranquille", "silencieux", "silencieuse", "insonorisation", "insonorisée", "circulation",
        "travaux", "bouchons", "entendait", "entendu", "entend", "entendre", "musique", "fête",
        "sonore",
    ),
    "checkin": (
        "check in", "checkin", "check out", "checkout", "enregistrement", "réservation", "arrivée",
        "départ", "clé", "clés", "carte magnétique", "attente", "file d",
    ),
}
# fmt: on

# fmt: off
VALENCES: dict[str, float] = {
    "propre": 2.0, "impeccable": 2.8, "sale": -2.0, "saleté": -2.0, "crasseux": -2.5,
    "crasseuse": -2.5, "dégoûtant": -2.8, "insalubre": -2.8, "taches": -1.5, "taché": -1.5,
    "poussière": -1.2, "poussiéreux": -1.5, "poussiéreuse": -1.5, "moisissure": -2.0, "odeur": -1.0,
    "odeurs": -1.0, "sentait": -1.0, "cafards": -2.5, "punaises": -2.8, "cheveux": -1.0, "bon": 1.9,
    "bonne": 1.9, "bons": 1.9, "bonnes": 1.9, "bien": 1.5, "mieux": 1.5, "meilleur": 2.5,
    "excellent": 2.8, "parfait": 2.8, "super": 2.8, "génial": 2.8, "géniale": 2.8, "top": 2.5,
    "magnifique": 3.0, "superbe": 3.0, "formidable": 3.0, "merveilleux": 3.0, "merveilleuse": 3.0,
    "agréable": 2.0, "charmant": 2.2, "joli": 1.8, "beau": 2.0, "belle": 2.0, "idéal": 2.5,
    "idéale": 2.5, "idéalement": 2.0, "confortable": 2.0, "spacieux": 2.0, "spacieuse": 2.0,
    "moderne": 1.2, "délicieux": 2.8, "délicieuse": 2.8, "savoureux": 2.5, "copieux": 2.0,
    "copieuse": 2.0, "varié": 1.5, "frais": 0.0, "fraîche": 1.2, "aimable": 2.0, "serviable": 2.0,
    "sympathique": 2.0, "sympa": 2.0, "accueillant": 2.2, "accueillante": 2.2, "chaleureux": 2.5,
    "chaleureuse": 2.5, "attentionné": 2.0, "souriant": 2.0, "souriante": 2.0, "professionnel": 1.8,
    "calme": 1.8, "tranquille": 1.8, "silencieux": 1.5, "silencieuse": 1.5, "rapide": 1.2,
    "rapidement": 1.2, "abordable": 1.8, "raisonnable": 1.5, "pratique": 1.5, "proche": 0.8,
    "près": 0.6, "central": 1.5, "centrale": 1.5, "recommande": 2.0, "recommander": 1.8,
    "satisfait": 1.8, "ravis": 2.5, "ravi": 2.5, "fonctionnait": 0.6, "fonctionne": 0.6,
    "marchait": 0.6, "stable": 1.2, "fiable": 1.5, "vaut": 1.2, "fluide": 1.5, "efficace": 1.8,
    "mauvais": -2.0, "mauvaise": -2.0, "pire": -3.0, "horrible": -2.8, "affreux": -2.8,
    "terrible": -2.5, "décevant": -2.2, "décevante": -2.2, "déçu": -2.0, "déçus": -2.0,
    "déception": -2.2, "désagréable": -2.0, "impoli": -2.2, "impolie": -2.2, "froid": -0.8,
    "froide": -0.8, "petit": -0.8, "petite": -0.8, "minuscule": -1.5, "exigu": -1.5, "exiguë": -1.5,
    "vieux": -0.6, "vieille": -0.6, "vétuste": -1.8, "défraîchi": -1.8, "cassé": -2.0,
    "cassée": -2.0, "dur": -1.2, "inconfortable": -1.8, "bruyant": -1.8, "bruyante": -1.8,
    "bruit": -1.2, "bruits": -1.2, "circulation": -1.0, "travaux": -1.2, "entendait": -1.0,
    "entendu": -0.8, "entend": -0.8, "cher": -1.5, "chère": -1.5, "chers": -1.5, "onéreux": -1.8,
    "lent": -1.5, "lente": -1.5, "instable": -1.5, "fade": -1.5, "médiocre": -1.8, "moyen": -0.6,
    "limité": -1.2, "limitée": -1.2, "loin": -0.8, "attente": -1.0, "attendre": -0.8,
    "attendu": -0.8, "problème": -1.7, "problèmes": -1.7, "redire": -1.5, "plaindre": -1.5,
    "dommage": -1.2, "malheureusement": -1.2, "sombre": -0.8, "bondé": -1.2, "désordre": -1.5,
    "inexistant": -2.0, "catastrophique": -3.0, "nul": -2.5, "nulle": -2.5, "peu": 0.0,
    "adorable": 2.5, "irréprochable": 2.5, "parfaitement": 2.5, "extra": 2.0, "lumineux": 1.5,
    "lumineuse": 1.5, "reposant": 1.8, "gratuit": 1.0, "gentil": 2.0, "gentille": 2.0,
    "disponible": 1.2, "exceptionnel": 3.0, "bravo": 2.5, "conseille": 2.0, "facile": 1.2,
    "soigné": 1.5, "cosy": 1.5, "usé": -1.2, "abîmé": -1.5, "étroit": -1.0, "arnaque": -2.5,
    "tiède": -1.2, "immangeable": -2.8, "inacceptable": -2.5, "honteux": -2.5, "scandaleux": -2.8,
    "insuffisant": -1.8, "manque": -1.2, "manquait": -1.2, "panne": -1.5, "fuite": -1.5,
    "humidité": -1.5, "moisi": -2.0, "mauvaise odeur": -2.0, "mériterait": -1.0, "mérite": 0.0,
    "vieillot": -1.2, "vieillotte": -1.2, "vieillottes": -1.2, "attentionnée": 2.0, "payant": -0.8,
    "fermé": -1.0, "fermée": -1.0,
}
# fmt: on

WORDS = LanguageWords(
    cues=CUES,
    valences=VALENCES,
    negations=frozenset(
        {
            "aurait_pu_être",
            "peu",
            "ne",
            "n",
            "pas",
            "jamais",
            "rien",
            "aucun",
            "aucune",
            "sans",
            "ni",
            "guère",
            "personne",
        }
    ),
    contrast=frozenset(
        {
            "mais",
            "cependant",
            "pourtant",
            "toutefois",
            "néanmoins",
            "malheureusement",
            "bien_que",
            "par_contre",
        }
    ),
    subordinators=frozenset({"bien_que", "quoique"}),
    contrast_kept=frozenset({"malheureusement"}),
    too_words=frozenset({"trop"}),
    too_targets=frozenset(
        {
            "petit",
            "petite",
            "petits",
            "petites",
            "bruyant",
            "chaud",
            "chaude",
            "froid",
            "froide",
            "loin",
            "dur",
            "dure",
            "sombre",
            "lent",
            "lente",
            "cher",
            "chère",
            "vieux",
            "étroit",
            "étroite",
            "bas",
            "haut",
            "peu",
        }
    ),
    idioms=(
        ("rien à redire", "parfait"),
        ("rien à dire", "parfait"),
        ("bien que", "bien_que"),
        ("par contre", "par_contre"),
        ("hors de prix", "onéreux"),
        ("pas de problème", "parfait"),
        ("un peu", "un_peu"),
        ("laisse à désirer", "médiocre"),
        ("aux petits soins", "attentionné"),
        ("aurait pu être", "aurait_pu_être"),
        ("pourrait être", "aurait_pu_être"),
        ("attendions mieux", "décevant"),
        ("attendais mieux", "décevant"),
        ("attendait mieux", "décevant"),
        ("attendions plus", "décevant"),
    ),
)
