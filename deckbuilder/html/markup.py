"""The one function that turns card markdown into a safe HTML fragment, shared by every renderer."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import mistune

from deckbuilder.html.allowlists import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, SAFE_STYLE_PROPERTIES, URL_SCHEMES
from deckbuilder.html.references import html_image_sources, is_local_reference
from deckbuilder.markdown.cloze import MAYBE_CLOZE, ClozeStyle, render_cloze
from deckbuilder.markdown.dialect import SYNTAX_PLUGINS, parser, syntax_in

if TYPE_CHECKING:
    pass

MathStyle = Literal["tex", "mathjax", "mathml"]
"""How math comes out: ``tex`` keeps ``$…$``/``$$…$$``; ``mathjax`` uses Anki's ``\\(…\\)``/``\\[…\\]``;
``mathml`` converts to MathML, which browsers render with no script or network (for print)."""


@dataclass(frozen=True, slots=True)
class MarkupOptions:
    """What a renderer may choose about the HTML it gets."""

    math: MathStyle = "tex"
    image_src: Callable[[str], str] | None = None
    """Maps an image reference from the markdown to the src to write (e.g. a media file name)."""
    cloze: ClozeStyle = "anki"
    cloze_number: int | None = None
    """The deletion number a ``front`` or ``back`` rendering is about; None means every number."""


DEFAULT_OPTIONS = MarkupOptions()


def to_html(markdown: str, options: MarkupOptions = DEFAULT_OPTIONS) -> str:
    """Render card markdown to a sanitized HTML fragment.

    Inline code, emphasis, lists, tables, images and links come out as usual; fenced code with a
    language is highlighted with Pygments (class names from its default HTML formatter); math is
    kept as TeX inside ``<span class="math">`` or ``<div class="math">``. Raw HTML is allowed but
    sanitized: no scripts, event handlers or ``javascript:`` links survive. Renderers that ask for
    the same fragment more than once go through a ``Fragments`` table instead.
    """
    return render_key(fragment_key(markdown, options))


FragmentKey = tuple[str, MathStyle, "Callable[[str], str] | None", ClozeStyle, "int | None"]
"""What a rendered fragment depends on: the markdown and the options that can affect it."""


def fragment_key(markdown: str, options: MarkupOptions = DEFAULT_OPTIONS) -> FragmentKey:
    """The options reduced to those that can change this markdown's HTML, so that renderings share."""
    math = options.math if "$" in markdown else "tex"
    image_src = options.image_src if "](" in markdown or "<img" in markdown or "]:" in markdown else None
    if MAYBE_CLOZE in markdown:
        return (markdown, math, image_src, options.cloze, options.cloze_number)
    return (markdown, math, image_src, "anki", None)


PLAIN_TEXT = re.compile(r"[^\W\d_](?:[^\W_]|[ ,.?;:'\"()/%+-])*")
"""Words with plain punctuation, starting with a letter, on one line: text that markdown leaves as
it is (no emphasis, code, link, entity, list or heading can start in it), one paragraph."""


def render_key(key: FragmentKey) -> str:
    """Render a fragment from its key."""
    if plain_text(key[0]):
        # A tenth of mistune's time for a question of plain words, with the same HTML (the sanitizer
        # writes quotes as they are; tests/test_fuzz.py checks the two against each other).
        return f"<p>{key[0]}</p>"
    return rendered_by_mistune(key)


def plain_text(markdown: str) -> bool:
    """Whether markdown renders this text as it is, one paragraph (PLAIN_TEXT)."""
    return PLAIN_TEXT.fullmatch(markdown) is not None and not markdown.endswith(" ")


def rendered_by_mistune(key: FragmentKey) -> str:
    markdown, math, image_src, cloze, cloze_number = key
    rendered = _markdown(math, image_src, cloze, cloze_number, syntax_in(markdown))(markdown)
    assert isinstance(rendered, str)
    # Display math standing alone splits its paragraph, leaving empty ones around it.
    return sanitize(rendered.replace("<p></p>", "").strip())


def to_inline_html(markdown: str, options: MarkupOptions = DEFAULT_OPTIONS) -> str:
    """Like to_html, without the paragraph around a one-paragraph text (for questions and titles)."""
    return inline(to_html(markdown, options))


def inline(fragment: str) -> str:
    """A fragment without the paragraph around it when it is one paragraph."""
    inner = fragment[3:-4]
    if fragment.startswith("<p>") and fragment.endswith("</p>") and "<p>" not in inner:
        return inner
    return fragment


def sanitize(fragment: str) -> str:
    """Remove anything active from an HTML fragment while keeping formatting and code highlighting."""
    return str(_cleaner().clean(fragment))


@lru_cache(maxsize=1)
def _cleaner() -> Any:
    import nh3

    # One Cleaner for the process: building one per call costs more than the cleaning itself.
    return nh3.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        attribute_filter=_safe_attribute,
    )


def _safe_attribute(element: str, attribute: str, value: str) -> str | None:
    """data: URIs are kept for images (print embeds its images so) but never as a link's target,
    which would open a page of the deck's making; a style keeps its harmless declarations."""
    if attribute == "href" and value.lstrip()[:5].lower() == "data:":
        return "#harmful-link"
    if attribute == "style":
        return safe_style(value)
    return value


STYLE_VALUE = re.compile(r"""(?:[\w\s#%.,'"+-]|(?:rgba?|hsla?)\([\w\s%.,/+-]*\))*""", re.ASCII)
"""A value of plain words, numbers, colours and quoted names: nothing that loads, escapes or calls
anything but a colour function."""


def safe_style(style: str) -> str | None:
    """The style's declarations of SAFE_STYLE_PROPERTIES with plain values: as written (Anki's
    ``color: rgb(255, 0, 0);``, byte for byte) when all of them are, else those alone; None when
    none is."""
    kept = []
    declarations = [part for part in style.split(";") if part.strip()]
    for declaration in declarations:
        name, colon, value = declaration.partition(":")
        if colon and name.strip().lower() in SAFE_STYLE_PROPERTIES and STYLE_VALUE.fullmatch(value.strip()):
            kept.append(f"{name.strip().lower()}: {value.strip()}")
    if not kept:
        return None
    return style if len(kept) == len(declarations) else "; ".join(kept) + ";"


@lru_cache(maxsize=256)
def _markdown(
    math: MathStyle,
    image_src: Callable[[str], str] | None,
    cloze: ClozeStyle,
    cloze_number: int | None,
    syntax: frozenset[str],
) -> mistune.Markdown:
    renderer = CardRenderer(math, image_src, cloze, cloze_number)
    return parser(renderer, [SYNTAX_PLUGINS[name] for name in sorted(syntax)])


class CardRenderer(mistune.HTMLRenderer):
    """mistune's HTML renderer with highlighted code, math markers, clozes and mapped image sources."""

    # Print embeds a deck's images as data: URIs; mistune allows only GIF, PNG, JPEG and WebP ones,
    # and an SVG, AVIF or BMP picture printed as a broken "#harmful-link". Images run no script.
    GOOD_DATA_PROTOCOLS = (
        *mistune.HTMLRenderer.GOOD_DATA_PROTOCOLS,
        "data:image/svg+xml;",
        "data:image/avif;",
        "data:image/bmp;",
    )

    def __init__(
        self,
        math: MathStyle,
        image_src: Callable[[str], str] | None,
        cloze: ClozeStyle = "anki",
        cloze_number: int | None = None,
    ) -> None:
        super().__init__(escape=False)
        self.math_style = math
        self.image_src = image_src
        self.cloze_style = cloze
        self.cloze_number = cloze_number

    def cloze(self, text: str, number: int, hint: str) -> str:
        return render_cloze(self.cloze_style, self.cloze_number, text, number, hint)

    def codespan(self, text: str) -> str:
        return self._literal_braces(super().codespan(text))

    def _literal_braces(self, code_html: str) -> str:
        # Anki finds cloze deletions anywhere in a field, code included; a <wbr> between the braces
        # keeps code that shows Anki's syntax literal, and is invisible.
        return code_html.replace("{{", "{<wbr>{") if self.cloze_style == "anki" else code_html

    def block_code(self, code: str, info: str | None = None) -> str:
        language = (info or "").strip().split(None, 1)[0] if (info or "").strip() else ""
        return self._literal_braces(highlight_code(code, language))

    def image(self, text: str, url: str, title: str | None = None) -> str:
        if self.image_src is not None and is_local_reference(url):
            url = self.image_src(url)
        return super().image(text, url, title)

    def linebreak(self) -> str:
        return "<br>"  # as Anki's editor writes a line break, with no newline after it

    def strong(self, text: str) -> str:
        return f"<b>{text}</b>"  # as Anki's editor writes bold, so that a field built back is Anki's

    def emphasis(self, text: str) -> str:
        return f"<i>{text}</i>"

    def inline_html(self, html: str) -> str:
        return super().inline_html(self._local_sources(html))

    def block_html(self, html: str) -> str:
        return super().block_html(self._local_sources(html))

    def _local_sources(self, fragment: str) -> str:
        """An ``<img>`` written as HTML shows its local file as a markdown image does (packaged, or
        embedded in print)."""
        image_src = self.image_src
        if image_src is None or "<img" not in fragment.lower():
            return fragment
        for start, end, source in reversed(html_image_sources(fragment)):
            if is_local_reference(source):
                named = html.escape(image_src(html.unescape(source)))
                fragment = fragment[:start] + named + fragment[end:]
        return fragment

    def inline_math(self, text: str) -> str:
        if self.math_style == "mathml":
            return _mathml(text, display=False)
        if self.math_style == "mathjax":  # as Anki writes math: its delimiters, nothing around them
            return f"\\({html.escape(text, quote=False)}\\)"
        return f'<span class="math">${html.escape(text, quote=False)}$</span>'

    def block_math(self, text: str) -> str:
        if self.math_style == "mathml":
            return f'<div class="math">{_mathml(text, display=True)}</div>\n'
        if self.math_style == "mathjax":
            return f"\\[{html.escape(text, quote=False)}\\]\n"
        return f'<div class="math">$${html.escape(text, quote=False)}$$</div>\n'


def _mathml(tex: str, display: bool) -> str:
    from latex2mathml.converter import convert

    try:
        converted = str(convert(tex, display="block" if display else "inline"))
    except Exception:  # latex2mathml raises many kinds; unknown TeX prints as TeX instead
        return f'<code class="tex">{html.escape(tex, quote=False)}</code>'
    return typeset(converted)


FUNCTION_NAME = re.compile(
    r"(?<!<msub>)(?<!<msup>)(?<!<msubsup>)(?<!<munder>)(?<!<munderover>)"
    r"(<m[io]>(?:arccos|arcsin|arctan|arg|cosh?|coth?|csc|deg|det|dim|exp|gcd|hom|inf|ker|lg|lim|ln|log"
    r"|max|min|Pr|sec|sinh?|sup|tanh?)</m[io]>)(?!<mo[^>]*>(?:\(|&#x00028;))"
)
"""A function name (\\log, \\sin, \\max…) followed by its argument rather than by parentheses."""
GREEK_CAPITAL = re.compile(r"<mi>(&#x0039[1-9A-F];|&#x003A[013-9];)</mi>")
THIN_SPACE = '<mspace width="0.1667em"></mspace>'


def typeset(mathml: str) -> str:
    """latex2mathml's MathML as TeX sets it: a thin space after a function name before its
    argument (\\log n is not "logn"), upright Greek capitals (\\Theta is upright in TeX, italic in
    MathML by default). Fences and large operators stretch by the print stylesheet's math font."""
    mathml = FUNCTION_NAME.sub(lambda found: found.group(1) + THIN_SPACE, mathml)
    return GREEK_CAPITAL.sub(r'<mi mathvariant="normal">\1</mi>', mathml)


def highlight_code(code: str, language: str) -> str:
    """A code block: Pygments-highlighted when the language is known, plain but escaped otherwise."""
    if language:
        lexer = _lexer(language)
        if lexer is not None:
            from pygments import highlight
            from pygments.formatters import HtmlFormatter

            return highlight(code, lexer, HtmlFormatter(cssclass="highlight"))
    attrs = f' class="language-{html.escape(language)}"' if language else ""
    return f"<pre><code{attrs}>{html.escape(code, quote=False)}</code></pre>\n"


@lru_cache(maxsize=64)
def _lexer(language: str) -> Any:
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(language)
    except ClassNotFound:
        return None


def highlight_css(selector: str = ".highlight", style: str = "default") -> str:
    """The Pygments stylesheet for highlighted code under ``selector``."""
    from pygments.formatters import HtmlFormatter

    formatter: Any = HtmlFormatter(style=style)
    return str(formatter.get_style_defs(selector))


def to_text(markdown: str, options: MarkupOptions = DEFAULT_OPTIONS) -> str:
    """Card markdown as plain readable text, for spreadsheets and apps that show no HTML."""
    from deckbuilder.html.plaintext import html_to_text

    return html_to_text(to_html(markdown, options))
