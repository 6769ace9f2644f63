"""Hand-authored low-quality pages for the web-quality fixture: each trips a heuristic filter."""

from __future__ import annotations


def _page(title: str, body: str, lang: str = "en") -> str:
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head><meta charset="utf-8"><title>{title}</title>'
            f"</head>\n<body>\n<main>\n<h1>{title}</h1>\n{body}\n</main>\n</body>\n</html>\n")


_REPEATED = "<p>Best prices on garden hoses, call today for the best prices on garden hoses.</p>\n" * 40

_LOREM = "".join(
    f"<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut "
    f"labore et dolore magna aliqua. Section {i} of the placeholder text that nobody replaced before "
    f"the site went live. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris.</p>\n"
    for i in range(6)
)

_CODE_DUMP = "".join(
    f"<p>function handler{i}(event) {{ if (event.ready) {{ window.location.hash = 'step{i}'; }} "
    f"return false; }} This widget needs scripts enabled to render the calculator, please "
    f"enable them in your browser and reload the page to continue.</p>\n"
    for i in range(6)
)

_LINK_LIST = "\n".join(
    f"<p>{word} deals</p>" for word in (
        "Shoes", "Boots", "Sandals", "Hats", "Scarves", "Gloves", "Coats", "Jackets", "Shirts",
        "Socks", "Belts", "Bags", "Watches", "Rings", "Earrings", "Wallets", "Umbrellas", "Ties",
        "Sweaters", "Hoodies", "Jeans", "Shorts", "Skirts", "Dresses", "Blouses", "Vests",
        "Slippers", "Mittens", "Caps", "Beanies", "Backpacks", "Suitcases", "Sunglasses",
        "Bracelets", "Necklaces", "Anklets", "Cufflinks", "Brooches", "Keychains", "Lanyards",
        "Pouches", "Totes", "Clutches", "Sneakers", "Loafers", "Clogs", "Espadrilles", "Mules",
        "Parkas", "Ponchos", "Capes", "Tunics",
    )
)

_SPAM_DOMAIN = "".join(
    f"<p>Our reviewers compared {n} ways to win big this week and picked the offers that pay out "
    f"fastest. Sign up with the link below, claim the welcome bonus and start spinning today, "
    f"because offers like these never last long and the best tables fill up quickly.</p>\n"
    for n in (3, 5, 7, 9, 11)
)

PAGES: list[dict] = [
    {"url": "https://hose-deals.example/garden", "kind": "repetitive",
     "html": _page("Garden Hose Deals", _REPEATED)},
    {"url": "https://new-theme-demo.example/about", "kind": "lorem_ipsum",
     "html": _page("About Us", _LOREM)},
    {"url": "https://calc-widgets.example/mortgage", "kind": "code_dump",
     "html": _page("Mortgage Calculator", _CODE_DUMP)},
    {"url": "https://mega-outlet.example/categories", "kind": "link_list",
     "html": _page("All Categories", _LINK_LIST)},
    {"url": "https://bonus-spins-today.com/offers", "kind": "spam_domain",
     "html": _page("Top Bonus Offers This Week", _SPAM_DOMAIN)},
]
