"""extract_page: HTML, PDF and plain bodies → the document's Markdown, and nothing else."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from conductatlas_cli.errors import ExtractError
from conductatlas_cli.extract.evidence import Evidence, ExtractRequest, fingerprint
from conductatlas_cli.extract.extractor import extract_page, extractor_id
from conductatlas_cli.snapshot.normalize import normalize_text

DATA = Path(__file__).parent / "data" / "extract"
CASES = sorted(p.stem for p in DATA.glob("*.html"))
URL = "https://example.com/policy"


def html(body: bytes | str, **options) -> str:
    if isinstance(body, str):
        body = body.encode("utf-8")
    return extract_page(ExtractRequest(body, content_type="text/html", url=URL, **options)).text


def make_pdf(*pages: str) -> bytes:
    """A minimal valid PDF, one text line per page, written by hand (correct xref)."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>")
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, text in enumerate(pages):
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET"
        objects.append(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>"
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{obj}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def case_options(case: str) -> dict:
    """<case>.json's options; its "evidence" names blocks by their text, as a run would see them."""
    options_file = DATA / f"{case}.json"
    options = json.loads(options_file.read_text("utf-8")) if options_file.exists() else {}
    if "evidence" in options:
        given = options["evidence"]
        options["evidence"] = Evidence(
            chrome=frozenset(fingerprint(t) for t in given.get("chrome", ())),
            volatile=frozenset(fingerprint(t) for t in given.get("volatile", ())),
            container=given.get("container"),
            known=frozenset(fingerprint(t) for t in given.get("known", ())),
        )
    return options


@pytest.mark.parametrize("case", CASES)
def test_html_cases(case):
    """Each tests/data/extract/<case>.html gives exactly <case>.md (options from <case>.json)."""
    source = DATA / f"{case}.html"
    expected = source.with_suffix(".md").read_text("utf-8")
    assert html(source.read_bytes(), **case_options(case)) == expected


@pytest.mark.parametrize(
    ("case", "kept"),
    [
        ("site_chrome", "We recently updated our Privacy Notice."),
        ("site_chrome", "- Deutsch"),
        ("volatile_promotion", "Summer offer"),
        ("stable_container", None),
    ],
)
def test_evidence_cases_differ_without_evidence(case, kept):
    """The evidence cases pin the evidence: without it, the page gives another text."""
    source = (DATA / f"{case}.html").read_bytes()
    without = html(source)
    assert without != html(source, **case_options(case))
    if kept:
        assert kept in without


def test_page_reports_blocks_and_container_path():
    """extract_page gives the page's block fingerprints and the path of its container."""
    page = extract_page(
        ExtractRequest(
            (DATA / "stable_container.html").read_bytes(), content_type="text/html", url=URL
        )
    )
    assert page.container == "/html/body/div/div[1]"
    assert fingerprint("Questions about an order? Call us on weekdays.") in page.blocks
    assert page.text == html((DATA / "stable_container.html").read_bytes())


def test_container_follows_the_page_when_text_beside_it_changed():
    """The container chosen last time goes when the text it would add is new."""
    source = (DATA / "stable_container.html").read_bytes()
    options = case_options("stable_container")
    changed = replace(options["evidence"], known=frozenset())
    assert html(source, evidence=changed) == html(source)


def test_stale_container_path_is_ignored():
    """A container path from an older layout that names nothing on the page changes nothing."""
    source = (DATA / "stable_container.html").read_bytes()
    stale = Evidence(container="/html/body/section[3]/div")
    assert html(source, evidence=stale) == html(source)


def test_evidence_covering_half_the_page_is_set_aside():
    """Two documents that are the same page keep their text: shared blocks are not chrome."""
    source = (DATA / "site_chrome.html").read_bytes()
    page = extract_page(ExtractRequest(source, content_type="text/html", url=URL))
    assert html(source, evidence=Evidence(chrome=page.blocks)) == html(source)


def test_headings_survive_without_main_container():
    """Headings in plain divs (no <main>/<article>) are kept as Markdown headings."""
    out = html((DATA / "no_main_headings.html").read_bytes())
    assert "## 1. Scope" in out and "### 2.1 High-risk uses" in out
    assert "Pricing" not in out and "Cookies" not in out


def test_list_item_paragraphs_stay_apart_once_normalized():
    """A list item's paragraphs ("Necessary cookies", "Type: …") stay lines of their own."""
    lines = normalize_text(html((DATA / "list_item_paragraphs.html").read_bytes())).splitlines()
    assert "- Necessary cookies" in lines and "  Type: session cookies" in lines
    assert "## 1. On our website" in lines


def test_two_line_breaks_end_a_paragraph():
    """<br><br> (or <br>&zwj;<br>) ends a paragraph: the next line is not reflowed into it."""
    lines = normalize_text(html((DATA / "br_paragraphs.html").read_bytes())).splitlines()
    assert "Write to privacy@alder.example for anything this policy covers." in lines
    assert "Alder Ltd 1 Harbour Street Dublin, Ireland" in lines  # one <br>: one paragraph


def test_hero_title_is_kept_beside_the_documents_own_title():
    """A hero's <h1> and date before a text with its own <h1> are the page's: both kept."""
    out = html((DATA / "hero_title_before_document.html").read_bytes())
    assert out.startswith("# Privacy Policy\n\nMonday, March 2, 2026\n\n# Rowan Studio")
    assert "Pricing" not in out and "Terms" not in out


def test_select_wins_over_detection():
    """With `select`, text outside the match is dropped even where detection would keep it."""
    out = html((DATA / "select_and_remove.html").read_bytes(), select=["#terms"])
    assert "outside the selected element" not in out
    assert "Try our new product" in out  # no `remove` given: the promo stays


def test_remove_applies_without_select():
    """`remove` alone drops its matches from an auto-detected document."""
    out = html((DATA / "select_and_remove.html").read_bytes(), remove=[".promo", "h1"])
    assert "Try our new product" not in out and "Site chrome title" not in out
    assert "Only this section is the document." in out


def test_pdf_text_page_by_page():
    """A PDF's pages come out in order, a blank line between them."""
    pdf = make_pdf("First page text.", "Second page text.")
    out = extract_page(ExtractRequest(pdf, content_type="application/pdf", url=URL)).text
    assert out == "First page text.\n\nSecond page text.\n"


def test_pdf_served_as_html_is_read_as_pdf():
    """A body starting with %PDF- is a PDF whatever its declared type."""
    out = extract_page(
        ExtractRequest(make_pdf("Policy text."), content_type="text/html", url=URL)
    ).text
    assert out == "Policy text.\n"


def test_encrypted_pdf_is_an_error():
    """A PDF that needs a password raises ExtractError naming the URL."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf("Secret text."))))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(ExtractError, match="encrypted") as info:
        extract_page(ExtractRequest(buffer.getvalue(), content_type="application/pdf", url=URL))
    assert URL in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(
    "body",
    [b"%PDF-1.4\nthis is not a pdf at all", make_pdf("Cut short.")[:60]],
    ids=["garbage", "truncated"],
)
def test_corrupt_pdf_is_an_error(body):
    """A corrupt or truncated PDF raises a one-line ExtractError."""
    with pytest.raises(ExtractError) as info:
        extract_page(ExtractRequest(body, content_type="application/pdf", url=URL))
    assert "\n" not in str(info.value)


def test_plain_text_and_markdown_as_they_are():
    """text/plain and text/markdown come back decoded, unchanged."""
    text = "# Title\n\nA line.  Two spaces.\n- item\n"
    for ctype in ("text/plain", "text/markdown; charset=utf-8", "application/json"):
        assert extract_page(ExtractRequest(text.encode(), content_type=ctype, url=URL)).text == text


def test_declared_charset_and_bom_decode():
    """A declared charset, a <meta> charset and a BOM each decode the body."""
    latin = ExtractRequest(
        "Café".encode("latin-1"), content_type="text/plain", url=URL, charset="iso-8859-1"
    )
    assert extract_page(latin).text == "Café"
    assert (
        extract_page(
            ExtractRequest(b"\xef\xbb\xbfna\xc3\xafve", content_type="text/plain", url=URL)
        ).text
        == "naïve"
    )
    page = '<html><head><meta charset="windows-1252"></head><body><p>Caf\xe9 cr\xe8me</p></body>'
    assert html(page.encode("cp1252")) == "Café crème\n"


@pytest.mark.parametrize(
    ("body", "ctype"),
    [(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
     (bytes(range(256)) * 4, "text/plain")],
    ids=["binary-type", "binary-as-text"],
)  # fmt: skip
def test_binary_input_is_an_error(body, ctype):
    """An image, or binary bytes labelled as text, raise ExtractError."""
    with pytest.raises(ExtractError):
        extract_page(ExtractRequest(body, content_type=ctype, url=URL))


def test_xhtml_with_xml_declaration():
    """application/xhtml+xml with an <?xml encoding?> declaration takes the HTML path."""
    page = (
        '<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml">'
        "<body><h1>Terms</h1><p>Voil\u00e0 the terms.</p></body></html>"
    )
    out = extract_page(
        ExtractRequest(page.encode(), content_type="application/xhtml+xml", url=URL)
    ).text
    assert out == "# Terms\n\nVoil\u00e0 the terms.\n"


def test_unlabelled_html_is_sniffed():
    """A body without a content type that looks like HTML takes the HTML path."""
    body = b"<!doctype html><html><body><p>Hello there.</p></body></html>"
    out = extract_page(ExtractRequest(body, content_type="", url=URL)).text
    assert out == "Hello there.\n"


def test_deterministic_and_independent_of_earlier_pages():
    """Same bytes give the same text, whether or not another page was extracted before."""
    page_a = (DATA / "no_main_headings.html").read_bytes()
    page_b = (DATA / "boilerplate.html").read_bytes()
    first = html(page_a)
    html(page_b)
    html(page_b.replace(b"Enforcement", b"Acme Usage Policy"))
    assert html(page_a) == first
    assert html(page_a) == html(page_a)


def test_empty_page_falls_back_to_trafilatura_and_is_stable():
    """A page our cleaning empties is handed to trafilatura, deterministically."""
    page = "<html><body><nav><p>" + "Only navigation text here. " * 20 + "</p></nav></body></html>"
    assert "Only navigation text here." in html(page)
    assert html(page) == html(page)
    assert html("<html><body></body></html>") == ""


def test_select_matching_nothing_warns(caplog):
    """A `select` that matches nothing logs a warning naming it, and extraction goes on."""
    out = html((DATA / "select_matches_nothing.html").read_bytes(), select=["#nope"])
    assert out.startswith("# Developer Terms")
    assert "'#nope' matched nothing" in caplog.text


def test_invalid_selector_is_an_error():
    """A selector that is not valid CSS raises a one-line ExtractError naming it."""
    with pytest.raises(ExtractError, match=r"'div\[' is not valid CSS"):
        html("<p>text</p>", select=["div["])


def test_deep_nesting_is_an_error_not_a_crash():
    """100 000 nested divs raise ExtractError quickly, never RecursionError."""
    page = "<html><body>" + "<div>" * 100_000 + "deep" + "</div>" * 100_000 + "</body></html>"
    start = time.perf_counter()
    with pytest.raises(ExtractError, match="limits"):
        html(page)
    assert time.perf_counter() - start < 5


def test_nesting_within_parser_limit_is_extracted():
    """250 nested divs (under lxml's 256-level limit) still give their text."""
    page = "<html><body>" + "<div>" * 250 + "<p>Deep text.</p>" + "</div>" * 250 + "</body></html>"
    assert html(page) == "Deep text.\n"


def test_huge_single_line_is_handled():
    """A 3 MB one-line page is extracted; a 10 MB text node is a one-line error."""
    line = "<p>" + "A sentence of policy text. " * 1000 + "</p>"
    out = html("<html><body>" + line * 110 + "</body></html>")
    assert out.count("\n\n") == 109
    with pytest.raises(ExtractError):
        html("<html><body><p>" + "x" * 11_000_000 + "</p></body></html>")


def test_extractor_id_names_versions():
    """extractor_id() names atlas's and trafilatura's versions."""
    from importlib.metadata import version

    from conductatlas_cli import __version__

    assert extractor_id() == f"atlas {__version__}; trafilatura {version('trafilatura')}"


def test_import_is_lazy():
    """Importing the module loads neither trafilatura, lxml nor pypdf."""
    code = (
        "import sys, conductatlas_cli.extract.extractor; "
        "print(sorted(m for m in ('trafilatura', 'lxml', 'pypdf') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
