"""SECURITY.md 13: the event handlers the upload search counts as firing with no click do fire in
Debian's Chromium with no input at all: a page of them is opened from a file (a WAV beside it
for the media), then given only what another page or the user's leaving gives it (a new
#fragment, a posted message, a navigation away). Each one seen is one the search refuses
(:data:`rewards.applications.hidden_markup.HANDLERS`)."""

from __future__ import annotations

import wave
from pathlib import Path

from rewards.applications import hidden_markup

MEDIA = [
    "loadstart",
    "progress",
    "suspend",
    "durationchange",
    "loadedmetadata",
    "loadeddata",
    "canplay",
    "canplaythrough",
    "play",
    "playing",
    "timeupdate",
    "pause",
    "ended",
    "seeking",
    "seeked",
    "resize",
]


def _handlers(tag: str, names: list[str]) -> str:
    return " ".join(f"on{name}=\"seen('{tag}:{name}')\"" for name in names)


PAGE = f"""<!doctype html><html><head><script>
var fired = new Set();
function seen(name) {{ fired.add(name); localStorage.setItem("seen", (localStorage.getItem("seen") || "") + " " + name); }}
</script><style>@keyframes k {{ from {{ opacity: 0 }} to {{ opacity: 1 }} }}</style></head>
<body onpageshow="seen('body:pageshow')" onscroll="seen('body:scroll')" onhashchange="seen('body:hashchange')"
 onpopstate="seen('body:popstate')" onmessage="seen('body:message')"
 onpagehide="seen('body:pagehide')" onunload="seen('body:unload')">
<video muted autoplay src="a.wav#t=0.1" {_handlers("video", MEDIA)}></video>
<audio src="missing.wav" onerror="seen('audio:error')" onloadstart="seen('audio:loadstart')"></audio>
<b style="display:block;animation:k 100ms infinite" {_handlers("b", ["animationstart", "animationiteration"])}></b>
<i style="display:block;animation:k 40ms" onanimationend="seen('i:animationend')"></i>
<input autofocus value="x" style="transition:outline 40ms" {_handlers("input", ["focus", "focusin", "transitionend", "selectionchange"])}>
<details open ontoggle="seen('details:toggle')"><summary>s</summary>x</details>
<div style="content-visibility:auto" oncontentvisibilityautostatechange="seen('div:contentvisibilityautostatechange')">c</div>
<div style="overflow:auto;height:40px;scroll-snap-type:y mandatory" {_handlers("snap", ["scroll", "scrollend", "scrollsnapchange", "scrollsnapchanging"])}>
<div style="height:40px;scroll-snap-align:start"></div><div style="height:40px;scroll-snap-align:start" id="s">s</div></div>
<div style="height:3000px"></div>
</body></html>"""

#: What each step is seen to fire, with no click and no key.
ON_LOADING = {f"video:{name}" for name in MEDIA} | {
    "audio:error",
    "audio:loadstart",  # a src that fails starts loading all the same
    "body:pageshow",
    "b:animationstart",
    "b:animationiteration",
    "i:animationend",  # an animation that ends; one that repeats is always active when a frame is late
    "details:toggle",
    "div:contentvisibilityautostatechange",
    "snap:scrollsnapchange",
}
ON_LOADING_AUTOFOCUSED = {"input:focus", "input:focusin", "input:transitionend", "input:selectionchange"}
ON_A_FRAGMENT = {"body:scroll", "snap:scroll", "snap:scrollend", "snap:scrollsnapchanging"}
FROM_ANOTHER_PAGE = {"body:hashchange", "body:popstate", "body:message"}
#: onblur and onfocusout fire when the user switches to another tab or window, which headless
#: Chromium's focus emulation keeps from happening (each page keeps its focus): not checked here.
ON_LEAVING = {"body:pagehide", "body:unload"}


def _fired(page) -> set[str]:  # type: ignore[no-untyped-def]
    return set(page.evaluate("[...fired]"))


def _awaited(page, expected: set[str], seconds: float = 10) -> set[str]:  # type: ignore[no-untyped-def]
    """What the page has fired once ``expected`` has, or after ``seconds`` (a loaded machine
    plays the half second of sound late)."""
    for _ in range(int(seconds * 10)):
        if expected <= (fired := _fired(page)):
            return fired
        page.wait_for_timeout(100)
    return _fired(page)


def test_the_handlers_counted_as_firing_by_themselves_fire_with_no_input(browser, tmp_path: Path):
    with wave.open(str(tmp_path / "a.wav"), "wb") as sound:
        sound.setnchannels(1), sound.setsampwidth(2), sound.setframerate(8000)
        sound.writeframes(b"\x00\x00" * 4000)  # half a second of silence
    (tmp_path / "index.html").write_text(PAGE)
    seen = ON_LOADING | ON_LOADING_AUTOFOCUSED | ON_A_FRAGMENT | FROM_ANOTHER_PAGE | ON_LEAVING
    assert {f"on{name.split(':')[1]}".encode() for name in seen} <= set(hidden_markup.HANDLERS)

    context = browser.new_context()
    page = context.new_page()
    page.goto((tmp_path / "index.html").as_uri())
    assert _awaited(page, ON_LOADING | ON_LOADING_AUTOFOCUSED) >= ON_LOADING | ON_LOADING_AUTOFOCUSED
    page.evaluate("location.hash = '#elsewhere'; postMessage('x', '*')")  # as an opener or a parent may
    assert _awaited(page, FROM_ANOTHER_PAGE) >= FROM_ANOTHER_PAGE
    page.evaluate("localStorage.clear()")
    page.goto("about:blank")  # leaving: what fires then is kept in the page's storage
    (tmp_path / "left.html").write_text("<!doctype html><title>left</title>")
    page.goto((tmp_path / "left.html").as_uri())
    assert set(page.evaluate("localStorage.getItem('seen') || ''").split()) >= ON_LEAVING
    page.goto((tmp_path / "index.html").as_uri() + "#s")
    assert _awaited(page, ON_A_FRAGMENT) >= ON_A_FRAGMENT
    context.close()
