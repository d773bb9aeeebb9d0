"""English sentence parts per aspect key and polarity: subjects times predicates times tails.

Each (aspect, polarity) crosses a handful of subjects with a handful of predicates, and every
sentence may get an opener and a tail shared by its polarity, so a few hundred distinct,
aspect-pure sentences come from a page of phrases. Every sentence speaks of exactly one aspect
(the ten keys of docs/intelligence), so its label is known without judging its words.
"""

from __future__ import annotations

# aspect -> (positive (subjects, predicates), negative (subjects, predicates)); "|" separates
PARTS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "cleanliness": (
        (
            "The room|Our bathroom|Everything in the room|The whole floor|The bed linen",
            "was spotless|was immaculately clean|smelled fresh and clean every day|"
            "was cleaned thoroughly by housekeeping|was kept perfectly tidy|"
            "looked freshly scrubbed|was cleaner than in most hotels we know",
        ),
        (
            "The room|Our bathroom|The carpet|The bed linen|The shower",
            "was not properly cleaned|had stains that nobody removed|smelled of dirt and old smoke|"
            "was dusty and sticky|had hair left from the previous guests|"
            "was clearly never cleaned during our stay|looked grimy and neglected",
        ),
    ),
    "location": (
        (
            "The location|The neighbourhood|The area around the hotel|The street|Its position",
            "was perfect for walking to the sights|is close to the metro and plenty of restaurants|"
            "made it easy to explore the old town|is a short stroll from the waterfront|"
            "felt safe and lively in the evenings|put us right next to the tram stop|"
            "is ideal for a first visit to the city",
        ),
        (
            "The location|The neighbourhood|The area around the hotel|The street|Its position",
            "was far from everything we wanted to see|felt unsafe after dark|"
            "meant a long taxi ride to the centre|is next to a busy motorway with nothing around|"
            "is a long walk from any public transport|was dull with no shops or cafes nearby|"
            "made every trip into town a chore",
        ),
    ),
    "staff": (
        (
            "The staff|The reception team|The concierge staff|The front desk people|The team",
            "were friendly and genuinely helpful|went out of their way to help us|"
            "gave us brilliant tips for dinner|remembered our names from the first day|"
            "were warm and attentive throughout|sorted out every request within minutes|"
            "made us feel truly welcome",
        ),
        (
            "The staff|The reception team|The night porters|The managers on duty|The hosts",
            "were rude and seemed annoyed by our questions|ignored our requests for towels|"
            "could not answer the simplest question|were unfriendly from start to finish|"
            "never apologised for anything|treated us as a nuisance|"
            "kept chatting to each other instead of helping",
        ),
    ),
    "room": (
        (
            "The room|Our suite|The bed|The bathroom|Our double room",
            "was spacious and beautifully furnished|had a wonderfully comfortable mattress|"
            "came with a strong rain shower|offered a lovely view over the rooftops|"
            "was bigger than the photos suggested|"
            "had blackout curtains and a great air conditioner|"
            "was modern and comfortable in every way",
        ),
        (
            "The room|Our suite|The bed|The bathroom|Our double room",
            "was tiny and cramped|had a broken air conditioner|was hard and lumpy|"
            "smelled of damp and had no window worth the name|had a shower that barely dripped|"
            "looked tired with worn furniture|was far smaller than advertised",
        ),
    ),
    "value": (
        (
            "The price|What we paid|The rate|Our package|The deal we booked",
            "was excellent value for money|was very fair for this standard|"
            "made it a bargain for the city|was worth every penny|"
            "felt reasonable for everything included|beat every other hotel nearby|"
            "was a pleasant surprise given the quality",
        ),
        (
            "The price|What we paid|The rate|The final bill|The deal we booked",
            "was far too high for what we got|came with hidden fees at the end|"
            "felt like a rip-off|was twice what the room was worth|"
            "included charges nobody had mentioned|was overpriced for such a basic place|"
            "made the stay poor value",
        ),
    ),
    "food": (
        (
            "The breakfast|The restaurant|The buffet|Dinner at the hotel|The coffee",
            "was delicious and varied|had fresh fruit and great pastries|"
            "offered local dishes alongside the classics|was cooked to order and tasty|"
            "was one of the highlights of the stay|was generous and well presented|"
            "kept us happy every morning",
        ),
        (
            "The breakfast|The restaurant|The buffet|Dinner at the hotel|The coffee",
            "was bland and the same every day|ran out of food by nine|was cold and stale|"
            "was overpriced and disappointing|tasted like it came from a vending machine|"
            "had hardly any choice|was served on dirty plates by the same tired dishes",
        ),
    ),
    "facilities": (
        (
            "The pool|The gym|The spa|The rooftop bar|The lobby",
            "was a real highlight|was well equipped and never crowded|"
            "was open late and beautifully kept|had a fantastic view at sunset|"
            "made the stay feel like a holiday|was modern and inviting|"
            "was perfect after a long day out",
        ),
        (
            "The pool|The gym|The spa|The only lift|The parking",
            "was closed for most of our stay|was run down and half broken|"
            "was far too small for the number of guests|was out of order twice|"
            "cost extra and was not worth it|looked shabby and neglected|"
            "was a constant source of frustration",
        ),
    ),
    "wifi": (
        (
            "The wifi|The internet connection|The wireless network|The connection in the room|"
            "The free wifi",
            "was fast enough for video calls|worked flawlessly everywhere|"
            "never dropped once|was quick and easy to join|"
            "let us stream films in the evening|was reliable for remote work|"
            "was faster than at home",
        ),
        (
            "The wifi|The internet connection|The wireless network|The connection in the room|"
            "The free wifi",
            "kept dropping every few minutes|was painfully slow|only worked in the lobby|"
            "made video calls impossible|needed a new password every day|"
            "was too weak to load a web page|was useless for any work",
        ),
    ),
    "noise": (
        (
            "The room|Our floor|The hotel at night|The courtyard side|The whole building",
            "was wonderfully quiet|was silent even with the window open|"
            "was calm despite the central spot|let us sleep without a sound|"
            "was peaceful from evening to morning|had excellent soundproofing|"
            "was quieter than we expected",
        ),
        (
            "The room|Our floor|The hotel at night|The street side|The whole building",
            "was noisy all night|had paper-thin walls|shook with traffic until dawn|"
            "echoed with construction from seven in the morning|"
            "was loud with music from the bar until late|let us hear every neighbour|"
            "was far too noisy to sleep",
        ),
    ),
    "checkin": (
        (
            "Check-in|Check-out|Our arrival|The check-in desk|Getting our key cards",
            "was quick and painless|took barely two minutes|went smoothly even late at night|"
            "came with an early room at no charge|was friendly and efficient|"
            "included a free late check-out|was the fastest we have ever had",
        ),
        (
            "Check-in|Check-out|Our arrival|The check-in desk|Getting our key cards",
            "took almost an hour|was chaotic with a long queue|came with a room that was not ready|"
            "involved key cards that did not work|was slow and disorganised|"
            "ended with a surprise charge for late check-out|left us waiting in the lobby for ages",
        ),
    ),
}

# Openers and tails shared by a polarity: they vary a sentence's first and last word 3-grams,
# and the tails (when and for whom) make two guests' sentences on one aspect differ mid-text.
OPENERS = (
    (
        "",
        "",
        "",
        "Honestly, ",
        "I have to say ",
        "Overall ",
        "On the plus side, ",
        "Happily, ",
        "What stood out: ",
        "Credit where due, ",
        "Pleasantly, ",
        "As promised, ",
        "Best of all, ",
        "No complaints here: ",
        "Good news first: ",
        "Really, ",
    ),
    (
        "",
        "",
        "",
        "Honestly, ",
        "I have to say ",
        "Sadly, ",
        "Unfortunately, ",
        "To be fair, ",
        "Worst of all, ",
        "Frankly, ",
        "Disappointingly, ",
        "Be warned: ",
        "Annoyingly, ",
        "On the downside, ",
        "Bad news first: ",
        "Really, ",
    ),
)
TAILS = (
    ("", "", "", " during our stay", " this time", " from the first day", " as we had hoped",
     " for our family", " on our anniversary trip", " after a long flight",
     " even in peak season", " on a rainy weekend", " throughout our four nights",
     " on our second visit", " for a business trip", " in the middle of a heatwave",
     " over the holidays", " on a short city break", " with two small kids",
     " for the whole week", " on our honeymoon", " despite the full house",
     " when we arrived late", " on a last-minute booking"),
    ("", "", "", " during our stay", " this time", " from the first day",
     " which spoiled things", " for the second time", " on our anniversary trip",
     " after a long flight", " even in low season", " on a rainy weekend",
     " throughout our four nights", " on our second visit", " on a business trip",
     " in the middle of a heatwave", " over the holidays", " on a short city break",
     " with two small kids", " for the whole week", " on our honeymoon",
     " although the hotel was half empty", " when we arrived late",
     " despite booking months ahead"),
)  # fmt: skip
