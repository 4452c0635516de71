"""The one function that turns card markdown into a safe HTML fragment, shared by every renderer."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import mistune

from deckbuilder.markdown.cloze import MAYBE_CLOZE, ClozeStyle, cloze_plugin, render_cloze

if TYPE_CHECKING:
    from mistune.block_parser import BlockParser
    from mistune.core import BlockState, InlineState
    from mistune.inline_parser import InlineParser

MathStyle = Literal["tex", "mathjax", "mathml"]
"""How math comes out: ``tex`` keeps ``$…$``/``$$…$$``; ``mathjax`` uses Anki's ``\\(…\\)``/``\\[…\\]``;
``mathml`` converts to MathML, which browsers render with no script or network (for print)."""

MARKUP_VERSION = 1
"""Bump when the HTML produced for the same markdown changes, so that edited notes update in Anki."""

MARKDOWN_PLUGINS = ("table", "strikethrough")

# Pandoc's rule for inline math: the opening $ is followed by a non-space, the closing $ follows a
# non-space and is not followed by a digit, so "$3 and $4" stays text.
INLINE_MATH = (
    r"\$\$(?P<display_math_body>(?:[^$\\]|\\.)+?)\$\$"
    r"|\$(?=[^\s$])(?P<inline_math_body>(?:[^$\\\n]|\\.)*?[^\s\\$])\$(?!\d)"
    r"|\$(?P<single_math_body>[^\s$\\\d])\$(?!\d)"
)
BLOCK_MATH = r"^ {0,3}\$\$[ \t]*\n(?P<block_math_body>[\s\S]*?)\n {0,3}\$\$[ \t]*$"

HTML_TAGS = frozenset(
    [
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "cite",
        "code",
        "col",
        "colgroup",
        "dd",
        "del",
        "details",
        "dfn",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "rp",
        "rt",
        "ruby",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
        "var",
        "wbr",
    ]
)
MATHML_TAGS = frozenset(
    [
        "math",
        "mi",
        "mn",
        "mo",
        "ms",
        "mtext",
        "mspace",
        "mrow",
        "mfrac",
        "msqrt",
        "mroot",
        "mstyle",
        "merror",
        "mpadded",
        "mphantom",
        "msub",
        "msup",
        "msubsup",
        "munder",
        "mover",
        "munderover",
        "mmultiscripts",
        "mprescripts",
        "none",
        "mtable",
        "mtr",
        "mtd",
        "semantics",
        "annotation",
        "menclose",
    ]
)
"""MathML Core, for math converted for print; it carries no links or scripts."""
MATHML_ATTRIBUTES = frozenset(
    [
        "display",
        "mathvariant",
        "stretchy",
        "fence",
        "separator",
        "accent",
        "accentunder",
        "lspace",
        "rspace",
        "minsize",
        "maxsize",
        "largeop",
        "movablelimits",
        "symmetric",
        "linethickness",
        "columnalign",
        "rowalign",
        "columnspan",
        "rowspan",
        "width",
        "height",
        "depth",
        "scriptlevel",
        "displaystyle",
        "notation",
        "encoding",
    ]
)
ALLOWED_TAGS = set(HTML_TAGS | MATHML_TAGS)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"class", "title", "lang", "dir"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "td": {"style", "colspan", "rowspan"},
    "th": {"style", "colspan", "rowspan"},
    **{tag: set(MATHML_ATTRIBUTES) for tag in MATHML_TAGS},
}
URL_SCHEMES = {"http", "https", "mailto", "data"}


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
    sanitized: no scripts, event handlers or ``javascript:`` links survive.
    """
    key = fragment_key(markdown, options)
    cached = _FRAGMENTS.get(key)
    if cached is None:
        cached = render_fragment(key)
        if len(_FRAGMENTS) >= FRAGMENT_CACHE_SIZE:
            _FRAGMENTS.clear()
        _FRAGMENTS[key] = cached
    return cached


FragmentKey = tuple[str, MathStyle, "Callable[[str], str] | None", ClozeStyle, "int | None"]
"""What a rendered fragment depends on: the markdown and the options that can affect it."""
FRAGMENT_CACHE_SIZE = 1 << 18
_FRAGMENTS: dict[FragmentKey, str] = {}
"""Rendered fragments of this process: several outputs render the same cards."""


def fragment_key(markdown: str, options: MarkupOptions = DEFAULT_OPTIONS) -> FragmentKey:
    """The options reduced to those that can change this markdown's HTML, so that renderings share."""
    math = options.math if "$" in markdown else "tex"
    image_src = options.image_src if "](" in markdown or "<img" in markdown or "]:" in markdown else None
    if MAYBE_CLOZE in markdown:
        return (markdown, math, image_src, options.cloze, options.cloze_number)
    return (markdown, math, image_src, "anki", None)


def render_fragment(key: FragmentKey) -> str:
    """Render a fragment from its key (no caching; see to_html)."""
    markdown, math, image_src, cloze, cloze_number = key
    rendered = _markdown(math, image_src, cloze, cloze_number, syntax_in(markdown))(markdown)
    assert isinstance(rendered, str)
    return sanitize(rendered.strip())


def prime(rendered: dict[FragmentKey, str]) -> None:
    """Put fragments rendered elsewhere (another process, a disk cache) into this process's cache."""
    if len(_FRAGMENTS) + len(rendered) >= FRAGMENT_CACHE_SIZE:
        _FRAGMENTS.clear()
    _FRAGMENTS.update(rendered)


def to_inline_html(markdown: str, options: MarkupOptions = DEFAULT_OPTIONS) -> str:
    """Like to_html, without the paragraph around a one-paragraph text (for questions and titles)."""
    fragment = to_html(markdown, options)
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
        filter_style_properties={"text-align"},
        link_rel=None,
    )


@lru_cache(maxsize=256)
def _markdown(
    math: MathStyle,
    image_src: Callable[[str], str] | None,
    cloze: ClozeStyle,
    cloze_number: int | None,
    syntax: frozenset[str],
) -> mistune.Markdown:
    renderer = CardRenderer(math, image_src, cloze, cloze_number)
    return _with_plugins(renderer, [SYNTAX_PLUGINS[name] for name in sorted(syntax)])


def _with_plugins(renderer: mistune.HTMLRenderer | None, plugins: list[Any]) -> mistune.Markdown:
    """mistune.create_markdown, with the block parser that searches line starts only."""
    from mistune.plugins import import_plugin

    from deckbuilder.markdown.scanning import LineStartBlockParser

    return mistune.Markdown(
        renderer=renderer,
        block=LineStartBlockParser(),
        inline=mistune.InlineParser(),
        plugins=[import_plugin(plugin) for plugin in plugins],
    )


def syntax_in(markdown: str) -> frozenset[str]:
    """The optional syntaxes the text may use. Each one costs every inline scan some time (math
    and cloze doubled the rendering time of plain cards), so a card gets only those it could use."""
    return frozenset(name for name, mark in SYNTAX_MARKS.items() if mark in markdown)


SYNTAX_MARKS = {"table": "|", "strikethrough": "~~", "math": "$", "cloze": MAYBE_CLOZE}
"""Each optional syntax and a substring that any use of it contains."""


class CardRenderer(mistune.HTMLRenderer):
    """mistune's HTML renderer with highlighted code, math markers, clozes and mapped image sources."""

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

    def inline_math(self, text: str) -> str:
        if self.math_style == "mathml":
            return _mathml(text, display=False)
        opening, closing = ("\\(", "\\)") if self.math_style == "mathjax" else ("$", "$")
        return f'<span class="math">{opening}{html.escape(text, quote=False)}{closing}</span>'

    def block_math(self, text: str) -> str:
        if self.math_style == "mathml":
            return f'<div class="math">{_mathml(text, display=True)}</div>\n'
        opening, closing = ("\\[", "\\]") if self.math_style == "mathjax" else ("$$", "$$")
        return f'<div class="math">{opening}{html.escape(text, quote=False)}{closing}</div>\n'


def _mathml(tex: str, display: bool) -> str:
    from latex2mathml.converter import convert

    try:
        return str(convert(tex, display="block" if display else "inline"))
    except Exception:  # latex2mathml raises many kinds; unknown TeX prints as TeX instead
        return f'<code class="tex">{html.escape(tex, quote=False)}</code>'


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


def is_local_reference(url: str) -> bool:
    """True for a relative or absolute file path, false for a URL with a scheme or a data URI."""
    return not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url) and not url.startswith("//")


def _parse_inline_math(inline: InlineParser, m: re.Match[str], state: InlineState) -> int:
    display = m.group("display_math_body")
    if display is not None:
        state.append_token({"type": "block_math", "raw": display})
    else:
        text = m.group("inline_math_body") or m.group("single_math_body")
        state.append_token({"type": "inline_math", "raw": text})
    return m.end()


def _parse_block_math(block: BlockParser, m: re.Match[str], state: BlockState) -> int:
    state.append_token({"type": "block_math", "raw": m.group("block_math_body")})
    return m.end() + 1


def math_plugin(md: mistune.Markdown) -> None:
    """``$…$`` and ``$$…$$`` as math tokens, so markdown never touches what is inside them."""
    md.block.register("block_math", BLOCK_MATH, _parse_block_math, before="list")
    md.inline.register("inline_math", INLINE_MATH, _parse_inline_math, before="codespan")


def image_references(markdown: str) -> list[str]:
    """The image sources a piece of card markdown refers to, in order."""
    if "![" not in markdown:
        return []  # no image syntax at all: skip the parse
    tokens = ast(markdown)
    found: list[str] = []
    _collect_images(tokens, found)
    return found


@lru_cache(maxsize=1)
def _ast_markdown() -> mistune.Markdown:
    return _with_plugins(None, list(SYNTAX_PLUGINS.values()))


def ast(markdown: str) -> list[dict[str, Any]]:
    """mistune's tokens for card markdown, with math and cloze tokens."""
    tokens = _ast_markdown()(markdown)
    assert isinstance(tokens, list)
    return tokens


def _collect_images(tokens: Any, found: list[str]) -> None:
    for token in tokens:
        if token.get("type") == "image":
            found.append(str(token.get("attrs", {}).get("url", "")))
        if "children" in token:
            _collect_images(token["children"], found)


def to_text(markdown: str, options: MarkupOptions = DEFAULT_OPTIONS) -> str:
    """Card markdown as plain readable text, for spreadsheets and apps that show no HTML."""
    from deckbuilder.html.plaintext import html_to_text

    return html_to_text(to_html(markdown, options))


SYNTAX_PLUGINS: dict[str, Any] = {
    "table": "table",
    "strikethrough": "strikethrough",
    "math": math_plugin,
    "cloze": cloze_plugin,
}
