"""Cleaning on real articles: headers, furniture, wrapped lines, truncation."""
from storytrace.clean import clean_text
from storytrace.ingest import read_paths


def _read(path):
    return open(path, encoding="utf-8").read()


def test_aggregator_header_and_app_promo_removed(seeds):
    path = next(seeds.glob("004_*.txt"))
    c = clean_text(_read(path))
    assert c.title == "Intelligence Shows Iran Is Helping Russia Build Drones"
    assert c.byline == "Bob Cronin" and c.outlet == "Newser"
    assert c.published == "2022-11-19T14:15-06:00"
    removed = " | ".join(c.boilerplate_removed)
    for junk in ("Tap to install our app", "Install the Newser News app", "(AP Photo/Roman Hrytsyna, File)",
                 "(More Russia-Ukraine war stories.)"):
        assert junk in removed
        assert junk not in c.text
    assert c.text.startswith("Iran has agreed to help Russia build hundreds")
    assert c.text.endswith('That will have benefits for both Russia and Iran."')
    assert not c.truncated


def test_excerpt_marked_truncated_and_title_taken(seeds):
    c = clean_text(_read(next(seeds.glob("001_*.txt"))))
    assert c.truncated
    assert "Continue reading" not in c.text
    assert c.title == "Iran will help Russia build drones for Ukraine war, Western officials say"
    assert c.text.startswith("After weeks of savaging Ukrainian cities")


def test_hard_wrapped_lines_joined_into_paragraphs(seeds):
    c = clean_text(_read(next(seeds.glob("003_*.txt"))))
    paras = c.text.split("\n")
    assert len(paras) == 5
    assert "plans to construct a drone factory in Russia" in paras[0]
    assert paras[1].startswith("A high-level Iranian delegation visited Russia in early January")
    assert c.title == "Tehran and Moscow Join Forces to Develop Advanced Drone Technology"


def test_article_without_header_is_left_whole(seeds):
    raw = _read(next(seeds.glob("000_*.txt")))
    c = clean_text(raw)
    assert c.title is None
    assert c.text == raw.strip()


def test_wire_copy_furniture_removed(corpora):
    """Agency copy (latin-1 bytes, control characters, '<' line ends, slug lines, sign-offs)."""
    path = next((corpora / "meter/raw/PA/courts/27.01.00/doctor").glob("doctor1.txt"))
    [a] = list(read_paths([path]))
    assert a.title == "SHIPMAN JURY RESUME DELIBERATIONS"
    assert a.byline == "Peter Beal" and a.outlet == "PA News"
    assert "\x19" not in a.text and "<" not in a.text and "-----" not in a.text
    assert "12:45" not in a.text and not a.text.rstrip().endswith("end")
    assert "The jury in the Harold Shipman trial were today resuming their deliberations for a fourth day." in a.text
    assert "\u00a3386,000" in a.text or "#386,000" in a.text


def test_clean_input_keeps_offsets(corpora):
    """An already clean annotated text passes unchanged, so gold offsets stay valid."""
    import json
    with open(corpora / "basil/articles.jsonl", encoding="utf-8") as fh:
        rows = [json.loads(next(fh)) for _ in range(30)]
    unchanged = sum(clean_text(r["text"], parse_header=False).text == r["text"].strip() for r in rows)
    assert unchanged >= 28


def test_read_more_links_mid_text_are_not_truncation(corpora):
    """'Read more' between paragraphs links another story; at the very end it marks a cut."""
    body = "First paragraph of the story, long enough to count.\nRead more\nSecond paragraph goes on."
    c = clean_text(body, parse_header=False)
    assert not c.truncated and "Read more" in c.boilerplate_removed and "Second paragraph" in c.text
    c = clean_text(body.rsplit("\n", 1)[0], parse_header=False)
    assert c.truncated


def test_real_page_furniture_in_crawled_texts(corpora):
    """Crawled texts keep captions and promos ('Enlarge this image toggle caption ...')."""
    from storytrace.ingest import read_paths

    arts = list(read_paths([corpora / "giveme5w1h/articles.jsonl"]))
    removed = [r for a in arts for r in a.boilerplate_removed]
    assert sum("toggle caption" in r for r in removed) >= 5
    assert not any("toggle caption" in a.text for a in arts)
    assert sum(a.truncated for a in arts) < 0.1 * len(arts)
