"""Paper and card sizes, grids and duplex modes: plain values, so that the command line can offer
them as choices without loading the print layout (``--help`` stays quick)."""

from __future__ import annotations

PAPERS: dict[str, tuple[float, float]] = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
"""Paper sizes in millimetres, portrait."""
CARD_SIZES: dict[str, tuple[float, float]] = {
    "index-3x5": (127.0, 76.2),
    "index-4x6": (152.4, 101.6),
    "business": (88.9, 50.8),
    "a6": (148.0, 105.0),
    "a7": (105.0, 74.0),
}
"""Card presets in millimetres, landscape."""
GRIDS: dict[int, tuple[int, int]] = {
    1: (1, 1),
    2: (1, 2),
    4: (2, 2),
    6: (2, 3),
    8: (2, 4),
    9: (3, 3),
    10: (2, 5),
    12: (3, 4),
}
"""Cards per page to (columns, rows)."""
MARGIN_MM = 10.0
DUPLEX_MODES = ("long", "short", "fold")
LAYOUTS = ("cards", "sheet")
