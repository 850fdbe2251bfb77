"""SECURITY.md 13: a PDF's structure. Scripts hidden by escaped names or in object streams
(compressed or not, padded, typed or not, behind a predictor), forms, media and actions that
reach out, and an opening action that does more than show a page are refused; what ordinary
writers make (pydyf, Pillow, LibreOffice, WPS, pdfTeX's hyperref, a PDF/A colour profile) is
accepted."""

from __future__ import annotations

import io
import zlib

import pytest
from PIL import Image

from ._uploads import PLAIN_PDF, URI_ACTION, _stream, check, libreoffice_pdf


def _objstm_pdf(inner: bytes) -> bytes:
    import zlib

    body = zlib.compress(b"3 0 " + inner)
    return (
        b"%PDF-1.5\n1 0 obj<</Type/Catalog>>endobj\n2 0 obj<</Type/ObjStm/N 1/First 4/Filter/FlateDecode/Length "
        + str(len(body)).encode()
        + b">>stream\n"
        + body
        + b"\nendstream\nendobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


JAVASCRIPT = b"<</S/JavaScript/JS(app.alert(1))>>"


@pytest.mark.parametrize(
    "content",
    [
        PLAIN_PDF.replace(b"/Type/Catalog", b"/Type/Catalog/Open#41ction<</S/J#61vaScript/J#53(app.alert(1))>>"),  # names escaped
        _objstm_pdf(b"<</S/JavaScript/JS(app.alert(1))>>"),  # inside a compressed object stream
        _objstm_pdf(b"<</S/J#61vaScript/J#53(app.alert(1))>>"),  # both
    ],
)
def test_scripts_hidden_by_name_escapes_or_object_streams_are_refused(content):
    _, error = check(content)
    assert error is not None and "脚本" in error


def test_an_object_stream_without_scripts_is_accepted():
    checked, error = check(_objstm_pdf(b"<</Type/Page/MediaBox[0 0 595 842]>>"))
    assert error is None and checked is not None


def test_a_pdf_carrying_a_web_page_is_refused():
    page = (
        b"%PDF-1.4\n<html><body><img src=x onerror=alert(1)></body></html>\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    _, refusal = check(page)
    assert refusal and "夹带了网页或脚本" in refusal


@pytest.mark.parametrize(
    "dictionary",
    [
        pytest.param(b"/Padding(" + b"x" * 600 + b")", id="600-bytes-after"),
        pytest.param(b"/Padding<</A(" + b"x" * 600 + b")>>", id="600-bytes-in-a-dictionary"),
        pytest.param(b"/Padding<" + b"41" * 2500 + b">", id="5000-bytes-hex"),
        pytest.param(b"/Padding(" + b"x" * 100_000 + b")", id="100000-bytes"),
        pytest.param(b"/P(a\\)<<b(c)d" + b"x" * 600 + b")", id="brackets-in-a-string"),
        pytest.param(b"/D<</X 1>>%<<" + b"x" * 600 + b"\n", id="a-comment"),
    ],
)
def test_padding_in_an_object_streams_dictionary_does_not_hide_its_scripts(dictionary):
    _, refusal = check(_objstm_pdf(JAVASCRIPT).replace(b"/Filter", dictionary + b"/Filter", 1))
    assert refusal and "脚本" in refusal


def test_an_object_stream_without_its_type_is_still_one():
    _, refusal = check(_objstm_pdf(JAVASCRIPT).replace(b"/Type/ObjStm", b""))
    assert refusal and "脚本" in refusal


def test_a_stream_keyword_in_a_string_does_not_swallow_the_object_stream_after_it():
    import zlib

    decoy = zlib.compress(b"nothing").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    pdf = _objstm_pdf(JAVASCRIPT).replace(b"2 0 obj<<", b"2 0 obj<</X(stream\n" + decoy + b")", 1)
    _, refusal = check(pdf)
    assert refusal and "脚本" in refusal


def test_an_object_stream_cut_by_an_endstream_inside_its_data_is_suspect():
    """Its first block stored (the word ``endstream`` readable in the file), the script compressed
    in the next: read up to that word, the stream looked clean."""
    import zlib

    head, tail = b"3 0 <</X(endstream)>>", JAVASCRIPT
    stored, packed = zlib.compressobj(0, zlib.DEFLATED, -15), zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = stored.compress(head) + stored.flush(zlib.Z_SYNC_FLUSH) + packed.compress(tail) + packed.flush()
    body = b"\x78\x01" + deflated + zlib.adler32(head + tail).to_bytes(4, "big")
    assert zlib.decompress(body) == head + tail and b"endstream" in body and b"JavaScript" not in body
    pdf = _objstm_pdf(b"").replace(zlib.compress(b"3 0 "), body)
    _, refusal = check(pdf)
    assert refusal and "脚本" in refusal


def test_a_padded_object_stream_without_scripts_is_accepted():
    checked, refusal = check(_objstm_pdf(b"<</Type/Page>>").replace(b"/Filter", b"/Padding(" + b"x" * 600 + b")/Filter", 1))
    assert refusal is None and checked is not None


def test_an_object_stream_with_neither_type_nor_first_is_still_one():
    """MuPDF reads an object stream by its /N alone, counting offsets from 0 without /First."""
    for count in (b"/N 1", b"/#4E 1"):
        pdf = _objstm_pdf(JAVASCRIPT).replace(b"/Type/ObjStm/N 1/First 4", count)
        pdf = pdf.replace(zlib.compress(b"3 0 " + JAVASCRIPT), zlib.compress(b"3 4 " + JAVASCRIPT))
        assert b"ObjStm" not in pdf and b"First" not in pdf
        _, refusal = check(pdf)
        assert refusal and "脚本" in refusal


def test_an_object_stream_whose_bytes_pass_through_a_predictor_is_suspect():
    """A TIFF predictor stores each byte as its difference from the one before: unpacked, the
    names are not there to read until the differences are undone."""
    inner = b"3 0 " + JAVASCRIPT
    differences = bytes([inner[0]]) + bytes((inner[i] - inner[i - 1]) % 256 for i in range(1, len(inner)))
    pdf = _objstm_pdf(b"").replace(zlib.compress(b"3 0 "), zlib.compress(differences))
    pdf = pdf.replace(b"/Filter", b"/DecodeParms<</Predictor 2/Columns %d>>/Filter" % len(inner))
    assert b"JavaScript" not in differences
    _, refusal = check(pdf)
    assert refusal and "脚本" in refusal


@pytest.mark.parametrize("compress", [True, False])
def test_a_colour_profile_is_not_taken_for_an_object_stream(compress):
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    pdf = _catalog(b"/OutputIntents[<</S/GTS_PDFA1/DestOutputProfile 2 0 R>>]").replace(
        b"trailer", b"2 0 obj" + _stream(b"/N 3/Alternate/DeviceRGB", profile, compress=compress) + b"\nendobj\ntrailer"
    )
    checked, refusal = check(pdf)
    assert refusal is None and checked is not None


@pytest.mark.parametrize(("inner", "refused"), [(JAVASCRIPT, True), (b"<</Type/Page/MediaBox[0 0 595 842]>>", False)])
def test_an_uncompressed_object_stream_is_read_in_the_clear(inner, refused):
    pdf = _catalog(b"").replace(
        b"trailer", b"2 0 obj" + _stream(b"/Type/ObjStm/N 1/First 4", b"3 0 " + inner, compress=False) + b"\nendobj\ntrailer"
    )
    checked, refusal = check(pdf)
    assert (checked is None) == refused and (refusal is not None) == refused


# --- forms, media and actions; what ordinary writers make ----------------------------------------


def _catalog(entries: bytes) -> bytes:
    return PLAIN_PDF.replace(b"/Type/Catalog", b"/Type/Catalog" + entries)


@pytest.mark.parametrize(
    "entries",
    [
        pytest.param(b"/AcroForm<</Fields[]/XFA 5 0 R>>", id="xfa"),
        pytest.param(b"/Annots[<</Subtype/RichMedia/RichMediaContent<<>>>>]", id="rich-media"),
        *(
            pytest.param(b"/Annots[<</Subtype/Link/A<</S/" + action + b">>>>]", id=action.decode())
            for action in (
                b"SubmitForm",
                b"ImportData",
                b"GoToR/F(\\\\\\\\host\\\\share\\\\x.pdf)",
                b"GoToE",
                b"Rendition",
                b"Movie",
                b"Sound",
            )
        ),
        pytest.param(b"/Annots[<</Subtype/Link/A<</S/Submit#46orm>>>>]", id="escaped"),
    ],
)
def test_forms_media_and_actions_that_reach_out_are_refused(entries):
    _, refusal = check(_catalog(entries))
    assert refusal and "脚本" in refusal


def test_a_script_in_a_compressed_xfa_form_is_refused_by_the_form_itself():
    import zlib

    form = zlib.compress(
        b'<xdp:xdp><template><subform><event activity="initialize"><script>app.alert(1)</script></event></subform></template></xdp:xdp>'
    )
    pdf = _catalog(b"/AcroForm<</Fields[]/XFA 5 0 R>>").replace(
        b"trailer",
        b"5 0 obj<</Filter/FlateDecode/Length " + str(len(form)).encode() + b">>stream\n" + form + b"\nendstream\nendobj\ntrailer",
    )
    _, refusal = check(pdf)
    assert refusal and "脚本" in refusal


def _generated_pdf() -> bytes:
    """What a simple generator writes (pydyf, WeasyPrint's writer): a page with a web link, its
    objects packed into compressed object streams."""
    import pydyf

    document = pydyf.PDF()
    link = pydyf.Dictionary(
        {
            "Type": "/Annot",
            "Subtype": "/Link",
            "Rect": pydyf.Array([0, 0, 100, 20]),
            "A": pydyf.Dictionary({"S": "/URI", "URI": pydyf.String("https://example.org/?a=1")}),
        }
    )
    document.add_object(link)
    content = pydyf.Stream([b"BT /F1 12 Tf 10 10 Td (certificate) Tj ET"], compress=True)
    document.add_object(content)
    page = pydyf.Dictionary(
        {
            "Type": "/Page",
            "Parent": document.pages.reference,
            "MediaBox": pydyf.Array([0, 0, 595, 842]),
            "Contents": content.reference,
            "Annots": pydyf.Array([link.reference]),
        }
    )
    document.add_page(page)
    out = io.BytesIO()
    document.write(out, compress=True)
    return out.getvalue()


def _pillow_pdf() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (200, 100), "white").save(out, "PDF")
    return out.getvalue()


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(_generated_pdf(), id="pydyf-object-streams-and-a-link"),
        pytest.param(_pillow_pdf(), id="pillow-scan"),
        pytest.param(_catalog(b"/Annots[<</Subtype/Link/A<</S/URI/URI(https://example.org/?a=1)>>>>]"), id="web-link"),
        pytest.param(_catalog(b"/Info<</AAPL:Keywords[(x)]>>/AcroForm<</Fields[]>>/JSX 1"), id="names-that-begin-like-active-ones"),
        pytest.param(
            _catalog(
                b'/Annots[<</Subtype/FreeText/RC(<?xml version="1.0"?><body xmlns="http://www.w3.org/1999/xhtml"><p>ok</p></body>)>>]'
            ),
            id="acrobat-typed-text",
        ),
    ],
)
def test_ordinary_pdfs_are_accepted(content):
    checked, refusal = check(content)
    assert refusal is None and checked is not None


# --- the opening action (/OpenAction) ------------------------------------------------------------


#: Exported by LibreOffice 7.4 (Debian 12, ``soffice --headless --convert-to pdf``) from a sheet
#: holding a title and a JPEG scan of a certificate: as PDF 1.6, and as PDF/A-2b (with an sRGB
#: profile, a compressed stream with /N 3). Both open with ``/OpenAction[1 0 R /XYZ null null 0]``.
LIBREOFFICE_EXPORTS = ("libreoffice-7.4-certificate-scan.pdf", "libreoffice-7.4-certificate-scan-pdfa-2b.pdf")


@pytest.mark.parametrize("name", ["written-here", *LIBREOFFICE_EXPORTS])
def test_a_libreoffice_pdf_that_opens_at_its_first_page_is_accepted(name):
    """A worker exporting a certificate scan from LibreOffice was refused for its /OpenAction."""
    import shutil
    import subprocess
    from pathlib import Path

    pdf = libreoffice_pdf() if name == "written-here" else (Path(__file__).parent / "files" / name).read_bytes()
    assert b"/OpenAction[" in pdf
    if shutil.which("pdftotext"):  # a real PDF, as a reader sees it
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        assert "Certificate" in text or "ZS-2020-0001" in text
    checked, refusal = check(pdf)
    assert refusal is None and checked is not None and checked.content == pdf


def _pydyf_pdf(opening: str, *, objects: int = 0) -> bytes:
    """A PDF whose catalog, with its /OpenAction, is inside a compressed object stream (pydyf): to
    the first page (``fit``), by a /GoTo action in the same object stream, as pdfTeX with hyperref
    writes it (``go-to-by-reference``), or to a web address, given in place or by reference; with
    ``objects`` more objects in the object stream (pydyf puts them all in one)."""
    import pydyf

    document = pydyf.PDF()
    page = pydyf.Dictionary({"Type": "/Page", "Parent": document.pages.reference, "MediaBox": pydyf.Array([0, 0, 595, 842])})
    document.add_page(page)
    for number in range(objects):
        document.add_object(pydyf.Dictionary({"Type": "/Annot", "Subtype": "/Text", "Rect": pydyf.Array([0, 0, number, 10])}))
    actions = {
        "fit": pydyf.Array([page.reference, "/Fit"]),
        "go-to-by-reference": pydyf.Dictionary({"S": "/GoTo", "D": pydyf.Array([page.reference, "/Fit"])}),
        "uri": pydyf.Dictionary({"S": "/URI", "URI": pydyf.String("https://example.org/")}),
        "uri-by-reference": pydyf.Dictionary({"S": "/URI", "URI": pydyf.String("https://example.org/")}),
    }
    action = actions[opening]
    if opening.endswith("by-reference"):
        document.add_object(action)
        action = action.reference
    document.catalog["OpenAction"] = action
    out = io.BytesIO()
    document.write(out, compress=True)
    assert not any(name in out.getvalue() for name in (b"OpenAction", b"GoTo", b"URI"))
    return out.getvalue()


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(libreoffice_pdf(b"[3 0 R /Fit]"), id="wps-fit"),
        pytest.param(libreoffice_pdf(b"[3 0 R/FitH 841]"), id="fit-width"),
        pytest.param(libreoffice_pdf(b"<< /S /GoTo /D [ 3 0 R /Fit ] >>"), id="hyperref-goto"),
        pytest.param(libreoffice_pdf(b"<</S/GoTo/D(page.1)>>"), id="goto-named-destination"),
        pytest.param(libreoffice_pdf(b" 8 0 R", extra=[b"[3 0 R /XYZ null null 0]"]), id="indirect-destination"),
        pytest.param(libreoffice_pdf(b" 9 0 R", extra=[b"[3 0 R /Fit]"], icc=True), id="indirect-destination-beside-a-colour-profile"),
        pytest.param(
            libreoffice_pdf(b" 8 0 R", extra=[b"<</S/GoTo/D[3 0 R/Fit]/Next 9 0 R>>", b"<</S/GoTo/D[3 0 R/Fit]>>"]), id="goto-then-goto"
        ),
        pytest.param(libreoffice_pdf().replace(b"/OpenAction", b"/Open#41ction"), id="escaped-name"),
        pytest.param(libreoffice_pdf(icc=True), id="pdf-a-with-a-colour-profile"),
        pytest.param(_pydyf_pdf("fit"), id="in-an-object-stream"),
        pytest.param(_pydyf_pdf("go-to-by-reference"), id="hyperref-by-reference-in-an-object-stream"),
        pytest.param(_pydyf_pdf("go-to-by-reference", objects=20_000), id="by-reference-among-twenty-thousand-objects"),
    ],
)
def test_opening_at_a_page_is_accepted(content):
    checked, refusal = check(content)
    assert refusal is None and checked is not None


@pytest.mark.parametrize(
    "content",
    [
        *(
            pytest.param(libreoffice_pdf(b"<</S/" + action + b">>"), id=action.decode().split("/")[0])
            for action in (
                b"URI/URI(https://example.org/phish)",
                b"Hide/T(field)",
                b"Named/N/Print",
                b"JavaScript/JS(app.alert(1))",
                b"Launch/F(cmd.exe)",
                b"SubmitForm/F(https://example.org/)",
                b"ImportData/F(data.fdf)",
                b"GoToR/F(other.pdf)/D[0/Fit]",
                b"GoToE/T<</R/C/N(a.pdf)>>",
                b"Rendition/OP 0",
                b"Sound/Sound 9 0 R",
                b"Movie/T(clip)",
                b"SetOCGState/State[/OFF]",
            )
        ),
        pytest.param(libreoffice_pdf(b"<</S/U#52I/URI(https://example.org/)>>"), id="escaped-uri"),
        pytest.param(libreoffice_pdf(b"<</S/GoTo/D[3 0 R/Fit]/S/URI/URI(https://example.org/)>>"), id="two-kinds"),
        pytest.param(libreoffice_pdf(b"<</D[3 0 R/Fit]>>"), id="no-kind"),
        pytest.param(libreoffice_pdf(b"<</S 8 0 R/URI(https://example.org/)>>", extra=[b"/URI"]), id="kind-by-reference"),
        pytest.param(libreoffice_pdf(b"<</S/GoTo/D[3 0 R/Fit]/Next" + URI_ACTION + b">>"), id="goto-then-uri"),
        pytest.param(
            libreoffice_pdf(b"<</S/GoTo/D[3 0 R/Fit]/Next[<</S/GoTo/D[3 0 R/Fit]>> 8 0 R]>>", extra=[URI_ACTION]),
            id="goto-then-list-with-uri",
        ),
        pytest.param(libreoffice_pdf(b" 8 0 R", extra=[URI_ACTION]), id="indirect-uri"),
        pytest.param(libreoffice_pdf(b" 8 0 R", extra=[b" 9 0 R", b"<</S/Named/N/NextPage>>"]), id="indirect-twice"),
        pytest.param(libreoffice_pdf(b" 8 0 R", extra=[b"<</S/GoTo/D[3 0 R/Fit]/Next 8 0 R>>"]), id="goto-chain-in-a-cycle"),
        pytest.param(libreoffice_pdf(b" 8 0 R") + b"8 0 obj " + URI_ACTION + b" endobj\n", id="indirect-defined-after-the-end"),
        pytest.param(libreoffice_pdf(b" 18 0 R"), id="indirect-to-nothing"),
        pytest.param(
            libreoffice_pdf(b" 8 0 R", extra=[b"[3 0 R/Fit]"]).replace(
                b"%%EOF\n", b"%%EOF\n00008 %a comment\n0 obj " + URI_ACTION + b" endobj\n"
            ),
            id="decoy-destination-then-the-real-object-updated",
        ),
        pytest.param(
            libreoffice_pdf(b" 8 0 R", extra=[_stream(b"/N 1/First 4", b"8 0 " + URI_ACTION)]).replace(b"8 0 obj", b"9 0 obj"),
            id="indirect-into-an-object-stream",
        ),
        pytest.param(libreoffice_pdf(b"(javascript:alert(1))"), id="a-string"),
        pytest.param(libreoffice_pdf(b"[3 0 R /Fit]" + b"/OpenAction[3 0 R /Fit]" * 20), id="too-many"),
        pytest.param(libreoffice_pdf(b"[" * 5000), id="unreadable"),
        pytest.param(
            libreoffice_pdf(b" 9 0 R", extra=[_stream(b"/Type/ObjStm/N 999999999/First 4", b"1 1 " * 100_000), b"[3 0 R /Fit]"]),
            id="indirect-beside-an-object-stream-of-a-billion-objects",
        ),
        pytest.param(
            libreoffice_pdf(b"<</S/GoTo/D[3 0 R/Fit]/Next[" + b"".join(b"%d 0 R " % number for number in range(9, 2000)) + b"]>>"),
            id="thousands-of-references",
        ),
        pytest.param(_pydyf_pdf("uri"), id="in-an-object-stream"),
        pytest.param(_pydyf_pdf("uri-by-reference"), id="by-reference-in-an-object-stream"),
    ],
)
def test_an_opening_action_that_does_more_than_show_a_page_is_refused(content):
    checked, refusal = check(content)
    assert checked is None and refusal and "脚本" in refusal


def test_a_shading_whose_function_has_an_n_does_not_hide_where_the_opening_goes():
    """A mesh shading is a compressed stream whose dictionary may hold a function with an /N: it is
    unpacked as an object stream might be, and it holds no objects, so a reference resolves."""
    shading = _stream(
        b"/ShadingType 4/ColorSpace/DeviceRGB/BitsPerCoordinate 8/BitsPerComponent 8/BitsPerFlag 8"
        b"/Decode[0 1 0 1 0 1 0 1 0 1]/Function<</FunctionType 2/Domain[0 1]/C0[0 0 0]/C1[1 1 1]/N 1>>",
        b"\x00" * 64,
    )
    checked, refusal = check(libreoffice_pdf(b" 9 0 R", extra=[shading, b"[3 0 R /Fit]"]))
    assert refusal is None and checked is not None
