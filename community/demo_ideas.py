"""Demo ideas for the "Lab Rail Horizon" community.

Pure data: forty ideas written as French train travellers would, with their
category, status, tags, popularity weight, age and discussion comments.
"""

from __future__ import annotations

DEMO_IDEAS = (
    {
        "title": "Du Wi-Fi qui fonctionne vraiment sur tout le trajet",
        "body": (
            "Je fais Paris–Bordeaux deux fois par semaine pour le travail et le Wi-Fi à bord est "
            "une loterie : ça marche vingt minutes, puis plus rien jusqu’à l’arrivée.\n\n"
            "Ce qui m’aiderait :\n\n"
            "- une connexion **stable**, même lente, plutôt qu’une connexion rapide qui coupe "
            "sans arrêt ;\n"
            "- un indicateur sur le portail qui dit honnêtement quand le réseau est dégradé ;\n"
            "- pouvoir récupérer au moins ses mails sans se reconnecter après chaque tunnel.\n\n"
            "On nous vend le train comme un bureau roulant, il faudrait que ce soit vrai."
        ),
        "category": "comfort",
        "status": "under-review",
        "tags": ["wifi", "connexion", "travail"],
        "votes": 212,
        "age_days": 34,
        "comments": [
            "Pareil sur Lyon–Marseille. Dès qu’on passe la vallée du Rhône, c’est fini.",
            (
                "Le problème vient surtout des zones sans couverture 4G, le Wi-Fi à bord passe par le "
                "réseau mobile. Mais un message clair sur le portail serait déjà un progrès."
            ),
            (
                "+1 pour l’indicateur. Je préfère savoir que ça ne marchera pas plutôt que de perdre "
                "vingt minutes à relancer la connexion."
            ),
            "@demo-moderateur est-ce qu’on sait si c’est prévu sur les nouvelles rames ?",
            (
                "Merci pour tous vos retours. L’idée est transmise à l’équipe matériel roulant, on "
                "revient vers vous dès qu’on a un calendrier."
            ),
        ],
    },
    {
        "title": "Améliorer le Wi-Fi à bord entre Lyon et Marseille",
        "body": (
            "Sur Lyon–Marseille, le Wi-Fi décroche quasiment à chaque tunnel et il faut repasser "
            "par le portail de connexion à chaque fois. Est-ce qu’on pourrait au moins garder la "
            "session active pendant tout le trajet ? Ce serait déjà beaucoup moins pénible pour "
            "ceux qui travaillent dans le train."
        ),
        "category": "comfort",
        "status": "new",
        "tags": ["wifi", "connexion"],
        "votes": 9,
        "age_days": 5,
        "comments": [
            (
                "Il y a déjà une idée très proche, allez voter pour celle-là aussi : « Du Wi-Fi qui "
                "fonctionne vraiment sur tout le trajet ». @demo-membre tu l’avais vue ?"
            ),
            (
                "Ah non, je ne l’avais pas trouvée, merci. Je laisse celle-ci pour le point précis de "
                "la session qui expire."
            ),
        ],
    },
    {
        "title": "Des prises électriques à chaque siège en 2de classe",
        "body": (
            "Dans les rames les plus anciennes, il y a une prise pour deux sièges, parfois une "
            "seule par carré de quatre. Résultat : on négocie avec son voisin, ou on arrive avec "
            "un téléphone à plat.\n\n"
            "En 1re classe chaque place a sa prise, pourquoi pas en 2de ? Une prise **et** un "
            "port USB par siège, ce serait parfait."
        ),
        "category": "comfort",
        "status": "planned",
        "tags": ["prises", "travail"],
        "votes": 143,
        "age_days": 120,
        "comments": [
            ("Oui ! Et surtout des prises qui marchent, la moitié ne délivre plus rien sur certaines rames."),
            ("Les ports USB-C seraient un vrai plus, tout le monde n’a pas son chargeur secteur sur soi."),
            (
                "Bonne nouvelle : le remplacement des prises est prévu lors de la rénovation des "
                "voitures de 2de classe, à partir de l’an prochain. Le détail est sur [la page "
                "rénovation](https://example.com/rail-horizon/renovation-rames)."
            ),
            "Super, enfin ! Merci de nous avoir tenus au courant.",
        ],
    },
    {
        "title": "Plus d’emplacements vélo dans les trains régionaux",
        "body": (
            "Le week-end, entre avril et septembre, impossible de monter avec son vélo sur les "
            "lignes vers la côte : les six crochets sont pris dès le premier arrêt et le "
            "contrôleur refuse les suivants (c’est normal, mais frustrant).\n\n"
            "Proposition :\n\n"
            "- doubler les emplacements sur les lignes touristiques en été ;\n"
            "- indiquer sur le quai quelle voiture a l’espace vélo ;\n"
            "- prévoir des crochets plus bas, utilisables sans soulever un vélo électrique de 25 "
            "kg."
        ),
        "category": "comfort",
        "status": "planned",
        "tags": ["vélo", "régional"],
        "votes": 96,
        "age_days": 150,
        "comments": [
            ("Le point sur les vélos électriques est très juste, c’est impossible à accrocher seule."),
            "On est une famille de quatre cyclistes, on a dû renoncer au train deux fois cet été.",
            (
                "Des voitures modulables avec strapontins relevables feraient l’affaire : des vélos "
                "le week-end, des voyageurs en semaine."
            ),
            (
                "Les nouvelles rames régionales livrées l’an prochain auront douze emplacements vélo "
                "au lieu de six. On passe l’idée en « prévue »."
            ),
        ],
    },
    {
        "title": "Davantage de places pour les vélos à bord",
        "body": (
            "Je prends le train avec mon vélo pour aller au travail et le matin il n’y a presque "
            "jamais de place. Ce serait bien d’avoir plus de places pour les vélos, quitte à ce "
            "que ce soit des sièges rabattables. Merci !"
        ),
        "category": "comfort",
        "status": "new",
        "tags": ["vélo", "travail"],
        "votes": 2,
        "age_days": 2,
        "comments": [
            (
                "Regarde l’idée « Plus d’emplacements vélo dans les trains régionaux », c’est déjà "
                "prévu sur les nouvelles rames."
            ),
        ],
    },
    {
        "title": "Une voiture silence sur les trajets de plus de deux heures",
        "body": (
            "Une voiture où l’on s’engage à ne pas téléphoner, à mettre son casque et à parler à "
            "voix basse. Ça existe chez plusieurs opérateurs européens et ça marche très bien : "
            "tout le monde respecte la règle parce qu’elle est affichée.\n\n"
            "Pour ceux qui travaillent ou qui veulent simplement dormir, ce serait un vrai plus."
        ),
        "category": "comfort",
        "status": "done",
        "tags": ["silence", "travail"],
        "votes": 67,
        "age_days": 190,
        "comments": [
            ("Oui mille fois. Les conversations sur haut-parleur pendant trois heures, je n’en peux plus."),
            "Attention à ne pas en faire une voiture plus chère, ça doit rester au même prix.",
            (
                "C’est en place depuis le changement de service : la voiture 3 est « zone calme » sur "
                "toutes les grandes lignes, sans supplément. Elle se choisit au moment de la "
                "réservation."
            ),
            "Testée ce week-end, c’était parfait. Merci !",
            (
                "Petit bémol : le pictogramme sur la porte est très discret, beaucoup de gens ne "
                "savent pas qu’ils sont dans la zone calme."
            ),
        ],
    },
    {
        "title": "Remettre des compartiments fermés de six places",
        "body": (
            "J’ai la nostalgie des compartiments : pour voyager en famille ou entre amis, c’était "
            "idéal, on pouvait discuter sans déranger toute la voiture. Pourquoi ne pas en "
            "remettre un ou deux par train, réservables en bloc ?"
        ),
        "category": "comfort",
        "status": "declined",
        "tags": ["sièges", "famille"],
        "votes": 24,
        "age_days": 175,
        "comments": [
            "Les compartiments c’était sympa avec ses amis, beaucoup moins avec cinq inconnus…",
            "Pour les familles avec de jeunes enfants, ce serait génial.",
            (
                "Merci pour cette proposition. Nous ne la retenons pas : les compartiments réduisent "
                "fortement le nombre de places et posent des problèmes d’accessibilité. En revanche, "
                "des carrés famille réservables en bloc sont à l’étude."
            ),
        ],
    },
    {
        "title": "Des porte-bagages plus grands pour les valises cabine",
        "body": (
            "Les porte-bagages au-dessus des sièges sont trop étroits pour une valise cabine "
            "standard, donc tout le monde s’entasse dans les racks en bout de voiture, pleins dès "
            "le départ. Les valises finissent dans le couloir et gênent le passage du chariot et "
            "des voyageurs.\n\n"
            "Des racks au milieu de la voiture, ou des porte-bagages un peu plus profonds, "
            "changeraient tout."
        ),
        "category": "comfort",
        "status": "new",
        "tags": ["bagages"],
        "votes": 22,
        "age_days": 19,
        "comments": [
            ("Et un peu de place entre les dossiers pour glisser une valise, comme dans certains trains étrangers."),
            (
                "Le vrai souci, c’est que personne ne contrôle la taille des bagages. Certains "
                "voyagent avec trois grosses valises."
            ),
            ("Des racks au milieu, oui. Surveiller sa valise à quinze mètres, ce n’est pas rassurant."),
        ],
    },
    {
        "title": "Une vraie offre végétarienne à la voiture-bar",
        "body": (
            "Le seul plat chaud végétarien de la carte est souvent en rupture avant même Dijon. "
            "Et côté sandwichs, c’est jambon, poulet ou thon.\n\n"
            "Je ne demande pas un menu gastronomique, juste **au moins deux options "
            "végétariennes** disponibles pendant tout le trajet, et si possible une option sans "
            "gluten."
        ),
        "category": "comfort",
        "status": "in-progress",
        "tags": ["restauration"],
        "votes": 41,
        "age_days": 96,
        "comments": [
            "Idem pour les options sans lactose, c’est le désert.",
            ("Le problème, c’est aussi le stock : même les plats classiques sont souvent épuisés en fin de journée."),
            (
                "La nouvelle carte est en test sur trois lignes depuis ce mois-ci, avec deux plats "
                "chauds végétariens et un sandwich végétalien. Vos retours sont bienvenus ici !"
            ),
            "Goûté le curry de lentilles sur Paris–Strasbourg mardi, franchement pas mal.",
            "Testé hier, mais déjà en rupture à 19 h. Il faut prévoir plus de stock.",
        ],
    },
    {
        "title": "Un espace famille avec un coin jeux pour les enfants",
        "body": (
            "Trois heures de train avec un enfant de quatre ans, c’est long, pour lui comme pour "
            "les voisins. Un petit espace en bout de voiture avec un tapis, quelques jeux fixés "
            "et des places famille autour permettrait aux enfants de se dépenser un peu sans "
            "courir dans le couloir.\n\n"
            "Ça existe dans certains trains en Suisse et en Allemagne, et c’est très apprécié."
        ),
        "category": "comfort",
        "status": "new",
        "tags": ["famille", "enfants"],
        "votes": 27,
        "age_days": 41,
        "comments": [
            "Et ça éviterait que les parents se fassent fusiller du regard à chaque pleur !",
            "Bonne idée, à condition que ce soit loin de la voiture silence.",
            (
                "Même un simple espace à langer correct serait déjà un progrès, aujourd’hui c’est "
                "souvent sur les genoux."
            ),
        ],
    },
    {
        "title": "Des consignes à bagages dans toutes les gares principales",
        "body": (
            "Quand on arrive le matin et que le train du retour part le soir, on traîne sa valise "
            "toute la journée. Beaucoup de gares n’ont plus de consigne, ou seulement des casiers "
            "trop petits.\n\n"
            "Des consignes automatiques, payables par carte ou dans l’application, avec plusieurs "
            "tailles de casiers, seraient très utiles, surtout pour les voyageurs qui viennent "
            "visiter la ville."
        ),
        "category": "stations",
        "status": "under-review",
        "tags": ["bagages", "gare"],
        "votes": 58,
        "age_days": 63,
        "comments": [
            "Il existe des services privés en ville, mais c’est souvent loin de la gare et cher.",
            "À Nantes il n’y a plus rien depuis les travaux, c’est vraiment pénible.",
            ("On étudie un partenariat avec un réseau de consignes automatiques. On vous tient au courant ici."),
        ],
    },
    {
        "title": "Plus de bancs sur les quais des petites gares",
        "body": (
            "Dans beaucoup de petites gares, il y a deux bancs pour tout le quai, et ils sont à "
            "l’opposé de l’endroit où le train s’arrête. Quand le train a vingt minutes de "
            "retard, les personnes âgées restent debout. Quelques bancs de plus, abrités si "
            "possible, ce serait bien."
        ),
        "category": "stations",
        "status": "new",
        "tags": ["gare", "attente"],
        "votes": 12,
        "age_days": 27,
        "comments": [
            "Et un abri qui protège vraiment de la pluie, pas juste un toit de deux mètres.",
            "Même chose dans le souterrain de ma gare, aucun endroit pour s’asseoir.",
        ],
    },
    {
        "title": "Des abris vélos sécurisés devant les gares",
        "body": (
            "Beaucoup de gens pourraient venir à la gare à vélo plutôt qu’en voiture, mais "
            "laisser son vélo toute la journée attaché à une barrière, c’est s’exposer au vol.\n\n"
            "Un abri fermé, accessible avec la carte d’abonnement ou un badge, même payant "
            "quelques euros par mois, serait idéal. Voir par exemple [ce qui se fait aux "
            "Pays-Bas](https://example.com/velo/stationnement-gares)."
        ),
        "category": "stations",
        "status": "planned",
        "tags": ["vélo", "gare", "sécurité"],
        "votes": 34,
        "age_days": 140,
        "comments": [
            "Je me suis fait voler deux roues en un an à la gare. Je viens en voiture depuis.",
            "Payant oui, mais intégré à l’abonnement mensuel ce serait encore mieux.",
            (
                "Un premier abri sécurisé de 80 places ouvrira dans six gares pilotes au printemps. "
                "Les autres suivront selon la fréquentation."
            ),
        ],
    },
    {
        "title": "Des fontaines à eau gratuites en gare",
        "body": (
            "En été, acheter une bouteille d’eau à 3 € en gare, c’est un peu abusé. Des fontaines "
            "sur les quais ou dans le hall permettraient de remplir sa gourde avant de partir. "
            "C’est écologique et ça rend service, surtout avec les fortes chaleurs et les retards "
            "qui s’allongent."
        ),
        "category": "stations",
        "status": "done",
        "tags": ["gare", "eau", "gratuit"],
        "votes": 45,
        "age_days": 182,
        "comments": [
            "Oui, avec les canicules c’est presque une question de santé.",
            (
                "Les fontaines sont installées dans les 40 plus grandes gares depuis juin. La carte "
                "est disponible [sur le site](https://example.com/rail-horizon/gares/fontaines)."
            ),
            "Vu celle de ma gare, elle est même réfrigérée. Merci !",
            ("Il en faudrait aussi dans les petites gares, l’été c’est là qu’on attend le plus longtemps."),
        ],
    },
    {
        "title": "Ouvrir les salles d’attente dès le premier train du matin",
        "body": (
            "Ma gare ouvre à 6 h 15 alors que le premier train part à 5 h 58. Du coup, en hiver, "
            "on attend dehors dans le noir et le froid. Il suffirait d’ouvrir la salle d’attente "
            "un quart d’heure avant le premier départ."
        ),
        "category": "stations",
        "status": "new",
        "tags": ["gare", "attente", "horaires"],
        "votes": 7,
        "age_days": 12,
        "comments": [
            "Même chose chez moi, et en plus les distributeurs de billets sont à l’intérieur.",
            "Une ouverture automatique par badge éviterait d’avoir besoin de personnel aussi tôt.",
        ],
    },
    {
        "title": "Des toilettes propres et gratuites dans les petites gares",
        "body": (
            "Dans beaucoup de gares, les toilettes sont fermées ou payantes (1 € !), et dans les "
            "plus petites il n’y en a tout simplement pas. Quand on a une correspondance d’une "
            "heure, surtout avec des enfants, c’est vite compliqué. Des toilettes ouvertes aux "
            "horaires des trains et gratuites, ce serait la base."
        ),
        "category": "stations",
        "status": "under-review",
        "tags": ["gare", "gratuit", "hygiène"],
        "votes": 19,
        "age_days": 78,
        "comments": [
            "Le problème des toilettes fermées à bord est encore pire, franchement.",
            ("Gratuites, je ne sais pas si c’est réaliste, mais au moins ouvertes aux horaires des trains."),
            "On regarde avec les régions ce qui est faisable gare par gare. On revient vers vous.",
        ],
    },
    {
        "title": "Un espace de travail calme avec des prises en gare",
        "body": (
            "Quand on a une heure de correspondance, on finit assis par terre près de la seule "
            "prise du hall. Un petit espace avec des tables, des prises et un peu de calme, même "
            "sans Wi-Fi, permettrait de travailler en attendant. Certaines gares ont un coworking "
            "payant, mais c’est trop cher pour une heure."
        ),
        "category": "stations",
        "status": "new",
        "tags": ["prises", "travail", "silence"],
        "votes": 3,
        "age_days": 8,
        "comments": [],
    },
    {
        "title": "Modifier sa réservation sans frais jusqu’au départ",
        "body": (
            "Aujourd’hui, selon le tarif, on paie des frais dès qu’on change de train, même pour "
            "prendre celui d’une heure plus tôt qui est à moitié vide. C’est frustrant et ça "
            "pousse à réserver au dernier moment, donc plus cher.\n\n"
            "Ma proposition :\n\n"
            "- **échange gratuit** jusqu’au départ pour tous les tarifs, au même prix ou en "
            "payant la différence ;\n"
            "- des frais uniquement en cas d’annulation à moins de 24 h."
        ),
        "category": "tickets",
        "status": "under-review",
        "tags": ["réservation", "tarifs", "échange"],
        "votes": 121,
        "age_days": 71,
        "comments": [
            "Avec un planning qui change tout le temps, c’est exactement ce qu’il me faudrait.",
            ("Au moins la gratuité pour avancer son trajet le jour même, quand le train est peu rempli."),
            "Quelqu’un sait si l’abonnement pro permet déjà ça ?",
            (
                "Oui, mais seulement avec l’abonnement pro, et pas sur les tarifs promo. D’où "
                "l’intérêt d’étendre ça à tout le monde."
            ),
            (
                "L’équipe tarifs étudie cette demande. On ne peut pas encore promettre la gratuité "
                "totale, mais les conditions d’échange vont évoluer."
            ),
        ],
    },
    {
        "title": "Échanger ses réservations en un clic quand le train est supprimé",
        "body": (
            "Quand un train est supprimé, on reçoit un SMS et puis… débrouillez-vous. Il faut "
            "annuler, se faire rembourser, puis racheter un billet, parfois plus cher. Quand on "
            "voyage à plusieurs avec des réservations séparées, c’est encore pire.\n\n"
            "L’idéal : un bouton « Me replacer sur le prochain train » directement dans le "
            "message, qui bascule toutes les réservations du dossier d’un coup."
        ),
        "category": "tickets",
        "status": "new",
        "tags": ["réservation", "retards", "échange"],
        "votes": 14,
        "age_days": 9,
        "comments": [
            "Ça m’est arrivé samedi : 40 minutes au téléphone pour replacer quatre billets.",
            (
                "Et garder les places côte à côte si possible, sinon les familles se retrouvent "
                "éparpillées dans tout le train."
            ),
            ("Exactement. Le replacement automatique existe chez les compagnies aériennes, pourquoi pas ici ?"),
        ],
    },
    {
        "title": "Une carte de réduction pour les familles nombreuses",
        "body": (
            "Voyager à cinq, même en réservant tôt, ça revient vite plus cher que la voiture. Une "
            "carte de réduction pour les familles nombreuses, avec un tarif dégressif par enfant, "
            "permettrait à beaucoup de familles de choisir le train pour les vacances."
        ),
        "category": "tickets",
        "status": "declined",
        "tags": ["famille", "tarifs"],
        "votes": 8,
        "age_days": 110,
        "comments": [
            (
                "Cette carte existe déjà : c’est la carte Famille Horizon, avec jusqu’à 50 % de "
                "réduction selon le nombre d’enfants. Tous les détails sont [sur cette "
                "page](https://example.com/rail-horizon/cartes/famille). On classe donc l’idée."
            ),
            ("Je ne la connaissais pas du tout ! Il faudrait la mettre plus en avant dans l’application."),
            ("Elle existe, mais elle est payante et pas rentable si on voyage une ou deux fois par an."),
        ],
    },
    {
        "title": "Un abonnement à prix fixe pour les trajets domicile-travail",
        "body": (
            "Je fais Amiens–Paris trois jours par semaine (télétravail le reste du temps). "
            "L’abonnement mensuel est pensé pour cinq jours, donc pas rentable, et les billets à "
            "l’unité coûtent très cher aux heures de pointe.\n\n"
            "Un abonnement « trois jours » ou un carnet de **12 trajets à prix fixe** valable un "
            "mois réglerait le problème de beaucoup de télétravailleurs."
        ),
        "category": "tickets",
        "status": "planned",
        "tags": ["tarifs", "abonnement", "travail"],
        "votes": 73,
        "age_days": 160,
        "comments": [
            ("Exactement ma situation. Au final je paie plus que quand j’allais au bureau tous les jours."),
            "Un carnet de trajets, c’est simple et ça existe dans d’autres pays.",
            ("Il faudrait que ça marche aussi sur les trains régionaux, pas seulement sur les grandes lignes."),
            (
                "Des carnets de 10 et 20 trajets seront lancés sur les lignes domicile-travail à la "
                "rentrée. Les tarifs seront publiés ici."
            ),
            "Enfin ! Hâte de voir le prix.",
        ],
    },
    {
        "title": "Acheter en ligne les billets pour les animaux",
        "body": (
            "Pour voyager avec mon chien (un labrador, donc bien plus de 6 kg), je dois acheter "
            "son billet au guichet ou à bord. Ce serait plus simple de pouvoir l’ajouter "
            "directement lors de la réservation en ligne, comme un passager."
        ),
        "category": "tickets",
        "status": "done",
        "tags": ["animaux", "application"],
        "votes": 26,
        "age_days": 130,
        "comments": [
            (
                "Et pour les petits animaux en sac, préciser clairement si c’est gratuit ou non, ce "
                "n’est pas clair sur le site."
            ),
            (
                "C’est en ligne depuis la dernière mise à jour : on peut ajouter un animal au moment "
                "du paiement, dans l’application comme sur le site."
            ),
            "Testé pour mon chat, ça marche nickel.",
        ],
    },
    {
        "title": "Remboursement automatique en cas de retard",
        "body": (
            "Aujourd’hui, pour être indemnisé après un retard, il faut remplir un formulaire, "
            "joindre son billet, attendre des semaines… Beaucoup de gens abandonnent.\n\n"
            "Puisque Rail Horizon connaît le retard de chaque train et a nos coordonnées, "
            "pourquoi ne pas **rembourser automatiquement**, sur le moyen de paiement ou en bon "
            "d’achat au choix, dès 30 minutes de retard ?\n\n"
            "Pour rappel, la procédure actuelle est décrite sur [le "
            "site](https://example.com/rail-horizon/garantie-retard) : six étapes pour quelques "
            "euros."
        ),
        "category": "tickets",
        "status": "planned",
        "tags": ["retards", "remboursement"],
        "votes": 187,
        "age_days": 143,
        "comments": [
            "Indispensable. J’ai au moins quatre demandes que je n’ai jamais faites par flemme.",
            "Certains pays le font déjà, c’est donc techniquement possible.",
            (
                "Le choix entre remboursement et bon d’achat est important : les bons expirent "
                "souvent avant qu’on puisse les utiliser."
            ),
            "Pour les abonnés aussi, svp, avec un cumul mensuel des retards.",
            (
                "L’indemnisation automatique est prévue pour les billets achetés en ligne, d’abord "
                "sur les grandes lignes. On publiera le calendrier de déploiement dans quelques "
                "semaines."
            ),
            "@demo-moderateur et pour les billets achetés au guichet, il y aura quelque chose ?",
        ],
    },
    {
        "title": "Indemnisation des retards automatique, sans formulaire",
        "body": (
            "Encore 45 minutes de retard hier soir. Je ne comprends pas pourquoi il faut toujours "
            "remplir un formulaire pour être indemnisé alors que tout est connu : le train, "
            "l’heure d’arrivée, le billet. L’indemnisation devrait être automatique."
        ),
        "category": "tickets",
        "status": "new",
        "tags": ["retards", "remboursement"],
        "votes": 2,
        "age_days": 4,
        "comments": [
            (
                "Il y a déjà une idée quasi identique avec beaucoup de votes, et elle est marquée "
                "comme prévue : « Remboursement automatique en cas de retard »."
            ),
        ],
    },
    {
        "title": "Choisir sa place sur le plan de la voiture lors de la réservation",
        "body": (
            "Aujourd’hui on peut choisir « fenêtre » ou « couloir », mais pas la place exacte. Un "
            "plan de la voiture, comme pour les places de cinéma ou d’avion, permettrait de :\n\n"
            "- s’asseoir dans le sens de la marche ;\n"
            "- être à côté de ses proches ;\n"
            "- choisir une place près des porte-bagages ou loin des toilettes."
        ),
        "category": "app",
        "status": "in-progress",
        "tags": ["réservation", "sièges", "application"],
        "votes": 49,
        "age_days": 85,
        "comments": [
            "Le sens de la marche, c’est le critère n° 1 pour moi, sinon je suis malade.",
            "Surtout pour voyager à deux sans payer plus cher.",
            (
                "Le choix de place sur plan est en cours de développement. Une première version "
                "arrive dans l’application avant l’été, sur les grandes lignes."
            ),
            "Il faudrait aussi voir où sont les prises sur le plan.",
        ],
    },
    {
        "title": "Afficher ses billets hors connexion dans l’application",
        "body": (
            "Au moment du contrôle, dans un tunnel ou en zone blanche, l’application tourne dans "
            "le vide et le billet ne s’affiche pas. Les billets devraient être enregistrés sur le "
            "téléphone dès l’achat et consultables sans réseau."
        ),
        "category": "app",
        "status": "done",
        "tags": ["application", "billets"],
        "votes": 64,
        "age_days": 197,
        "comments": [
            "Je fais une capture d’écran à chaque fois, par précaution…",
            "Les contrôleurs sont compréhensifs en général, mais c’est stressant.",
            (
                "Depuis la version 5.2 de l’application, vos billets sont disponibles hors connexion, "
                "QR code compris. Pensez à faire la mise à jour !"
            ),
            "Confirmé, ça marche même en mode avion. Merci pour la réactivité.",
        ],
    },
    {
        "title": "Une notification quand le quai de mon train est affiché",
        "body": (
            "En grande gare, tout le monde fixe le tableau en attendant le numéro de voie, puis "
            "c’est la ruée. Une notification dans l’application dès que le quai est affiché (et "
            "en cas de changement de quai !) éviterait de rester planté devant les écrans. Ça "
            "aiderait aussi ceux qui attendent au café."
        ),
        "category": "app",
        "status": "planned",
        "tags": ["application", "quai", "information"],
        "votes": 52,
        "age_days": 59,
        "comments": [
            "Surtout les changements de dernière minute, j’ai déjà raté un train comme ça.",
            (
                "Oui, mais attention à ne pas nous noyer sous les notifications : un réglage pour "
                "l’activer ou non serait bien."
            ),
            (
                "Prévu pour la prochaine version majeure de l’application, avec un réglage pour "
                "choisir les notifications."
            ),
        ],
    },
    {
        "title": "Afficher le taux de remplissage du train avant de réserver",
        "body": (
            "Quand j’hésite entre deux horaires, j’aimerais savoir lequel est le moins chargé. Un "
            "simple indicateur (peu rempli, rempli, complet) dans les résultats de recherche "
            "suffirait. Ça étalerait un peu l’affluence et tout le monde voyagerait mieux."
        ),
        "category": "app",
        "status": "new",
        "tags": ["application", "réservation"],
        "votes": 11,
        "age_days": 22,
        "comments": [
            "Pour les trains régionaux sans réservation, ce serait encore plus utile.",
            "Les métros de certaines villes l’affichent déjà en temps réel, voiture par voiture.",
        ],
    },
    {
        "title": "Un mode sombre pour l’application",
        "body": (
            "Petite demande : un mode sombre pour l’application. Le soir dans le train, l’écran "
            "blanc m’éblouit, moi et mes voisins, quand je sors mon billet. Ça économiserait "
            "aussi un peu de batterie sur les téléphones récents."
        ),
        "category": "app",
        "status": "new",
        "tags": ["application"],
        "votes": 0,
        "age_days": 1,
        "comments": [],
    },
    {
        "title": "Ajouter ses billets au portefeuille du téléphone",
        "body": (
            "Sortir son billet en deux secondes depuis l’écran verrouillé, sans ouvrir "
            "l’application ni se reconnecter, ce serait idéal. Les compagnies aériennes et les "
            "salles de concert le font déjà. Bonus : le billet se mettrait à jour tout seul en "
            "cas de changement de voie ou de retard."
        ),
        "category": "app",
        "status": "under-review",
        "tags": ["application", "billets"],
        "votes": 31,
        "age_days": 52,
        "comments": [
            "Oui ! Mon billet d’avion y est, mon billet de train jamais.",
            "Il faudrait que ça marche sur tous les téléphones, pas seulement les plus récents.",
            ("L’équipe application regarde la faisabilité, notamment pour les billets avec plusieurs trajets."),
        ],
    },
    {
        "title": "Réserver l’assistance PMR moins de 48 h avant le départ",
        "body": (
            "Je me déplace en fauteuil roulant. Pour être aidé à monter dans le train, il faut "
            "réserver l’assistance 48 h à l’avance. Impossible donc de partir sur un coup de "
            "tête, ou de changer de train si le mien est supprimé.\n\n"
            "Je demande :\n\n"
            "- un délai ramené à **quelques heures** dans les grandes gares, où du personnel est "
            "présent en permanence ;\n"
            "- une prise en charge garantie en cas de train supprimé, sans nouvelle réservation.\n\n"
            "Les conditions actuelles sont sur [la page "
            "assistance](https://example.com/rail-horizon/assistance-pmr)."
        ),
        "category": "accessibility",
        "status": "under-review",
        "tags": ["pmr", "réservation", "assistance"],
        "votes": 84,
        "age_days": 102,
        "comments": [
            "Ma mère est dans la même situation. 48 h, c’est un frein énorme pour elle.",
            ("Et que l’assistance soit vraiment là à l’arrivée : on m’a déjà laissé 25 minutes dans un train vide."),
            (
                "Certains pays voisins proposent l’assistance sans réservation dans les grandes "
                "gares, donc c’est possible."
            ),
            (
                "Merci pour ce témoignage. On étudie avec le service d’assistance un délai réduit à 2 "
                "h dans les 20 plus grandes gares."
            ),
        ],
    },
    {
        "title": "Des rampes d’accès à chaque porte des trains régionaux",
        "body": (
            "Sur ma ligne, la rampe d’accès n’est disponible qu’à une seule porte et il faut que "
            "le contrôleur la déploie. Quand il est à l’autre bout du train, c’est compliqué. Des "
            "marchepieds automatiques à chaque porte aideraient les fauteuils, mais aussi les "
            "poussettes, les valises et les personnes âgées."
        ),
        "category": "accessibility",
        "status": "in-progress",
        "tags": ["pmr", "régional", "poussette"],
        "votes": 45,
        "age_days": 117,
        "comments": [
            "Avec une poussette double, je dois demander de l’aide à chaque fois.",
            (
                "Les marchepieds automatiques sont en cours d’installation sur les rames régionales "
                "rénovées. Une vingtaine sont déjà équipées, les autres suivront d’ici la fin de "
                "l’année."
            ),
            "Oui, vu ça sur la ligne de Rouen, c’est top.",
        ],
    },
    {
        "title": "Des annonces à bord sonores et écrites pour les personnes sourdes",
        "body": (
            "Je suis malentendant. Quand le train s’arrête en pleine voie, le conducteur fait une "
            "annonce que je ne comprends pas, et aucun écran n’affiche le message. Je dois "
            "demander à mes voisins ce qui se passe.\n\n"
            "Toutes les annonces importantes (retard, arrêt, changement de voie) devraient aussi "
            "apparaître **par écrit** sur les écrans de la voiture ou dans l’application."
        ),
        "category": "accessibility",
        "status": "in-progress",
        "tags": ["information", "retards", "malentendants"],
        "votes": 29,
        "age_days": 66,
        "comments": [
            "Ça aiderait aussi les touristes qui ne comprennent pas bien le français.",
            "Et tout le monde en fait, les annonces sont souvent inaudibles avec le bruit.",
            (
                "C’est en cours : les annonces des conducteurs seront retranscrites automatiquement "
                "sur les écrans des nouvelles rames, puis dans l’application."
            ),
        ],
    },
    {
        "title": "Prévenir quand les ascenseurs d’une gare sont en panne",
        "body": (
            "J’ai pris le train avec une valise et une jambe dans le plâtre. Arrivée en gare : "
            "ascenseur en panne, et personne pour m’aider dans les escaliers. Si l’information "
            "avait été dans l’application, j’aurais pu descendre à la gare suivante.\n\n"
            "Un état des ascenseurs et escalators en temps réel serait très utile pour les "
            "personnes à mobilité réduite, les parents avec poussette et les voyageurs chargés."
        ),
        "category": "accessibility",
        "status": "new",
        "tags": ["pmr", "gare", "information"],
        "votes": 16,
        "age_days": 15,
        "comments": [
            "L’ascenseur de ma gare est en panne depuis trois semaines, sans la moindre affiche.",
            "Certaines gares le font déjà sur leur site, mais il faut savoir où chercher.",
            ("Ce serait bien que l’info soit aussi sur les quais d’arrivée, pas seulement au départ."),
        ],
    },
    {
        "title": "Des places réservées aux poussettes près des portes",
        "body": (
            "Avec une poussette, on ne sait jamais où se mettre : dans le couloir on gêne, dans "
            "l’espace vélo on se fait déloger. Un emplacement identifié pour une ou deux "
            "poussettes près des portes, avec une place assise à côté pour le parent, ce serait "
            "l’idéal."
        ),
        "category": "accessibility",
        "status": "new",
        "tags": ["famille", "poussette"],
        "votes": 3,
        "age_days": 11,
        "comments": [
            ("Oui, et pouvoir garder son bébé dans la poussette pendant le trajet sans bloquer tout le monde."),
        ],
    },
    {
        "title": "Afficher la position des voitures sur le quai avant l’arrivée du train",
        "body": (
            "Combien de fois j’ai couru le long du quai avec ma valise parce que ma voiture 14 "
            "était à l’autre bout ! Un simple panneau indiquant où s’arrêtera chaque voiture "
            "(repère A, B, C…), ça existe dans d’autres pays. L’info pourrait aussi être dans "
            "l’application."
        ),
        "category": "information",
        "status": "new",
        "tags": ["quai", "information", "affichage"],
        "votes": 17,
        "age_days": 29,
        "comments": [
            (
                "Les repères existent dans certaines gares, mais ils ne sont jamais mis à jour quand "
                "la composition change."
            ),
            ("Surtout quand le train est en unité double et que la moitié des voitures part ailleurs."),
            "Dans l’appli, avec le numéro de voiture du billet, ce serait parfait.",
        ],
    },
    {
        "title": "Donner la vraie cause des retards plutôt que « incident technique »",
        "body": (
            "« Incident technique », « difficultés d’exploitation »… Ces formules ne disent rien. "
            "On comprend qu’il y ait des imprévus, mais savoir si c’est un problème d’aiguillage, "
            "une panne de train ou un animal sur la voie aide à estimer combien de temps ça va "
            "durer et à s’organiser.\n\n"
            "Une explication en deux phrases et une estimation honnête, ça suffit."
        ),
        "category": "information",
        "status": "under-review",
        "tags": ["retards", "information"],
        "votes": 38,
        "age_days": 47,
        "comments": [
            ("Et surtout une estimation réaliste. Les « 10 minutes de retard » qui deviennent une heure…"),
            "D’accord, la transparence fait beaucoup pour la patience des voyageurs.",
            ("C’est noté, on travaille avec les équipes de régulation sur des messages plus précis. À suivre."),
        ],
    },
    {
        "title": "Afficher les correspondances en temps réel à l’approche de la gare",
        "body": (
            "Quand mon train a du retard, je ne sais jamais si ma correspondance va m’attendre. "
            "Ce serait très utile d’afficher sur les écrans du train, quelques minutes avant "
            "l’arrivée, la liste des correspondances avec leur voie et leur retard éventuel, et "
            "de préciser si elles sont maintenues."
        ),
        "category": "information",
        "status": "new",
        "tags": ["retards", "correspondance", "information"],
        "votes": 21,
        "age_days": 18,
        "comments": [
            ("Dans certains trains étrangers c’est affiché avant chaque arrêt, c’est super pratique."),
            "Le contrôleur le faisait au micro avant, mais plus maintenant.",
        ],
    },
    {
        "title": "Remettre les fiches horaires papier dans les gares",
        "body": (
            "Les fiches horaires papier ont disparu des gares. Tout le monde n’a pas de "
            "smartphone ou ne sait pas s’en servir, notamment les personnes âgées. Pourquoi ne "
            "pas les remettre à disposition, au moins pour les lignes régionales ?"
        ),
        "category": "information",
        "status": "declined",
        "tags": ["horaires", "gare"],
        "votes": 9,
        "age_days": 168,
        "comments": [
            "Ma grand-mère les utilisait tout le temps, elle est perdue depuis.",
            ("Les horaires changent trop souvent avec les travaux, les fiches seraient vite fausses."),
            (
                "Nous ne remettrons pas les fiches papier, justement parce que les horaires changent "
                "très souvent avec les travaux. En revanche, les agents en gare peuvent imprimer "
                "gratuitement vos horaires sur demande, et ils restent affichés sur les quais."
            ),
        ],
    },
    {
        "title": "Prévenir les voyageurs quand la voiture-bar est fermée",
        "body": (
            "Deux fois ce mois-ci, la voiture-bar était fermée sans que personne ne soit prévenu, "
            "et je n’avais rien pris à manger pour un trajet de quatre heures. Un message dans "
            "l’application ou une annonce avant le départ nous laisserait le temps d’acheter "
            "quelque chose en gare."
        ),
        "category": "information",
        "status": "new",
        "tags": ["restauration", "information"],
        "votes": 6,
        "age_days": 24,
        "comments": [
            "Pareil ! On l’apprend souvent une fois le train parti.",
            "Ça m’est arrivé aussi sur Paris–Nice, quatre heures le ventre vide.",
        ],
    },
)
