"""German, French, Spanish and Portuguese phrase banks (smaller than the English one)."""

from __future__ import annotations

from hotelreviews.demo.phrases import Bank

DE = Bank(
    aspects={
        "room": (
            ("Das Zimmer war geräumig und das Bett sehr bequem.",
             "Ruhiges Zimmer mit schöner Aussicht, alles sehr modern."),
            ("Das Zimmer war winzig und das Bad in die Jahre gekommen.",
             "Die Klimaanlage war die ganze Nacht laut."),
            "bequemes Zimmer", "kleines Zimmer"),
        "staff": (
            ("Sehr freundliches Personal, immer hilfsbereit.",
             "Die Rezeption hat uns tolle Restauranttipps gegeben."),
            ("Das Personal an der Rezeption war unfreundlich.",
             "Der Check-in dauerte fast eine Stunde."),
            "freundliches Personal", "unfreundliches Personal"),
        "location": (
            ("Die Lage ist perfekt, alles ist zu Fuß erreichbar.",
             "Top Lage, nah an der U-Bahn und vielen Restaurants."),
            ("Die Lage ist weit ab vom Schuss.",
             "Die Gegend wirkt abends nicht sehr einladend."),
            "Lage", "Lage"),
        "breakfast": (
            ("Das Frühstück war reichhaltig und lecker.",
             "Sehr gutes Frühstücksbuffet mit frischem Obst."),
            ("Das Frühstück war überteuert und eintönig.",
             "Beim Frühstück war schon um neun Uhr fast alles leer."),
            "Frühstück", "Frühstück"),
        "clean": (
            ("Alles war blitzsauber.", "Sehr sauberes Zimmer und Bad."),
            ("Das Zimmer war bei der Ankunft nicht richtig gereinigt.",
             "Haare im Bad und Flecken auf der Bettwäsche."),
            "Sauberkeit", "schmutziges Zimmer"),
        "value": (
            ("Super Preis-Leistungs-Verhältnis.", "Für den Preis absolut empfehlenswert."),
            ("Viel zu teuer für das, was geboten wird.", "Versteckte Gebühren beim Check-out."),
            "Preis-Leistung", "Preis"),
        "noise": (
            ("Trotz zentraler Lage sehr ruhig.", "Gute Schallisolierung, wir schliefen gut."),
            ("Sehr hellhörig, Straßenlärm die ganze Nacht.", "Baustelle nebenan ab 7 Uhr morgens."),
            "ruhig", "Lärm"),
    },
    titles=(
        ("Nie wieder", "Sehr enttäuschend"), ("Enttäuschend", "Nicht das Geld wert"),
        ("Ganz okay", "Für eine Nacht in Ordnung"), ("Sehr schöner Aufenthalt", "Gerne wieder"),
        ("Hervorragend", "Oase mitten in der Stadt", "Absolut empfehlenswert"),
    ),
    city=("Nur ein kurzer Spaziergang bis {landmark}.", "Sehr praktisch für {landmark}."),
    updates_up=("Nachtrag: Das Hotel hat sich gemeldet und uns eine Nacht erstattet.",),
    updates_down=("Nachtrag: Uns wurde die Kaution doppelt abgebucht.",),
    responses_good=("Vielen Dank für Ihre tolle Bewertung! Wir freuen uns auf Ihren nächsten "
                    "Besuch.",),
    responses_bad=("Es tut uns leid, dass Ihr Aufenthalt nicht Ihren Erwartungen entsprach. "
                   "Wir haben Ihr Feedback an das Team weitergegeben.",),
)  # fmt: skip

FR = Bank(
    aspects={
        "room": (
            ("La chambre était spacieuse et le lit très confortable.",
             "Belle chambre avec une vue magnifique."),
            ("La chambre était minuscule et la salle de bain vétuste.",
             "La climatisation faisait beaucoup de bruit toute la nuit."),
            "chambre confortable", "petite chambre"),
        "staff": (
            ("Le personnel était charmant et toujours disponible.",
             "Accueil chaleureux à la réception, merci pour les conseils."),
            ("Personnel de la réception peu aimable.",
             "L'enregistrement a pris presque une heure."),
            "personnel accueillant", "accueil"),
        "location": (
            ("Emplacement idéal, tout se fait à pied.",
             "Très bien situé, proche du métro et des restaurants."),
            ("L'hôtel est loin de tout.", "Le quartier n'est pas très rassurant le soir."),
            "emplacement", "emplacement"),
        "breakfast": (
            ("Petit-déjeuner copieux et varié.", "Excellent buffet, viennoiseries délicieuses."),
            ("Petit-déjeuner trop cher pour ce qu'il propose.", "Le café était imbuvable."),
            "petit-déjeuner", "petit-déjeuner"),
        "clean": (
            ("Tout était d'une propreté impeccable.", "Chambre et salle de bain très propres."),
            ("La chambre n'avait pas été nettoyée correctement.",
             "Des cheveux dans la douche et des taches sur les draps."),
            "propreté", "propreté"),
        "value": (
            ("Très bon rapport qualité-prix.", "Prix raisonnable pour le quartier."),
            ("Beaucoup trop cher pour la prestation.", "Frais cachés au moment du départ."),
            "rapport qualité-prix", "prix"),
        "noise": (
            ("Très calme malgré l'emplacement central.", "Bonne insonorisation."),
            ("Murs très fins, on entend tout.", "Travaux bruyants dès 7 heures du matin."),
            "calme", "bruit"),
    },
    titles=(
        ("À éviter", "Très déçus"), ("Décevant", "Pas à la hauteur du prix"),
        ("Correct sans plus", "Bien pour une nuit"), ("Très bon séjour", "Nous reviendrons"),
        ("Exceptionnel", "Séjour parfait", "Un vrai coup de cœur"),
    ),
    city=("À quelques minutes à pied de {landmark}.", "Très pratique pour visiter {landmark}."),
    updates_up=("Mise à jour : la direction nous a contactés et a remboursé une nuit.",),
    updates_down=("Mise à jour : la caution a été débitée deux fois.",),
    responses_good=("Merci infiniment pour votre commentaire, au plaisir de vous accueillir à "
                    "nouveau.",),
    responses_bad=("Nous sommes désolés que votre séjour n'ait pas été à la hauteur. Vos "
                   "remarques ont été transmises à nos équipes.",),
)  # fmt: skip

ES = Bank(
    aspects={
        "room": (
            ("La habitación era amplia y la cama muy cómoda.",
             "Habitación preciosa con muy buenas vistas."),
            ("La habitación era diminuta y el baño estaba viejo.",
             "El aire acondicionado hacía mucho ruido por la noche."),
            "habitación cómoda", "habitación pequeña"),
        "staff": (
            ("El personal fue muy amable y atento.", "En recepción nos ayudaron con todo."),
            ("El personal de recepción fue muy antipático.", "El check-in tardó casi una hora."),
            "personal amable", "personal"),
        "location": (
            ("La ubicación es perfecta, todo queda cerca.", "Muy bien ubicado, junto al metro."),
            ("Está lejos de todo.", "La zona no parece segura por la noche."),
            "ubicación", "ubicación"),
        "breakfast": (
            ("Desayuno muy completo y variado.", "El desayuno buffet era excelente."),
            ("El desayuno era caro y siempre lo mismo.", "A las nueve ya no quedaba comida."),
            "desayuno", "desayuno"),
        "clean": (
            ("Todo estaba impecable.", "Habitación y baño muy limpios."),
            ("La habitación no estaba bien limpia.", "Había pelos en el baño."),
            "limpieza", "limpieza"),
        "value": (
            ("Muy buena relación calidad-precio.", "Precio justo para la zona."),
            ("Demasiado caro para lo que ofrece.", "Cargos ocultos al hacer el check-out."),
            "calidad-precio", "precio"),
        "noise": (
            ("Muy tranquilo a pesar de estar en el centro.", "Buen aislamiento, dormimos genial."),
            ("Paredes finas, se oye todo.", "Obras al lado desde las siete de la mañana."),
            "tranquilidad", "ruido"),
    },
    titles=(
        ("Nunca más", "Muy decepcionante"), ("Decepcionante", "No vale lo que cuesta"),
        ("Correcto", "Bien para una noche"), ("Muy buena estancia", "Repetiríamos"),
        ("Excepcional", "Estancia perfecta", "Totalmente recomendable"),
    ),
    city=("A pocos minutos andando de {landmark}.", "Muy cómodo para visitar {landmark}."),
    updates_up=("Actualización: el hotel nos contactó y nos devolvió una noche.",),
    updates_down=("Actualización: nos cobraron la fianza dos veces.",),
    responses_good=("¡Muchas gracias por su comentario! Esperamos volver a recibirle pronto.",),
    responses_bad=("Lamentamos que su estancia no cumpliera sus expectativas. Hemos compartido "
                   "sus comentarios con el equipo.",),
)  # fmt: skip

PT = Bank(
    aspects={
        "room": (
            ("O quarto era espaçoso e a cama muito confortável.",
             "Quarto lindo com uma vista incrível."),
            ("O quarto era minúsculo e a casa de banho antiga.",
             "O ar condicionado fazia muito barulho."),
            "quarto confortável", "quarto pequeno"),
        "staff": (
            ("Funcionários muito simpáticos e prestáveis.", "A receção ajudou-nos com tudo."),
            ("A receção foi pouco simpática.", "O check-in demorou quase uma hora."),
            "staff simpático", "atendimento"),
        "location": (
            ("Localização excelente, tudo perto.", "Muito bem localizado, perto do metro."),
            ("Fica longe de tudo.", "Escadas muito íngremes com malas pesadas."),
            "localização", "localização"),
        "breakfast": (
            ("Pequeno-almoço variado e delicioso.", "O pequeno-almoço compensa tudo."),
            ("Pequeno-almoço caro e sempre igual.", "O café era fraco."),
            "pequeno-almoço", "pequeno-almoço"),
        "clean": (
            ("Tudo impecável.", "Quarto e casa de banho muito limpos."),
            ("O quarto não estava bem limpo.", "Lençóis com manchas."),
            "limpeza", "limpeza"),
        "value": (
            ("Ótima relação qualidade-preço.", "Preço justo."),
            ("Muito caro para o que oferece.", "Taxas escondidas no check-out."),
            "qualidade-preço", "preço"),
        "noise": (
            ("Muito silencioso apesar de central.", "Dormimos muito bem."),
            ("Paredes finas, ouve-se tudo.", "Barulho da rua a noite toda."),
            "silêncio", "barulho"),
    },
    titles=(
        ("Nunca mais", "Muito mau"), ("Dececionante", "Não vale o preço"),
        ("Razoável", "Ok para uma noite"), ("Muito boa estadia", "Voltaremos"),
        ("Excecional", "Estadia perfeita", "Recomendo muito"),
    ),
    city=("A poucos minutos a pé de {landmark}.", "Muito prático para visitar {landmark}."),
    updates_up=("Atualização: o hotel contactou-nos e devolveu uma noite.",),
    updates_down=("Atualização: cobraram a caução duas vezes.",),
    responses_good=("Muito obrigado pelo seu comentário! Esperamos recebê-lo novamente.",),
    responses_bad=("Lamentamos que a estadia não tenha correspondido às expectativas. "
                   "Partilhámos o seu comentário com a equipa.",),
)  # fmt: skip
