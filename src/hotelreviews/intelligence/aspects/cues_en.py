"""English cue words per aspect, and the hotel-domain valences VADER's lexicon lacks or gets wrong.

A cue is a word ("room"), a two-word phrase ("front desk"; hyphens split into words, so it also
matches "front-desk"), a prefix ("clean*") or a suffix ("*room", for compounds). Evaluative cue
words (clean, noisy, overpriced) also carry a valence below: their sentiment belongs to their
own aspect, which is how implicit cues ("we could hear the traffic") give an opinion.
"""

from __future__ import annotations

from hotelreviews.intelligence.aspects.words import LanguageWords

# fmt: off
CUES: dict[str, tuple[str, ...]] = {
    "cleanliness": (
        "clean", "cleaner", "cleanest", "cleaned", "cleaning", "cleanliness", "dirty", "dirt",
        "filthy", "spotless", "immaculate", "hygiene", "hygienic", "unhygienic", "stain", "stains",
        "stained", "dust", "dusty", "mould", "mold", "mouldy", "moldy", "smell", "smells",
        "smelled", "smelt", "smelly", "stink", "stinks", "stank", "musty", "hair", "hairs",
        "cockroach", "cockroaches", "roaches", "bugs", "bedbugs", "bed bugs", "grime", "grimy",
        "sticky", "tidy", "untidy", "housekeeping", "spotlessly", "unclean", "damp", "pristine",
        "gross", "hygienically", "fresh sheets", "well kept",
    ),
    "location": (
        "location", "located", "situated", "neighbourhood", "neighborhood", "area", "district",
        "walking distance", "walk", "walkable", "metro", "subway", "tube", "station", "transport",
        "bus stop", "central", "centre", "center", "downtown", "beach", "sights", "attractions",
        "restaurants", "bars", "shops", "shopping", "cafes", "nearby", "far from", "spot",
        "close to", "near", "minutes from", "steps from", "old town", "unsafe", "sketchy",
        "entrance", "convenient", "remote", "isolated", "accessible", "airport", "stone s throw",
        "minutes walk", "transport links", "public transport", "city centre", "city center",
        "surroundings",
    ),
    "staff": (
        "staff", "staffs", "employee", "employees", "reception", "receptionist", "receptionists",
        "front desk", "concierge", "manager", "management", "waiter", "waiters", "waitress",
        "waitresses", "service", "host", "hosts", "hostess", "owner", "owners", "personnel", "team",
        "bartender", "bartenders", "doorman", "porter", "porters", "helpful", "unhelpful", "rude",
        "attentive", "courteous", "polite", "impolite", "welcoming", "hospitality", "hospitable",
        "guys", "lady", "gentleman", "friendly", "unfriendly", "room service", "housekeeper",
        "housekeepers", "cleaners", "maid", "maids", "desk clerk", "front office", "valet",
        "service staff",
    ),
    "room": (
        "room", "rooms", "bed", "beds", "mattress", "mattresses", "pillow", "pillows", "bathroom",
        "bathrooms", "shower", "showers", "toilet", "bath", "bathtub", "tub", "towels",
        "air conditioning", "aircon", "conditioner", "heating", "heater", "balcony", "view",
        "views", "furniture", "decor", "decorated", "suite", "curtains", "blackout", "window",
        "windows", "ac", "minibar", "fridge", "kettle", "tv", "sheets", "linen", "spacious",
        "roomy", "cramped", "sofa", "wardrobe", "closet", "desk", "carpet", "lighting", "comfy",
        "daylight", "sink", "water pressure", "space", "kitchenette", "hairdryer", "hair dryer",
        "toiletries", "bedding", "duvet", "air con", "hot water", "plumbing", "a c", "bedroom",
        "bedrooms", "mini bar", "blinds", "room size",
    ),
    "value": (
        "price", "prices", "priced", "pricey", "value", "money", "worth", "overpriced", "expensive",
        "cheap", "affordable", "bargain", "rip off", "ripoff", "fees", "fee", "charge", "charged",
        "charges", "cost", "costs", "paid", "pay", "deal", "rate", "rates", "budget", "premium",
        "reasonably", "inexpensive", "overcharged", "surcharge", "for the price", "tourist tax",
        "value for", "cheaper", "pricier", "costly",
    ),
    "food": (
        "breakfast", "breakfasts", "buffet", "restaurant", "dinner", "lunch", "brunch", "food",
        "meal", "meals", "coffee", "tea", "croissants", "eggs", "menu", "dishes", "dish", "bread",
        "fruit", "juice", "omelette", "omelettes", "cuisine", "chef", "tasty", "bland", "stale",
        "delicious", "pastries", "cooked", "dessert", "drinks", "wine", "cocktails", "snacks",
        "portions", "portion", "pancakes", "bacon", "sausages", "cereal", "vegetarian", "vegan",
        "cheese", "pizza", "steak", "seafood", "fish", "cake", "cakes", "espresso", "cappuccino",
        "beer", "cocktail", "breakfast area", "breakfast room", "dining room", "dining", "waffles",
        "yoghurt", "yogurt", "salad", "soup", "pasta", "kitchen",
    ),
    "facilities": (
        "pool", "pools", "swimming", "gym", "fitness", "spa", "sauna", "parking", "car park",
        "garage", "pool area", "common area", "play area", "lift", "lifts", "elevator", "elevators",
        "bar", "lobby", "shuttle", "kids club", "playground", "terrace", "rooftop", "garden",
        "gardens", "jacuzzi", "hot tub", "facilities", "amenities", "laundry", "hallway",
        "hallways", "corridor", "corridors", "building", "common areas", "lounge", "stairs",
        "sunbeds", "loungers", "steam room", "fitness room", "games room", "meeting room",
        "luggage storage", "luggage room", "spa area", "lobby area", "seating area",
        "reception area", "tennis", "bikes", "bicycles", "family friendly", "kid friendly",
        "pet friendly", "business centre", "business center", "sun loungers", "hot tubs",
        "ev charger", "car parking", "valet parking", "swimming pool", "beach towels", "slides",
    ),
    "wifi": (
        "wifi", "wi fi", "internet", "wlan", "connection", "signal", "wireless", "bandwidth",
        "mbps", "streaming", "router",
    ),
    "noise": (
        "noise", "noises", "noisy", "quiet", "quieter", "quietly", "loud", "louder", "hear",
        "heard", "traffic", "thin walls", "construction", "earplugs", "ear plugs", "snoring",
        "barking", "party", "parties", "woke", "soundproof", "peaceful", "silent", "silence",
        "racket", "din", "awake", "street noise", "disco", "nightclub", "music", "sirens",
        "slamming", "slammed", "drilling", "bells", "rowdy", "soundproofing", "soundproofed",
        "trams", "trains", "neighbours", "neighbors", "thin", "banging",
    ),
    "checkin": (
        "check in", "checkin", "check ins", "checking in", "check out", "checkout", "checking out",
        "arrival", "arrived", "key card", "key cards", "keycard", "keycards", "queue", "queued",
        "registration", "early check", "late check", "checked in", "checked out", "checked us",
        "check us", "check you", "deposit", "room ready", "room was ready", "room was not ready",
    ),
}
# fmt: on

# Valences on VADER's scale (-4..4) for the hotel domain. These override VADER's lexicon: "value"
# and "no" are neutral here ("poor value" must not come out positive; "no" is a negation).
# fmt: off
VALENCES: dict[str, float] = {
    "value": 0.0, "no": 0.0, "like": 0.0, "please": 0.0, "pretty": 0.3, "kind": 0.8, "well": 0.8,
    "block": 0.0, "top": 0.0, "yes": 0.0, "help": 0.0, "hard": -1.2, "free": 1.2, "want": 0.0,
    "care": 0.5, "matter": 0.0, "sure": 0.0, "okay": 0.5, "ok": 0.5, "clean": 2.0, "cleaned": 1.0,
    "cleanest": 2.5, "cleaner": 0.5, "spotless": 2.5, "spotlessly": 2.0, "immaculate": 2.5,
    "pristine": 2.5, "filthy": -2.8, "dirt": -1.5, "stain": -1.5, "stains": -1.5, "stained": -1.5,
    "dusty": -1.5, "dust": -1.0, "mould": -1.8, "mold": -1.8, "mouldy": -2.0, "moldy": -2.0,
    "smell": -1.0, "smells": -1.0, "smelled": -1.0, "smelt": -1.0, "smelly": -2.0, "stink": -2.0,
    "stinks": -2.0, "stank": -2.0, "musty": -1.8, "hair": -1.0, "hairs": -1.0, "cockroach": -2.5,
    "cockroaches": -2.5, "roaches": -2.5, "bugs": -2.5, "bedbugs": -3.0, "grime": -1.8,
    "grimy": -1.8, "sticky": -1.5, "tidy": 1.5, "untidy": -1.5, "unhygienic": -2.0, "hygienic": 1.5,
    "unclean": -2.0, "damp": -1.5, "gross": -2.0, "spacious": 2.0, "roomy": 1.5, "cramped": -1.8,
    "small": -1.0, "tiny": -1.5, "big": 0.8, "bigger": 0.8, "large": 0.8, "huge": 1.2, "comfy": 2.0,
    "modern": 1.2, "dated": -1.2, "outdated": -1.5, "old": -0.6, "worn": -1.2, "shabby": -1.8,
    "tatty": -1.8, "flat": -0.8, "thin": -1.0, "thin walls": -1.5, "lumpy": -1.5, "saggy": -1.5,
    "squeaky": -1.2, "leaking": -1.5, "leaky": -1.5, "drained": -0.5, "renovated": 1.2,
    "renovation": -0.5, "stylish": 1.8, "cozy": 1.8, "cosy": 1.8, "quiet": 1.8, "quieter": 1.0,
    "quietly": 0.5, "peaceful": 2.0, "silent": 1.2, "silence": 1.0, "noisy": -1.8, "noise": -1.2,
    "noises": -1.2, "loud": -1.5, "louder": -1.5, "hear": -1.0, "heard": -1.0, "traffic": -1.0,
    "construction": -1.2, "earplugs": -1.2, "snoring": -1.2, "barking": -1.2, "party": -0.5,
    "parties": -0.8, "woke": -1.2, "soundproof": 1.2, "racket": -1.5, "din": -1.2, "banging": -1.5,
    "sirens": -1.2, "disco": -0.5, "nightclub": -0.5, "overpriced": -2.2, "expensive": -1.5,
    "pricey": -1.5, "cheap": 0.6, "affordable": 1.5, "inexpensive": 1.5, "bargain": 2.0,
    "ripoff": -2.5, "fees": -0.8, "surcharge": -1.2, "overcharged": -2.0, "reasonably": 1.2,
    "reasonable": 1.5, "unhelpful": -2.0, "attentive": 2.0, "courteous": 1.8, "polite": 1.8,
    "impolite": -1.8, "welcoming": 2.0, "hospitable": 2.0, "rude": -2.2, "helpful": 2.0,
    "tasty": 2.0, "bland": -1.5, "stale": -1.5, "cold": -0.8, "lukewarm": -1.2, "greasy": -1.2,
    "limited": -1.2, "variety": 1.2, "choice": 0.6, "plenty": 1.0, "fast": 1.2, "quick": 1.0,
    "quickly": 1.0, "slow": -1.5, "slowly": -1.2, "reliable": 1.5, "unreliable": -1.8,
    "patchy": -1.5, "spotty": -1.5, "dropping": -1.2, "dropped": -0.8, "unstable": -1.5,
    "weak": -1.5, "convenient": 1.8, "central": 1.2, "centrally": 1.2, "unsafe": -2.0,
    "sketchy": -1.8, "far": -0.8, "close": 0.8, "near": 0.6, "nearby": 0.6, "walkable": 1.5,
    "steps": 0.5, "unfriendly": -2.0, "annoyed": -1.6, "ignored": -1.5, "waited": -1.0,
    "waiting": -0.8, "wait": -0.8, "queue": -1.0, "queued": -1.2, "ages": -1.2, "forever": -1.0,
    "smooth": 1.5, "smoothly": 1.5, "efficient": 1.8, "inefficient": -1.8, "seamless": 1.8,
    "chaotic": -1.8, "fault": -1.5, "issue": -1.0, "issues": -1.0, "worked": 0.5, "broke": -1.5,
    "overcrowded": -1.8, "crowded": -1.2, "unattractive": -1.8, "daylight": 0.3, "superb": 3.0,
    "fantastic": 3.0, "wonderful": 3.0, "spectacular": 3.0, "stunning": 3.0, "spot": 0.0,
    "mediocre": -1.5, "average": -0.5, "basic": -0.5, "decent": 1.0, "complaints": -1.5,
    "right": 0.0, "closed": -1.0, "awake": -1.2, "close to": 1.0, "walking distance": 1.5,
    "steps from": 1.0, "far from": -1.5, "remote": -1.2, "isolated": -1.2, "inconvenient": -1.5,
    "accessible": 1.2, "stone s throw": 1.5, "slamming": -1.5, "slammed": -1.5, "drilling": -1.5,
    "rowdy": -1.8, "soundproofed": 1.2, "hot water": 0.8, "packed": -1.0, "dodgy": -1.5,
    "generous": 1.8, "costly": -1.5, "pricier": -1.0, "cheaper": 0.8, "undercooked": -1.8,
    "overcooked": -1.5, "rubbery": -1.5, "dingy": -1.8, "grubby": -1.8, "faulty": -1.5,
    "flickering": -1.0, "uncomfortable": -1.8, "friendliest": 3.0, "homely": 1.8,
    "clean sheets": 2.0, "fresh sheets": 1.8, "well kept": 1.8, "only worked": -1.0,
    "only works": -1.0, "overlooked": 0.0, "attractions": 0.0, "pay": 0.0, "fitness": 0.0,
    "lobby": 0.0, "charges": -0.5, "steep": -1.2, "room was ready": 1.0, "room ready": 0.5,
    "room was not ready": -1.5, "work": 0.6, "works": 0.6, "working": 0.6, "complain": -1.5,
    "fine": 0.8, "tired": -1.2, "nice": 1.8, "strong": 1.2, "equipped": 0.8, "sorted": 1.0,
    "tips": 0.5, "charming": 2.2,
}
# fmt: on

# "too small", "too far": these are neutral alone and negative after "too".
TOO_TARGETS = frozenset(
    {
        "small",
        "far",
        "hot",
        "cold",
        "hard",
        "soft",
        "dark",
        "old",
        "loud",
        "slow",
        "expensive",
        "long",
        "busy",
        "crowded",
        "many",
        "much",
        "few",
        "little",
        "thin",
        "high",
        "low",
        "short",
        "noisy",
        "warm",
        "bright",
        "narrow",
        "steep",
    }
)
TOO_WORDS = frozenset({"too", "overly"})

NEGATIONS = frozenset(
    {
        "not",
        "never",
        "no",
        "nothing",
        "none",
        "nor",
        "neither",
        "without",
        "cannot",
        "nowhere",
        "rarely",
        "seldom",
        "hardly",
        "barely",
        "nobody",
        "lacked",
        "lacking",
        "lacks",
    }
)

# Contrast markers: a clause boundary. Subordinators (at a clause's start) end at the next comma.
CONTRAST = frozenset(
    {
        "but",
        "although",
        "though",
        "however",
        "yet",
        "whereas",
        "while",
        "except",
        "unfortunately",
        "sadly",
    }
)
SUBORDINATORS = frozenset({"although", "though", "while", "whereas"})

# Idioms whose words mislead a word-by-word scorer; rewritten before tokenizing.
IDIOMS: tuple[tuple[str, str], ...] = (
    ("can't", "can not"),
    ("won't", "will not"),
    ("n't", " not"),
    ("could not be better", "perfect"),
    ("could not have been better", "perfect"),
    ("can not be beaten", "perfect"),
    ("cannot be beaten", "perfect"),
    ("cannot beat", "perfect"),
    ("can not beat", "perfect"),
    ("could not fault", "perfect"),
    ("as well", "also"),
    ("a bit", "somewhat"),
    ("no problem", "fine"),
    ("a little", "somewhat"),
    ("no frills", "basic"),
    ("took forever", "slow"),
    ("took ages", "slow"),
    ("rip off", "ripoff"),
    ("rip-off", "ripoff"),
    ("worth every penny", "bargain"),
    ("value for money", "value"),
    ("out of order", "broken"),
    ("could be better", "mediocre"),
    ("could have been better", "mediocre"),
    ("could be improved", "mediocre"),
    ("needs updating", "dated"),
    ("needs renovation", "dated"),
    ("needs a refresh", "dated"),
    ("in need of", "dated"),
    ("left a lot to be desired", "mediocre"),
    ("leaves a lot to be desired", "mediocre"),
    ("much to be desired", "mediocre"),
    ("out of the way", "remote"),
    ("middle of nowhere", "remote"),
    ("easy to find", "convenient"),
    ("hard to find", "inconvenient"),
    ("nothing special", "mediocre"),
    ("could not have been", "truly"),
    ("could not be", "truly"),
    ("housekeeping team", "housekeeping"),
    ("expected more", "disappointing"),
    ("expected better", "disappointing"),
    ("nothing fancy", "basic"),
    ("out of their way", "helpful"),
    ("out of his way", "helpful"),
    ("out of her way", "helpful"),
    ("extra mile", "helpful"),
    ("ready to help", "helpful"),
    ("spot on", "perfect"),
)

CONTRAST_KEPT = frozenset({"unfortunately", "sadly"})

WORDS = LanguageWords(
    cues=CUES,
    valences=VALENCES,
    negations=NEGATIONS,
    contrast=CONTRAST,
    subordinators=SUBORDINATORS,
    contrast_kept=CONTRAST_KEPT,
    too_words=TOO_WORDS,
    too_targets=TOO_TARGETS,
    idioms=IDIOMS,
)
