"""A reproducible zip written by hand, each member deflated in pieces of its own.

Each piece of a member is deflated apart and ends on a byte boundary (a full flush, so nothing in it
refers back to an earlier piece); the pieces laid end to end, and an empty last block, make the
member's deflate stream. A piece's bytes then depend on the piece alone, and a rebuild that changed
a few pages of a large collection can take the other pieces' deflated bytes from the last build
(incremental.rows) instead of deflating twenty megabytes again. Dates and permissions are fixed, so
the bytes depend on the content alone.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Sequence

PIECE = 1 << 18
"""Bytes deflated apart: small enough that an edit leaves most pieces as they were, large enough
that the compression lost at each piece's start (no earlier bytes to refer to) is negligible."""
LEVEL = 1
"""A third of the time of zlib's default level on a large deck, for a slightly larger file."""
LAST_BLOCK = zlib.compressobj(LEVEL, zlib.DEFLATED, -15).flush()
"""An empty deflate block marked last: what ends each member's stream of pieces."""
DOS_DATE = ((2020 - 1980) << 9) | (1 << 5) | 1
DOS_TIME = 0
"""2020-01-01 00:00:00, every member's date."""
UNIX_FILE = 0o644 << 16
LARGEST = (1 << 32) - 1
"""Sizes and offsets a zip without its 64-bit extension can hold."""

Deflate = Callable[[str, int, bytes], bytes]
"""The deflated bytes of a member's piece, given the member's name, the piece's index and its bytes."""


def deflate_piece(member: str, index: int, piece: bytes) -> bytes:
    """A piece deflated on its own, ending on a byte boundary with no last-block mark."""
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
    return compressor.compress(piece) + compressor.flush(zlib.Z_FULL_FLUSH)


def zipped(members: Sequence[tuple[str, bytes]], deflate: Deflate = deflate_piece) -> bytes:
    """A zip of the members (ASCII names), each deflated in pieces by ``deflate``."""
    archive = bytearray()
    directory = bytearray()
    for name, data in members:
        encoded = name.encode("ascii")
        pieces = [
            deflate(name, index, data[start : start + PIECE])
            for index, start in enumerate(range(0, len(data), PIECE))
        ]
        body = b"".join(pieces) + LAST_BLOCK
        crc = zlib.crc32(data)
        offset = len(archive)
        if max(len(data), len(body), offset) > LARGEST:
            raise ValueError(f"{name}: the package would be over 4 GB, more than a zip without ZIP64 holds")
        # Version needed (2.0: deflate), flags, method 8 (deflate), time, date, CRC-32, sizes, name and
        # extra lengths: in the local header and again in the central directory's entry.
        common = struct.pack(
            "<HHHHHIIIHH", 20, 0, 8, DOS_TIME, DOS_DATE, crc, len(body), len(data), len(encoded), 0
        )
        archive += struct.pack("<I", 0x04034B50) + common + encoded + body
        # The entry: made by Unix 2.0; no comment, disk 0, no internal attributes, the file's mode, offset.
        directory += struct.pack("<IH", 0x02014B50, (3 << 8) | 20) + common
        directory += struct.pack("<HHHII", 0, 0, 0, UNIX_FILE, offset)
        directory += encoded
    count = len(members)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(directory), len(archive), 0)
    return bytes(archive + directory + end)
