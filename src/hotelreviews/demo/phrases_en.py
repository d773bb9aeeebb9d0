"""English phrase bank: sentences per aspect (praise, complaint), titles per rating tier."""

from __future__ import annotations

from hotelreviews.demo.phrases import Bank

EN = Bank(
    aspects={
        "room": (
            (
                "The room was spacious and the bed was really comfortable.",
                "Our room had a great view and plenty of space for the luggage.",
                "Lovely room, modern bathroom with a strong rain shower.",
                "The room was bigger than expected and beautifully decorated.",
                "Blackout curtains and a very comfortable mattress, we slept like babies.",
            ),
            (
                "The room was tiny and the bathroom felt tired.",
                "Air conditioning was noisy all night and the room smelled of damp.",
                "The bed was hard and the pillows were flat.",
                "Our room faced a wall and got no daylight at all.",
                "The shower drained slowly and there was mould in the corners.",
            ),
            "comfortable room",
            "small room",
        ),
        "staff": (
            (
                "The staff were friendly and always ready to help.",
                "Reception remembered our names and gave great tips for dinner.",
                "Special thanks to the concierge who sorted out our tours.",
                "Everyone from housekeeping to the front desk was warm and attentive.",
            ),
            (
                "Staff at reception were unfriendly and seemed annoyed by questions.",
                "Check-in took almost an hour and nobody apologised.",
                "We asked twice for extra towels and they never came.",
                "The front desk could not answer simple questions about the area.",
            ),
            "friendly staff",
            "unhelpful staff",
        ),
        "location": (
            (
                "The location is perfect, everything is within walking distance.",
                "Great location, close to public transport and lots of restaurants.",
                "Quiet street but only a few minutes from the main sights.",
                "You cannot beat the location for a first visit.",
            ),
            (
                "The location is far from everything and taxis are expensive.",
                "The neighbourhood felt a bit unsafe at night.",
                "Hard to find the entrance and the area is not very attractive.",
            ),
            "location",
            "location",
        ),
        "breakfast": (
            (
                "Breakfast had a good variety with local and western options.",
                "The breakfast buffet was excellent, fresh fruit and great coffee.",
                "Cooked-to-order eggs at breakfast were a nice touch.",
            ),
            (
                "Breakfast was overpriced and the same every day.",
                "The breakfast room was crowded and food ran out early.",
                "Coffee at breakfast was undrinkable.",
            ),
            "breakfast",
            "breakfast",
        ),
        "clean": (
            (
                "Everything was spotless.",
                "Very clean room and bathroom, housekeeping did a great job.",
                "Clean, fresh and well maintained.",
            ),
            (
                "The room was not properly cleaned when we arrived.",
                "We found hair in the bathroom and stains on the sheets.",
                "Dusty furniture and a dirty carpet.",
            ),
            "cleanliness",
            "dirty room",
        ),
        "value": (
            (
                "Excellent value for money.",
                "Good price for what you get in this part of town.",
                "Worth every penny.",
            ),
            (
                "Way too expensive for what you get.",
                "Overpriced, we expected much more for this price.",
                "Hidden fees at check-out were a nasty surprise.",
            ),
            "value for money",
            "price",
        ),
        "noise": (
            (
                "The room was very quiet despite the central location.",
                "Good soundproofing, we did not hear the street at all.",
            ),
            (
                "Very noisy, thin walls and traffic all night.",
                "Construction work next door started at 7 am every day.",
                "Loud music from the bar kept us awake until late.",
            ),
            "quiet room",
            "noise",
        ),
        "facilities": (
            (
                "The pool was lovely and never too busy.",
                "Nice rooftop bar with a fantastic view at sunset.",
                "The gym was well equipped and open around the clock.",
                "The spa was excellent and reasonably priced.",
            ),
            (
                "The pool was closed for maintenance during our whole stay.",
                "The gym was tiny and half of the machines were broken.",
                "Only one lift for the whole building, long waits every time.",
            ),
            "facilities",
            "old facilities",
        ),
        "wifi": (
            (
                "Fast and reliable wifi, perfect for working.",
                "Wifi worked well everywhere in the hotel.",
            ),
            (
                "The wifi kept dropping and was too slow for video calls.",
                "Wifi only worked in the lobby.",
            ),
            "fast wifi",
            "bad wifi",
        ),
    },
    titles=(
        ("Never again", "Terrible experience", "Avoid", "Very disappointing", "Not as advertised"),
        ("Disappointing", "Below expectations", "Not worth the money", "Noisy room"),
        ("Okay for a short stay", "Decent but not great", "Average", "Good location, tired room"),
        ("Very good stay", "Nice hotel", "Would stay again", "Great location", "Lovely stay"),
        ("Exceptional", "Perfect stay", "Best hotel in town", "Amazing", "Highly recommended"),
    ),
    city=(
        "Only a short walk to {landmark}.",
        "Very convenient for {landmark}.",
        "We could walk to {landmark} in a few minutes.",
    ),
    updates_up=(
        "Update: the manager called and offered a refund for one night.",
        "Update: the hotel contacted me afterwards and fixed the problem, so I raised my score.",
        "Edit: thinking back, the staff really did their best.",
    ),
    updates_down=(
        "Update: we were charged twice and it took weeks to get the money back.",
        "Edit: found out later that the promised late check-out was billed.",
    ),
    responses_good=(
        "Dear guest, thank you for your wonderful review. We are delighted you enjoyed your "
        "stay and look forward to welcoming you back soon.",
        "Thank you for choosing us and for taking the time to share your experience. "
        "Our team will be thrilled to read your kind words.",
        "Many thanks for the lovely feedback! We hope to see you again on your next trip.",
    ),
    responses_bad=(
        "Dear guest, we are sorry that your stay did not meet your expectations. Your comments "
        "have been shared with our team and we are already working on the issues you raised.",
        "Thank you for your feedback. We apologise for the inconvenience and would appreciate "
        "the chance to make it up to you. Please contact our guest relations team directly.",
        "We regret to read about your experience. The maintenance issue has since been fixed "
        "and we have reviewed our check-in procedures.",
    ),
)
