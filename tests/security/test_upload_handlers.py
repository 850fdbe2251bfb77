"""SECURITY.md 13: the markers the markup search of uploads gained after decision 164. Event
handlers that fire without a user's action (``ontoggle``, ``onfocus``, an animation's end ...),
``<object>`` and ``<embed>``, and PHP's short open tag ``<?`` followed by code are refused with the
usual words; what only looks like them (a longer name, a name inside a word, an XML processing
instruction, a ``data:`` address whose media type is percent-encoded) is accepted."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rewards.applications import hidden_markup

from ._uploads import PLAIN_PDF, _stream, check, exif_jpeg, libreoffice_pdf
from .test_upload_markup import FUZZ, PDF_REFUSAL, assert_accepted_in_images, assert_refused_in_images

#: The handlers a page fires by itself, as a page would write each.
SELF_FIRING = [
    b"<details open ontoggle=alert(1)>x</details>",
    b"<input autofocus onfocus=alert(1)>",
    b"<input autofocus onfocusin=alert(1)>",
    b"<body onpageshow=alert(1)>",
    b"<body onbeforeprint=alert(1)>",
    b"<b style=animation:x onanimationstart=alert(1)>",
    b"<b style=animation:x onanimationiteration=alert(1)>",
    b"<b style=animation:x onanimationend=alert(1)>",
    b"<b style=transition:1s ontransitionend=alert(1)>",
    b"<b style=animation:x onwebkitanimationstart=alert(1)>",
    b"<b style=animation:x onwebkitanimationiteration=alert(1)>",
    b"<b style=animation:x onwebkitanimationend=alert(1)>",
    b"<b style=transition:1s onwebkittransitionend=alert(1)>",
    b"<animate onbegin=alert(1) attributeName=x dur=1s>",
    b"<set onend=alert(1) attributeName=x dur=1s>",
    b"<animate onrepeat=alert(1) dur=1s repeatCount=2>",
    b"<marquee onstart=alert(1)>",
    b"<marquee loop=1 onfinish=alert(1)>",
    # Decision 171's gaps: each as a page would make it fire with no click.
    b"<body onpagereveal=alert(1)>",
    b"<body onafterprint=alert(1)>",
    b"<input autofocus onblur=alert(1)>",
    b"<input autofocus onfocusout=alert(1)>",
    b"<b style=animation:x;animation-duration:9s id=x onanimationcancel=alert(1)>",
    b"<input autofocus style=transition:outline;transition-duration:1s ontransitionrun=alert(1)>",
    b"<input autofocus style=transition:outline;transition-duration:1s ontransitionstart=alert(1)>",
    b"<a id=x style=transition:color;transition-duration:9s ontransitioncancel=alert(1)>",
    b"<video src=x onloadstart=alert(1)>",
    b"<video autoplay muted src=/v.mp4 onprogress=alert(1)>",
    b"<video src=/v.mp4 onsuspend=alert(1)>",
    b"<video src=/v.mp4 ondurationchange=alert(1)>",
    b"<audio src=/a.wav onloadedmetadata=alert(1)>",
    b"<audio src=/a.wav onloadeddata=alert(1)>",
    b"<audio src=/a.wav oncanplay=alert(1)>",
    b"<audio src=/a.wav oncanplaythrough=alert(1)>",
    b"<video autoplay muted src=/v.mp4 onplay=alert(1)>",
    b"<video autoplay muted src=/v.mp4 onplaying=alert(1)>",
    b"<video autoplay muted src=/v.mp4 ontimeupdate=alert(1)>",
    b"<video autoplay muted src=/v.mp4 onpause=alert(1)>",
    b"<video autoplay muted src=/v.mp4 onended=alert(1)>",
    b"<video src=/v.mp4#t=1 onseeking=alert(1)>",
    b"<video src=/v.mp4#t=1 onseeked=alert(1)>",
    b"<video src=//slow.example/v.mp4 onstalled=alert(1)>",
    b"<video autoplay muted src=//slow.example/v.mp4 onwaiting=alert(1)>",
    b"<video src=/v.mp4 onresize=alert(1)>",
    b"<video autoplay muted src=/v.mp4><track default src=/c.vtt oncuechange=alert(1)></video>",
    b"<div style=overflow:auto;height:9px onscroll=alert(1)><br><br><a id=x autofocus tabindex=1>",
    b"<div style=overflow:auto;height:9px onscrollend=alert(1)><br><br><a id=x autofocus tabindex=1>",
    b"<div style=overflow:auto;scroll-snap-type:y;height:9px onscrollsnapchange=alert(1)><p style=scroll-snap-align:start>",
    b"<div style=overflow:auto;scroll-snap-type:y;height:9px onscrollsnapchanging=alert(1)><p id=x>",
    b"<div hidden=until-found onbeforematch=alert(1)><a id=x>",
    b"<b style=display:block;content-visibility:auto oncontentvisibilityautostatechange=alert(1)>",
    b"<input autofocus value=x onselectionchange=alert(1)>",
    b"<meta http-equiv=content-security-policy content=img-src:none><img src=x onsecuritypolicyviolation=alert(1)>",
    b"<body onhashchange=alert(1)>",
    b"<body onpopstate=alert(1)>",
    b"<body onmessage=alert(1)>",
    b"<body onpagehide=alert(1)>",
    b"<body onunload=alert(1)>",
    b"<body onbeforeunload=alert(1)>",
    b"<body onpageswap=alert(1)>",
    b"<body onstorage=alert(1)>",
    b"<body ononline=alert(1)>",
    b"<body onoffline=alert(1)>",
    b"<body onlanguagechange=alert(1)>",
]


def assert_refused_everywhere(markup: bytes) -> None:
    assert_refused_in_images(markup)
    checked, refusal = check(PLAIN_PDF.replace(b"%%EOF", markup + b"\n%%EOF"))
    assert checked is None and refusal and refusal.endswith(PDF_REFUSAL)


def _handler_in(markup: bytes) -> bytes:
    return next(part.split(b"=")[0] for part in markup.split() if part.startswith(b"on"))


@pytest.mark.parametrize("markup", SELF_FIRING, ids=lambda markup: _handler_in(markup).decode())
def test_a_handler_that_fires_by_itself_is_refused(markup):
    assert_refused_everywhere(markup)


def test_the_examples_cover_every_handler_searched():
    assert {_handler_in(markup) for markup in SELF_FIRING} | {b"onerror", b"onload"} == set(hidden_markup.HANDLERS)


@pytest.mark.parametrize("name", hidden_markup.HANDLERS, ids=lambda name: name.decode())
def test_each_handler_counts_where_an_attribute_may_start_before_any_whitespace(name):
    """The regex looks back over two whitespace bytes at most; past them :func:`findings` does."""
    for start, gap in itertools.product((b" ", b"/", b'"', b"'", b"`", b"\n"), (b"", b" ", b"\t\n", b"\x0c\r ", b" " * 70)):
        for spelled in (name, name.upper(), name[:3] + name[3:].upper()):
            text = b"<x y=1" + start + spelled + gap + b"=alert(1)>"
            assert hidden_markup.holds_markup(text) and hidden_markup.holds_markup(text, hidden_markup.PDF_MARKUP)
            assert not hidden_markup.holds_markup(text.replace(start + spelled, start + spelled + b"x"))
            assert not hidden_markup.holds_markup(text.replace(start + spelled, start + b"x" + spelled))


def test_a_handler_whose_equals_ends_the_file_is_found():
    for text in (b"x onload=", b"x ontoggle=", b"x onend \t ="):
        assert hidden_markup.holds_markup(text) and hidden_markup.holds_markup(text, hidden_markup.PDF_MARKUP)


@FUZZ
@given(
    st.binary(max_size=256),
    st.sampled_from(hidden_markup.HANDLERS),
    st.sampled_from([b" ", b"/", b'"', b"'", b"\t"]),
    st.text(alphabet="\t\n\x0c\r ", max_size=40).map(str.encode),
    st.binary(max_size=256),
)
def test_a_handler_is_found_whatever_surrounds_it(before, name, start, run, after):
    text = before + start + name + run + b"=alert(1)" + after
    assert hidden_markup.holds_markup(text) and hidden_markup.holds_markup(text, hidden_markup.PDF_MARKUP)


@pytest.mark.parametrize(
    "markup",
    [
        pytest.param(b'<object data="/media/x.html">', id="object"),
        pytest.param(b"<OBJECT\ttype=text/html data=x>", id="object-upper-case-tab"),
        pytest.param(b"<object/data=x>", id="object-slash"),
        pytest.param(b'<embed src="/media/x.svg">', id="embed"),
        pytest.param(b"<EmBeD\nsrc=x>", id="embed-mixed-case-line-end"),
        pytest.param(b"<embed>", id="embed-closed-at-once"),
    ],
)
def test_an_object_or_embed_tag_is_refused(markup):
    assert_refused_everywhere(markup)


@pytest.mark.parametrize(
    "markup",
    [
        pytest.param(b"<? system($_GET[0]); ?>", id="space"),
        pytest.param(b"<?\npassthru($_POST['c'])/*", id="line-end-and-a-comment"),
        pytest.param(b'<?system($_GET["c"])?>', id="name-then-parenthesis"),
        pytest.param(b"<?phpinfo()?>", id="php-then-parenthesis"),
        pytest.param(b"<?eval ($_POST[1]);//", id="name-space-parenthesis"),
        pytest.param(b'<?include"/tmp/x.php"?>', id="name-then-quote"),
        pytest.param(b"<?require '/tmp/x.php'?>", id="name-space-apostrophe"),
        pytest.param(b"<?$a=$_GET[0];eval($a)?>", id="variable"),
        pytest.param(b"<?`id`?>", id="command"),
        pytest.param(b"<?@eval($_POST[1]);//", id="at-sign"),
        # A keyword that takes an expression, whitespace and code: what an XML instruction's
        # target and data would also be, but no instruction's target is a PHP keyword.
        pytest.param(b'<?echo system($_GET["c"])?>', id="echo-then-a-call"),
        pytest.param(b"<?print shell_exec('id')?>", id="print-then-a-call"),
        pytest.param(b"<?include FOO?>", id="include-a-constant"),
        pytest.param(b"<?echo DB_PASSWORD?>", id="echo-a-constant"),
        pytest.param(b"<?INCLUDE_ONCE\tFOO?>", id="include-once-upper-case-tab"),
        pytest.param(b"<?new class{function __construct(){system('id');}}?>", id="new"),
        pytest.param(b"<?function a(){system('id');}a()?>", id="function"),
        pytest.param(b"<?const A=1;system('id')?>", id="const-as-a-pseudo-attribute"),
        pytest.param(b"<?class A{}system('id')?>", id="class-then-code"),
        pytest.param(b"<?Abstract Class A{}system('id')?>", id="abstract-class-mixed-case"),
        # A name, then an operator or punctuation no instruction's target is followed by.
        pytest.param(b"<?echo+system('id')?>", id="unary-plus"),
        pytest.param(b"<?echo~system('id')?>", id="tilde"),
        pytest.param(b"<?echo/**/system('id')?>", id="comment"),
        pytest.param(b"<?echo#c\nsystem('id')?>", id="line-comment"),
        pytest.param(b"<?echo[system('id')]?>", id="bracket"),
        pytest.param(b"<?PHP_OS>system('id')?>", id="comparison"),
        pytest.param(b"<?PHP_OS . system('id')?>", id="concatenation"),
        pytest.param(b"<?PHP_OS-system('id')?>", id="minus-as-a-target-hyphen"),
        pytest.param(b"<?Closure::fromCallable('system')('id')?>", id="static-call"),
        pytest.param(b"<?do{system('id');}while(0)?>", id="brace"),
        pytest.param(b"<?PHP_OS or system('id')?>", id="word-operator"),
    ],
)
def test_php_short_open_tag_followed_by_code_is_refused(markup):
    assert_refused_everywhere(markup)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(b"selectionStart=3 selectionEnd=5 validationError=0 sessionEnd=1", id="names-inside-words"),
        pytest.param(b"xonload=1 _onerror=1 -ontoggle=1 :onfocus=1", id="names-after-other-bytes"),
        pytest.param(b"ontoggled=1 onfocusing=1 onbeginning=1 onends=1 onstarted=1", id="longer-names"),
        pytest.param(b"on\x00toggle=1 onfocus\x01=1", id="controls-in-the-name"),
        pytest.param(b"<objects> <objective> <embedded> <embed-x>", id="longer-tags"),
        pytest.param(b'<?xml version="1.0" encoding="UTF-8"?>', id="xml-declaration"),
        pytest.param(b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>', id="xmp-packet"),
        pytest.param(b'<?xml-stylesheet type="text/xsl" href="s.xsl"?>', id="stylesheet-instruction"),
        pytest.param(b"<?echo 1?>", id="keyword-then-one-byte"),
        pytest.param(b"<?echo?> <?print ?>", id="keyword-alone"),
        pytest.param(b"<?templateDesigner Zoom 100?>", id="xfa-instruction-words"),
        pytest.param(b"<?templateDesigner DefaultLanguage FormCalc?>", id="xfa-instruction-two-words"),
        pytest.param(b"<?templateDesigner Grid show:1, snap:1, origin:(0,0)?>", id="xfa-instruction-grid"),
        pytest.param(b"<?acrobat JavaScript strictScoping?>", id="acrobat-instruction"),
        pytest.param(b'<?xfa generator="AdobeLiveCycleDesigner_V11.0" APIVersion="3.6.13324.0"?>', id="xfa-declaration"),
        pytest.param(b'<?mso-application progid="Word.Document"?>', id="office-instruction"),
        pytest.param(b'<?xml:namespace prefix="o" ns="urn:schemas-microsoft-com:office:office" ?>', id="office-namespace"),
        pytest.param(b"<?Pub Caret?> <?echoes system('id')?> <?reprint x(1)?>", id="words-that-are-no-keyword"),
        pytest.param(b"onplays=1 onscrolled=1 data-onplay=1 xonmessage=1 onpauses=1", id="longer-or-prefixed-media-and-page-names"),
        pytest.param(b"onplay: 3s, onscroll 1, ononline - yes", id="names-without-an-equals"),
        pytest.param(b"<? ab?>", id="two-bytes-after-whitespace"),
        pytest.param(b"<?$a?>", id="one-byte-after-a-variable"),
        pytest.param(b"<?system($_GET[0]);", id="code-that-never-ends"),
        pytest.param(b"=? system($_GET[0]); ?>", id="equals-question-mark"),
        pytest.param(b'<a href="data:text%2fhtml,<b>x</b>">x</a>', id="data-percent-encoded-slash"),
        pytest.param(b'<a href="data:text/ht%6dl,x">x</a>', id="data-percent-encoded-letter"),
    ],
)
def test_what_only_looks_like_them_is_accepted(text):
    assert_accepted_in_images(text)
    checked, refusal = check(PLAIN_PDF.replace(b"%%EOF", text + b"\n%%EOF"))
    assert refusal is None and checked is not None


def test_a_false_short_open_tag_hides_nothing_its_run_went_over():
    """``=?`` reads as ``<?`` in the search: once found not to be one, its bytes are searched again."""
    assert_refused_everywhere(b"=? x(1); <iframe src=x> ?>")
    assert_refused_everywhere(b"\xff?$a; <x ontoggle=alert(1)> ?>")


def test_metadata_that_names_events_is_accepted():
    for description in ("selectionStart=0 transitionEnd=1", "onStart: 2024-05-01 onEnd: 2024-06-01", "<?echo 证书?>"):
        checked, refusal = check(exif_jpeg(description))
        assert refusal is None and checked is not None
    xmp = (
        b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about=""'
        b' xmlns:xmpDM="http://ns.adobe.com/xmp/1.0/DynamicMedia/" xmpDM:onStart="0" xmpDM:onEnd="1">'
        b'</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end="w"?>'
    )
    pdf = libreoffice_pdf(extra=[_stream(b"/Type/Metadata/Subtype/XML", xmp, compress=False)])
    checked, refusal = check(pdf)
    assert refusal is None and checked is not None
