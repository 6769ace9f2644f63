"""The web-demo WARC fixture is what the project's own generator writes from authored pages."""

from __future__ import annotations

from collections import Counter

import pytest
from support.make_warcs import FIXTURES, write_fixture
from support.pages import DATA, load_pages
from warcio.archiveiterator import ArchiveIterator

PAGES = load_pages("sample")

DEFAULT_FOLDER = DATA / "web-demo"


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_fixture_is_reproducible_from_the_generator(tmp_path, name):
    written = write_fixture(name, tmp_path)
    shipped = sorted((DATA / name).glob("*.warc.gz"))
    assert [p.name for p in written] == [p.name for p in shipped]
    for new, old in zip(written, shipped, strict=True):
        assert new.read_bytes() == old.read_bytes()


def test_fixture_holds_every_kind_of_page():
    kinds = Counter(p["kind"] for p in PAGES)
    assert kinds["article"] >= 5 and kinds["boilerplate"] >= 2
    assert kinds["foreign"] >= 3 and kinds["near_empty"] >= 2
    assert len({p["lang"] for p in PAGES if p["kind"] == "foreign"}) >= 3
    urls = []
    for path in sorted(DEFAULT_FOLDER.glob("*.warc.gz")):
        with open(path, "rb") as f:
            urls += [r.rec_headers.get_header("WARC-Target-URI")
                     for r in ArchiveIterator(f) if r.rec_type == "response"]
    assert sorted(urls) == sorted([p["url"] for p in PAGES] +
                                  ["https://photo-stream.example/p/48213.png"])
