"""Hand-authored HTML pages (articles, boilerplate-heavy, foreign-language, near-empty) for the WARC fixture."""

from __future__ import annotations

PAGES: list[dict] = [
    {
        "url": "https://harbour-notes.example/lighthouses",
        "kind": "article",
        "lang": "en",
        "html": """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>How a Lighthouse Works | Harbour Notes</title>
</head>
<body>
  <header>
    <a class="logo" href="/">Harbour Notes</a>
    <nav>
      <a href="/">Home</a>
      <a href="/coastal-guides">Coastal Guides</a>
      <a href="/boats">Boats</a>
      <a href="/weather">Weather</a>
      <a href="/about">About</a>
    </nav>
  </header>
  <article>
    <h1>How a Lighthouse Works</h1>
    <p>A lighthouse has one job: to tell a sailor where the land is and, just as importantly, which stretch of land it is. Each tower along a coast is given its own light characteristic, a pattern of flashes and dark intervals that appears on nautical charts. A navigator who counts two white flashes every ten seconds can look at the chart and know exactly which headland lies ahead.</p>
    <p>The light itself was once an open coal fire, later a cluster of oil lamps backed by polished reflectors. The real breakthrough came in the 1820s, when Augustin Fresnel designed a lens built from concentric rings of glass prisms. His lens gathered light that would otherwise spill upward or downward and bent it into a narrow horizontal beam, allowing a modest flame to be seen more than twenty miles out to sea.</p>
    <p>To create flashes, many older lighthouses rotated the entire lens on a bath of liquid mercury, which let several tonnes of glass and brass turn smoothly with very little friction. A clockwork mechanism, wound by hand every few hours, kept the rotation at a precise speed. Keepers spent long nights climbing the spiral stairs to wind the weights, trim wicks and wipe soot from the glass.</p>
    <p>Today most lighthouses are automated. Electric lamps or compact LED arrays have replaced the flame, and sensors switch the light on at dusk and off at dawn. Many of the big rotating lenses have been retired to museums, though some stations still keep them in service because nothing else throws a beam quite as cleanly. Maintenance crews now visit a few times a year rather than living on site.</p>
    <p>Satellite navigation has made lighthouses less essential than they once were, but they have not disappeared. A GPS receiver can fail, lose power or be misread, and a visible light on a dark shore remains a simple, reliable check. For small boats without much electronic equipment, the familiar sweep of a beam is still one of the most trusted signs that home is close.</p>
  </article>
  <footer>
    <p>© 2024 Harbour Notes. All rights reserved.</p>
    <p><a href="/about">About</a> · <a href="/contact">Contact</a> · <a href="/privacy">Privacy</a></p>
  </footer>
</body>
</html>""",
        "main_text": (
            "A lighthouse has one job: to tell a sailor where the land is and, just as importantly, which stretch of land it is. Each tower along a coast is given its own light characteristic, a pattern of flashes and dark intervals that appears on nautical charts. A navigator who counts two white flashes every ten seconds can look at the chart and know exactly which headland lies ahead.\n"
            "The light itself was once an open coal fire, later a cluster of oil lamps backed by polished reflectors. The real breakthrough came in the 1820s, when Augustin Fresnel designed a lens built from concentric rings of glass prisms. His lens gathered light that would otherwise spill upward or downward and bent it into a narrow horizontal beam, allowing a modest flame to be seen more than twenty miles out to sea.\n"
            "To create flashes, many older lighthouses rotated the entire lens on a bath of liquid mercury, which let several tonnes of glass and brass turn smoothly with very little friction. A clockwork mechanism, wound by hand every few hours, kept the rotation at a precise speed. Keepers spent long nights climbing the spiral stairs to wind the weights, trim wicks and wipe soot from the glass.\n"
            "Today most lighthouses are automated. Electric lamps or compact LED arrays have replaced the flame, and sensors switch the light on at dusk and off at dawn. Many of the big rotating lenses have been retired to museums, though some stations still keep them in service because nothing else throws a beam quite as cleanly. Maintenance crews now visit a few times a year rather than living on site.\n"
            "Satellite navigation has made lighthouses less essential than they once were, but they have not disappeared. A GPS receiver can fail, lose power or be misread, and a visible light on a dark shore remains a simple, reliable check. For small boats without much electronic equipment, the familiar sweep of a beam is still one of the most trusted signs that home is close."
        ),
    },
    {
        "url": "https://crumb-and-crust.example/sourdough-starter",
        "kind": "article",
        "lang": "en",
        "html": """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Keeping a Sourdough Starter Alive | Crumb and Crust</title>
</head>
<body>
  <header>
    <a class="logo" href="/">Crumb and Crust</a>
    <nav>
      <a href="/">Home</a>
      <a href="/breads">Breads</a>
      <a href="/pastry">Pastry</a>
      <a href="/techniques">Techniques</a>
      <a href="/glossary">Glossary</a>
      <a href="/contact">Contact</a>
    </nav>
  </header>
  <article>
    <h1>Keeping a Sourdough Starter Alive</h1>
    <p>A sourdough starter is nothing more than flour and water that has been colonised by wild yeasts and lactic acid bacteria. The yeasts produce carbon dioxide, which makes bread rise, while the bacteria produce acids that give the loaf its tang and help it keep longer. Together they form a surprisingly stable community that can be maintained for years with very little equipment.</p>
    <p>To begin one, mix equal weights of wholemeal flour and lukewarm water in a clean jar, cover it loosely and leave it somewhere warm. Each day, discard about half and stir in fresh flour and water. For the first few days the mixture may smell odd or even unpleasant as different microbes compete, but within a week or two a steady, pleasantly sour aroma should settle in.</p>
    <p>A healthy starter rises predictably after each feeding, often doubling in four to eight hours at room temperature, and then slowly falls back. Bakers usually mix their dough when the starter is at or near its peak, because that is when the yeast is most active. A rubber band around the jar marking the starting level makes it easy to see how far it has climbed.</p>
    <p>If you bake only once a week, the starter can live in the refrigerator between uses. The cold slows fermentation dramatically, so a weekly feeding is enough. Take it out the day before baking, feed it once or twice at room temperature, and it will usually wake up fully. A layer of greyish liquid on top simply means it is hungry; pour it off or stir it back in.</p>
    <p>Genuine spoilage is rare but easy to recognise. Pink or orange streaks, or fuzzy mould on the surface, mean the jar should be emptied and the starter begun again. Ordinary sourness, bubbles and even a faint smell of nail varnish are normal signs of a busy culture. With regular feeding, most starters grow more robust over time rather than weaker.</p>
  </article>
  <footer>
    <p>© 2024 Crumb and Crust. All rights reserved.</p>
    <p><a href="/about">About</a> · <a href="/contact">Contact</a> · <a href="/privacy">Privacy</a></p>
  </footer>
</body>
</html>""",
        "main_text": (
            "A sourdough starter is nothing more than flour and water that has been colonised by wild yeasts and lactic acid bacteria. The yeasts produce carbon dioxide, which makes bread rise, while the bacteria produce acids that give the loaf its tang and help it keep longer. Together they form a surprisingly stable community that can be maintained for years with very little equipment.\n"
            "To begin one, mix equal weights of wholemeal flour and lukewarm water in a clean jar, cover it loosely and leave it somewhere warm. Each day, discard about half and stir in fresh flour and water. For the first few days the mixture may smell odd or even unpleasant as different microbes compete, but within a week or two a steady, pleasantly sour aroma should settle in.\n"
            "A healthy starter rises predictably after each feeding, often doubling in four to eight hours at room temperature, and then slowly falls back. Bakers usually mix their dough when the starter is at or near its peak, because that is when the yeast is most active. A rubber band around the jar marking the starting level makes it easy to see how far it has climbed.\n"
            "If you bake only once a week, the starter can live in the refrigerator between uses. The cold slows fermentation dramatically, so a weekly feeding is enough. Take it out the day before baking, feed it once or twice at room temperature, and it will usually wake up fully. A layer of greyish liquid on top simply means it is hungry; pour it off or stir it back in.\n"
            "Genuine spoilage is rare but easy to recognise. Pink or orange streaks, or fuzzy mould on the surface, mean the jar should be emptied and the starter begun again. Ordinary sourness, bubbles and even a faint smell of nail varnish are normal signs of a busy culture. With regular feeding, most starters grow more robust over time rather than weaker."
        ),
    },
    {
        "url": "https://shoreline-guide.example/why-tides-happen",
        "kind": "article",
        "lang": "en",
        "html": """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Why the Sea Rises and Falls Twice a Day | Shoreline Guide</title>
</head>
<body>
  <header>
    <a class="logo" href="/">Shoreline Guide</a>
    <nav>
      <a href="/">Home</a>
      <a href="/beaches">Beaches</a>
      <a href="/tide-tables">Tide Tables</a>
      <a href="/wildlife">Wildlife</a>
      <a href="/safety">Safety</a>
    </nav>
  </header>
  <article>
    <h1>Why the Sea Rises and Falls Twice a Day</h1>
    <p>Anyone who spends a day at the coast notices that the water line keeps moving. On most shores the sea climbs to a high point, retreats to a low one, and then repeats the cycle, giving two high tides and two low tides in a little over twenty-four hours. The cause lies not on Earth but in the gravitational pull of the Moon and, to a lesser degree, the Sun.</p>
    <p>The Moon pulls hardest on the side of Earth facing it and least on the far side. This difference stretches the oceans into two bulges, one beneath the Moon and one on the opposite side of the planet. As Earth rotates, a given coastline passes through both bulges, which is why most places see two high tides rather than one.</p>
    <p>Because the Moon moves along its orbit while Earth spins, it returns to the same position overhead about fifty minutes later each day. That is why high tide creeps later from one day to the next. A tide table printed for a harbour reflects this steady drift, and sailors and anglers learn to plan their outings around it.</p>
    <p>Twice a month, at new moon and full moon, the Sun and Moon line up and their pulls combine. The result is a spring tide, with unusually high highs and unusually low lows. When the two bodies sit at right angles, during the quarter moons, their effects partly cancel and produce neap tides, when the difference between high and low water is smallest.</p>
    <p>The shape of the coast matters as much as astronomy. In narrow, funnel-shaped bays the incoming water piles up, which is why the Bay of Fundy in Canada sees a range of more than fifteen metres. Enclosed seas such as the Mediterranean, by contrast, have tides of only a few centimetres in many places. Local charts are always the best guide.</p>
  </article>
  <footer>
    <p>© 2024 Shoreline Guide. All rights reserved.</p>
    <p><a href="/about">About</a> · <a href="/contact">Contact</a> · <a href="/privacy">Privacy</a></p>
  </footer>
</body>
</html>""",
        "main_text": (
            "Anyone who spends a day at the coast notices that the water line keeps moving. On most shores the sea climbs to a high point, retreats to a low one, and then repeats the cycle, giving two high tides and two low tides in a little over twenty-four hours. The cause lies not on Earth but in the gravitational pull of the Moon and, to a lesser degree, the Sun.\n"
            "The Moon pulls hardest on the side of Earth facing it and least on the far side. This difference stretches the oceans into two bulges, one beneath the Moon and one on the opposite side of the planet. As Earth rotates, a given coastline passes through both bulges, which is why most places see two high tides rather than one.\n"
            "Because the Moon moves along its orbit while Earth spins, it returns to the same position overhead about fifty minutes later each day. That is why high tide creeps later from one day to the next. A tide table printed for a harbour reflects this steady drift, and sailors and anglers learn to plan their outings around it.\n"
            "Twice a month, at new moon and full moon, the Sun and Moon line up and their pulls combine. The result is a spring tide, with unusually high highs and unusually low lows. When the two bodies sit at right angles, during the quarter moons, their effects partly cancel and produce neap tides, when the difference between high and low water is smallest.\n"
            "The shape of the coast matters as much as astronomy. In narrow, funnel-shaped bays the incoming water piles up, which is why the Bay of Fundy in Canada sees a range of more than fifteen metres. Enclosed seas such as the Mediterranean, by contrast, have tides of only a few centimetres in many places. Local charts are always the best guide."
        ),
    },
    {
        "url": "https://spoke-and-wrench.example/chain-care",
        "kind": "article",
        "lang": "en",
        "html": """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Looking After Your Bicycle Chain | Spoke and Wrench</title>
</head>
<body>
  <header>
    <a class="logo" href="/">Spoke and Wrench</a>
    <nav>
      <a href="/">Home</a>
      <a href="/repairs">Repairs</a>
      <a href="/commuting">Commuting</a>
      <a href="/touring">Touring</a>
      <a href="/tools">Tools</a>
      <a href="/about">About</a>
    </nav>
  </header>
  <article>
    <h1>Looking After Your Bicycle Chain</h1>
    <p>The chain is the hardest-working part of a bicycle and usually the most neglected. Every pedal stroke drags it over the chainrings and through the derailleur under heavy load, while it collects road grit, dust and rain. A dirty, dry chain wastes effort, shifts badly and wears out the far more expensive cassette and chainrings along with it.</p>
    <p>Cleaning does not require special tools. Backpedal the chain through a rag to remove surface grime, then scrub it with a stiff brush and a little degreaser or warm soapy water. Rinse it gently, avoiding a high-pressure jet that can force water into the bearings, and let it dry completely before adding any lubricant.</p>
    <p>When the chain is clean and dry, apply one small drop of lubricant to each roller on the inside of the chain while turning the cranks slowly backwards. Let it soak in for a few minutes, then wipe the outside thoroughly with a clean cloth. The lubricant is needed inside the rollers; oil left on the outer plates only attracts more dirt.</p>
    <p>Choose a wet lubricant for rainy or muddy riding, since it resists being washed off, and a dry lubricant for dusty summer roads, where a sticky film would quickly turn into grinding paste. Many riders keep both on the shelf and switch with the seasons. Household oils and spray penetrants are poor substitutes and tend to strip away protection rather than add it.</p>
    <p>Chains also stretch as their pins and rollers wear. A simple chain checker gauge, costing only a few pounds, shows when elongation has reached about half a percent, the usual point for replacement. Replacing a chain on time is cheap insurance: leave it too long and the worn teeth on the cassette will make a new chain skip under load.</p>
  </article>
  <footer>
    <p>© 2024 Spoke and Wrench. All rights reserved.</p>
    <p><a href="/about">About</a> · <a href="/contact">Contact</a> · <a href="/privacy">Privacy</a></p>
  </footer>
</body>
</html>""",
        "main_text": (
            "The chain is the hardest-working part of a bicycle and usually the most neglected. Every pedal stroke drags it over the chainrings and through the derailleur under heavy load, while it collects road grit, dust and rain. A dirty, dry chain wastes effort, shifts badly and wears out the far more expensive cassette and chainrings along with it.\n"
            "Cleaning does not require special tools. Backpedal the chain through a rag to remove surface grime, then scrub it with a stiff brush and a little degreaser or warm soapy water. Rinse it gently, avoiding a high-pressure jet that can force water into the bearings, and let it dry completely before adding any lubricant.\n"
            "When the chain is clean and dry, apply one small drop of lubricant to each roller on the inside of the chain while turning the cranks slowly backwards. Let it soak in for a few minutes, then wipe the outside thoroughly with a clean cloth. The lubricant is needed inside the rollers; oil left on the outer plates only attracts more dirt.\n"
            "Choose a wet lubricant for rainy or muddy riding, since it resists being washed off, and a dry lubricant for dusty summer roads, where a sticky film would quickly turn into grinding paste. Many riders keep both on the shelf and switch with the seasons. Household oils and spray penetrants are poor substitutes and tend to strip away protection rather than add it.\n"
            "Chains also stretch as their pins and rollers wear. A simple chain checker gauge, costing only a few pounds, shows when elongation has reached about half a percent, the usual point for replacement. Replacing a chain on time is cheap insurance: leave it too long and the worn teeth on the cassette will make a new chain skip under load."
        ),
    },
    {
        "url": "https://meadow-hives.example/swarms",
        "kind": "article",
        "lang": "en",
        "html": """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>What Happens When Honeybees Swarm | Meadow Hives</title>
</head>
<body>
  <header>
    <a class="logo" href="/">Meadow Hives</a>
    <nav>
      <a href="/">Home</a>
      <a href="/beekeeping-basics">Beekeeping Basics</a>
      <a href="/seasons">Seasons</a>
      <a href="/honey">Honey</a>
      <a href="/contact">Contact</a>
    </nav>
  </header>
  <article>
    <h1>What Happens When Honeybees Swarm</h1>
    <p>In late spring, a healthy honeybee colony may suddenly pour out of its hive in a roaring cloud of thousands of insects. This is a swarm, and despite its dramatic appearance it is the colony's natural way of reproducing. The old queen leaves with roughly half of the workers, while those left behind raise a new queen and carry on in the original home.</p>
    <p>Preparations start weeks in advance. When the hive becomes crowded, workers build special queen cells, usually along the lower edges of the comb, and the queen lays eggs in them. The departing bees gorge themselves on honey before leaving, which gives them enough energy to build new comb and also makes them unusually gentle, since a bee with a full stomach is reluctant to sting.</p>
    <p>After leaving, the swarm typically settles in a dense cluster on a nearby branch, fence post or wall. It may hang there for a few hours or a couple of days while scout bees search for a permanent cavity. The scouts return and perform waggle dances on the surface of the cluster, advertising the sites they have found, until enough of them agree on a single location.</p>
    <p>Once a decision is reached, the whole cluster takes off together and flies directly to the chosen site, often a hollow tree, a chimney or the space inside a wall. Within hours the workers begin building comb, and the queen resumes laying within a few days. For the colony, speed matters, because it must gather enough stores to survive the coming winter.</p>
    <p>If you find a swarm hanging in your garden, there is usually no need to panic or to spray it. Keep people and pets at a distance and contact a local beekeeping association, many of which keep a list of volunteers who collect swarms free of charge. A beekeeper can gently shake the cluster into a box and give the bees a new home.</p>
  </article>
  <footer>
    <p>© 2024 Meadow Hives. All rights reserved.</p>
    <p><a href="/about">About</a> · <a href="/contact">Contact</a> · <a href="/privacy">Privacy</a></p>
  </footer>
</body>
</html>""",
        "main_text": (
            "In late spring, a healthy honeybee colony may suddenly pour out of its hive in a roaring cloud of thousands of insects. This is a swarm, and despite its dramatic appearance it is the colony's natural way of reproducing. The old queen leaves with roughly half of the workers, while those left behind raise a new queen and carry on in the original home.\n"
            "Preparations start weeks in advance. When the hive becomes crowded, workers build special queen cells, usually along the lower edges of the comb, and the queen lays eggs in them. The departing bees gorge themselves on honey before leaving, which gives them enough energy to build new comb and also makes them unusually gentle, since a bee with a full stomach is reluctant to sting.\n"
            "After leaving, the swarm typically settles in a dense cluster on a nearby branch, fence post or wall. It may hang there for a few hours or a couple of days while scout bees search for a permanent cavity. The scouts return and perform waggle dances on the surface of the cluster, advertising the sites they have found, until enough of them agree on a single location.\n"
            "Once a decision is reached, the whole cluster takes off together and flies directly to the chosen site, often a hollow tree, a chimney or the space inside a wall. Within hours the workers begin building comb, and the queen resumes laying within a few days. For the colony, speed matters, because it must gather enough stores to survive the coming winter.\n"
            "If you find a swarm hanging in your garden, there is usually no need to panic or to spray it. Keep people and pets at a distance and contact a local beekeeping association, many of which keep a list of volunteers who collect swarms free of charge. A beekeeper can gently shake the cluster into a box and give the bees a new home."
        ),
    },
    {
        "url": "https://green-yard-notes.example/rainwater-harvesting",
        "kind": "article",
        "lang": "en",
        "html": """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>A Beginner's Guide to Rainwater Harvesting | Green Yard Notes</title>
</head>
<body>
  <header>
    <a class="logo" href="/">Green Yard Notes</a>
    <nav>
      <a href="/">Home</a>
      <a href="/water">Water</a>
      <a href="/soil">Soil</a>
      <a href="/planting">Planting</a>
      <a href="/projects">Projects</a>
      <a href="/about">About</a>
    </nav>
  </header>
  <article>
    <h1>A Beginner's Guide to Rainwater Harvesting</h1>
    <p>A single roof collects a surprising amount of water. Every millimetre of rain falling on one square metre yields one litre, so a modest sixty-square-metre roof in a town with six hundred millimetres of annual rainfall can capture around thirty-six thousand litres a year. Catching even part of that supply can take pressure off mains water and keep a garden green during dry spells.</p>
    <p>The simplest system is a water butt connected to a downpipe with a diverter kit. The diverter sends water into the butt until it is full, then lets the overflow continue down the drain as usual. Raising the butt on a sturdy stand makes it easier to fill a watering can from the tap and gives a little extra pressure for a short hose.</p>
    <p>Larger systems use underground or above-ground tanks holding several thousand litres, often with a pump to deliver water to toilets or a washing machine. These installations need filters to keep out leaves and a first-flush device that discards the dirtiest water from the start of each shower. Plumbing regulations in many countries require harvested water to be kept entirely separate from drinking supplies.</p>
    <p>Maintenance is straightforward but important. Gutters should be cleared of leaves at least twice a year, and tank lids must fit tightly to keep out light, which encourages algae, and mosquitoes, which happily breed in still water. An opaque container is better than a clear one for the same reason. Check the overflow route so that heavy storms do not flood foundations.</p>
    <p>Rainwater is ideal for plants because it is soft and free of chlorine, and many gardeners notice that acid-loving species such as blueberries and camellias thrive on it. It is not, however, safe to drink without proper treatment, since roofs collect bird droppings, dust and moss. Used sensibly for the garden and the toilet, it is one of the easiest ways to save water at home.</p>
  </article>
  <footer>
    <p>© 2024 Green Yard Notes. All rights reserved.</p>
    <p><a href="/about">About</a> · <a href="/contact">Contact</a> · <a href="/privacy">Privacy</a></p>
  </footer>
</body>
</html>""",
        "main_text": (
            "A single roof collects a surprising amount of water. Every millimetre of rain falling on one square metre yields one litre, so a modest sixty-square-metre roof in a town with six hundred millimetres of annual rainfall can capture around thirty-six thousand litres a year. Catching even part of that supply can take pressure off mains water and keep a garden green during dry spells.\n"
            "The simplest system is a water butt connected to a downpipe with a diverter kit. The diverter sends water into the butt until it is full, then lets the overflow continue down the drain as usual. Raising the butt on a sturdy stand makes it easier to fill a watering can from the tap and gives a little extra pressure for a short hose.\n"
            "Larger systems use underground or above-ground tanks holding several thousand litres, often with a pump to deliver water to toilets or a washing machine. These installations need filters to keep out leaves and a first-flush device that discards the dirtiest water from the start of each shower. Plumbing regulations in many countries require harvested water to be kept entirely separate from drinking supplies.\n"
            "Maintenance is straightforward but important. Gutters should be cleared of leaves at least twice a year, and tank lids must fit tightly to keep out light, which encourages algae, and mosquitoes, which happily breed in still water. An opaque container is better than a clear one for the same reason. Check the overflow route so that heavy storms do not flood foundations.\n"
            "Rainwater is ideal for plants because it is soft and free of chlorine, and many gardeners notice that acid-loving species such as blueberries and camellias thrive on it. It is not, however, safe to drink without proper treatment, since roofs collect bird droppings, dust and moss. Used sensibly for the garden and the toilet, it is one of the easiest ways to save water at home."
        ),
    },
    {
        "url": "https://paper-trail-history.example/printing-press",
        "kind": "article",
        "lang": "en",
        "html": """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>The Printing Press and the Spread of Ideas | Paper Trail History</title>
</head>
<body>
  <header>
    <a class="logo" href="/">Paper Trail History</a>
    <nav>
      <a href="/">Home</a>
      <a href="/medieval">Medieval</a>
      <a href="/early-modern">Early Modern</a>
      <a href="/inventions">Inventions</a>
      <a href="/archive">Archive</a>
    </nav>
  </header>
  <article>
    <h1>The Printing Press and the Spread of Ideas</h1>
    <p>Before the middle of the fifteenth century, almost every book in Europe was copied by hand. A skilled scribe might spend months on a single volume, and books were correspondingly rare and expensive. Woodblock printing was already known, and in East Asia movable type had been used for centuries, but in Europe the process of making many identical copies remained slow and laborious.</p>
    <p>Around 1450, Johannes Gutenberg, a goldsmith working in Mainz, brought together several ideas into one practical system. He cast individual letters from an alloy of lead, tin and antimony using an adjustable hand mould, so that thousands of uniform pieces could be produced quickly. He also developed an oil-based ink that clung to metal and adapted the screw press to push paper evenly onto the type.</p>
    <p>His most famous product, a Latin Bible printed in two columns, was completed by about 1455. Fewer than two hundred copies were made, some on paper and some on vellum, and around fifty survive today in whole or in part. Their crisp, even lettering showed that a machine could match the quality of the best hand-copied manuscripts.</p>
    <p>The technique spread with remarkable speed. Within fifty years, printing shops were operating in more than two hundred European towns, and millions of books had been produced. Prices fell, literacy rose, and scholars in distant cities could work from identical texts for the first time, comparing notes on the same page numbers and correcting errors in later editions.</p>
    <p>Historians still debate how much credit the press deserves for the great changes that followed, from the Reformation to the scientific revolution. What is clear is that printed pamphlets, maps and almanacs allowed news and arguments to travel farther and faster than ever before. The basic principle of the hand press remained in use, with only gradual improvements, for roughly three and a half centuries.</p>
  </article>
  <footer>
    <p>© 2024 Paper Trail History. All rights reserved.</p>
    <p><a href="/about">About</a> · <a href="/contact">Contact</a> · <a href="/privacy">Privacy</a></p>
  </footer>
</body>
</html>""",
        "main_text": (
            "Before the middle of the fifteenth century, almost every book in Europe was copied by hand. A skilled scribe might spend months on a single volume, and books were correspondingly rare and expensive. Woodblock printing was already known, and in East Asia movable type had been used for centuries, but in Europe the process of making many identical copies remained slow and laborious.\n"
            "Around 1450, Johannes Gutenberg, a goldsmith working in Mainz, brought together several ideas into one practical system. He cast individual letters from an alloy of lead, tin and antimony using an adjustable hand mould, so that thousands of uniform pieces could be produced quickly. He also developed an oil-based ink that clung to metal and adapted the screw press to push paper evenly onto the type.\n"
            "His most famous product, a Latin Bible printed in two columns, was completed by about 1455. Fewer than two hundred copies were made, some on paper and some on vellum, and around fifty survive today in whole or in part. Their crisp, even lettering showed that a machine could match the quality of the best hand-copied manuscripts.\n"
            "The technique spread with remarkable speed. Within fifty years, printing shops were operating in more than two hundred European towns, and millions of books had been produced. Prices fell, literacy rose, and scholars in distant cities could work from identical texts for the first time, comparing notes on the same page numbers and correcting errors in later editions.\n"
            "Historians still debate how much credit the press deserves for the great changes that followed, from the Reformation to the scientific revolution. What is clear is that printed pamphlets, maps and almanacs allowed news and arguments to travel farther and faster than ever before. The basic principle of the hand press remained in use, with only gradual improvements, for roughly three and a half centuries."
        ),
    },
    {
        "url": "https://allotment-diary.example/composting-basics",
        "kind": "article",
        "lang": "en",
        "html": """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Composting Without the Guesswork | Allotment Diary</title>
</head>
<body>
  <header>
    <a class="logo" href="/">Allotment Diary</a>
    <nav>
      <a href="/">Home</a>
      <a href="/vegetables">Vegetables</a>
      <a href="/fruit">Fruit</a>
      <a href="/compost">Compost</a>
      <a href="/calendar">Calendar</a>
      <a href="/contact">Contact</a>
    </nav>
  </header>
  <article>
    <h1>Composting Without the Guesswork</h1>
    <p>Compost is simply organic material that has been broken down by bacteria, fungi, worms and countless other small creatures into a dark, crumbly substance that plants love. A garden heap speeds up a process that happens naturally on every forest floor. Done well, it turns kitchen scraps and garden waste into a free soil improver and keeps a good deal of rubbish out of the bin.</p>
    <p>The key is balance. Gardeners often talk about greens and browns: greens are moist, nitrogen-rich materials such as vegetable peelings, coffee grounds and fresh grass clippings, while browns are dry, carbon-rich items such as cardboard, straw and fallen leaves. A rough mix of equal volumes works for most heaps. Too many greens make a smelly, slimy mess; too many browns and nothing much happens.</p>
    <p>Microbes need both air and water. A heap should feel about as damp as a wrung-out sponge, so add water in dry weather and more browns if it becomes soggy. Turning the material with a fork every few weeks lets oxygen in and speeds decomposition considerably. Heaps that are never turned still rot eventually, but they may take a year or more.</p>
    <p>Some things are best left out of a home heap. Meat, fish and dairy products attract rats and foxes, and cooked food can do the same. Diseased plants and the roots of persistent weeds such as bindweed may survive a cool heap and be spread around the garden later. Glossy printed paper and anything treated with chemicals should also go elsewhere.</p>
    <p>Compost is ready when it looks and smells like rich woodland soil and the original ingredients are no longer recognisable, apart perhaps from the odd eggshell or twig. Spread it as a mulch around shrubs, dig it into vegetable beds or sieve it for use in pots. Even a small heap in the corner of a yard can produce several barrow loads a year.</p>
  </article>
  <footer>
    <p>© 2024 Allotment Diary. All rights reserved.</p>
    <p><a href="/about">About</a> · <a href="/contact">Contact</a> · <a href="/privacy">Privacy</a></p>
  </footer>
</body>
</html>""",
        "main_text": (
            "Compost is simply organic material that has been broken down by bacteria, fungi, worms and countless other small creatures into a dark, crumbly substance that plants love. A garden heap speeds up a process that happens naturally on every forest floor. Done well, it turns kitchen scraps and garden waste into a free soil improver and keeps a good deal of rubbish out of the bin.\n"
            "The key is balance. Gardeners often talk about greens and browns: greens are moist, nitrogen-rich materials such as vegetable peelings, coffee grounds and fresh grass clippings, while browns are dry, carbon-rich items such as cardboard, straw and fallen leaves. A rough mix of equal volumes works for most heaps. Too many greens make a smelly, slimy mess; too many browns and nothing much happens.\n"
            "Microbes need both air and water. A heap should feel about as damp as a wrung-out sponge, so add water in dry weather and more browns if it becomes soggy. Turning the material with a fork every few weeks lets oxygen in and speeds decomposition considerably. Heaps that are never turned still rot eventually, but they may take a year or more.\n"
            "Some things are best left out of a home heap. Meat, fish and dairy products attract rats and foxes, and cooked food can do the same. Diseased plants and the roots of persistent weeds such as bindweed may survive a cool heap and be spread around the garden later. Glossy printed paper and anything treated with chemicals should also go elsewhere.\n"
            "Compost is ready when it looks and smells like rich woodland soil and the original ingredients are no longer recognisable, apart perhaps from the odd eggshell or twig. Spread it as a mulch around shrubs, dig it into vegetable beds or sieve it for use in pots. Even a small heap in the corner of a yard can produce several barrow loads a year."
        ),
    },
    {
        "url": "https://dark-sky-club.example/first-night-out",
        "kind": "article",
        "lang": "en",
        "html": """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Your First Night Under the Stars | Dark Sky Club</title>
</head>
<body>
  <header>
    <a class="logo" href="/">Dark Sky Club</a>
    <nav>
      <a href="/">Home</a>
      <a href="/sky-this-month">Sky This Month</a>
      <a href="/equipment">Equipment</a>
      <a href="/events">Events</a>
      <a href="/join">Join</a>
    </nav>
  </header>
  <article>
    <h1>Your First Night Under the Stars</h1>
    <p>You do not need a telescope to enjoy the night sky. A clear evening, a warm coat and a little patience are enough to see thousands of stars, several planets and, from a dark site, the faint band of the Milky Way. Many experienced observers recommend spending the first few months with the naked eye and a simple star chart before buying any equipment.</p>
    <p>Darkness is the most important ingredient. Light from streetlamps and buildings washes out faint objects, so even a short drive away from town can make a dramatic difference. Choose a night near new moon, when moonlight will not brighten the sky, and check the weather forecast for clear conditions. High ground away from valleys often offers steadier, drier air.</p>
    <p>Your eyes need time to adjust. It takes around twenty to thirty minutes for them to become fully dark-adapted, and a single glance at a bright phone screen can undo much of that progress. Astronomers use dim red torches to read charts because red light disturbs night vision far less than white light. Many phones now offer a red-tinted night mode for the same purpose.</p>
    <p>Start with the easy landmarks. In the northern hemisphere the seven bright stars of the Plough, part of Ursa Major, point towards Polaris, the Pole Star. From there you can hop to other constellations by following simple lines and shapes. Planets are usually easy to tell apart from stars because they shine with a steady light rather than twinkling.</p>
    <p>When you are ready for more, a pair of ordinary binoculars is the ideal next step. They reveal the craters along the edge of the Moon, the four largest moons of Jupiter and star clusters that look like scattered sugar. Binoculars are cheap, portable and easy to use, and they will remain useful long after you have bought your first telescope.</p>
  </article>
  <footer>
    <p>© 2024 Dark Sky Club. All rights reserved.</p>
    <p><a href="/about">About</a> · <a href="/contact">Contact</a> · <a href="/privacy">Privacy</a></p>
  </footer>
</body>
</html>""",
        "main_text": (
            "You do not need a telescope to enjoy the night sky. A clear evening, a warm coat and a little patience are enough to see thousands of stars, several planets and, from a dark site, the faint band of the Milky Way. Many experienced observers recommend spending the first few months with the naked eye and a simple star chart before buying any equipment.\n"
            "Darkness is the most important ingredient. Light from streetlamps and buildings washes out faint objects, so even a short drive away from town can make a dramatic difference. Choose a night near new moon, when moonlight will not brighten the sky, and check the weather forecast for clear conditions. High ground away from valleys often offers steadier, drier air.\n"
            "Your eyes need time to adjust. It takes around twenty to thirty minutes for them to become fully dark-adapted, and a single glance at a bright phone screen can undo much of that progress. Astronomers use dim red torches to read charts because red light disturbs night vision far less than white light. Many phones now offer a red-tinted night mode for the same purpose.\n"
            "Start with the easy landmarks. In the northern hemisphere the seven bright stars of the Plough, part of Ursa Major, point towards Polaris, the Pole Star. From there you can hop to other constellations by following simple lines and shapes. Planets are usually easy to tell apart from stars because they shine with a steady light rather than twinkling.\n"
            "When you are ready for more, a pair of ordinary binoculars is the ideal next step. They reveal the craters along the edge of the Moon, the four largest moons of Jupiter and star clusters that look like scattered sugar. Binoculars are cheap, portable and easy to use, and they will remain useful long after you have bought your first telescope."
        ),
    },
    {
        "url": "https://workbench-journal.example/fixing-a-wobbly-chair",
        "kind": "article",
        "lang": "en",
        "html": """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Repairing a Wobbly Wooden Chair | Workbench Journal</title>
</head>
<body>
  <header>
    <a class="logo" href="/">Workbench Journal</a>
    <nav>
      <a href="/">Home</a>
      <a href="/furniture">Furniture</a>
      <a href="/finishing">Finishing</a>
      <a href="/hand-tools">Hand Tools</a>
      <a href="/workshop">Workshop</a>
      <a href="/about">About</a>
    </nav>
  </header>
  <article>
    <h1>Repairing a Wobbly Wooden Chair</h1>
    <p>A wobbly wooden chair is one of the most common furniture repairs, and also one of the most satisfying. In most cases the wood itself is sound and the problem lies in the joints, where the glue has dried out and the rails and legs have begun to move. Left alone, the movement grows worse with every use, so it pays to deal with it early.</p>
    <p>Start by identifying which joints are loose. Turn the chair upside down, hold each leg in turn and gently twist it while watching where the wood moves. Mark the loose joints with a pencil or a piece of tape. Often several are affected, and it is usually easier to take the whole frame apart than to repair joints one at a time.</p>
    <p>Knock the loose parts apart with a rubber mallet, working slowly and protecting the wood with a scrap block. Then comes the tedious but essential step: removing all the old glue. Fresh glue does not bond well to old glue, so scrape the tenons and sockets clean with a chisel or a small file, taking care not to remove wood and make the joint looser.</p>
    <p>Traditional chairs were often assembled with hide glue, which can be softened with warm water and reversed by a future restorer. Modern wood glue is stronger and easier to find but cannot be undone as easily. Whichever you choose, apply it to both surfaces, reassemble the frame and clamp it, using a strap clamp to pull all the joints together evenly.</p>
    <p>Before the glue sets, stand the chair on a flat surface and check that all four legs touch the ground and that the frame is square. Wipe away any squeeze-out with a damp cloth, then leave the chair clamped overnight. Once the glue has fully cured, the chair should be as solid as the day it was made and ready for many more years of use.</p>
  </article>
  <footer>
    <p>© 2024 Workbench Journal. All rights reserved.</p>
    <p><a href="/about">About</a> · <a href="/contact">Contact</a> · <a href="/privacy">Privacy</a></p>
  </footer>
</body>
</html>""",
        "main_text": (
            "A wobbly wooden chair is one of the most common furniture repairs, and also one of the most satisfying. In most cases the wood itself is sound and the problem lies in the joints, where the glue has dried out and the rails and legs have begun to move. Left alone, the movement grows worse with every use, so it pays to deal with it early.\n"
            "Start by identifying which joints are loose. Turn the chair upside down, hold each leg in turn and gently twist it while watching where the wood moves. Mark the loose joints with a pencil or a piece of tape. Often several are affected, and it is usually easier to take the whole frame apart than to repair joints one at a time.\n"
            "Knock the loose parts apart with a rubber mallet, working slowly and protecting the wood with a scrap block. Then comes the tedious but essential step: removing all the old glue. Fresh glue does not bond well to old glue, so scrape the tenons and sockets clean with a chisel or a small file, taking care not to remove wood and make the joint looser.\n"
            "Traditional chairs were often assembled with hide glue, which can be softened with warm water and reversed by a future restorer. Modern wood glue is stronger and easier to find but cannot be undone as easily. Whichever you choose, apply it to both surfaces, reassemble the frame and clamp it, using a strap clamp to pull all the joints together evenly.\n"
            "Before the glue sets, stand the chair on a flat surface and check that all four legs touch the ground and that the frame is square. Wipe away any squeeze-out with a damp cloth, then leave the chair clamped overnight. Once the glue has fully cured, the chair should be as solid as the day it was made and ready for many more years of use."
        ),
    },
    {
        "url": "https://dailyhome-tips.example/blog/2023/04/clean-cast-iron-pan",
        "kind": "boilerplate",
        "lang": "en",
        "html": """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>How to Clean a Cast Iron Pan - DailyHome Tips</title>
</head>
<body>
  <div id="cookie-consent" class="cookie-banner">
    <p>We use cookies to improve your experience, personalise content and ads, and analyse our traffic. By clicking "Accept all" you consent to our use of cookies.</p>
    <button>Accept all</button>
    <button>Manage preferences</button>
  </div>
  <header class="site-header">
    <a class="logo" href="/">DailyHome Tips</a>
    <form class="search" action="/search"><input type="search" name="q" placeholder="Search"><button>Go</button></form>
    <nav class="main-menu">
      <ul>
        <li><a href="/home">Home</a></li>
        <li><a href="/kitchen">Kitchen</a></li>
        <li><a href="/cleaning">Cleaning</a></li>
        <li><a href="/laundry">Laundry</a></li>
        <li><a href="/garden">Garden</a></li>
        <li><a href="/diy">DIY</a></li>
        <li><a href="/decor">Decor</a></li>
        <li><a href="/organising">Organising</a></li>
        <li><a href="/budget">Budget</a></li>
        <li><a href="/recipes">Recipes</a></li>
        <li><a href="/seasonal">Seasonal</a></li>
        <li><a href="/pets">Pets</a></li>
        <li><a href="/kids">Kids</a></li>
        <li><a href="/gadgets">Gadgets</a></li>
        <li><a href="/reviews">Reviews</a></li>
        <li><a href="/deals">Deals</a></li>
        <li><a href="/videos">Videos</a></li>
        <li><a href="/podcast">Podcast</a></li>
        <li><a href="/forum">Forum</a></li>
        <li><a href="/shop">Shop</a></li>
        <li><a href="/about">About</a></li>
        <li><a href="/contact">Contact</a></li>
        <li><a href="/write-for-us">Write for Us</a></li>
        <li><a href="/advertise">Advertise</a></li>
      </ul>
    </nav>
  </header>
  <div class="ad-banner">Advertisement</div>
  <main>
    <article>
      <h1>How to Clean a Cast Iron Pan</h1>
      <p class="byline">By DailyHome Staff | Updated 14 April 2023 | 3 min read</p>
      <div class="share-top">
        <a href="#share-facebook">Share on Facebook</a>
        <a href="#share-x">Share on X</a>
        <a href="#share-pinterest">Share on Pinterest</a>
      </div>
      <p>Cast iron pans reward a little care. After cooking, let the pan cool slightly, then rinse it with hot water and scrub away stuck food with a stiff brush or a handful of coarse salt. A small amount of mild soap will not harm a well-seasoned surface, despite what many people believe.</p>
      <div class="ad-inline">Advertisement - Continue reading below</div>
      <p>The real enemy is moisture. Dry the pan thoroughly with a towel, then warm it on the hob for a minute to drive off any remaining water. While it is still warm, rub a few drops of cooking oil over the inside with kitchen paper. This thin film protects the iron from rust until the next use.</p>
      <div class="share-bottom">
        <span>Share this article:</span>
        <a href="#share-facebook">Facebook</a>
        <a href="#share-x">X</a>
        <a href="#share-pinterest">Pinterest</a>
        <a href="#share-whatsapp">WhatsApp</a>
        <a href="#share-email">Email</a>
      </div>
    </article>
    <aside class="sidebar">
      <h2>Related posts</h2>
      <ul>
        <li><a href="/10-kitchen-hacks-you-wish-you-knew-sooner">10 Kitchen Hacks You Wish You Knew Sooner</a></li>
        <li><a href="/the-only-oven-cleaning-guide-you-need">The Only Oven Cleaning Guide You Need</a></li>
        <li><a href="/why-your-non-stick-pan-is-peeling">Why Your Non-Stick Pan Is Peeling</a></li>
        <li><a href="/best-wooden-spoons-of-the-year">Best Wooden Spoons of the Year</a></li>
        <li><a href="/how-to-descale-a-kettle-in-5-minutes">How to Descale a Kettle in 5 Minutes</a></li>
        <li><a href="/our-favourite-one-pan-dinners">Our Favourite One-Pan Dinners</a></li>
      </ul>
      <form class="newsletter" action="/newsletter/subscribe" method="post">
        <h3>Never miss a tip!</h3>
        <p>Join 50,000 readers and get our best home hacks in your inbox every Friday.</p>
        <input type="email" name="email" placeholder="Enter your email address">
        <button type="submit">Subscribe</button>
        <small>By subscribing you agree to our Terms and Privacy Policy.</small>
      </form>
      <div class="ad-sidebar">Sponsored</div>
    </aside>
  </main>
  <footer class="site-footer">
    <nav class="footer-links">
      <ul>
        <li><a href="/privacy-policy">Privacy Policy</a></li>
        <li><a href="/terms-of-use">Terms of Use</a></li>
        <li><a href="/cookie-policy">Cookie Policy</a></li>
        <li><a href="/accessibility">Accessibility</a></li>
        <li><a href="/do-not-sell-my-personal-information">Do Not Sell My Personal Information</a></li>
        <li><a href="/affiliate-disclosure">Affiliate Disclosure</a></li>
        <li><a href="/sitemap">Sitemap</a></li>
        <li><a href="/careers">Careers</a></li>
        <li><a href="/press">Press</a></li>
        <li><a href="/contact-us">Contact Us</a></li>
      </ul>
    </nav>
    <p class="social">Follow us: <a href="#">Facebook</a> <a href="#">Instagram</a> <a href="#">YouTube</a> <a href="#">TikTok</a></p>
    <p>© 2023 DailyHome Media Ltd. All rights reserved. DailyHome Tips may earn a commission from purchases made through links on this page.</p>
  </footer>
  <script src="/assets/js/analytics.min.js" async></script>
</body>
</html>""",
        "main_text": (
            "Cast iron pans reward a little care. After cooking, let the pan cool slightly, then rinse it with hot water and scrub away stuck food with a stiff brush or a handful of coarse salt. A small amount of mild soap will not harm a well-seasoned surface, despite what many people believe.\n"
            "The real enemy is moisture. Dry the pan thoroughly with a towel, then warm it on the hob for a minute to drive off any remaining water. While it is still warm, rub a few drops of cooking oil over the inside with kitchen paper. This thin film protects the iron from rust until the next use."
        ),
    },
    {
        "url": "https://trendwire-lifestyle.example/articles/houseplants-in-winter",
        "kind": "boilerplate",
        "lang": "en",
        "html": """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Helping Houseplants Through the Winter - TrendWire Lifestyle</title>
</head>
<body>
  <div id="cookie-consent" class="cookie-banner">
    <p>This site uses cookies and similar technologies to store information on your device for personalised advertising, measurement and site functionality. You can change your choices at any time by visiting Privacy Settings.</p>
    <button>I agree</button>
    <button>Reject non-essential</button>
    <button>Privacy settings</button>
  </div>
  <header class="site-header">
    <a class="logo" href="/">TrendWire Lifestyle</a>
    <form class="search" action="/search"><input type="search" name="q" placeholder="Search"><button>Go</button></form>
    <nav class="main-menu">
      <ul>
        <li><a href="/news">News</a></li>
        <li><a href="/home">Home</a></li>
        <li><a href="/style">Style</a></li>
        <li><a href="/beauty">Beauty</a></li>
        <li><a href="/wellness">Wellness</a></li>
        <li><a href="/food">Food</a></li>
        <li><a href="/travel">Travel</a></li>
        <li><a href="/plants">Plants</a></li>
        <li><a href="/money">Money</a></li>
        <li><a href="/relationships">Relationships</a></li>
        <li><a href="/parenting">Parenting</a></li>
        <li><a href="/tech">Tech</a></li>
        <li><a href="/culture">Culture</a></li>
        <li><a href="/celebrity">Celebrity</a></li>
        <li><a href="/horoscopes">Horoscopes</a></li>
        <li><a href="/quizzes">Quizzes</a></li>
        <li><a href="/shopping">Shopping</a></li>
        <li><a href="/gift-guides">Gift Guides</a></li>
        <li><a href="/newsletters">Newsletters</a></li>
        <li><a href="/events">Events</a></li>
        <li><a href="/video">Video</a></li>
        <li><a href="/subscribe">Subscribe</a></li>
      </ul>
    </nav>
  </header>
  <div class="ad-banner">Advertisement</div>
  <main>
    <article>
      <h1>Helping Houseplants Through the Winter</h1>
      <p class="byline">Written by the TrendWire Home Desk | 9 December 2023</p>
      <div class="share-top">
        <a href="#share-facebook">Share on Facebook</a>
        <a href="#share-x">Share on X</a>
        <a href="#share-pinterest">Share on Pinterest</a>
      </div>
      <p>Most houseplants slow their growth in winter as daylight shortens, and they need far less water than in summer. Overwatering at this time of year is the most common cause of yellow leaves and rotting roots. Before watering, push a finger into the compost; if it still feels damp a few centimetres down, wait.</p>
      <div class="ad-inline">Advertisement - Continue reading below</div>
      <p>Light matters more than heat. Move plants closer to bright windows, but keep them away from cold glass at night and from radiators, which dry the air. Grouping pots together raises humidity around the leaves, and wiping dust off broad foliage helps them make the most of weak winter sun.</p>
      <p>Hold off on fertiliser until spring. A plant that is barely growing cannot use extra nutrients, and the salts simply build up in the compost. When new leaves appear in March or April, resume feeding at half strength and gradually return to the usual routine.</p>
      <div class="share-bottom">
        <span>Share this article:</span>
        <a href="#share-facebook">Facebook</a>
        <a href="#share-x">X</a>
        <a href="#share-pinterest">Pinterest</a>
        <a href="#share-reddit">Reddit</a>
        <a href="#share-copy-link">Copy link</a>
      </div>
    </article>
    <aside class="sidebar">
      <h2>You might also like</h2>
      <ul>
        <li><a href="/the-12-hardest-houseplants-to-kill">The 12 Hardest Houseplants to Kill</a></li>
        <li><a href="/is-your-monstera-getting-enough-light">Is Your Monstera Getting Enough Light?</a></li>
        <li><a href="/cosy-winter-living-room-ideas-under-100">Cosy Winter Living Room Ideas Under £100</a></li>
        <li><a href="/what-your-favourite-plant-says-about-you">What Your Favourite Plant Says About You</a></li>
        <li><a href="/we-tried-every-self-watering-pot-so-you-dont-have-to">We Tried Every Self-Watering Pot So You Don't Have To</a></li>
        <li><a href="/pet-safe-plants-for-small-flats">Pet-Safe Plants for Small Flats</a></li>
        <li><a href="/trending-now-moss-walls">Trending Now: Moss Walls</a></li>
      </ul>
      <form class="newsletter" action="/newsletter/subscribe" method="post">
        <h3>Sign up for TrendWire Daily</h3>
        <p>The stories everyone is talking about, delivered before breakfast. Unsubscribe at any time.</p>
        <input type="email" name="email" placeholder="Enter your email address">
        <button type="submit">Sign me up</button>
        <small>By subscribing you agree to our Terms and Privacy Policy.</small>
      </form>
      <div class="ad-sidebar">Sponsored</div>
    </aside>
  </main>
  <footer class="site-footer">
    <nav class="footer-links">
      <ul>
        <li><a href="/about-us">About Us</a></li>
        <li><a href="/contact">Contact</a></li>
        <li><a href="/privacy-notice">Privacy Notice</a></li>
        <li><a href="/cookie-settings">Cookie Settings</a></li>
        <li><a href="/terms-and-conditions">Terms and Conditions</a></li>
        <li><a href="/editorial-standards">Editorial Standards</a></li>
        <li><a href="/complaints">Complaints</a></li>
        <li><a href="/advertise-with-us">Advertise With Us</a></li>
        <li><a href="/modern-slavery-statement">Modern Slavery Statement</a></li>
        <li><a href="/accessibility-statement">Accessibility Statement</a></li>
        <li><a href="/sitemap">Sitemap</a></li>
      </ul>
    </nav>
    <p class="social">Follow us: <a href="#">Facebook</a> <a href="#">Instagram</a> <a href="#">YouTube</a> <a href="#">TikTok</a></p>
    <p>© 2023 TrendWire Media Group. All rights reserved. Registered in England and Wales.</p>
  </footer>
  <script src="/assets/js/analytics.min.js" async></script>
</body>
</html>""",
        "main_text": (
            "Most houseplants slow their growth in winter as daylight shortens, and they need far less water than in summer. Overwatering at this time of year is the most common cause of yellow leaves and rotting roots. Before watering, push a finger into the compost; if it still feels damp a few centimetres down, wait.\n"
            "Light matters more than heat. Move plants closer to bright windows, but keep them away from cold glass at night and from radiators, which dry the air. Grouping pots together raises humidity around the leaves, and wiping dust off broad foliage helps them make the most of weak winter sun.\n"
            "Hold off on fertiliser until spring. A plant that is barely growing cannot use extra nutrients, and the salts simply build up in the compost. When new leaves appear in March or April, resume feeding at half strength and gradually return to the usual routine."
        ),
    },
    {
        "url": "https://clickbuzz-travel.example/stories/packing-light-carry-on",
        "kind": "boilerplate",
        "lang": "en",
        "html": """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Packing Light: One Bag for a Week - ClickBuzz Travel</title>
</head>
<body>
  <div id="cookie-consent" class="cookie-banner">
    <p>ClickBuzz and our 214 partners use cookies to deliver, measure and improve our services and to show you relevant ads. Select "Accept" to agree or "Customise" to choose which partners may process your data.</p>
    <button>Accept</button>
    <button>Customise</button>
  </div>
  <header class="site-header">
    <a class="logo" href="/">ClickBuzz Travel</a>
    <form class="search" action="/search"><input type="search" name="q" placeholder="Search"><button>Go</button></form>
    <nav class="main-menu">
      <ul>
        <li><a href="/home">Home</a></li>
        <li><a href="/destinations">Destinations</a></li>
        <li><a href="/europe">Europe</a></li>
        <li><a href="/asia">Asia</a></li>
        <li><a href="/americas">Americas</a></li>
        <li><a href="/africa">Africa</a></li>
        <li><a href="/oceania">Oceania</a></li>
        <li><a href="/city-breaks">City Breaks</a></li>
        <li><a href="/beaches">Beaches</a></li>
        <li><a href="/road-trips">Road Trips</a></li>
        <li><a href="/budget-travel">Budget Travel</a></li>
        <li><a href="/luxury">Luxury</a></li>
        <li><a href="/family">Family</a></li>
        <li><a href="/solo">Solo</a></li>
        <li><a href="/packing">Packing</a></li>
        <li><a href="/travel-hacks">Travel Hacks</a></li>
        <li><a href="/deals">Deals</a></li>
        <li><a href="/hotels">Hotels</a></li>
        <li><a href="/flights">Flights</a></li>
        <li><a href="/insurance">Insurance</a></li>
        <li><a href="/photo-galleries">Photo Galleries</a></li>
        <li><a href="/newsletter">Newsletter</a></li>
        <li><a href="/log-in">Log in</a></li>
      </ul>
    </nav>
  </header>
  <div class="ad-banner">Advertisement</div>
  <main>
    <article>
      <h1>Packing Light: One Bag for a Week</h1>
      <p class="byline">Travel Team | 22 June 2024 | Sponsored links may appear in this article</p>
      <div class="share-top">
        <a href="#share-facebook">Share on Facebook</a>
        <a href="#share-x">Share on X</a>
        <a href="#share-whatsapp">Share on WhatsApp</a>
      </div>
      <p>Travelling with only a carry-on bag saves time at the airport and makes it far easier to move between trains, buses and narrow streets. The trick is to plan outfits rather than individual items. Choose clothes in two or three colours that all work together, so every top matches every pair of trousers.</p>
      <div class="ad-inline">Advertisement - Continue reading below</div>
      <p>Roll soft garments instead of folding them, and use small packing cubes to keep categories separate. Wear your bulkiest shoes and jacket on the journey. Toiletries can be decanted into small bottles, and most hotels provide soap. Anything forgotten can almost always be bought at the destination for a few euros.</p>
      <div class="share-bottom">
        <span>Share this article:</span>
        <a href="#share-facebook">Facebook</a>
        <a href="#share-x">X</a>
        <a href="#share-whatsapp">WhatsApp</a>
        <a href="#share-messenger">Messenger</a>
        <a href="#share-email">Email</a>
        <a href="#share-print">Print</a>
      </div>
    </article>
    <aside class="sidebar">
      <h2>More from ClickBuzz Travel</h2>
      <ul>
        <li><a href="/25-places-to-visit-before-they-get-too-popular">25 Places to Visit Before They Get Too Popular</a></li>
        <li><a href="/the-airport-lounge-secret-nobody-talks-about">The Airport Lounge Secret Nobody Talks About</a></li>
        <li><a href="/is-this-the-best-travel-pillow-ever-made">Is This the Best Travel Pillow Ever Made?</a></li>
        <li><a href="/cheapest-weekend-breaks-this-summer">Cheapest Weekend Breaks This Summer</a></li>
        <li><a href="/what-flight-attendants-never-pack">What Flight Attendants Never Pack</a></li>
        <li><a href="/photos-the-worlds-most-colourful-streets">Photos: The World's Most Colourful Streets</a></li>
      </ul>
      <form class="newsletter" action="/newsletter/subscribe" method="post">
        <h3>Get travel deals first</h3>
        <p>Exclusive offers and inspiration straight to your inbox. We never share your email.</p>
        <input type="email" name="email" placeholder="Enter your email address">
        <button type="submit">Join now</button>
        <small>By subscribing you agree to our Terms and Privacy Policy.</small>
      </form>
      <div class="ad-sidebar">Sponsored</div>
    </aside>
  </main>
  <footer class="site-footer">
    <nav class="footer-links">
      <ul>
        <li><a href="/privacy-policy">Privacy Policy</a></li>
        <li><a href="/terms-of-service">Terms of Service</a></li>
        <li><a href="/cookie-preferences">Cookie Preferences</a></li>
        <li><a href="/ad-choices">Ad Choices</a></li>
        <li><a href="/affiliate-policy">Affiliate Policy</a></li>
        <li><a href="/accessibility">Accessibility</a></li>
        <li><a href="/help-centre">Help Centre</a></li>
        <li><a href="/careers">Careers</a></li>
        <li><a href="/media-kit">Media Kit</a></li>
        <li><a href="/sitemap">Sitemap</a></li>
      </ul>
    </nav>
    <p class="social">Follow us: <a href="#">Facebook</a> <a href="#">Instagram</a> <a href="#">YouTube</a> <a href="#">TikTok</a></p>
    <p>© 2024 ClickBuzz Digital Inc. All rights reserved. Prices and availability subject to change.</p>
  </footer>
  <script src="/assets/js/analytics.min.js" async></script>
</body>
</html>""",
        "main_text": (
            "Travelling with only a carry-on bag saves time at the airport and makes it far easier to move between trains, buses and narrow streets. The trick is to plan outfits rather than individual items. Choose clothes in two or three colours that all work together, so every top matches every pair of trousers.\n"
            "Roll soft garments instead of folding them, and use small packing cubes to keep categories separate. Wear your bulkiest shoes and jacket on the journey. Toiletries can be decanted into small bottles, and most hotels provide soap. Anything forgotten can almost always be bought at the destination for a few euros."
        ),
    },
    {
        "url": "https://megaportal-news.example/science/2024/why-leaves-change-colour",
        "kind": "boilerplate",
        "lang": "en",
        "html": """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Why Leaves Change Colour in Autumn - MegaPortal News</title>
</head>
<body>
  <div id="cookie-consent" class="cookie-banner">
    <p>Your privacy matters to us. We and our advertising partners use cookies to personalise content, provide social media features and analyse traffic. Continue browsing or click OK to accept.</p>
    <button>OK</button>
    <button>More information</button>
  </div>
  <header class="site-header">
    <a class="logo" href="/">MegaPortal News</a>
    <form class="search" action="/search"><input type="search" name="q" placeholder="Search"><button>Go</button></form>
    <nav class="main-menu">
      <ul>
        <li><a href="/top-stories">Top Stories</a></li>
        <li><a href="/world">World</a></li>
        <li><a href="/business">Business</a></li>
        <li><a href="/markets">Markets</a></li>
        <li><a href="/politics">Politics</a></li>
        <li><a href="/science">Science</a></li>
        <li><a href="/health">Health</a></li>
        <li><a href="/environment">Environment</a></li>
        <li><a href="/technology">Technology</a></li>
        <li><a href="/sport">Sport</a></li>
        <li><a href="/football">Football</a></li>
        <li><a href="/entertainment">Entertainment</a></li>
        <li><a href="/arts">Arts</a></li>
        <li><a href="/weather">Weather</a></li>
        <li><a href="/local">Local</a></li>
        <li><a href="/opinion">Opinion</a></li>
        <li><a href="/puzzles">Puzzles</a></li>
        <li><a href="/podcasts">Podcasts</a></li>
        <li><a href="/live-tv">Live TV</a></li>
        <li><a href="/sign-in">Sign in</a></li>
        <li><a href="/register">Register</a></li>
      </ul>
    </nav>
  </header>
  <div class="ad-banner">Advertisement</div>
  <main>
    <article>
      <h1>Why Leaves Change Colour in Autumn</h1>
      <p class="byline">Science desk | Published 18 October 2024, 07:45</p>
      <div class="share-top">
        <a href="#share-facebook">Share on Facebook</a>
        <a href="#share-x">Share on X</a>
        <a href="#share-linkedin">Share on LinkedIn</a>
      </div>
      <p>Leaves are green for most of the year because they are packed with chlorophyll, the pigment plants use to capture sunlight. As autumn days shorten and temperatures fall, deciduous trees stop producing chlorophyll and begin to break down what remains, reclaiming valuable nutrients before the leaves drop.</p>
      <div class="ad-inline">Advertisement - Continue reading below</div>
      <p>As the green fades, yellow and orange pigments called carotenoids, which were present all along, become visible. The vivid reds and purples of maples and sumacs come from anthocyanins, which some trees actively produce in autumn. Sunny days followed by cool, dry nights tend to produce the most brilliant displays.</p>
      <p>Eventually a layer of cells forms at the base of each leaf stalk, sealing it off from the branch. The leaf dries, loosens and falls, and the tree enters its winter rest with its nutrients safely stored until the following spring returns.</p>
      <div class="share-bottom">
        <span>Share this article:</span>
        <a href="#share-facebook">Facebook</a>
        <a href="#share-x">X</a>
        <a href="#share-linkedin">LinkedIn</a>
        <a href="#share-whatsapp">WhatsApp</a>
        <a href="#share-email">Email</a>
      </div>
    </article>
    <aside class="sidebar">
      <h2>Most read</h2>
      <ul>
        <li><a href="/comet-visible-to-the-naked-eye-this-weekend">Comet Visible to the Naked Eye This Weekend</a></li>
        <li><a href="/scientists-map-the-ocean-floor-in-record-detail">Scientists Map the Ocean Floor in Record Detail</a></li>
        <li><a href="/five-autumn-walks-to-try-this-month">Five Autumn Walks to Try This Month</a></li>
        <li><a href="/why-do-cats-knead-experts-explain">Why Do Cats Knead? Experts Explain</a></li>
        <li><a href="/quiz-how-well-do-you-know-your-trees">Quiz: How Well Do You Know Your Trees?</a></li>
        <li><a href="/weather-frost-warning-for-the-north">Weather: Frost Warning for the North</a></li>
        <li><a href="/opinion-we-should-all-rake-fewer-leaves">Opinion: We Should All Rake Fewer Leaves</a></li>
        <li><a href="/watch-time-lapse-of-a-forest-in-autumn">Watch: Time-Lapse of a Forest in Autumn</a></li>
      </ul>
      <form class="newsletter" action="/newsletter/subscribe" method="post">
        <h3>The Morning Brief</h3>
        <p>Start your day with the five stories you need to know. Free, every weekday.</p>
        <input type="email" name="email" placeholder="Enter your email address">
        <button type="submit">Sign up</button>
        <small>By subscribing you agree to our Terms and Privacy Policy.</small>
      </form>
      <div class="ad-sidebar">Sponsored</div>
    </aside>
  </main>
  <footer class="site-footer">
    <nav class="footer-links">
      <ul>
        <li><a href="/terms-of-use">Terms of Use</a></li>
        <li><a href="/about-megaportal">About MegaPortal</a></li>
        <li><a href="/privacy-policy">Privacy Policy</a></li>
        <li><a href="/cookies">Cookies</a></li>
        <li><a href="/accessibility-help">Accessibility Help</a></li>
        <li><a href="/parental-guidance">Parental Guidance</a></li>
        <li><a href="/contact-us">Contact Us</a></li>
        <li><a href="/advertise">Advertise</a></li>
        <li><a href="/corrections">Corrections</a></li>
        <li><a href="/syndication">Syndication</a></li>
        <li><a href="/jobs">Jobs</a></li>
      </ul>
    </nav>
    <p class="social">Follow us: <a href="#">Facebook</a> <a href="#">Instagram</a> <a href="#">YouTube</a> <a href="#">TikTok</a></p>
    <p>© 2024 MegaPortal News Network. All rights reserved. MegaPortal is not responsible for the content of external sites.</p>
  </footer>
  <script src="/assets/js/analytics.min.js" async></script>
</body>
</html>""",
        "main_text": (
            "Leaves are green for most of the year because they are packed with chlorophyll, the pigment plants use to capture sunlight. As autumn days shorten and temperatures fall, deciduous trees stop producing chlorophyll and begin to break down what remains, reclaiming valuable nutrients before the leaves drop.\n"
            "As the green fades, yellow and orange pigments called carotenoids, which were present all along, become visible. The vivid reds and purples of maples and sumacs come from anthocyanins, which some trees actively produce in autumn. Sunny days followed by cool, dry nights tend to produce the most brilliant displays.\n"
            "Eventually a layer of cells forms at the base of each leaf stalk, sealing it off from the branch. The leaf dries, loosens and falls, and the tree enters its winter rest with its nutrients safely stored until the following spring returns."
        ),
    },
    {
        "url": "https://wanderwege-blog.example/de/wanderschuhe-pflegen",
        "kind": "foreign",
        "lang": "de",
        "html": """<!DOCTYPE html>
<html lang="de">
<head>
  <meta charset="utf-8">
  <title>Wanderschuhe richtig pflegen | Wanderwege Blog</title>
</head>
<body>
  <header>
    <a class="logo" href="/">Wanderwege Blog</a>
    <nav>
      <a href="/">Startseite</a>
      <a href="/touren">Touren</a>
      <a href="/ausruestung">Ausrüstung</a>
      <a href="/ueber-uns">Über uns</a>
    </nav>
  </header>
  <article>
    <h1>Wanderschuhe richtig pflegen</h1>
    <p>Gute Wanderschuhe sind eine Investition, die sich über viele Jahre auszahlt, wenn man sie richtig behandelt. Nach jeder Tour sollte man groben Schmutz entfernen, solange der Schlamm noch feucht ist und sich leicht löst. Eine weiche Bürste und lauwarmes Wasser reichen dafür meistens aus. Aggressive Reinigungsmittel oder gar die Waschmaschine schaden dagegen dem Leder und den Nähten.</p>
    <p>Nasse Schuhe dürfen niemals auf der Heizung oder direkt neben dem Ofen trocknen, denn zu viel Hitze macht das Leder brüchig und kann den Kleber der Sohle lösen. Besser ist es, die Einlegesohlen herauszunehmen, die Schuhe mit Zeitungspapier auszustopfen und sie an einem luftigen Ort bei Zimmertemperatur langsam trocknen zu lassen. Das Papier sollte man mehrmals wechseln.</p>
    <p>Sobald die Schuhe trocken sind, braucht das Leder Pflege. Ein passendes Wachs oder eine Lederpflege hält das Material geschmeidig und schützt es vor Feuchtigkeit. Bei Schuhen mit einer wasserdichten Membran ist es wichtig, Produkte zu verwenden, die die Atmungsaktivität nicht beeinträchtigen. Ein Blick in die Hinweise des Herstellers hilft, das richtige Mittel zu finden.</p>
    <p>Auch die Aufbewahrung spielt eine Rolle. Wanderschuhe gehören an einen trockenen, dunklen Ort und nicht in einen feuchten Keller, wo sich schnell Schimmel bilden kann. Wer vor der nächsten Saison noch einmal Schnürsenkel, Sohle und Nähte kontrolliert, erlebt unterwegs keine bösen Überraschungen und kann sich ganz auf den Weg konzentrieren.</p>
  </article>
  <footer>
    <p>© 2024 Wanderwege Blog. Alle Rechte vorbehalten.</p>
    <p><a href="/impressum">Impressum</a> · <a href="/datenschutz">Datenschutz</a> · <a href="/kontakt">Kontakt</a></p>
  </footer>
</body>
</html>""",
        "main_text": (
            "Gute Wanderschuhe sind eine Investition, die sich über viele Jahre auszahlt, wenn man sie richtig behandelt. Nach jeder Tour sollte man groben Schmutz entfernen, solange der Schlamm noch feucht ist und sich leicht löst. Eine weiche Bürste und lauwarmes Wasser reichen dafür meistens aus. Aggressive Reinigungsmittel oder gar die Waschmaschine schaden dagegen dem Leder und den Nähten.\n"
            "Nasse Schuhe dürfen niemals auf der Heizung oder direkt neben dem Ofen trocknen, denn zu viel Hitze macht das Leder brüchig und kann den Kleber der Sohle lösen. Besser ist es, die Einlegesohlen herauszunehmen, die Schuhe mit Zeitungspapier auszustopfen und sie an einem luftigen Ort bei Zimmertemperatur langsam trocknen zu lassen. Das Papier sollte man mehrmals wechseln.\n"
            "Sobald die Schuhe trocken sind, braucht das Leder Pflege. Ein passendes Wachs oder eine Lederpflege hält das Material geschmeidig und schützt es vor Feuchtigkeit. Bei Schuhen mit einer wasserdichten Membran ist es wichtig, Produkte zu verwenden, die die Atmungsaktivität nicht beeinträchtigen. Ein Blick in die Hinweise des Herstellers hilft, das richtige Mittel zu finden.\n"
            "Auch die Aufbewahrung spielt eine Rolle. Wanderschuhe gehören an einen trockenen, dunklen Ort und nicht in einen feuchten Keller, wo sich schnell Schimmel bilden kann. Wer vor der nächsten Saison noch einmal Schnürsenkel, Sohle und Nähte kontrolliert, erlebt unterwegs keine bösen Überraschungen und kann sich ganz auf den Weg konzentrieren."
        ),
    },
    {
        "url": "https://kuechenwissen.example/de/kraeuter-auf-dem-balkon",
        "kind": "foreign",
        "lang": "de",
        "html": """<!DOCTYPE html>
<html lang="de">
<head>
  <meta charset="utf-8">
  <title>Kräuter auf dem Balkon ziehen | Küchenwissen</title>
</head>
<body>
  <header>
    <a class="logo" href="/">Küchenwissen</a>
    <nav>
      <a href="/">Startseite</a>
      <a href="/rezepte">Rezepte</a>
      <a href="/garten">Garten</a>
      <a href="/vorratshaltung">Vorratshaltung</a>
      <a href="/kontakt">Kontakt</a>
    </nav>
  </header>
  <article>
    <h1>Kräuter auf dem Balkon ziehen</h1>
    <p>Frische Kräuter aus dem eigenen Anbau schmecken intensiver als gekaufte und sind jederzeit griffbereit. Schon ein kleiner Balkon bietet genug Platz für Basilikum, Schnittlauch, Petersilie und Thymian. Wichtig ist vor allem ein heller Standort, denn die meisten Küchenkräuter brauchen mindestens vier bis sechs Stunden Sonne am Tag, um ihr volles Aroma zu entwickeln.</p>
    <p>Mediterrane Kräuter wie Rosmarin, Thymian und Salbei stammen aus kargen, trockenen Gegenden. Sie fühlen sich in durchlässiger, eher magerer Erde wohl, der man etwas Sand beimischen kann. Staunässe vertragen sie überhaupt nicht, deshalb sollten die Töpfe unbedingt ein Abzugsloch haben. Gegossen wird erst, wenn die oberste Erdschicht deutlich angetrocknet ist.</p>
    <p>Basilikum und Petersilie sind dagegen durstiger und mögen nährstoffreiche, gleichmäßig feuchte Erde. Basilikum ist außerdem sehr kälteempfindlich und sollte erst nach den Eisheiligen Mitte Mai nach draußen ziehen. Wer regelmäßig die Triebspitzen abknipst, statt einzelne Blätter zu pflücken, fördert einen buschigen Wuchs und verzögert die Blüte. Beim Gießen sollte man die Blätter möglichst trocken halten.</p>
    <p>Im Herbst lassen sich viele Kräuter haltbar machen. Schnittlauch und Petersilie kann man fein hacken und in Eiswürfelschalen einfrieren, während Thymian und Oregano an einem schattigen, luftigen Ort gut trocknen. Mehrjährige Pflanzen wie Salbei und Schnittlauch überstehen den Winter meist an einer geschützten Hauswand und treiben im Frühjahr wieder aus.</p>
  </article>
  <footer>
    <p>© 2024 Küchenwissen. Alle Rechte vorbehalten.</p>
    <p><a href="/impressum">Impressum</a> · <a href="/datenschutzerklaerung">Datenschutzerklärung</a></p>
  </footer>
</body>
</html>""",
        "main_text": (
            "Frische Kräuter aus dem eigenen Anbau schmecken intensiver als gekaufte und sind jederzeit griffbereit. Schon ein kleiner Balkon bietet genug Platz für Basilikum, Schnittlauch, Petersilie und Thymian. Wichtig ist vor allem ein heller Standort, denn die meisten Küchenkräuter brauchen mindestens vier bis sechs Stunden Sonne am Tag, um ihr volles Aroma zu entwickeln.\n"
            "Mediterrane Kräuter wie Rosmarin, Thymian und Salbei stammen aus kargen, trockenen Gegenden. Sie fühlen sich in durchlässiger, eher magerer Erde wohl, der man etwas Sand beimischen kann. Staunässe vertragen sie überhaupt nicht, deshalb sollten die Töpfe unbedingt ein Abzugsloch haben. Gegossen wird erst, wenn die oberste Erdschicht deutlich angetrocknet ist.\n"
            "Basilikum und Petersilie sind dagegen durstiger und mögen nährstoffreiche, gleichmäßig feuchte Erde. Basilikum ist außerdem sehr kälteempfindlich und sollte erst nach den Eisheiligen Mitte Mai nach draußen ziehen. Wer regelmäßig die Triebspitzen abknipst, statt einzelne Blätter zu pflücken, fördert einen buschigen Wuchs und verzögert die Blüte. Beim Gießen sollte man die Blätter möglichst trocken halten.\n"
            "Im Herbst lassen sich viele Kräuter haltbar machen. Schnittlauch und Petersilie kann man fein hacken und in Eiswürfelschalen einfrieren, während Thymian und Oregano an einem schattigen, luftigen Ort gut trocknen. Mehrjährige Pflanzen wie Salbei und Schnittlauch überstehen den Winter meist an einer geschützten Hauswand und treiben im Frühjahr wieder aus."
        ),
    },
    {
        "url": "https://carnet-de-cuisine.example/fr/pain-perdu",
        "kind": "foreign",
        "lang": "fr",
        "html": """<!DOCTYPE html>
<html lang="fr">
<head>
  <meta charset="utf-8">
  <title>Le pain perdu, une recette anti-gaspillage | Carnet de cuisine</title>
</head>
<body>
  <header>
    <a class="logo" href="/">Carnet de cuisine</a>
    <nav>
      <a href="/">Accueil</a>
      <a href="/recettes">Recettes</a>
      <a href="/astuces">Astuces</a>
      <a href="/contact">Contact</a>
    </nav>
  </header>
  <article>
    <h1>Le pain perdu, une recette anti-gaspillage</h1>
    <p>Le pain perdu est né d'une idée simple : ne jamais jeter le pain rassis. Autrefois, dans les familles modestes, on trempait les tranches de la veille dans du lait et des œufs pour leur redonner du moelleux. Ce dessert économique, que l'on retrouve sous différents noms dans de nombreux pays, est aujourd'hui servi aussi bien à la maison que dans les restaurants.</p>
    <p>Pour quatre personnes, il faut environ huit tranches de pain un peu sec, un demi-litre de lait, trois œufs, deux cuillerées de sucre et une pincée de cannelle. On fouette les œufs avec le sucre, puis on ajoute le lait tiède. Une baguette de deux ou trois jours convient parfaitement, car sa mie absorbe le mélange sans se défaire.</p>
    <p>Les tranches doivent tremper quelques secondes de chaque côté, pas davantage, sinon elles deviennent trop molles et se brisent dans la poêle. On les fait ensuite dorer dans du beurre à feu moyen, environ deux minutes par face, jusqu'à ce qu'elles soient bien croustillantes à l'extérieur et fondantes à l'intérieur.</p>
    <p>On peut servir le pain perdu nature, simplement saupoudré de sucre, ou l'accompagner de fruits de saison, de confiture ou d'un filet de sirop d'érable. Certains cuisiniers préfèrent une version salée, avec du fromage râpé et des herbes à la place du sucre. Dans tous les cas, c'est une excellente façon de donner une seconde vie au pain.</p>
  </article>
  <footer>
    <p>© 2024 Carnet de cuisine. Tous droits réservés.</p>
    <p><a href="/mentions-legales">Mentions légales</a> · <a href="/politique-de-confidentialite">Politique de confidentialité</a></p>
  </footer>
</body>
</html>""",
        "main_text": (
            "Le pain perdu est né d'une idée simple : ne jamais jeter le pain rassis. Autrefois, dans les familles modestes, on trempait les tranches de la veille dans du lait et des œufs pour leur redonner du moelleux. Ce dessert économique, que l'on retrouve sous différents noms dans de nombreux pays, est aujourd'hui servi aussi bien à la maison que dans les restaurants.\n"
            "Pour quatre personnes, il faut environ huit tranches de pain un peu sec, un demi-litre de lait, trois œufs, deux cuillerées de sucre et une pincée de cannelle. On fouette les œufs avec le sucre, puis on ajoute le lait tiède. Une baguette de deux ou trois jours convient parfaitement, car sa mie absorbe le mélange sans se défaire.\n"
            "Les tranches doivent tremper quelques secondes de chaque côté, pas davantage, sinon elles deviennent trop molles et se brisent dans la poêle. On les fait ensuite dorer dans du beurre à feu moyen, environ deux minutes par face, jusqu'à ce qu'elles soient bien croustillantes à l'extérieur et fondantes à l'intérieur.\n"
            "On peut servir le pain perdu nature, simplement saupoudré de sucre, ou l'accompagner de fruits de saison, de confiture ou d'un filet de sirop d'érable. Certains cuisiniers préfèrent une version salée, avec du fromage râpé et des herbes à la place du sucre. Dans tous les cas, c'est une excellente façon de donner une seconde vie au pain."
        ),
    },
    {
        "url": "https://huerto-urbano.example/es/tomates-en-maceta",
        "kind": "foreign",
        "lang": "es",
        "html": """<!DOCTYPE html>
<html lang="es">
<head>
  <meta charset="utf-8">
  <title>Cómo cultivar tomates en maceta | Huerto Urbano</title>
</head>
<body>
  <header>
    <a class="logo" href="/">Huerto Urbano</a>
    <nav>
      <a href="/">Inicio</a>
      <a href="/cultivos">Cultivos</a>
      <a href="/consejos">Consejos</a>
      <a href="/contacto">Contacto</a>
    </nav>
  </header>
  <article>
    <h1>Cómo cultivar tomates en maceta</h1>
    <p>Cultivar tomates en una terraza o un balcón es más sencillo de lo que parece. Basta con una maceta grande, de al menos veinte litros, un sustrato de buena calidad y un lugar que reciba sol directo durante seis u ocho horas al día. Las variedades de tipo cherry son especialmente recomendables para principiantes, porque crecen rápido y producen mucho.</p>
    <p>Conviene trasplantar las plántulas cuando ya no hay riesgo de heladas, normalmente a mediados de la primavera. Al plantarlas, se puede enterrar una parte del tallo, ya que el tomate desarrolla raíces nuevas a lo largo de la zona cubierta. Un tutor de caña o de madera, colocado desde el principio, ayudará a sostener la planta cuando empiece a cargar frutos.</p>
    <p>El riego debe ser regular y profundo. Las macetas se secan con rapidez en verano, y los cambios bruscos de humedad favorecen que los frutos se agrieten o que aparezca la podredumbre apical. Lo ideal es regar por la mañana, directamente sobre la tierra y sin mojar las hojas, para reducir el riesgo de enfermedades causadas por hongos.</p>
    <p>A partir de la floración, un abono rico en potasio mejora el sabor y la cantidad de la cosecha. Los tomates se recogen cuando tienen un color intenso y ceden ligeramente al presionarlos con los dedos. Si al final de la temporada quedan frutos verdes, pueden madurar dentro de casa, guardados en un lugar templado junto a unos plátanos.</p>
  </article>
  <footer>
    <p>© 2024 Huerto Urbano. Todos los derechos reservados.</p>
    <p><a href="/aviso-legal">Aviso legal</a> · <a href="/politica-de-privacidad">Política de privacidad</a></p>
  </footer>
</body>
</html>""",
        "main_text": (
            "Cultivar tomates en una terraza o un balcón es más sencillo de lo que parece. Basta con una maceta grande, de al menos veinte litros, un sustrato de buena calidad y un lugar que reciba sol directo durante seis u ocho horas al día. Las variedades de tipo cherry son especialmente recomendables para principiantes, porque crecen rápido y producen mucho.\n"
            "Conviene trasplantar las plántulas cuando ya no hay riesgo de heladas, normalmente a mediados de la primavera. Al plantarlas, se puede enterrar una parte del tallo, ya que el tomate desarrolla raíces nuevas a lo largo de la zona cubierta. Un tutor de caña o de madera, colocado desde el principio, ayudará a sostener la planta cuando empiece a cargar frutos.\n"
            "El riego debe ser regular y profundo. Las macetas se secan con rapidez en verano, y los cambios bruscos de humedad favorecen que los frutos se agrieten o que aparezca la podredumbre apical. Lo ideal es regar por la mañana, directamente sobre la tierra y sin mojar las hojas, para reducir el riesgo de enfermedades causadas por hongos.\n"
            "A partir de la floración, un abono rico en potasio mejora el sabor y la cantidad de la cosecha. Los tomates se recogen cuando tienen un color intenso y ceden ligeramente al presionarlos con los dedos. Si al final de la temporada quedan frutos verdes, pueden madurar dentro de casa, guardados en un lugar templado junto a unos plátanos."
        ),
    },
    {
        "url": "https://taccuino-di-viaggio.example/it/caffe-al-banco",
        "kind": "foreign",
        "lang": "it",
        "html": """<!DOCTYPE html>
<html lang="it">
<head>
  <meta charset="utf-8">
  <title>Il rito del caffè al banco | Taccuino di viaggio</title>
</head>
<body>
  <header>
    <a class="logo" href="/">Taccuino di viaggio</a>
    <nav>
      <a href="/">Home</a>
      <a href="/destinazioni">Destinazioni</a>
      <a href="/cucina">Cucina</a>
      <a href="/contatti">Contatti</a>
    </nav>
  </header>
  <article>
    <h1>Il rito del caffè al banco</h1>
    <p>In Italia il caffè non è soltanto una bevanda, ma un piccolo rito quotidiano. La maggior parte delle persone lo beve in piedi, al banco del bar, in pochi minuti. Si entra, si saluta il barista, si ordina un espresso e si scambiano due parole sul tempo o sulla partita della sera prima. Poi si paga e si riprende la giornata.</p>
    <p>Chi visita il paese per la prima volta resta spesso sorpreso dai prezzi. Al banco un espresso costa in genere poco più di un euro, mentre lo stesso caffè servito al tavolo può costare il doppio o anche di più, soprattutto nelle piazze più turistiche. In molti bar si paga prima alla cassa e si consegna lo scontrino al barista.</p>
    <p>Anche gli orari contano. Il cappuccino e gli altri caffè con molto latte si bevono quasi esclusivamente a colazione, spesso accompagnati da un cornetto. Ordinarne uno dopo pranzo o dopo cena non è vietato, naturalmente, ma molti italiani lo considerano un'abitudine curiosa. Dopo i pasti si preferisce un espresso, magari macchiato con una goccia di latte.</p>
    <p>Le varianti sono numerose. Il caffè ristretto è più corto e concentrato, quello lungo contiene più acqua, mentre il caffè corretto viene arricchito con un goccio di grappa o di un altro liquore. D'estate molti bar propongono il caffè shakerato, agitato con ghiaccio e zucchero e servito in un bicchiere da cocktail.</p>
  </article>
  <footer>
    <p>© 2024 Taccuino di viaggio. Tutti i diritti riservati.</p>
    <p><a href="/privacy">Privacy</a> · <a href="/note-legali">Note legali</a></p>
  </footer>
</body>
</html>""",
        "main_text": (
            "In Italia il caffè non è soltanto una bevanda, ma un piccolo rito quotidiano. La maggior parte delle persone lo beve in piedi, al banco del bar, in pochi minuti. Si entra, si saluta il barista, si ordina un espresso e si scambiano due parole sul tempo o sulla partita della sera prima. Poi si paga e si riprende la giornata.\n"
            "Chi visita il paese per la prima volta resta spesso sorpreso dai prezzi. Al banco un espresso costa in genere poco più di un euro, mentre lo stesso caffè servito al tavolo può costare il doppio o anche di più, soprattutto nelle piazze più turistiche. In molti bar si paga prima alla cassa e si consegna lo scontrino al barista.\n"
            "Anche gli orari contano. Il cappuccino e gli altri caffè con molto latte si bevono quasi esclusivamente a colazione, spesso accompagnati da un cornetto. Ordinarne uno dopo pranzo o dopo cena non è vietato, naturalmente, ma molti italiani lo considerano un'abitudine curiosa. Dopo i pasti si preferisce un espresso, magari macchiato con una goccia di latte.\n"
            "Le varianti sono numerose. Il caffè ristretto è più corto e concentrato, quello lungo contiene più acqua, mentre il caffè corretto viene arricchito con un goccio di grappa o di un altro liquore. D'estate molti bar propongono il caffè shakerato, agitato con ghiaccio e zucchero e servito in un bicchiere da cocktail."
        ),
    },
    {
        "url": "https://fietsland-weetjes.example/nl/fietsen-in-de-winter",
        "kind": "foreign",
        "lang": "nl",
        "html": """<!DOCTYPE html>
<html lang="nl">
<head>
  <meta charset="utf-8">
  <title>Veilig fietsen in de winter | Fietsland Weetjes</title>
</head>
<body>
  <header>
    <a class="logo" href="/">Fietsland Weetjes</a>
    <nav>
      <a href="/">Home</a>
      <a href="/fietsen">Fietsen</a>
      <a href="/onderhoud">Onderhoud</a>
      <a href="/contact">Contact</a>
    </nav>
  </header>
  <article>
    <h1>Veilig fietsen in de winter</h1>
    <p>In Nederland stappen veel mensen ook in de winter gewoon op de fiets. Met een paar eenvoudige voorzorgsmaatregelen blijft dat veilig en zelfs aangenaam. Het belangrijkste is dat je goed zichtbaar bent, want in de donkere maanden fiets je vaak in de schemering. Controleer daarom regelmatig of je voorlicht en achterlicht werken en neem reservebatterijen mee.</p>
    <p>Gladheid is het grootste gevaar. Op bruggen, fietspaden onder bomen en plekken in de schaduw kan nog ijs liggen wanneer de rest van de weg al droog lijkt. Rem voorzichtig, het liefst met de achterrem, en maak geen scherpe bochten. Wie het niet vertrouwt, kan beter een stukje lopen met de fiets aan de hand.</p>
    <p>Een iets lagere bandenspanning geeft meer grip op natte en gladde wegen. Voor mensen die dagelijks lange afstanden afleggen, kunnen speciale winterbanden met extra profiel of zelfs kleine spijkers een goede investering zijn. Vergeet daarnaast de ketting niet: strooizout is funest voor metaal, dus maak de fiets na een zoute rit even schoon en smeer de ketting opnieuw.</p>
    <p>Goede kleding maakt het verschil tussen afzien en genieten. Kies voor meerdere dunne lagen, zodat je iets kunt uittrekken wanneer je warm wordt, en bescherm je handen met winddichte handschoenen. Een regenbroek en een muts onder de capuchon houden wind en water buiten. Zo kom je droog en op tijd aan op je werk of school.</p>
  </article>
  <footer>
    <p>© 2024 Fietsland Weetjes. Alle rechten voorbehouden.</p>
    <p><a href="/privacybeleid">Privacybeleid</a> · <a href="/disclaimer">Disclaimer</a></p>
  </footer>
</body>
</html>""",
        "main_text": (
            "In Nederland stappen veel mensen ook in de winter gewoon op de fiets. Met een paar eenvoudige voorzorgsmaatregelen blijft dat veilig en zelfs aangenaam. Het belangrijkste is dat je goed zichtbaar bent, want in de donkere maanden fiets je vaak in de schemering. Controleer daarom regelmatig of je voorlicht en achterlicht werken en neem reservebatterijen mee.\n"
            "Gladheid is het grootste gevaar. Op bruggen, fietspaden onder bomen en plekken in de schaduw kan nog ijs liggen wanneer de rest van de weg al droog lijkt. Rem voorzichtig, het liefst met de achterrem, en maak geen scherpe bochten. Wie het niet vertrouwt, kan beter een stukje lopen met de fiets aan de hand.\n"
            "Een iets lagere bandenspanning geeft meer grip op natte en gladde wegen. Voor mensen die dagelijks lange afstanden afleggen, kunnen speciale winterbanden met extra profiel of zelfs kleine spijkers een goede investering zijn. Vergeet daarnaast de ketting niet: strooizout is funest voor metaal, dus maak de fiets na een zoute rit even schoon en smeer de ketting opnieuw.\n"
            "Goede kleding maakt het verschil tussen afzien en genieten. Kies voor meerdere dunne lagen, zodat je iets kunt uittrekken wanneer je warm wordt, en bescherm je handen met winddichte handschoenen. Een regenbroek en een muts onder de capuchon houden wind en water buiten. Zo kom je droog en op tijd aan op je werk of school."
        ),
    },
    {
        "url": "https://app-dashboard.example/overview",
        "kind": "near_empty",
        "lang": "en",
        "html": """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Dashboard</title>
</head>
<body>
  <div id="root">Loading…</div>
  <script src="/static/js/main.3f9a1c.js"></script>
</body>
</html>""",
        "main_text": "",
    },
    {
        "url": "https://old-recipes.example/blog/grandmas-plum-cake",
        "kind": "near_empty",
        "lang": "en",
        "html": """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>404 Not Found</title>
</head>
<body>
  <h1>404</h1>
  <p>Page not found</p>
</body>
</html>""",
        "main_text": "",
    },
    {
        "url": "https://photo-stream.example/p/48213",
        "kind": "near_empty",
        "lang": "en",
        "html": """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Photo 48213</title>
</head>
<body>
  <figure>
    <img src="/img/48213.jpg" alt="" width="1200" height="800">
    <figcaption>Sunset over harbour</figcaption>
  </figure>
</body>
</html>""",
        "main_text": "",
    },
    {
        "url": "https://placeholder-site.example/",
        "kind": "near_empty",
        "lang": "en",
        "html": """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Coming soon</title>
</head>
<body></body>
</html>""",
        "main_text": "",
    },
]
