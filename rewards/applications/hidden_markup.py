"""Markup or a script hidden in an uploaded file's bytes (SECURITY.md 13): one regex pass in C over
the file with ``=`` (and in an image FF) written as ``<``, so that every marker starts at a ``<``.
Pure functions over bytes; :mod:`.file_formats` uses them for images, PNG text and PDFs."""

from __future__ import annotations

import re
from collections.abc import Iterator


def either_case(word: str) -> str:
    """``word`` for a regex, each letter a class of its two cases (``on`` → ``[oO][nN]``): the
    regex engine rejects a class in one step, where ``re.IGNORECASE`` enters every branch."""
    return "".join(f"[{c}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


#: Named character references HTML decodes to a character of an address (with their ``;``).
_NAMED = {":": "&colon;", "/": "&sol;", "+": "&plus;"}


def _character(char: str) -> str:
    """A character of an attribute's value for a regex: itself (a letter in either case), or a
    character reference to it (``j``: ``&#106;``, ``&#x6A;``, ``&#0074``; the ``;`` may be left
    out, as browsers allow, and a reference ends where its digits do), or its named reference."""
    codes = sorted({ord(char.lower()), ord(char.upper())})
    decimal = "|".join(str(code) for code in codes)
    hexadecimal = "|".join(either_case(f"{code:x}") for code in codes)
    itself = f"[{char.lower()}{char.upper()}]" if char.isalpha() else re.escape(char)
    named = f"|{_NAMED[char]}" if char in _NAMED else ""
    return rf"(?:{itself}|&#(?:0*(?:{decimal})(?![0-9])|[xX]0*(?:{hexadecimal})(?![0-9a-fA-F]));?{named})"


#: What a browser drops from an address before reading its scheme: ASCII tabs and line ends
#: anywhere (``java&#9;script:``), and before it control characters and spaces (``&#32;javascript:``),
#: written as themselves or as references; before an attribute's value, the quote that opens it.
_URL_TAB = r"(?:[\t\n\r]|&(?:#(?:0*(?:9|1[03])(?![0-9])|[xX]0*[9aAdD](?![0-9a-fA-F]));?|Tab;|NewLine;))"
_URL_LEAD = (
    r"(?:[\x01-\x20\"'`]|&(?:#(?:0*(?:[1-9]|[12][0-9]|3[0-2])(?![0-9])|[xX]0*(?:1[0-9a-fA-F]|[1-9a-fA-F]|20)(?![0-9a-fA-F]));?"
    r"|Tab;|NewLine;))"
)
#: What a ``data:`` address's media type may start with, and is stripped: ASCII whitespace.
_MIME_SPACE = rf"(?:{_URL_TAB}|[\x0c ]|&#(?:0*(?:12|32)(?![0-9])|[xX]0*(?:[cC]|20)(?![0-9a-fA-F]));?)"


def _address(text: str) -> str:
    """``text`` as an attribute's value may write it: each character itself (a letter in either
    case) or as a reference, tabs and line ends between them. The runs are possessive: what one
    takes the next cannot, so nothing is tried twice."""
    return rf"{_URL_TAB}*+".join(_character(char) for char in text)


#: The media types a ``data:`` address runs as a page (HTML, XHTML, SVG and XML, which may hold
#: XHTML's ``<script>``) or as a script (``text/javascript`` and its other names), as a top type
#: and a subtype: ``image/html`` and the like count too, as does a longer type that starts like one.
_RUNNABLE_TYPES = (("text", "application", "image"), ("html", "xhtml+xml", "svg+xml", "xml", "javascript", "x-javascript", "ecmascript"))
#: An attribute's value that is an address which runs a script: ``javascript:``, ``vbscript:``
#: (Internet Explorer's), or ``data:`` with one of :data:`_RUNNABLE_TYPES` (whose leading
#: whitespace the address's reader strips); ``data:`` alone (a picture, plain text) does not count.
#: It starts at a letter of one, ``&``, a control character, a space or a quote
#: (:data:`_ADDRESS_START`): a raw control character opens an unquoted value as well as a quoted one
#: (``href=\x01javascript:``, which the address's reader strips).
_ADDRESS_START = r"jJvVdD&\x01-\x20\"'`"
_ADDRESS = (
    rf"{_URL_LEAD}*+(?=[jJvVdD&])(?:{_address('javascript:')}|{_address('vbscript:')}"
    rf"|{_address('data:')}{_MIME_SPACE}*+(?:{'|'.join(map(_address, _RUNNABLE_TYPES[0]))}){_URL_TAB}*+{_character('/')}"
    rf"{_URL_TAB}*+(?:{'|'.join(map(_address, _RUNNABLE_TYPES[1]))}))"
)
#: PHP's short echo tag ``<?=`` (the ``=`` written as ``<`` here), which runs in a file that a
#: server includes as PHP. Its code must end the tag (``?>``) or leave the rest of the file to a
#: comment (``/*``, ``//``), so the tag counts followed by a run of printable text up to one of
#: those: under one chance in 10^11 a byte, where ``<?=`` alone would be in one photo of 2 MB in
#: eight. The run may hold ``<`` and ``=`` (``<?=$a=$_GET[0]?>``), not ``<?``, where the next
#: tag would start: so each byte is in one run at most, whatever the file holds. Bytes that are
#: not text, before the tag's end, let it pass: this finds a payload, it does not parse PHP.
_CODE = r"(?:[\t\n\r\x20-\x2e\x30-\x3b\x3e\x40-\x7e]|<(?!\?)|\?(?!>)|/(?![*/]))"
_CODE_END = r"(?:\?>|/[*/])"
_SHORT_ECHO = rf"<{_CODE}*+{_CODE_END}"
#: PHP's short open tag ``<?`` (a server's ``short_open_tag``: on where no php.ini turns it off,
#: off in the php.ini Debian and PHP's production template ship), followed by code as
#: :data:`_SHORT_ECHO`'s is. ``<?`` is two bytes, in random data once in 65 536, and an XML
#: processing instruction (``<?xpacket begin=…?>`` in every photo with XMP) is printable text up
#: to ``?>`` as well; an instruction's target is a name (``-`` and ``.`` may join its parts, a
#: colon may not) followed by whitespace or ``?>``, and its data, in XMP, XML and XFA, is
#: pseudo-attributes (``version="1.0"``) or words (``<?templateDesigner Zoom 100?>``). So the tag
#: counts where code starts as an instruction cannot:
#:
#: - whitespace and three bytes of code (``<? system($c) ?>``); a variable, a command or ``@`` and
#:   two (``<?$a=…``, ``<?`id`?>``);
#: - a keyword that takes an expression or declares something code may follow
#:   (:data:`_PHP_KEYWORDS`), whitespace and two bytes of code: ``<?echo system($c)?>``,
#:   ``<?include FOO?>``, ``<?echo DB_PASSWORD?>``, ``<?class A{}system($c)?>``, ``<?const
#:   A=1;…`` (PHP 8.2 runs each; an undefined constant stops it with an error, a defined one is
#:   read);
#: - a name, perhaps whitespace, then ``(``, ``$``, a command or a quote and one byte of code
#:   (``<?system(…)``, ``<?phpinfo()?>``, ``<?include "x"?>``), or an operator or punctuation no
#:   instruction's target is followed by and two bytes (``<?echo+system(…)``, ``<?echo/**/…``,
#:   ``<?PHP_OS>system(…)``, ``<?PHP_OS.system(…)``, ``<?Closure::fromCallable(…)``), or
#:   whitespace, ``and``/``or``/``xor``/``instanceof`` and whitespace (``<?PHP_OS or system(…)``).
#:
#: The tag 1.5·10^-5 a byte, a name after it 0.2, an operator after the name 0.1, two bytes of
#: code 0.14, the tag's end 7·10^-5: 3·10^-12 (a keyword: under 10^-15); with whitespace, a
#: variable, a command or a quote first, 7·10^-12 a byte for the short open tag in all. A name,
#: whitespace and a name that is no keyword (``<?xpacket begin=``, ``<?Pub Caret?>``) is an
#: instruction's shape and passes: PHP with short tags refuses to parse a file holding
#: ``<?xpacket begin="…"?>`` or ``<?xml version="1.0"?>``, so nothing in it runs.
_PHP_KEYWORDS = (
    "include_once",
    "require_once",
    "namespace",
    "interface",
    "function",
    "abstract",
    "readonly",
    "include",
    "require",
    "return",
    "clone",
    "print",
    "throw",
    "yield",
    "class",
    "const",
    "final",
    "trait",
    "echo",
    "enum",
    "goto",
    "new",
    "use",
)
#: Words PHP reads as an operator between two expressions (``<?PHP_OS or system(…)?>``).
_PHP_WORD_OPERATORS = ("and", "or", "xor", "instanceof")
_PHP_SPACE = r"[\t\n\r ]"
_PHP_NAME = r"[A-Za-z_][A-Za-z0-9_]*+(?:[-.][A-Za-z0-9_]*+)*+"
_PHP_OPERATOR = rf"(?:[!#%&*+,;>@\[\\\]^{{|}}~]|<(?!\?)|/|::|(?<={_PHP_SPACE})[-.])"
#: What an expression may start with (``?`` may not: ``<?echo ???>`` is no code).
_PHP_EXPRESSION = r"[A-Za-z0-9_$\"'`(\[!~+\-@.\\#/]"
_SHORT_OPEN = (
    rf"(?:{_PHP_SPACE}{_CODE}{{3}}|[$`@]{_CODE}{{2}}"
    rf"|(?:{'|'.join(map(either_case, _PHP_KEYWORDS))}){_PHP_SPACE}++{_PHP_EXPRESSION}{_CODE}"
    rf"|{_PHP_NAME}{_PHP_SPACE}*+(?:[($`\"']{_CODE}|{_PHP_OPERATOR}{_CODE}{{2}}"
    rf"|(?<={_PHP_SPACE})(?:{'|'.join(map(either_case, _PHP_WORD_OPERATORS))}){_PHP_SPACE}{_CODE}{{2}}))"
    rf"{_CODE}*+{_CODE_END}"
)
#: The event handlers searched for: those that run without a user's action on the page, its own
#: or an element's as a page may make it fire, and HTML's whitespace, which may stand between an
#: attribute's name and its ``=`` (any run of it: the tokenizer skips it; other control characters,
#: NUL among them, become part of the name, ``on\x00error`` is no handler). Runs of up to
#: :data:`_SPACES_IN_REGEX` are in the regex; a ``=`` after a longer run is judged by
#: :func:`findings`, so the regex need not look back further than a fixed width. A name counts
#: where an attribute's may start, after whitespace, ``/`` or a quote (:data:`_NAME_START`;
#: backquotes quoted values in old Internet Explorer): ``validationError=``, ``selectionStart=``
#: hold no handler. The shortest, `` onend=``, is in random data once in 10^14 bytes. A handler
#: a user must act on the page for (a click, a key, a hover) is not searched: a page that needs
#: one is seen first. Debian's Chromium 156 fires those marked (seen) with no click and no key
#: (``tests/browser/test_self_firing_handlers.py``); the others by the specification's word.
HANDLERS = (
    # The page's and its elements' loading: onload, onerror (seen), onpageshow (seen), and the
    # page's first rendering (onpagereveal, HTML's WindowEventHandlers).
    b"onerror",
    b"onload",
    b"onpageshow",
    b"onpagereveal",
    # Printing, which the page cannot start without script, but whose pair decision 171 counted.
    b"onbeforeprint",
    b"onafterprint",
    # Focus: autofocus (onfocus, onfocusin, seen); onblur and onfocusout when the focus leaves
    # the page's window, the user switching to another tab or window, or a frame's parent taking
    # it (headless Chromium keeps each page focused); <body onblur> is the window's.
    b"onfocus",
    b"onfocusin",
    b"onblur",
    b"onfocusout",
    # <details open ontoggle> (seen). onbeforetoggle is not searched: a popover or a dialog needs
    # a click or script, and <details open> fires no beforetoggle (not seen).
    b"ontoggle",
    # SVG animation and marquee.
    b"onbegin",
    b"onend",
    b"onrepeat",
    b"onstart",
    b"onfinish",
    # CSS animations (start, iteration, end seen) and transitions (end seen on an autofocused
    # input's outline; run, start and cancel on the same transition: CSS Transitions 2), WebKit's
    # prefixed names, which Chromium fires where no unprefixed handler is set.
    b"onanimationstart",
    b"onanimationiteration",
    b"onanimationend",
    b"onanimationcancel",
    b"ontransitionrun",
    b"ontransitionstart",
    b"ontransitionend",
    b"ontransitioncancel",
    b"onwebkitanimationstart",
    b"onwebkitanimationiteration",
    b"onwebkitanimationend",
    b"onwebkittransitionend",
    # <video>/<audio>: onloadstart fires for any src, one that fails too (seen); a src that loads,
    # with autoplay (muted plays without a gesture) and #t=… fires the rest (seen); onstalled and
    # onwaiting when the server holds the data back. onemptied, onabort, onratechange and
    # onvolumechange need script (load(), a new src, a rate or volume set) and are not searched.
    b"onloadstart",
    b"onprogress",
    b"onsuspend",
    b"ondurationchange",
    b"onloadedmetadata",
    b"onloadeddata",
    b"oncanplay",
    b"oncanplaythrough",
    b"onplay",
    b"onplaying",
    b"ontimeupdate",
    b"onpause",
    b"onended",
    b"onseeking",
    b"onseeked",
    b"onstalled",
    b"onwaiting",
    b"onresize",
    b"oncuechange",
    # Scrolling: a #fragment or autofocus scrolls the page or a scrollable element (onscroll,
    # onscrollend seen); scroll snapping fires on layout (onscrollsnapchange seen, and
    # onscrollsnapchanging with a #fragment); hidden=until-found fires onbeforematch on a
    # #fragment into it; content-visibility:auto fires its state change on layout (seen).
    b"onscroll",
    b"onscrollend",
    b"onscrollsnapchange",
    b"onscrollsnapchanging",
    b"onbeforematch",
    b"oncontentvisibilityautostatechange",
    # An autofocused text field's selection (seen, the field's and the document's).
    b"onselectionchange",
    # A violation of the page's own policy, which a <meta> in the same markup may set.
    b"onsecuritypolicyviolation",
    # The window's, as <body>'s attributes: another page moves the #fragment or posts to it
    # (onhashchange, onpopstate, onmessage seen), resizes its frame, or it is left or closed
    # (onpagehide, onunload seen; onbeforeunload, onpageswap); another tab of the same site writes
    # its storage; the network or the language changes.
    b"onhashchange",
    b"onpopstate",
    b"onmessage",
    b"onpagehide",
    b"onunload",
    b"onbeforeunload",
    b"onpageswap",
    b"onstorage",
    b"ononline",
    b"onoffline",
    b"onlanguagechange",
)
HTML_SPACE = b"\t\n\x0c\r "
_SPACE = r"[\t\n\x0c\r ]"
_NAME_START = r"[\t\n\x0c\r /\"'`]"
_SPACES_IN_REGEX = 2
_LONGEST = max(map(len, HANDLERS))
#: The last letters of :data:`HANDLERS`, each with the names that end in it.
_BY_LAST = {last: [name for name in HANDLERS if name[-1:] == last] for last in sorted({name[-1:] for name in HANDLERS})}


def _letters(position: int) -> str:
    """The letters of :data:`HANDLERS` at ``position`` from their end (-1 the last), both cases."""
    return "".join(sorted({chr(name[position]) + chr(name[position]).upper() for name in HANDLERS}))


def _handlers(*, spaced: bool) -> str:
    """The handlers before a ``<`` (a ``=`` in the file), read by looking back. Each look back is a
    call inside the regex engine, and so is each branch of an alternation that its first byte does
    not rule out; a class, and a run of classes in one look back, is a loop in that call. So every
    ``<`` is looked back from once, over two bytes, each a class (the names' last two letters, or
    whitespace after a name's last letter or after more whitespace: one ``<`` in 100 of compressed
    data passes); then for the names' last two letters, or whitespace, and only then for the
    names, by their last letter. A run of whitespace before the ``<`` takes the same steps, each
    shifted by the run's length. Twenty names cost under 4 µs more than decision 164's two, a
    200 KB photo; looking back for the last letter alone, then by it for the names, cost 17 µs.
    Sixty-six names (13 last letters, 17 before them) cost 4 µs more than twenty a 200 KB photo,
    12 µs a 600 KB PDF: about 2 ns for each ``<`` and ``=``."""
    last, before = _letters(-1), _letters(-2)

    def named(gap: str) -> str:
        return "|".join(
            rf"(?<={either_case(end.decode())}{gap}<)(?:"
            + "|".join(rf"(?<={_NAME_START}{either_case(name.decode())}{gap}<)" for name in names)
            + ")"
            for end, names in _BY_LAST.items()
        )

    # A longer run of whitespace before the "<": findings() looks back (it matches any such "<",
    # so findings() also tries there what it hides: a JPEG's end, an address ...)
    longer = rf"|(?<={_SPACE * (_SPACES_IN_REGEX + 1)}<)(?P<spaced>)" if spaced else ""
    two = rf"(?<=[{before}][{last}]{_SPACE * 2}<)(?:{named(_SPACE * 2)}){longer}"
    one = rf"(?<=[{before}][{last}]{_SPACE}<)(?:{named(_SPACE)})|(?<={_SPACE * 2}<)(?:{two})"
    # Whitespace written out: a class holding ``\s`` tests it as a category, slower than bytes.
    either = "".join(sorted(set(last) | set(before)))
    return rf"(?<=[{either}\t\n\x0c\r ][{last}\t\n\x0c\r ]<)(?:(?<=[{before}][{last}]<)(?:{named('')})|(?<={_SPACE}<)(?:{one}))"


def _markup_regex(*, body: bool, image: bool, spaced: bool = True) -> re.Pattern[bytes]:
    """Markup or a script in a file whose ``=`` and FF bytes are written as ``<`` first
    (:func:`anchored`): every marker then starts at a ``<`` and one pass in C finds them all. A
    single fixed first byte is what the regex engine scans for fastest (a class of first bytes such
    as ``[<=]`` is tested byte by byte at ten times the cost); the byte after the ``<`` is tested
    by one class, which most ``<`` of compressed data fail at once, and a look back then tells which
    tag it began. Only the handlers need a look back at every ``<`` (:func:`_handlers`).

    Random compressed data holds a given k-byte string at a given offset with a chance of about
    1/256^k (a letter in either case counts twice, and ``<`` stands for three bytes here), so each
    marker is long enough, or followed by what ends an HTML tag, to stay under one chance in 10^11
    a byte, one false refusal in 50 000 photos of 2 MB: ``<svg`` alone (5·10^-9 a byte) would refuse
    one in 90, so it counts only followed by an attribute ``xmlns`` or ``on…``, or by ``>`` and an
    element inside it (an SVG with neither runs nothing). The markers: the tags ``<script``,
    ``<iframe``, ``<html``, ``<body``, ``<object``, ``<embed``, ``<svg``, PHP's open tag (whitespace
    must follow it), its short echo tag (:data:`_SHORT_ECHO`) and short open tag followed by code
    (:data:`_SHORT_OPEN`; :func:`findings` checks that the file has ``<?`` and ``<?=``), the
    event handlers that fire by themselves, ``onerror=``, ``ontoggle=`` and the like (whitespace
    allowed before the ``=``, see :data:`HANDLERS`), an attribute whose value is an address that
    runs a script however HTML may write it (:data:`_ADDRESS`: every way of writing a character is
    longer than the character, so random data holds it less often still; ``=data:`` alone,
    2·10^-13 a byte, would be within the budget, and the media type after it keeps a page that
    mentions one out; a media type percent-encoded, ``data:text%2fhtml``, is plain text: the
    address's reader decodes only the body), and, in an image, FF D9 (a JPEG's end, which the
    caller checks: the same bytes after a ``<`` or ``=`` are nothing)."""
    first = r"sSiI?hHoOeE" + ("bB" if body else "") + ("\xd9" if image else "")
    tags = (
        rf"(?<=[sS])(?:{either_case('cript')}|{either_case('vg')}(?:>\s*<|[\s/]+(?:{either_case('xmlns')}|{either_case('on')})))"
        rf"|(?<=[iI]){either_case('frame')}|(?<=\?)(?:{either_case('php')}\s|{_SHORT_ECHO}|{_SHORT_OPEN})|(?<=[hH]){either_case('tml')}[\s/>]"
        rf"|(?<=[oO]){either_case('bject')}[\s/>]|(?<=[eE]){either_case('mbed')}[\s/>]"
        + (rf"|(?<=[bB]){either_case('ody')}[\s/>]" if body else "")
        + (r"|(?<=\xd9)" if image else "")
    )
    starts = rf"(?=[{first}{_ADDRESS_START}])(?:[{first}](?:{tags})|{_ADDRESS})"
    return re.compile(rf"<(?:{_handlers(spaced=spaced)}|{starts})".encode("latin-1"))


IMAGE_MARKUP = _markup_regex(body=True, image=True)
#: A JPEG's end alone, in a file anchored as for :data:`IMAGE_MARKUP`.
JPEG_END = re.compile(rb"<\xd9")
#: In a PDF, not ``<body``: Acrobat keeps a comment's or typed text's formatting as XHTML
#: ``<body xmlns=…>`` in the annotation (``/RC``), readable in a PDF saved without object streams.
PDF_MARKUP = _markup_regex(body=False, image=False)
#: The same, without the ``=`` after a long run of whitespace, once a file is known to hold no
#: spaced handler (:func:`findings`).
_UNSPACED = {
    IMAGE_MARKUP: _markup_regex(body=True, image=True, spaced=False),
    PDF_MARKUP: _markup_regex(body=False, image=False, spaced=False),
}
#: An event handler with any run of whitespace before its ``=``, searched for in a whole file.
_HANDLER_NAME = rf"{_NAME_START}(?:{'|'.join(either_case(name.decode()) for name in HANDLERS)})"
_SPACED_HANDLER = re.compile(rf"{_HANDLER_NAME}{_SPACE}*=".encode())
#: A handler's name that ends where a search ends (:func:`_handler_before`).
_HANDLER_AT_END = re.compile(rf"{_HANDLER_NAME}\Z".encode())


def anchored(content: bytes, *, image: bool) -> bytes:
    """``content`` with ``=`` (and in an image FF) written as ``<``: same length, same offsets.
    ``bytes.replace`` finds a byte with ``memchr`` and copies at memory speed, about 6 µs for
    200 KB, a tenth of one regex pass."""
    content = content.replace(b"=", b"<")
    return content.replace(b"\xff", b"<") if image else content


def jpeg_end_at(found: re.Match[bytes]) -> bool:
    """Whether a match of :data:`IMAGE_MARKUP` is ``<`` D9, which may be a JPEG's end, not markup."""
    return found.end() == found.start() + 2 and found.string[found.start() + 1] == 0xD9


#: How many ``=`` after a long run of whitespace are each looked back from (:func:`findings`).
_LOOKS_BACK = 16


def findings(regex: re.Pattern[bytes], content: bytes, *, image: bool) -> Iterator[re.Match[bytes]]:
    """The matches of ``regex`` (:data:`IMAGE_MARKUP` or :data:`PDF_MARKUP`) in ``content``
    anchored that are markup, or ``<`` D9 (a JPEG's end, or nothing: the caller tells), in order.
    A PHP tag counts only where ``content`` has ``<?`` itself, and a short echo tag only where it
    has ``<?=`` (``<?<`` here also stands for ``=?<``, ``<?\\xff`` and the like); otherwise the
    bytes its run went over are searched again (the run may hold ``<`` and ``=``, where a tag or
    an attribute may start). A ``=`` after a run of whitespace longer than the regex looks back
    over counts only after a handler's name (:func:`_handler_before`); otherwise what the regex
    finds at that ``<`` without it counts, as its match hid it (a JPEG's end, an address).

    Random data has such a ``=`` once in 3·10^7 bytes, so a file has a few at most, each looked
    back from in a microsecond. Past :data:`_LOOKS_BACK` of them (a file of ``   =`` made to cost a
    look back each), one search of the whole file for a spaced handler answers for all: the file
    holds one, or the rest of it is searched without those ``=``."""
    text, looks_left, start = anchored(content, image=image), _LOOKS_BACK, 0
    while True:
        for found in regex.finditer(text, start):
            at = found.start()
            if found.lastgroup == "spaced":
                if content[at] == 0x3D and not looks_left:
                    if _SPACED_HANDLER.search(content):
                        yield found
                        return
                    regex, start = _UNSPACED[regex], at  # the rest of the file without them
                    break
                if content[at] == 0x3D:
                    looks_left -= 1
                    if _handler_before(content, at):
                        yield found
                        continue
                hidden = _UNSPACED[regex].match(text, at)  # what else starts at this "<"
                if hidden is None:
                    continue
                found = hidden
            if text[at + 1 : at + 2] != b"?" or (content[at] == 0x3C and (text[at + 2] != 0x3C or content[at + 2] == 0x3D)):
                yield found
            else:  # not a PHP tag ("=?" or "<?\xff"): what its run went over is searched again
                start = at + 1
                break
        else:
            return


def _handler_before(content: bytes, at: int) -> bool:
    """Whether the run of whitespace that ends at ``at`` follows a handler's name, where an
    attribute's name may start (:data:`_NAME_START`)."""
    start = at
    while start > 0:  # back over the run, 64 bytes at a time: a run of any length costs little
        low = max(0, start - 64)
        kept = content[low:start].rstrip(HTML_SPACE)
        start = low + len(kept)
        if kept:
            break
    return _HANDLER_AT_END.search(content, max(0, start - _LONGEST - 1), start) is not None


def holds_markup(text: bytes, regex: re.Pattern[bytes] = IMAGE_MARKUP) -> bool:
    """Markup or a script in ``text`` (a PNG, the text it carries, a PDF), ``=`` anchored."""
    return any(not jpeg_end_at(found) for found in findings(regex, text, image=False))
