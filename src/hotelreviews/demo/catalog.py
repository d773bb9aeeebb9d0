"""Fixed reference data for the demo: cities, hotel-name words, rooms, travellers, countries."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class City:
    name: str
    country: str
    code: str  # three letters, used in the hotel group's own hotel ids ("GH-SIN-01")
    lat: float
    lon: float
    utc_offset: str  # standard time; good enough for a demo
    spread: float  # degrees around the centre where hotels are placed
    weight: int  # share of the hotels
    words: tuple[str, ...]  # local words for hotel names
    streets: tuple[str, ...]
    address: str  # format with {n} and {street}
    landmarks: tuple[str, ...]


# fmt: off
def _c(
    name: str, country: str, code: str, lat: float, lon: float, utc_offset: str,
    spread: float, weight: int, words: str, streets: str, address: str, landmarks: str,
) -> City:
    return City(
        name, country, code, lat, lon, utc_offset, spread, weight, tuple(words.split("|")),
        tuple(streets.split("|")), address, tuple(landmarks.split("|")),
    )


CITIES: tuple[City, ...] = (
    _c("Singapore", "Singapore", "SIN", 1.2903, 103.8519, "+08:00", 0.035, 6,
       "Marina|Orchard|Raffles|Bugis|Katong|Tanjong|Clarke Quay|Sentosa",
       "Bayfront Avenue|Orchard Road|Beach Road|Bencoolen Street|Joo Chiat Road|Tanjong Pagar Road",
       "{n} {street}, Singapore", "Marina Bay|Gardens by the Bay|Chinatown MRT"),
    _c("Bangkok", "Thailand", "BKK", 13.7466, 100.5393, "+07:00", 0.05, 8,
       "Sukhumvit|Silom|Chao Phraya|Siam|Riverside|Sathorn|Ratchada|Lumpini",
       "Sukhumvit Road|Silom Road|Charoen Krung Road|Rama IV Road|Khao San Road|Sathorn Road",
       "{n} {street}, Bangkok", "the BTS Skytrain|the Grand Palace|Chatuchak Market"),
    _c("Hanoi", "Vietnam", "HAN", 21.0285, 105.8542, "+07:00", 0.03, 5,
       "Old Quarter|Hoan Kiem|West Lake|Ba Dinh|Red River|Lotus|Tay Ho",
       "Hang Bac|Hang Gai|Ma May|Trang Tien|Ly Thuong Kiet|Quang An",
       "{n} {street}, Hoan Kiem, Hanoi", "Hoan Kiem Lake|the Old Quarter|the night market"),
    _c("Tokyo", "Japan", "TYO", 35.6812, 139.7671, "+09:00", 0.06, 7,
       "Ginza|Shinjuku|Asakusa|Shibuya|Ueno|Akasaka|Shiodome|Ikebukuro",
       "Ginza|Nishi-Shinjuku|Asakusa|Dogenzaka|Akasaka|Higashi-Ueno",
       "{n}-3 {street}, Tokyo", "Shinjuku Station|Senso-ji|the Imperial Palace"),
    _c("Paris", "France", "PAR", 48.8566, 2.3522, "+01:00", 0.035, 8,
       "Montmartre|Marais|Opera|Saint-Germain|Bastille|Louvre|Trocadero|Latin",
       "Rue de Rivoli|Boulevard Haussmann|Rue Lepic|Rue Saint-Antoine|Avenue Kleber|Rue Cler",
       "{n} {street}, Paris", "the Louvre|the Eiffel Tower|Sacre-Coeur"),
    _c("Lisbon", "Portugal", "LIS", 38.7223, -9.1393, "+00:00", 0.03, 4,
       "Alfama|Chiado|Baixa|Belem|Tejo|Principe Real|Graca|Avenida",
       "Rua Augusta|Avenida da Liberdade|Rua do Alecrim|Rua da Graca|Rua de Belem",
       "{street} {n}, Lisbon", "the Tagus river|Praca do Comercio|Tram 28"),
    _c("Berlin", "Germany", "BER", 52.5200, 13.4050, "+01:00", 0.05, 4,
       "Mitte|Spree|Kreuzberg|Tiergarten|Prenzlauer|Charlottenburg|Kudamm",
       "Friedrichstrasse|Torstrasse|Oranienstrasse|Kurfuerstendamm|Invalidenstrasse",
       "{street} {n}, Berlin", "the Brandenburg Gate|Museum Island|Alexanderplatz"),
    _c("London", "United Kingdom", "LON", 51.5072, -0.1276, "+00:00", 0.06, 8,
       "Kensington|Covent Garden|Thames|Soho|Bloomsbury|Mayfair|Paddington|Southbank",
       "Cromwell Road|Strand|Gower Street|Baker Street|Bayswater Road|Southwark Street",
       "{n} {street}, London", "Hyde Park|the British Museum|the Tube station"),
    _c("New York", "United States", "NYC", 40.7580, -73.9855, "-05:00", 0.05, 7,
       "Manhattan|Hudson|Midtown|Broadway|Chelsea|SoHo|Park Avenue|Tribeca",
       "West 44th Street|Lexington Avenue|8th Avenue|Broadway|West Street|Park Avenue",
       "{n} {street}, New York, NY", "Times Square|Central Park|the subway"),
    _c("Sydney", "Australia", "SYD", -33.8688, 151.2093, "+10:00", 0.05, 4,
       "Harbour|Darling|Bondi|Circular Quay|The Rocks|Surry Hills|Opera",
       "George Street|Pitt Street|Campbell Parade|Harris Street|Macquarie Street",
       "{n} {street}, Sydney NSW", "the Opera House|Darling Harbour|Bondi Beach"),
    _c("Dubai", "United Arab Emirates", "DXB", 25.2048, 55.2708, "+04:00", 0.08, 5,
       "Marina|Palm|Creek|Downtown|Jumeirah|Deira|Al Barsha|Burj",
       "Sheikh Zayed Road|Jumeirah Beach Road|Al Rigga Road|Marina Walk|Al Sufouh Road",
       "{n} {street}, Dubai", "the Burj Khalifa|Dubai Mall|the Marina walk"),
    _c("Barcelona", "Spain", "BCN", 41.3874, 2.1686, "+01:00", 0.035, 5,
       "Gothic|Eixample|Barceloneta|Ramblas|Gracia|Born|Montjuic|Diagonal",
       "Passeig de Gracia|La Rambla|Carrer de Mallorca|Via Laietana|Carrer del Rec",
       "{street} {n}, Barcelona", "the Sagrada Familia|La Rambla|the beach"),
    _c("Rome", "Italy", "ROM", 41.9028, 12.4964, "+01:00", 0.035, 5,
       "Trastevere|Colosseo|Navona|Spagna|Pantheon|Monti|Aventino|Borgo",
       "Via del Corso|Via Nazionale|Via Cavour|Via Veneto|Via della Scala",
       "{street} {n}, Rome", "the Colosseum|the Pantheon|Trevi Fountain"),
    _c("Istanbul", "Turkey", "IST", 41.0082, 28.9784, "+03:00", 0.05, 5,
       "Bosphorus|Sultanahmet|Galata|Pera|Taksim|Golden Horn|Karakoy|Beyoglu",
       "Istiklal Caddesi|Divan Yolu|Mesrutiyet Caddesi|Kennedy Caddesi|Galip Dede",
       "{street} No:{n}, Istanbul", "the Blue Mosque|Galata Tower|the Grand Bazaar"),
    _c("Denpasar", "Indonesia", "DPS", -8.6705, 115.2126, "+08:00", 0.18, 6,
       "Seminyak|Kuta|Ubud|Sanur|Legian|Jimbaran|Nusa Dua|Canggu",
       "Jalan Legian|Jalan Raya Seminyak|Jalan Danau Tamblingan|Jalan Pantai Kuta",
       "{street} No. {n}, Bali", "the beach|Ubud market|Seminyak Square"),
    _c("Seoul", "South Korea", "SEL", 37.5665, 126.9780, "+09:00", 0.06, 4,
       "Myeongdong|Gangnam|Insadong|Hongdae|Itaewon|Han River|Jongno|Namsan",
       "Myeongdong-gil|Teheran-ro|Insadong-gil|Wausan-ro|Itaewon-ro",
       "{n} {street}, Seoul", "Myeongdong|Gyeongbokgung Palace|the subway"),
    _c("Amsterdam", "Netherlands", "AMS", 52.3676, 4.9041, "+01:00", 0.035, 4,
       "Canal|Jordaan|Dam|Museum|Amstel|Rembrandt|Vondel|Harbour",
       "Prinsengracht|Damrak|Herengracht|Leidsestraat|Nieuwmarkt",
       "{street} {n}, Amsterdam", "Dam Square|the Rijksmuseum|Centraal Station"),
    _c("Prague", "Czech Republic", "PRG", 50.0755, 14.4378, "+01:00", 0.03, 4,
       "Old Town|Vltava|Charles|Mala Strana|Wenceslas|Vinohrady|Castle",
       "Karlova|Narodni|Vodickova|Nerudova|Dlouha",
       "{street} {n}, Prague", "Charles Bridge|Old Town Square|Prague Castle"),
    _c("Cape Town", "South Africa", "CPT", -33.9249, 18.4241, "+02:00", 0.05, 3,
       "Table Mountain|Waterfront|Camps Bay|Bo-Kaap|Sea Point|Lions Head|Bree",
       "Long Street|Bree Street|Victoria Road|Beach Road|Kloof Street",
       "{n} {street}, Cape Town", "the V&A Waterfront|Table Mountain|Camps Bay beach"),
    _c("Mexico City", "Mexico", "MEX", 19.4326, -99.1332, "-06:00", 0.06, 4,
       "Reforma|Condesa|Roma|Zocalo|Polanco|Coyoacan|Alameda|Juarez",
       "Paseo de la Reforma|Avenida Amsterdam|Calle Madero|Avenida Presidente Masaryk",
       "{street} {n}, Mexico City", "the Zocalo|Chapultepec Park|Frida Kahlo Museum"),
)

NAME_CORES = (
    "Lantern", "Harbour", "Garden", "Crescent", "Palm", "Heritage", "Royal", "Pearl",
    "Skyline", "Riverside", "Courtyard", "Azure", "Jade", "Orchid", "Amber", "Silver",
    "Grand", "Plaza", "Park", "Boutique", "Central", "Urban", "Sunset", "Emerald",
    "Coral", "Cedar", "Ivory", "Meridian", "Willow", "Horizon", "Bamboo", "Tile",
)
NAME_TYPES = (
    ("Hotel", 10), ("Inn", 3), ("Suites", 3), ("Residences", 2), ("Boutique Hotel", 3),
    ("Resort & Spa", 2), ("Hostel", 2), ("Apartments", 2), ("House", 2), ("Lodge", 1),
    ("Grand Hotel", 1), ("Hotel & Spa", 2),
)
# fmt: on
GROUP_BRAND = "Azalea"  # the hotel group whose own feed is in the flat shape
GROUP_SOURCE = "azalea-group-feed"

STAR_WEIGHTS = ((2, 12), (3, 35), (4, 35), (5, 18))

AMENITIES_BY_STARS = {
    2: ("wifi", "air_conditioning", "luggage_storage", "laundry", "breakfast", "24h_front_desk"),
    3: ("wifi", "air_conditioning", "breakfast", "restaurant", "bar", "laundry", "parking",
        "24h_front_desk", "airport_shuttle", "non_smoking_rooms"),
    4: ("wifi", "air_conditioning", "breakfast", "restaurant", "bar", "pool", "gym", "parking",
        "room_service", "airport_shuttle", "concierge", "business_centre", "non_smoking_rooms",
        "family_rooms", "ev_charging"),
    5: ("wifi", "air_conditioning", "breakfast", "restaurant", "bar", "pool", "gym", "spa",
        "room_service", "concierge", "valet_parking", "business_centre", "kids_club",
        "rooftop_bar", "butler_service", "ev_charging", "family_rooms"),
}  # fmt: skip

ROOMS_BY_STARS = {
    2: ("Standard Double Room", "Twin Room", "Bed in 6-Bed Dormitory", "Single Room",
        "Family Room"),
    3: ("Standard Double Room", "Superior Twin Room", "Superior Double Room", "Family Room",
        "Deluxe Double Room", "Studio Apartment"),
    4: ("Superior King Room", "Deluxe King", "Deluxe Twin Room", "Premium Deluxe Double Room",
        "Junior Suite", "Executive King", "Family Room"),
    5: ("Deluxe King", "Premier Room City View", "Club Room", "Junior Suite", "Executive Suite",
        "Premier Ocean View Room", "Pool Villa"),
}  # fmt: skip

# (name in the nested shape, id, flat-shape trip_type, weight)
TRAVELLERS = (
    ("Couple", 2, "couple", 34), ("Solo traveler", 3, "solo", 16),
    ("Family with young children", 4, "family", 14), ("Family with teens", 5, "family", 6),
    ("Group", 6, "group", 10), ("Business traveler", 7, "business", 20),
)  # fmt: skip

# (country, id, flag, weight, languages the reviewers write in, surnames for the flat feed)
COUNTRIES = (
    ("United States", 181, "us", 12, "en", "Smith|Johnson|Garcia|Miller|Brown"),
    ("United Kingdom", 107, "gb", 10, "en", "Taylor|Evans|Walker|Wright|Hughes"),
    ("Australia", 3, "au", 7, "en", "Wilson|Thompson|Martin|Kelly|Ryan"),
    ("Singapore", 7, "sg", 5, "en", "Tan|Lim|Ng|Wong|Lee"),
    ("India", 35, "in", 6, "en", "Sharma|Patel|Singh|Iyer|Reddy"),
    ("Canada", 36, "ca", 4, "en en en fr", "Roy|Campbell|Tremblay|Martin|Clark"),
    ("Germany", 64, "de", 7, "de de de en", "Mueller|Schmidt|Schneider|Fischer|Weber"),
    ("Austria", 12, "at", 1, "de de en", "Gruber|Huber|Bauer|Wagner|Pichler"),
    ("France", 60, "fr", 6, "fr fr fr en", "Martin|Bernard|Dubois|Moreau|Laurent"),
    ("Spain", 159, "es", 4, "es es es en", "Garcia|Fernandez|Lopez|Martinez|Sanchez"),
    ("Mexico", 122, "mx", 2, "es es en", "Hernandez|Lopez|Gonzalez|Ramirez|Flores"),
    ("Vietnam", 189, "vn", 4, "vi vi vi en", "Nguyen|Tran|Le|Pham|Hoang"),
    ("Japan", 83, "jp", 5, "ja ja ja en", "Sato|Suzuki|Takahashi|Tanaka|Watanabe"),
    ("Portugal", 146, "pt", 2, "pt pt en", "Silva|Santos|Ferreira|Pereira|Costa"),
    ("Brazil", 26, "br", 3, "pt pt pt en", "Souza|Oliveira|Lima|Carvalho|Alves"),
    ("Netherlands", 130, "nl", 3, "en", "de Jong|Jansen|de Vries|Bakker|Visser"),
    ("Thailand", 169, "th", 3, "en", "Saetang|Srisuk|Wongsa|Chaiyaporn|Boonmee"),
    ("Malaysia", 112, "my", 3, "en", "Abdullah|Tan|Lim|Rahman|Wong"),
    ("South Korea", 97, "kr", 3, "en", "Kim|Lee|Park|Choi|Jung"),
    ("China", 38, "cn", 3, "en", "Wang|Li|Zhang|Liu|Chen"),
    ("Indonesia", 73, "id", 2, "en", "Santoso|Wijaya|Hidayat|Susanto|Kurniawan"),
    ("Italy", 80, "it", 2, "en", "Rossi|Russo|Ferrari|Esposito|Bianchi"),
    ("United Arab Emirates", 180, "ae", 1, "en", "Al Mansoori|Al Hashemi|Khan|Ali|Haddad"),
    ("South Africa", 157, "za", 1, "en", "Naidoo|van der Merwe|Botha|Dlamini|Smith"),
)  # fmt: skip

INITIALS = "ABCDEGHJKLMNPRSTVWY"
LANGUAGES = ("en", "de", "fr", "es", "vi", "ja", "pt")
