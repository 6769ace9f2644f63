"""More authored eval pages for bench/extraction.py: realistic layouts whose main text we know.

Each page's content is written once in a small markdown-like notation and rendered both to the
HTML inside the page's chrome and to its `main_text`, so the two cannot drift. Blocks are
separated by a blank line:

    plain lines        a paragraph (lines joined by a space)
    ## / ###           a subheading (content: a reader counts it as part of the text)
    - item / 1. item   a bulleted / numbered list, one line per item
    | a | b |          a table, first row the header, one line per row
    > text             a blockquote
    ```                a code block (no blank lines inside), kept line by line
    !! <html>          boilerplate placed inside the content area (ads, bylines, share bars):
                       rendered as written, never part of main_text

Inline: [text](href) is a link, **text** bold, `text` code. What counts as content: the body a
reader came for, with its subheadings, lists, tables, code and quotes. Not content: the page
title (h1, as in pipelines/samples/pages.py), bylines and dates, navigation, related links,
share bars, ads, newsletter boxes, author bios, user comments and product reviews (FineWeb
extracts with include_comments=False), and the chrome around a forum post (user cards,
signatures); the posts themselves are the content of a forum thread.
"""

from __future__ import annotations

import html as htmllib
import re

_LINK = re.compile(r"\[([^\]]+)\]\(((?:[^()]|\([^()]*\))+)\)")  # a target may hold one (...)
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")


def _inline_html(text: str) -> str:
    out = htmllib.escape(text, quote=False)
    out = _LINK.sub(r'<a href="\2">\1</a>', out)
    out = _BOLD.sub(r"<strong>\1</strong>", out)
    return _CODE.sub(r"<code>\1</code>", out)


def _inline_text(text: str) -> str:
    return _CODE.sub(r"\1", _BOLD.sub(r"\1", _LINK.sub(r"\1", text)))


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def render(md: str, para: str = "p") -> tuple[str, str]:
    """(HTML, main text) of a content block list; `para` wraps paragraphs in p, div or br."""
    parts: list[str] = []
    text: list[str] = []
    for block in md.strip("\n").split("\n\n"):
        lines = block.split("\n")
        first = lines[0].strip()
        if first.startswith("!!"):
            parts.append("\n".join(line.strip().removeprefix("!!").strip() for line in lines))
        elif first.startswith("#"):
            level = len(first) - len(first.lstrip("#"))
            body = first.lstrip("#").strip()
            parts.append(f"<h{level}>{_inline_html(body)}</h{level}>")
            text.append(_inline_text(body))
        elif first.startswith("```"):
            code = lines[1:-1]
            parts.append("<pre><code>" + htmllib.escape("\n".join(code), quote=False) + "</code></pre>")
            text.extend(line for line in code if line.strip())
        elif first.startswith("|"):
            rows = [_cells(line) for line in lines]
            head = "".join(f"<th>{_inline_html(c)}</th>" for c in rows[0])
            body = "".join(
                "<tr>" + "".join(f"<td>{_inline_html(c)}</td>" for c in row) + "</tr>" for row in rows[1:]
            )
            parts.append(f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>{body}</tbody>\n</table>")
            text.extend(" ".join(_inline_text(c) for c in row) for row in rows)
        elif first.startswith(("- ", "1. ")):
            tag = "ul" if first.startswith("- ") else "ol"
            items = [line.strip().split(" ", 1)[1] for line in lines]
            parts.append(f"<{tag}>" + "".join(f"<li>{_inline_html(i)}</li>" for i in items) + f"</{tag}>")
            text.extend(_inline_text(i) for i in items)
        elif first.startswith(">"):
            body = " ".join(line.strip().lstrip(">").strip() for line in lines)
            parts.append(f"<blockquote><p>{_inline_html(body)}</p></blockquote>")
            text.append(_inline_text(body))
        else:
            body = " ".join(line.strip() for line in lines)
            if para == "br":
                parts.append(f"{_inline_html(body)}<br><br>")
            elif para == "div":
                parts.append(f'<div class="text-block">{_inline_html(body)}</div>')
            else:
                parts.append(f"<p>{_inline_html(body)}</p>")
            text.append(_inline_text(body))
    return "\n".join(parts), "\n".join(text)


# --- Chrome: the boilerplate around the content, varied per site. ----------------------------------


def doc(title: str, lang: str, body: str, head_extra: str = "") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n  <meta charset="utf-8">\n'
        f"  <title>{htmllib.escape(title)}</title>\n{head_extra}</head>\n<body>\n{body}\n</body>\n</html>"
    )


def links(items: list[str], cls: str = "", tag: str = "ul") -> str:
    lis = "".join(f'<li><a href="/{_slug(i)}">{htmllib.escape(i)}</a></li>' for i in items)
    return f'<{tag} class="{cls}">{lis}</{tag}>' if tag == "ul" else lis


def _slug(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")


def header(site: str, nav: list[str], search: bool = True) -> str:
    form = '<form class="search" action="/search"><input type="search" name="q"><button>Go</button></form>'
    return (
        f'<header class="site-header">\n<a class="logo" href="/">{site}</a>\n{form if search else ""}\n'
        f'<nav class="main-nav">{links(nav)}</nav>\n</header>'
    )


def footer(site: str, year: int, items: list[str], extra: str = "") -> str:
    return (
        f'<footer class="site-footer">\n<nav class="footer-nav">{links(items)}</nav>\n{extra}\n'
        f"<p>© {year} {site}. All rights reserved.</p>\n</footer>"
    )


def cookie_banner(text: str, accept: str = "Accept all", reject: str = "Reject") -> str:
    return (
        f'<div id="cookie-notice" class="cookie-consent" role="dialog">\n<p>{text}</p>\n'
        f"<button>{accept}</button> <button>{reject}</button>\n</div>"
    )


def related(heading: str, titles: list[str], cls: str = "related-posts") -> str:
    return f'<section class="{cls}">\n<h2>{heading}</h2>\n{links(titles)}\n</section>'


def comments(items: list[tuple[str, str, str]], heading: str = "Comments") -> str:
    lis = "\n".join(
        f'<li class="comment"><div class="comment-author vcard"><b class="fn">{who}</b></div>'
        f'<div class="comment-meta"><time>{when}</time></div>'
        f'<div class="comment-content"><p>{htmllib.escape(what)}</p></div>'
        f'<a class="comment-reply-link" href="#respond">Reply</a></li>'
        for who, when, what in items
    )
    return (
        f'<section id="comments" class="comments-area">\n<h2 class="comments-title">{len(items)} '
        f'{heading}</h2>\n'
        f'<ol class="comment-list">\n{lis}\n</ol>\n'
        '<div id="respond" class="comment-respond"><h3>Leave a Reply</h3>'
        '<form class="comment-form"><textarea name="comment"></textarea><button>Post Comment</button></form>'
        "</div>\n</section>"
    )


def newsletter(heading: str, blurb: str) -> str:
    return (
        f'<div class="newsletter-signup">\n<h3>{heading}</h3>\n<p>{blurb}</p>\n'
        '<form><input type="email" placeholder="Your email"><button>Subscribe</button></form>\n</div>'
    )


def share_bar(label: str = "Share") -> str:
    nets = ["Facebook", "X", "LinkedIn", "Email"]
    return f'<div class="share-buttons"><span>{label}:</span> ' + " ".join(
        f'<a href="#share-{n.lower()}">{n}</a>' for n in nets
    ) + "</div>"


def breadcrumbs(items: list[str]) -> str:
    crumbs = " › ".join(f'<a href="/{_slug(i)}">{i}</a>' for i in items)
    return f'<nav class="breadcrumb" aria-label="Breadcrumb">{crumbs}</nav>'


def sidebar(*widgets: str) -> str:
    return '<aside class="sidebar widget-area">\n' + "\n".join(widgets) + "\n</aside>"


def widget(heading: str, inner: str) -> str:
    return f'<section class="widget"><h3 class="widget-title">{heading}</h3>\n{inner}\n</section>'


def tag_cloud(tags: list[str]) -> str:
    return '<div class="tagcloud">' + " ".join(
        f'<a href="/tag/{_slug(t)}" class="tag-cloud-link" style="font-size:{10 + len(t) % 9}pt">{t}</a>'
        for t in tags
    ) + "</div>"


PAGES: list[dict] = []


def page(url: str, kind: str, lang: str, title: str, md: str, body, para: str = "p") -> None:
    """Adds a page: `body(content_html)` returns the page's body around the rendered content."""
    content, main_text = render(md, para)
    PAGES.append({"url": url, "kind": kind, "lang": lang, "html": doc(title, lang, body(content)),
                  "main_text": main_text})


# --- The pages. --------------------------------------------------------------------------------------

# 1. News article: byline, share bar, related links, a comments section.
page(
    "https://riverside-gazette.example/news/2024/03/footbridge-reopens",
    "news", "en", "Old footbridge reopens after two-year restoration",
    """
!! <p class="byline">By <a href="/authors/maria-okafor">Maria Okafor</a>, Local Affairs Reporter</p>

!! <p class="dateline"><time datetime="2024-03-12">12 March 2024, 09:14</time> · Updated 11:02</p>

!! <div class="share-buttons"><a href="#fb">Share</a> <a href="#tw">Tweet</a> <a href="#mail">Email</a></div>

The iron footbridge that links the market square to the railway station reopened on Tuesday morning,
two years after engineers closed it because of corrosion in its main supports. Commuters who had been
taking a fifteen-minute detour through the industrial estate crossed it again before eight o'clock.

The restoration cost the council a little over three million pounds, about half of it covered by a
heritage grant. Workers removed more than forty layers of paint, replaced rusted rivets by hand and
fitted new timber decking made from sustainably sourced oak.

> We could have built a new bridge for less, but this one is part of the town's story and people told
> us clearly that they wanted it saved.

The council's head of infrastructure said the bridge would now be inspected every six months. Cyclists
are asked to dismount while crossing, and a ramp on the station side has been widened so that
wheelchair users and parents with pushchairs no longer need to use the lift.

!! <div class="ad-slot" data-ad="mpu">Advertisement</div>

Local traders welcomed the reopening. Several cafes near the square said their morning trade had fallen
sharply while the bridge was closed, and one baker offered free coffee to the first hundred people to
cross on Tuesday.
""",
    lambda c: "\n".join([
        cookie_banner("We and our 143 partners store and access information on your device to deliver "
                      "personalised advertising and measure audiences. You can change your choice "
                      "at any time."),
        header("Riverside Gazette", ["News", "Sport", "Business", "Opinion", "Culture", "Property",
                                     "Jobs", "Announcements", "E-edition"]),
        breadcrumbs(["Home", "News", "Local"]),
        f'<main>\n<article class="story">\n<h1>Old footbridge reopens after two-year restoration</h1>\n{c}\n'
        '<p class="tags">Topics: <a href="/t/transport">Transport</a> <a '
        'href="/t/heritage">Heritage</a></p>\n'
        "</article>\n"
        + related("Most read", ["Council tax to rise by 4.9 per cent",
                                "New head teacher for Riverside Primary",
                                "Roadworks on the A61 to last until June", "Police appeal after "
                                "shop break-in",
                                "Plans for new supermarket rejected"])
        + "\n"
        + comments([
            ("Jen_from_Eastgate", "12 March 2024 at 10:02",
             "About time too. I have been walking the long way round for two years and my knees "
             "were not happy."),
            ("D. Hollis", "12 March 2024 at 10:45",
             "Three million pounds for a footbridge seems a lot when the library is closed on Mondays."),
            ("railfan88", "12 March 2024 at 12:30",
             "Lovely job on the paintwork. The original colour was apparently a dark green, not the "
             "blue we got."),
        ])
        + "\n</main>",
        footer("Riverside Gazette Media", 2024, ["Contact us", "Advertise", "Terms", "Privacy notice",
                                                 "Cookie settings", "Complaints", "Archive"]),
    ]),
)

# 2. Blog post with a sidebar: about-me blurb, tag cloud, archives, recent posts.
page(
    "https://slowstitch.example/2023/11/darning-socks",
    "blog", "en", "Darning socks the old way",
    """
!! <div class="entry-meta">Posted on <time>November 5, 2023</time> by <a href="/author/ruth">Ruth</a> ·
!! 7 comments</div>

My grandmother darned every sock in the house, and for years I assumed the skill had gone with her.
Then a favourite pair of wool hiking socks wore through at the heel, and I decided to learn rather than
throw them out. It turns out that darning is simpler than it looks and oddly relaxing.

## What you need

- A darning needle with a large eye
- Wool yarn close in weight to the sock
- A darning mushroom, or an orange if you have nothing else
- Small sharp scissors

## Weaving the patch

Stretch the worn area over the mushroom and work a row of running stitches around the hole, well into
the sound fabric. Then lay vertical threads across the gap, close together, before weaving horizontal
threads over and under them. The result is a small square of new cloth that blends into the old.

Do not pull the yarn tight. A darn that is too firm will rub and create a new hole beside the old one.
It should feel as soft as the rest of the sock when you run your thumb over it.

!! <div class="post-tags">Tagged: <a href="/tag/mending">mending</a>, <a href="/tag/wool">wool</a></div>
""",
    lambda c: "\n".join([
        header("Slow Stitch", ["Home", "Mending", "Knitting", "Patterns", "Shop", "About"], search=False),
        '<div class="site-content">',
        f'<article class="post type-post">\n<h1 class="entry-title">Darning socks the old way</h1>\n'
        f'<div class="entry-content">\n{c}\n</div>\n</article>',
        '<nav class="post-navigation"><a rel="prev" href="/2023/10/patching-jeans">← Visible '
        'mending on jeans</a>'
        ' <a rel="next" href="/2023/11/blocking-a-jumper">Blocking a hand-knit jumper →</a></nav>',
        sidebar(
            widget("About me", "<p>I'm Ruth, a retired teacher who mends, knits and occasionally sews. "
                               "This blog is where I keep notes on the things I fix.</p>"),
            widget("Tags", tag_cloud(["mending", "wool", "knitting", "patches", "sashiko", "denim", "buttons",
                                      "zips", "beginner", "tools", "socks", "jumpers", "cotton", "linen"])),
            widget("Archives", links(["November 2023", "October 2023", "September 2023", "August 2023",
                                      "July 2023", "June 2023"])),
            widget("Recent posts", links(["Blocking a hand-knit jumper", "Visible mending on jeans",
                                          "Choosing a thimble", "Five mending books I love"])),
        ),
        "</div>",
        footer("Slow Stitch", 2023, ["Privacy", "Contact"],
               "<p>Powered by WordPress | Theme: Twenty Seventeen</p>"),
    ]),
)

# 3. Docs page: sidebar table of contents, on-this-page links, code blocks, a note.
page(
    "https://docs.tinyqueue.example/en/latest/guide/retries.html",
    "docs", "en", "Retrying failed jobs — tinyqueue 2.3 documentation",
    """
A job that raises an exception is marked as failed. By default tinyqueue does not run it again,
because a retry is only safe when the job is idempotent. You opt in per job with the `retry` argument.

## Enabling retries

Pass a `Retry` object when you enqueue the job:

```
from tinyqueue import Queue, Retry
queue = Queue("emails")
queue.enqueue(send_receipt, order_id, retry=Retry(max=3, interval=[10, 60, 300]))
```

The job above is tried at most four times in total: once, then after ten seconds, one minute and five
minutes. If the list of intervals is shorter than `max`, the last interval is reused.

## Which errors are retried

Every exception triggers a retry unless it is listed in `Retry.ignore`. Use this for errors that will
not go away on their own, such as a validation error in the job's input.

```
Retry(max=5, ignore=[ValueError, PermissionError])
```

> Note: a worker that is killed while running a job does not raise an exception. Such jobs are moved to
> the abandoned registry and are not retried automatically.
""",
    lambda c: "\n".join([
        '<div class="wy-grid-for-nav">',
        '<nav class="wy-nav-side" data-toggle="wy-nav-shift"><div class="wy-side-scroll">'
        '<a href="/en/latest/" class="icon icon-home">tinyqueue</a>'
        '<div role="search"><form><input type="text" name="q" placeholder="Search docs"></form></div>'
        '<div class="wy-menu wy-menu-vertical"><p class="caption">User guide</p>'
        + links(["Installation", "Quickstart", "Queues", "Workers", "Retrying failed jobs", "Scheduling",
                 "Monitoring", "Testing"], "toctree") +
        '<p class="caption">Reference</p>' + links(["API", "Configuration", "Changelog"], "toctree")
        + "</div></div></nav>",
        '<section class="wy-nav-content-wrap"><div class="wy-nav-content"><div class="rst-content">',
        '<div role="navigation" aria-label="breadcrumbs navigation"><ul class="wy-breadcrumbs">'
        '<li><a href="/">Docs</a> »</li><li>User guide »</li><li>Retrying failed jobs</li>'
        '<li class="wy-breadcrumbs-aside"><a href="https://git.example/tinyqueue/edit/main/docs/retries.rst">'
        "Edit on GitHub</a></li></ul><hr></div>",
        '<div class="contents local topic" id="on-this-page"><p class="topic-title">On this page</p>'
        + links(["Enabling retries", "Which errors are retried"]) + "</div>",
        f'<div role="main" class="document"><div class="section" id="retrying-failed-jobs">\n'
        f"<h1>Retrying failed jobs</h1>\n{c}\n</div></div>",
        '<footer><div class="rst-footer-buttons"><a href="workers.html" class="btn">Previous</a>'
        ' <a href="scheduling.html" class="btn">Next</a></div><hr>'
        '<div role="contentinfo"><p>© Copyright 2024, the tinyqueue authors.</p></div>'
        'Built with <a href="https://www.sphinx-doc.org/">Sphinx</a> using a theme provided by Read the Docs.'
        "</footer>",
        "</div></div></section></div>",
    ]),
)

# 4. Forum thread: the posts are the content; user cards, signatures and the reply box are not.
_FORUM_POSTS = [
    ("kettle_head", "Joined: Mar 2019 · Posts: 412",
     "My 2012 boiler has started making a loud banging noise whenever the heating comes on in the "
     "morning. It "
     "goes away after ten minutes or so. Is this something I can sort myself or do I need an engineer?",
     "Sent from my phone"),
    ("VentValve", "Joined: Jan 2015 · Posts: 3,870",
     "That sounds like kettling, which usually means limescale on the heat exchanger. Water boils in small "
     "pockets and the steam bubbles collapse with a bang. A power flush or a descaler added to the system "
     "often fixes it, but it is a job for someone who knows the boiler.",
     "Gas Safe registered, 20 years in the trade"),
    ("kettle_head", "Joined: Mar 2019 · Posts: 412",
     "Thanks, that makes sense. We are in a hard water area and the system has never been flushed as far as "
     "I know. I will get a quote for a flush.", "Sent from my phone"),
    ("moderately_warm", "Joined: Aug 2021 · Posts: 96",
     "Check the pump speed as well. Ours did the same thing and it turned out the pump had been set to the "
     "lowest setting after a repair, so the water was moving too slowly through the exchanger.", ""),
]


def _forum_body() -> str:
    posts = "\n".join(
        f'<div class="post" id="post-{i}"><div class="postprofile"><a class="username" href="/u/{u}">{u}</a>'
        f'<span class="rank">{meta}</span></div><div class="postbody"><p class="author">#{i + 1} '
        f'» <time>Today, 0{7 + i}:1{i}</time></p><div class="content">{htmllib.escape(t)}</div>'
        + (f'<div class="signature">{sig}</div>' if sig else "")
        + '<ul class="post-buttons"><li><a href="#">Quote</a></li><li><a href="#">Report</a></li></ul>'
        "</div></div>"
        for i, (u, meta, t, sig) in enumerate(_FORUM_POSTS)
    )
    return "\n".join([
        header("DIY Heating Forum",
               ["Forums", "What's new", "Members", "Rules", "FAQ", "Log in", "Register"]),
        breadcrumbs(["Board index", "Central heating", "Boilers"]),
        '<div class="topic-actions"><a class="button" href="/posting">Post Reply</a> 4 posts • Page '
        '1 of 1</div>',
        f'<div id="page-body"><h1 class="topic-title">Boiler banging when heating comes '
        f'on</h1>\n{posts}\n</div>',
        '<div class="quick-reply"><h2>Quick '
        'Reply</h2><form><textarea></textarea><button>Submit</button></form></div>',
        '<div class="online-list">Users browsing this forum: Bing [Bot] and 14 guests</div>',
        footer("DIY Heating Forum", 2024, ["Contact us", "Terms", "Privacy", "Delete cookies"],
               "<p>Powered by phpBB® Forum Software</p>"),
    ])


PAGES.append({
    "url": "https://diy-heating-forum.example/viewtopic.php?t=88412",
    "kind": "forum", "lang": "en",
    "html": doc("Boiler banging when heating comes on - DIY Heating Forum", "en", _forum_body()),
    "main_text": "\n".join(t for _, _, t, _ in _FORUM_POSTS),
})

# 5. Recipe page: a short intro, ingredients, method; jump/print buttons, rating, reviews.
page(
    "https://weeknight-kitchen.example/recipes/red-lentil-soup",
    "recipe", "en", "Red lentil and carrot soup",
    """
!! <div class="recipe-buttons"><a href="#recipe">Jump to Recipe</a> <a href="/print/412">Print
!! Recipe</a></div>

!! <div class="rating">★★★★★ 4.8 from 212 votes</div>

This is the soup I make when the fridge is nearly empty and everyone is hungry. Red lentils cook down
in twenty minutes without soaking, and a couple of carrots make it sweet enough that children eat it
without complaint.

!! <div class="recipe-meta"><span>Prep: 10 mins</span> <span>Cook: 25 mins</span> <span>Serves: 4</span></div>

## Ingredients

- 1 tablespoon olive oil
- 1 onion, chopped
- 2 carrots, grated
- 2 cloves garlic, crushed
- 1 teaspoon ground cumin
- 200 g red lentils, rinsed
- 1.2 litres vegetable stock
- Juice of half a lemon

## Method

1. Warm the oil in a large pan and soften the onion for five minutes.
1. Add the carrots, garlic and cumin and stir for another two minutes.
1. Tip in the lentils and stock, bring to the boil and simmer for twenty minutes until the lentils collapse.
1. Blend until smooth, season well and stir in the lemon juice just before serving.

!! <div class="nutrition">Calories: 248kcal | Carbohydrates: 38g | Protein: 14g | Fat: 4g</div>
""",
    lambda c: "\n".join([
        cookie_banner("This site uses cookies to personalise content and ads. "
                      "Learn more in our cookie policy."),
        header("Weeknight Kitchen", ["Recipes", "Quick dinners", "Vegetarian", "Baking", "Meal plans",
                                     "Shop my kitchen"]),
        f'<main><article class="recipe-post"><h1>Red lentil and carrot soup</h1>\n<div class="wprm-recipe">\n'
        f"{c}\n</div></article>",
        newsletter("Get new recipes by email", "Five easy dinners every Sunday, no spam."),
        comments([
            ("Priya", "January 4, 2024",
             "Made this tonight with smoked paprika instead of cumin. Delicious!"),
            ("Tom W", "January 9, 2024",
             "Five stars. I added a tin of coconut milk at the end and it was lovely."),
        ], "Reviews"),
        "</main>",
        footer("Weeknight Kitchen", 2024, ["About", "Privacy policy", "Accessibility", "Contact"],
               "<p>As an Amazon Associate I earn from qualifying purchases.</p>"),
    ]),
)

# 6. Product page: description, features, specification table; price box, reviews, cross-sells.
page(
    "https://trailgear-shop.example/products/alpine-2-tent",
    "product", "en", "Alpine 2 lightweight backpacking tent",
    """
!! <div class="price-box"><span class="price">£249.00</span> <span class="was">£299.00</span> <span>In
!! stock</span>
!! <button class="add-to-cart">Add to basket</button> <a href="#">Add to wishlist</a>
!! <p>Free delivery on orders over £50 · 30-day returns</p></div>

The Alpine 2 is a two-person tent for walkers who count every gram. A single aluminium hub pole
pitches the inner and flysheet together in about three minutes, so the sleeping area stays dry when
you set up in the rain.

Two doors and two porches mean nobody has to climb over their partner at night, and each porch is
large enough for a rucksack and a pair of boots.

## Features

- Packed weight of 1.45 kg
- 3000 mm hydrostatic head flysheet with taped seams
- Mesh inner panels to reduce condensation
- Colour-coded poles and clips

## Specification

| Feature | Value |
| Berths | 2 |
| Inner length | 215 cm |
| Peak height | 105 cm |
| Pack size | 42 x 15 cm |
""",
    lambda c: "\n".join([
        header("TrailGear", ["Tents", "Sleeping bags", "Rucksacks", "Footwear", "Clothing", "Sale",
                             "Brands", "Store finder"]),
        breadcrumbs(["Home", "Camping", "Tents", "Backpacking tents"]),
        '<div class="product-gallery"><img src="/img/alpine2-1.jpg" alt="Alpine 2 tent pitched on a hill">'
        '<img src="/img/alpine2-2.jpg" alt="Inner tent with doors open"></div>',
        f'<div class="product-info"><h1 class="product-title">Alpine 2 lightweight backpacking tent</h1>\n'
        f'<div class="product-description">\n{c}\n</div></div>',
        '<section id="reviews" class="product-reviews"><h2>Customer reviews (38)</h2>'
        '<div class="review"><b>Great tent, bit snug</b><p>Pitched it in a gale on Dartmoor and it '
        'held firm. '
        "Two adults fit, but only just.</p><span>— Sam, verified buyer</span></div>"
        '<div class="review"><b>Condensation</b><p>Lots of condensation on cold nights, leave the '
        'vents open.</p>'
        "<span>— Alex, verified buyer</span></div></section>",
        related("Customers also bought", ["Ultralight sleeping mat", "Titanium tent pegs (pack of 8)",
                                          "Compact gas stove", "Dry bag 20 L"], "cross-sells"),
        footer("TrailGear Ltd", 2024, ["Delivery", "Returns", "Size guide", "Track my order", "Contact",
                                       "Terms & conditions", "Privacy"]),
    ]),
)

# 7. Listicle: numbered subheads with ads and "Related" links between items.
page(
    "https://buzzhome.example/lifestyle/ways-to-save-energy-at-home",
    "listicle", "en", "7 simple ways to cut your energy bill this winter",
    """
!! <p class="byline">By the BuzzHome team · Updated 2 December 2023</p>

Heating is the largest part of most household energy bills. None of these changes needs a builder,
and together they can make a noticeable difference before the coldest months arrive.

## 1. Turn the thermostat down by one degree

Lowering the temperature by a single degree can cut heating costs by around a tenth, and most people
do not notice the difference after a day or two.

!! <div class="ad-container"><span>Advertisement</span><div id="div-gpt-ad-1"></div></div>

## 2. Bleed your radiators

Air trapped at the top of a radiator stops it heating fully. If the top is cold while the bottom is
warm, let the air out with a radiator key.

!! <p class="related-inline"><strong>Related:</strong> <a href="/diy/radiator-key">How to use a radiator
!! key</a></p>

## 3. Close curtains at dusk

Thick curtains keep warmth in at night. Open them during the day to let the sun warm the room.

## 4. Stop draughts

Draught excluders along the bottom of doors and self-adhesive strips around windows are cheap and
quick to fit.

!! <div class="ad-container"><span>Advertisement</span><div id="div-gpt-ad-2"></div></div>

## 5. Wash clothes at 30 degrees

Modern detergents work well at low temperatures, and most of a washing machine's energy goes on
heating the water.

## 6. Only boil the water you need

Filling the kettle for one cup wastes energy every time you make a drink.

## 7. Switch appliances off at the wall

Devices left on standby draw power all day. A switched extension lead makes it easy to turn off a
whole television corner at once.

!! <div class="inline-newsletter"><p>Want more money-saving tips? Sign up to our newsletter!</p></div>
""",
    lambda c: "\n".join([
        cookie_banner("We value your privacy. We and our partners use cookies and similar technologies.",
                      "I ACCEPT", "MORE OPTIONS"),
        header("BuzzHome", ["Home", "Money", "Lifestyle", "Food", "Travel", "Shopping", "Quizzes", "Video"]),
        f'<div class="content-wrapper"><article class="listicle"><h1>7 simple ways to cut your energy bill '
        f"this winter</h1>\n{c}\n{share_bar('Share this list')}</article>",
        sidebar(widget("Trending", links(["The 12 best air fryers of 2023",
                                          "Is it cheaper to shower or bathe?",
                                          "Quiz: how green is your home?",
                                          "We tried the viral towel hack"]))),
        "</div>",
        footer("BuzzHome Media", 2023, ["About us", "Careers", "Advertise", "Privacy", "Terms", "Sitemap"]),
    ]),
)

# 8. Encyclopedia-style article dense with inline links; see-also and references are not content.
page(
    "https://openwiki.example/wiki/Canal_lock",
    "links", "en", "Canal lock - OpenWiki",
    """
A [lock](/wiki/Lock_(water_navigation)) is a device used for raising and lowering
[boats](/wiki/Boat), [ships](/wiki/Ship) and other [watercraft](/wiki/Watercraft) between stretches of
water of different levels on [river](/wiki/River) and [canal](/wiki/Canal) waterways. The
distinguishing feature of a lock is a fixed chamber in which the water level can be varied.

The earliest [pound locks](/wiki/Pound_lock) were built in [China](/wiki/China) during the
[Song dynasty](/wiki/Song_dynasty), and the design reached [Europe](/wiki/Europe) in the 14th century.
[Leonardo da Vinci](/wiki/Leonardo_da_Vinci) is often credited with the
[mitre gate](/wiki/Mitre_gate), which closes against the pressure of the water above it.

## Operation

A boat entering from the lower level waits in the chamber while the lower
[gates](/wiki/Lock_gate) are shut. [Sluices](/wiki/Sluice) in the upper gates are then opened, and
the chamber fills until its level matches the upper [pound](/wiki/Pound_(canal)). The upper gates can
then be opened and the boat continues its journey. Descending is the same process in reverse.

Where a large rise is needed, locks may be built as a [flight](/wiki/Lock_flight) or a
[staircase](/wiki/Staircase_lock), in which the upper gate of one chamber is the lower gate of the
next, as at [Bingley Five Rise](/wiki/Bingley_Five_Rise_Locks).
""",
    lambda c: "\n".join([
        '<div id="mw-page-base"></div><div id="mw-navigation"><h2>Navigation menu</h2>'
        '<div id="p-personal"><ul><li><a href="/login">Log in</a></li><li><a href="/create">Create '
        'account</a>'
        '</li></ul></div><div id="p-navigation">'
        + links(["Main page", "Contents", "Current events", "Random article", "About OpenWiki", "Contact us",
                 "Donate"]) + "</div></div>",
        f'<div id="content" class="mw-body"><h1 id="firstHeading">Canal lock</h1>'
        '<div id="siteSub">From OpenWiki, the free encyclopedia</div>'
        '<div class="hatnote">For other uses, see <a href="/wiki/Lock_(disambiguation)">Lock '
        "(disambiguation)</a>.</div>\n"
        f'<div id="mw-content-text" class="mw-parser-output">\n{c}\n'
        '<h2>See also</h2><ul><li><a href="/wiki/Boat_lift">Boat lift</a></li>'
        '<li><a href="/wiki/Inclined_plane">Inclined plane</a></li><li><a '
        'href="/wiki/Weir">Weir</a></li></ul>'
        '<h2>References</h2><ol class="references"><li>Needham, Joseph (1971). <i>Science and '
        'Civilisation in '
        "China</i>. Cambridge University Press. p. 350.</li><li>Hadfield, Charles (1986). <i>World "
        "Canals</i>."
        " David &amp; Charles. p. 17.</li></ol></div>"
        '<div id="catlinks">Categories: <a href="/c/Locks">Locks</a> | <a '
        'href="/c/Canals">Canals</a></div></div>',
        '<div id="footer"><ul><li>This page was last edited on 3 May 2024.</li><li>Text is '
        'available under the '
        "Creative Commons Attribution-ShareAlike License.</li></ul>"
        + links(["Privacy policy", "About OpenWiki", "Disclaimers", "Developers", "Mobile view"]) + "</div>",
    ]),
)

# 9. Main text split across several sibling divs, no article or main element, an ad between parts.
page(
    "https://field-notes-mag.example/stories/night-of-the-moths",
    "split", "en", "A night with the moth trappers",
    """
Shortly after sunset the two volunteers switch on a mercury vapour lamp above a plastic box filled
with empty egg boxes. By midnight the bright white light has drawn in dozens of moths, which settle in
the cardboard hollows and stay there, calm and unharmed, until morning.

The trap is emptied at dawn. Each moth is identified, counted and released into long grass nearby.
On a warm July night a garden trap can hold more than a hundred species, from the tiny micro-moths that
are hard to name without a microscope to the large hawk-moths that children love to hold.

!! <div class="mid-article-promo"><a href="/subscribe">Subscribe from £1 a week</a></div>

These counts matter. Moths are far more numerous than butterflies and respond quickly to changes in
weather, farming and light pollution, so long-running records show how the countryside is changing.
National surveys have found that the total number of larger moths has fallen by about a third over fifty
years.

Anyone can take part. A simple trap can be built from a bucket, a funnel and an ordinary energy-saving
bulb, and recording groups are usually glad to help newcomers with identification.
""",
    lambda c: "\n".join([
        header("Field Notes", ["Stories", "Nature", "Science", "Photography", "Podcasts", "Subscribe"]),
        '<div class="page"><div class="hero"><h1 class="story-title">A night with the moth trappers</h1>'
        '<div class="story-standfirst-meta">Words by Owen Price · Photographs by Lena Brandt</div></div>',
        "".join(f'<div class="story-body-part part-{i}">{part}</div>\n'
                for i, part in enumerate(c.split("\n"))),
        '<div class="story-footer"><p>Published in Field Notes issue 48, summer 2024.</p></div>',
        related("Read next", ["The return of the water vole", "How to photograph insects at night",
                              "Why we should let lawns grow"], "read-next"),
        "</div>",
        footer("Field Notes Magazine", 2024, ["About", "Contributors", "Stockists", "Privacy"]),
    ]),
    para="div",
)

# 10. Legacy table layout, text separated by <br><br>, with a left navigation column.
page(
    "http://www.members.example/~hgreen/pond.html",
    "legacy", "en", "Building a wildlife pond",
    """
When we moved here in 1998 the garden was a flat lawn with a single apple tree. The first thing I built
was a pond, and it has brought more wildlife into the garden than anything else we have done since.

Dig the pond with at least one gently sloping side, so that frogs, hedgehogs and birds can get in and
out safely. A depth of about sixty centimetres in the middle is plenty for a garden pond.

Line the hole with old carpet or sand before laying the liner, so that stones cannot puncture it. Fill
it with rainwater rather than tap water if you can, because tap water contains nutrients that feed algae.

Do not add fish if you want frogs and newts. Plant a few native oxygenating plants and wait: within a
year the pond will have been found by pond skaters, water boatmen and, with luck, dragonflies.
""",
    lambda c: "\n".join([
        '<table width="100%" border="0" cellpadding="8"><tr>',
        '<td width="160" valign="top" bgcolor="#ccffcc"><b>Menu</b><br>'
        '<a href="index.html">Home</a><br><a href="garden.html">My garden</a><br><a '
        'href="birds.html">Birds</a>'
        '<br><a href="pond.html">The pond</a><br><a href="links.html">Links</a><br><a href="guestbook.html">'
        "Guestbook</a><br><br><img src=\"counter.gif\" alt=\"visitor counter\"><br>You are visitor "
        "004512</td>",
        f'<td valign="top"><font face="Arial"><h1>Building a wildlife pond</h1>\n{c}\n'
        '<hr><a href="index.html">Back to home page</a> | <a href="mailto:hg@members.example">Email '
        'me</a><br>'
        "<small>Last updated 14/06/2004</small></font></td>",
        "</tr></table>",
    ]),
    para="br",
)

# 11. A page whose content is mostly a timetable table, with an introduction and notes.
page(
    "https://islands-ferry.example/timetables/summer",
    "table", "en", "Summer timetable 2024",
    """
The summer timetable runs from 24 May to 29 September. Sailings may be delayed or cancelled in bad
weather, so check the service status page before you travel.

| Departs | Arrives | Days | Vessel |
| Harbour Town 07:30 | North Isle 08:45 | Daily | MV Puffin |
| North Isle 09:15 | Harbour Town 10:30 | Daily | MV Puffin |
| Harbour Town 12:00 | North Isle 13:15 | Mon to Sat | MV Gannet |
| North Isle 16:30 | Harbour Town 17:45 | Daily | MV Puffin |

Vehicles must check in thirty minutes before departure. Foot passengers and cyclists can board up to
ten minutes before the ship leaves.
""",
    lambda c: "\n".join([
        '<div class="alert-bar">Service status: all sailings running normally</div>',
        header("Islands Ferry Company", ["Book", "Timetables", "Fares", "Travel information", "Freight",
                                         "Help", "My booking"]),
        f'<main id="main-content"><h1>Summer timetable 2024</h1>\n<div class="rich-text">\n{c}\n</div>'
        '<div class="cta"><a class="button" href="/book">Book now</a></div></main>',
        footer("Islands Ferry Company Ltd", 2024, ["Contact", "Accessibility", "Careers",
                                                   "Modern slavery statement",
                                                   "Privacy", "Cookies"]),
    ]),
)

# 12. FAQ page with questions as subheads.
page(
    "https://citylibrary.example/help/faq",
    "faq", "en", "Frequently asked questions",
    """
### How do I join the library?

You can join online or at any branch. Bring a document showing your name and address, such as a
utility bill, and you will get a card straight away.

### How many items can I borrow?

Adults can borrow up to fifteen items at a time, including up to five DVDs. Children can borrow ten.

### Can I renew my loans?

Yes, you can renew items up to three times online, by phone or in person, as long as nobody else has
reserved them.

### Are there fines for late returns?

We stopped charging fines in 2022. Please return items as soon as you can so that others can enjoy them.
""",
    lambda c: "\n".join([
        cookie_banner("We use essential cookies to make our site work. With your consent, we may also use "
                      "non-essential cookies to improve user experience.", "Accept cookies",
                      "Reject cookies"),
        header("City Library", ["Catalogue", "Your account", "Events", "eBooks and eAudio", "Branches",
                                "Help", "Get involved"]),
        breadcrumbs(["Home", "Help"]),
        f'<main><h1>Frequently asked questions</h1>\n<div class="faq">\n{c}\n</div>'
        '<p class="feedback">Was this page useful? <a href="#">Yes</a> <a href="#">No</a></p></main>',
        footer("City Council", 2024, ["Contact us", "Accessibility statement", "Privacy", "Jobs",
                                      "Freedom of information"]),
    ]),
)

# 13. Job posting: description and lists; apply button, similar jobs, company boilerplate box.
page(
    "https://jobs.example/listing/482211-data-engineer",
    "job", "en", "Data Engineer - Northwind Analytics",
    """
!! <ul class="job-meta"><li>Leeds (hybrid)</li><li>£48,000 - £58,000</li><li>Full-time, permanent</li>
!! <li>Posted 3 days ago</li></ul>

!! <a class="apply-button" href="/apply/482211">Apply now</a>

Northwind Analytics builds forecasting tools for regional bus operators. We are looking for a data
engineer to help us move our nightly batch jobs onto a streaming platform and to look after the
pipelines that feed our models.

## What you will do

- Design and maintain data pipelines in Python and SQL
- Move batch workloads to an event-driven architecture
- Work with analysts to make data easy to find and trust

## What we are looking for

- Two or more years of experience building data pipelines
- Good knowledge of SQL and at least one cloud data warehouse
- A habit of writing tests and documentation

We offer 28 days of holiday plus bank holidays, a pension with 6 per cent employer contribution and a
learning budget of £1,500 a year.
""",
    lambda c: "\n".join([
        header("Jobs.example", ["Find jobs", "Company reviews", "Salaries", "Post a job", "Sign in"]),
        f'<div class="job-view"><h1 class="job-title">Data Engineer</h1><div class="company">Northwind '
        f'Analytics</div>\n<div class="job-description">\n{c}\n</div></div>',
        sidebar(widget("Similar jobs", links(["Senior Data Engineer - Bradford", "Analytics Engineer - York",
                                              "Data Platform Engineer - Remote", "BI Developer - Leeds"])),
                widget("Job alerts", "<p>Get emails about new jobs like this.</p><form><input type='email'>"
                                     "<button>Create alert</button></form>")),
        footer("Jobs.example", 2024, ["Help centre", "Privacy centre", "Terms", "Cookie policy"]),
    ]),
)

# 14. Short local news item in very heavy chrome: long menus, teaser cards with full sentences.
page(
    "https://eastvale-today.example/news/eastvale-news/library-garden-opens-4921",
    "boilerplate", "en", "Community garden opens behind Eastvale library",
    """
A community garden has opened on a patch of unused land behind Eastvale library. Volunteers spent the
winter clearing brambles and building raised beds, and the first vegetables were planted last weekend.

The garden is open to everyone during library hours, and a gardening club will meet there on Saturday
mornings. Anyone who would like a bed of their own is asked to put their name down at the front desk.
""",
    lambda c: "\n".join([
        cookie_banner("We use cookies and data to deliver and maintain services, track outages, measure "
                      "engagement and show personalised ads.", "Accept all", "Reject all"),
        '<div class="top-bar"><a href="/subscribe">Subscribe</a> <a href="/login">Sign in</a> '
        '<a href="/newsletters">Newsletters</a> <a href="/e-paper">Today\'s paper</a></div>',
        header("Eastvale Today", ["News", "Eastvale news", "Crime", "Politics", "Health", "Education",
                                  "Sport",
                                  "Football", "Cricket", "What's on", "Food and drink", "Property", "Motors",
                                  "Jobs", "Announcements", "Obituaries", "Puzzles", "Weather", "Traffic",
                                  "Offers"]),
        '<div class="ad-leaderboard">Advertisement</div>',
        '<main><article class="article"><h1>Community garden opens behind Eastvale library</h1>'
        '<div class="article-meta"><span class="author">By Newsdesk</span> <time>Saturday 6 April 2024, '
        "8:00am</time> <span>1 min read</span></div>" + share_bar()
        + f'<div class="article-body">\n{c}\n</div>'
        '<div class="article-footer">Got a story? Email newsdesk@eastvale-today.example</div></article>',
        '<section class="more-stories"><h2>More stories</h2>'
        '<div class="teaser"><a href="/n/1"><h3>Bypass plans go on display</h3></a><p>Residents can see the '
        "latest drawings for the long-awaited bypass at the town hall this week.</p></div>"
        '<div class="teaser"><a href="/n/2"><h3>School wins national award</h3></a><p>Pupils at Eastvale '
        "High have been recognised for their work on a river clean-up project.</p></div>"
        '<div class="teaser"><a href="/n/3"><h3>Market stalls return</h3></a><p>The Thursday market is back '
        "after refurbishment work on the square was finished ahead of schedule.</p></div></section>",
        '<div class="ad-mpu">Advertisement</div>',
        "</main>",
        footer("Eastvale Today, part of Regional Media Group", 2024,
               ["About us", "Contact us", "Work for us", "Advertise", "Terms and conditions",
                "Privacy notice",
                "Cookie notice", "Manage cookie preferences", "Complaints", "Corrections", "Sitemap",
                "Archive", "Topics"],
               '<p>This website and its associated newspaper adhere to the Independent Press Standards '
               "Organisation's Editors' Code of Practice.</p>"),
    ]),
)

# 15. Q&A site: the question and the answers are the content; votes, user cards, comments are not.
page(
    "https://askdev.example/questions/7731/why-does-my-loop-skip-items",
    "qa", "en", "Why does my loop skip items when I remove from a list?",
    """
I am trying to remove every even number from a list, but some of them stay in the list. What am I
doing wrong?

```
numbers = [2, 4, 5, 6, 8]
for n in numbers:
    if n % 2 == 0:
        numbers.remove(n)
print(numbers)  # [4, 5, 8]
```

!! <div class="post-meta">asked <time>Jan 3, 2023 at 14:21</time> <a href="/users/5512/lena">lena</a> 1,204
!! <span class="badge">●3</span></div>

!! <div class="answers-header"><h2>2 Answers</h2> <span>Sorted by: Highest score</span></div>

!! <div class="vote">187</div> <span class="accepted">✓ Accepted</span>

Removing an item shifts every later item one place to the left, but the loop's internal index still
moves forward. The item that slid into the current position is therefore never examined.

Build a new list instead of changing the one you are looping over:

```
numbers = [n for n in numbers if n % 2 != 0]
```

!! <div class="user-card">answered Jan 3, 2023 at 14:25 <a href="/users/88/marcus">marcus</a> 98.1k</div>

!! <div class="vote">23</div>

If you really need to modify the list in place, loop over a copy with `for n in numbers[:]` so that
the removals do not affect the iteration.
""",
    lambda c: "\n".join([
        header("AskDev", ["Questions", "Tags", "Users", "Companies", "Unanswered"]),
        '<div id="left-sidebar">' + links(["Home", "Questions", "Tags", "Saves", "Users"]) + "</div>",
        '<div id="mainbar"><h1 itemprop="name"><a class="question-hyperlink" href="#">Why does my loop skip '
        "items when I remove from a list?</a></h1>"
        '<div class="question-stats">Asked 1 year ago · Viewed 48k times</div>'
        f'<div class="post-layout">\n{c}\n</div>'
        '<div class="comments"><ul><li class="comment">This is a very common pitfall, see also the FAQ. '
        '– <a href="/users/1">admin</a></li></ul></div>'
        '<h2 class="bottom-notice">Not the answer you\'re looking for? Browse other questions tagged '
        '<a href="/tags/python">python</a> or ask your own question.</h2></div>',
        sidebar(widget("Linked", links(["Modifying list while iterating", "How to remove items in a loop"])),
                widget("Hot Network Questions", links(["Is it safe to eat raw flour?", "Why do cats purr?",
                                                       "Best way to learn Rust in 2024?"]))),
        footer("AskDev Inc", 2024, ["About", "Press", "Legal", "Privacy Policy", "Terms of Service"],
               "<p>Site design / logo © 2024 AskDev Inc; user contributions licensed under CC BY-SA.</p>"),
    ]),
)

# 16. Academic abstract page: the abstract is the content; authors, citation tools and metrics are not.
page(
    "https://journals.example/article/10.5555/jhg.2023.0412",
    "abstract", "en", "Hedgerow connectivity and the movement of small mammals in arable landscapes",
    """
## Abstract

Hedgerows are widely assumed to act as corridors for small mammals in farmland, but few studies have
followed individual animals across whole landscapes. We fitted miniature radio tags to 64 wood mice
and 41 bank voles on three arable farms and tracked them for up to three weeks each.

Both species travelled mainly along hedgerows, and gaps wider than twenty metres were crossed
rarely. Bank voles were more strongly tied to hedgerows than wood mice, which frequently foraged in
crops after harvest. Our results support planting to close gaps in existing hedgerows as a cheap way
to improve connectivity for woodland species on farms.
""",
    lambda c: "\n".join([
        header("Journal of Hedgerow Ecology", ["Journal home", "Current issue", "All issues", "Submit",
                                               "Subscribe", "About"]),
        f'<main><article><div class="article-header"><span class="article-type">Research article</span>'
        "<h1>Hedgerow connectivity and the movement of small mammals in arable landscapes</h1>"
        '<ul class="authors"><li>A. Fenwick</li><li>R. D. Mahmood</li><li>C. Lowe</li></ul>'
        '<p class="citation">Journal of Hedgerow Ecology, Volume 12, Issue 4, pp. 311-329. '
        "https://doi.org/10.5555/jhg.2023.0412</p>"
        '<div class="article-tools"><a href="/pdf">Download PDF</a> <a href="/cite">Cite this article</a> '
        '<a href="/perm">Request permissions</a></div></div>'
        f'<section class="abstract">\n{c}\n</section>'
        '<div class="keywords">Keywords: <a>hedgerows</a> <a>radio tracking</a> <a>wood mouse</a> '
        "<a>bank vole</a></div>"
        '<div class="metrics">Accesses 1,842 · Citations 7 · Altmetric 23</div></article></main>',
        footer("Academic Publishing Group", 2023,
               ["Contact", "Terms", "Privacy", "Accessibility", "Cookies"]),
    ]),
)

# 17. Release notes: version subheads and bullet lists.
page(
    "https://pixelpad.example/releases",
    "changelog", "en", "PixelPad release notes",
    """
## Version 4.2.0

- Layers can now be grouped and collapsed in the layer panel
- The colour picker remembers the last twelve colours you used
- Fixed a crash when exporting very large images to PNG

## Version 4.1.3

- Fixed brush lag on tablets with high report rates
- Improved the speed of the blur filter by about forty per cent

## Version 4.1.2

- Fixed a bug that could reset keyboard shortcuts after an update
""",
    lambda c: "\n".join([
        header("PixelPad", ["Features", "Pricing", "Download", "Tutorials", "Release notes", "Support"]),
        f'<main class="container"><h1>PixelPad release notes</h1>\n<div '
        f'class="changelog">\n{c}\n</div></main>',
        '<section class="cta-band"><h2>Ready to start drawing?</h2><a href="/download">Download '
        'free trial</a>'
        "</section>",
        footer("PixelPad Software", 2024, ["Blog", "Press kit", "Licence", "Privacy", "Contact"]),
    ]),
)

# 18. Film review with a verdict box (content) and star rating, cast list and showtimes (not).
page(
    "https://screen-notes.example/reviews/the-lighthouse-keepers-daughter",
    "review", "en", "The Lighthouse Keeper's Daughter review",
    """
!! <div class="rating" aria-label="4 out of 5 stars">★★★★☆</div>

!! <p class="byline">Reviewed by Hannah Lee · 18 February 2024</p>

Set on a rock off the Cornish coast in 1911, this slow, beautiful drama follows a girl who keeps her
father's light burning after he falls ill. It is a film of weather and routine: wicks trimmed, brass
polished, the logbook filled in by candlelight.

The young lead carries almost every scene with very little dialogue, and the camera lingers on the sea
until you can nearly feel the spray. Some viewers will find the pace trying, especially in a middle
section where very little happens.

## Our verdict

A patient, absorbing film with a remarkable central performance. Worth seeing on the biggest screen
you can find.
""",
    lambda c: "\n".join([
        header("Screen Notes", ["Reviews", "News", "Features", "Streaming", "Awards", "Newsletter"]),
        f'<main><article class="review"><h1>The Lighthouse Keeper\'s Daughter review</h1>\n{c}\n</article>'
        '<aside class="film-facts"><h3>Film facts</h3><dl><dt>Director</dt><dd>Morwenna Hale</dd>'
        "<dt>Running time</dt><dd>118 minutes</dd><dt>Certificate</dt><dd>PG</dd></dl>"
        '<a href="/showtimes/4412">Find showtimes near you</a></aside>',
        related("More reviews", ["Glass Harbour review", "The Long Field review", "Night Trains review"]),
        "</main>",
        footer("Screen Notes", 2024, ["About", "Contact", "Privacy", "Terms"]),
    ]),
)

# 19. Travel guide with sections and a practical-information list, plus a booking widget.
page(
    "https://wander-slow.example/guides/ljubljana-weekend",
    "travel", "en", "A weekend in Ljubljana",
    """
Ljubljana is small enough to cross on foot in half an hour, and the old town along the river has been
closed to cars for years. That makes it one of the most relaxed capitals in Europe for a short break.

## Day one

Start at the Triple Bridge and walk up to the castle through the wooded paths rather than taking the
funicular. The view from the tower takes in the whole city and, on a clear day, the Alps to the north.

## Day two

Spend the morning at the central market, where farmers sell cheese, honey and mountain herbs, then rent a
bicycle and follow the tree-lined path around the city known as the Path of Remembrance and Comradeship.

## Practical information

- The airport bus to the centre takes about 45 minutes
- Most restaurants close their kitchens by ten in the evening
- Tap water is safe and very good to drink
""",
    lambda c: "\n".join([
        header("Wander Slow", ["Destinations", "Guides", "Rail travel", "Itineraries", "About"]),
        f'<main><article class="guide"><h1>A weekend in Ljubljana</h1>'
        '<p class="post-meta">Last updated April 2024 · This post contains affiliate links.</p>'
        f"\n{c}\n</article>"
        '<div class="booking-widget"><h3>Find hotels in Ljubljana</h3><form><input name="checkin">'
        '<input name="checkout"><button>Search</button></form></div>'
        + sidebar(widget("Popular guides", links(["Three days in Trieste", "Zagreb by train",
                                                  "Lake Bled without the crowds"])),
                  widget("Instagram", '<div class="insta-feed">@wanderslow</div>')) + "</main>",
        footer("Wander Slow", 2024, ["Work with me", "Disclosure", "Privacy"]),
    ]),
)

# 20. Magazine article followed by teaser paragraphs of other articles (full sentences, not content).
page(
    "https://quarterly-thinking.example/essays/on-boredom",
    "magazine", "en", "In praise of boredom",
    """
For most of history boredom was simply part of life: the long walk to market, the winter evening, the
wait for a letter. Today almost every idle minute can be filled with a phone, and many of us reach for
one before we have even noticed we are bored.

Psychologists have begun to suspect that something is lost in the process. In several experiments,
people who were first given a dull task, such as copying numbers from a phone book, went on to produce
more ideas in a creative test than people who went straight to it.

Boredom, in this view, is a signal rather than a problem. It tells us that what we are doing does not
engage us and nudges the mind to wander, and a wandering mind is good at finding connections that a
focused one misses.
""",
    lambda c: "\n".join([
        header("Quarterly Thinking", ["Essays", "Science", "Culture", "Ideas", "Issues", "Subscribe"]),
        f'<main><article class="essay"><h1>In praise of boredom</h1>'
        '<p class="standfirst-meta">By Idris Cole · 9 minute read</p>\n'
        f"<div class=\"essay-body\">\n{c}\n</div></article>"
        '<section class="you-might-also-like"><h2>You might also like</h2>'
        '<div class="card"><h3><a href="/essays/slow-reading">The case for slow reading</a></h3><p>Reading '
        "fewer books more carefully may teach us more than racing through a list.</p></div>"
        '<div class="card"><h3><a href="/essays/walking">Why great thinkers walked</a></h3><p>From Darwin to '
        "Woolf, a daily walk was where many of the best ideas took shape.</p></div>"
        '<div class="card"><h3><a href="/essays/silence">A short history of silence</a></h3><p>Monks, '
        "librarians and sound engineers on the value of quiet.</p></div></section></main>",
        footer("Quarterly Thinking", 2024, ["About", "Write for us", "Privacy", "Terms"],
               newsletter("The weekly essay", "One long read in your inbox every Sunday morning.")),
    ]),
)

# 21. An event page: description and a details list.
page(
    "https://hillside-arts.example/events/open-studios-2024",
    "event", "en", "Hillside Open Studios 2024",
    """
Over two weekends in June, more than forty artists across the Hillside valley open their studios to the
public. Visitors can watch potters, printmakers, weavers and painters at work, ask questions and buy
pieces directly from the people who made them.

- Dates: 8 to 9 and 15 to 16 June 2024
- Opening hours: 10am to 5pm
- Entry: free, no booking needed

A printed trail map is available from the tourist information centre, and most studios are within a
short walk of a bus stop on the valley route.
""",
    lambda c: "\n".join([
        header("Hillside Arts", ["What's on", "Artists", "Workshops", "Venue hire", "Support us"]),
        f'<main><div class="event"><h1>Hillside Open Studios 2024</h1>\n<div class="event-description">\n'
        f"{c}\n</div>"
        '<div class="add-to-calendar"><a href="/ics/412">Add to calendar</a> <a href="#">Google '
        'Calendar</a></div>'
        "</div></main>",
        sidebar(widget("Upcoming events", links(["Life drawing drop-in", "Summer print fair",
                                                 "Family clay day"]))),
        footer("Hillside Arts Trust, registered charity 1098765", 2024,
               ["Contact", "Privacy", "Accessibility"]),
    ]),
)

# 22. A how-to with an ordered list of steps and a warning box, in a div-soup layout.
page(
    "https://fixitguide.example/how-to/replace-a-tap-washer",
    "howto", "en", "How to replace a tap washer",
    """
A dripping tap usually means the rubber washer inside it has worn out. Replacing it takes about twenty
minutes and costs very little.

> Turn off the water supply to the tap before you start, and open the tap to drain the pipe.

1. Prise off the decorative cap on top of the tap handle and undo the screw underneath.
1. Lift off the handle and unscrew the headgear nut with an adjustable spanner.
1. Remove the old washer from the bottom of the headgear and fit a new one of the same size.
1. Reassemble the tap, turn the water back on and check that the drip has stopped.

If the tap still drips with a new washer, the valve seat may be worn, and it will need to be reground or
the tap replaced.
""",
    lambda c: "\n".join([
        '<div id="wrapper"><div id="top">' + header("FixIt Guide", ["How-to", "Plumbing", "Electrics",
                                                                    "Decorating", "Tools", "Ask an expert"])
        + "</div>",
        '<div id="col-left">' + links(["Plumbing basics", "Taps", "Toilets", "Radiators"]) + "</div>",
        f'<div id="col-main"><div class="howto-title"><h1>How to replace a tap washer</h1></div>'
        '<div class="difficulty">Difficulty: Easy · Time: 20 minutes</div>'
        f'<div class="howto-body">\n{c}\n</div>'
        '<div class="tools-needed"><b>You will need:</b> adjustable spanner, screwdriver, new washer</div>'
        '<div class="helpful">Did this guide help you? <button>Yes</button> <button>No</button></div></div>',
        '<div id="col-right"><div class="promo">Need a plumber? Get three quotes from vetted local '
        "tradespeople.</div></div></div>",
        footer("FixIt Guide", 2024, ["About", "Advertise", "Privacy", "Terms of use"]),
    ]),
)

# 23. German news article with a cookie banner, byline and related links.
page(
    "https://nordkurier-online.example/region/neuer-radweg-eroeffnet",
    "foreign", "de", "Neuer Radweg zwischen Altstadt und Hafen eröffnet",
    """
!! <p class="autor">Von Jana Brückner · 04.06.2024, 16:20 Uhr</p>

Radfahrer können ab sofort auf einem eigenen Weg von der Altstadt bis zum Hafen fahren. Die neue
Strecke ist knapp drei Kilometer lang und verläuft größtenteils getrennt vom Autoverkehr entlang des
alten Bahndamms.

Die Stadt hat für den Bau rund 1,2 Millionen Euro ausgegeben, zwei Drittel davon kamen aus einem
Förderprogramm des Landes. An drei Stellen wurden neue Ampeln installiert, damit Radfahrer die
Hauptstraßen sicher überqueren können.

!! <div class="anzeige">Anzeige</div>

Der Fahrradclub begrüßt den Radweg, fordert aber eine bessere Beleuchtung. Vor allem im Winter sei der
Abschnitt am Güterbahnhof abends sehr dunkel. Die Stadtverwaltung hat angekündigt, dort noch in diesem
Jahr Laternen aufzustellen.
""",
    lambda c: "\n".join([
        cookie_banner("Wir verwenden Cookies und ähnliche Technologien, um Inhalte zu personalisieren und "
                      "Zugriffe zu analysieren. Mit Klick auf Zustimmen willigen Sie ein.", "Zustimmen",
                      "Einstellungen"),
        header("Nordkurier Online", ["Startseite", "Region", "Politik", "Wirtschaft", "Sport", "Kultur",
                                     "Service", "E-Paper", "Abo"]),
        f'<main><article><h1>Neuer Radweg zwischen Altstadt und Hafen eröffnet</h1>\n{c}\n</article>'
        + related("Das könnte Sie auch interessieren", ["Baustelle am Markt dauert länger",
                                                         "Hafenfest mit Rekordbesuch",
                                                         "Neue Buslinie ab Juli"]) + "</main>",
        footer("Nordkurier Online", 2024, ["Impressum", "Datenschutz", "AGB", "Kontakt", "Mediadaten"]),
    ]),
)

# 24. French blog post with a sidebar and comments.
page(
    "https://petit-potager.example/2024/04/semer-les-radis",
    "foreign", "fr", "Semer des radis en avril",
    """
Le radis est sans doute le légume le plus facile à cultiver au potager. Il pousse en moins d'un mois, se
contente d'un petit coin de terre et pardonne beaucoup d'erreurs aux jardiniers débutants.

Semez en ligne, à un centimètre de profondeur, dans une terre fine et bien arrosée. Éclaircissez dès que
les premières feuilles apparaissent pour laisser trois centimètres entre chaque plant, sinon les racines
restent minuscules.

Arrosez régulièrement : un radis qui manque d'eau devient creux et piquant. Pour en récolter tout l'été,
faites un petit semis toutes les deux semaines plutôt qu'un grand semis unique.
""",
    lambda c: "\n".join([
        header("Le Petit Potager", ["Accueil", "Légumes", "Fruits", "Calendrier", "À propos"], search=False),
        f'<div class="contenu"><article class="post"><h1>Semer des radis en avril</h1>'
        '<div class="meta">Publié le 12 avril 2024 par Camille</div>\n'
        f'<div class="entry-content">\n{c}\n</div></article>',
        sidebar(widget("À propos", "<p>Je jardine sur un petit terrain en Bretagne depuis dix ans.</p>"),
                widget("Catégories", links(["Légumes", "Semis", "Outils", "Compost"]))),
        "</div>",
        comments([("Lucie", "13 avril 2024", "Merci pour l'astuce des semis toutes les deux semaines !"),
                  ("Marc", "14 avril 2024", "Les miens sont toujours creux, je vais arroser davantage.")],
                 "commentaires"),
        footer("Le Petit Potager", 2024, ["Mentions légales", "Contact"]),
    ]),
)

# 25. Spanish recipe with ingredients and steps.
page(
    "https://cocina-de-abuela.example/recetas/tortilla-de-patatas",
    "foreign", "es", "Tortilla de patatas",
    """
La tortilla de patatas es uno de los platos más sencillos y queridos de la cocina española. Solo
necesita huevos, patatas, aceite de oliva y, si se quiere, cebolla.

## Ingredientes

- 4 patatas medianas
- 6 huevos
- 1 cebolla
- Aceite de oliva y sal

## Preparación

1. Pela las patatas, córtalas en láminas finas y fríelas a fuego lento con la cebolla durante veinte minutos.
1. Escurre el aceite y mezcla las patatas con los huevos batidos y una pizca de sal.
1. Cuaja la mezcla en una sartén, dale la vuelta con ayuda de un plato y deja que se dore por el otro lado.
""",
    lambda c: "\n".join([
        cookie_banner("Utilizamos cookies propias y de terceros para mejorar nuestros servicios.",
                      "Aceptar", "Configurar"),
        header("La Cocina de la Abuela", ["Inicio", "Recetas", "Postres", "Vídeos", "Contacto"]),
        f'<main><article class="receta"><h1>Tortilla de patatas</h1>'
        '<div class="valoracion">★★★★★ (87 votos)</div>\n'
        f"{c}\n</article>"
        + related("Recetas relacionadas", ["Gazpacho andaluz", "Croquetas de jamón", "Pisto manchego"])
        + "</main>",
        footer("La Cocina de la Abuela", 2024, ["Aviso legal", "Política de privacidad", "Cookies"]),
    ]),
)

# 26. Portuguese article in a div-soup layout with a newsletter box.
page(
    "https://revista-cidade.example/cultura/azulejos-de-lisboa",
    "foreign", "pt", "A história dos azulejos de Lisboa",
    """
Os azulejos chegaram a Portugal no século XV, trazidos de Sevilha, e depressa se tornaram parte da
identidade do país. Em Lisboa cobrem fachadas, igrejas, estações de metro e até bancos de jardim.

Depois do terramoto de 1755, a reconstrução da cidade fez crescer a procura por azulejos baratos e
produzidos em série. Foi nessa época que surgiram os padrões geométricos que ainda hoje se veem em
tantos prédios da Baixa.

Quem quiser saber mais deve visitar o Museu Nacional do Azulejo, instalado num antigo convento, onde
se pode seguir cinco séculos de história da cerâmica portuguesa.
""",
    lambda c: "\n".join([
        header("Revista Cidade", ["Início", "Cultura", "Gastronomia", "Viagens", "Opinião", "Assinar"]),
        f'<div class="wrap"><div class="col-8"><div class="titulo"><h1>A história dos azulejos de Lisboa</h1>'
        '</div><div class="autor">Texto de Rui Sampaio</div>\n'
        f'<div class="texto">\n{c}\n</div></div>'
        '<div class="col-4">' + newsletter("Receba a nossa newsletter", "As melhores histórias da semana.")
        + links(["Os melhores miradouros", "Onde comer pastéis de nata", "Passeio pelo Tejo"])
        + "</div></div>",
        footer("Revista Cidade", 2024, ["Ficha técnica", "Privacidade", "Contactos"]),
    ]),
)

# 27-30. Pages with no main text: login form, empty search, JS app with noscript, cookie wall.
PAGES.append({
    "url": "https://account.example/login", "kind": "near_empty", "lang": "en",
    "html": doc("Sign in", "en", '<main class="login"><h1>Sign in</h1><form><label>Email address <input '
                "type=\"email\"></label><label>Password <input type=\"password\"></label><label><input "
                'type="checkbox"> Remember me</label><button>Sign in</button></form><p><a '
                'href="/reset">Forgot '
                'your password?</a> · <a href="/register">Create an account</a></p></main>'),
    "main_text": "",
})
PAGES.append({
    "url": "https://shop.example/search?q=blue+kettle", "kind": "near_empty", "lang": "en",
    "html": doc("Search results - Shop", "en", header("Shop", ["Kitchen", "Home", "Garden", "Offers"])
                + '<main><h1>Search results for "blue kettle"</h1><p class="no-results">0 results found.</p>'
                '<ul class="suggestions"><li>Check your spelling</li><li>Try more general '
                'words</li></ul></main>'
                + footer("Shop", 2024, ["Help", "Returns", "Privacy"])),
    "main_text": "",
})
PAGES.append({
    "url": "https://tasks.example/app", "kind": "near_empty", "lang": "en",
    "html": doc("Tasks", "en", '<noscript>You need to enable JavaScript to run this app.</noscript>'
                '<div id="app"></div><script src="/static/app.4f1e.js"></script>'),
    "main_text": "",
})
PAGES.append({
    "url": "https://news-portal.example/consent", "kind": "near_empty", "lang": "en",
    "html": doc("Before you continue", "en", '<div class="consent-wall"><h1>Before you continue</h1>'
                "<p>We use "
                "cookies and data to deliver and maintain our services and to show personalised ads. If you "
                'choose to accept all, we will also use cookies to develop new services.</p><button>Accept '
                "all</button> <button>Reject all</button> <a href=\"/consent/more\">More options</a></div>"),
    "main_text": "",
})
