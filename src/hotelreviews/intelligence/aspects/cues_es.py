"""Spanish cues, a small polarity lexicon (inflected by `endings`) and negations."""

from __future__ import annotations

from hotelreviews.intelligence.aspects.words import LanguageWords

# fmt: off
CUES: dict[str, tuple[str, ...]] = {
    "cleanliness": (
        "limpio", "limpia", "limpios", "limpias", "limpieza", "sucio", "sucia", "sucios", "sucias",
        "suciedad", "higiene", "manchas", "manchado", "manchada", "polvo", "moho", "olor", "olía",
        "olores", "cucarachas", "chinches", "pelos", "impecable", "impecables", "asqueroso",
        "asquerosa", "mugre", "limpiaron", "limpiado",
    ),
    "location": (
        "ubicación", "ubicado", "ubicada", "situado", "situada", "localización", "zona", "barrio",
        "centro", "metro", "estación", "playa", "a pie", "andando", "caminando", "cerca", "lejos",
        "monumentos", "tiendas", "restaurantes", "bien situado", "alrededores", "parada",
    ),
    "staff": (
        "personal", "empleados", "empleado", "recepción", "recepcionista", "recepcionistas",
        "servicio", "camarero", "camareros", "camarera", "camareras", "trato", "atención", "equipo",
        "conserje", "dueño", "dueños", "anfitrión", "amable", "amables", "grosero", "grosera",
        "antipático", "antipática", "atento", "atentos", "atenta", "atentas", "servicial",
        "serviciales", "simpático", "simpáticos", "simpática", "maleducado", "maleducados",
    ),
    "room": (
        "habitación", "habitaciones", "cama", "camas", "colchón", "almohada", "almohadas", "baño",
        "baños", "ducha", "inodoro", "bañera", "aire acondicionado", "aire", "calefacción",
        "balcón", "vista", "vistas", "muebles", "decoración", "suite", "ventana", "ventanas",
        "minibar", "nevera", "televisión", "tele", "toallas", "sábanas", "espaciosa", "espacioso",
        "amplia", "amplio", "cómoda", "cómodo", "cómodas", "cómodos", "diminuta", "pequeña",
    ),
    "value": (
        "precio", "precios", "calidad precio", "relación calidad", "caro", "cara", "caros", "caras",
        "carísimo", "barato", "barata", "económico", "asequible", "dinero", "vale", "valía",
        "merece", "tarifa", "cargos", "pagar", "pagamos", "coste", "costo",
    ),
    "food": (
        "desayuno", "desayunos", "bufé", "buffet", "restaurante", "cena", "comida", "comidas",
        "almuerzo", "café", "té", "pan", "fruta", "platos", "plato", "delicioso", "deliciosa",
        "rico", "rica", "sabroso", "sabrosa", "menú", "cocina", "bebidas", "vino", "cocinero",
        "variedad",
    ),
    "facilities": (
        "piscina", "gimnasio", "spa", "sauna", "parking", "aparcamiento", "estacionamiento",
        "garaje", "ascensor", "ascensores", "bar", "lobby", "vestíbulo", "traslado", "terraza",
        "jardín", "instalaciones", "pasillo", "pasillos", "edificio", "hamacas", "azotea",
    ),
    "wifi": (
        "wifi", "wi fi", "internet", "conexión", "señal", "red",
    ),
    "noise": (
        "ruido", "ruidos", "ruidoso", "ruidosa", "ruidosos", "tranquilo", "tranquila", "tranquilos",
        "silencioso", "silenciosa", "silencio", "tráfico", "obras", "oía", "oíamos", "se oye",
        "escuchaba", "escuchar", "escuchamos", "música", "fiesta", "insonorización",
        "paredes finas",
    ),
    "checkin": (
        "check in", "checkin", "check out", "checkout", "registro", "llegada", "reserva",
        "llegamos", "salida", "llave", "llaves", "tarjeta", "cola", "entrada temprana",
        "salida tardía",
    ),
}
# fmt: on

# fmt: off
VALENCES: dict[str, float] = {
    "limpio": 2.0, "limpieza": 0.5, "impecable": 2.8, "sucio": -2.0, "suciedad": -2.0,
    "asqueroso": -2.8, "mugre": -2.2, "manchas": -1.5, "manchado": -1.5, "polvo": -1.2,
    "moho": -2.0, "olor": -1.0, "olía": -1.0, "olores": -1.0, "cucarachas": -2.5, "chinches": -2.8,
    "pelos": -1.0, "bueno": 1.9, "buen": 1.9, "buena": 1.9, "mejor": 2.0, "excelente": 2.8,
    "perfecto": 2.8, "genial": 2.8, "estupendo": 2.8, "maravilloso": 3.0, "magnífico": 3.0,
    "fantástico": 3.0, "increíble": 2.8, "espectacular": 3.0, "precioso": 2.5, "bonito": 2.0,
    "agradable": 2.0, "encantador": 2.2, "ideal": 2.5, "cómodo": 2.0, "espacioso": 2.0,
    "amplio": 1.5, "moderno": 1.2, "delicioso": 2.8, "rico": 1.8, "sabroso": 2.5, "variado": 1.5,
    "fresco": 1.2, "amable": 2.2, "atento": 2.0, "servicial": 2.0, "simpático": 2.0,
    "profesional": 1.8, "tranquilo": 1.8, "silencioso": 1.5, "rápido": 1.2, "rápidamente": 1.2,
    "barato": 1.0, "económico": 1.2, "asequible": 1.8, "razonable": 1.5, "céntrico": 1.8,
    "cerca": 0.8, "recomiendo": 2.0, "recomendable": 2.2, "encantó": 2.5, "encantaron": 2.5,
    "gustó": 1.8, "funcionaba": 0.6, "funciona": 0.6, "estable": 1.2, "merece": 1.5, "vale": 0.8,
    "fiable": 1.5, "eficiente": 1.8, "enhorabuena": 2.5, "malo": -2.0, "mala": -2.0, "mal": -1.8,
    "peor": -3.0, "horrible": -2.8, "terrible": -2.5, "pésimo": -3.0, "fatal": -2.8,
    "decepcionante": -2.2, "decepción": -2.2, "decepcionados": -2.0, "desagradable": -2.0,
    "grosero": -2.2, "antipático": -2.2, "maleducado": -2.2, "frío": -0.8, "pequeño": -0.8,
    "pequeña": -0.8, "diminuto": -1.5, "viejo": -0.6, "antiguo": -0.6, "anticuado": -1.5,
    "roto": -2.0, "rota": -2.0, "duro": -1.2, "incómodo": -1.8, "ruidoso": -1.8, "ruido": -1.2,
    "ruidos": -1.2, "tráfico": -1.0, "obras": -1.2, "oía": -1.0, "oíamos": -1.0, "escuchaba": -1.0,
    "caro": -1.5, "carísimo": -2.2, "lento": -1.5, "inestable": -1.5, "soso": -1.5, "escaso": -1.5,
    "limitado": -1.2, "mediocre": -1.8, "regular": -0.8, "lejos": -0.8, "esperar": -0.8,
    "esperamos": -1.0, "espera": -1.0, "problema": -1.7, "problemas": -1.7, "objetar": -1.5,
    "quejarse": -1.5, "queja": -1.5, "quejas": -1.5, "pena": -1.2, "lamentablemente": -1.2,
    "desafortunadamente": -1.2, "oscuro": -0.8, "deficiente": -2.0, "inexistente": -2.0,
    "desastre": -3.0, "poco": 0.0, "limpísimo": 2.8, "luminoso": 1.5, "acogedor": 2.0,
    "gratis": 1.0, "gratuito": 1.0, "exquisito": 2.8, "abundante": 1.8, "completo": 1.5,
    "eficaz": 1.8, "fenomenal": 3.0, "sencillo": 1.0, "fácil": 1.2, "inmejorable": 3.0,
    "desgastado": -1.5, "estrecho": -1.0, "timo": -2.5, "tibio": -1.2, "incomible": -2.8,
    "borde": -2.0, "abarrotado": -1.5, "humedad": -1.5, "insuficiente": -1.8, "fallaba": -1.2,
    "falla": -1.2, "averiado": -1.8, "nefasto": -2.8, "lamentable": -2.5, "cutre": -2.0,
    "reforma": -0.5, "mejorable": -1.2, "bien": 1.5, "buenísimo": 3.0, "riquísimo": 3.0,
    "cerrado": -1.0, "se oye": -1.0, "poca": -0.5, "finas": -1.0, "paredes finas": -1.5,
}
# fmt: on

WORDS = LanguageWords(
    cues=CUES,
    valences=VALENCES,
    negations=frozenset(
        {
            "podría_estar",
            "poco",
            "poca",
            "no",
            "nunca",
            "nada",
            "ni",
            "sin",
            "ningún",
            "ninguna",
            "ninguno",
            "jamás",
            "tampoco",
            "apenas",
        }
    ),
    contrast=frozenset(
        {
            "pero",
            "aunque",
            "sin_embargo",
            "no_obstante",
            "lamentablemente",
            "desafortunadamente",
            "mientras_que",
            "aun_así",
        }
    ),
    subordinators=frozenset({"aunque", "mientras_que"}),
    contrast_kept=frozenset({"lamentablemente", "desafortunadamente"}),
    too_words=frozenset({"demasiado", "demasiada"}),
    too_targets=frozenset(
        {
            "pequeño",
            "pequeña",
            "pequeños",
            "pequeñas",
            "ruidoso",
            "caliente",
            "frío",
            "fría",
            "lejos",
            "duro",
            "dura",
            "oscuro",
            "oscura",
            "lento",
            "lenta",
            "caro",
            "cara",
            "viejo",
            "estrecho",
            "estrecha",
            "alto",
            "baja",
            "poco",
        }
    ),
    idioms=(
        ("nada que objetar", "perfecto"),
        ("nada que decir", "perfecto"),
        ("ningún problema", "perfecto"),
        ("sin embargo", "sin_embargo"),
        ("no obstante", "no_obstante"),
        ("mientras que", "mientras_que"),
        ("aun así", "aun_así"),
        ("un poco", "un_poco"),
        ("deja mucho que desear", "mediocre"),
        ("deja que desear", "mediocre"),
        ("podría estar", "podría_estar"),
        ("podría ser", "podría_estar"),
        ("necesita una reforma", "anticuado"),
        ("llena de gente", "abarrotado"),
        ("lleno de gente", "abarrotado"),
        ("esperábamos más", "decepcionante"),
        ("esperaba más", "decepcionante"),
        ("esperábamos mucho más", "decepcionante"),
    ),
)
