"""The files of the upload tests (SECURITY.md 13), built in memory: photos (of noise: JPEG cannot
compress them much), PNGs with text chunks, a zip, a LibreOffice-like PDF with its cross-reference
table, and :func:`check`, the judgement a worker's upload gets. Shared by test_uploads.py,
test_uploads_images.py, test_uploads_pdf.py, test_upload_markup.py, test_upload_handlers.py and
test_pdf_object_streams.py."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

from rewards.applications import materials

PLAIN_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "JPEG")
    return out.getvalue()


def check(content: bytes):  # type: ignore[no-untyped-def]
    return materials.check_upload("id_card", io.BytesIO(content))


def noisy_jpeg(side: int = 300, seed: int = 1, **options) -> bytes:  # type: ignore[no-untyped-def]
    """A photo of noise, which JPEG cannot compress much: over 64 KB, and random bytes throughout."""
    import random

    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), random.Random(seed).randbytes(side * side * 3)).save(out, "JPEG", **{"quality": 90, **options})
    return out.getvalue()


def noisy_png(side: int = 200, pnginfo=None) -> bytes:  # type: ignore[no-untyped-def]
    import random

    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), random.Random(side).randbytes(side * side * 3)).save(out, "PNG", pnginfo=pnginfo)
    return out.getvalue()


def commented(photo: bytes, text: bytes) -> bytes:
    """``photo`` with a comment segment (COM) right after its start: near the start of the file."""
    return photo[:2] + b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text + photo[2:]


def zipped(comment: bytes = b"") -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("Exploit.class", b"\xca\xfe\xba\xbe" * 16)
        archive.comment = comment
    return out.getvalue()


def exif_jpeg(description: str) -> bytes:
    exif = Image.Exif()
    exif[0x010E] = description  # ImageDescription
    return noisy_jpeg(exif=exif.tobytes())


def text_png(text: str) -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", text)
    return noisy_png(pnginfo=info)


def with_chunk(image: bytes, kind: bytes, data: bytes) -> bytes:
    """``image`` (a PNG) with a chunk added before its ``IEND``: after the image data, where Pillow
    reads no text when it opens or verifies the file."""
    chunk = len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
    end = image.rindex(b"IEND") - 4
    return image[:end] + chunk + image[end:]


def ztxt(text: bytes, *, keyword: bytes = b"Comment") -> bytes:
    return keyword + b"\x00\x00" + zlib.compress(text)


def _pdf_file(objects: list[bytes], *, version: bytes = b"1.6") -> bytes:
    """A PDF whose objects are numbered from 1 in the order given, the first the catalog, with its
    cross-reference table at the right offsets (as a writer does; Poppler reads it without repair)."""
    out = bytearray(b"%PDF-" + version + b"\n%\xc3\xa4\xc3\xbc\xc3\xb6\xc3\x9f\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R\n/ID [ <8A3F> <8A3F> ]\n>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(dictionary: bytes, data: bytes, *, compress: bool = True) -> bytes:
    import zlib

    if compress:
        data, dictionary = zlib.compress(data), dictionary + b"/Filter/FlateDecode"
    return b"<<" + dictionary + b"/Length %d>>\nstream\n" % len(data) + data + b"\nendstream"


def libreoffice_pdf(
    open_action: bytes = b"[3 0 R /XYZ null null 0]",
    *,
    extra: list[bytes] | None = None,
    icc: bool = False,
    profile_time: tuple[int, int, int, int, int, int] = (2020, 10, 15, 9, 30, 0),
) -> bytes:
    """A certificate scan exported from LibreOffice Writer, as it writes one: the catalog opens the
    document at its first page (``/OpenAction[3 0 R /XYZ null null 0]``), the page draws a line of
    text and the scan (a JPEG, kept as DCT data), the content stream is compressed; with ``icc``,
    as PDF/A export writes it, an sRGB colour profile (a compressed stream with /N 3) in the output
    intent, made at ``profile_time``."""
    from PIL import ImageCms

    scan = io.BytesIO()
    Image.new("RGB", (120, 80), (240, 235, 220)).save(scan, "JPEG", quality=80)
    intent = b"/OutputIntents[<</Type/OutputIntent/S/GTS_PDFA1/OutputConditionIdentifier(sRGB IEC61966-2.1)/DestOutputProfile 8 0 R>>]"
    catalog = b"<</Type/Catalog/Pages 2 0 R\n/OpenAction" + open_action + b"\n/Lang(zh-CN)\n" + (intent if icc else b"") + b">>"
    objects = [
        catalog,
        b"<</Type/Pages\n/Resources 4 0 R\n/MediaBox[ 0 0 595.303937007874 841.889763779528 ]\n/Kids[ 3 0 R ]\n/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/Resources 4 0 R/MediaBox[0 0 595.303937007874 841.889763779528]"
        b"/Group<</S/Transparency/CS/DeviceRGB/I true>>/Contents 5 0 R>>",
        b"<</Font<</F1 6 0 R>>\n/XObject<</Im7 7 0 R>>\n/ProcSet[/PDF/Text/ImageC/ImageI/ImageB]\n>>",
        _stream(
            b"",
            b"0.1 w\nq 0 0.1 595.3 841.8 re\nW* n\nBT\n56.8 773.1 Td /F1 12 Tf[(Certificate)]TJ\nET\nq 180 0 0 120 56.8 600 cm /Im7 Do Q\nQ\n",
        ),
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica/Encoding/WinAnsiEncoding>>",
        _stream(
            b"/Type/XObject/Subtype/Image/Width 120/Height 80/BitsPerComponent 8/ColorSpace/DeviceRGB/Filter/DCTDecode",
            scan.getvalue(),
            compress=False,
        ),
    ]
    if icc:
        # The profile's creation time (header bytes 24–36) given, not the clock's: a test reads
        # the same file whatever second it runs in (decision 173).
        profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
        profile = profile[:24] + struct.pack(">6H", *profile_time) + profile[36:]
        objects.append(_stream(b"/N 3", profile))
    return _pdf_file(objects + (extra or []))


URI_ACTION = b"<</S/URI/URI(https://example.org/phish)>>"
