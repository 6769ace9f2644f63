"""WARC files for tests, written with warcio: good pages and every kind of bad record."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ARTICLE = (
    "<html><head><title>{title}</title></head><body><nav><a href='/'>Home</a></nav><article>"
    "<h1>{title}</h1>{paragraphs}</article><footer>Contact us</footer></body></html>"
)
SENTENCES = [
    "The river carries fine silt down from the hills every spring, and the farmers along its "
    "banks have learned to plant only after the water has fallen back into its usual bed.",
    "Old maps of the valley show three mills, but only one still turns, and the family who runs "
    "it grinds flour for the bakeries in the market town on the far side of the bridge.",
    "Visitors who walk the towpath in the early morning often see herons standing in the "
    "shallows, perfectly still, waiting for a careless fish to come close to the surface.",
]


def article(title: str, n: int = 3) -> str:
    paragraphs = "".join(f"<p>{SENTENCES[i % 3]} {title} is part {i}.</p>" for i in range(n))
    return ARTICLE.format(title=title, paragraphs=paragraphs)


def response(writer: WARCWriter, url: str, body: bytes, content_type="text/html; charset=utf-8",
             status="200 OK") -> None:
    http = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(url, "response", payload=BytesIO(body),
                                                  http_headers=http))


def write_warc(path: Path, pages: list[tuple[str, bytes]], gzip: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=gzip)
        for url, body in pages:
            response(writer, url, body)
    return path


def good_pages(prefix: str, n: int) -> list[tuple[str, bytes]]:
    return [(f"https://{prefix}.example/{i}", article(f"{prefix} story {i}").encode())
            for i in range(n)]
