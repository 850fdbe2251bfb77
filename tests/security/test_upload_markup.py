"""SECURITY.md 13: the markup search of uploads, the gaps decision 155 left. Addresses that run a
script (``vbscript:``, ``data:`` of a page or a script), HTML's whitespace before a handler's
``=``, a raw control character opening an unquoted value, and PHP's ``<?=`` whose code holds
``<`` or ``=`` are refused with the usual words; what only looks like them is accepted."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rewards.applications import file_formats, hidden_markup

from ._uploads import PLAIN_PDF, _stream, check, commented, exif_jpeg, libreoffice_pdf, noisy_jpeg, text_png, with_chunk, ztxt

#: What a worker reads for markup in an image, and in a PDF: no word of what was found.
IMAGE_REFUSAL, PDF_REFUSAL = "图片中夹带了其他内容，请重新拍摄后上传。", "PDF 文件中夹带了网页或脚本，请另存为普通 PDF 或改传图片。"


def assert_refused_in_images(markup: bytes) -> None:
    """``markup`` in a JPEG's comment, in a PNG's plain and compressed text: each is refused."""
    for content in (commented(noisy_jpeg(), markup), text_png(markup.decode("latin-1")), with_chunk(text_png(""), b"zTXt", ztxt(markup))):
        checked, refusal = check(content)
        assert checked is None and refusal and refusal.endswith(IMAGE_REFUSAL)


def assert_accepted_in_images(text: bytes) -> None:
    for content in (commented(noisy_jpeg(), text), text_png(text.decode("latin-1"))):
        checked, refusal = check(content)
        assert refusal is None and checked is not None


@pytest.mark.parametrize(
    "markup",
    [
        pytest.param(b'<a href="vbscript:msgbox(1)">x</a>', id="vbscript"),
        pytest.param(b"<a href=VBScript&#58;msgbox(1)>x</a>", id="vbscript-mixed-case-colon-reference"),
        pytest.param(b'<a href="&#118;b&#x73;cript:x">x</a>', id="vbscript-references"),
        pytest.param(b'<embed src="data:text/html,<b>x</b>">', id="data-html"),
        pytest.param(b'<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">', id="data-html-base64"),
        pytest.param(b"<embed src=data:image/svg+xml;base64,PHN2Zz4=>", id="data-svg-unquoted"),
        pytest.param(b'<a href="data:application/javascript,alert(1)">x</a>', id="data-javascript"),
        pytest.param(b'<a href="data:application/xhtml+xml,x">x</a>', id="data-xhtml"),
        pytest.param(b'<a href=" DATA: Text/HTML,x">x</a>', id="data-spaces-and-case"),
        pytest.param(b'<a href="data:\x0ctext/html,x">x</a>', id="data-form-feed-before-the-type"),
        pytest.param(b'<a href="da&#x74;a:te&#9;xt&sol;html,x">x</a>', id="data-references-tab-and-named-slash"),
        pytest.param(b'<a href="data:&#32;image/svg&plus;xml,x">x</a>', id="data-space-reference-and-named-plus"),
        pytest.param(b"<a href=\x01javascript:alert(1)>x</a>", id="raw-control-opening-an-unquoted-value"),
        pytest.param(b"<a href=\x1f\x08vbscript:x>x</a>", id="raw-controls-then-vbscript"),
        pytest.param(b"<a href=\x0bdata:text/html,x>x</a>", id="vertical-tab-then-data"),
        pytest.param(b"<img src=x onerror\x0c=alert(1)>", id="form-feed-before-the-equals"),
        pytest.param(b"<img src=x onerror\t\t=alert(1)>", id="two-tabs"),
        pytest.param(b"<body onload\r\n\r\n=alert(1)>", id="two-line-ends"),
        pytest.param(b"<img src=x ONERROR   =alert(1)>", id="three-spaces-past-the-regex"),
        pytest.param(b"<img src=x onerror" + b" \t\n" * 2000 + b"=alert(1)>", id="six-thousand-whitespace"),
        pytest.param(b"<?=$a=$_GET[0]?>", id="short-echo-with-an-equals"),
        pytest.param(b"<?= 1<2 ? `id` : 0 ?>", id="short-echo-with-a-less-than"),
        pytest.param(b"<?php if ($a < 1) { $b = `id`; } ?>", id="php-tag-with-both"),
    ],
)
def test_an_address_handler_or_php_as_html_and_php_accept_it_is_refused(markup):
    assert_refused_in_images(markup)
    pdf = PLAIN_PDF.replace(b"%%EOF", markup + b"\n%%EOF")
    checked, refusal = check(pdf)
    assert checked is None and refusal and refusal.endswith(PDF_REFUSAL)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(b'<img src="data:image/png;base64,iVBORw0KGgo=">', id="data-picture"),
        pytest.param(b'<a href="data:,hello">x</a>', id="data-without-a-type"),
        pytest.param(b'<a href="data:text/plain,<b>">x</a>', id="data-plain-text"),
        pytest.param(b'<a href="data text/html">x</a>', id="data-without-its-colon"),
        pytest.param(b"Scan data: text/html page; metadata:none", id="data-not-an-attribute-value"),
        pytest.param(b'<a href="vb script:x">x</a>', id="vbscript-with-a-space"),
        pytest.param(b"<a href=\x00javascript:x>x</a>", id="nul-opening-an-unquoted-value"),
        pytest.param(b"<img src=x on\x00error=alert(1)>", id="nul-inside-the-name"),
        pytest.param(b"<img src=x onerror\x0b=alert(1)>", id="vertical-tab-is-part-of-the-name"),
        pytest.param(b"<img src=x onerror\x01 =alert(1)>", id="control-is-part-of-the-name"),
        pytest.param(b"ResolutionUnit   =2 Orientation  =1 onerrors   =1", id="spaced-equals-after-other-names"),
        pytest.param(b"a<?=b=c", id="short-echo-whose-code-never-ends"),
        pytest.param(b"<?=$a=1<?xml", id="short-echo-cut-by-a-tag"),
    ],
)
def test_what_only_looks_like_them_is_accepted(text):
    assert_accepted_in_images(text)


def test_data_in_a_photos_exif_text_is_accepted():
    for description in ("data: 2024-05 证书扫描", "metadata=data:text/plain;scan", "data=text/html"):
        checked, refusal = check(exif_jpeg(description))
        assert refusal is None and checked is not None


def test_a_pdf_whose_xmp_mentions_data_is_accepted():
    """PDF/A writes its metadata as XMP in a stream left uncompressed, readable in the file."""
    xmp = (
        b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about=""'
        b' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/"'
        b' pdf:Keywords="data: scan, data:text/plain" pdf:Producer="LibreOffice 7.4">'
        + '<dc:description><rdf:Alt><rdf:li xml:lang="x-default">data:text/html 的说明</rdf:li></rdf:Alt></dc:description>'.encode()
        + b'</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end="w"?>'
    )
    pdf = libreoffice_pdf(extra=[_stream(b"/Type/Metadata/Subtype/XML", xmp, compress=False)])
    checked, refusal = check(pdf)
    assert refusal is None and checked is not None


def test_past_the_look_backs_one_search_of_the_file_still_finds_a_spaced_handler():
    """Twenty ``=`` after long runs of whitespace are each looked back from up to sixteen, then the
    whole file is searched once: the handler after them is found, and without it the file passes."""
    decoys = b"width   =1 " * 20
    assert_refused_in_images(decoys + b"<img src=x onerror   =alert(1)>")
    assert_accepted_in_images(decoys + b"<img src=x title   =1>")


def test_what_starts_at_an_equals_after_long_whitespace_is_still_read():
    """A ``=`` after three or more whitespace bytes is a candidate handler: what else starts there
    (a JPEG's end, an address) is read too, so a photo whose scan data ends in spaces is whole."""
    photo = noisy_jpeg()
    spaced_end = photo[:-5] + b" \t\n\xff\xd9"
    assert file_formats.image_end(spaced_end, "image/jpeg", markup=True) == len(spaced_end)
    checked, refusal = check(spaced_end)
    assert refusal is None and checked is not None
    for markup in (b'<a href   ="javascript:alert(1)">x</a>', b"<embed src \t\n\x0c=data:text/html,x>"):
        assert_refused_in_images(markup)


@pytest.mark.parametrize(
    "markup",
    [
        pytest.param(b"=?=<script>alert(1)</script>?>", id="script-inside"),
        pytest.param(b"=?<svg onload=alert(1)//", id="svg-at-its-third-byte"),
        pytest.param(b'\xff?\xff<a href="javascript:alert(1)">?>', id="address-inside"),
    ],
)
def test_what_only_looks_like_a_short_echo_tag_hides_no_markup(markup):
    """``=?=`` reads as ``<?=`` in the search, and its run may hold ``<`` and ``=``: once it is
    found not to be one, the bytes it went over are searched again."""
    assert_refused_in_images(markup)


def test_the_look_back_crosses_its_64_byte_steps():
    for spaces in (61, 63, 64, 65, 128, 129):
        text = b"<img src=x onerror" + b" " * spaces + b"=alert(1)>"
        assert hidden_markup.holds_markup(text)
        assert not hidden_markup.holds_markup(text.replace(b"onerror", b"onerrors"))


HTML_SPACE = st.text(alphabet="\t\n\x0c\r ", max_size=300).map(str.encode)
#: The fuzzing settings of ``test_fuzz_parsers.py``: the same examples on every run.
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")), deadline=None, database=None, derandomize=True)


@FUZZ
@given(st.binary(max_size=512), st.sampled_from([b"onerror", b"OnLoad", b"ONERROR"]), HTML_SPACE, st.binary(max_size=512))
def test_a_handler_is_found_after_any_run_of_html_whitespace(before, name, run, after):
    text = before + b" " + name + run + b"=alert(1)" + after
    assert hidden_markup.holds_markup(text) and hidden_markup.holds_markup(text, hidden_markup.PDF_MARKUP)


@FUZZ
@given(HTML_SPACE, st.sampled_from([bytes([code]) for code in (*range(0x09), 0x0B, *range(0x0E, 0x20))]), HTML_SPACE)
def test_a_control_character_that_is_not_whitespace_ends_the_name(run, control, more):
    """HTML's tokenizer makes any other control character (NUL as U+FFFD) part of the name."""
    text = b"<img src=x onerror" + run + control + more + b"=alert(1)>"
    assert not hidden_markup.holds_markup(text) and not hidden_markup.holds_markup(text, hidden_markup.PDF_MARKUP)
