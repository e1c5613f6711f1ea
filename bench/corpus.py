"""Words for the generated community of `bench.data`: ideas, comments and official
responses written as French and English train travellers and brands would.

Titles are "verb + object + place" (a few thousand combinations per language, so some
titles repeat, as duplicates do in a real community); bodies are sentences built from
the same parts plus a long tail of nouns drawn with a Zipf law, so that full-text search
meets common and rare words alike.

Two words are planted for the search scenarios: `SELECTIVE` appears in about one idea in
2,000 (and nowhere else), `BROAD` is part of many places and objects (a third or so).
"""

from __future__ import annotations

import random
from dataclasses import dataclass


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


@dataclass(frozen=True)
class Language:
    code: str
    verbs: tuple[str, ...]
    objects: tuple[str, ...]
    places: tuple[str, ...]
    openings: tuple[str, ...]
    reasons: tuple[str, ...]
    closings: tuple[str, ...]
    tail: tuple[str, ...]  # the long tail of nouns, most frequent first
    tail_sentence: str
    list_intro: str
    selective_titles: tuple[str, ...]
    comments: tuple[str, ...]
    responses: dict[str, tuple[str, ...]]
    similar_title: str  # what a member types in the new-idea form
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    tags: tuple[str, ...]


FRENCH = Language(
    code="fr",
    verbs=(
        "Ajouter",
        "Installer",
        "Améliorer",
        "Proposer",
        "Créer",
        "Rendre gratuit",
        "Développer",
        "Simplifier",
        "Afficher",
        "Généraliser",
        "Moderniser",
        "Revoir",
        "Mieux signaler",
        "Étendre",
        "Rétablir",
    ),
    objects=(
        "des prises électriques",
        "le wifi",
        "des casiers à bagages",
        "un espace vélo",
        "les annonces sonores",
        "la réservation des places",
        "des toilettes propres",
        "un coin famille",
        "les écrans d'information",
        "le contrôle des billets",
        "les horaires en temps réel",
        "la climatisation",
        "une voiture silencieuse",
        "des places pour fauteuils roulants",
        "le paiement sans contact",
        "les correspondances en gare",
        "la carte de fidélité",
        "le remboursement des retards",
        "une navette vers la gare",
        "des bornes de recharge",
        "l'accès aux quais",
        "les ascenseurs de la gare",
        "le parking de la gare",
        "la voiture-bar",
        "l'abonnement week-end",
        "les consignes de la gare",
        "le chauffage",
        "les tarifs jeunes",
        "l'échange des billets",
        "les informations en cas de grève",
        "la signalétique",
        "le nettoyage des voitures",
        "les bancs sur le quai",
        "l'application mobile",
        "les billets imprimés",
        "le service à la place",
    ),
    places=(
        "dans les TER",
        "en gare",
        "dans toutes les gares",
        "sur les quais",
        "dans l'application",
        "pour les familles",
        "pour les personnes à mobilité réduite",
        "la nuit",
        "le week-end",
        "sur les lignes régionales",
        "dans les trains de nuit",
        "aux heures de pointe",
        "pour les abonnés",
        "en première classe",
        "sur le site",
        "pour les étudiants",
        "en gare de Lyon",
        "dans les petites gares",
        "entre Paris et Lille",
        "sur les Intercités",
        "à bord",
        "pendant les travaux",
    ),
    openings=(
        "Je prends le train tous les jours pour aller travailler.",
        "Nous voyageons souvent en famille avec deux enfants.",
        "Chaque vendredi soir je rentre chez mes parents en train.",
        "Je suis étudiante et je fais le trajet deux fois par semaine.",
        "En tant que personne en fauteuil, chaque voyage se prépare.",
        "J'ai raté ma correspondance trois fois ce mois-ci.",
        "Hier encore, le train avait quarante minutes de retard.",
        "Je voyage beaucoup pour le travail.",
        "Mon trajet quotidien dure une heure et quart.",
        "Je découvre le train depuis que j'ai vendu ma voiture.",
    ),
    reasons=(
        "Aujourd'hui {object} manque cruellement {place}.",
        "Ce serait vraiment utile {place}.",
        "Beaucoup de voyageurs le demandent depuis longtemps.",
        "Cela permettrait de gagner du temps et d'éviter le stress.",
        "Les autres compagnies le proposent déjà {place}.",
        "On pourrait commencer par {object} et voir ce que cela donne.",
        "Le coût serait faible comparé au confort gagné.",
        "Il suffit parfois de peu : {object}, tout simplement.",
        "Je ne comprends pas pourquoi ce n'est pas déjà le cas {place}.",
        "Cela rendrait le train plus attractif que la voiture.",
    ),
    closings=(
        "Merci de votre écoute !",
        "Qu'en pensez-vous ?",
        "Votez si vous êtes d'accord.",
        "Ce serait un vrai progrès.",
        "J'espère que l'idée sera retenue.",
        "",
    ),
    tail=_words(
        "train voyage trajet billet retard quai voiture place siège bagage valise vélo "
        "poussette horaire contrôleur guichet ticket tarif réduction abonnement carte "
        "application écran annonce information correspondance connexion réseau batterie "
        "téléphone ordinateur table fenêtre rideau lumière lampe lecture silence bruit "
        "musique enfant bébé famille chien animal fauteuil rampe ascenseur escalier "
        "escalator couloir sortie entrée hall parvis parking navette bus tramway métro "
        "taxi covoiturage marche pluie neige chaleur froid hiver été automne printemps "
        "matin soir nuit dimanche lundi vacances week-end fête travail bureau réunion "
        "école université hôpital marché boulangerie café sandwich repas boisson eau "
        "distributeur poubelle toilettes lavabo savon serviette propreté odeur "
        "climatisation chauffage ventilation prise chargeur câble signal antenne tunnel "
        "pont viaduc campagne montagne mer plage village ville banlieue région "
        "département frontière douane passeport sécurité agent sûreté caméra vol "
        "perte objet consigne casier cadenas clé code badge portique barrière "
        "composteur validation amende remboursement réclamation formulaire courrier "
        "courriel message notification alerte grève travaux chantier détour ralentissement "
        "panne incident accident secours médecin pharmacie défibrillateur accessibilité "
        "handicap malvoyant malentendant braille audio sous-titre traduction anglais "
        "touriste visiteur habitant voisin collègue ami parent grand-parent senior "
        "jeune étudiant apprenti salarié retraité cycliste piéton automobiliste"
    ),
    tail_sentence="Je pense notamment {words}.",
    list_intro="Ce qui m'aiderait :",
    selective_titles=(
        "Autoriser les trottinettes pliées à bord",
        "Des emplacements pour trottinettes en gare",
        "Recharger sa trottinette électrique dans le train",
    ),
    comments=(
        "Tout à fait d'accord !",
        "+1, c'est indispensable {place}.",
        "Je ne suis pas sûr que ce soit prioritaire, mais pourquoi pas.",
        "Bonne idée, mais il faudrait d'abord régler les retards.",
        "Pareil pour moi {place}.",
        "Enfin quelqu'un qui le dit !",
        "Je vote pour, avec {object} ce serait parfait.",
        "Est-ce que c'est prévu sur les nouvelles rames ?",
        "Chez nous c'est déjà le cas {place}, et ça marche très bien.",
        "Attention au coût, les billets sont déjà chers.",
        "@{username} tu avais vu cette idée ?",
        "Oui ! Et **surtout** {place}.",
    ),
    responses={
        "planned": (
            "Merci pour cette idée ! Nos équipes l'ont étudiée et elle est prévue pour l'an prochain.",
            "Bonne nouvelle : cette amélioration est inscrite à notre feuille de route.",
        ),
        "in-progress": (
            "Les travaux ont commencé : les premières gares seront équipées d'ici quelques mois.",
            "Nous testons actuellement cette idée sur une ligne pilote. Merci pour vos retours !",
        ),
        "done": (
            "C'est fait ! Merci à toutes celles et ceux qui ont soutenu cette idée.",
            "Cette idée est désormais en service. Dites-nous ce que vous en pensez.",
        ),
        "declined": (
            "Merci pour votre proposition. Après étude, nous ne pouvons pas la retenir pour des raisons de sécurité.",
            "Nous avons étudié cette idée avec attention, mais son coût ne nous permet pas de la "
            "mettre en œuvre pour le moment.",
        ),
        "under-review": ("Merci ! Nos équipes étudient cette idée et reviennent vers vous rapidement.",),
        "new": ("Merci pour cette idée, nous la transmettons aux équipes concernées.",),
    },
    similar_title="Ajouter des prises électriques dans les trains régionaux",
    first_names=_words(
        "Camille Dominique Sacha Léa Hugo Chloé Louis Emma Jules Manon Lucas Inès Nathan "
        "Sarah Théo Julie Antoine Clara Maxime Pauline Thomas Zoé Arthur Lina Paul Anaïs"
    ),
    last_names=_words(
        "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent "
        "Lefebvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André Mercier"
    ),
    tags=_words(
        "wifi confort accessibilité vélo bagages famille retards billets tarifs application "
        "gares quais propreté sécurité information horaires abonnement nuit restauration "
        "silence travail écologie parking navette correspondances enfants"
    ),
)

ENGLISH = Language(
    code="en",
    verbs=(
        "Add",
        "Install",
        "Improve",
        "Offer",
        "Allow",
        "Provide",
        "Bring back",
        "Simplify",
        "Show",
        "Extend",
        "Make free",
        "Redesign",
        "Signpost",
        "Upgrade",
        "Fix",
    ),
    objects=(
        "power sockets",
        "free wifi",
        "luggage lockers",
        "bike spaces",
        "quiet carriages",
        "real-time departure boards",
        "contactless payment",
        "seat reservations",
        "clean toilets",
        "a family area",
        "announcements",
        "step-free access at the station",
        "wheelchair spaces",
        "station lifts",
        "air conditioning",
        "delay refunds",
        "a shuttle to the station",
        "station parking",
        "the buffet car",
        "weekend passes",
        "station signage",
        "heating",
        "student fares",
        "ticket exchanges",
        "strike information",
        "carriage cleaning",
        "platform benches",
        "the mobile app",
        "printed tickets",
        "at-seat service",
        "charging points",
        "the loyalty card",
        "connections at the station",
        "ticket checks",
        "left luggage at the station",
        "water fountains",
    ),
    places=(
        "on regional trains",
        "at the station",
        "at every station",
        "on platforms",
        "in the app",
        "for families",
        "for wheelchair users",
        "at night",
        "on weekends",
        "on branch lines",
        "on sleeper trains",
        "during rush hour",
        "for season ticket holders",
        "in first class",
        "on the website",
        "for students",
        "at the central station",
        "at small stations",
        "between London and Leeds",
        "on intercity trains",
        "on board",
        "during engineering works",
    ),
    openings=(
        "I commute by train every day.",
        "We often travel as a family with two small children.",
        "Every Friday evening I take the train home to my parents.",
        "I am a student and make this journey twice a week.",
        "As a wheelchair user, every trip needs planning.",
        "I missed my connection three times this month.",
        "Only yesterday my train was forty minutes late.",
        "I travel a lot for work.",
        "My daily journey takes an hour and a quarter.",
        "I started taking the train after selling my car.",
    ),
    reasons=(
        "Right now {object} is sorely missing {place}.",
        "It would be really useful {place}.",
        "Many passengers have been asking for this for years.",
        "It would save time and a lot of stress.",
        "Other operators already offer it {place}.",
        "We could start with {object} and see how it goes.",
        "The cost would be small compared to the comfort gained.",
        "Sometimes it takes very little: {object}, simply.",
        "I do not understand why this is not already the case {place}.",
        "It would make the train more attractive than the car.",
    ),
    closings=(
        "Thanks for listening!",
        "What do you think?",
        "Vote if you agree.",
        "It would be real progress.",
        "I hope this idea gets picked up.",
        "",
    ),
    tail=_words(
        "train journey trip ticket delay platform carriage seat luggage suitcase bike "
        "pushchair timetable guard office fare discount pass card app screen announcement "
        "information connection network battery phone laptop table window blind light "
        "lamp reading silence noise music child baby family dog pet wheelchair ramp lift "
        "staircase escalator corridor exit entrance concourse forecourt car park shuttle "
        "bus tram underground taxi carpool walk rain snow heat cold winter summer autumn "
        "spring morning evening night sunday monday holiday weekend festival work office "
        "meeting school university hospital market bakery coffee sandwich meal drink "
        "water vending bin toilet sink soap towel cleanliness smell aircon heater "
        "ventilation socket charger cable signal antenna tunnel bridge viaduct countryside "
        "mountain sea beach village town suburb region county border customs passport "
        "security staff guard camera theft loss lost property locker padlock key code "
        "badge gate barrier validation fine refund complaint form letter email message "
        "notification alert strike works roadworks diversion slowdown breakdown incident "
        "accident rescue doctor pharmacy defibrillator accessibility disability blind deaf "
        "braille audio subtitle translation french tourist visitor resident neighbour "
        "colleague friend parent grandparent senior youth student apprentice employee "
        "pensioner cyclist pedestrian driver"
    ),
    tail_sentence="I am thinking in particular of {words}.",
    list_intro="What would help:",
    selective_titles=(
        "Allow folded scooters on board",
        "Scooter parking at the station",
        "Charge your electric scooter on the train",
    ),
    comments=(
        "Totally agree!",
        "+1, this is essential {place}.",
        "Not sure this is a priority, but why not.",
        "Good idea, but fix the delays first.",
        "Same for me {place}.",
        "Finally someone says it!",
        "I vote yes, with {object} it would be perfect.",
        "Is this planned for the new trains?",
        "Where I live it is already the case {place}, and it works very well.",
        "Mind the cost, tickets are expensive enough.",
        "@{username} had you seen this idea?",
        "Yes! And **especially** {place}.",
    ),
    responses={
        "planned": (
            "Thank you for this idea! Our teams have studied it and it is planned for next year.",
            "Good news: this improvement is now on our roadmap.",
        ),
        "in-progress": (
            "Work has started: the first stations will be equipped within a few months.",
            "We are trialling this idea on a pilot line. Thanks for your feedback!",
        ),
        "done": (
            "Done! Thank you to everyone who supported this idea.",
            "This idea is now live. Tell us what you think.",
        ),
        "declined": (
            "Thank you for your suggestion. After review, we cannot take it forward for safety reasons.",
            "We looked at this idea carefully, but its cost does not allow us to do it for now.",
        ),
        "under-review": ("Thank you! Our teams are looking at this idea and will get back to you soon.",),
        "new": ("Thank you for this idea, we have passed it on to the teams concerned.",),
    },
    similar_title="Add power sockets on regional trains",
    first_names=_words(
        "Alex Sam Charlie Jamie Olivia Jack Amelia Harry Isla Oliver Ava George Mia Noah "
        "Emily Leo Grace Oscar Ella Henry Sophie Arthur Lily Freddie Ruby Theo"
    ),
    last_names=_words(
        "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Wright Robinson Wood "
        "Thompson Evans Walker White Roberts Green Hall Thomas Clarke Jackson Lewis Hill"
    ),
    tags=_words(
        "wifi comfort accessibility cycling luggage family delays tickets fares app stations "
        "platforms cleanliness safety information timetable season-ticket night catering "
        "quiet work environment parking shuttle connections children"
    ),
)

LANGUAGES = {"fr": FRENCH, "en": ENGLISH}
SELECTIVE = {"fr": "trottinette", "en": "scooter"}  # planted in about one idea in 2,000
BROAD = {"fr": "gare", "en": "station"}  # part of many objects and places
SELECTIVE_SHARE = 1 / 2000
# Titles members type in the French community's new-idea form, by kind, for the similar
# scenarios of `bench.run`: close to ideas already there, the same ask in other words or in
# English, asks nobody made, and the community's most common words only (these find many
# ideas: the worst case for the candidates' query). A few are half typed, as the form asks
# while the member types.
SIMILAR_TITLES = {
    "close": (
        "Ajouter des prises électriques dans les trains régionaux",
        "Installer des prises dans les TER",
        "Améliorer le wifi à bord",
        "Des casiers à bagages en gare",
        "Rendre gratuit le parking de la gare",
        "Plus de place pour les vélos dans les TER",
        "Afficher les horaires en temps réel sur les quais",
        "Ajouter des prises élec",
    ),
    "other words": (
        "Add power sockets on regional trains",
        "Free wifi on board",
        "Wi-Fi gratuit dans le train",
        "L'appli plante tout le temps",
        "Luggage lockers at the station",
        "Recharger son téléphone pendant le trajet",
        "Toilets are always dirty",
        "Lifts to the platforms for wheelchairs",
    ),
    "novel": (
        "Organiser des concerts de jazz sur les quais",
        "Un potager partagé sur le toit de la gare",
        "Prêter des livres dans les salles d'attente",
        "Vendre des produits locaux au guichet",
        "Des cours de yoga dans le wagon",
        "Adopter une ruche par ligne",
    ),
    "common words": (
        "train",
        "gare",
        "Le train",
        "Trains et gares",
        "La gare du train",
        "trains",
    ),
}


class Writer:
    """Generates the texts of one language with its own random generator."""

    def __init__(self, language: Language, rng: random.Random) -> None:
        self.language = language
        self.rng = rng
        # Zipf weights over the long tail: the first nouns are common, the last rare.
        self.tail_weights = [1 / rank for rank in range(1, len(language.tail) + 1)]
        self.tail_cumulative = _cumulative(self.tail_weights)

    def title(self, *, selective: bool) -> str:
        language, rng = self.language, self.rng
        if selective:
            return rng.choice(language.selective_titles)
        return f"{rng.choice(language.verbs)} {rng.choice(language.objects)} {rng.choice(language.places)}"

    def _fill(self, template: str) -> str:
        language = self.language
        return template.format(object=self.rng.choice(language.objects), place=self.rng.choice(language.places))

    def body(self) -> str:
        """Two or three short paragraphs, sometimes with a Markdown list, bold or a link."""
        language, rng = self.language, self.rng
        sentences = [rng.choice(language.openings)]
        sentences += [self._fill(template) for template in rng.sample(language.reasons, rng.randint(1, 3))]
        words = rng.choices(language.tail, cum_weights=self.tail_cumulative, k=rng.randint(2, 5))
        sentences.append(language.tail_sentence.format(words=", ".join(dict.fromkeys(words))))
        if rng.random() < 0.1:
            sentences[1] = f"**{sentences[1]}**"
        paragraphs = [" ".join(sentences)]
        roll = rng.random()
        if roll < 0.2:
            items = rng.sample(language.objects, 3)
            paragraphs.append(language.list_intro + "\n\n" + "\n".join(f"- {item}" for item in items))
        elif roll < 0.25:
            paragraphs.append(f"[{rng.choice(language.objects)}](https://example.com/{rng.randint(1, 99_999)})")
        closing = rng.choice(language.closings)
        if closing:
            paragraphs.append(closing)
        return "\n\n".join(paragraphs)

    def comment(self, username: str) -> str:
        template = self.rng.choice(self.language.comments)
        text = self._fill(template.replace("{username}", username))
        if self.rng.random() < 0.3:
            text += " " + self._fill(self.rng.choice(self.language.reasons))
        return text

    def response(self, status_slug: str) -> str:
        texts = self.language.responses.get(status_slug) or self.language.responses["new"]
        return self.rng.choice(texts) + "\n\n" + self._fill(self.rng.choice(self.language.reasons))

    def person(self) -> str:
        return f"{self.rng.choice(self.language.first_names)} {self.rng.choice(self.language.last_names)}"


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out
