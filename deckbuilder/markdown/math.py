"""``$…$`` and ``$$…$$`` math as mistune tokens, so markdown never touches what is inside them."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import mistune
    from mistune.block_parser import BlockParser
    from mistune.core import BlockState, InlineState
    from mistune.inline_parser import InlineParser

# Pandoc's rule for inline math: the opening $ is followed by a non-space, the closing $ follows a
# non-space and is not followed by a digit, so "$3 and $4" stays text.
INLINE_MATH = (
    r"\$\$(?P<display_math_body>(?:[^$\\]|\\.)+?)\$\$"
    r"|\$(?=[^\s$])(?P<inline_math_body>(?:[^$\\\n]|\\.)*?[^\s\\$])\$(?!\d)"
    r"|\$(?P<single_math_body>[^\s$\\\d])\$(?!\d)"
)
BLOCK_MATH = r"^ {0,3}\$\$[ \t]*\n(?P<block_math_body>(?:(?!\n[ \t]*\n)[\s\S])*?)\n {0,3}\$\$[ \t]*$"
"""``$$`` alone on a line, the math, ``$$`` alone on a line; never across a blank line (TeX allows
none in display math): a ``$$`` that closes ``$$x = …`` written on one line is no opener, and the
cards below it are not swallowed up to the next ``$$``."""


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
